// adapter.cpp: adapter export in the README's layout and the merge back (see adapter.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/core/paths.h>
#include <ruvllm/router/adapter.h>
#include <ruvllm/transformer/lora.h>

#include <sys/stat.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'R', 'U', 'V', 'L', 'L', 'M', 'A', 'D'};
constexpr uint32_t kAdapterVersion = 1;

struct Tensor {
    std::string name;
    std::vector<uint64_t> shape;
    std::vector<float> data;
};

template <class T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

std::string encode(const std::vector<Tensor>& tensors) {
    std::string out(kMagic, sizeof(kMagic));
    put<uint32_t>(out, kAdapterVersion);
    put<uint32_t>(out, static_cast<uint32_t>(tensors.size()));
    for (const Tensor& t : tensors) {
        put<uint32_t>(out, static_cast<uint32_t>(t.name.size()));
        out += t.name;
        put<uint32_t>(out, 0);  // F32
        put<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
        for (const uint64_t d : t.shape) {
            put<uint64_t>(out, d);
        }
        put<uint64_t>(out, t.data.size() * 4);
        out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * 4);
    }
    return out;
}

Result<std::vector<Tensor>> decode(std::string_view in, const std::string& where) {
    size_t pos = 0;
    auto fail = [&](const std::string& what) {
        return make_error(Errc::format, where + ": " + what + " at byte " + std::to_string(pos));
    };
    auto get = [&](auto& v) {
        if (in.size() - pos < sizeof(v)) {
            return false;
        }
        std::memcpy(&v, in.data() + pos, sizeof(v));
        pos += sizeof(v);
        return true;
    };
    if (in.size() < 16 || std::memcmp(in.data(), kMagic, 8) != 0) {
        return fail("bad magic, expected \"RUVLLMAD\"");
    }
    pos = 8;
    uint32_t version = 0, n = 0;
    get(version);
    get(n);
    if (version != kAdapterVersion) {
        return fail("adapter version " + std::to_string(version) + ", expected 1");
    }
    std::vector<Tensor> out;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = 0, type = 0, dims = 0;
        uint64_t bytes = 0;
        if (!get(len) || len > in.size() - pos || len == 0) {
            return fail("bad tensor name length");
        }
        Tensor t;
        t.name.assign(in.data() + pos, len);
        pos += len;
        if (!get(type) || type != 0 || !get(dims) || dims == 0 || dims > 4) {
            return fail("tensor '" + t.name + "': expected type 0 (F32) and 1-4 dims");
        }
        uint64_t count = 1;
        for (uint32_t d = 0; d < dims; d++) {
            uint64_t ne = 0;
            if (!get(ne) || ne > (uint64_t{1} << 32)) {
                return fail("tensor '" + t.name + "': bad dimension");
            }
            t.shape.push_back(ne);
            count *= ne;
        }
        if (!get(bytes) || bytes != count * 4 || bytes > in.size() - pos) {
            return fail("tensor '" + t.name + "': data size does not match its shape");
        }
        t.data.resize(static_cast<size_t>(count));
        std::memcpy(t.data.data(), in.data() + pos, static_cast<size_t>(bytes));
        pos += static_cast<size_t>(bytes);
        out.push_back(std::move(t));
    }
    if (pos != in.size()) {
        return fail("trailing bytes after the last tensor");
    }
    return out;
}

Status same_base(const SubwordBase& a, const SubwordBase& b, const std::string& where) {
    const SubwordConfig& x = a.config();
    const SubwordConfig& y = b.config();
    if (x.dim != y.dim || x.minn != y.minn || x.maxn != y.maxn || x.bucket != y.bucket ||
        a.words() != b.words()) {
        return make_error(Errc::format,
                          where +
                              ": the base does not match (dim, n-grams, "
                              "buckets or vocabulary differ), expected the base "
                              "the router was trained from");
    }
    return ok();
}

Error not_on_subword(const RouterModel& model) {
    return make_error(Errc::invalid_argument,
                      "export: -o DIR exports a router on a subword base; this one stands on a " +
                          std::string(model.base->kind()) + " base, expected --lora FILE");
}

