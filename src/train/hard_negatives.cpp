// hard_negatives.cpp: prompt, reply parsing, validation and the per-pair loop of the LLM-written
// hard negatives (hard_negatives.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/core/text.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/nn/loss.h>
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
                float inv = 0;
                l2norm_forward(row, &inv, row, 1, static_cast<int>(D));
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
            return with_context(r.error(), "hard-negatives: " + pr.pair.name());
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

// ---- the job (`ruvllm hard-negatives`) ----

namespace {

namespace fs = std::filesystem;

// "~/x" -> "$HOME/x"; other paths unchanged.
Result<fs::path> expand_home(const fs::path& path) {
    const std::string p = path.string();
    if (p != "~" && p.rfind("~/", 0) != 0) {
        return path;
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
        return make_error(
            Errc::invalid_argument,
            "hard-negatives: " + p + ": HOME is not set, expected a home directory to expand '~'");
    }
    return fs::path(home) / p.substr(p.size() > 1 ? 2 : 1);
}

// The texts of a labelled file (dataset JSONL, triplets, CSV, fastText); none when path is "".
Result<std::vector<std::string>> load_texts(const fs::path& path) {
    std::vector<std::string> texts;
    if (path.empty()) {
        return texts;
    }
    Result<LabeledSet> set = load_labeled(path, DataOptions{});
    if (!set) {
        return set.error();
    }
    texts.reserve(set->rows.size());
    for (LabeledExample& ex : set->rows) {
        texts.push_back(std::move(ex.text));
    }
    return texts;
}

// Agent descriptions for the prompt from the agent library. The shipped library is optional
// (an installed binary may not have it); an explicit library must load.
Result<std::vector<std::pair<std::string, std::string>>> load_descriptions(const fs::path& dir) {
    std::vector<std::pair<std::string, std::string>> out;
    Result<Library> lib = load_library(dir.empty() ? default_library_dir() : dir);
    if (!lib) {
        if (dir.empty()) {
            return out;
        }
        return lib.error();
    }
    for (const Agent& a : lib->agents) {
        out.emplace_back(a.name, a.description);
    }
    return out;
}

size_t total(const RejectCounts& counts) {
    size_t n = 0;
    for (size_t c : counts) {
        n += c;
    }
    return n;
}

std::string reject_list(const RejectCounts& counts) {
    std::string s;
    for (size_t i = 0; i < counts.size(); i++) {
        if (counts[i] == 0) {
            continue;
        }
        s += s.empty() ? "" : ", ";
        s += std::string(reject_name(static_cast<HardNegativeReject>(i))) + " " +
             std::to_string(counts[i]);
    }
    return s.empty() ? "none" : s;
}

// The progress note of pair i of n.
std::string pair_note(size_t i, size_t n, const PairReport& p) {
    if (!p.requested) {
        return strformat(
            "[%zu/%zu] %s: skipped, the token budget is spent", i + 1, n, p.pair.name().c_str());
    }
    return strformat("[%zu/%zu] %s: %zu of %zu lines accepted (%s %zu, %s %zu), rejected: %s%s%s",
                     i + 1,
                     n,
                     p.pair.name().c_str(),
                     p.accepted,
                     p.lines,
                     p.pair.a.c_str(),
                     p.accepted_a,
                     p.pair.b.c_str(),
                     p.accepted_b,
                     reject_list(p.rejected).c_str(),
                     p.stop_reason == "max_tokens" ? " [reply cut at max_tokens]" : "",
                     p.from_cache ? " [cache]" : "");
}

void say_report(const HardNegativeReport& r, const fs::path& out, const Log& log) {
    log.say(strformat("hard-negatives: %zu triplets from %zu lines over %zu pairs -> %s",
                      r.accepted,
                      r.lines,
                      r.pairs.size(),
                      out.string().c_str()));
    log.say(strformat("  rejected %zu: %s", total(r.rejected), reject_list(r.rejected).c_str()));
    log.say(strformat("  llm %s: %lld requests (%lld retries), %lld cache hits, %lld tokens used",
                      r.model.c_str(),
                      static_cast<long long>(r.llm.requests_sent),
                      static_cast<long long>(r.llm.retries),
                      static_cast<long long>(r.llm.cache_hits),
                      static_cast<long long>(r.llm.tokens_used)));
    if (r.truncated > 0) {
        log.say(strformat("  %zu replies stopped at max_tokens", r.truncated));
    }
}

bool has_api_key(const LlmOptions& llm) {
    if (!llm.api_key.empty()) {
        return true;
    }
    const char* key = std::getenv("ANTHROPIC_API_KEY");
    return key != nullptr && *key != '\0';
}

}  // namespace

