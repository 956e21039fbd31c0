// hard_negatives.cpp: prompt, reply parsing, validation and the per-pair loop of the LLM-written
// hard negatives (hard_negatives.h).
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include <ruvllm/dataset/dataset.h>
#include <ruvllm/router/router.h>
#include <ruvllm/train/hard_negatives.h>

namespace ruvllm {

namespace {

using json = nlohmann::json;

constexpr std::string_view kWhite = " \t\r\n\f\v";

std::string_view trim(std::string_view s) {
    const size_t b = s.find_first_not_of(kWhite);
    if (b == std::string_view::npos) {
        return {};
    }
    const size_t e = s.find_last_not_of(kWhite);
    return s.substr(b, e - b + 1);
}

std::string agent_key(std::string_view s) {
    std::string out(trim(s));
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

bool known_agent(std::string_view name) {
    return std::find(kAgentTypes.begin(), kAgentTypes.end(), name) != kAgentTypes.end();
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Removes one leading list marker: a bullet or a number ("3.", "3)", "3:", "(3)").
std::string_view strip_marker(std::string_view s) {
    static constexpr std::string_view kBullets[] = {"- ", "* ", "+ ", "\xE2\x80\xA2"};  // U+2022
    for (std::string_view b : kBullets) {
        if (s.substr(0, b.size()) == b) {
            return trim(s.substr(b.size()));
        }
    }
    size_t i = 0;
    const bool paren = !s.empty() && s[0] == '(';
    i += paren ? 1 : 0;
    const size_t digits_at = i;
    while (i < s.size() && is_digit(s[i])) {
        i++;
    }
    if (i == digits_at || i >= s.size()) {
        return s;
    }
    if (paren ? s[i] == ')' : (s[i] == '.' || s[i] == ')' || s[i] == ':')) {
        return trim(s.substr(i + 1));
    }
    return s;
}

// The JSON object text of a decorated line: marker, '[' and trailing ',' / ']' removed.
std::string_view undecorate(std::string_view s) {
    while (!s.empty() && (s.front() == '`' || s.front() == '~')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == '`' || s.back() == '~')) {
        s.remove_suffix(1);
    }
    s = strip_marker(trim(s));
    if (!s.empty() && s[0] == '[') {
        s = trim(s.substr(1));
    }
    for (;;) {
        const std::string_view t = trim(s);
        if (!t.empty() && t.back() == ',') {
            s = t.substr(0, t.size() - 1);
        } else if (t.size() >= 2 && t.back() == ']' &&
                   trim(t.substr(0, t.size() - 1)).back() == '}') {
            s = t.substr(0, t.size() - 1);
        } else {
            return t;
        }
    }
}

// A string field: true and `out` set when present as a string; `required` fields must be.
bool string_field(const json& obj, const char* key, bool required, std::string& out) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
        return !required;
    }
    if (!it->is_string()) {
        return false;
    }
    out = it->get_ref<const std::string&>();
    return utf8_invalid_at(out) == std::string_view::npos;
}

void add_counts(RejectCounts& into, const RejectCounts& from) {
    for (size_t i = 0; i < into.size(); i++) {
        into[i] += from[i];
    }
}

nlohmann::ordered_json reject_json(const RejectCounts& counts) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (size_t i = 0; i < counts.size(); i++) {
        out[std::string(reject_name(static_cast<HardNegativeReject>(i)))] = counts[i];
    }
    return out;
}

const std::string* description_of(const HardNegativeConfig& cfg, const std::string& agent) {
    for (const auto& [name, text] : cfg.descriptions) {
        if (name == agent) {
            return &text;
        }
    }
    return nullptr;
}

}  // namespace

// ---- pairs ----

const std::vector<AgentPair>& confusing_agent_pairs() {
    static const std::vector<AgentPair> kPairs = [] {
        std::vector<AgentPair> v;
        for (const auto& [a, b] : confusing_agent_names()) {
            v.push_back({a, b});
        }
        return v;
    }();
    return kPairs;
}