// A sparse n-gram model (sparse.h) in the adapter: tensors router.<name>.{weight,bias} and the
// metadata.json object {bits, word_ngrams, minn, maxn, alpha, buckets}.
void add_sparse(std::vector<Tensor>& tensors,
                nlohmann::ordered_json& meta,
                const std::string& key,
                const std::string& name,
                const SparseModel& m) {
    if (m.empty()) {
        return;
    }
    const auto A = static_cast<uint64_t>(m.A());
    tensors.push_back(
        {"router." + name + ".weight", {A, static_cast<uint64_t>(m.rows())}, m.weights()});
    tensors.push_back({"router." + name + ".bias", {A}, m.bias()});
    const SparseConfig& sc = m.config();
    meta[key] = {{"bits", sc.bits},
                 {"word_ngrams", sc.word_ngrams},
                 {"minn", sc.minn},
                 {"maxn", sc.maxn},
                 {"alpha", m.alpha()},
                 {"temperature", m.temperature()},
                 {"buckets", m.buckets()}};
}

// The model add_sparse wrote (an empty one when metadata.json has no `key`).
Result<SparseModel> read_sparse(const nlohmann::json& meta,
                                const std::vector<Tensor>& tensors,
                                const std::string& key,
                                const std::string& name,
                                int A,
                                const fs::path& meta_path,
                                const fs::path& bin) {
    if (!meta.contains(key)) {
        return SparseModel{};
    }
    const nlohmann::json& sp = meta[key];
    SparseConfig sc;
    std::vector<uint32_t> buckets;
    float alpha = 0, temperature = 1.0f;
    try {
        sc.bits = sp.at("bits").get<uint32_t>();
        sc.word_ngrams = sp.at("word_ngrams").get<uint32_t>();
        sc.minn = sp.at("minn").get<uint32_t>();
        sc.maxn = sp.at("maxn").get<uint32_t>();
        alpha = sp.at("alpha").get<float>();
        buckets = sp.at("buckets").get<std::vector<uint32_t>>();
        temperature = sp.value("temperature", 1.0f);  // absent in older adapters
    } catch (const nlohmann::json::exception&) {
        return make_error(Errc::format,
                          meta_path.string() + ": " + key +
                              " must be {bits, word_ngrams, minn, maxn, alpha, buckets} of "
                              "numbers");
    }
    const Tensor* w = nullptr;
    const Tensor* b = nullptr;
    for (const Tensor& t : tensors) {
        w = t.name == "router." + name + ".weight" ? &t : w;
        b = t.name == "router." + name + ".bias" ? &t : b;
    }
    if (w == nullptr || b == nullptr) {
        return make_error(Errc::format,
                          bin.string() + ": router." + name +
                              ".weight and .bias missing for "
                              "metadata.json's " +
                              key);
    }
    Result<SparseModel> m = SparseModel::make(sc, A, std::move(buckets), w->data, b->data, alpha);
    if (!m) {
        return with_context(m.error(), bin.string());
    }
    if (!(temperature >= 0.01f && temperature <= 100.0f)) {
        return make_error(Errc::format,
                          meta_path.string() + ": " + key + ".temperature " +
                              std::to_string(temperature) + ", expected 0.01..100");
    }
    m->set_temperature(temperature);
    return m;
}

}  // namespace

