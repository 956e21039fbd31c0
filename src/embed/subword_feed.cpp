// subword_feed.cpp: the subword base's training feed (subword.h, feed.h): mean or attention
// pooling over the rows (pool.h) with, when tuned, the rows as one sparse parameter group, and
// the attention query (when the base has one) as a dense group; a batch's pooling split over
// FeedSpec::team.
#include <algorithm>

#include <ruvllm/core/rng.h>
#include <ruvllm/core/team.h>
#include <ruvllm/embed/pool.h>
#include <ruvllm/embed/subword.h>

namespace ruvllm {

namespace {

class SubwordFeed final : public BaseFeed {
public:
    // `own` is the feed's own copy of the base: training changes its rows in place.
    SubwordFeed(std::shared_ptr<SubwordBase> own, const FeedSpec& spec, uint64_t seed)
        : own_(std::move(own)),
          rows_(own_->mutable_rows()),
          D_(own_->dim()),
          team_(spec.team),
          tune_(spec.tune),
          lr_(spec.lr),
          lr_scale_(spec.embedding_lr_scale),
          train_(spec.train_texts),
          val_(spec.val_texts),
          word_dropout_(spec.word_dropout),
          drop_rng_(seed),
          acts_(static_cast<size_t>(2 * spec.batch)),
          slot_rows_(acts_.size()),
          slot_text_(acts_.size(), nullptr) {
        text_.reserve(train_.size());
        for (const std::string& t : train_) {
            text_.push_back(text_rows(*own_, t));
        }
        if (tune_) {
            grows_.assign(rows_.size(), 0.0f);
            mrows_.assign(rows_.size(), 0.0f);
            vrows_.assign(rows_.size(), 0.0f);
        }
        if (spec.attention_pooling && own_->pool_query().empty()) {
            own_->mutable_pool_query().assign(static_cast<size_t>(D_), 0.0f);  // the mean
        }
        if (!own_->pool_query().empty()) {
            gq_.assign(static_cast<size_t>(D_), 0.0f);
            mq_.assign(static_cast<size_t>(D_), 0.0f);
            vq_.assign(static_cast<size_t>(D_), 0.0f);
        }
    }

    void forward(size_t i, float* x, int slot) override {
        if (slot < 0) {
            own_->embed(train_[i], x);  // pool_forward's value, bit for bit (pretrain_test)
            return;
        }
        prepare(i, slot);
        pool_slot(slot, x);
    }

    // The word-dropout draws in forward()'s order on this thread, then the pooling of the
    // slots split over the team (each slot is written by one member).
    void forward_batch(const uint32_t* anchor,
                       const uint32_t* positive,
                       int b,
                       int B,
                       int D,
                       float* X,
                       float* Xp) override {
        if (team_ == nullptr || team_->size() == 1) {
            BaseFeed::forward_batch(anchor, positive, b, B, D, X, Xp);
            return;
        }
        for (int i = 0; i < b; i++) {
            prepare(anchor[i], i);
            prepare(positive[i], B + i);
        }
        run_ranges(team_, 2 * b, 1, [&](int j0, int j1) {
            for (int j = j0; j < j1; j++) {
                const int i = j / 2;
                const size_t o = static_cast<size_t>(i) * static_cast<size_t>(D);
                if (j % 2 == 0) {
                    pool_slot(i, X + o);
                } else {
                    pool_slot(B + i, Xp + o);
                }
            }
        });
    }

    void forward_val(size_t j, float* x) override { own_->embed(val_[j], x); }

    bool trainable() const override { return tune_ || query() != nullptr; }

    void backward(int slot, const float* x, const float* dx) override {
        backward_slot(slot, x, dx, touched_, gq_.empty() ? nullptr : gq_.data(), 0, 1);
    }

    // Member m of a team of P accumulates the rows with id % P == m, walking the slots in
    // backward()'s order, so every row sums its terms in the order one thread would; member 0
    // also takes the query's gradient.
    void backward_batch(int b,
                        int B,
                        int D,
                        const float* X,
                        const float* dX,
                        const float* Xp,
                        const float* dXp) override {
        if (team_ == nullptr || team_->size() == 1) {
            BaseFeed::backward_batch(b, B, D, X, dX, Xp, dXp);
            return;
        }
        const auto P = static_cast<uint32_t>(team_->size());
        part_touched_.resize(P);
        team_->run([&](int member) {
            const auto m = static_cast<uint32_t>(member);
            std::vector<uint32_t>& touched = part_touched_[m];
            float* dq = m == 0 && !gq_.empty() ? gq_.data() : nullptr;
            for (int i = 0; i < b; i++) {
                const size_t o = static_cast<size_t>(i) * static_cast<size_t>(D);
                backward_slot(i, X + o, dX + o, touched, dq, m, P);
                backward_slot(B + i, Xp + o, dXp + o, touched, dq, m, P);
            }
        });
        for (std::vector<uint32_t>& t : part_touched_) {
            touched_.insert(touched_.end(), t.begin(), t.end());
            t.clear();
        }
    }