Result<std::vector<AgentPair>> parse_agent_pairs(std::string_view spec) {
    std::vector<AgentPair> out;
    size_t start = 0;
    for (;;) {
        const size_t comma = spec.find(',', start);
        const std::string_view item =
            trim(spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start));
        const std::string shown(item);
        const size_t slash = item.find('/');
        if (slash == std::string_view::npos) {
            return make_error(Errc::invalid_argument,
                              "--pairs: '" + shown + "', expected <agent>/<agent>");
        }
        AgentPair p{std::string(trim(item.substr(0, slash))),
                    std::string(trim(item.substr(slash + 1)))};
        for (const std::string& a : {p.a, p.b}) {
            if (!known_agent(a)) {
                return make_error(Errc::invalid_argument,
                                  "--pairs: '" + shown + "': unknown agent '" + a +
                                      "', expected one of the 13 agent types");
            }
        }
        if (p.a == p.b) {
            return make_error(Errc::invalid_argument,
                              "--pairs: '" + shown + "', expected two different agents");
        }
        for (const AgentPair& q : out) {
            if ((q.a == p.a && q.b == p.b) || (q.a == p.b && q.b == p.a)) {
                return make_error(Errc::invalid_argument,
                                  "--pairs: '" + shown + "' is listed twice, expected each once");
            }
        }
        out.push_back(std::move(p));
        if (comma == std::string_view::npos) {
            return out;
        }
        start = comma + 1;
    }
}

std::string_view reject_name(HardNegativeReject r) {
    switch (r) {
        case HardNegativeReject::malformed:
            return "malformed";
        case HardNegativeReject::unknown_agent:
            return "unknown_agent";
        case HardNegativeReject::wrong_pair:
            return "wrong_pair";
        case HardNegativeReject::empty:
            return "empty";
        case HardNegativeReject::too_long:
            return "too_long";
        case HardNegativeReject::duplicate:
            return "duplicate";
        case HardNegativeReject::near_duplicate:
            return "near_duplicate";
        case HardNegativeReject::in_test_split:
            return "in_test_split";
    }
    return "?";
}

// ---- parsing ----

ParsedLine parse_reply_line(std::string_view text) {
    ParsedLine out;
    const std::string_view t = trim(text);
    const bool fence = t.substr(0, 3) == "```" || t.substr(0, 3) == "~~~";
    if (t.empty() || (fence && t.find('{') == std::string_view::npos)) {
        return out;  // skip
    }
    out.kind = ParsedLine::Kind::malformed;
    if (t.size() > kHardNegativeMaxLineBytes || utf8_invalid_at(t) != std::string_view::npos) {
        return out;
    }
    const std::string_view obj_text = undecorate(t);
    if (obj_text.empty() || obj_text.front() != '{' || obj_text.back() != '}') {
        return out;
    }
    const json obj = json::parse(obj_text, nullptr, /*allow_exceptions=*/false);
    if (obj.is_discarded() || !obj.is_object()) {
        return out;
    }
    HardNegativeLine line;
    if (!string_field(obj, "task", true, line.task) ||
        !string_field(obj, "positive", true, line.positive) ||
        !string_field(obj, "negative", true, line.negative) ||
        !string_field(obj, "reason", false, line.reason)) {
        return out;
    }
    out.kind = ParsedLine::Kind::object;
    out.line = std::move(line);
    return out;
}

// ---- validation ----

Result<HardNegativeFilter> HardNegativeFilter::create(const std::vector<std::string>& train_texts,
                                                      const std::vector<std::string>& test_texts,
                                                      const Base* embedder,
                                                      HardNegativeFilterConfig cfg) {
    if (!(cfg.near_duplicate > 0.0f && cfg.near_duplicate <= 1.0f)) {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: near-duplicate threshold " +
                              std::to_string(cfg.near_duplicate) + ", expected a value in (0, 1]");
    }
    if (cfg.max_task_bytes == 0) {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: max task bytes 0, expected at least 1");
    }
    HardNegativeFilter f;
    f.cfg_ = cfg;
    f.embedder_ = embedder;
    for (const std::string& t : train_texts) {
        f.train_.insert(normalize_text(t));
    }
    for (const std::string& t : test_texts) {
        f.test_.insert(normalize_text(t));
    }
    if (embedder != nullptr) {
        const auto D = static_cast<size_t>(embedder->dim());
        f.n_rows_ = train_texts.size() + test_texts.size();
        f.rows_.assign(f.n_rows_ * D, 0.0f);
        size_t r = 0;
        for (const auto* texts : {&train_texts, &test_texts}) {
            for (const std::string& t : *texts) {
                float* row = f.rows_.data() + r * D;
                embedder->embed(t, row);
                double norm = 0;
                for (size_t d = 0; d < D; d++) {
                    norm += static_cast<double>(row[d]) * row[d];
                }
                const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
                for (size_t d = 0; d < D; d++) {
                    row[d] *= inv;
                }
                r++;
            }
        }
    }
    return f;
}

