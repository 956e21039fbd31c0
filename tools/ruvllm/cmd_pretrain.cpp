// cmd_pretrain.cpp: `ruvllm pretrain`: corpus -> subword base embedding (GGUF).
#include <cstdio>
#include <filesystem>

#include <ruvllm/embed/pretrain.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_pretrain(CLI::App& app, PretrainOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "pretrain", "pretrain the subword base embedding (fastText skip-gram) on a text corpus");
    cmd->footer(
        "The default corpus is Debian's package descriptions (scripts/fetch_corpus downloads\n"
        "it into .cache/corpus/). Any UTF-8 text file works: an issue-tracker dump, docs...\n"
        "With --threads 1 (the default) the same corpus and seed give the same model bytes on\n"
        "any machine; more threads train faster (2: about half the time) but fastText's\n"
        "lock-free updates then make every run differ.");
    cmd->add_option("--corpus",
                    opt.corpus,
                    "corpus text file; default: <cache>/corpus/debian-translation-en.txt");
    cmd->add_option(
        "-o,--out", opt.out, "output base model (GGUF); default: <cache>/base/default.gguf");
    cmd->add_option("--dim", opt.dim, "embedding dimension")->capture_default_str();
    cmd->add_option("--epochs", opt.epochs, "passes over the corpus")->capture_default_str();
    cmd->add_option("--min-count", opt.min_count, "minimum word count for the vocabulary")
        ->capture_default_str();
    cmd->add_option("--minn", opt.minn, "shortest character n-gram")->capture_default_str();
    cmd->add_option("--maxn", opt.maxn, "longest character n-gram")->capture_default_str();
    cmd->add_option("--bucket", opt.bucket, "hash buckets for n-grams")->capture_default_str();
    cmd->add_option("--window", opt.window, "context window")->capture_default_str();
    cmd->add_option("--negatives", opt.negatives, "negative samples")->capture_default_str();
    cmd->add_option("--lr", opt.lr, "learning rate")->capture_default_str();
    cmd->add_option("--threads", opt.threads, "training threads (1: reproducible bytes)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--seed", opt.seed, "random seed")->capture_default_str();
    cmd->add_option("--storage", opt.storage, "tensor type of the embeddings in the file")
        ->check(CLI::IsMember({"f16", "f32"}))
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", opt.quiet, "no progress on stderr");
    return cmd;
}

Status run_pretrain(const PretrainOptions& opt) {
    PretrainJob job;
    job.corpus = opt.corpus;
    job.out = opt.out;
    PretrainConfig& cfg = job.config;
    cfg.dim = opt.dim;
    cfg.epochs = opt.epochs;
    cfg.min_count = opt.min_count;
    cfg.minn = opt.minn;
    cfg.maxn = opt.maxn;
    cfg.bucket = opt.bucket;
    cfg.window = opt.window;
    cfg.negatives = opt.negatives;
    cfg.lr = opt.lr;
    cfg.threads = opt.threads;
    cfg.seed = opt.seed;
    cfg.storage = opt.storage == "f32" ? TensorType::f32 : TensorType::f16;
    Result<PretrainReport> r = pretrain_base(job, make_log(opt.quiet));
    return r ? ok() : Status(r.error());
}

}  // namespace ruvllm::cli
