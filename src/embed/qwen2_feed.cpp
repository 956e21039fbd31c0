// qwen2_feed.cpp: the LoRA feed of a Qwen2 base (qwen2_base.h, feed.h): the trainable top
// layers (transformer/qwen2_lora.h) over the residual stream of the frozen layers below them,
// computed once per unique text of the training and validation sets.
#include <optional>
#include <unordered_map>

#include <ruvllm/embed/qwen2_base.h>
#include <ruvllm/transformer/qwen2_lora.h>

namespace ruvllm {

namespace {

class LoraFeed final : public BaseFeed {
public:
    LoraFeed(Qwen2Base base, Qwen2LoraStack stack, const FeedSpec& spec)
        : base_(std::move(base)), stack_(std::move(stack)), lr_(spec.lora.lr) {
        tapes_.resize(static_cast<size_t>(2 * spec.batch));
        grads_.assign(stack_.n_params(), 0.0f);
        m_.assign(grads_.size(), 0.0f);
        v_.assign(grads_.size(), 0.0f);
    }

    // Indexes the unique texts and runs the frozen layers once over each.
    Status embed_lower(const Qwen2Model& plain, const FeedSpec& spec) {
        std::unordered_map<std::string, uint32_t> index;
        auto uid = [&](const std::string& t) {
            auto [it, added] = index.emplace(t, static_cast<uint32_t>(texts_.size()));
            if (added) {
                texts_.push_back(t);
            }
            return it->second;
        };
        for (const std::string& t : spec.train_texts) {
            train_uid_.push_back(uid(t));
        }
        for (const std::string& t : spec.val_texts) {
            val_uid_.push_back(uid(t));
        }
        lower_.resize(texts_.size());
        for (size_t u = 0; u < texts_.size(); u++) {
            Result<std::vector<float>> x =
                plain.forward_layers(plain.tokenize(texts_[u]), stack_.first_layer());
            if (!x) {
                return x.error();
            }
            lower_[u] = std::move(*x);
            if (spec.on_embed) {
                spec.on_embed(u + 1, texts_.size());
            }
        }
        return ok();
    }

    void forward(size_t i, float* x, int slot) override {
        run(train_uid_[i], x, slot < 0 ? nullptr : &tapes_[static_cast<size_t>(slot)]);
    }

    void forward_val(size_t j, float* x) override { run(val_uid_[j], x, nullptr); }

    bool trainable() const override { return true; }

    void backward(int slot, const float* /*x*/, const float* dx) override {
        stack_.backward(tapes_[static_cast<size_t>(slot)], dx, grads_);
    }

    std::vector<ParamGroup> groups() override {
        ParamGroup g;
        g.params = stack_.params().data();
        g.grads = grads_.data();
        g.m = m_.data();
        g.v = v_.data();
        g.n = static_cast<int64_t>(grads_.size());
        g.lr_peak = lr_;
        return {g};
    }

    std::vector<float> snapshot() const override { return stack_.params(); }

    void restore(const std::vector<float>& s) override { stack_.params() = s; }

    // The base with the stack's LoRA; with `final`, its cache gets the stack's embeddings of
    // every text the trainer saw (what calibration, the heads and GRPO embed next), at the cost
    // of one pass through the top layers.
    Result<std::shared_ptr<const Base>> base(bool final) override {
        auto ad = std::make_shared<const LoraAdapter>(stack_.to_adapter());
        Result<Qwen2Base> qb = base_.with_adapter(ad);
        if (!qb) {
            return qb.error();
        }
        std::vector<float> x(static_cast<size_t>(stack_.dim()));
        for (uint32_t u = 0; u < texts_.size() && final; u++) {
            run(u, x.data(), nullptr);
            qb->prime(texts_[u], x.data());
        }
        return std::shared_ptr<const Base>(std::make_shared<const Qwen2Base>(std::move(*qb)));
    }

private:
    void run(uint32_t u, float* x, Qwen2LoraStack::Tape* tape) const {
        const int T = static_cast<int>(lower_[u].size() / static_cast<size_t>(stack_.dim()));
        stack_.forward(lower_[u].data(), T, x, tape);
    }

    Qwen2Base base_;  // the router's base (with its LoRA, if it had one)
    Qwen2LoraStack stack_;
    float lr_;
    std::vector<std::vector<float>> lower_;  // per unique text: (T, E)
    std::vector<std::string> texts_;         // the unique texts
    std::vector<uint32_t> train_uid_, val_uid_;
    std::vector<Qwen2LoraStack::Tape> tapes_;  // per slot
    std::vector<float> grads_, m_, v_;
};

}  // namespace

Result<std::unique_ptr<BaseFeed>> Qwen2Base::make_feed(const std::shared_ptr<const Base>& self,
                                                       const FeedSpec& spec,
                                                       Rng& rng) const {
    const int layers = model_->config().n_layer;
    if (spec.lora.layers > layers) {
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(spec.lora.layers) +
                              ", expected 0 to the base's " + std::to_string(layers) + " layers");
    }
    if (spec.lora.layers <= 0) {
        return make_fixed_feed(self, spec);
    }
    // The stack starts from the base without any LoRA; a router that has one (resume)
    // continues from it.
    Result<Qwen2Base> plain = opts_.adapter ? with_adapter(nullptr) : Result<Qwen2Base>(*this);
    if (!plain) {
        return plain.error();
    }
    LoraStackConfig lc;
    lc.rank = spec.lora.rank;
    lc.alpha = spec.lora.alpha;
    lc.ffn = spec.lora.ffn;
    lc.n_threads = plain->options().n_threads;
    Result<Qwen2LoraStack> st = Qwen2LoraStack::create(plain->model(), spec.lora.layers, lc, rng);
    if (!st) {
        return with_context(st.error(), "train");
    }
    if (opts_.adapter) {
        Status s = st->set_from_adapter(*opts_.adapter);
        if (!s) {
            return make_error(s.error().code,
                              "train: the router's LoRA does not match --lora-layers/--lora-rank/"
                              "--lora-ffn: " +
                                  s.error().message);
        }
    }
    auto feed = std::make_unique<LoraFeed>(*this, std::move(*st), spec);
    Status s = feed->embed_lower(plain->model(), spec);
    if (!s) {
        return s.error();
    }
    return std::unique_ptr<BaseFeed>(std::move(feed));
}

}  // namespace ruvllm
