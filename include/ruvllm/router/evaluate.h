// ruvllm/router/evaluate.h: a router's quality on labelled data, the numbers behind `ruvllm eval`.
//
// Every example is judged three ways (router.h's route_task in modes hybrid and embedding, the
// rest of the RouteConfig as given; the keyword-only answer is the hybrid's keyword stage):
//   keyword    decides only some examples: `coverage` = decided / n, `accuracy_decided` =
//              right / decided; its confusion matrix counts the decided examples only;
//   embedding  the nearest prototype; abstentions (min_confidence) count as wrong;
//   hybrid     keyword when it decides, else embedding: what `route` answers.
// accuracy = right / n for each mode; per-label P/R/F1 and macro-F1 come from the confusion
// matrix (label_metrics below). Triplet and hard-negative accuracy compare the cosines of
// the positive and negative labels (examples with a negative label only). ECE is that of the
// embedding stage's softmax at the model's temperature (calibrate.h). The heads' numbers are
// those of the hybrid decisions (tier after tier_bias and max_tier), against the examples that
// carry targets; the tier-table baseline applies the README's table to the category of the
// hybrid agent and the predicted complexity. Latency is route_task's, hybrid mode.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

struct ModeMetrics {
    size_t n = 0, decided = 0, right = 0;
    double coverage = 0, accuracy = 0, accuracy_decided = 0, macro_f1 = 0;
    std::vector<LabelMetrics> per_label;
    std::vector<std::vector<uint32_t>> confusion;  // [true][predicted], decided examples
};

struct RouterReport {
    size_t n = 0;
    ModeMetrics keyword, embedding, hybrid;
    size_t n_triplets = 0, n_hard = 0;
    double triplet_accuracy = 0, hard_accuracy = 0;
    double ece = 0;
    float temperature = 0;
    // heads (zero counts when the model has none)
    size_t n_complexity = 0, n_tier = 0, n_quality = 0;
    double complexity_accuracy = 0, tier_accuracy = 0, tier_table_accuracy = 0, quality_mae = 0;
    std::array<size_t, 3> tier_counts{};  // decisions per tier: haiku, sonnet, opus
    double latency_p50_us = 0, latency_p99_us = 0;
    std::vector<double> latency_us;  // every hybrid decision's latency, sorted
    // Hybrid misroutes (abstentions included): the example's row and its decision.
    std::vector<std::pair<size_t, Decision>> errors;
};

// Errc::invalid_argument naming the row when an example is not a routable task.
Result<RouterReport> evaluate_router(const RouterModel& model,
                                     const LabeledSet& data,
                                     const RouteConfig& cfg);

}  // namespace ruvllm
