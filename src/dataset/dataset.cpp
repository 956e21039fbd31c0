// dataset.cpp: vocabularies, the tier table, the JSONL/JSON writers, stats and the JSONL reader.
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include <ruvllm/dataset/dataset.h>

#include <xxhash.h>

namespace ruvllm {

const std::array<std::string_view, 13> kAgentTypes = {"coder",
                                                      "researcher",
                                                      "reviewer",
                                                      "tester",
                                                      "architect",
                                                      "security-architect",
                                                      "debugger",
                                                      "documenter",
                                                      "refactorer",
                                                      "optimizer",
                                                      "devops",
                                                      "api-docs",
                                                      "planner"};

namespace {

constexpr std::array<std::string_view, kNumCategories> kCategoryNames = {
    "Coder", "Researcher", "Security", "Architecture", "Reviewer"};
constexpr std::array<std::string_view, kNumCategories> kCategoryLabels = {
    "coder", "researcher", "security", "architecture", "reviewer"};
constexpr std::array<std::string_view, kNumComplexities> kComplexityNames = {
    "Simple", "Moderate", "Complex"};
constexpr std::array<std::string_view, kNumDomains> kDomainNames = {
    "Web", "Systems", "DataScience", "Mobile", "DevOps", "Security", "Database", "Api"};
constexpr std::array<std::string_view, 3> kTierNames = {"haiku", "sonnet", "opus"};
constexpr std::array<std::string_view, 4> kAugmentationNames = {
    "base", "paraphrase", "complexity", "domain"};
constexpr std::array<std::string_view, kNumStyles> kStyleNames = {
    "none", "terse", "imperative", "question", "chat", "lowercase", "context"};

// FACTS.md section 2: rows are categories, columns Simple / Moderate / Complex.
constexpr Tier kTierTable[kNumCategories][kNumComplexities] = {
    {Tier::haiku, Tier::sonnet, Tier::opus},    // coder
    {Tier::haiku, Tier::sonnet, Tier::sonnet},  // researcher
    {Tier::opus, Tier::opus, Tier::opus},       // security
    {Tier::sonnet, Tier::opus, Tier::opus},     // architecture
    {Tier::haiku, Tier::sonnet, Tier::sonnet},  // reviewer
};

template <size_t N, class E>
bool parse_enum(const std::array<std::string_view, N>& names, std::string_view s, E& out) {
    for (size_t i = 0; i < N; i++) {
        if (names[i] == s) {
            out = static_cast<E>(i);
            return true;
        }
    }
    return false;
}

}  // namespace

std::string_view category_name(Category c) {
    return kCategoryNames[static_cast<int>(c)];
}

std::string_view category_label(Category c) {
    return kCategoryLabels[static_cast<int>(c)];
}

std::string_view complexity_name(Complexity c) {
    return kComplexityNames[static_cast<int>(c)];
}

std::string_view domain_name(Domain d) {
    return kDomainNames[static_cast<int>(d)];
}

std::string_view tier_name(Tier t) {
    return kTierNames[static_cast<int>(t)];
}

std::string_view augmentation_name(Augmentation a) {
    return kAugmentationNames[static_cast<int>(a)];
}

std::string_view style_name(Style s) {
    return kStyleNames[static_cast<int>(s)];
}

bool parse_style(std::string_view s, Style& out) {
    return parse_enum(kStyleNames, s, out);
}

bool parse_category(std::string_view s, Category& out) {
    return parse_enum(kCategoryNames, s, out) || parse_enum(kCategoryLabels, s, out);
}

bool parse_complexity(std::string_view s, Complexity& out) {
    return parse_enum(kComplexityNames, s, out);
}

bool parse_domain(std::string_view s, Domain& out) {
    return parse_enum(kDomainNames, s, out);
}

const std::vector<std::pair<std::string, std::string>>& confusing_agent_names() {
    static const std::vector<std::pair<std::string, std::string>> kPairs = {
        {"coder", "refactorer"},
        {"researcher", "architect"},
        {"reviewer", "tester"},
        {"debugger", "optimizer"},
        {"documenter", "api-docs"},
        {"architect", "planner"},
        {"security-architect", "reviewer"},
        {"coder", "debugger"},
        {"tester", "debugger"},
        {"optimizer", "architect"}};
    return kPairs;
}

bool label_category(std::string_view label, Category& out) {
    static const std::map<std::string_view, Category> kAgents = {
        {"coder", Category::coder},
        {"debugger", Category::coder},
        {"refactorer", Category::coder},
        {"optimizer", Category::coder},
        {"researcher", Category::researcher},
        {"documenter", Category::researcher},
        {"api-docs", Category::researcher},
        {"planner", Category::researcher},
        {"security-architect", Category::security},
        {"architect", Category::architecture},
        {"devops", Category::architecture},
        {"reviewer", Category::reviewer},
        {"tester", Category::reviewer}};
    auto it = kAgents.find(label);
    if (it != kAgents.end()) {
        out = it->second;
        return true;
    }
    return parse_category(label, out);
}

Tier tier_for(Category c, Complexity x) {
    return kTierTable[static_cast<int>(c)][static_cast<int>(x)];
}

// ---- JSON writers ----

void append_json_string(std::string& out, std::string_view s) {
    static const char* kHex = "0123456789abcdef";
    out.push_back('"');
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
        // Copy the longest run that needs no escaping in one go.
        const char* run = p;
        // Eight bytes at a time (SWAR): stop at the first word holding a byte < 0x20, '"' or
        // '\\'; then finish byte by byte.
        while (end - p >= 8) {
            uint64_t w;
            std::memcpy(&w, p, 8);
            constexpr uint64_t kOnes = 0x0101010101010101ull;
            constexpr uint64_t kHigh = 0x8080808080808080ull;
            const uint64_t quote = w ^ (kOnes * '"');
            const uint64_t slash = w ^ (kOnes * '\\');
            const uint64_t special =
                ((w - kOnes * 0x20) | (quote - kOnes) | (slash - kOnes)) & ~w & kHigh;
            if (special != 0) {
                break;
            }
            p += 8;
        }
        while (p < end) {
            const auto c = static_cast<unsigned char>(*p);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            p++;
        }
        out.append(run, static_cast<size_t>(p - run));
        if (p == end) {
            break;
        }
        const auto c = static_cast<unsigned char>(*p++);
        switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            case '\b':
                out.append("\\b");
                break;
            case '\f':
                out.append("\\f");
                break;
            default:
                out.append("\\u00");
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 15]);
        }
    }
    out.push_back('"');
}

