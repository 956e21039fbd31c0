// pipeline.cpp: the pipeline config loader (pipeline.h): a table of typed bindings, so every
// section and key is checked the same way.
#include <charconv>
#include <cmath>
#include <vector>

#include <ruvllm/pipeline/pipeline.h>

#include "core/yaml_internal.h"

namespace ruvllm {

namespace {

enum class Kind { boolean, integer, integer64, unsigned64, real, text };

struct Binding {
    const char* section;  // "" for top-level keys
    const char* key;
    Kind kind;
    void* value;
    std::vector<const char*> allowed = {};  // for text: the allowed values ({} = any)
};

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::boolean:
            return "true or false";
        case Kind::integer:
        case Kind::integer64:
            return "an integer";
        case Kind::unsigned64:
            return "a non-negative integer";
        case Kind::real:
            return "a number";
        case Kind::text:
            return "a string";
    }
    return "a value";
}

// Parses `s` into the binding; false if it is not of the binding's kind.
bool parse_value(const Binding& b, const std::string& s) {
    const char* first = s.data();
    const char* last = s.data() + s.size();
    switch (b.kind) {
        case Kind::boolean:
            if (s == "true" || s == "false") {
                *static_cast<bool*>(b.value) = s == "true";
                return true;
            }
            return false;
        case Kind::integer: {
            int v = 0;
            auto r = std::from_chars(first, last, v);
            if (r.ec != std::errc() || r.ptr != last) {
                return false;
            }
            *static_cast<int*>(b.value) = v;
            return true;
        }
        case Kind::integer64: {
            int64_t v = 0;
            auto r = std::from_chars(first, last, v);
            if (r.ec != std::errc() || r.ptr != last) {
                return false;
            }
            *static_cast<int64_t*>(b.value) = v;
            return true;
        }
        case Kind::unsigned64: {
            uint64_t v = 0;
            auto r = std::from_chars(first, last, v);
            if (r.ec != std::errc() || r.ptr != last) {
                return false;
            }
            *static_cast<uint64_t*>(b.value) = v;
            return true;
        }
        case Kind::real: {
            char* end = nullptr;
            const float v = std::strtof(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
                return false;
            }
            *static_cast<float*>(b.value) = v;
            return true;
        }
        case Kind::text:
            *static_cast<std::string*>(b.value) = s;
            return true;
    }
    return false;
}

std::vector<Binding> bindings(PipelineConfig& c) {
    return {
        {"", "out", Kind::text, &c.out},
        {"", "seed", Kind::unsigned64, &c.seed},
        {"generate", "enabled", Kind::boolean, &c.generate.enabled},
        {"generate", "library", Kind::text, &c.generate.library},
        {"generate", "labels", Kind::text, &c.generate.labels, {"categories", "agents"}},
        {"generate", "per_category", Kind::integer, &c.generate.per_category},
        {"generate", "per_agent", Kind::integer, &c.generate.per_agent},
        {"generate", "folds", Kind::integer, &c.generate.folds},
        {"generate", "format", Kind::text, &c.generate.format, {"jsonl", "parquet", "hf"}},
        {"generate", "fasttext", Kind::boolean, &c.generate.fasttext},
        {"generate", "styles", Kind::text, &c.generate.styles},
        {"triplets", "enabled", Kind::boolean, &c.triplets.enabled},
        {"triplets", "hard_ratio", Kind::real, &c.triplets.hard_ratio},
        {"hard_negatives", "enabled", Kind::boolean, &c.hard_negatives.enabled},
        {"hard_negatives", "count", Kind::integer, &c.hard_negatives.count},
        {"hard_negatives", "pairs", Kind::text, &c.hard_negatives.pairs},
        {"hard_negatives", "max_tokens_total", Kind::integer64, &c.hard_negatives.max_tokens_total},
        {"train", "enabled", Kind::boolean, &c.train.enabled},
        {"train", "epochs", Kind::integer, &c.train.epochs},
        {"train", "dim", Kind::integer, &c.train.dim},
        {"train", "lr", Kind::real, &c.train.lr},
        {"train", "base", Kind::text, &c.train.base},
        {"train", "pooling", Kind::text, &c.train.pooling, {"mean", "last"}},
        {"train", "lora_layers", Kind::integer, &c.train.lora_layers},
        {"train", "lora_rank", Kind::integer, &c.train.lora_rank},
        {"train", "lora_alpha", Kind::real, &c.train.lora_alpha},
        {"train", "sparse", Kind::boolean, &c.train.sparse},
        {"grpo", "enabled", Kind::boolean, &c.grpo.enabled},
        {"grpo", "rounds", Kind::integer, &c.grpo.rounds},
        {"grpo", "group", Kind::integer, &c.grpo.group},
        {"grpo", "judge", Kind::text, &c.grpo.judge, {"labels", "llm"}},
        {"eval", "enabled", Kind::boolean, &c.eval.enabled},
        {"export", "enabled", Kind::boolean, &c.export_.enabled},
        {"export",
         "quantize",
         Kind::text,
         &c.export_.quantize,
         {"",
          "f16",
          "f32",
          "bf16",
          "q8_0",
          "q5_0",
          "q5_1",
          "q4_0",
          "q4_1",
          "q4_k",
          "q5_k",
          "q6_k"}},
        {"report", "enabled", Kind::boolean, &c.report.enabled},
    };
}