float HardNegativeFilter::max_cosine(std::string_view text) const {
    const auto D = static_cast<size_t>(embedder_->dim());
    std::vector<float> z(D);
    embedder_->embed(text, z.data());
    double norm = 0;
    for (float v : z) {
        norm += static_cast<double>(v) * v;
    }
    if (norm <= 0) {
        return 0.0f;  // no known subword: nothing to compare
    }
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    float best = -1.0f;
    for (size_t r = 0; r < n_rows_; r++) {
        const float* row = rows_.data() + r * D;
        float dot = 0;
        for (size_t d = 0; d < D; d++) {
            dot += row[d] * z[d];
        }
        best = std::max(best, dot * inv);
    }
    return best;
}

bool HardNegativeFilter::check(const HardNegativeLine& line,
                               const AgentPair& pair,
                               Triplet& out,
                               HardNegativeReject& why) {
    const std::string pos = agent_key(line.positive), neg = agent_key(line.negative);
    if (!known_agent(pos) || !known_agent(neg)) {
        why = HardNegativeReject::unknown_agent;
        return false;
    }
    if (!((pos == pair.a && neg == pair.b) || (pos == pair.b && neg == pair.a))) {
        why = HardNegativeReject::wrong_pair;
        return false;
    }
    const std::string_view task = trim(line.task);
    std::string norm = normalize_text(task);
    if (norm.empty()) {
        why = HardNegativeReject::empty;
        return false;
    }
    if (task.size() > cfg_.max_task_bytes) {
        why = HardNegativeReject::too_long;
        return false;
    }
    if (test_.count(norm) != 0) {
        why = HardNegativeReject::in_test_split;
        return false;
    }
    if (train_.count(norm) != 0) {
        why = HardNegativeReject::near_duplicate;
        return false;
    }
    if (accepted_.count(norm) != 0) {
        why = HardNegativeReject::duplicate;
        return false;
    }
    if (embedder_ != nullptr && n_rows_ > 0 && max_cosine(task) >= cfg_.near_duplicate) {
        why = HardNegativeReject::near_duplicate;
        return false;
    }
    accepted_.insert(std::move(norm));
    out = Triplet{std::string(task), pos, neg, true, std::string(trim(line.reason))};
    return true;
}

// ---- the run ----

LlmRequest hard_negative_request(const AgentPair& pair, const HardNegativeConfig& cfg) {
    std::string agents;
    for (std::string_view a : kAgentTypes) {
        agents += agents.empty() ? "" : ", ";
        agents += a;
    }
    LlmRequest req;
    req.system =
        "You write training data for a router that sends software-engineering tasks to one of "
        "13 specialised agents: " +
        agents +
        ". Tasks read like real requests a developer types to a coding assistant. You answer "
        "with JSON Lines only: no prose, no code fences, no numbering.";
    const std::string n = std::to_string(cfg.count);
    const std::string qa = "\"" + pair.a + "\"", qb = "\"" + pair.b + "\"";
    std::string user = "Agent pair: " + qa + " vs " + qb + ".\n";
    for (const std::string* agent : {&pair.a, &pair.b}) {
        if (const std::string* d = description_of(cfg, *agent); d != nullptr) {
            user += "- " + *agent + ": " + *d + "\n";
        }
    }
    user += "\nWrite exactly " + n +
            " tasks that sit between these two agents: each task must be plausible for both, "
            "yet one of them is subtly the better choice. About half of the tasks should prefer " +
            qa + " and half " + qb +
            ". Vary the domain (web, systems, data science, mobile, DevOps, security, databases, "
            "APIs), the length (one to three sentences) and the wording, and do not name the "
            "agents in the task.\n\nAnswer with exactly " +
            n +
            " lines, one JSON object per line, and nothing else:\n"
            "{\"task\": \"...\", \"positive\": \"<the better agent>\", \"negative\": \"<the "
            "other agent>\", \"reason\": \"<one sentence: why the positive agent is the better "
            "choice>\"}\n\"positive\" and \"negative\" must be " +
            qa + " and " + qb + ", in either order.";
    req.user = std::move(user);
    req.max_tokens = cfg.max_tokens > 0 ? cfg.max_tokens : std::min(32000, 256 + 128 * cfg.count);
    req.temperature = cfg.temperature;
    return req;
}