Result<AdapterSummary> export_adapter(const RouterModel& model,
                                      const SubwordBase& base,
                                      const fs::path& dir,
                                      const std::string& ruvllm_path) {
    // The adapter format is the subword base's sparse row update: this module reads its rows.
    const auto* trained = dynamic_cast<const SubwordBase*>(model.base.get());
    if (trained == nullptr) {
        return not_on_subword(model);
    }
    Status s = same_base(*trained, base, "export");
    if (!s) {
        return s.error();
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return make_error(Errc::io, dir.string() + ": cannot create (" + ec.message() + ")");
    }
    const auto D = static_cast<uint64_t>(model.D());
    const auto E = static_cast<uint64_t>(model.E);
    std::vector<Tensor> tensors = {
        {"router.proj.weight", {D, E}, model.w},
        {"router.proj.bias", {E}, model.b},
        {"router.prototypes", {E, static_cast<uint64_t>(model.A())}, model.protos},
    };
    if (!model.heads.empty()) {
        tensors.push_back({"router.head.complexity", {E, 3}, model.heads.complexity});
        tensors.push_back({"router.head.tier", {E, 3}, model.heads.tier});
        tensors.push_back({"router.head.quality", {E}, model.heads.quality});
    }
    nlohmann::ordered_json ngram_meta = nlohmann::ordered_json::object();
    add_sparse(tensors, ngram_meta, "sparse", "sparse", model.sparse);
    add_sparse(tensors,
               ngram_meta,
               "head_complexity_ngrams",
               "head.complexity_ngrams",
               model.heads.complexity_ngrams);
    add_sparse(
        tensors, ngram_meta, "head_tier_ngrams", "head.tier_ngrams", model.heads.tier_ngrams);
    const std::vector<float>& tuned = trained->rows();
    const std::vector<float>& orig = base.rows();
    Tensor index{"base.rows.index", {0}, {}};
    Tensor value{"base.rows.value", {D, 0}, {}};
    const size_t n_rows = tuned.size() / D;
    if (n_rows >= (size_t{1} << 24)) {
        return make_error(Errc::unsupported,
                          "export: the base has " + std::to_string(n_rows) +
                              " rows; the adapter stores row indices as F32, expected fewer than "
                              "2^24 rows");
    }
    for (size_t r = 0; r < n_rows; r++) {
        if (std::memcmp(tuned.data() + r * D, orig.data() + r * D, D * sizeof(float)) != 0) {
            index.data.push_back(static_cast<float>(r));  // exact: r < 2^24 (asserted below)
            value.data.insert(value.data.end(),
                              tuned.begin() + static_cast<long>(r * D),
                              tuned.begin() + static_cast<long>((r + 1) * D));
        }
    }
    if (!trained->pool_query().empty()) {
        tensors.push_back({"base.pool_query", {D}, trained->pool_query()});
    }
    index.shape = {index.data.size()};
    value.shape = {D, index.data.size()};
    const size_t changed = index.data.size();
    if (changed > 0) {
        tensors.push_back(std::move(index));
        tensors.push_back(std::move(value));
    }
    const std::string bin = encode(tensors);
    nlohmann::ordered_json meta;
    meta["format_version"] = kAdapterVersion;
    meta["kind"] = "ruvllm-router-adapter";
    meta["base_model"] = {{"dim", model.D()},
                          {"minn", base.config().minn},
                          {"maxn", base.config().maxn},
                          {"bucket", base.config().bucket},
                          {"vocabulary", base.words().size()}};
    meta["labels"] = model.labels;
    meta["tau"] = model.tau;
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const Tensor& t : tensors) {
        layers.push_back({{"name", t.name}, {"shape", t.shape}, {"dtype", "f32"}});
    }
    meta["layers"] = layers;
    nlohmann::ordered_json train = nlohmann::ordered_json::object();
    for (const auto& kv : model.info) {
        const std::string& k = kv.first;  // not a structured binding: clang < 16 cannot capture one
        std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (!std::is_same_v<T, gguf::Array>) {
                    train[k] = x;
                }
            },
            kv.second);
    }
    meta["training"] = train;
    meta["changed_rows"] = changed;
    if (!model.heads.empty()) {
        meta["quality_bias"] = model.heads.quality_bias;
    }
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const KeywordRule& r : model.keywords.rules()) {
        rules.push_back({{"phrase", r.phrase},
                         {"label", r.label},
                         {"weight", r.weight},
                         {"precision", r.precision}});
    }
    meta["keywords"] = {{"min_score", model.keywords.config().min_score},
                        {"margin", model.keywords.config().margin},
                        {"rules", rules}};
    for (auto& [k, v] : ngram_meta.items()) {
        meta[k] = std::move(v);
    }
    if (!model.heads.empty()) {
        meta["head_sources"] = {{"complexity", head_source_name(model.heads.complexity_source)},
                                {"tier", head_source_name(model.heads.tier_source)},
                                {"complexity_prior", model.heads.complexity_prior}};
    }
    const std::string script =
        "#!/bin/sh\n"
        "# Merges this adapter into its base: merge_adapter.sh BASE.gguf [OUT.gguf]\n"
        "set -eu\n"
        "here=$(cd \"$(dirname \"$0\")\" && pwd)\n"
        "RUVLLM=${RUVLLM:-" +
        ruvllm_path +
        "}\n"
        "exec \"$RUVLLM\" merge --base \"${1:?usage: merge_adapter.sh BASE.gguf [OUT.gguf]}\" "
        "--adapter \"$here\" --out \"${2:-merged.gguf}\"\n";
    for (const auto& [name, text] :
         {std::pair<std::string, std::string>{"adapter_weights.bin", bin},
          {"metadata.json", meta.dump(2) + "\n"},
          {"merge_adapter.sh", script}}) {
        s = write_file_atomic(dir / name, text);
        if (!s) {
            return s.error();
        }
    }
    ::chmod((dir / "merge_adapter.sh").c_str(), 0755);
    return AdapterSummary{tensors.size(), changed, n_rows, bin.size()};
}

