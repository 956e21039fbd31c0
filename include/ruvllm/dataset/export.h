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
    // The Hugging Face card's `license` (export_hf_dataset): a license id of the Hub (mit,
    // apache-2.0, cc-by-4.0, other, ...); the data's license is its author's choice.
    std::string license = "unknown";
};

struct ExportSummary {
    size_t train = 0, val = 0, test = 0;
    std::vector<std::string> files;  // final paths, in write order
    size_t removed = 0;              // files of the previous dataset removed (claude_training_*)
    // "generate: warning: ..." lines: labels missing from a split the ratios ask for (a label
    // with fewer templates than splits; splits are grouped by template).
    std::vector<std::string> warnings = {};
};

// Writes the directory (created if missing). Errc::invalid_argument, before anything is written,
// when a split whose ratio is above 0 would be empty (every label has fewer template groups than
// it needs: one template per label gives a train split only). Errc::io if it cannot be created
// or written;
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
//   DIR/README.md  the dataset card with the YAML header `datasets` reads: license
//                  (plan.license), task_categories, configs (data_files per split),
//                  dataset_info: features (from the Parquet schema; output_agent a class_label
//                  whose names are the dataset's labels in sorted order: the files hold the
//                  names, which `datasets` casts to the class ids), splits with num_examples and
//                  num_bytes (hf_num_bytes), download_size (the Parquet files' bytes) and
//                  dataset_size (the splits' num_bytes). No path of the machine is written.
// Written under staging names and published together, like export_dataset. Errors: those of
// export_dataset, and check_card_license's.
Result<ExportSummary> export_hf_dataset(const std::filesystem::path& dir,
                                        const std::vector<Example>& examples,
                                        const ExportPlan& plan);

// The YAML `dataset_info.features` of the dataset's Parquet schema (indented for the card);
// `with_style` for a styled dataset; output_agent a class_label of `label_names` (in their
// order: index = class id) when given, else a string.
std::string hf_features_yaml(bool with_style = false,
                             const std::vector<std::string>& label_names = {});

// The card's num_bytes of a split: by the Hub's definition the size of the split's table in
// memory as Arrow holds it, approximated here as the sum over cells of 4 bytes of offset plus
// the bytes of each string (a list: 4 + each element's 4 + bytes), 8 bytes per number and per
// class id, and one extra offset per string or list column (no validity bitmaps: no nulls).
uint64_t hf_num_bytes(const std::vector<Example>& examples, bool with_style);

// Errc::invalid_argument unless `license` looks like a Hub license id (letters, digits, - . + _;
// 1 to 64 characters).
Status check_card_license(std::string_view license);

// The dataset card (Markdown) for `examples` split as `summary` says.
std::string dataset_card(const std::vector<Example>& examples,
                         const ExportPlan& plan,
                         const ExportSummary& summary);

}  // namespace ruvllm
