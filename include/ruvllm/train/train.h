// ruvllm/train/train.h: contrastive training of the router (model.h) on labelled data
// (dataset/labeled.h).
//
// The loss (per batch of B anchors; all rows L2-normalised; tau = temperature):
//   w_ce      * cross-entropy over label prototypes (softmax of cosines / tau)
//   w_triplet * cosine triplet loss: max(0, margin - cos(z, p_pos) + cos(z, p_neg)), the
//               negative label from the triplet, else a confusable label (probability
//               hard_ratio) or a random other label
//   w_nce     * InfoNCE between each anchor and a positive text of the same template (or label),
//               in-batch negatives that share the anchor's label MASKED out
// Trainable: the projection W, b, the prototypes, and whatever the base trains through its
// feed (embed/feed.h: a subword base's rows when tune_embeddings, a Qwen2 base's LoRA when
// lora.layers > 0; other bases stay frozen), all with AdamW (lazy for rows), linear warm-up
// then linear decay, and one global-norm clip. train() does not know the base's kind: it reads
// base embeddings from the feed, hands their gradients back, and steps the feed's parameter
// groups with the head's. Deterministic: the same data, config and seed give the same model
// bytes, whatever TrainConfig::threads (a subword base's pooling and row updates are split over
// that many threads so that each float is computed in the order one thread would; the head is
// small and stays on one thread; a transformer base has its own thread team).
//
// The whole recipe around it (base, data, calibration, heads, GRPO, keyword stage, provenance
// keys, stats JSON) is train_router() in recipe.h.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/embed/feed.h>
#include <ruvllm/nn/optim.h>
#include <ruvllm/router/model.h>

namespace ruvllm {

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
    float word_dropout = 0.0f;       // feed.h FeedSpec::word_dropout
    bool attention_pooling = false;  // feed.h FeedSpec::attention_pooling
    uint64_t seed = 42;
    int patience = 0;  // stop after this many epochs without a better validation accuracy; 0 off
    // With `val`: also try the mean of every epoch's parameters (head, rows, query, LoRA), and
    // end with it instead of the best epoch when its validation accuracy is higher. Chosen on
    // validation (#15): on make run's data the mean of 13 epochs scored 0.748 against the best
    // epoch's 0.736. router_training_defaults() turns it on.
    bool average_epochs = false;
    // Threads of a subword base's training steps (pooling, row gradients, clipping, AdamW),
    // 1-256: the model bytes are the same for every count.
    int threads = 1;
    // false when resuming from a checkpoint: keep the model's prototypes instead of starting
    // them at the class centroids.
    bool init_prototypes = true;
    // Label pairs that are easy to confuse (hard negatives for examples without a triplet).
    std::vector<std::pair<int32_t, int32_t>> confusable;
    // A base that embeds the texts before the first epoch (a frozen or LoRA-trained
    // transformer) reports it: (done, total).
    std::function<void(size_t, size_t)> on_embed;
    // A transformer base: a LoRA on its top lora.layers layers (0: the base is frozen), trained
    // with the head at its own peak learning rate lora.lr (same schedule and clipping).
    LoraSpec lora;
};

struct EpochStats {
    int epoch = 0;
    double loss = 0, train_accuracy = 0, val_accuracy = 0, seconds = 0;
};

struct TrainResult {
    int epochs_completed = 0;
    double final_loss = 0, final_accuracy = 0, best_accuracy = 0;
    int best_epoch = 0;
    // average_epochs: the validation accuracy of the epochs' mean (-1: not tried), and the
    // number of epochs averaged when the model ended with it (0: it ended with best_epoch).
    double average_accuracy = -1;
    int averaged_epochs = 0;
    std::vector<EpochStats> history;
    double seconds = 0;
};

// Called after every epoch; return false to stop training.
using EpochCallback = std::function<bool(const EpochStats&, const RouterModel&)>;
// Called after every step: (step, total steps, loss).
using StepCallback = std::function<void(int64_t, int64_t, double)>;

// Errc::invalid_argument naming the first setting out of its range ("train: margin nan,
// expected 0-2 (a cosine distance)").
Status check_config(const TrainConfig& cfg);

// Trains `model` in place on `train`; `val` (may be null) selects the best epoch, whose
// parameters the model ends with (or the mean of every epoch's, with average_epochs, when that
// is better on `val`; best_accuracy is then the mean's). Errc::numeric if the loss becomes NaN or
// infinite (the model is left at the last good epoch), Errc::invalid_argument for bad settings or
// empty data.
Result<TrainResult> train(RouterModel& model,
                          const LabeledSet& train_set,
                          const LabeledSet* val,
                          const TrainConfig& cfg,
                          const StepCallback& on_step = {},
                          const EpochCallback& on_epoch = {});

}  // namespace ruvllm