namespace {

void append_float(std::string& out, float v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, static_cast<size_t>(res.ptr - buf));
}

void append_indent(std::string& out, int n) {
    out.append(static_cast<size_t>(n), ' ');
}

}  // namespace

namespace {

// The metadata enums of a JSONL line form one run of text per (category, complexity, domain,
// tier): precomputed once, appended with one call (JSONL export is a hot path, #2).
class EnumFragments {
public:
    EnumFragments() {
        for (int c = 0; c < kNumCategories; c++) {
            for (int x = 0; x < kNumComplexities; x++) {
                for (int d = 0; d < kNumDomains; d++) {
                    for (int t = 0; t < 3; t++) {
                        std::string& f = frag_[index(c, x, d, t)];
                        f = ",\"metadata\":{\"category\":\"";
                        f += kCategoryNames[c];
                        f += "\",\"complexity\":\"";
                        f += kComplexityNames[x];
                        f += "\",\"domain\":\"";
                        f += kDomainNames[d];
                        f += "\",\"expected_model\":\"";
                        f += kTierNames[t];
                        f += "\",\"quality_score\":";
                    }
                }
            }
        }
        for (int k = 0; k <= 100; k++) {
            char buf[32];
            const auto res = std::to_chars(buf, buf + sizeof(buf), static_cast<float>(k) / 100.0f);
            hundredths_[k].assign(buf, static_cast<size_t>(res.ptr - buf));
        }
    }

    const std::string& get(const TaskMetadata& m) const {
        return frag_[index(static_cast<int>(m.category),
                           static_cast<int>(m.complexity),
                           static_cast<int>(m.domain),
                           static_cast<int>(m.expected_model))];
    }

