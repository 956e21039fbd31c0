// subword_feed.cpp: the subword base's training feed (subword.h, feed.h): mean pooling over the
// rows (pool.h) with, when tuned, the rows as one sparse parameter group.
#include <algorithm>

#include <ruvllm/embed/pool.h>
#include <ruvllm/embed/subword.h>

namespace ruvllm {

namespace {

class SubwordFeed final : public BaseFeed {
public:
    // `own` is the feed's own copy of the base: training changes its rows in place.
    SubwordFeed(std::shared_ptr<SubwordBase> own, const FeedSpec& spec)
        : own_(std::move(own)),
          rows_(own_->mutable_rows()),
          D_(own_->dim()),
          tune_(spec.tune),
          lr_(spec.lr),
          lr_scale_(spec.embedding_lr_scale),
          train_(spec.train_texts),
          val_(spec.val_texts),
          acts_(static_cast<size_t>(2 * spec.batch)),
          slot_example_(acts_.size(), 0) {
        text_.reserve(train_.size());
        for (const std::string& t : train_) {
            text_.push_back(text_rows(*own_, t));
        }
        if (tune_) {
            grows_.assign(rows_.size(), 0.0f);
            mrows_.assign(rows_.size(), 0.0f);
            vrows_.assign(rows_.size(), 0.0f);
        }
    }

    void forward(size_t i, float* x, int slot) override {
        if (slot < 0) {
            own_->embed(train_[i], x);  // pool_forward's value, bit for bit (pretrain_test)
            return;
        }
        const auto s = static_cast<size_t>(slot);
        slot_example_[s] = i;
        pool_forward(x, acts_[s], text_[i], rows_.data(), D_);
    }

    void forward_val(size_t j, float* x) override { own_->embed(val_[j], x); }

    bool trainable() const override { return tune_; }

    void backward(int slot, const float* x, const float* dx) override {
        const auto s = static_cast<size_t>(slot);
        pool_backward(grows_.data(), touched_, dx, x, acts_[s], text_[slot_example_[s]], D_);
    }

    std::vector<ParamGroup> groups() override {
        // The rows this step's backward touched, each once, in order; the next step starts anew.
        step_rows_.assign(touched_.begin(), touched_.end());
        touched_.clear();
        std::sort(step_rows_.begin(), step_rows_.end());
        step_rows_.erase(std::unique(step_rows_.begin(), step_rows_.end()), step_rows_.end());
        if (!tune_) {
            return {};
        }
        ParamGroup g;
        g.params = rows_.data();
        g.grads = grows_.data();
        g.m = mrows_.data();
        g.v = vrows_.data();
        g.rows = &step_rows_;
        g.row_dim = D_;
        g.lr_peak = lr_;
        g.lr_scale = lr_scale_;
        return {g};
    }

    std::vector<float> snapshot() const override { return tune_ ? rows_ : std::vector<float>{}; }

    void restore(const std::vector<float>& s) override {
        if (!s.empty()) {
            rows_ = s;
        }
    }

    Result<std::shared_ptr<const Base>> base(bool /*final*/) override {
        return std::shared_ptr<const Base>(own_);
    }

private:
    std::shared_ptr<SubwordBase> own_;
    std::vector<float>& rows_;  // own_'s rows: (n_rows, D)
    int D_;
    bool tune_;
    float lr_, lr_scale_;
    std::vector<std::string> train_, val_;
    std::vector<TextRows> text_;  // per training example
    std::vector<PoolActs> acts_;  // per slot
    std::vector<size_t> slot_example_;
    std::vector<float> grows_, mrows_, vrows_;
    std::vector<uint32_t> touched_, step_rows_;
};

}  // namespace

Result<std::unique_ptr<BaseFeed>> SubwordBase::make_feed(
    const std::shared_ptr<const Base>& /*self*/, const FeedSpec& spec, Rng& /*rng*/) const {
    if (spec.lora.layers > 0) {
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(spec.lora.layers) +
                              " needs a Qwen2 --base, expected a qwen2 GGUF (the subword base "
                              "has no layers)");
    }
    return std::unique_ptr<BaseFeed>(
        std::make_unique<SubwordFeed>(std::make_shared<SubwordBase>(*this), spec));
}

}  // namespace ruvllm
