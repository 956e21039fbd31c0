// feed.cpp: the fixed feed of a frozen base (feed.h).
#include <algorithm>

#include <ruvllm/embed/base.h>
#include <ruvllm/embed/feed.h>

namespace ruvllm {

void BaseFeed::forward_batch(
    const uint32_t* anchor, const uint32_t* positive, int b, int B, int D, float* X, float* Xp) {
    for (int i = 0; i < b; i++) {
        const size_t o = static_cast<size_t>(i) * static_cast<size_t>(D);
        forward(anchor[i], X + o, i);
        forward(positive[i], Xp + o, B + i);
    }
}

void BaseFeed::backward_batch(
    int b, int B, int D, const float* X, const float* dX, const float* Xp, const float* dXp) {
    for (int i = 0; i < b; i++) {
        const size_t o = static_cast<size_t>(i) * static_cast<size_t>(D);
        backward(i, X + o, dX + o);
        backward(B + i, Xp + o, dXp + o);
    }
}

namespace {

class FixedFeed final : public BaseFeed {
public:
    FixedFeed(std::shared_ptr<const Base> base, const FeedSpec& spec)
        : base_(std::move(base)), D_(static_cast<size_t>(base_->dim())) {
        train_.resize(spec.train_texts.size() * D_);
        base_->embed_batch(spec.train_texts, train_.data(), spec.on_embed);
        val_.resize(spec.val_texts.size() * D_);
        if (!spec.val_texts.empty()) {
            base_->embed_batch(spec.val_texts, val_.data(), spec.on_embed);
        }
    }

    void forward(size_t i, float* x, int /*slot*/) override {
        std::copy_n(train_.data() + i * D_, D_, x);
    }

    void forward_val(size_t j, float* x) override { std::copy_n(val_.data() + j * D_, D_, x); }

    bool trainable() const override { return false; }

    void backward(int /*slot*/, const float* /*x*/, const float* /*dx*/) override {}

    std::vector<ParamGroup> groups() override { return {}; }

    std::vector<float> snapshot() const override { return {}; }

    void restore(const std::vector<float>& /*s*/) override {}

    Result<std::shared_ptr<const Base>> base(bool /*final*/) override { return base_; }

private:
    std::shared_ptr<const Base> base_;
    size_t D_;
    std::vector<float> train_, val_;  // (N, D), (V, D)
};

}  // namespace

std::unique_ptr<BaseFeed> make_fixed_feed(std::shared_ptr<const Base> base, const FeedSpec& spec) {
    return std::make_unique<FixedFeed>(std::move(base), spec);
}

}  // namespace ruvllm