    // Shortest text of `v`, from a table when v is a whole number of hundredths in [0, 1].
    void append_score(std::string& out, float v) const {
        const float k = std::round(v * 100.0f);
        if (k >= 0.0f && k <= 100.0f && static_cast<float>(static_cast<int>(k)) / 100.0f == v) {
            out.append(hundredths_[static_cast<int>(k)]);
            return;
        }
        append_float(out, v);
    }

private:
    static int index(int c, int x, int d, int t) {
        return ((c * kNumComplexities + x) * kNumDomains + d) * 3 + t;
    }

    std::string frag_[kNumCategories * kNumComplexities * kNumDomains * 3];
    std::string hundredths_[101];
};

const EnumFragments& enum_fragments() {
    static const EnumFragments f;
    return f;
}

template <size_t N>
void append_lit(std::string& out, const char (&lit)[N]) {
    out.append(lit, N - 1);
}

}  // namespace

void append_jsonl(std::string& out, const Example& e) {
    const TaskMetadata& m = e.metadata;
    const EnumFragments& frags = enum_fragments();
    append_lit(out, "{\"input\":");
    append_json_string(out, e.input);
    append_lit(out, ",\"context\":");
    append_json_string(out, e.context);
    append_lit(out, ",\"output_agent\":");
    append_json_string(out, e.output_agent);
    out.append(frags.get(m));
    frags.append_score(out, m.quality_score);
    append_lit(out, ",\"tags\":[");
    for (size_t i = 0; i < m.tags.size(); i++) {
        if (i > 0) {
            out.push_back(',');
        }
        append_json_string(out, m.tags[i]);
    }
    append_lit(out, "],\"agent\":");
    append_json_string(out, m.agent);
    append_lit(out, ",\"template_id\":");
    append_json_string(out, m.template_id);
    append_lit(out, ",\"augmentation\":\"");
    out.append(augmentation_name(m.augmentation));
    if (m.style != Style::none) {
        append_lit(out, "\",\"style\":\"");
        out.append(style_name(m.style));
    }
    append_lit(out, "\"}}\n");
}

void append_json_pretty(std::string& out, const Example& e, int indent) {
    const TaskMetadata& m = e.metadata;
    const int i1 = indent + 2;
    const int i2 = indent + 4;
    const int i3 = indent + 6;
    auto key = [&](int ind, const char* k) {
        append_indent(out, ind);
        out.push_back('"');
        out.append(k);
        out.append("\": ");
    };
    auto enum_value = [&](std::string_view v) {
        out.push_back('"');
        out.append(v);
        out.append("\",\n");
    };
    append_indent(out, indent);
    out.append("{\n");
    key(i1, "input");
    append_json_string(out, e.input);
    out.append(",\n");
    key(i1, "context");
    append_json_string(out, e.context);
    out.append(",\n");
    key(i1, "output_agent");
    append_json_string(out, e.output_agent);
    out.append(",\n");
    key(i1, "metadata");
    out.append("{\n");
    key(i2, "category");
    enum_value(category_name(m.category));
    key(i2, "complexity");
    enum_value(complexity_name(m.complexity));
    key(i2, "domain");
    enum_value(domain_name(m.domain));
    key(i2, "expected_model");
    enum_value(tier_name(m.expected_model));
    key(i2, "quality_score");
    append_float(out, m.quality_score);
    out.append(",\n");
    key(i2, "tags");
    if (m.tags.empty()) {
        out.append("[]");
    } else {
        out.append("[\n");
        for (size_t i = 0; i < m.tags.size(); i++) {
            append_indent(out, i3);
            append_json_string(out, m.tags[i]);
            out.append(i + 1 < m.tags.size() ? ",\n" : "\n");
        }
        append_indent(out, i2);
        out.push_back(']');
    }
    out.append(",\n");
    key(i2, "agent");
    append_json_string(out, m.agent);
    out.append(",\n");
    key(i2, "template_id");
    append_json_string(out, m.template_id);
    out.append(",\n");
    key(i2, "augmentation");
    out.push_back('"');
    out.append(augmentation_name(m.augmentation));
    if (m.style != Style::none) {
        out.append("\",\n");
        key(i2, "style");
        out.push_back('"');
        out.append(style_name(m.style));
    }
    out.append("\"\n");
    append_indent(out, i1);
    out.append("}\n");
    append_indent(out, indent);
    out.push_back('}');
}

