// cmd_train.cpp: `ruvllm train`: labelled data -> router model (one GGUF) + stats JSON.
#include <algorithm>
#include <cstdio>

#include <ruvllm/train/recipe.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_train(CLI::App& app, TrainOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "train",
        "train a router (projection head, label prototypes, tuned subword rows or a LoRA on a "
        "Qwen2 base, a sparse n-gram stage, heads and keyword rules)");
    cmd->footer(
        "Data: dataset JSONL (generate's format or any JSONL with --text-field/--label-field),\n"
        "triplets JSONL ({anchor, positive, negative, isHard}), CSV with a header, fastText\n"
        "'__label__X text' lines, or Parquet (generate --format parquet); --data may be given\n"
        "several times (dataset + triplets). A dataset directory (generate's, or --format hf)\n"
        "gives its train split to --data, validation to --val and test to --test.\n"
        "Without --base the default base embedding is used, pretrained once into the cache\n"
        "(scripts/fetch_corpus fetches its corpus). Writes OUT and OUT.stats.json.\n"
        "With a Qwen2-family GGUF as --base (e.g. a RuvLTRA / Qwen2.5-0.5B file of your own),\n"
        "the router stands on the transformer: frozen (each text embedded once), or with\n"
        "--lora-layers K a LoRA on its top K layers trained with the head. OUT names the base\n"
        "file (path + checksum) instead of copying it; `export --lora` writes the LoRA for\n"
        "llama.cpp.");
    cmd->add_option("-i,--data", opt.data, "training data file(s)")->required();
    cmd->add_option("--val", opt.val, "validation data: picks the best epoch");
    cmd->add_option("--test", opt.test, "held-out test data: metrics in the stats JSON");
    cmd->add_option("-o,--out", opt.out, "output model (GGUF)")->capture_default_str();
    cmd->add_option("--base",
                    opt.base,
                    "base (GGUF): a subword base, or a Qwen2-family transformer; default: "
                    "<cache>/base/default.gguf");
    cmd->add_option("--pooling", opt.pooling, "Qwen2 base: pooling of the hidden states")
        ->check(CLI::IsMember({"mean", "last"}))
        ->capture_default_str();
    cmd->add_option("--max-tokens",
                    opt.max_tokens,
                    "Qwen2 base: truncate texts to N tokens (0: the model's context)")
        ->check(CLI::Range(0, 1 << 24))
        ->capture_default_str();
    cmd->add_option(
           "--threads",
           opt.threads,
           "threads: a Qwen2 base's forward pass; a subword base's training steps (the same model "
           "bytes for any count)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--lora-layers",
                    opt.lora_layers,
                    "Qwen2 base: train a LoRA on the top K layers (0: frozen base)")
        ->check(CLI::Range(0, 1024))
        ->capture_default_str();
    cmd->add_option("--lora-rank", opt.lora_rank, "LoRA rank")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    cmd->add_option("--lora-alpha", opt.lora_alpha, "LoRA alpha (scale alpha / rank)")
        ->capture_default_str();
    cmd->add_option("--lora-lr", opt.lora_lr, "peak learning rate of the LoRA (AdamW)")
        ->capture_default_str();
    cmd->add_flag("--lora-ffn", opt.lora_ffn, "LoRA on the FFN too (gate, up, down)");
    cmd->add_option("--stats", opt.stats, "stats JSON path; default: OUT.stats.json");
    cmd->add_option("--checkpoint-every",
                    opt.checkpoint_every,
                    "write a checkpoint model every N epochs (0: never)")
        ->capture_default_str();
    cmd->add_option(
        "--checkpoint-dir", opt.checkpoint_dir, "checkpoint directory; default: OUT.checkpoints/");
    cmd->add_option("--keep-checkpoints",
                    opt.keep_checkpoints,
                    "keep only the newest N checkpoints (0: all)")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    cmd->add_option("--resume",
                    opt.resume,
                    "continue from a checkpoint (its parameters; fresh optimizer moments; the "
                    "remaining epochs)");
    cmd->add_option("--text-field", opt.text_field, kTextFieldHelp)->capture_default_str();
    cmd->add_option("--label-field", opt.label_field, "label field (JSONL / CSV)")
        ->capture_default_str();
    cmd->add_flag("--skip-bad", opt.skip_bad, "skip and count malformed lines");
    cmd->add_option("--dim", opt.dim, "routing embedding dimension")->capture_default_str();
    cmd->add_option("--epochs", opt.epochs, "passes over the data")->capture_default_str();
    cmd->add_option("--batch", opt.batch, "batch size")->capture_default_str();
    cmd->add_option("--lr", opt.lr, "peak learning rate (AdamW)")->capture_default_str();
    cmd->add_option("--weight-decay", opt.weight_decay, "AdamW weight decay")
        ->capture_default_str();
    cmd->add_option("--beta1", opt.beta1, "AdamW beta1")->capture_default_str();
    cmd->add_option("--beta2", opt.beta2, "AdamW beta2")->capture_default_str();
    cmd->add_option("--eps", opt.eps, "AdamW epsilon")->capture_default_str();
    cmd->add_option("--embedding-lr-scale",
                    opt.embedding_lr_scale,
                    "learning-rate factor for the subword rows")
        ->capture_default_str();
    cmd->add_option("--warmup", opt.warmup, "linear warm-up steps")->capture_default_str();
    cmd->add_option("--max-grad-norm", opt.max_grad_norm, "global gradient-norm clip")
        ->capture_default_str();
    cmd->add_option("--margin", opt.margin, "triplet margin (cosine distance)")
        ->capture_default_str();
    cmd->add_option("--tau", opt.tau, "temperature of InfoNCE and the prototype softmax")
        ->capture_default_str();
    cmd->add_option("--w-ce", opt.w_ce, "weight of the prototype cross-entropy")
        ->capture_default_str();
    cmd->add_option("--w-triplet", opt.w_triplet, "weight of the triplet loss")
        ->capture_default_str();
    cmd->add_option("--w-nce", opt.w_nce, "weight of the in-batch InfoNCE")->capture_default_str();
    cmd->add_option("--hard-ratio",
                    opt.hard_ratio,
                    "share of sampled negatives taken from confusable labels")
        ->capture_default_str();
    cmd->add_flag(
        "--no-tune-embeddings", opt.no_tune_embeddings, "keep the base's subword rows frozen");
    cmd->add_option("--word-dropout",
                    opt.word_dropout,
                    "drop each word of a training text with this probability at every step "
                    "(subword base)")
        ->check(CLI::Range(0.0, 0.9))
        ->capture_default_str();
    cmd->add_flag("--attention-pooling",
                  opt.attention_pooling,
                  "pool the word vectors with a learned attention query instead of the plain "
                  "mean (subword base)");
    cmd->add_flag("--no-average-epochs",
                  opt.no_average_epochs,
                  "end with the best epoch, never with the mean of every epoch's parameters "
                  "(tried on --val, kept when better there)");
    cmd->add_option("--patience",
                    opt.patience,
                    "stop after N epochs without a better validation accuracy (0: off)")
        ->capture_default_str();
    cmd->add_option("--seed", opt.seed, "random seed")->capture_default_str();
    cmd->add_option("--storage", opt.storage, "tensor type of the subword rows in the model")
        ->check(CLI::IsMember({"f16", "f32"}))
        ->capture_default_str();
    cmd->add_flag("--no-keywords", opt.no_keywords, "no keyword stage in the model");
    cmd->add_option("--keywords-library",
                    opt.keywords_library,
                    "library whose agent keywords seed the keyword rules; default: built-in");
    cmd->add_option("--keyword-min-precision",
                    opt.keyword_min_precision,
                    "keep a keyword rule only with this precision on the training data")
        ->capture_default_str();
    cmd->add_option("--keyword-min-support",
                    opt.keyword_min_support,
                    "... over at least this many training texts")
        ->capture_default_str();
    cmd->add_option("--keyword-margin",
                    opt.keyword_margin,
                    "the keyword stage decides only when the best label leads by this much")
        ->capture_default_str();
    cmd->add_option(
           "--keyword-min-score", opt.keyword_min_score, "... and scores at least this much")
        ->capture_default_str();
    cmd->add_flag("--no-sparse",
                  opt.no_sparse,
                  "no sparse stage (word and character n-gram model blended with the embedding "
                  "stage)");
    cmd->add_option("--sparse-epochs",
                    opt.sparse_epochs,
                    "epochs of the sparse stage (at least; small data gets more, "
                    "--sparse-min-steps)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--sparse-lr", opt.sparse_lr, "learning rate of the sparse stage (SGD)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option(
           "--sparse-bits", opt.sparse_bits, "the sparse stage hashes n-grams into 2^bits buckets")
        ->check(CLI::Range(8, 26))
        ->capture_default_str();
    cmd->add_option("--sparse-min-steps",
                    opt.sparse_min_steps,
                    "raise the sparse stage's epochs (up to 1000) until its SGD makes this many "
                    "example steps (0: --sparse-epochs always)")
        ->capture_default_str();
    cmd->add_option("--cross-fit-folds",
                    opt.cross_fit_folds,
                    "with a --val of fewer than 200 examples and at most 10000 training ones, fit "
                    "the blend of the embedding and sparse stages also on out-of-fold "
                    "predictions of this many routers trained on folds of the training data (0: "
                    "on --val alone)")
        ->check(CLI::Range(0, 20))
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", opt.quiet, "no progress on stderr");
    cmd->add_option("--grpo-rounds", opt.grpo.rounds, "GRPO feedback rounds after training")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str();
    add_grpo_flags(cmd, opt.grpo);
    return cmd;
}