std::string keys_of(const std::vector<Binding>& bs, const std::string& section) {
    std::string out;
    for (const Binding& b : bs) {
        if (section == b.section) {
            out += (out.empty() ? "" : ", ") + std::string(b.key);
        }
    }
    return out;
}

}  // namespace

Result<PipelineConfig> load_pipeline_config(const std::filesystem::path& path) {
    const std::string file = path.string();
    Result<YAML::Node> root = yaml::load(path, file);
    if (!root) {
        return root.error();
    }
    PipelineConfig cfg;
    if (root->IsNull()) {
        return cfg;  // an empty file: every default
    }
    if (!root->IsMap()) {
        return make_error(Errc::format,
                          yaml::where(file, *root) + ": expected a mapping of sections");
    }
    const std::vector<Binding> bs = bindings(cfg);
    std::string sections;
    for (const Binding& b : bs) {
        const std::string s = *b.section == '\0' ? std::string(b.key) : std::string(b.section);
        if (sections.find(s) == std::string::npos) {
            sections += (sections.empty() ? "" : ", ") + s;
        }
    }
    auto set = [&](const std::string& section, const YAML::Node& k, const YAML::Node& v) -> Status {
        const std::string key = k.Scalar();
        const std::string name = section.empty() ? key : section + "." + key;
        for (const Binding& b : bs) {
            if (section != b.section || key != b.key) {
                continue;
            }
            std::string text;
            const bool is_scalar = v.IsScalar() || v.IsNull();
            if (is_scalar && v.IsScalar()) {
                text = v.Scalar();
            }
            if (!is_scalar || !parse_value(b, text)) {
                return make_error(Errc::format,
                                  yaml::where(file, v) + ": " + name + ": expected " +
                                      kind_name(b.kind) + ", got \"" +
                                      (v.IsScalar() ? v.Scalar() : std::string("a collection")) +
                                      "\"");
            }
            if (!b.allowed.empty()) {
                bool ok_value = false;
                std::string expected;
                for (const char* a : b.allowed) {
                    ok_value = ok_value || text == a;
                    if (*a != '\0') {
                        expected += (expected.empty() ? "" : ", ") + std::string(a);
                    }
                }
                if (!ok_value) {
                    return make_error(Errc::format,
                                      yaml::where(file, v) + ": " + name + ": \"" + text +
                                          "\" is not allowed, expected one of " + expected);
                }
            }
            return ok();
        }
        return make_error(Errc::format,
                          yaml::where(file, k) + ": " + name + ": unknown key, expected one of " +
                              (section.empty() ? sections : keys_of(bs, section)));
    };
    for (const auto& kv : *root) {
        const YAML::Node& k = kv.first;
        const YAML::Node& v = kv.second;
        const std::string key = k.Scalar();
        if (keys_of(bs, key).empty()) {  // a top-level key
            Status s = set("", k, v);
            if (!s) {
                return s.error();
            }
            continue;
        }
        if (v.IsNull()) {
            continue;  // an empty section: its defaults
        }
        if (!v.IsMap()) {
            return make_error(Errc::format,
                              yaml::where(file, v) + ": " + key + ": expected a mapping of keys");
        }
        for (const auto& item : v) {
            Status s = set(key, item.first, item.second);
            if (!s) {
                return s.error();
            }
        }
    }
    return cfg;
}

}  // namespace ruvllm