bool write_jsonl(OutBuffer& out, const std::vector<Example>& examples) {
    for (const Example& e : examples) {
        append_jsonl(out.raw(), e);
        out.maybe_spill();
    }
    return out.flush();
}

bool write_json_array(OutBuffer& out, const std::vector<Example>& examples) {
    if (examples.empty()) {
        out.append("[]\n");
        return out.flush();
    }
    out.append("[\n");
    for (size_t i = 0; i < examples.size(); i++) {
        append_json_pretty(out.raw(), examples[i], 2);
        out.append(i + 1 < examples.size() ? ",\n" : "\n");
        out.maybe_spill();
    }
    out.append("]\n");
    return out.flush();
}

// ---- stats ----

DatasetStats compute_stats(const std::vector<Example>& examples) {
    DatasetStats s;
    double quality = 0.0;
    for (const Example& e : examples) {
        s.per_category[static_cast<int>(e.metadata.category)]++;
        s.per_complexity[static_cast<int>(e.metadata.complexity)]++;
        s.per_domain[static_cast<int>(e.metadata.domain)]++;
        quality += e.metadata.quality_score;
    }
    s.total_examples = examples.size();
    s.avg_quality_score = examples.empty() ? 0.0 : quality / static_cast<double>(examples.size());
    return s;
}

std::string stats_to_json(const DatasetStats& stats) {
    nlohmann::ordered_json j;
    j["total_examples"] = stats.total_examples;
    nlohmann::ordered_json cat = nlohmann::ordered_json::object();
    for (int i = 0; i < kNumCategories; i++) {
        cat[std::string(kCategoryLabels[i])] = stats.per_category[i];
    }
    j["examples_per_category"] = cat;
    nlohmann::ordered_json cx = nlohmann::ordered_json::object();
    for (int i = 0; i < kNumComplexities; i++) {
        cx[std::string(kComplexityNames[i])] = stats.per_complexity[i];
    }
    j["examples_per_complexity"] = cx;
    nlohmann::ordered_json dom = nlohmann::ordered_json::object();
    for (int i = 0; i < kNumDomains; i++) {
        dom[std::string(kDomainNames[i])] = stats.per_domain[i];
    }
    j["examples_per_domain"] = dom;
    // Rounded to 4 decimals so the file reads naturally ("0.8731", not 0.87309999...).
    j["avg_quality_score"] = std::round(stats.avg_quality_score * 10000.0) / 10000.0;
    return j.dump(2) + "\n";
}

// ---- reader ----

namespace {

Result<std::string> get_string(const nlohmann::json& obj,
                               const char* key,
                               std::string_view where,
                               bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        if (!required) {
            return std::string();
        }
        return make_error(Errc::format, std::string(where) + ": missing field '" + key + "'");
    }
    if (!it->is_string()) {
        return make_error(Errc::format,
                          std::string(where) + ": field '" + key + "' is " + it->type_name() +
                              ", expected a string");
    }
    return it->get<std::string>();
}

}  // namespace

