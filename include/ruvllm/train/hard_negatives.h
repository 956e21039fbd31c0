// ruvllm/train/hard_negatives.h: LLM-written hard negatives for the confusing agent pairs (issue
// #6).
//
// For each pair of agents that routers confuse (FACTS.md's 10 pairs, or a subset), ONE request
// asks the LLM (llm.h) for N tasks that sit between the two agents but are subtly better served
// by one of them. Both directions come from that one request: the prompt asks for about half of
// the tasks to prefer each agent, so "positive" may be either agent of the pair. The reply must
// be N lines, one JSON object per line:
//   {"task": "...", "positive": "<agent>", "negative": "<agent>", "reason": "..."}
//
// Parsing (parse_reply_line) is line by line and forgiving about decoration, strict about
// content. Blank lines and code-fence lines ("```", "```json", "~~~") are skipped and not
// counted. On every other line, backticks around the line, leading bullets ("- ", "* ", "+ ",
// "• "), leading numbering ("3.", "3)", "3:", "(3)"), a leading '[' and trailing ',' / ']' are
// removed; what is left must be one JSON object with a string "task", string "positive" and
// "negative", and optionally a string "reason" (unknown keys are ignored). Anything else (prose,
// a truncated object, invalid UTF-8, lines over kHardNegativeMaxLineBytes) is `malformed`.
//
// Validation (HardNegativeFilter::check), in this order; the first failing rule names the
// rejection:
//   unknown_agent   positive or negative (trimmed, ASCII lower-cased) is not one of the 13 agents
//   wrong_pair      {positive, negative} is not exactly the pair asked for (or they are equal)
//   empty           the task has no letter or digit (normalize_text is empty; bytes of UTF-8
//                   sequences count as letters)
//   too_long        the task (trimmed) is longer than max_task_bytes
//   in_test_split   normalize_text(task) equals that of a test-split text
//   near_duplicate  normalize_text(task) equals that of a training text
//   duplicate       normalize_text(task) equals that of a line accepted earlier in the run
//   near_duplicate  (with an embedder) the cosine of the task's embedding to a training or a
//                   test text is at least near_duplicate (the test texts too: a paraphrase of
//                   a test task would leak it into training)
// An accepted line becomes Triplet{anchor = trimmed task, positive, negative, hard = true,
// reason = the LLM's reason, trimmed}. Everything here is deterministic: the same replies give
// the same triplets and report, in pair order then line order.
//
// Usage:
//   ruvllm::Result<ruvllm::LlmClient> client = ruvllm::LlmClient::create({...});
//   ruvllm::Result<ruvllm::HardNegativeFilter> filter = ruvllm::HardNegativeFilter::create(
//       train_texts, test_texts, /*embedder=*/nullptr, {});
//   ruvllm::HardNegativeConfig cfg;  // 10 per pair, FACTS.md's 10 pairs
//   ruvllm::Result<ruvllm::HardNegativeResult> r =
//       ruvllm::generate_hard_negatives(*client, *filter, cfg);
//   // r->triplets -> write_triplets(path, r->triplets); r->report -> hard_negative_report_json
//
// Or the whole of `ruvllm hard-negatives` in one call (inputs, filter, client, files, summary):
//   ruvllm::HardNegativesJob job;
//   job.data = "train.jsonl";
//   job.test = "test.jsonl";
//   job.out = "out/hard_negatives.jsonl";
//   ruvllm::Result<ruvllm::HardNegativesSummary> s = ruvllm::collect_hard_negatives(job, log);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/embed/base.h>
#include <ruvllm/llm/llm.h>
#include <ruvllm/train/triplets.h>

namespace ruvllm {

// Reply lines longer than this are malformed without being parsed.
inline constexpr size_t kHardNegativeMaxLineBytes = 65536;

// Two agents a router confuses, in the table's order ("coder", "refactorer").
struct AgentPair {
    std::string a, b;

    std::string name() const { return a + "/" + b; }  // "coder/refactorer"

