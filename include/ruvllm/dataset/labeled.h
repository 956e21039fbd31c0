// ruvllm/dataset/labeled.h: labelled data for any label set, as training, evaluation and the
// keyword stage read it, and the label pairs that are easy to confuse.
//
// Data (load_labeled): one example per line or row, in any of
//   - dataset JSONL (the generator's format, or any JSONL with --text-field / --label-field),
//   - triplets JSONL in the seed's format: {"anchor", "positive", "negative", "isHard"|"is_hard"},
//   - CSV with a header row (the same field names),
//   - fastText lines: "__label__X text",
//   - Parquet (a .parquet file, or any file starting with PAR1; formats/parquet_read.h): the
//     dataset's fields as columns, by the same names (a struct member dotted: "metadata.agent");
//     the label column may hold strings or integers (read as their decimal text). A file with
//     no text column but "anchor" and "positive" columns is read as triplets ("negative",
//     "isHard" / "is_hard" when present). Other columns ("context", lists such as
//     metadata.tags) are not read, as in JSONL.
// --text-field may name several fields, "title,body" (a ticket's title and body): each row's
// text is then their values, each trimmed, joined with ". "; a field that is absent, null or
// empty in a row is left out, and a row needs one (text_fields, join_text_parts). One field is
// read as it is.
// Dataset JSONL and Parquet also give each example its template group (metadata.template_id) and
// the targets of the heads (metadata.complexity, expected_model, quality_score) when present.
//
// A directory is a dataset directory; `DataOptions::split` picks one split of it (default
// "train"; `ruvllm train` reads "validation" for --val DIR and "test" for --test DIR, `ruvllm
// eval` reads "test" unless --split says otherwise):
//   - the Hugging Face layout of `generate --format hf`: every DIR/data/<split>-*.parquet (or
//     DIR/data/<split>.parquet, DIR/<split>-*.parquet, DIR/<split>.parquet) in name order, read
//     as one set (a split's shards);
//   - else the seed's layout of `generate`: DIR/claude_training_<split>.jsonl ("val" for
//     validation).
// To read one file of a dataset directory, name the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

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

enum class DataFormat { detect, dataset, triplets, csv, fasttext, parquet };

// A file of this name in a directory says generate was killed while it replaced the dataset
// there (export.h); load_labeled refuses the directory's files until it is generated again.
inline constexpr const char* kIncompleteMarker = ".ruvllm-generate-incomplete";

struct DataOptions {
    DataFormat format = DataFormat::detect;
    std::string text_field = "input";
    std::string label_field = "output_agent";
    bool skip_bad = false;  // skip (and count) malformed lines instead of failing
    // The split read from a dataset directory: train | validation | test (or a split name the
    // directory's files carry).
    std::string split = "train";
    // A longer line is malformed (an error, or skipped with skip_bad) and never held whole in
    // memory: one example's text is bounded, however large the file.
    size_t max_line_bytes = size_t{1} << 20;
};

// The fields a --text-field names: "title,body" -> {"title", "body"}; "input" -> {"input"}.
std::vector<std::string> text_fields(const std::string& spec);
// One text from the parts of a multi-field row: each trimmed of spaces, tabs and line ends,
// the empty ones left out, the rest joined with ". ".
std::string join_text_parts(const std::vector<std::string_view>& parts);
// The text of the JSON object `row` under `fields` (text_fields; a dotted name is a member of
// an object, "metadata.title"): the one field's string as it is, or several fields joined by
// join_text_parts; nullopt when no field holds a string.
std::optional<std::string> json_text(const nlohmann::json& row,
                                     const std::vector<std::string>& fields);

// Loads `path` (a file or a dataset directory); labels not yet in `labels` are appended (pass
// the training set's vocabulary to load a test set with the same indices; with `fixed_labels`
// an unknown label is an error). Errors name "file:line" ("file: row N" in Parquet, rows
// counted from 1); a Parquet file's own errors are read_parquet's (Errc::format naming the
// column and page). A directory without the split's files is an Errc::format error naming the
// splits it has. `skipped` receives the number of skipped lines or rows.
Result<LabeledSet> load_labeled(const std::filesystem::path& path,
                                const DataOptions& opt,
                                std::vector<std::string> labels = {},
                                bool fixed_labels = false,
                                size_t* skipped = nullptr);

// The files load_labeled reads for `path`: `path` itself, or the files of split opt.split of a
// dataset directory (the errors of load_labeled for a directory without them).
Result<std::vector<std::filesystem::path>> labeled_files(const std::filesystem::path& path,
                                                         const DataOptions& opt);

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
