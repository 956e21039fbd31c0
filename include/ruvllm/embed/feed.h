// ruvllm/embed/feed.h: a base as the trainer sees it. train() (train/train.h) asks the router's
// base for a feed over the training and validation texts, then, without knowing the base's
// kind, reads base embeddings x (D) from it, hands back their gradients dx, and clips and steps
// the feed's parameter groups together with the head's. Three feeds exist:
//   fixed    (any base, frozen): every text embedded once, up front (Base::embed_batch)
//   subword  (SubwordBase): mean or attention pooling over its rows (pool.h), the rows
//            fine-tuned as one sparse group when FeedSpec::tune, the attention query as a
//            dense one
//   LoRA     (Qwen2Base with FeedSpec::lora.layers > 0): the frozen lower layers run once per
//            unique text; the top layers with their LoRA (qwen2_lora.h) run every step
//
// Usage (what train() does per batch; slots 0..B-1 are anchors, B..2B-1 positives):
//   feed->forward_batch(anchor, positive, b, B, D, X, Xp);   (forward() of every slot)
//   ...  loss and head backward give dX, dXp ...
//   if (feed->trainable()) feed->backward_batch(b, B, D, X, dX, Xp, dXp);
//   groups = feed->groups() + head groups;  clip; adamw_step(groups, ...)
//   model.base = feed->base(final)            (what training changed, for the router file)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/nn/optim.h>

namespace ruvllm {

class Base;
class Team;

// A LoRA on the top `layers` layers of a transformer base (0: none).
struct LoraSpec {
    int layers = 0;
    int rank = 8;
    float alpha = 16.0f;
    float lr = 1e-3f;  // peak learning rate (the head's schedule)
    bool ffn = false;  // also on the FFN (gate, up, down)
};

struct FeedSpec {
    std::vector<std::string> train_texts;  // N: the training examples, in order
    std::vector<std::string> val_texts;    // the validation examples (may be empty)
    int batch = 16;                        // B: forward() slots are 0 .. 2B - 1
    bool tune = true;                      // a subword base fine-tunes its rows
    float lr = 5e-3f;                      // the head's peak learning rate
    float embedding_lr_scale = 1.0f;       // the rows learn at lr * this
    // A subword base drops each word of a training text with this probability at every step
    // (never all of them; validation texts are whole): a regulariser against memorised templates.
    float word_dropout = 0.0f;
    // A subword base pools with a learned attention query (pool.h), trained as one more dense
    // group; a base that already holds a query keeps training it either way.
    bool attention_pooling = false;
    LoraSpec lora;  // a transformer base: its LoRA
    // A subword base splits a batch's pooling (forward and backward) over this team (null:
    // this thread only); the results are the same bits whatever the team's size.
    Team* team = nullptr;
    // Called while the texts are embedded up front: (done, total); may be empty.
    std::function<void(size_t, size_t)> on_embed;
};

class BaseFeed {
public:
    virtual ~BaseFeed() = default;

    // The base embedding x (D) of training example i as the base stands now; `slot` in
    // [0, 2B) keeps what backward() needs (-1: keep nothing).
    virtual void forward(size_t i, float* x, int slot) = 0;
    // The same for validation example j (nothing kept).
    virtual void forward_val(size_t j, float* x) = 0;

    // Whether the base learns (then the trainer computes dx and calls backward()).
    virtual bool trainable() const = 0;
    // Accumulates the gradients of slot's last forward, given its output x and dL/dx (D).
    virtual void backward(int slot, const float* x, const float* dx) = 0;

    // A whole batch: forward(anchor[i], X + i D, i) and forward(positive[i], Xp + i D, B + i)
    // for i in [0, b), in the order anchor 0, positive 0, anchor 1, ... (b <= B). A feed may
    // split the work over FeedSpec::team; the results are those of the calls in that order.
    virtual void forward_batch(
        const uint32_t* anchor, const uint32_t* positive, int b, int B, int D, float* X, float* Xp);
    // backward(i, X + i D, dX + i D) and backward(B + i, Xp + i D, dXp + i D) for i in [0, b),
    // in the same order and under the same contract.
    virtual void backward_batch(
        int b, int B, int D, const float* X, const float* dX, const float* Xp, const float* dXp);
    // The base's parameter groups for this step (after the batch's backward() calls); empty
    // when frozen. adamw_step() zeroes their gradients.
    virtual std::vector<ParamGroup> groups() = 0;

    // The base's trainable parameters, to return to the best epoch (empty when frozen).
    virtual std::vector<float> snapshot() const = 0;
    virtual void restore(const std::vector<float>& s) = 0;

    // The base the router should hold now, with what training changed (the same object while
    // nothing changed); `final`: training is over (a LoRA base then also caches the embeddings
    // of every text it saw). Errc from building the new base.
    virtual Result<std::shared_ptr<const Base>> base(bool final) = 0;
};

// The frozen feed of any base: every training and validation text embedded once, up front,
// through base->embed_batch (on_embed reports it). Nothing is trainable.
std::unique_ptr<BaseFeed> make_fixed_feed(std::shared_ptr<const Base> base, const FeedSpec& spec);

}  // namespace ruvllm
