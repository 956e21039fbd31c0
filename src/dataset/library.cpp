// library.cpp: loading, validating and compiling the agent/template library (docs/library.md).
#include <algorithm>
#include <unordered_map>

#include <ruvllm/core/paths.h>
#include <ruvllm/dataset/library.h>

#include "core/yaml_internal.h"

namespace ruvllm {

namespace fs = std::filesystem;

int Library::find_agent(std::string_view name) const {
    for (size_t i = 0; i < agents.size(); i++) {
        if (agents[i].name == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

fs::path default_library_dir() {
    return data_dir() / "library";
}

namespace {

bool valid_name(std::string_view s, bool allow_dash) {
    if (s.empty()) {
        return false;
    }
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                        (allow_dash && c == '-');
        if (!ok) {
            return false;
        }
    }
    return true;
}

// ---- value lists ----

Status check_values(const std::vector<std::string>& v,
                    const std::string& where,
                    const std::string& name) {
    std::vector<std::string> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (const std::string& s : v) {
        if (s.find_first_not_of(' ') == std::string::npos) {
            return make_error(Errc::format,
                              where + ": list '" + name + "' has an empty value, expected text");
        }
        if (s.find_first_of("{}") != std::string::npos) {
            return make_error(Errc::format,
                              where + ": list '" + name + "' value '" + s +
                                  "' contains a brace, expected plain text");
        }
    }
    if (sorted.size() < kMinListValues) {
        return make_error(Errc::format,
                          where + ": list '" + name + "' has " + std::to_string(sorted.size()) +
                              " distinct values, expected at least " +
                              std::to_string(kMinListValues));
    }
    return ok();
}

Result<ValueList> parse_value_list(const std::string& name,
                                   const YAML::Node& n,
                                   const std::string& file) {
    ValueList vl;
    vl.name = name;
    vl.for_domain.fill(-1);
    YAML::Node bad;
    if (n.IsSequence()) {
        std::vector<std::string> v;
        if (!yaml::string_list(n, v, bad)) {
            return make_error(
                Errc::format,
                yaml::where(file, bad) + ": list '" + name + "', expected plain text values");
        }
        Status s = check_values(v, yaml::where(file, n), name);
        if (!s) {
            return s.error();
        }
        vl.lists.push_back(std::move(v));
        vl.for_domain.fill(0);
        return vl;
    }
    if (!n.IsMap()) {
        return make_error(Errc::format,
                          yaml::where(file, n) + ": list '" + name +
                              "', expected a list or a map of domain -> list");
    }
    vl.domain_keyed = true;
    int default_index = -1;
    for (const auto& kv : n) {
        const std::string key = kv.first.Scalar();
        Domain d{};
        const bool is_default = key == "default";
        if (!is_default && !parse_domain(key, d)) {
            return make_error(Errc::format,
                              yaml::where(file, kv.first) + ": list '" + name +
                                  "' has unknown domain '" + key +
                                  "', expected one of the 8 domains or default");
        }
        std::vector<std::string> v;
        if (!yaml::string_list(kv.second, v, bad)) {
            return make_error(Errc::format,
                              yaml::where(file, bad) + ": list '" + name + "." + key +
                                  "', expected plain text values");
        }
        Status s = check_values(v, yaml::where(file, kv.second), name + "." + key);
        if (!s) {
            return s.error();
        }
        const auto idx = static_cast<int16_t>(vl.lists.size());
        vl.lists.push_back(std::move(v));
        if (is_default) {
            default_index = idx;
        } else {
            vl.for_domain[static_cast<int>(d)] = idx;
        }
    }
    if (default_index >= 0) {
        for (int16_t& i : vl.for_domain) {
            if (i < 0) {
                i = static_cast<int16_t>(default_index);
            }
        }
    }
    return vl;
}

Status load_values_file(const fs::path& path,
                        Library& lib,
                        std::unordered_map<std::string, uint32_t>& index) {
    const std::string file = "values.yaml";
    Result<YAML::Node> doc = yaml::load(path, file);
    if (!doc) {
        return doc.error();
    }
    if (doc->IsNull()) {
        return ok();
    }
    if (!doc->IsMap()) {
        return make_error(Errc::format, file + ":1: expected a mapping of list name -> values");
    }
    for (const auto& kv : *doc) {
        const std::string name = kv.first.Scalar();
        if (!valid_name(name, false)) {
            return make_error(
                Errc::format,
                yaml::where(file, kv.first) + ": list name '" + name + "', expected [a-z0-9_]+");
        }
        Result<ValueList> vl = parse_value_list(name, kv.second, file);
        if (!vl) {
            return vl.error();
        }
        index[name] = static_cast<uint32_t>(lib.values.size());
        lib.values.push_back(std::move(*vl));
    }
    return ok();
}

// ---- templates ----

struct CompileContext {
    const Library* lib = nullptr;
    const std::unordered_map<std::string, uint32_t>* index = nullptr;
    std::string agent;
    std::string where;  // "agents/x.yaml:12"
};

Status compile_text(const CompileContext& cx,
                    const std::string& src,
                    Template& t,
                    CompiledText& out) {
    out.pool.clear();
    out.segments.clear();
    size_t i = 0;
    while (i < src.size()) {
        const size_t open = src.find_first_of("{}", i);
        const size_t lit_end = open == std::string::npos ? src.size() : open;
        if (lit_end > i) {
            out.segments.push_back(
                {static_cast<uint32_t>(out.pool.size()), static_cast<uint32_t>(lit_end - i), -1});
            out.pool.append(src, i, lit_end - i);
        }
        if (open == std::string::npos) {
            break;
        }
        const size_t close = src.find('}', open);
        if (src[open] == '}' || close == std::string::npos || src.find('{', open + 1) < close) {
            return make_error(
                Errc::format,
                cx.where + ": unbalanced brace in '" + src + "', expected {placeholder}");
        }
        std::string name = src.substr(open + 1, close - open - 1);
        uint8_t draw = 1;
        if (name.size() > 2 && name.compare(name.size() - 2, 2, "#2") == 0) {
            draw = 2;
            name.resize(name.size() - 2);
        }
        auto it = cx.index->find(cx.agent + ":" + name);
        if (it == cx.index->end()) {
            it = cx.index->find(name);
        }
        if (it == cx.index->end()) {
            return make_error(Errc::format,
                              cx.where + ": unknown placeholder {" + name +
                                  "}, expected a list in values.yaml or the "
                                  "agent's values");
        }
        const ValueList& vl = cx.lib->values[it->second];
        if (vl.for_domain[static_cast<int>(t.domain)] < 0) {
            return make_error(Errc::format,
                              cx.where + ": placeholder {" + name + "} has no values for domain " +
                                  std::string(domain_name(t.domain)) +
                                  ", expected a list for it or a default");
        }
        int32_t slot = -1;
        for (size_t s = 0; s < t.slots.size(); s++) {
            if (t.slots[s].list == it->second && t.slots[s].draw == draw) {
                slot = static_cast<int32_t>(s);
            }
        }
        if (slot < 0) {
            slot = static_cast<int32_t>(t.slots.size());
            t.slots.push_back(Slot{it->second, draw});
        }
        out.segments.push_back({0, 0, slot});
        i = close + 1;
    }
    if (out.segments.empty()) {
        return make_error(Errc::format, cx.where + ": empty text, expected a task description");
    }
    return ok();
}

uint8_t compute_transfer_mask(const Library& lib, const Template& t) {
    bool any_keyed = false;
    for (const Slot& s : t.slots) {
        any_keyed = any_keyed || lib.values[s.list].domain_keyed;
    }
    if (!any_keyed) {
        return 0;
    }
    uint8_t mask = 0;
    const int src = static_cast<int>(t.domain);
    for (int d = 0; d < kNumDomains; d++) {
        if (d == src) {
            continue;
        }
        bool available = true;
        bool differs = false;
        for (const Slot& s : t.slots) {
            const ValueList& vl = lib.values[s.list];
            if (!vl.domain_keyed) {
                continue;
            }
            available = available && vl.for_domain[d] >= 0;
            differs = differs || vl.for_domain[d] != vl.for_domain[src];
        }
        if (available && differs) {
            mask = static_cast<uint8_t>(mask | (1u << d));
        }
    }
    return mask;
}

const char* const kTemplateKeys[] = {
    "text", "context", "complexity", "domain", "tags", "quality", "variants", "short"};

const char* const kAgentKeys[] = {
    "agent", "category", "description", "confusable_with", "keywords", "values", "templates"};

template <size_t N>
bool known_key(const char* const (&keys)[N], const std::string& k) {
    return std::find(std::begin(keys), std::end(keys), k) != std::end(keys);
}

Status parse_template(const CompileContext& base_cx,
                      const YAML::Node& n,
                      size_t position,
                      Template& t) {
    CompileContext cx = base_cx;
    cx.where = yaml::where(base_cx.where, n);
    if (!n.IsMap()) {
        return make_error(Errc::format, cx.where + ": template, expected a mapping with text");
    }
    for (const auto& kv : n) {
        if (!known_key(kTemplateKeys, kv.first.Scalar())) {
            return make_error(Errc::format,
                              cx.where + ": unknown template key '" + kv.first.Scalar() +
                                  "', expected text, context, complexity, domain, "
                                  "tags, quality, variants or short");
        }
    }
    t.line = static_cast<uint32_t>(n.Mark().line + 1);
    char id[16];
    std::snprintf(id, sizeof(id), "-%03zu", position + 1);
    t.id = cx.agent + id;
    std::string s;
    if (!n["complexity"] || !yaml::scalar(n["complexity"], s) ||
        !parse_complexity(s, t.complexity)) {
        return make_error(Errc::format,
                          cx.where + ": complexity, expected Simple, Moderate or Complex");
    }
    if (!n["domain"] || !yaml::scalar(n["domain"], s) || !parse_domain(s, t.domain)) {
        return make_error(Errc::format,
                          cx.where + ": domain '" + s +
                              "', expected Web, Systems, DataScience, Mobile, "
                              "DevOps, Security, Database or Api");
    }
    YAML::Node bad;
    if (!n["tags"] || !yaml::string_list(n["tags"], t.tags, bad) || t.tags.empty()) {
        return make_error(Errc::format, cx.where + ": tags, expected a non-empty list");
    }
    if (!n["quality"] || !yaml::parse_float(n["quality"], t.quality) || t.quality < 0.8f ||
        t.quality > 1.0f) {
        return make_error(Errc::format, cx.where + ": quality, expected a number in 0.80-1.0");
    }
    if (!n["text"] || !yaml::scalar(n["text"], s)) {
        return make_error(Errc::format, cx.where + ": missing text, expected a task description");
    }
    Status st = compile_text(cx, s, t, t.text);
    if (!st) {
        return st;
    }
    if (n["context"]) {
        if (!yaml::scalar(n["context"], s)) {
            return make_error(Errc::format, cx.where + ": context, expected a string");
        }
        st = compile_text(cx, s, t, t.context);
        if (!st) {
            return st;
        }
    }
    if (n["variants"]) {
        if (!n["variants"].IsMap()) {
            return make_error(Errc::format, cx.where + ": variants, expected level -> text");
        }
        for (const auto& kv : n["variants"]) {
            Complexity level{};
            if (!parse_complexity(kv.first.Scalar(), level) || level == t.complexity) {
                return make_error(Errc::format,
                                  cx.where + ": variant '" + kv.first.Scalar() +
                                      "', expected another complexity level");
            }
            if (!yaml::scalar(kv.second, s)) {
                return make_error(Errc::format, cx.where + ": variant, expected a string");
            }
            st = compile_text(cx, s, t, t.variants[static_cast<int>(level)]);
            if (!st) {
                return st;
            }
        }
    }
    if (n["short"]) {
        std::vector<std::string> forms;
        if (n["short"].IsScalar()) {
            forms.push_back(n["short"].Scalar());
        } else if (!yaml::string_list(n["short"], forms, bad) || forms.empty()) {
            return make_error(Errc::format,
                              cx.where + ": short, expected a string or a list of strings");
        }
        for (const std::string& f : forms) {
            const int words = count_words(f);  // a placeholder counts as one word
            if (words > kMaxShortWords) {
                return make_error(Errc::format,
                                  cx.where + ": short form '" + f + "' has " +
                                      std::to_string(words) + " words, expected at most " +
                                      std::to_string(kMaxShortWords) + " (a ticket title)");
            }
            t.shorts.emplace_back();
            st = compile_text(cx, f, t, t.shorts.back());
            if (!st) {
                return st;
            }
        }
    }
    return ok();
}

Status parse_keywords(const YAML::Node& n, const std::string& file, Agent& a) {
    if (!n.IsSequence()) {
        return make_error(Errc::format, yaml::where(file, n) + ": keywords, expected a list");
    }
    for (const YAML::Node& k : n) {
        Keyword kw;
        if (k.IsScalar()) {
            kw.text = k.Scalar();
        } else if (k.IsMap() && k["text"] && k["text"].IsScalar()) {
            kw.text = k["text"].Scalar();
            if (k["weight"] && (!yaml::parse_float(k["weight"], kw.weight) || kw.weight <= 0)) {
                return make_error(Errc::format,
                                  yaml::where(file, k) + ": keyword weight, expected a number > 0");
            }
        } else {
            return make_error(
                Errc::format,
                yaml::where(file, k) + ": keyword, expected a string or {text, weight}");
        }
        std::transform(kw.text.begin(), kw.text.end(), kw.text.begin(), [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        });
        if (kw.text.empty()) {
            return make_error(Errc::format, yaml::where(file, k) + ": empty keyword");
        }
        a.keywords.push_back(std::move(kw));
    }
    return ok();
}

Status load_agent(const fs::path& path,
                  Library& lib,
                  std::unordered_map<std::string, uint32_t>& index,
                  std::unordered_map<std::string, std::string>& seen_texts) {
    const std::string file = "agents/" + path.filename().string();
    Result<YAML::Node> doc = yaml::load(path, file);
    if (!doc) {
        return doc.error();
    }
    if (!doc->IsMap()) {
        return make_error(Errc::format, file + ":1: expected a mapping (agent, category, ...)");
    }
    for (const auto& kv : *doc) {
        if (!known_key(kAgentKeys, kv.first.Scalar())) {
            return make_error(Errc::format,
                              yaml::where(file, kv.first) + ": unknown key '" + kv.first.Scalar() +
                                  "', expected agent, category, description, "
                                  "confusable_with, keywords, values or templates");
        }
    }
    Agent a;
    a.file = path.string();
    const std::string stem = path.stem().string();
    if (!(*doc)["agent"] || !yaml::scalar((*doc)["agent"], a.name) || a.name != stem ||
        !valid_name(a.name, true)) {
        return make_error(Errc::format,
                          file + ":1: agent '" + a.name + "', expected '" + stem +
                              "' (the file name, [a-z0-9-]+)");
    }
    std::string s;
    if (!(*doc)["category"] || !yaml::scalar((*doc)["category"], s) ||
        !parse_category(s, a.category)) {
        return make_error(Errc::format,
                          file + ": category '" + s +
                              "', expected coder, researcher, security, "
                              "architecture or reviewer");
    }
    if ((*doc)["description"]) {
        yaml::scalar((*doc)["description"], a.description);
    }
    YAML::Node bad;
    if ((*doc)["confusable_with"] &&
        !yaml::string_list((*doc)["confusable_with"], a.confusable_with, bad)) {
        return make_error(
            Errc::format,
            yaml::where(file, bad) + ": confusable_with, expected a list of agent names");
    }
    if ((*doc)["keywords"]) {
        Status st = parse_keywords((*doc)["keywords"], file, a);
        if (!st) {
            return st;
        }
    }
    if (const YAML::Node& vals = (*doc)["values"]; vals) {
        if (!vals.IsMap()) {
            return make_error(Errc::format,
                              yaml::where(file, vals) + ": values, expected name -> list");
        }
        for (const auto& kv : vals) {
            const std::string name = kv.first.Scalar();
            if (!valid_name(name, false)) {
                return make_error(Errc::format,
                                  yaml::where(file, kv.first) + ": list name '" + name +
                                      "', expected [a-z0-9_]+");
            }
            Result<ValueList> vl = parse_value_list(a.name + ":" + name, kv.second, file);
            if (!vl) {
                return vl.error();
            }
            index[a.name + ":" + name] = static_cast<uint32_t>(lib.values.size());
            lib.values.push_back(std::move(*vl));
        }
    }
    const YAML::Node& tl = (*doc)["templates"];
    if (!tl || !tl.IsSequence() || tl.size() == 0) {
        return make_error(Errc::format, file + ": templates, expected a non-empty list");
    }
    CompileContext cx{&lib, &index, a.name, file};
    const auto agent_index = static_cast<uint32_t>(lib.agents.size());
    size_t pos = 0;
    for (const YAML::Node& tn : tl) {
        Template t;
        t.agent = agent_index;
        Status st = parse_template(cx, tn, pos++, t);
        if (!st) {
            return st;
        }
        const std::string key = normalize_text(tn["text"].Scalar());
        const std::string here = file + ":" + std::to_string(t.line);
        auto [it, inserted] = seen_texts.emplace(key, here);
        if (!inserted) {
            return make_error(Errc::format,
                              here + ": duplicate template (same text as " + it->second +
                                  "), expected distinct templates");
        }
        t.transfer_mask = compute_transfer_mask(lib, t);
        a.templates.push_back(std::move(t));
    }
    lib.agents.push_back(std::move(a));
    return ok();
}

}  // namespace

Result<Library> load_library(const fs::path& dir, const fs::path& agents_dir) {
    Library lib;
    std::unordered_map<std::string, uint32_t> index;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return make_error(Errc::io,
                          dir.string() +
                              ": library directory not found, expected "
                              "values.yaml, agents/ and lexicon/");
    }
    const fs::path values = dir / "values.yaml";
    if (fs::exists(values, ec)) {
        Status s = load_values_file(values, lib, index);
        if (!s) {
            return s.error();
        }
    }
    const fs::path adir = agents_dir.empty() ? dir / "agents" : agents_dir;
    std::vector<fs::path> files;
    if (!fs::is_directory(adir, ec)) {
        return make_error(Errc::io,
                          adir.string() +
                              ": agents directory not found, expected "
                              "<agent>.yaml files");
    }
    for (const auto& entry : fs::directory_iterator(adir, ec)) {
        if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") {
            files.push_back(entry.path());
        }
    }
    if (files.empty()) {
        return make_error(Errc::format,
                          adir.string() + ": no agent files, expected at least one <agent>.yaml");
    }
    std::sort(files.begin(), files.end());
    std::unordered_map<std::string, std::string> seen_texts;
    for (const fs::path& f : files) {
        Status s = load_agent(f, lib, index, seen_texts);
        if (!s) {
            return s.error();
        }
    }
    for (const Agent& a : lib.agents) {
        for (const std::string& other : a.confusable_with) {
            if (lib.find_agent(other) < 0) {
                return make_error(Errc::format,
                                  "agents/" + a.name +
                                      ".yaml: confusable_with "
                                      "names unknown agent '" +
                                      other + "', expected an agent of the library");
            }
        }
    }
    Result<Lexicon> lex = load_lexicon(dir / "lexicon");
    if (!lex) {
        return lex.error();
    }
    lib.lexicon = std::move(*lex);
    // Styles are optional: a library without lexicon/styles.yaml generates unstyled data only.
    if (fs::exists(dir / "lexicon" / "styles.yaml", ec)) {
        Result<StyleRules> styles = load_styles(dir / "lexicon" / "styles.yaml");
        if (!styles) {
            return styles.error();
        }
        lib.styles = std::move(*styles);
    }
    return lib;
}

// ---- rendering ----

namespace {

// Draws the slots of `t` (all, or only the domain-keyed ones) into `out`, which has one entry per
// slot; {x#2} is then made to differ from {x}.
void draw_slots(
    const Library& lib, const Template& t, Domain domain, bool keyed_only, Rng& rng, Choices& out) {
    const int d = static_cast<int>(domain);
    for (size_t i = 0; i < t.slots.size(); i++) {
        const ValueList& vl = lib.values[t.slots[i].list];
        if (keyed_only && !vl.domain_keyed) {
            continue;
        }
        const int li = vl.for_domain[d];
        out[i] = li >= 0 ? rng.below(static_cast<uint32_t>(vl.lists[li].size())) : 0;
    }
    for (size_t i = 0; i < t.slots.size(); i++) {
        if (t.slots[i].draw != 2) {
            continue;
        }
        for (size_t j = 0; j < t.slots.size(); j++) {
            if (t.slots[j].draw == 1 && t.slots[j].list == t.slots[i].list) {
                const ValueList& vl = lib.values[t.slots[i].list];
                const int li = vl.for_domain[d];
                if (li < 0) {
                    continue;
                }
                const auto n = static_cast<uint32_t>(vl.lists[li].size());
                while (vl.lists[li][out[i]] == vl.lists[li][out[j]]) {
                    out[i] = (out[i] + 1 + rng.below(n - 1)) % n;
                }
            }
        }
    }
}

}  // namespace

void draw_choices(const Library& lib, const Template& t, Domain domain, Rng& rng, Choices& out) {
    out.assign(t.slots.size(), 0);
    draw_slots(lib, t, domain, false, rng, out);
}

void redraw_domain_slots(
    const Library& lib, const Template& t, Domain domain, Rng& rng, Choices& choices) {
    draw_slots(lib, t, domain, true, rng, choices);
}

namespace {

// Whether `word` takes "an": a vowel sound at its start. Acronyms ("SQL", "HTTP") go by the
// name of their first letter; "u" words like "user" or "unique" take "a".
bool takes_an(std::string_view word) {
    if (word.empty()) {
        return false;
    }
    auto up = [](char c) {
        return c >= 'A' && c <= 'Z';
    };
    size_t caps = 0;
    while (caps < word.size() && (up(word[caps]) || (word[caps] >= '0' && word[caps] <= '9'))) {
        caps++;
    }
    const bool acronym =
        caps >= 2 && (caps == word.size() || !(word[caps] >= 'a' && word[caps] <= 'z'));
    if (acronym) {
        return std::string_view("AEFHILMNORSX").find(word[0]) != std::string_view::npos;
    }
    const char c = static_cast<char>(up(word[0]) ? word[0] + 32 : word[0]);
    if (c == 'u') {
        const std::string_view next = word.substr(1, 2);
        return !(next == "ni" || next == "se" || next == "sa" || next == "su" || next == "ti");
    }
    return c == 'a' || c == 'e' || c == 'i' || c == 'o';
}

// Makes an article written just before a placeholder agree with the value ("a Avro" -> "an
// Avro").
void fix_article(std::string& out, std::string_view value) {
    const size_t n = out.size();
    auto word_start = [&](size_t at) {
        return at == 0 || out[at - 1] == ' ';
    };
    if (n >= 2 && (out[n - 2] == 'a' || out[n - 2] == 'A') && out[n - 1] == ' ' &&
        word_start(n - 2)) {
        if (takes_an(value)) {
            out.insert(n - 1, 1, 'n');
        }
    } else if (n >= 3 && (out[n - 3] == 'a' || out[n - 3] == 'A') && out[n - 2] == 'n' &&
               out[n - 1] == ' ' && word_start(n - 3)) {
        if (!takes_an(value)) {
            out.erase(n - 2, 1);
        }
    }
}

}  // namespace

void render(const Library& lib,
            const Template& t,
            const CompiledText& text,
            Domain domain,
            const Choices& choices,
            std::string& out) {
    const int d = static_cast<int>(domain);
    for (const CompiledText::Segment& seg : text.segments) {
        if (seg.slot < 0) {
            out.append(text.pool, seg.begin, seg.size);
        } else {
            const ValueList& vl = lib.values[t.slots[static_cast<size_t>(seg.slot)].list];
            const int li = vl.for_domain[d];
            RUVLLM_ASSERT(li >= 0);
            const std::string& value = vl.lists[li][choices[static_cast<size_t>(seg.slot)]];
            fix_article(out, value);
            out.append(value);
        }
    }
}

}  // namespace ruvllm
