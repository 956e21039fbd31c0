// ruvllm/dataset/split.h: train/validation/test splits, k-fold cross-validation and balanced
// sampling.
//
// Splits are STRATIFIED by label (output_agent) and GROUPED by template (metadata.template_id):
// every variant of one template (its paraphrases, complexity and domain rewrites, and other base
// renderings of it) lands in the same split, so no paraphrase of a test task is seen in
// training. Within each label, template groups are shuffled with the seed and each goes to the
// split whose share of that label is furthest below its target (largest deficit first), which
// keeps every label close to the requested ratios.
//
// Usage:
//   ruvllm::Result<std::vector<int>> s = ruvllm::assign_splits(examples, {0.7, 0.15, 0.15}, 42);
//   // (*s)[i] is 0 (train), 1 (validation) or 2 (test) for examples[i]
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/dataset/dataset.h>

namespace ruvllm {

struct SplitRatios {
    double train = 0.7, val = 0.15, test = 0.15;
};

// Parses "0.7,0.15,0.15". Errc::invalid_argument unless three numbers in [0,1] summing to 1
// (within 1e-6).
Result<SplitRatios> parse_split_ratios(std::string_view s);

// Partition of examples into `n_parts` parts with the given target weights, stratified by label
// and grouped by template. Returns the part index of each example.
std::vector<int> assign_groups(const std::vector<Example>& examples,
                               const std::vector<double>& weights,
                               uint64_t seed);

// Train / val / test: part indices 0, 1, 2.
Result<std::vector<int>> assign_splits(const std::vector<Example>& examples,
                                       const SplitRatios& ratios,
                                       uint64_t seed);

// K folds of equal weight (k >= 2). Errc::invalid_argument if k < 2 or k > number of groups.
Result<std::vector<int>> assign_folds(const std::vector<Example>& examples, int k, uint64_t seed);

enum class Balance : uint8_t { none, over, under };

// Balanced sampling over labels: `over` repeats random examples of smaller labels until each
// label has as many as the largest; `under` keeps a random subset of each label as large as the
// smallest. The order of the result is shuffled with the seed. `none` returns the input.
std::vector<Example> balance(const std::vector<Example>& examples, Balance mode, uint64_t seed);

}  // namespace ruvllm
