// cmd_train.cpp: `ruvllm train`: labelled data -> router model (one GGUF) + stats JSON.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/embed/base.h>
#include <ruvllm/embed/pretrain.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/calibrate.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/keywords.h>
#include <ruvllm/train/train.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

namespace fs = std::filesystem;

CLI::App* add_train(CLI::App& app, TrainOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "train",
        "train a router (projection head, label prototypes, and tuned subword rows or a LoRA "
        "on a Qwen2 base)");
    cmd->footer(
        "Data: dataset JSONL (generate's format or any JSONL with --text-field/--label-field),\n"
        "triplets JSONL ({anchor, positive, negative, isHard}), CSV with a header, or fastText\n"
        "'__label__X text' lines; --data may be given several times (dataset + triplets).\n"
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
    cmd->add_option("--threads", opt.threads, "Qwen2 base: threads of the forward pass")
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
    cmd->add_option("--resume",
                    opt.resume,
                    "continue from a checkpoint (its parameters; fresh optimizer moments; the "
                    "remaining epochs)");
    cmd->add_option("--text-field", opt.text_field, "text field (JSONL / CSV)")
        ->capture_default_str();
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
    cmd->add_flag("-q,--quiet", opt.quiet, "no progress on stderr");
    cmd->add_option("--grpo-rounds", opt.grpo.rounds, "GRPO feedback rounds after training")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str();
    add_grpo_flags(cmd, opt.grpo);
    return cmd;
}

namespace {

Result<std::shared_ptr<const Base>> default_base(bool quiet) {
    const fs::path cache = default_cache_dir();
    const fs::path path = default_base_path();
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        const fs::path corpus = cache / "corpus/debian-translation-en.txt";
        if (!fs::exists(corpus, ec)) {
            return make_error(Errc::io,
                              corpus.string() +
                                  ": pretraining corpus not found, expected it "
                                  "(run scripts/fetch_corpus, or pass --base)");
        }
        if (!quiet) {
            std::fprintf(stderr,
                         "train: no base embedding yet; pretraining the default one "
                         "(once, about 2 minutes) -> %s\n",
                         path.c_str());
        }
        PretrainOptions p;
        p.corpus = corpus.string();
        p.out = path.string();
        p.quiet = quiet;
        Status s = run_pretrain(p);
        if (!s) {
            return s.error();
        }
    }
    return open_base(path);
}

nlohmann::ordered_json metrics_json(const Metrics& m, const std::vector<std::string>& labels) {
    nlohmann::ordered_json j;
    j["examples"] = m.n;
    j["accuracy"] = m.accuracy;
    j["macro_f1"] = m.macro_f1;
    j["triplets"] = m.n_triplets;
    j["triplet_accuracy"] = m.triplet_accuracy;
    j["hard_negatives"] = m.n_hard;
    j["hard_negative_accuracy"] = m.hard_accuracy;
    nlohmann::ordered_json per = nlohmann::ordered_json::object();
    for (size_t a = 0; a < labels.size(); a++) {
        per[labels[a]] = {{"precision", m.per_label[a].precision},
                          {"recall", m.per_label[a].recall},
                          {"f1", m.per_label[a].f1},
                          {"support", m.per_label[a].support}};
    }
    j["per_label"] = per;
    j["confusion"] = m.confusion;
    return j;
}

}  // namespace

