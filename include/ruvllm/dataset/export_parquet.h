// ruvllm/dataset/export_parquet.h: the generated dataset as Parquet (formats/parquet.h's
// writer with the dataset's schema): the rows of claude_training_*.parquet and of the Hugging
// Face layout (export.h).
//
// Usage: ruvllm::write_dataset_parquet("out/train.parquet", examples, {});
#pragma once

#include <filesystem>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/formats/parquet.h>

namespace ruvllm {

// Writes `examples` to `path` (temp file + rename) with the dataset schema below; a Parquet
// reader returns the same rows, keys and values as write_jsonl() (dataset.h) writes:
//   message schema {
//     required binary input (STRING);
//     required binary context (STRING);
//     required binary output_agent (STRING);
//     required group metadata {
//       required binary category (STRING);        "Coder", ...
//       required binary complexity (STRING);      "Simple", ...
//       required binary domain (STRING);          "DataScience", ...
//       required binary expected_model (STRING);  "haiku", ...
//       required double quality_score;            the double nearest the JSONL text (0.87)
//       required group tags (LIST) { repeated group list { required binary element (STRING); } }
//       required binary agent (STRING);
//       required binary template_id (STRING);
//       required binary augmentation (STRING);    "base", ...
//       required binary style (STRING);           "terse", ... (only when an example has one)
//     }
//   }
// Errc::io naming the path when it cannot be created or written (nothing is left under `path`);
// Errc::invalid_argument for row_group_size 0.
Status write_dataset_parquet(const std::filesystem::path& path,
                             const std::vector<Example>& examples,
                             const ParquetOptions& options);

// The schema of write_dataset_parquet(); `with_style` adds metadata.style (a styled dataset,
// generate --styles).
std::vector<parquet::Field> dataset_parquet_schema(bool with_style = false);

// Whether any example carries a style (then its files have the style column).
bool has_styles(const std::vector<Example>& examples);

}  // namespace ruvllm
