// ruvllm/dataset/labeled.h: labelled data for any label set, as training, evaluation and the
// keyword stage read it, and the label pairs that are easy to confuse.
//
// Data (load_labeled): one example per line or row, in any of
//   - dataset JSONL (the generator's format, or any JSONL with --text-field / --label-field),
//   - triplets JSONL in the seed's format: {"anchor", "positive", "negative", "isHard"|"is_hard"},
//   - CSV with a header row (the same field names),
//   - fastText lines: "__label__X text".
// Dataset JSONL also gives each example its template group (metadata.template_id) and the
// targets of the heads (metadata.complexity, expected_model, quality_score) when present.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>

namespace ruvllm {

struct LabeledExample {
    std::string text;
    int32_t label = -1;
    int32_t neg = -1;   // explicit negative label (triplets), -1 if none
    bool hard = false;  // a hard negative (isHard / confusable pair)
    std::string group;  // examples of one template share a group ("" = none)
    // From the dataset's metadata when present (targets of the heads, heads.h):
    int32_t complexity = -1;  // Complexity, -1 if unknown
    int32_t tier = -1;        // Tier (expected_model), -1 if unknown
    float quality = -1.0f;    // quality_score, < 0 if unknown
};

struct LabeledSet {
    std::vector<std::string> labels;  // label vocabulary (index = LabeledExample::label)
    std::vector<LabeledExample> rows;
};

enum class DataFormat { detect, dataset, triplets, csv, fasttext };

// A file of this name in a directory says generate was killed while it replaced the dataset
// there (export.h); load_labeled refuses the directory's files until it is generated again.
inline constexpr const char* kIncompleteMarker = ".ruvllm-generate-incomplete";

struct DataOptions {
    DataFormat format = DataFormat::detect;
    std::string text_field = "input";
    std::string label_field = "output_agent";
    bool skip_bad = false;  // skip (and count) malformed lines instead of failing
    // A longer line is malformed (an error, or skipped with skip_bad) and never held whole in
    // memory: one example's text is bounded, however large the file.
    size_t max_line_bytes = size_t{1} << 20;
};

// Loads `path`; labels not yet in `labels` are appended (pass the training set's vocabulary
// to load a test set with the same indices; with `fixed_labels` an unknown label is an error).
// Errors name "file:line". `skipped` receives the number of skipped lines.
Result<LabeledSet> load_labeled(const std::filesystem::path& path,
                                const DataOptions& opt,
                                std::vector<std::string> labels = {},
                                bool fixed_labels = false,
                                size_t* skipped = nullptr);

// Writes `data` as fastText lines "__label__<label> <words>" (words: normalize_words, text.h:
// the tokenization of generate --fasttext), the input of `fasttext supervised` / `test`, through
// a temp file. Errc::io naming the path.
Status write_labeled_fasttext(const LabeledSet& data, const std::filesystem::path& path);

// `ruvllm convert`: labelled data in any format load_labeled reads -> fastText lines or
// dataset JSONL ({"input", "output_agent"} per line).
struct ConvertJob {
    std::filesystem::path in, out;
    std::string to = "fasttext";  // fasttext | jsonl
    DataOptions data;
};

// The number of examples written; says "convert: N examples (S skipped) -> out". Errors:
// load_labeled's, an unknown `to` (Errc::invalid_argument), `out` equal to `in`, Errc::io.
Result<size_t> convert_labeled(const ConvertJob& job, const Log& log);

// FACTS.md's confusing agent pairs, mapped onto `labels` (agent names, or seed categories via
// each agent's category; pairs inside one category are dropped).
std::vector<std::pair<int32_t, int32_t>> confusable_pairs(const std::vector<std::string>& labels);

}  // namespace ruvllm
