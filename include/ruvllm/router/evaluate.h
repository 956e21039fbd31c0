// ruvllm/router/evaluate.h: a router's quality on labelled data, the numbers behind `ruvllm eval`.
//
// Every example is judged three or four ways (router.h's route_task in modes hybrid, embedding and
// sparse, the
// rest of the RouteConfig as given; the keyword-only answer is the hybrid's keyword stage):
//   keyword    decides only some examples: `coverage` = decided / n, `accuracy_decided` =
//              right / decided; its confusion matrix counts the decided examples only;
//   embedding  the nearest prototype; abstentions (min_confidence) count as wrong;
//   sparse     the sparse n-gram stage alone (sparse.h; models that have one, else n = 0);
//   hybrid     keyword when it decides, else the blend of embedding and sparse (or embedding
//              alone for a model without a sparse stage): what `route` answers.
// accuracy = right / n for each mode; per-label P/R/F1 and macro-F1 come from the confusion
// matrix (label_metrics below). Triplet and hard-negative accuracy compare the cosines of
// the positive and negative labels (examples with a negative label only). ECE is that of the
// embedding stage's softmax at the model's temperature (calibrate.h). The heads' numbers are
// those of the hybrid decisions (tier after tier_bias and max_tier), against the examples that
// carry targets; the tier-table baseline applies the README's table to the category of the
// hybrid agent and the predicted complexity. Latency is route_task's, hybrid mode.
//
// `ruvllm eval` in one call: evaluate_router(EvalJob, Log) loads the model and the data, runs
// the evaluation and writes the --report JSON and the --errors JSONL; eval_table() is the text
// the CLI prints.
//   ruvllm::EvalJob job{.model = "out/router.gguf", .data = "test.jsonl", .report = "eval.json"};
//   ruvllm::Result<ruvllm::EvalSummary> s = ruvllm::evaluate_router(job, log);
//   if (s) { std::fputs(ruvllm::eval_table(job, *s).c_str(), stdout); }
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <ruvllm/core/log.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/router/router.h>

namespace ruvllm {

struct LabelMetrics {
    double precision = 0, recall = 0, f1 = 0;
    size_t support = 0;
};

struct Metrics {
    size_t n = 0;
    double accuracy = 0;  // nearest prototype, N-way
    double macro_f1 = 0;
    size_t n_triplets = 0;        // examples with a negative label
    double triplet_accuracy = 0;  // cos(z, p_pos) > cos(z, p_neg)
    size_t n_hard = 0;
    double hard_accuracy = 0;  // the same on hard negatives
    std::vector<LabelMetrics> per_label;
    std::vector<std::vector<uint32_t>> confusion;  // [true][predicted]
};

// Metrics of `model` on `data` (labels indexed like the model's).
Metrics evaluate(const RouterModel& model, const LabeledSet& data);

// Per-label precision/recall/F1 of a confusion matrix ([true][predicted]) and their macro
// average over the labels that occur (as truth or prediction).
void label_metrics(const std::vector<std::vector<uint32_t>>& confusion,
                   std::vector<LabelMetrics>& per_label,
                   double& macro_f1);

// {label: {precision, recall, f1, support}} in label order: the per_label object of the eval
// report and of train's stats JSON.
nlohmann::ordered_json per_label_json(const std::vector<LabelMetrics>& per_label,
                                      const std::vector<std::string>& labels);

struct ModeMetrics {
    size_t n = 0, decided = 0, right = 0;
    double coverage = 0, accuracy = 0, accuracy_decided = 0, macro_f1 = 0;
    std::vector<LabelMetrics> per_label;
    std::vector<std::vector<uint32_t>> confusion;  // [true][predicted], decided examples
};

struct RouterReport {
    size_t n = 0;
    ModeMetrics keyword, embedding, sparse, hybrid;  // sparse.n == 0: no sparse stage
    size_t n_triplets = 0, n_hard = 0;
    double triplet_accuracy = 0, hard_accuracy = 0;
    double ece = 0;
    float temperature = 0;
    // heads (zero counts when the model has none)
    size_t n_complexity = 0, n_tier = 0, n_quality = 0;
    double complexity_accuracy = 0, tier_accuracy = 0, tier_table_accuracy = 0, quality_mae = 0;
    double complexity_prior_accuracy = 0;  // baseline: the heads' majority class (heads.h)
    std::array<size_t, 3> tier_counts{};   // decisions per tier: haiku, sonnet, opus
    double latency_p50_us = 0, latency_p99_us = 0;
    std::vector<double> latency_us;  // every hybrid decision's latency, sorted
    // Per keyword rule (the model's order): how often it decided here (it matched and its
    // label won the keyword stage) and how often that was right.
    std::vector<uint32_t> rule_fired, rule_right;
    // Hybrid misroutes (abstentions included): the example's row and its decision.
    std::vector<std::pair<size_t, Decision>> errors;
};

// Errc::invalid_argument naming the row when an example is not a routable task.
Result<RouterReport> evaluate_router(const RouterModel& model,
                                     const LabeledSet& data,
                                     const RouteConfig& cfg);

// `ruvllm eval`: the fields and defaults of its flags (routing: hybrid, as `route`).
struct EvalJob {
    std::filesystem::path model;   // router model (GGUF)
    std::filesystem::path data;    // labelled data (load_labeled), labels of the model
    std::filesystem::path report;  // also write the metrics as JSON here; "" = none
    std::filesystem::path errors;  // write the misrouted examples here (JSONL); "" = none
    double min_confidence = 0.0;   // abstain below this confidence
    float tier_bias = 0.0f;
    std::string max_tier = "opus";  // haiku | sonnet | opus
    std::string text_field = "input", label_field = "output_agent";
    std::string split = "test";  // the split read when `data` is a dataset directory (labeled.h)
};

struct EvalSummary {
    RouterReport report;
    std::vector<std::string> labels;             // the model's, in its order
    size_t n_rules = 0;                          // the model's keyword rules
    std::vector<KeywordRule> rules;              // ... themselves
    std::string complexity_source, tier_source;  // the heads' sources (heads.h), "" if none
    std::vector<std::string> files;              // written: errors, then report
};

// Runs the job. The report JSON: model, data, examples, the top-level figures (accuracy and
// macro_f1 of the embedding stage, hybrid_accuracy, keyword coverage and accuracy, triplet and
// hard-negative accuracy), latency_us {p50, p99}, latency_histogram (20 log-spaced bins from
// 1 us to 10 ms), ece, temperature, heads, labels, modes {keyword, embedding, sparse (with a sparse
// stage), hybrid} and misrouted. The errors JSONL: per hybrid misroute {row (1-based), task,
// expected} and the decision (decision_json). Says nothing (the product is eval_table). Errors: an
// unknown max_tier (Errc::invalid_argument); those of RouterModel::load and load_labeled; those of
// evaluate_router prefixed with the data path; Errc::io when a file cannot be written.
Result<EvalSummary> evaluate_router(const EvalJob& job, const Log& log);

// The text `ruvllm eval` prints: model and data, the three stages side by side, triplet and
// ECE and heads lines, latency, the hybrid per-label table, the confusion matrix and, when
// job.errors is set, where the misrouted examples went.
std::string eval_table(const EvalJob& job, const EvalSummary& summary);

}  // namespace ruvllm