Status run_train(const TrainOptions& opt) {
    DataOptions dopt;
    dopt.text_field = opt.text_field;
    dopt.label_field = opt.label_field;
    dopt.skip_bad = opt.skip_bad;
    LabeledSet train_set;
    size_t skipped_total = 0;
    for (const std::string& path : opt.data) {
        size_t skipped = 0;
        // The first file defines the label set; later ones (triplets) must stay inside it.
        const bool fixed = !train_set.labels.empty();
        Result<LabeledSet> part = load_labeled(path, dopt, train_set.labels, fixed, &skipped);
        if (!part) {
            return part.error();
        }
        skipped_total += skipped;
        train_set.labels = part->labels;
        for (LabeledExample& ex : part->rows) {
            train_set.rows.push_back(std::move(ex));
        }
    }
    LabeledSet val_set, test_set;
    for (const auto& [path, dst] : {std::pair{opt.val, &val_set}, std::pair{opt.test, &test_set}}) {
        if (path.empty()) {
            continue;
        }
        Result<LabeledSet> part = load_labeled(path, dopt, train_set.labels, true, nullptr);
        if (!part) {
            return part.error();
        }
        *dst = std::move(*part);
    }
    if (opt.base.empty() && opt.lora_layers > 0) {
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(opt.lora_layers) +
                              " needs a Qwen2 --base, expected a qwen2 GGUF (got the default "
                              "subword base)");
    }
    BaseOptions bo;
    bo.pooling = opt.pooling;
    bo.max_tokens = opt.max_tokens;
    bo.n_threads = opt.threads;
    bo.cache_entries = size_t{1} << 24;  // every text of the run
    Result<std::shared_ptr<const Base>> base =
        opt.base.empty() ? default_base(opt.quiet) : open_base(opt.base, bo);
    if (!base) {
        return base.error();
    }
    const bool qwen = (*base)->kind() == "qwen2";
    TrainConfig cfg;
    cfg.dim = opt.dim;
    cfg.epochs = opt.epochs;
    cfg.batch = opt.batch;
    cfg.adam = AdamConfig{opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay};
    cfg.embedding_lr_scale = opt.embedding_lr_scale;
    cfg.warmup = opt.warmup;
    cfg.max_grad_norm = opt.max_grad_norm;
    cfg.margin = opt.margin;
    cfg.tau = opt.tau;
    cfg.w_ce = opt.w_ce;
    cfg.w_triplet = opt.w_triplet;
    cfg.w_nce = opt.w_nce;
    cfg.hard_ratio = opt.hard_ratio;
    cfg.tune_embeddings = !opt.no_tune_embeddings;
    cfg.seed = opt.seed;
    cfg.patience = opt.patience;
    cfg.confusable = confusable_pairs(train_set.labels);
    if (cfg.dim < 2 || cfg.dim > 4096) {
        return make_error(Errc::invalid_argument,
                          "--dim " + std::to_string(cfg.dim) + ", expected 2 to 4096");
    }
    Rng rng(cfg.seed);
    cfg.lora.layers = opt.lora_layers;
    cfg.lora.rank = opt.lora_rank;
    cfg.lora.alpha = opt.lora_alpha;
    cfg.lora.lr = opt.lora_lr;
    cfg.lora.ffn = opt.lora_ffn;
    RouterModel model = RouterModel::init(*base, train_set.labels, cfg.dim, rng);
    model.tau = cfg.tau;
    int start_epoch = 0;
    if (!opt.resume.empty()) {
        Result<RouterModel> ck = RouterModel::load(opt.resume);
        if (!ck) {
            return ck.error();
        }
        if (ck->labels != train_set.labels || ck->E != cfg.dim || ck->D() != model.D()) {
            return make_error(Errc::invalid_argument,
                              opt.resume +
                                  ": checkpoint does not match this run (labels, --dim "
                                  "or base differ), expected the same data and settings");
        }
        for (const auto& [k, v] : ck->info) {
            if (k == "ruvllm.train.checkpoint_epoch") {
                start_epoch = static_cast<int>(std::get<uint32_t>(v));
            }
        }
        if (start_epoch >= cfg.epochs) {
            return make_error(Errc::invalid_argument,
                              opt.resume + ": checkpoint is at epoch " +
                                  std::to_string(start_epoch) + ", expected fewer than --epochs " +
                                  std::to_string(cfg.epochs));
        }
        model = std::move(*ck);
        model.info.clear();
        cfg.init_prototypes = false;
        cfg.epochs -= start_epoch;
        if (!opt.quiet) {
            std::fprintf(
                stderr, "train: resuming from %s at epoch %d\n", opt.resume.c_str(), start_epoch);
        }
    }
    const std::string ck_dir =
        opt.checkpoint_dir.empty() ? opt.out + ".checkpoints" : opt.checkpoint_dir;
    if (!opt.quiet) {
        std::fprintf(stderr,
                     "train: %zu examples, %zu labels, %zu skipped; %s, %s; %d epochs of batch "
                     "%d\n",
                     train_set.rows.size(),
                     train_set.labels.size(),
                     skipped_total,
                     model.base->describe().c_str(),
                     opt.lora_layers > 0
                         ? ("LoRA rank " + std::to_string(opt.lora_rank) + " on the top " +
                            std::to_string(opt.lora_layers) + " layers")
                               .c_str()
                     : qwen || opt.no_tune_embeddings ? "frozen"
                                                      : "rows fine-tuned",
                     cfg.epochs,
                     cfg.batch);
    }
    Status checkpoint_status = ok();
    Result<TrainResult> res = [&] {
        ProgressBar embed_bar("embed", opt.quiet);
        auto embed_t0 = std::chrono::steady_clock::now();
        cfg.on_embed = [&](size_t done, size_t total) {
            if (done <= 1) {
                embed_t0 = std::chrono::steady_clock::now();
            }
            embed_bar.update(
                total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0,
                std::to_string(done) + "/" + std::to_string(total) + " texts");
            if (done == total && !opt.quiet) {
                // The bar is silent off a terminal: this long step still leaves one line.
                embed_bar.finish();
                std::fprintf(
                    stderr,
                    "train: %zu texts through the base's %s in %.1f s\n",
                    total,
                    opt.lora_layers > 0 ? "frozen lower layers" : "layers",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - embed_t0)
                        .count());
            }
        };
        ProgressBar bar("train", opt.quiet);
        double last_loss = 0;
        int last_epoch = 0;
        double last_val = 0;
        return train(
            model,
            train_set,
            opt.val.empty() ? nullptr : &val_set,
            cfg,
            [&](int64_t step, int64_t total, double loss) {
                last_loss = loss;
                char info[96];
                std::snprintf(info,
                              sizeof(info),
                              "epoch %d loss %.4f val %.3f",
                              last_epoch + 1,
                              last_loss,
                              last_val);
                bar.update(static_cast<double>(step) / static_cast<double>(total), info);
            },
            [&](const EpochStats& st, const RouterModel& current) {
                last_epoch = st.epoch;
                last_val = st.val_accuracy;
                const int epoch = start_epoch + st.epoch;
                if (opt.checkpoint_every > 0 && epoch % opt.checkpoint_every == 0) {
                    std::error_code ec;
                    fs::create_directories(ck_dir, ec);
                    char name[32];
                    std::snprintf(name, sizeof(name), "epoch-%03d.gguf", epoch);
                    RouterModel ck = current;
                    ck.info = {{"ruvllm.train.checkpoint_epoch", static_cast<uint32_t>(epoch)},
                               {"ruvllm.train.seed", cfg.seed}};
                    checkpoint_status = ck.save(fs::path(ck_dir) / name, TensorType::f32);
                    if (!checkpoint_status) {
                        return false;
                    }
                }
                return true;
            });
    }();
    if (!res) {
        return res.error();
    }
    if (!checkpoint_status) {
        return checkpoint_status;
    }
    // ---- calibration: the softmax temperature fitted on the validation split ----
    double ece_before = -1, ece_after = -1;
    if (!opt.val.empty()) {
        std::vector<float> scores(val_set.rows.size() * static_cast<size_t>(model.A()));
        std::vector<int32_t> labels;
        for (size_t i = 0; i < val_set.rows.size(); i++) {
            model.scores(val_set.rows[i].text, scores.data() + i * static_cast<size_t>(model.A()));
            labels.push_back(val_set.rows[i].label);
        }
        ece_before = ece(scores, labels, model.A(), model.tau);
        model.tau = fit_temperature(scores, labels, model.A());
        ece_after = ece(scores, labels, model.A(), model.tau);
        if (!opt.quiet) {
            std::fprintf(stderr,
                         "train: calibrated on validation: temperature %.4f, ECE %.4f -> %.4f\n",
                         model.tau,
                         ece_before,
                         ece_after);
        }
    }
    // ---- complexity / tier / quality heads, when the data carries their targets ----
    {
        Result<Heads> heads = train_heads(model, train_set, 300, 0.05f);
        if (heads) {
            model.heads = std::move(*heads);
            if (!opt.quiet) {
                std::fprintf(stderr, "train: complexity, tier and quality heads trained\n");
            }
        } else if (!opt.quiet) {
            std::fprintf(stderr, "train: no heads (%s)\n", heads.error().message.c_str());
        }
    }
    // ---- GRPO feedback rounds (grpo.h), gated on the validation split ----
    nlohmann::ordered_json grpo_report;
    if (opt.grpo.rounds > 0) {
        if (opt.val.empty()) {
            return make_error(Errc::invalid_argument,
                              "train: --grpo-rounds needs --val (every round is gated on it)");
        }
        GrpoOptions g = opt.grpo;
        g.quiet = opt.quiet;
        g.storage = opt.storage;
        g.seed = opt.seed;
        Result<nlohmann::ordered_json> rep = run_grpo_rounds(model, train_set, val_set, g, "");
        if (!rep) {
            return rep.error();
        }
        grpo_report = std::move(*rep);
    }
    // ---- the keyword stage: library keywords, pruned on the training data ----
    if (!opt.no_keywords) {
        Result<Library> lib = load_library(
            opt.keywords_library.empty() ? default_library_dir() : fs::path(opt.keywords_library));
        if (!lib) {
            return lib.error();
        }
        KeywordConfig kcfg;
        kcfg.min_precision = opt.keyword_min_precision;
        kcfg.min_support = static_cast<uint32_t>(std::max(1, opt.keyword_min_support));
        kcfg.margin = opt.keyword_margin;
        kcfg.min_score = opt.keyword_min_score;
        const std::vector<KeywordRule> candidates = library_rules(*lib, train_set.labels);
        model.keywords = KeywordStage(prune_rules(candidates, train_set, kcfg), model.A(), kcfg);
        if (!opt.quiet) {
            std::fprintf(stderr,
                         "train: keyword stage: %zu of %zu library rules kept "
                         "(precision >= %.2f over >= %d training texts)\n",
                         model.keywords.rules().size(),
                         candidates.size(),
                         kcfg.min_precision,
                         opt.keyword_min_support);
        }
    }
    // ---- record the config and metrics in the model, write model and stats ----
    model.info = {
        {"ruvllm.train.seed", cfg.seed},
        {"ruvllm.train.epochs", static_cast<uint32_t>(cfg.epochs)},
        {"ruvllm.train.batch", static_cast<uint32_t>(cfg.batch)},
        {"ruvllm.train.lr", cfg.adam.lr},
        {"ruvllm.train.weight_decay", cfg.adam.weight_decay},
        {"ruvllm.train.margin", cfg.margin},
        {"ruvllm.train.tau", cfg.tau},
        {"ruvllm.train.w_ce", cfg.w_ce},
        {"ruvllm.train.w_triplet", cfg.w_triplet},
        {"ruvllm.train.w_nce", cfg.w_nce},
        {"ruvllm.train.hard_ratio", cfg.hard_ratio},
        {"ruvllm.train.tune_embeddings", cfg.tune_embeddings && !qwen},
        {"ruvllm.train.examples", static_cast<uint64_t>(train_set.rows.size())},
        {"ruvllm.train.best_epoch", static_cast<uint32_t>(res->best_epoch)},
    };
    if (qwen) {
        model.info.emplace_back("ruvllm.train.lora_layers", static_cast<uint32_t>(cfg.lora.layers));
        if (cfg.lora.layers > 0) {
            model.info.emplace_back("ruvllm.train.lora_rank", static_cast<uint32_t>(cfg.lora.rank));
            model.info.emplace_back("ruvllm.train.lora_lr", cfg.lora.lr);
            model.info.emplace_back("ruvllm.train.lora_ffn", cfg.lora.ffn);
        }
    }
    if (ece_after >= 0) {
        model.info.emplace_back("ruvllm.metrics.val_ece_uncalibrated",
                                static_cast<float>(ece_before));
        model.info.emplace_back("ruvllm.metrics.val_ece", static_cast<float>(ece_after));
    }
    nlohmann::ordered_json stats;
    stats["epochs_completed"] = res->epochs_completed;
    stats["final_loss"] = res->final_loss;
    stats["final_accuracy"] = res->final_accuracy;
    stats["best_accuracy"] = res->best_accuracy;
    stats["best_epoch"] = res->best_epoch;
    stats["accuracy_on"] = opt.val.empty() ? "train" : "validation";
    nlohmann::ordered_json hist = nlohmann::ordered_json::array();
    for (const EpochStats& st : res->history) {
        hist.push_back({{"epoch", st.epoch},
                        {"loss", st.loss},
                        {"train_accuracy", st.train_accuracy},
                        {"val_accuracy", st.val_accuracy},
                        {"seconds", st.seconds}});
    }
    stats["history"] = hist;
    stats["train_seconds"] = res->seconds;
    if (ece_after >= 0) {
        stats["calibration"] = {{"temperature", model.tau},
                                {"val_ece_uncalibrated", ece_before},
                                {"val_ece", ece_after}};
    }
    stats["labels"] = train_set.labels;
    if (!grpo_report.is_null()) {
        stats["grpo"] = grpo_report;
    }
    if (!opt.test.empty()) {
        const Metrics m = evaluate(model, test_set);
        stats["test"] = metrics_json(m, train_set.labels);
        model.info.emplace_back("ruvllm.metrics.test_accuracy", static_cast<float>(m.accuracy));
        if (!model.heads.empty()) {
            const HeadReport hr = evaluate_heads(model, model.heads, test_set);
            stats["test"]["heads"] = {{"complexity_accuracy", hr.complexity_accuracy},
                                      {"tier_accuracy", hr.tier_accuracy},
                                      {"tier_table_baseline_accuracy", hr.tier_table_accuracy},
                                      {"quality_mae", hr.quality_mae},
                                      {"examples", hr.n_tier}};
            if (!opt.quiet && hr.n_tier > 0) {
                std::fprintf(stderr,
                             "train: held-out heads: complexity %.4f, tier %.4f (tier-table "
                             "baseline %.4f), quality MAE %.4f\n",
                             hr.complexity_accuracy,
                             hr.tier_accuracy,
                             hr.tier_table_accuracy,
                             hr.quality_mae);
            }
        }
        model.info.emplace_back("ruvllm.metrics.test_macro_f1", static_cast<float>(m.macro_f1));
        if (!opt.quiet) {
            std::fprintf(stderr,
                         "train: held-out test: accuracy %.4f, macro-F1 %.4f (%zu examples)",
                         m.accuracy,
                         m.macro_f1,
                         m.n);
            if (m.n_triplets > 0) {
                std::fprintf(stderr,
                             "; triplet accuracy %.4f (%zu), hard-negative accuracy %.4f (%zu)",
                             m.triplet_accuracy,
                             m.n_triplets,
                             m.hard_accuracy,
                             m.n_hard);
            }
            std::fprintf(stderr, "\n");
        }
    }
    if (fs::path(opt.out).has_parent_path()) {
        std::error_code ec;
        fs::create_directories(fs::path(opt.out).parent_path(), ec);
    }
    Status s = model.save(opt.out, opt.storage == "f32" ? TensorType::f32 : TensorType::f16);
    if (!s) {
        return s;
    }
    const std::string stats_path = opt.stats.empty() ? opt.out + ".stats.json" : opt.stats;
    s = write_file_atomic(stats_path, stats.dump(2) + "\n");
    if (!s) {
        return s;
    }
    if (!opt.quiet) {
        std::fprintf(stderr,
                     "train: %d epochs in %.1f s; best epoch %d (%s accuracy %.4f) -> %s, %s\n",
                     res->epochs_completed,
                     res->seconds,
                     res->best_epoch,
                     opt.val.empty() ? "train" : "validation",
                     res->best_accuracy,
                     opt.out.c_str(),
                     stats_path.c_str());
    }
    return ok();
}

}  // namespace ruvllm::cli