Result<RouterModel> merge_adapter(const SubwordBase& base, const fs::path& adapter) {
    const fs::path bin = fs::is_directory(adapter) ? adapter / "adapter_weights.bin" : adapter;
    const fs::path meta_path = bin.parent_path() / "metadata.json";
    Result<std::string> bytes = read_file(bin);
    if (!bytes) {
        return bytes.error();
    }
    Result<std::vector<Tensor>> tensors = decode(*bytes, bin.string());
    if (!tensors) {
        return tensors.error();
    }
    Result<std::string> meta_text = read_file(meta_path);
    if (!meta_text) {
        return meta_text.error();
    }
    nlohmann::json meta = nlohmann::json::parse(*meta_text, nullptr, false);
    if (meta.is_discarded() || !meta.contains("labels") || !meta["labels"].is_array() ||
        !meta.contains("tau") || !meta["tau"].is_number()) {
        return make_error(Errc::format, meta_path.string() + ": expected JSON with labels and tau");
    }
    auto merged = std::make_shared<SubwordBase>(base);
    RouterModel m;
    m.base = merged;
    for (const auto& l : meta["labels"]) {
        if (!l.is_string()) {
            return make_error(Errc::format, meta_path.string() + ": labels must be strings");
        }
        m.labels.push_back(l.get<std::string>());
    }
    m.tau = meta["tau"].get<float>();
    const auto D = static_cast<uint64_t>(base.dim());
    const Tensor* index = nullptr;
    const Tensor* value = nullptr;
    const Tensor* query = nullptr;  // the attention pooling's query, when trained with one
    for (const Tensor& t : *tensors) {
        if (t.name == "router.proj.weight" && t.shape.size() == 2 && t.shape[0] == D) {
            m.E = static_cast<int>(t.shape[1]);
            m.w = t.data;
        } else if (t.name == "router.proj.bias") {
            m.b = t.data;
        } else if (t.name == "router.prototypes" && t.shape.size() == 2 &&
                   t.shape[1] == m.labels.size()) {
            m.protos = t.data;
        } else if (t.name == "router.head.complexity") {
            m.heads.complexity = t.data;
        } else if (t.name == "router.head.tier") {
            m.heads.tier = t.data;
        } else if (t.name == "router.head.quality") {
            m.heads.quality = t.data;
        } else if (t.name == "base.rows.index") {
            index = &t;
        } else if (t.name == "base.rows.value") {
            value = &t;
        } else if (t.name == "base.pool_query") {
            query = &t;
        }
    }
    if (meta.contains("keywords") && meta["keywords"].is_object()) {
        const nlohmann::json& k = meta["keywords"];
        KeywordConfig kcfg;
        kcfg.min_score = k.value("min_score", kcfg.min_score);
        kcfg.margin = k.value("margin", kcfg.margin);
        std::vector<KeywordRule> rules;
        for (const nlohmann::json& r : k.value("rules", nlohmann::json::array())) {
            if (!r.is_object() || !r.contains("phrase") || !r["phrase"].is_string() ||
                !r.contains("label") || !r["label"].is_number_integer() ||
                r["label"].get<int>() < 0 || r["label"].get<size_t>() >= m.labels.size()) {
                return make_error(Errc::format,
                                  meta_path.string() +
                                      ": bad keyword rule, expected {phrase, "
                                      "label (index), weight, precision}");
            }
            rules.push_back({r["phrase"].get<std::string>(),
                             r["label"].get<int32_t>(),
                             r.value("weight", 1.0f),
                             r.value("precision", 0.0f),
                             0});
        }
        m.keywords = KeywordStage(std::move(rules), static_cast<int>(m.labels.size()), kcfg);
    }
    const auto E = static_cast<size_t>(m.E);
    if (m.E == 0 || m.b.size() != E || m.protos.size() != E * m.labels.size()) {
        return make_error(Errc::format,
                          bin.string() +
                              ": missing or mis-shaped router tensors "
                              "for this base (dim " +
                              std::to_string(D) + ")");
    }
    if (!m.heads.complexity.empty() || !m.heads.tier.empty() || !m.heads.quality.empty()) {
        if (m.heads.complexity.size() != E * 3 || m.heads.tier.size() != E * 3 ||
            m.heads.quality.size() != E) {
            return make_error(Errc::format,
                              bin.string() +
                                  ": router.head.* tensors are "
                                  "incomplete or mis-shaped");
        }
        m.heads.E = m.E;
        m.heads.quality_bias = meta.value("quality_bias", 0.0f);
    }
    for (auto [key, name, A, dst] :
         {std::tuple{"sparse", "sparse", static_cast<int>(m.labels.size()), &m.sparse},
          std::tuple{
              "head_complexity_ngrams", "head.complexity_ngrams", 3, &m.heads.complexity_ngrams},
          std::tuple{"head_tier_ngrams", "head.tier_ngrams", 3, &m.heads.tier_ngrams}}) {
        Result<SparseModel> sm = read_sparse(meta, *tensors, key, name, A, meta_path, bin);
        if (!sm) {
            return sm.error();
        }
        *dst = std::move(*sm);
    }
    if (meta.contains("head_sources") && meta["head_sources"].is_object()) {
        const nlohmann::json& hs = meta["head_sources"];
        for (auto [k, dst] : {std::pair{"complexity", &m.heads.complexity_source},
                              std::pair{"tier", &m.heads.tier_source}}) {
            if (!parse_head_source(hs.value(k, std::string("z")), *dst) ||
                (dst != &m.heads.tier_source && *dst == HeadSource::marginal)) {
                *dst = HeadSource::z;
            }
        }
        m.heads.complexity_prior = std::clamp(hs.value("complexity_prior", 1), 0, 2);
    }
    if (query != nullptr) {
        if (Status s = merged->set_pool_query(query->data); !s) {
            return make_error(Errc::format,
                              bin.string() + ": base.pool_query: " + s.error().message);
        }
    }
    if ((index == nullptr) != (value == nullptr) ||
        (index != nullptr && value->data.size() != index->data.size() * D)) {
        return make_error(Errc::format,
                          bin.string() +
                              ": base.rows.index and base.rows.value "
                              "do not match");
    }
    if (index != nullptr) {
        std::vector<float>& rows = merged->mutable_rows();
        const size_t n_rows = rows.size() / D;
        for (size_t i = 0; i < index->data.size(); i++) {
            const float f = index->data[i];
            if (!(f >= 0) || f != std::floor(f) || static_cast<size_t>(f) >= n_rows) {
                return make_error(
                    Errc::format,
                    bin.string() + ": row index " + std::to_string(f) + " is out of range");
            }
            std::copy(value->data.begin() + static_cast<long>(i * D),
                      value->data.begin() + static_cast<long>((i + 1) * D),
                      rows.begin() + static_cast<long>(static_cast<size_t>(f) * D));
        }
    }
    // The merged router passes every check a router file passes when it is loaded (labels,
    // tau, finite parameters, keyword rules, heads): merge never writes what load would refuse.
    Result<gguf::File> as_file = m.to_gguf(TensorType::f32);
    if (!as_file) {
        return with_context(as_file.error(), meta_path.string());
    }
    if (Result<RouterModel> back = RouterModel::from_gguf(*as_file, bin); !back) {
        return with_context(back.error(), adapter.string());
    }
    return m;
}

