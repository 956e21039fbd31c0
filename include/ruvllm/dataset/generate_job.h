// ruvllm/dataset/generate_job.h: `ruvllm generate` as one call. A job loads the agent library
// (library.h), generates the dataset (generator.h) and writes it:
//   batch   (default) the dataset directory of export.h (format jsonl or parquet) or the
//           Hugging Face layout (format hf) under `out`, split and card included;
//   stream  (stream = true) `count` examples as JSONL in constant memory (StreamGenerator),
//           to the file `out` (generate_dataset) or to an open stream (stream_dataset).
// The fields and their defaults are the CLI flags' (`ruvllm generate --help`); the same job
// gives the same bytes. Status lines and progress go to the Log:
//   "generate: 13 agents, 1322 templates; 2712 examples (...) in 0.210 s"
//   "generate: split train 1898 / val 407 / test 407 -> out/dataset"
//   progress step "generate" (stream only)
//
// Usage:
//   ruvllm::GenerateJob job;                  // the built-in library, 100 per category, seed 42
//   job.out = "out/dataset";
//   job.format = "parquet";
//   ruvllm::Result<ruvllm::GenerateSummary> s = ruvllm::generate_dataset(job, log);
//   if (!s) { /* s.error().message */ }
//   // s->files: the paths written, in write order
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/dataset/generator.h>

namespace ruvllm {

struct GenerateJob {
    std::filesystem::path library;  // "" = default_library_dir() (library.h)
    std::string agents;             // a directory of <agent>.yaml replacing the library's agents/
    std::filesystem::path out = "out/dataset";  // batch: a directory; stream: a JSONL file
    int per_category = 100;                     // base examples per seed category
    int per_agent = 0;                  // base examples per agent; overrides per_category when > 0
    std::string labels = "categories";  // categories | agents
    uint64_t seed = 42;
    bool augment = true;
    int paraphrases = 2, complexity_variations = 2;
    bool domain_transfer = true;
    std::string split = "0.7,0.15,0.15";  // train,val,test ratios (recorded as written)
    int folds = 0;                        // 0, or >= 2 cross-validation folds
    std::string balance = "none";         // none | over | under (the train split)
    bool fasttext = false;                // also the splits as fastText files
    std::string format = "jsonl";         // jsonl | parquet | hf
    std::string compression = "none";     // Parquet pages: none | snappy | zstd
    std::string license = "unknown";      // format hf: the card's license id (export.h)
    bool stream = false;
    int64_t count = -1;  // stream: examples to write (>= 0); -1 = not given (batch)
    // Surface styles (style.h): "none" (the seed's datasets), "real" (the library's mix:
    // lexicon/styles.yaml), or "name=weight,...".
    std::string styles = "none";
};

struct GenerateSummary {
    size_t agents = 0, templates = 0;     // of the library
    GenReport counts;                     // the generator's counts
    uint64_t examples = 0;                // examples written
    size_t train = 0, val = 0, test = 0;  // batch: the split sizes
    std::vector<std::string> files;       // files written, in write order (stream: `out`)
    double seconds = 0;                   // batch: generation; stream: the whole stream
    bool all_distinct = true;  // stream: duplicates removed over the whole stream (not a window)
};

// Runs the job: the directory (batch) or the JSONL file `out` (stream). Errors, checked in this
// order before anything is written: the generator settings (validate(GenConfig)), a value
// outside its set (labels, balance, format, compression), a license that is not a license id,
// the split ratios, folds 1 or < 0, a count without stream (all Errc::invalid_argument), the
// library (load_library's errors), a stream without count or to "-" (standard output: use
// stream_dataset); then, after generation and before any file is written, a split whose ratio
// is above 0 that would be empty (too few templates per label: export.h). Then Errc::io when
// the output cannot be written (nothing is left under a final name). A split that lacks some
// labels is a warning line: "generate: warning: the test split has no example of 1 label(s)
// (tester): each has fewer than 3 templates (...)".
Result<GenerateSummary> generate_dataset(const GenerateJob& job, const Log& log);

// A stream job written to `out` (not closed; e.g. stdout); job.out only names it in the
// summary line ("-" reads "stdout"). The checks of generate_dataset; job.stream must be set.
Result<GenerateSummary> stream_dataset(const GenerateJob& job, std::FILE* out, const Log& log);

}  // namespace ruvllm
