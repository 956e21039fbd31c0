// ruvllm/train/recipe.h: the whole recipe of `ruvllm train` in one call: labelled data -> one
// router GGUF + its stats JSON. The CLI only parses flags into a TrainRouterConfig; the pipeline
// and library users call train_router() directly.
//
//   1. data      the --data files (the first defines the labels; triplets and hard negatives
//                must stay inside them), --val and --test with the same labels (labeled.h)
//   2. base      --base opened by open_base() (a subword base, a router's base, or a Qwen2
//                GGUF), else the default subword base, pretrained once into the cache
//                (pretrain.h default_base)
//   3. train     RouterModel::init + train() (train.h), from a --resume checkpoint if given,
//                with a checkpoint every checkpoint_every epochs
//   4. calibrate the softmax temperature fitted on --val (calibrate.h): ECE before / after
//   5. heads     complexity / tier / quality heads (heads.h) when the data has their targets;
//                each head's source (z, n-grams or its baseline) chosen on --val
//   6. GRPO      `grpo.rounds` gated rounds on --val (grpo_rounds.h)
//   6b. sparse   the n-gram stage (sparse.h) on the training data, its blend weight with the
//                embedding stage fitted on --val (and, when --val is small, on out-of-fold
//                predictions of the training data: cross_fit_folds below)
//   7. keywords  library keyword rules pruned on the training data, then on --val (keywords.h)
//   8. record    ruvllm.train.* (the config, best epoch), ruvllm.metrics.* (val ECE, test
//                accuracy and macro-F1), then the router file and the stats JSON below
// Stats JSON (report.h reads it): {epochs_completed, final_loss, final_accuracy, best_accuracy,
// total_seconds (the whole call, data to stats; train_seconds is the loop's), best_epoch,
// accuracy_on ("validation" | "train"), average_accuracy and averaged_epochs (with --val:
// train.h's TrainResult fields of the same names), history: [{epoch, loss, train_accuracy,
// val_accuracy, seconds}], train_seconds, calibration: {temperature, val_ece_uncalibrated,
// val_ece}, labels, train_examples_per_label: {label: training examples}, grpo (grpo_rounds.h),
// sparse: {rows, epochs, lr, alpha, temperature, val_accuracy: {embedding, sparse, blend},
// val_nll: {...}, cross_fit: {folds, rows, seconds} (when it ran), seconds} (with the sparse
// stage), heads: {complexity: {z, ngrams, baseline, chosen}, tier: {z, ngrams, baseline, marginal,
// chosen}, examples} (validation accuracies of each head's sources, with --val), test: {examples,
// accuracy, macro_f1, triplets, triplet_accuracy, hard_negatives, hard_negative_accuracy,
// per_label: {label: {precision, recall, f1, support}}, confusion, hybrid_accuracy and
// hybrid_macro_f1 (what route answers: keyword stage, then the blend), heads: {complexity_accuracy,
// complexity_prior_baseline_accuracy, tier_accuracy, tier_table_baseline_accuracy, quality_mae,
// examples}}}.
//
// Usage:
//   ruvllm::TrainRouterConfig c;
//   c.data = {"out/dataset/claude_training_train.jsonl"};
//   c.val = "out/dataset/claude_training_val.jsonl";
//   c.out = "out/router.gguf";
//   ruvllm::Result<ruvllm::TrainRouterReport> r = ruvllm::train_router(c, log);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/embed/base.h>
#include <ruvllm/router/keywords.h>
#include <ruvllm/router/sparse.h>
#include <ruvllm/train/grpo_rounds.h>
#include <ruvllm/train/train.h>

namespace ruvllm {

// The loop settings `ruvllm train` uses unless told otherwise: TrainConfig's, with the measured
// peak learning rate 5e-3 (not FACTS.md's 2e-5, which barely moves a router in 30 epochs) and
// early stopping after 5 epochs without a better validation accuracy.
TrainConfig router_training_defaults();

struct TrainRouterConfig {
    std::vector<std::filesystem::path> data;  // training files (required)
    std::filesystem::path val, test;          // optional
    std::filesystem::path out = "out/router.gguf";
    std::filesystem::path stats;  // "" = <out>.stats.json
    // "" = the default subword base (default_base_path(), pretrained on first use)
    std::filesystem::path base;
    // How a transformer --base is opened (pooling, max_tokens, threads); its cache holds every
    // text of the run.
    BaseOptions base_options = [] {
        BaseOptions o;
        o.cache_entries = size_t{1} << 24;
        return o;
    }();
    DataOptions data_options;
    // The loop (train.h); `confusable` is filled from the labels.
    TrainConfig train = router_training_defaults();
    TensorType storage = TensorType::f16;  // of the subword rows in the router file
    int checkpoint_every = 5;              // 0: never
    std::filesystem::path checkpoint_dir;  // "" = <out>.checkpoints/
    int keep_checkpoints = 3;              // the newest this many epoch-NNN.gguf are kept (0: all)
    std::filesystem::path resume;          // a checkpoint to continue from
    bool keywords = true;                  // the keyword stage
    bool sparse = true;                    // the sparse n-gram stage (sparse.h)
    // Its seed is train.seed; small data gets more epochs (min_steps, sparse.h).
    static constexpr uint64_t kSparseMinSteps = 500000;
    SparseConfig sparse_config = [] {
        SparseConfig c;
        c.min_steps = kSparseMinSteps;
        return c;
    }();
    // Cross-fitted blend (#15): when --val has fewer than `cross_fit_below` labelled examples
    // and the training data at most `cross_fit_max_train`, the blend weight and the sparse
    // temperature are fitted on the validation split plus out-of-fold predictions of the
    // training data: `cross_fit_folds` routers (embedding and sparse stage, the same settings)
    // each trained without one stratified fold and scoring it, their cosines taken to the final
    // router's temperature. It costs that many extra trainings of the two stages, which small
    // data makes cheap. 0 folds: never.
    static constexpr int kCrossFitFolds = 5;
    int cross_fit_folds = kCrossFitFolds;
    size_t cross_fit_below = 200;
    size_t cross_fit_max_train = 10000;
    std::filesystem::path keywords_library;  // "" = the built-in library
    KeywordConfig keyword_config;
    int head_epochs = 300;
    float head_lr = 0.05f;
    // The n-gram heads (heads.h; trained unless `sparse` is off), each head's source then
    // chosen on --val.
    SparseConfig head_ngrams = [] {
        SparseConfig c;
        c.epochs = 30;
        return c;
    }();
    GrpoRunConfig grpo = [] {
        GrpoRunConfig g;
        g.rounds = 0;  // none after training unless asked
        return g;
    }();
};

struct TrainRouterReport {
    TrainResult result;
    size_t examples = 0, skipped = 0;
    nlohmann::ordered_json stats;  // what was written to the stats file
    std::filesystem::path out, stats_path;
};

// Errors name the file, line or setting (labeled.h, open_base, train()); nothing is written
// under `out` or the stats path unless every step succeeded (checkpoints excepted).
Result<TrainRouterReport> train_router(const TrainRouterConfig& cfg, const Log& log);

}  // namespace ruvllm