    bool operator==(const AgentPair&) const = default;
};

// FACTS.md's 10 confusing pairs, in FACTS.md order.
const std::vector<AgentPair>& confusing_agent_pairs();

// Parses "coder/refactorer,reviewer/tester": comma-separated pairs of two different agents of
// the 13-agent set (any two, not only the table's), white space around names ignored. A pair
// listed twice (in either order) is an error, as are unknown agents and empty items:
// Errc::invalid_argument naming the item.
Result<std::vector<AgentPair>> parse_agent_pairs(std::string_view spec);

// Why a reply line was rejected (see the top of this file).
enum class HardNegativeReject : uint8_t {
    malformed,
    unknown_agent,
    wrong_pair,
    empty,
    too_long,
    duplicate,
    near_duplicate,
    in_test_split,
};
inline constexpr size_t kNumHardNegativeRejects = 8;

// "malformed", "unknown_agent", ... (the report's keys).
std::string_view reject_name(HardNegativeReject r);

// One reply line as written by the LLM (agent names not yet checked).
struct HardNegativeLine {
    std::string task, positive, negative, reason;
};

struct ParsedLine {
    enum class Kind : uint8_t { skip, object, malformed };
    Kind kind = Kind::skip;  // skip: blank or fence line, not counted
    HardNegativeLine line;   // filled when kind == object
};

// Parses one line of a reply (without its '\n'; a trailing '\r' is ignored).
ParsedLine parse_reply_line(std::string_view text);

struct HardNegativeFilterConfig {
    size_t max_task_bytes = 500;
    float near_duplicate = 0.95f;  // embedding cosine at or above which a task is a near-duplicate
};

// The validation rules of one run: the existing data and the lines accepted so far.
class HardNegativeFilter {
public:
    // `train_texts` and `test_texts` may be empty. With `embedder` (not owned, must outlive the
    // filter; may be null) every train and test text is embedded once here. Errc::invalid_argument
    // when near_duplicate is outside (0, 1] or max_task_bytes is 0.
    static Result<HardNegativeFilter> create(const std::vector<std::string>& train_texts,
                                             const std::vector<std::string>& test_texts,
                                             const Base* embedder,
                                             HardNegativeFilterConfig cfg);

    // Checks `line` against the rules for `pair`. Accepted: returns true, fills `out` and
    // remembers the task (a later equal task is a duplicate). Rejected: returns false and sets
    // `why`; the filter is unchanged.
    bool check(const HardNegativeLine& line,
               const AgentPair& pair,
               Triplet& out,
               HardNegativeReject& why);

    size_t n_accepted() const { return accepted_.size(); }

private:
    HardNegativeFilter() = default;
    float max_cosine(std::string_view text) const;  // over the embedded train and test texts