// ---- the jobs (`ruvllm export`, `ruvllm merge`) ----

namespace {

// The LoRA of `m` as an adapter GGUF (ExportJob::lora).
Result<size_t> export_lora(const RouterModel& m, const ExportJob& job, const Log& log) {
    const std::shared_ptr<const LoraAdapter> ad = m.base->lora();
    if (!ad) {
        return make_error(Errc::invalid_argument,
                          job.model.string() +
                              ": the router has no LoRA (its base: " + m.base->describe() +
                              "), expected one: train --lora-layers K on a Qwen2 base makes it "
                              "(a router on a subword base exports with -o DIR)");
    }
    const TensorType type = job.lora_type == "f16" ? TensorType::f16 : TensorType::f32;
    if (Status s = write_lora_gguf(job.lora, *ad, type); !s) {
        return s.error();
    }
    log.say(strformat("export: LoRA of %s (%zu tensors, rank %d, alpha %g; %s) -> %s",
                      job.model.string().c_str(),
                      ad->tensors.size(),
                      ad->tensors.empty() ? 0 : ad->tensors[0].rank,
                      static_cast<double>(ad->alpha),
                      m.base->describe().c_str(),
                      job.lora.string().c_str()));
    return ad->tensors.size();
}

}  // namespace

Result<RouterExportSummary> export_router(const ExportJob& job, const Log& log) {
    if (job.out.empty() && job.lora.empty()) {
        return make_error(Errc::invalid_argument,
                          "export: expected -o DIR (a router on a subword base) or --lora FILE "
                          "(a router on a Qwen2 base)");
    }
    if (job.lora_type != "f32" && job.lora_type != "f16") {
        return make_error(Errc::invalid_argument,
                          "export: lora type '" + job.lora_type + "', expected f32 or f16");
    }
    Result<RouterModel> m = RouterModel::load(job.model);
    if (!m) {
        return m.error();
    }
    RouterExportSummary sum;
    if (!job.lora.empty()) {
        Result<size_t> n = export_lora(*m, job, log);
        if (!n) {
            return n.error();
        }
        sum.lora_tensors = *n;
        sum.files.push_back(job.lora.string());
        if (job.out.empty()) {
            return sum;
        }
    }
    // A router whose base keeps no rows is refused before its default base is looked for.
    if (!m->base->has_rows()) {
        return not_on_subword(*m);
    }
    Result<SubwordBase> base = SubwordBase::load(job.base.empty() ? default_base_path() : job.base);
    if (!base) {
        return base.error();
    }
    Result<AdapterSummary> a = export_adapter(*m, *base, job.out, job.ruvllm_path);
    if (!a) {
        return with_context(a.error(), job.model.string());
    }
    sum.adapter = *a;
    for (const char* f : {"adapter_weights.bin", "metadata.json", "merge_adapter.sh"}) {
        sum.files.push_back((job.out / f).string());
    }
    log.say(
        strformat("export: %zu tensors, %zu of %zu subword rows changed, %.2f MiB -> %s/"
                  "{adapter_weights.bin,metadata.json,merge_adapter.sh}",
                  a->tensors,
                  a->changed_rows,
                  a->total_rows,
                  static_cast<double>(a->bytes) / (1 << 20),
                  job.out.string().c_str()));
    return sum;
}