    std::vector<ParamGroup> groups() override {
        // The rows this step's backward touched, each once, in order; the next step starts anew.
        step_rows_.assign(touched_.begin(), touched_.end());
        touched_.clear();
        std::sort(step_rows_.begin(), step_rows_.end());
        step_rows_.erase(std::unique(step_rows_.begin(), step_rows_.end()), step_rows_.end());
        std::vector<ParamGroup> out;
        if (query() != nullptr) {
            ParamGroup q;
            q.params = own_->mutable_pool_query().data();
            q.grads = gq_.data();
            q.m = mq_.data();
            q.v = vq_.data();
            q.n = D_;
            q.lr_peak = lr_;
            out.push_back(q);
        }
        if (tune_) {
            ParamGroup g;
            g.params = rows_.data();
            g.grads = grows_.data();
            g.m = mrows_.data();
            g.v = vrows_.data();
            g.rows = &step_rows_;
            g.row_dim = D_;
            g.lr_peak = lr_;
            g.lr_scale = lr_scale_;
            out.push_back(g);
        }
        return out;
    }

    // The rows (when tuned), then the query (when there is one).
    std::vector<float> snapshot() const override {
        std::vector<float> s = tune_ ? rows_ : std::vector<float>{};
        const std::vector<float>& q = own_->pool_query();
        s.insert(s.end(), q.begin(), q.end());
        return s;
    }

    void restore(const std::vector<float>& s) override {
        if (s.empty()) {
            return;
        }
        const size_t nq = own_->pool_query().size();
        if (tune_) {
            rows_.assign(s.begin(), s.end() - static_cast<std::ptrdiff_t>(nq));
        }
        std::copy(
            s.end() - static_cast<std::ptrdiff_t>(nq), s.end(), own_->mutable_pool_query().begin());
    }

    Result<std::shared_ptr<const Base>> base(bool /*final*/) override {
        return std::shared_ptr<const Base>(own_);
    }

private:
    // Slot's text for this step: example i's rows, after word dropout.
    void prepare(size_t i, int slot) {
        const auto s = static_cast<size_t>(slot);
        const TextRows* t = &text_[i];
        if (word_dropout_ > 0.0f && t->words() > 1) {
            drop_words(*t, slot_rows_[s]);
            t = &slot_rows_[s];
        }
        slot_text_[s] = t;
    }

    void pool_slot(int slot, float* x) {
        const auto s = static_cast<size_t>(slot);
        pool_forward(x, acts_[s], *slot_text_[s], rows_.data(), D_, query());
    }

    void backward_slot(int slot,
                       const float* x,
                       const float* dx,
                       std::vector<uint32_t>& touched,
                       float* dq,
                       uint32_t part,
                       uint32_t parts) {
        const auto s = static_cast<size_t>(slot);
        pool_backward(tune_ ? grows_.data() : nullptr,
                      touched,
                      dx,
                      x,
                      acts_[s],
                      *slot_text_[s],
                      D_,
                      query(),
                      dq,
                      part,
                      parts);
    }

    const float* query() const {
        return own_->pool_query().empty() ? nullptr : own_->pool_query().data();
    }

    // `out` = the words of `t` each kept with probability 1 - word_dropout_ (one drawn at random
    // when none is kept).
    void drop_words(const TextRows& t, TextRows& out) {
        const int K = t.words();
        keep_.assign(static_cast<size_t>(K), 0);
        int kept = 0;
        for (int k = 0; k < K; k++) {
            if (!drop_rng_.bernoulli(word_dropout_)) {
                keep_[static_cast<size_t>(k)] = 1;
                kept++;
            }
        }
        if (kept == 0) {
            keep_[drop_rng_.below(static_cast<uint32_t>(K))] = 1;
        }
        out.ids.clear();
        out.start.assign(1, 0);
        for (int k = 0; k < K; k++) {
            if (keep_[static_cast<size_t>(k)] != 0) {
                out.ids.insert(
                    out.ids.end(), t.ids.begin() + t.start[k], t.ids.begin() + t.start[k + 1]);
                out.start.push_back(static_cast<uint32_t>(out.ids.size()));
            }
        }
    }

    std::shared_ptr<SubwordBase> own_;
    std::vector<float>& rows_;  // own_'s rows: (n_rows, D)
    int D_;
    Team* team_;
    bool tune_;
    float lr_, lr_scale_;
    std::vector<std::string> train_, val_;
    std::vector<TextRows> text_;  // per training example
    float word_dropout_;
    Rng drop_rng_;
    std::vector<uint8_t> keep_;
    std::vector<PoolActs> acts_;              // per slot
    std::vector<TextRows> slot_rows_;         // per slot: its last text after word dropout
    std::vector<const TextRows*> slot_text_;  // per slot: what its last forward read
    std::vector<float> grows_, mrows_, vrows_;
    std::vector<float> gq_, mq_, vq_;  // the attention query's gradient and moments
    std::vector<uint32_t> touched_, step_rows_;
    std::vector<std::vector<uint32_t>> part_touched_;  // per team member (backward_batch)
};

}  // namespace

Result<std::unique_ptr<BaseFeed>> SubwordBase::make_feed(
    const std::shared_ptr<const Base>& /*self*/, const FeedSpec& spec, Rng& rng) const {
    if (spec.lora.layers > 0) {
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(spec.lora.layers) +
                              " needs a Qwen2 --base, expected a qwen2 GGUF (the subword base "
                              "has no layers)");
    }
    return std::unique_ptr<BaseFeed>(std::make_unique<SubwordFeed>(
        std::make_shared<SubwordBase>(*this), spec, spec.word_dropout > 0.0f ? rng.next_u64() : 0));
}

}  // namespace ruvllm
