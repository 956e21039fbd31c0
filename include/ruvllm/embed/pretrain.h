// ruvllm/embed/pretrain.h: pretraining the default base embedding (subword.h) on software text.
//
// The corpus is any UTF-8 text file; Debian's package-description index ("Translation-en",
// lines "Package:", "Description-md5:", "Description-en: ..." and indented continuations) is
// recognised and reduced to the descriptions. Every line goes through tokenize_words (text.h),
// then Debian's libfasttext trains skip-gram word + character-n-gram vectors on it, and its
// input matrix becomes the base's "base.embeddings" tensor: routing needs no fastText at run
// time. The corpus checksum (XXH64) and every setting are recorded in the model.
//
// Determinism: fastText trains with `threads` Hogwild (lock-free) threads; with threads = 1, the
// default, the same corpus and seed give the same model bytes on any machine (two threads take
// about half the time, but their races make every run differ, and so every router built on it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/embed/base.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

struct PretrainConfig {
    int dim = 64;
    int epochs = 5;
    int min_count = 3;
    int minn = 3, maxn = 5;
    int bucket = 200000;
    int window = 5;
    int negatives = 5;
    double lr = 0.05;
    int threads = 1;  // 1 .. 256; only 1 gives reproducible bytes
    uint64_t seed = 42;
    TensorType storage = TensorType::f16;  // type of base.embeddings in the file
};

struct PretrainReport {
    uint64_t corpus_bytes = 0, corpus_lines = 0, corpus_words = 0;
    std::string corpus_xxh64;  // hex
    size_t vocabulary = 0;
    double seconds = 0;
};

// Pretrains and returns the base model file (not yet written). `work_dir` holds the tokenised
// corpus while fastText reads it. Progress: log.count("pretrain", words, epochs x corpus words,
// "words"), the words read so far estimated from fastText's fraction. Errc::io for unreadable
// files, Errc::invalid_argument for bad settings, Errc::format for an empty corpus.
Result<gguf::File> pretrain(const std::filesystem::path& corpus,
                            const std::filesystem::path& work_dir,
                            const PretrainConfig& cfg,
                            const Log& log,
                            PretrainReport* report);

// What `ruvllm pretrain` does: pretrain() on `corpus` (empty: default_corpus_path()) and write
// the base to `out` (empty: default_base_path(); its folder is created, the file is written to
// a temp file and renamed). The corpus folder of the temp tokenised text is out's folder.
// Progress: pretrain()'s; one summary line.
struct PretrainJob {
    std::filesystem::path corpus, out;
    PretrainConfig config;
};

Result<PretrainReport> pretrain_base(const PretrainJob& job, const Log& log);

// The default base: default_base_path(), pretrained first from the default corpus when it is
// not there yet (once, about 2.5 minutes). Errc::io naming the corpus when neither
// exists (scripts/fetch_corpus fetches it).
Result<std::shared_ptr<const Base>> default_base(const Log& log);

}  // namespace ruvllm
