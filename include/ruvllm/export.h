// ruvllm/export.h: writing a generated dataset directory in the seed's layout.
//
//   DIR/claude_training_full.jsonl      every example, one JSON object per line
//   DIR/claude_training_full.json       the same, as one pretty-printed JSON array
//   DIR/claude_training_train.jsonl     the splits (stratified by label, grouped by template;
//   DIR/claude_training_val.jsonl        balanced sampling, if asked, applies to train only)
//   DIR/claude_training_test.jsonl
//   DIR/claude_training_stats.json      the seed's stats JSON
//   DIR/claude_training_fold_K_of_N.jsonl  with folds > 1: the K-th cross-validation fold
//   DIR/claude_training_*.fasttext.txt  with fasttext: the splits as fastText training files
//   DIR/README.md                       the dataset card: seed, config, counts
// All files are written to temp files first and renamed into place only when every one of
// them is complete, so an interrupted run never leaves a half-written file under a final name.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/dataset.h>
#include <ruvllm/error.h>
#include <ruvllm/split.h>

namespace ruvllm {

struct ExportPlan {
    SplitRatios ratios;
    int folds = 0;  // 0: no cross-validation files
    Balance balance = Balance::none;
    uint64_t seed = 42;
    // Also write claude_training_{train,val,test}.fasttext.txt ("__label__<output_agent> words",
    // words from tokenize_words): the input of fastText `supervised`, for baselines.
    bool fasttext = false;
    // Card text: the lines of the config, and per-agent template counts, as `name: value`.
    std::vector<std::pair<std::string, std::string>> config;
    std::vector<std::pair<std::string, size_t>> templates_per_agent;
    std::string generator_version;
};

struct ExportSummary {
    size_t train = 0, val = 0, test = 0;
    std::vector<std::string> files;  // final paths, in write order
};

// Writes the directory (created if missing). Errc::io if it cannot be created or written;
// nothing is left under a final name on failure.
Result<ExportSummary> export_dataset(const std::filesystem::path& dir,
                                     const std::vector<Example>& examples,
                                     const ExportPlan& plan);

// The dataset card (Markdown) for `examples` split as `summary` says.
std::string dataset_card(const std::vector<Example>& examples,
                         const ExportPlan& plan,
                         const ExportSummary& summary);

}  // namespace ruvllm