Result<RouterMergeSummary> merge_router(const MergeJob& job, const Log& log) {
    if (job.storage != "f16" && job.storage != "f32") {
        return make_error(Errc::invalid_argument,
                          "merge: storage '" + job.storage + "', expected f16 or f32");
    }
    RouterMergeSummary sum;
    // A llama.cpp LoRA adapter GGUF: fold it into the transformer (lora-merge, scale 1).
    if (fs::is_regular_file(job.adapter) && job.adapter.extension() == ".gguf") {
        Result<LoraMergeSummary> l = lora_merge({job.adapter, job.base, job.out, 1.0f}, log);
        if (!l) {
            return l.error();
        }
        sum.lora = true;
        return sum;
    }
    Result<SubwordBase> base = SubwordBase::load(job.base);
    if (!base) {
        return base.error();
    }
    Result<RouterModel> m = merge_adapter(*base, job.adapter);
    if (!m) {
        return m.error();
    }
    if (Status s = m->save(job.out, job.storage == "f32" ? TensorType::f32 : TensorType::f16); !s) {
        return s.error();
    }
    sum.labels = m->A();
    log.say(strformat("merge: %s + %s -> %s (%d labels)",
                      job.base.string().c_str(),
                      job.adapter.string().c_str(),
                      job.out.string().c_str(),
                      sum.labels));
    return sum;
}

}  // namespace ruvllm