Result<Example> parse_example(std::string_view line, std::string_view where) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        return make_error(Errc::parse, std::string(where) + ": not valid JSON");
    }
    if (!j.is_object()) {
        return make_error(Errc::format, std::string(where) + ": expected a JSON object");
    }
    Example e;
    Result<std::string> input = get_string(j, "input", where, true);
    if (!input) {
        return input.error();
    }
    e.input = std::move(*input);
    Result<std::string> context = get_string(j, "context", where, false);
    if (!context) {
        return context.error();
    }
    e.context = std::move(*context);
    Result<std::string> agent = get_string(j, "output_agent", where, true);
    if (!agent) {
        return agent.error();
    }
    e.output_agent = std::move(*agent);
    auto mit = j.find("metadata");
    if (mit == j.end() || !mit->is_object()) {
        return e;  // metadata is optional for user data; defaults stay
    }
    const nlohmann::json& m = *mit;
    const std::string w = std::string(where) + ": metadata";
    Result<std::string> s = get_string(m, "category", w, false);
    if (s && !s->empty() && !parse_category(*s, e.metadata.category)) {
        return make_error(Errc::format, w + ".category '" + *s + "' is not a seed category");
    }
    s = get_string(m, "complexity", w, false);
    if (s && !s->empty() && !parse_complexity(*s, e.metadata.complexity)) {
        return make_error(Errc::format,
                          w + ".complexity '" + *s + "', expected Simple, Moderate or Complex");
    }
    s = get_string(m, "domain", w, false);
    if (s && !s->empty() && !parse_domain(*s, e.metadata.domain)) {
        return make_error(Errc::format, w + ".domain '" + *s + "' is not one of the 8 domains");
    }
    s = get_string(m, "expected_model", w, false);
    if (s && !s->empty()) {
        if (!parse_enum(kTierNames, *s, e.metadata.expected_model)) {
            return make_error(Errc::format,
                              w + ".expected_model '" + *s + "', expected haiku, sonnet or opus");
        }
    }
    if (auto q = m.find("quality_score"); q != m.end() && q->is_number()) {
        e.metadata.quality_score = q->get<float>();
    }
    if (auto t = m.find("tags"); t != m.end() && t->is_array()) {
        for (const auto& tag : *t) {
            if (tag.is_string()) {
                e.metadata.tags.push_back(tag.get<std::string>());
            }
        }
    }
    s = get_string(m, "agent", w, false);
    if (s) {
        e.metadata.agent = *s;
    }
    s = get_string(m, "template_id", w, false);
    if (s) {
        e.metadata.template_id = *s;
    }
    s = get_string(m, "augmentation", w, false);
    if (s && !s->empty() && !parse_enum(kAugmentationNames, *s, e.metadata.augmentation)) {
        return make_error(Errc::format, w + ".augmentation '" + *s + "' is unknown");
    }
    s = get_string(m, "style", w, false);
    if (s && !s->empty() && !parse_enum(kStyleNames, *s, e.metadata.style)) {
        return make_error(Errc::format, w + ".style '" + *s + "' is unknown");
    }
    return e;
}

Result<std::vector<Example>> read_jsonl(const std::filesystem::path& path) {
    Result<std::string> data = read_file(path);
    if (!data) {
        return data.error();
    }
    std::vector<Example> out;
    std::string_view rest(*data);
    size_t line_no = 0;
    while (!rest.empty()) {
        const size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        line_no++;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.find_first_not_of(" \t") == std::string_view::npos) {
            continue;
        }
        Result<Example> e =
            parse_example(line, path.filename().string() + ":" + std::to_string(line_no));
        if (!e) {
            return e.error();
        }
        out.push_back(std::move(*e));
    }
    return out;
}

// ---- normalisation ----

namespace {

// Byte classes for normalisation: 0 for a separator, else the lower-cased byte. Bytes >= 0x80
// (UTF-8) count as letters.
struct NormTable {
    unsigned char map[256];

    constexpr NormTable() : map() {
        for (int c = 0; c < 256; c++) {
            const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                               (c >= 'A' && c <= 'Z') || c >= 0x80;
            map[c] = !alnum ? 0 : static_cast<unsigned char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
    }
};

constexpr NormTable kNorm;

// Writes the normalised text of `s` to `out` (at least 2 * s.size() bytes); returns its length.
size_t normalize_into(std::string_view s, char* out) {
    // Branch-free: every byte writes a candidate space and a candidate letter and advances the
    // cursor only past the ones that belong in the output. `out` needs 2 * s.size() bytes.
    size_t n = 0;
    size_t pending = 0;  // 1 after a separator that follows a letter
    for (const char ch : s) {
        const unsigned char c = kNorm.map[static_cast<unsigned char>(ch)];
        const size_t letter = c != 0;
        out[n] = ' ';
        n += letter & pending;
        out[n] = static_cast<char>(c);
        n += letter;
        pending = (letter ^ 1) & static_cast<size_t>(n != 0);
    }
    return n;
}

}  // namespace

std::string normalize_text(std::string_view s) {
    std::string out(2 * s.size(), '\0');
    out.resize(normalize_into(s, out.data()));
    return out;
}

uint64_t normalized_hash(std::string_view s) {
    char stack[1024];
    if (2 * s.size() <= sizeof(stack)) {
        return XXH3_64bits(stack, normalize_into(s, stack));
    }
    const std::string n = normalize_text(s);
    return XXH3_64bits(n.data(), n.size());
}

}  // namespace ruvllm