Result<HardNegativesSummary> collect_hard_negatives(const HardNegativesJob& job, const Log& log) {
    // Before anything else: no file, no directory, no request without a key.
    if (!has_api_key(job.llm)) {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: ANTHROPIC_API_KEY is not set, expected an Anthropic "
                          "API key in the environment");
    }
    HardNegativesSummary sum;
    Result<fs::path> out = expand_home(job.out);
    if (!out) {
        return out.error();
    }
    sum.out = *out;
    HardNegativeConfig cfg;
    cfg.count = job.count;
    if (!job.pairs.empty()) {
        Result<std::vector<AgentPair>> pairs = parse_agent_pairs(job.pairs);
        if (!pairs) {
            return pairs.error();
        }
        cfg.pairs = std::move(*pairs);
    }
    if (!job.model.empty() && job.data.empty() && job.test.empty()) {
        return make_error(Errc::invalid_argument,
                          "hard-negatives: --model compares with --data / --test, expected one "
                          "of them");
    }
    Result<std::vector<std::string>> train = load_texts(job.data);
    if (!train) {
        return train.error();
    }
    Result<std::vector<std::string>> test = load_texts(job.test);
    if (!test) {
        return test.error();
    }
    std::optional<SubwordBase> embedder;
    if (!job.model.empty()) {
        Result<SubwordBase> e = SubwordBase::load(job.model);
        if (!e) {
            return e.error();
        }
        embedder.emplace(std::move(*e));
    }
    Result<std::vector<std::pair<std::string, std::string>>> desc = load_descriptions(job.library);
    if (!desc) {
        return desc.error();
    }
    cfg.descriptions = std::move(*desc);
    Result<HardNegativeFilter> filter = HardNegativeFilter::create(
        *train, *test, embedder ? &*embedder : nullptr, {job.max_task_bytes, job.near_duplicate});
    if (!filter) {
        return filter.error();
    }
    Result<LlmClient> client = LlmClient::create(say_waits(job.llm, log));
    if (!client) {
        return client.error();
    }
    if (Status s = make_parent_dirs(sum.out); !s) {
        return s.error();
    }
    const PairCallback on_pair = [&log](size_t i, size_t n, const PairReport& p) {
        log.step("hard-negatives",
                 static_cast<double>(i + 1) / static_cast<double>(n),
                 pair_note(i, n, p));
    };
    Result<HardNegativeResult> res = generate_hard_negatives(*client, *filter, cfg, on_pair);
    if (!res) {
        return res.error();
    }
    if (Status s = write_triplets(sum.out, res->triplets); !s) {
        return s.error();
    }
    if (!job.report.empty()) {
        if (Status s = make_parent_dirs(job.report); !s) {
            return s.error();
        }
        if (Status s = write_file_atomic(job.report, hard_negative_report_json(res->report)); !s) {
            return s.error();
        }
    }
    say_report(res->report, sum.out, log);
    sum.report = std::move(res->report);
    if (sum.report.pairs_skipped > 0) {
        return make_error(Errc::exhausted,
                          "hard-negatives: " + std::to_string(sum.report.pairs_skipped) + " of " +
                              std::to_string(sum.report.pairs.size()) +
                              " pairs skipped, the token budget (--max-tokens-total " +
                              std::to_string(job.llm.max_tokens_total) +
                              ") is spent; the other pairs' triplets were written to " +
                              sum.out.string() +
                              ", a rerun with a larger budget asks only for the skipped pairs");
    }
    return sum;
}

}  // namespace ruvllm