void accept_reply(std::string_view reply,
                  const AgentPair& pair,
                  HardNegativeFilter& filter,
                  std::vector<Triplet>& out,
                  PairReport& report) {
    size_t start = 0;
    while (start <= reply.size()) {
        size_t end = reply.find('\n', start);
        if (end == std::string_view::npos) {
            end = reply.size();
        }
        const ParsedLine p = parse_reply_line(reply.substr(start, end - start));
        start = end + 1;
        if (p.kind == ParsedLine::Kind::skip) {
            continue;
        }
        report.lines++;
        HardNegativeReject why = HardNegativeReject::malformed;
        Triplet t;
        if (p.kind == ParsedLine::Kind::object && filter.check(p.line, pair, t, why)) {
            report.accepted++;
            (t.positive == pair.a ? report.accepted_a : report.accepted_b)++;
            out.push_back(std::move(t));
        } else {
            report.rejected[static_cast<size_t>(why)]++;
        }
    }
}

Result<HardNegativeResult> generate_hard_negatives(LlmClient& client,
                                                   HardNegativeFilter& filter,
                                                   const HardNegativeConfig& cfg,
                                                   const PairCallback& on_pair) {
    if (cfg.count < 1) {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: count " + std::to_string(cfg.count) +
                              ", expected at least 1 task per pair");
    }
    if (cfg.pairs.empty()) {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: no agent pairs, expected at least one");
    }
    for (const AgentPair& p : cfg.pairs) {
        if (!known_agent(p.a) || !known_agent(p.b) || p.a == p.b) {
            return make_error(Errc::invalid_argument,
                              "hard-negatives: pair '" + p.name() +
                                  "', expected two different agents of the 13 agent types");
        }
    }
    HardNegativeResult res;
    HardNegativeReport& rep = res.report;
    rep.model = client.model();
    rep.count = cfg.count;
    for (size_t i = 0; i < cfg.pairs.size(); i++) {
        PairReport pr;
        pr.pair = cfg.pairs[i];
        Result<LlmResponse> r = client.complete(hard_negative_request(pr.pair, cfg));
        if (!r && r.error().code == Errc::exhausted) {
            rep.pairs_skipped++;
        } else if (!r) {
            return make_error(r.error().code,
                              "hard-negatives: " + pr.pair.name() + ": " + r.error().message);
        } else {
            pr.requested = true;
            pr.from_cache = r->from_cache;
            pr.stop_reason = r->stop_reason;
            pr.input_tokens = r->input_tokens;
            pr.output_tokens = r->output_tokens;
            rep.truncated += r->stop_reason == "max_tokens" ? 1 : 0;
            accept_reply(r->text, pr.pair, filter, res.triplets, pr);
        }
        rep.lines += pr.lines;
        rep.accepted += pr.accepted;
        add_counts(rep.rejected, pr.rejected);
        rep.pairs.push_back(pr);
        if (on_pair) {
            on_pair(i, cfg.pairs.size(), rep.pairs.back());
        }
    }
    rep.llm = client.stats();
    return res;
}

std::string hard_negative_report_json(const HardNegativeReport& rep) {
    nlohmann::ordered_json j;
    size_t rejected_total = 0;
    for (size_t n : rep.rejected) {
        rejected_total += n;
    }
    j["model"] = rep.model;
    j["count_per_pair"] = rep.count;
    j["lines"] = rep.lines;
    j["accepted"] = rep.accepted;
    j["rejected_total"] = rejected_total;
    j["rejected"] = reject_json(rep.rejected);
    j["pairs_skipped"] = rep.pairs_skipped;
    j["truncated_replies"] = rep.truncated;
    j["requests_sent"] = rep.llm.requests_sent;
    j["retries"] = rep.llm.retries;
    j["cache_hits"] = rep.llm.cache_hits;
    j["tokens_used"] = rep.llm.tokens_used;
    nlohmann::ordered_json pairs = nlohmann::ordered_json::array();
    for (const PairReport& p : rep.pairs) {
        nlohmann::ordered_json pj;
        pj["pair"] = p.pair.name();
        pj["requested"] = p.requested;
        pj["from_cache"] = p.from_cache;
        pj["stop_reason"] = p.stop_reason;
        pj["lines"] = p.lines;
        pj["accepted"] = p.accepted;
        pj["accepted_by_positive"] = {{p.pair.a, p.accepted_a}, {p.pair.b, p.accepted_b}};
        pj["rejected"] = reject_json(p.rejected);
        pj["input_tokens"] = p.input_tokens;
        pj["output_tokens"] = p.output_tokens;
        pairs.push_back(std::move(pj));
    }
    j["pairs"] = std::move(pairs);
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace ruvllm