Status run_train(const TrainOptions& opt) {
    TrainRouterConfig c;
    c.data.assign(opt.data.begin(), opt.data.end());
    c.val = opt.val;
    c.test = opt.test;
    c.out = opt.out;
    c.stats = opt.stats;
    c.base = opt.base;
    c.base_options.pooling = opt.pooling;
    c.base_options.max_tokens = opt.max_tokens;
    c.base_options.n_threads = opt.threads;
    c.train.threads = opt.threads;
    c.base_options.cache_entries = size_t{1} << 24;  // every text of the run
    c.data_options.text_field = opt.text_field;
    c.data_options.label_field = opt.label_field;
    c.data_options.skip_bad = opt.skip_bad;
    TrainConfig& t = c.train;
    t.dim = opt.dim;
    t.epochs = opt.epochs;
    t.batch = opt.batch;
    t.adam = AdamConfig{opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay};
    t.embedding_lr_scale = opt.embedding_lr_scale;
    t.warmup = opt.warmup;
    t.max_grad_norm = opt.max_grad_norm;
    t.margin = opt.margin;
    t.tau = opt.tau;
    t.w_ce = opt.w_ce;
    t.w_triplet = opt.w_triplet;
    t.w_nce = opt.w_nce;
    t.hard_ratio = opt.hard_ratio;
    t.tune_embeddings = !opt.no_tune_embeddings;
    t.word_dropout = opt.word_dropout;
    t.attention_pooling = opt.attention_pooling;
    t.average_epochs = !opt.no_average_epochs;
    t.seed = opt.seed;
    t.patience = opt.patience;
    t.lora = LoraSpec{opt.lora_layers, opt.lora_rank, opt.lora_alpha, opt.lora_lr, opt.lora_ffn};
    c.storage = opt.storage == "f32" ? TensorType::f32 : TensorType::f16;
    c.checkpoint_every = opt.checkpoint_every;
    c.checkpoint_dir = opt.checkpoint_dir;
    c.keep_checkpoints = opt.keep_checkpoints;
    c.resume = opt.resume;
    c.keywords = !opt.no_keywords;
    c.keywords_library = opt.keywords_library;
    c.keyword_config.min_precision = opt.keyword_min_precision;
    c.keyword_config.min_support = static_cast<uint32_t>(std::max(1, opt.keyword_min_support));
    c.keyword_config.margin = opt.keyword_margin;
    c.keyword_config.min_score = opt.keyword_min_score;
    c.sparse = !opt.no_sparse;
    c.sparse_config.epochs = opt.sparse_epochs;
    c.sparse_config.lr = opt.sparse_lr;
    c.sparse_config.bits = opt.sparse_bits;
    c.sparse_config.min_steps = opt.sparse_min_steps;
    c.cross_fit_folds = opt.cross_fit_folds;
    c.grpo = grpo_run_config(opt.grpo);
    Result<TrainRouterReport> r = train_router(c, make_log(opt.quiet));
    return r ? ok() : Status(r.error());
}

}  // namespace ruvllm::cli
