// ruvllm/train/train.h: labelled data for any label set, contrastive training of the router
// (model.h), and held-out metrics.
//
// Data (load_labeled): one example per line or row, in any of
//   - dataset JSONL (the generator's format, or any JSONL with --text-field / --label-field),
//   - triplets JSONL in the seed's format: {"anchor", "positive", "negative", "isHard"|"is_hard"},
//   - CSV with a header row (the same field names),
//   - fastText lines: "__label__X text".
// The loss (per batch of B anchors; all rows L2-normalised; tau = temperature):
//   w_ce      * cross-entropy over label prototypes (softmax of cosines / tau)
//   w_triplet * cosine triplet loss: max(0, margin - cos(z, p_pos) + cos(z, p_neg)), the
//               negative label from the triplet, else a confusable label (probability
//               hard_ratio) or a random other label
//   w_nce     * InfoNCE between each anchor and a positive text of the same template (or label),
//               in-batch negatives that share the anchor's label MASKED out
// Trainable: the projection W, b, the prototypes, and (tune_embeddings, subword base only) the
// base's rows, with
// AdamW (lazy for rows), linear warm-up then linear decay, global-norm clipping. Single-
// threaded and deterministic: the same data, config and seed give the same model bytes.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/nn/optim.h>
#include <ruvllm/router/model.h>

namespace ruvllm {

struct TrainExample {
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
    std::vector<std::string> labels;  // label vocabulary (index = TrainExample::label)
    std::vector<TrainExample> rows;
};

enum class DataFormat { detect, dataset, triplets, csv, fasttext };

struct DataOptions {
    DataFormat format = DataFormat::detect;
    std::string text_field = "input";
    std::string label_field = "output_agent";
    bool skip_bad = false;  // skip (and count) malformed lines instead of failing
};

// Loads `path`; labels not yet in `labels` are appended (pass the training set's vocabulary
// to load a test set with the same indices; with `fixed_labels` an unknown label is an error).
// Errors name "file:line". `skipped` receives the number of skipped lines.
Result<LabeledSet> load_labeled(const std::filesystem::path& path,
                                const DataOptions& opt,
                                std::vector<std::string> labels = {},
                                bool fixed_labels = false,
                                size_t* skipped = nullptr);

struct TrainConfig {
    int dim = 64;  // E
    int epochs = 30;
    int batch = 16;
    AdamConfig adam;  // lr 2e-5 etc. (FACTS.md); see docs for the measured default of the CLI
    float embedding_lr_scale = 1.0f;
    int64_t warmup = 100;
    float max_grad_norm = 1.0f;
    float margin = 0.5f;
    float tau = 0.07f;
    float w_ce = 1.0f, w_triplet = 1.0f, w_nce = 1.0f;
    float hard_ratio = 0.48f;
    bool tune_embeddings = true;
    uint64_t seed = 42;
    int patience = 0;  // stop after this many epochs without a better validation accuracy; 0 off
    // false when resuming from a checkpoint: keep the model's prototypes instead of starting
    // them at the class centroids.
    bool init_prototypes = true;
    // Label pairs that are easy to confuse (hard negatives for examples without a triplet).
    std::vector<std::pair<int32_t, int32_t>> confusable;
    // A Qwen2 base (model.qwen) embeds the texts before the first epoch: progress (done, total).
    std::function<void(size_t, size_t)> on_embed;
    // Qwen2 base: a LoRA (qwen2_lora.h) on the top lora_layers layers (0: the base is frozen),
    // trained with the head at its own peak learning rate lora_lr (same schedule and clipping).
    int lora_layers = 0;
    int lora_rank = 8;
    float lora_alpha = 16.0f;
    float lora_lr = 1e-3f;
    bool lora_ffn = false;
};

struct EpochStats {
    int epoch = 0;
    double loss = 0, train_accuracy = 0, val_accuracy = 0, seconds = 0;
};

struct TrainResult {
    int epochs_completed = 0;
    double final_loss = 0, final_accuracy = 0, best_accuracy = 0;
    int best_epoch = 0;
    std::vector<EpochStats> history;
    double seconds = 0;
};

// Called after every epoch; return false to stop training.
using EpochCallback = std::function<bool(const EpochStats&, const RouterModel&)>;
// Called after every step: (step, total steps, loss).
using StepCallback = std::function<void(int64_t, int64_t, double)>;

// Trains `model` in place on `train`; `val` (may be null) selects the best epoch, whose
// parameters the model ends with. Errc::numeric if the loss becomes NaN or infinite (the model
// is left at the last good epoch), Errc::invalid_argument for bad settings or empty data.
Result<TrainResult> train(RouterModel& model,
                          const LabeledSet& train_set,
                          const LabeledSet* val,
                          const TrainConfig& cfg,
                          const StepCallback& on_step = {},
                          const EpochCallback& on_epoch = {});

struct LabelMetrics {
    double precision = 0, recall = 0, f1 = 0;
    size_t support = 0;
};

struct Metrics {
    size_t n = 0;
    double accuracy = 0;  // nearest prototype, N-way
    double macro_f1 = 0;
    size_t n_triplets = 0;        // examples with a negative label
    double triplet_accuracy = 0;  // cos(z, p_pos) > cos(z, p_neg)
    size_t n_hard = 0;
    double hard_accuracy = 0;  // the same on hard negatives
    std::vector<LabelMetrics> per_label;
    std::vector<std::vector<uint32_t>> confusion;  // [true][predicted]
};

// Metrics of `model` on `data` (labels indexed like the model's).
Metrics evaluate(const RouterModel& model, const LabeledSet& data);

// Per-label precision/recall/F1 of a confusion matrix ([true][predicted]) and their macro
// average over the labels that occur (as truth or prediction).
void label_metrics(const std::vector<std::vector<uint32_t>>& confusion,
                   std::vector<LabelMetrics>& per_label,
                   double& macro_f1);

// FACTS.md's confusing agent pairs, mapped onto `labels` (agent names, or seed categories via
// each agent's category; pairs inside one category are dropped).
std::vector<std::pair<int32_t, int32_t>> confusable_pairs(const std::vector<std::string>& labels);

}  // namespace ruvllm
