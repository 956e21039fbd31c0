// ruvllm/dataset/export.h: writing a generated dataset directory in the seed's layout.
//
//   DIR/claude_training_full.jsonl      every example, one JSON object per line
//   DIR/claude_training_full.json       the same, as one pretty-printed JSON array
//   DIR/claude_training_train.jsonl     the splits (stratified by label, grouped by template;
//   DIR/claude_training_val.jsonl        balanced sampling, if asked, applies to train only)
//   DIR/claude_training_test.jsonl
//   DIR/claude_training_stats.json      the seed's stats JSON
//   DIR/claude_training_fold_K_of_N.jsonl  with folds > 1: the K-th cross-validation fold
//   DIR/claude_training_*.fasttext.txt  with fasttext: the splits as fastText training files
//   DIR/claude_training_{full,train,val,test}.parquet  with parquet: the same rows (parquet.h)
//   DIR/README.md                       the dataset card: seed, config, counts
// All files are written to temp files first and renamed into place only when every one of
// them is complete, so an interrupted run never leaves a half-written file under a final name.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/export_parquet.h>
#include <ruvllm/dataset/split.h>

namespace ruvllm {

struct ExportPlan {
    SplitRatios ratios;
    int folds = 0;  // 0: no cross-validation files
    Balance balance = Balance::none;
    uint64_t seed = 42;
    // Also write claude_training_{train,val,test}.fasttext.txt ("__label__<output_agent> words",
    // words from tokenize_words): the input of fastText `supervised`, for baselines.
    bool fasttext = false;
    // Also write the full set and the splits as Parquet files (parquet.h's dataset schema).
    bool parquet = false;
    ParquetOptions parquet_options;
    // Card text: the lines of the config, and per-agent template counts, as `name: value`.
    std::vector<std::pair<std::string, std::string>> config;
    std::vector<std::pair<std::string, size_t>> templates_per_agent;
    std::string generator_version;
};

struct ExportSummary {
    size_t train = 0, val = 0, test = 0;
    std::vector<std::string> files;  // final paths, in write order
    size_t removed = 0;              // files of the previous dataset removed (claude_training_*)
};

// Writes the directory (created if missing). Errc::io if it cannot be created or written;
// nothing is left under a final name on failure. Into an existing directory the new files are
// published as a set: the marker kIncompleteMarker is written, every claude_training_* file
// there (the previous dataset and files derived from it) is removed, the new files are renamed
// into place and the marker removed; a run killed in between leaves the marker, which
// load_labeled refuses (no mix of two datasets' splits is ever read).
Result<ExportSummary> export_dataset(const std::filesystem::path& dir,
                                     const std::vector<Example>& examples,
                                     const ExportPlan& plan);

// The Hugging Face `datasets` layout instead of the seed's:
//   DIR/data/train-00000-of-00001.parquet, DIR/data/validation-00000-of-00001.parquet,
//   DIR/data/test-00000-of-00001.parquet (parquet.h's dataset schema, plan.parquet_options)
//   DIR/README.md  the dataset card with the YAML header `datasets` reads: license,
//                  task_categories, configs (data_files per split), dataset_info (features from
//                  the Parquet schema, split sizes in examples and bytes)
// Written under staging names and published together, like export_dataset.
Result<ExportSummary> export_hf_dataset(const std::filesystem::path& dir,
                                        const std::vector<Example>& examples,
                                        const ExportPlan& plan);

// The YAML `dataset_info.features` of the dataset's Parquet schema (indented for the card);
// `with_style` for a styled dataset.
std::string hf_features_yaml(bool with_style = false);

// The dataset card (Markdown) for `examples` split as `summary` says.
std::string dataset_card(const std::vector<Example>& examples,
                         const ExportPlan& plan,
                         const ExportSummary& summary);

}  // namespace ruvllm