    HardNegativeFilterConfig cfg_;
    // Lookup only: iteration order never reaches the output.
    std::unordered_set<std::string> train_, test_, accepted_;
    const Base* embedder_ = nullptr;
    std::vector<float> rows_;  // (n, dim) unit rows of the embedded train + test texts
    size_t n_rows_ = 0;
};

struct HardNegativeConfig {
    int count = 10;  // tasks asked for per pair (>= 1)
    std::vector<AgentPair> pairs = confusing_agent_pairs();
    // Agent name -> one-paragraph description put in the prompt (e.g. the library's agent
    // descriptions); agents without one are named only.
    std::vector<std::pair<std::string, std::string>> descriptions{};
    int max_tokens = 0;        // output tokens per request; 0 = 256 + 128 * count (<= 32000)
    double temperature = 1.0;  // in [0, 1]
};

// The request for one pair (system + one user message). The text depends only on the pair,
// count and descriptions, so it is a stable cache key.
LlmRequest hard_negative_request(const AgentPair& pair, const HardNegativeConfig& cfg);

using RejectCounts = std::array<size_t, kNumHardNegativeRejects>;

struct PairReport {
    AgentPair pair;
    bool requested = false;  // false: refused by the token budget (no reply, nothing parsed)
    bool from_cache = false;
    std::string stop_reason;  // the reply's; "max_tokens" means the last line was cut off
    size_t lines = 0;         // counted lines (not blank, not a fence)
    size_t accepted = 0;
    size_t accepted_a = 0, accepted_b = 0;  // accepted with positive == pair.a / pair.b
    RejectCounts rejected{};
    int64_t input_tokens = 0, output_tokens = 0;  // of the reply (also when from the cache)
};

struct HardNegativeReport {
    std::string model;
    int count = 0;
    std::vector<PairReport> pairs;
    size_t lines = 0, accepted = 0;
    RejectCounts rejected{};
    size_t pairs_skipped = 0;  // pairs refused by the token budget
    size_t truncated = 0;      // replies that stopped on max_tokens
    LlmStats llm{};            // the client's counters after the run
};

struct HardNegativeResult {
    std::vector<Triplet> triplets;
    HardNegativeReport report;
};

// Parses and validates one reply for `pair`: appends accepted triplets to `out` and adds the
// counts to `report` (lines, accepted, rejected; not the request fields).
void accept_reply(std::string_view reply,
                  const AgentPair& pair,
                  HardNegativeFilter& filter,
                  std::vector<Triplet>& out,
                  PairReport& report);

// Called after each pair: (index, number of pairs, its report).
using PairCallback = std::function<void(size_t, size_t, const PairReport&)>;

// One request per pair of cfg.pairs, in order. A pair refused by the token budget
// (Errc::exhausted) is skipped (requested = false, counted in pairs_skipped) and the run goes
// on: later pairs may still be answered from the cache. Any other request error ends the run:
// Errc of the client, message "hard-negatives: <pair>: <client message>".
// Errc::invalid_argument for count < 1, no pairs, or a pair that is not two different agents.
Result<HardNegativeResult> generate_hard_negatives(LlmClient& client,
                                                   HardNegativeFilter& filter,
                                                   const HardNegativeConfig& cfg,
                                                   const PairCallback& on_pair = {});

// The report as pretty JSON (nlohmann ordered_json, 2-space indent, final newline):
//   {"model", "count_per_pair", "lines", "accepted", "rejected_total",
//    "rejected": {"malformed": n, ...}, "pairs_skipped", "truncated_replies",
//    "requests_sent", "retries", "cache_hits", "tokens_used",
//    "pairs": [{"pair", "requested", "from_cache", "stop_reason", "lines", "accepted",
//               "accepted_by_positive": {<a>: n, <b>: n}, "rejected": {...},
//               "input_tokens", "output_tokens"}]}
std::string hard_negative_report_json(const HardNegativeReport& report);

// `ruvllm hard-negatives`: the fields and defaults of its flags.
struct HardNegativesJob {
    int count = 10;  // tasks asked for per pair
    // The triplets JSONL; a leading "~/" is $HOME. Parent directories are created.
    std::filesystem::path out = "~/.ruvllm/training/claude-hard-negatives.jsonl";
    std::filesystem::path data;     // training data: equal tasks are rejected; "" = none
    std::filesystem::path test;     // test split: equal tasks are rejected; "" = none
    std::filesystem::path model;    // a router or base GGUF: also reject near-duplicates
    std::filesystem::path report;   // also write hard_negative_report_json here; "" = none
    std::string pairs;              // parse_agent_pairs' spec; "" = the 10 confusing pairs
    std::filesystem::path library;  // agent descriptions; "" = the shipped library, if there
    float near_duplicate = 0.95f;
    size_t max_task_bytes = 500;
    // The client: api_base, model, timeout_s, max_retries, max_tokens_total, cache_dir (here
    // ".cache/llm") and seed (of the retry jitter) are the CLI's flags; an empty api_key is
    // read from ANTHROPIC_API_KEY.
    LlmOptions llm = [] {
        LlmOptions o;
        o.cache_dir = ".cache/llm";
        return o;
    }();
};

struct HardNegativesSummary {
    HardNegativeReport report;
    std::filesystem::path out;  // the triplets file written ("~" expanded)
};

// Runs the job: the inputs, the filter, one request per pair, the triplets file and the
// report file. Progress: one step "hard-negatives" per pair, whose note is the pair's line
// ("[1/10] coder/refactorer: 2 of 10 lines accepted (coder 1, refactorer 1), rejected: ...");
// then says the summary ("hard-negatives: 20 triplets from 84 lines over 10 pairs -> <out>",
// the rejections and the client's counters). Errors, before any file or request: no API key
// (neither llm.api_key nor ANTHROPIC_API_KEY), "~" without HOME, a bad pairs spec, a model
// without data or test (Errc::invalid_argument), unreadable inputs; then those of the client
// and of generate_hard_negatives. When the token budget left pairs out, the files are written
// and the result is Errc::exhausted naming how many and where.
Result<HardNegativesSummary> collect_hard_negatives(const HardNegativesJob& job, const Log& log);

}  // namespace ruvllm
