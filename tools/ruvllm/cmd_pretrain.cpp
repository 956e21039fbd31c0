// cmd_pretrain.cpp: `ruvllm pretrain`: corpus -> subword base embedding (GGUF).
#include <cstdio>
#include <filesystem>

#include <ruvllm/core/paths.h>
#include <ruvllm/embed/pretrain.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

std::string default_cache_dir() {
    return cache_dir().string();
}

std::string default_base_path() {
    return ruvllm::default_base_path().string();
}

CLI::App* add_pretrain(CLI::App& app, PretrainOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "pretrain", "pretrain the subword base embedding (fastText skip-gram) on a text corpus");
    cmd->footer(
        "The default corpus is Debian's package descriptions (scripts/fetch_corpus downloads\n"
        "it into .cache/corpus/). Any UTF-8 text file works: an issue-tracker dump, docs...\n"
        "With --threads 1 the same corpus and seed give the same model bytes.");
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
    cmd->add_option("--threads", opt.threads, "training threads")->capture_default_str();
    cmd->add_option("--seed", opt.seed, "random seed")->capture_default_str();
    cmd->add_option("--storage", opt.storage, "tensor type of the embeddings in the file")
        ->check(CLI::IsMember({"f16", "f32"}))
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", opt.quiet, "no progress on stderr");
    return cmd;
}

Status run_pretrain(const PretrainOptions& opt) {
    namespace fs = std::filesystem;
    const fs::path cache = default_cache_dir();
    const fs::path corpus =
        opt.corpus.empty() ? cache / "corpus/debian-translation-en.txt" : fs::path(opt.corpus);
    const fs::path out = opt.out.empty() ? fs::path(default_base_path()) : fs::path(opt.out);
    std::error_code ec;
    if (!fs::exists(corpus, ec)) {
        return make_error(Errc::io,
                          corpus.string() +
                              ": corpus not found, expected a text file "
                              "(scripts/fetch_corpus fetches the default)");
    }
    if (out.has_parent_path()) {
        fs::create_directories(out.parent_path(), ec);
    }
    PretrainConfig cfg;
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
    PretrainReport rep;
    Result<gguf::File> model = [&] {
        ProgressBar bar("pretrain", opt.quiet);
        return pretrain(
            corpus,
            out.has_parent_path() ? out.parent_path() : fs::path("."),
            cfg,
            [&](float p, float loss) {
                char info[32];
                std::snprintf(info, sizeof(info), "loss %.4f", loss);
                bar.update(p, info);
            },
            &rep);
    }();
    if (!model) {
        return model.error();
    }
    Status s = gguf::write_file(*model, out);
    if (!s) {
        return s;
    }
    if (!opt.quiet) {
        std::fprintf(stderr,
                     "pretrain: %llu words in %llu lines (xxh64 %s), vocabulary %zu, dim %d, "
                     "%.1f s -> %s\n",
                     static_cast<unsigned long long>(rep.corpus_words),
                     static_cast<unsigned long long>(rep.corpus_lines),
                     rep.corpus_xxh64.c_str(),
                     rep.vocabulary,
                     cfg.dim,
                     rep.seconds,
                     out.c_str());
    }
    return ok();
}

}  // namespace ruvllm::cli
