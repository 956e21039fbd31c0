// ruvllm/dataset/dataset.h: the routing dataset record, its vocabularies and its file formats.
//
// One example is one task for one agent, in the seed's JSONL format (FACTS.md section 3), with
// three provenance keys appended to `metadata` (readers of the seed format ignore them):
//   {"input":"...","context":"...","output_agent":"coder","metadata":{"category":"Coder",
//    "complexity":"Moderate","domain":"Web","expected_model":"sonnet","quality_score":0.87,
//    "tags":["auth","middleware"],"agent":"coder","template_id":"coder-017",
//    "augmentation":"base"}}
// `output_agent` is the training label: the seed category in lower case ("coder", "security",
// ...) with Labels::categories, or the agent name ("security-architect") with Labels::agents.
// See docs/formats.md for every field.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/io.h>

namespace ruvllm {

// ---- vocabularies ----

enum class Category : uint8_t { coder, researcher, security, architecture, reviewer };
enum class Complexity : uint8_t { simple, moderate, complex };
enum class Domain : uint8_t { web, systems, data_science, mobile, devops, security, database, api };
enum class Tier : uint8_t { haiku, sonnet, opus };
enum class Augmentation : uint8_t { base, paraphrase, complexity, domain };
enum class Labels : uint8_t { categories, agents };
// How a task is written (generate --styles, lexicon/styles.yaml): none = as the template reads
// (the seed's datasets); terse = a ticket title of a few words; imperative = the full one-line
// request; question, chat, lowercase (no capitals, no punctuation), context (a sentence of
// context, then the task).
enum class Style : uint8_t { none, terse, imperative, question, chat, lowercase, context };
constexpr int kNumStyles = 7;

constexpr int kNumCategories = 5;
constexpr int kNumComplexities = 3;
constexpr int kNumDomains = 8;

// The 13 agent types of Claude Flow / Claude Code, in FACTS.md order.
extern const std::array<std::string_view, 13> kAgentTypes;

std::string_view category_name(Category c);          // "Coder"   (JSONL enum spelling)
std::string_view category_label(Category c);         // "coder"   (stats keys, output_agent)
std::string_view complexity_name(Complexity c);      // "Simple"
std::string_view domain_name(Domain d);              // "DataScience"
std::string_view tier_name(Tier t);                  // "haiku"
std::string_view augmentation_name(Augmentation a);  // "paraphrase"
std::string_view style_name(Style s);                // "terse" ("none" for Style::none)

// Parse the spellings above (categories also accept the lower-case label). false if unknown.
bool parse_category(std::string_view s, Category& out);
bool parse_complexity(std::string_view s, Complexity& out);
bool parse_domain(std::string_view s, Domain& out);
bool parse_style(std::string_view s, Style& out);

// The seed category of an agent name or of a category label ("api-docs" -> researcher,
// "Security" -> security). false if neither.
bool label_category(std::string_view label, Category& out);

// FACTS.md's 10 confusing agent pairs (the original's hard-negative pairs), in its order:
// coder/refactorer, researcher/architect, ... optimizer/architect.
const std::vector<std::pair<std::string, std::string>>& confusing_agent_names();

// The README's model-tier table (category x complexity -> Claude tier).
Tier tier_for(Category c, Complexity x);

// ---- the record ----

struct TaskMetadata {
    Category category = Category::coder;
    Complexity complexity = Complexity::simple;
    Domain domain = Domain::web;
    Tier expected_model = Tier::haiku;
    float quality_score = 0.0f;
    std::vector<std::string> tags;
    // provenance (our additions)
    std::string agent;        // one of the library's agents
    std::string template_id;  // "<agent>-<nnn>": all variants of one template share it
    Augmentation augmentation = Augmentation::base;
    // How the task was written; Style::none writes no "style" key (the seed's records).
    Style style = Style::none;
};

struct Example {
    std::string input;         // the task text (model input)
    std::string context;       // extra context, may be empty
    std::string output_agent;  // the label
    TaskMetadata metadata;
};

// ---- JSON output (hand-written writers: they run at GB/s) ----

// Appends `s` as a JSON string literal (quotes included), escaping '"', '\\' and control bytes.
void append_json_string(std::string& out, std::string_view s);

// Appends one JSONL line (compact object + '\n').
void append_jsonl(std::string& out, const Example& e);

// Appends one example as a pretty-printed object (serde_json's to_string_pretty layout:
// 2-space indent, "key": value), indented by `indent` spaces, without a trailing newline.
void append_json_pretty(std::string& out, const Example& e, int indent);

// Writes all examples as JSONL / as one pretty JSON array to `out`. false on a write error.
bool write_jsonl(OutBuffer& out, const std::vector<Example>& examples);
bool write_json_array(OutBuffer& out, const std::vector<Example>& examples);

// ---- statistics (the seed's stats JSON) ----

struct DatasetStats {
    uint64_t total_examples = 0;
    std::array<uint64_t, kNumCategories> per_category{};
    std::array<uint64_t, kNumComplexities> per_complexity{};
    std::array<uint64_t, kNumDomains> per_domain{};
    double avg_quality_score = 0.0;
};

DatasetStats compute_stats(const std::vector<Example>& examples);

// {"total_examples":..,"examples_per_category":{"coder":..},"examples_per_complexity":{..},
//  "examples_per_domain":{..},"avg_quality_score":..}, pretty-printed.
std::string stats_to_json(const DatasetStats& stats);

// ---- reading ----

// Parses one JSONL line in the format above. Unknown keys are ignored; the provenance keys are
// optional. `where` ("file:line") prefixes error messages. Errc::parse / Errc::format.
Result<Example> parse_example(std::string_view line, std::string_view where);

// Reads a whole JSONL dataset; blank lines are skipped, the last line may lack '\n'.
Result<std::vector<Example>> read_jsonl(const std::filesystem::path& path);

// Normalised text for duplicate detection: lower case, every run of non-alphanumeric bytes
// collapsed to one space, trimmed. "Fix the  BUG!" -> "fix the bug".
std::string normalize_text(std::string_view s);

// 64-bit hash of normalize_text(s), computed without building the string.
uint64_t normalized_hash(std::string_view s);

}  // namespace ruvllm
