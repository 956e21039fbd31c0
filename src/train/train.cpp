// train.cpp: the contrastive training loop (see train.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include <ruvllm/dataset/dataset.h>
#include <ruvllm/embed/pool.h>
#include <ruvllm/nn/loss.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/train/train.h>
#include <ruvllm/transformer/qwen2_lora.h>

namespace ruvllm {

namespace fs = std::filesystem;

// ---- training ----

namespace {

struct Snapshot {
    std::vector<float> w, b, protos, rows;
};

Snapshot take(const RouterModel& m, bool rows) {
    return {m.w, m.b, m.protos, rows ? m.base.rows() : std::vector<float>{}};
}

void restore(RouterModel& m, const Snapshot& s) {
    m.w = s.w;
    m.b = s.b;
    m.protos = s.protos;
    if (!s.rows.empty()) {
        m.base.mutable_rows() = s.rows;
    }
}

// z = normalise(W x + b) of a base embedding x (D): RouterModel::embed after its base.
void z_from_x(const RouterModel& m, const float* x, float* z) {
    thread_local std::vector<float> h;
    h.resize(static_cast<size_t>(m.E));
    linear_forward(h.data(), x, m.w.data(), m.b.data(), 1, m.D(), m.E);
    float r = 0;
    l2norm_forward(z, &r, h.data(), 1, m.E);
}

// Prototypes start at the class centroids of the initial embeddings; `embed_z(i, z)` gives
// example i's z.
void init_prototypes(RouterModel& m,
                     const LabeledSet& data,
                     const std::function<void(size_t, float*)>& embed_z) {
    const int E = m.E;
    std::vector<float> sum(static_cast<size_t>(m.A()) * E, 0.0f), z(static_cast<size_t>(E));
    std::vector<int> count(static_cast<size_t>(m.A()), 0);
    for (size_t i = 0; i < data.rows.size(); i++) {
        const LabeledExample& ex = data.rows[i];
        embed_z(i, z.data());
        for (int e = 0; e < E; e++) {
            sum[static_cast<size_t>(ex.label) * E + e] += z[static_cast<size_t>(e)];
        }
        count[static_cast<size_t>(ex.label)]++;
    }
    for (int a = 0; a < m.A(); a++) {
        if (count[static_cast<size_t>(a)] > 0) {
            std::copy(sum.begin() + static_cast<long>(a) * E,
                      sum.begin() + static_cast<long>(a + 1) * E,
                      m.protos.begin() + static_cast<long>(a) * E);
        }
    }
}

// The LoRA path of a Qwen2 base: the trainable top layers (qwen2_lora.h) and, per unique text
// of the training and validation sets, the residual stream of the frozen layers below them,
// computed once.
struct LoraFeed {
    std::optional<Qwen2LoraStack> stack;
    std::vector<std::vector<float>> lower;  // per unique text: (T, E)
    std::vector<std::string> texts;         // the unique texts
    std::vector<uint32_t> train_uid, val_uid;
    std::vector<Qwen2LoraStack::Tape> tapes;  // anchors then positives of a batch
    std::vector<float> grads, m, v;

    int T(uint32_t u) const {
        return static_cast<int>(lower[u].size() / static_cast<size_t>(stack->dim()));
    }

    void forward(uint32_t u, float* x, Qwen2LoraStack::Tape* tape) const {
        stack->forward(lower[u].data(), T(u), x, tape);
    }
};

Result<LoraFeed> make_lora_feed(const RouterModel& model,
                                const LabeledSet& train_set,
                                const LabeledSet* val,
                                const TrainConfig& cfg,
                                Rng& rng) {
    // The stack starts from the base without any LoRA; a router that has one (resume)
    // continues from it.
    const Qwen2Base& qb = *model.qwen;
    Result<Qwen2Base> plain =
        qb.options().adapter ? qb.with_adapter(nullptr) : Result<Qwen2Base>(qb);
    if (!plain) {
        return plain.error();
    }
    LoraStackConfig lc;
    lc.rank = cfg.lora_rank;
    lc.alpha = cfg.lora_alpha;
    lc.ffn = cfg.lora_ffn;
    lc.n_threads = plain->options().n_threads;
    Result<Qwen2LoraStack> st = Qwen2LoraStack::create(plain->model(), cfg.lora_layers, lc, rng);
    if (!st) {
        return make_error(st.error().code, "train: " + st.error().message);
    }
    if (qb.options().adapter) {
        Status s = st->set_from_adapter(*qb.options().adapter);
        if (!s) {
            return make_error(s.error().code,
                              "train: the router's LoRA does not match --lora-layers/--lora-rank/"
                              "--lora-ffn: " +
                                  s.error().message);
        }
    }
    LoraFeed f;
    f.stack = std::move(*st);
    std::unordered_map<std::string, uint32_t> index;
    auto uid = [&](const std::string& t) {
        auto [it, added] = index.emplace(t, static_cast<uint32_t>(f.texts.size()));
        if (added) {
            f.texts.push_back(t);
        }
        return it->second;
    };
    for (const LabeledExample& ex : train_set.rows) {
        f.train_uid.push_back(uid(ex.text));
    }
    if (val != nullptr) {
        for (const LabeledExample& ex : val->rows) {
            f.val_uid.push_back(uid(ex.text));
        }
    }
    const Qwen2Model& qm = plain->model();
    f.lower.resize(f.texts.size());
    for (size_t u = 0; u < f.texts.size(); u++) {
        Result<std::vector<float>> x =
            qm.forward_layers(qm.tokenize(f.texts[u]), f.stack->first_layer());
        if (!x) {
            return x.error();
        }
        f.lower[u] = std::move(*x);
        if (cfg.on_embed) {
            cfg.on_embed(u + 1, f.texts.size());
        }
    }
    f.tapes.resize(static_cast<size_t>(2 * cfg.batch));
    f.grads.assign(f.stack->n_params(), 0.0f);
    f.m.assign(f.grads.size(), 0.0f);
    f.v.assign(f.grads.size(), 0.0f);
    return f;
}

// Accuracy of the router on `data` with base embeddings from the LoRA stack.
double lora_accuracy(const RouterModel& model,
                     const LoraFeed& f,
                     const LabeledSet& data,
                     const std::vector<uint32_t>& uid) {
    const int D = model.D(), E = model.E, A = model.A();
    std::vector<float> x(static_cast<size_t>(D)), z(static_cast<size_t>(E)),
        s(static_cast<size_t>(A));
    size_t correct = 0;
    for (size_t i = 0; i < data.rows.size(); i++) {
        f.forward(uid[i], x.data(), nullptr);
        z_from_x(model, x.data(), z.data());
        model.scores_from_z(z.data(), s.data());
        correct += argmax(s.data(), A) == data.rows[i].label ? 1 : 0;
    }
    return data.rows.empty() ? 0
                             : static_cast<double>(correct) / static_cast<double>(data.rows.size());
}

// The router's base becomes the Qwen2 base with the stack's LoRA; with `prime`, its cache gets
// the stack's embeddings of every text the trainer saw (what calibration, the heads and GRPO
// embed next), at the cost of one pass through the top layers.
Status adopt_lora(RouterModel& model, const LoraFeed& f, bool prime) {
    auto ad = std::make_shared<const LoraAdapter>(f.stack->to_adapter());
    Result<Qwen2Base> qb = model.qwen->with_adapter(ad);
    if (!qb) {
        return qb.error();
    }
    std::vector<float> x(static_cast<size_t>(f.stack->dim()));
    for (uint32_t u = 0; u < f.texts.size() && prime; u++) {
        f.forward(u, x.data(), nullptr);
        qb->prime(f.texts[u], x.data());
    }
    model.qwen = std::make_shared<const Qwen2Base>(std::move(*qb));
    return ok();
}

}  // namespace

Result<TrainResult> train(RouterModel& model,
                          const LabeledSet& train_set,
                          const LabeledSet* val,
                          const TrainConfig& cfg,
                          const StepCallback& on_step,
                          const EpochCallback& on_epoch) {
    if (train_set.rows.empty()) {
        return make_error(Errc::invalid_argument, "train: no training examples");
    }
    if (cfg.batch < 2 || cfg.epochs < 1 || !(cfg.tau > 0) || !(cfg.adam.lr > 0) || model.A() < 2) {
        return make_error(Errc::invalid_argument,
                          "train: expected batch >= 2, epochs >= 1, tau > 0, lr > 0 and at "
                          "least 2 labels");
    }
    const auto t0 = std::chrono::steady_clock::now();
    const int D = model.D(), E = model.E, A = model.A();
    Rng rng(cfg.seed);
    const size_t N = train_set.rows.size();

    // A Qwen2 base is frozen here: each unique text is embedded once, up front (its cache
    // serves init_prototypes and evaluate too). The subword base is tokenised once instead.
    const bool qwen = model.qwen != nullptr;
    const bool tune = cfg.tune_embeddings && !qwen;
    const bool lora = qwen && cfg.lora_layers > 0;
    std::optional<LoraFeed> feed;
    if (lora) {
        Result<LoraFeed> f = make_lora_feed(model, train_set, val, cfg, rng);
        if (!f) {
            return f.error();
        }
        feed = std::move(*f);
    }
    std::vector<float> fixed;
    if (qwen && !lora) {
        std::vector<std::string> texts(N);
        for (size_t i = 0; i < N; i++) {
            texts[i] = train_set.rows[i].text;
        }
        fixed.resize(N * static_cast<size_t>(D));
        model.qwen->embed_all(texts, fixed.data(), cfg.on_embed);
        if (val != nullptr) {
            std::vector<std::string> vt(val->rows.size());
            for (size_t i = 0; i < vt.size(); i++) {
                vt[i] = val->rows[i].text;
            }
            std::vector<float> scratch(vt.size() * static_cast<size_t>(D));
            model.qwen->embed_all(vt, scratch.data(), cfg.on_embed);
        }
    }
    // Index positives by template group and by label.
    std::vector<TextRows> text(qwen ? 0 : N);
    std::map<std::string, std::vector<uint32_t>> by_group;
    std::vector<std::vector<uint32_t>> by_label(static_cast<size_t>(A));
    for (size_t i = 0; i < N; i++) {
        const LabeledExample& ex = train_set.rows[i];
        if (!qwen) {
            text[i] = text_rows(model.base, ex.text);
        }
        if (!ex.group.empty()) {
            by_group[ex.group].push_back(static_cast<uint32_t>(i));
        }
        by_label[static_cast<size_t>(ex.label)].push_back(static_cast<uint32_t>(i));
    }
    std::vector<std::vector<int32_t>> partners(static_cast<size_t>(A));
    for (const auto& [a, b] : cfg.confusable) {
        partners[static_cast<size_t>(a)].push_back(b);
        partners[static_cast<size_t>(b)].push_back(a);
    }

    if (cfg.init_prototypes) {
        // With a LoRA, the stack's output (B = 0: the base's) from the cached lower layers,
        // not a second pass through the whole model.
        std::vector<float> xi(static_cast<size_t>(D));
        init_prototypes(model, train_set, [&](size_t i, float* z) {
            if (lora) {
                feed->forward(feed->train_uid[i], xi.data(), nullptr);
                z_from_x(model, xi.data(), z);
            } else {
                model.embed(train_set.rows[i].text, z);
            }
        });
    }

    // Parameters' gradients and Adam moments.
    std::vector<float>& rows = model.base.mutable_rows();
    std::vector<float> gw(model.w.size()), gb(model.b.size()), gp(model.protos.size());
    std::vector<float> mw(gw.size()), vw(gw.size()), mb(gb.size()), vb(gb.size());
    std::vector<float> mp(gp.size()), vp(gp.size());
    std::vector<float> grows, mrows, vrows;
    if (tune) {
        grows.assign(rows.size(), 0.0f);
        mrows.assign(rows.size(), 0.0f);
        vrows.assign(rows.size(), 0.0f);
    }
    std::vector<uint32_t> touched;
    // Activations of one batch.
    const int B = cfg.batch;
    std::vector<float> X(static_cast<size_t>(B) * D), Xp(X.size()), H(static_cast<size_t>(B) * E),
        Hp(H.size()), Z(H.size()), Zp(H.size()), r(static_cast<size_t>(B)), rp(r.size());
    std::vector<float> Ph(model.protos.size()), rP(static_cast<size_t>(A));
    std::vector<float> probs(static_cast<size_t>(B) * A), nce(static_cast<size_t>(B) * B);
    std::vector<float> dZ(H.size()), dZp(H.size()), dH(H.size()), dHp(H.size()), dPh(Ph.size());
    std::vector<float> tZ(H.size()), tZp(H.size()), tP(Ph.size());
    std::vector<float> dX(X.size()), dXp(X.size());
    std::vector<PoolActs> acts(static_cast<size_t>(B)), acts_p(static_cast<size_t>(B));
    std::vector<int32_t> y(static_cast<size_t>(B)), neg(static_cast<size_t>(B));
    std::vector<uint32_t> anchor(static_cast<size_t>(B)), positive(static_cast<size_t>(B));

    const int64_t steps_per_epoch = static_cast<int64_t>((N + B - 1) / B);
    const int64_t total_steps = steps_per_epoch * cfg.epochs;
    int64_t step = 0;
    TrainResult res;
    Snapshot best = take(model, tune);
    Snapshot last_good = best;
    std::vector<float> best_lora, last_good_lora;
    if (lora) {
        best_lora = last_good_lora = feed->stack->params();
    }
    double best_acc = -1;
    int since_best = 0;
    std::vector<uint32_t> order(N);
    for (size_t i = 0; i < N; i++) {
        order[i] = static_cast<uint32_t>(i);
    }

    auto add_scaled =
        [](std::vector<float>& dst, const std::vector<float>& src, float w, size_t n) {
            for (size_t i = 0; i < n; i++) {
                dst[i] += w * src[i];
            }
        };

    for (int epoch = 1; epoch <= cfg.epochs; epoch++) {
        const auto te = std::chrono::steady_clock::now();
        shuffle(order.begin(), static_cast<uint32_t>(N), rng);
        double loss_sum = 0;
        size_t correct = 0;
        for (size_t start = 0; start < N; start += static_cast<size_t>(B)) {
            const int b = static_cast<int>(std::min<size_t>(static_cast<size_t>(B), N - start));
            // ---- batch: anchors, positives, labels, negatives ----
            for (int i = 0; i < b; i++) {
                const uint32_t a = order[start + static_cast<size_t>(i)];
                const LabeledExample& ex = train_set.rows[a];
                anchor[static_cast<size_t>(i)] = a;
                y[static_cast<size_t>(i)] = ex.label;
                const std::vector<uint32_t>* pool = &by_label[static_cast<size_t>(ex.label)];
                if (!ex.group.empty()) {
                    const std::vector<uint32_t>& g = by_group[ex.group];
                    if (g.size() > 1) {
                        pool = &g;
                    }
                }
                uint32_t p = (*pool)[rng.below(static_cast<uint32_t>(pool->size()))];
                if (p == a && pool->size() > 1) {
                    p = (*pool)[(std::find(pool->begin(), pool->end(), a) - pool->begin() + 1) %
                                static_cast<long>(pool->size())];
                }
                positive[static_cast<size_t>(i)] = p;
                int32_t n = ex.neg;
                if (n < 0) {
                    const std::vector<int32_t>& part = partners[static_cast<size_t>(ex.label)];
                    if (!part.empty() && rng.bernoulli(cfg.hard_ratio)) {
                        n = part[rng.below(static_cast<uint32_t>(part.size()))];
                    } else {
                        n = static_cast<int32_t>(rng.below(static_cast<uint32_t>(A - 1)));
                        n += n >= ex.label ? 1 : 0;
                    }
                }
                neg[static_cast<size_t>(i)] = n;
            }
            // ---- forward ----
            for (int i = 0; i < b && lora; i++) {
                const auto ti = static_cast<size_t>(i);
                feed->forward(feed->train_uid[anchor[ti]], X.data() + ti * D, &feed->tapes[ti]);
                feed->forward(feed->train_uid[positive[ti]],
                              Xp.data() + ti * D,
                              &feed->tapes[static_cast<size_t>(B) + ti]);
            }
            for (int i = 0; i < b && qwen && !lora; i++) {
                const size_t a = anchor[static_cast<size_t>(i)],
                             p = positive[static_cast<size_t>(i)];
                std::copy_n(fixed.data() + a * D, D, X.data() + static_cast<size_t>(i) * D);
                std::copy_n(fixed.data() + p * D, D, Xp.data() + static_cast<size_t>(i) * D);
            }
            for (int i = 0; i < b && !qwen; i++) {
                pool_forward(X.data() + static_cast<size_t>(i) * D,
                             acts[static_cast<size_t>(i)],
                             text[anchor[static_cast<size_t>(i)]],
                             rows.data(),
                             D);
                pool_forward(Xp.data() + static_cast<size_t>(i) * D,
                             acts_p[static_cast<size_t>(i)],
                             text[positive[static_cast<size_t>(i)]],
                             rows.data(),
                             D);
            }
            linear_forward(H.data(), X.data(), model.w.data(), model.b.data(), b, D, E);
            linear_forward(Hp.data(), Xp.data(), model.w.data(), model.b.data(), b, D, E);
            l2norm_forward(Z.data(), r.data(), H.data(), b, E);
            l2norm_forward(Zp.data(), rp.data(), Hp.data(), b, E);
            l2norm_forward(Ph.data(), rP.data(), model.protos.data(), A, E);
            const float l_ce =
                proto_ce_forward(probs.data(), Z.data(), Ph.data(), y.data(), b, E, A, cfg.tau);
            const float l_tri =
                triplet_forward(Z.data(), Ph.data(), y.data(), neg.data(), b, E, cfg.margin);
            const float l_nce =
                info_nce_forward(nce.data(), Z.data(), Zp.data(), y.data(), b, E, cfg.tau);
            const double loss = cfg.w_ce * l_ce + cfg.w_triplet * l_tri + cfg.w_nce * l_nce;
            if (!std::isfinite(loss)) {
                restore(model, last_good);
                if (lora) {
                    feed->stack->params() = last_good_lora;
                    Status s = adopt_lora(model, *feed, false);
                    RUVLLM_ASSERT(s.ok());
                }
                return make_error(Errc::numeric,
                                  "train: loss became " + std::to_string(loss) + " at step " +
                                      std::to_string(step + 1) + " (epoch " +
                                      std::to_string(epoch) +
                                      "); the model was restored to "
                                      "epoch " +
                                      std::to_string(epoch - 1));
            }
            loss_sum += loss * b;
            for (int i = 0; i < b; i++) {
                correct += argmax(probs.data() + static_cast<size_t>(i) * A, A) ==
                                   y[static_cast<size_t>(i)]
                               ? 1
                               : 0;
            }
            // ---- backward ----
            const size_t nZ = static_cast<size_t>(b) * E;
            std::fill(dZ.begin(), dZ.end(), 0.0f);
            std::fill(dZp.begin(), dZp.end(), 0.0f);
            std::fill(dPh.begin(), dPh.end(), 0.0f);
            std::fill(tZ.begin(), tZ.end(), 0.0f);
            std::fill(tP.begin(), tP.end(), 0.0f);
            proto_ce_backward(tZ.data(),
                              tP.data(),
                              probs.data(),
                              Z.data(),
                              Ph.data(),
                              y.data(),
                              b,
                              E,
                              A,
                              cfg.tau);
            add_scaled(dZ, tZ, cfg.w_ce, nZ);
            add_scaled(dPh, tP, cfg.w_ce, tP.size());
            std::fill(tZ.begin(), tZ.end(), 0.0f);
            std::fill(tP.begin(), tP.end(), 0.0f);
            triplet_backward(
                tZ.data(), tP.data(), Z.data(), Ph.data(), y.data(), neg.data(), b, E, cfg.margin);
            add_scaled(dZ, tZ, cfg.w_triplet, nZ);
            add_scaled(dPh, tP, cfg.w_triplet, tP.size());
            std::fill(tZ.begin(), tZ.end(), 0.0f);
            std::fill(tZp.begin(), tZp.end(), 0.0f);
            info_nce_backward(
                tZ.data(), tZp.data(), nce.data(), Z.data(), Zp.data(), b, E, cfg.tau);
            add_scaled(dZ, tZ, cfg.w_nce, nZ);
            add_scaled(dZp, tZp, cfg.w_nce, nZ);
            l2norm_backward(gp.data(), dPh.data(), Ph.data(), rP.data(), A, E);
            std::fill(dH.begin(), dH.end(), 0.0f);
            std::fill(dHp.begin(), dHp.end(), 0.0f);
            l2norm_backward(dH.data(), dZ.data(), Z.data(), r.data(), b, E);
            l2norm_backward(dHp.data(), dZp.data(), Zp.data(), rp.data(), b, E);
            std::fill(dX.begin(), dX.end(), 0.0f);
            std::fill(dXp.begin(), dXp.end(), 0.0f);
            float* dxa = tune || lora ? dX.data() : nullptr;
            float* dxp = tune || lora ? dXp.data() : nullptr;
            linear_backward(
                dxa, gw.data(), gb.data(), dH.data(), X.data(), model.w.data(), b, D, E);
            linear_backward(
                dxp, gw.data(), gb.data(), dHp.data(), Xp.data(), model.w.data(), b, D, E);
            touched.clear();
            if (tune) {
                for (int i = 0; i < b; i++) {
                    const size_t o = static_cast<size_t>(i) * D;
                    pool_backward(grows.data(),
                                  touched,
                                  dX.data() + o,
                                  X.data() + o,
                                  acts[static_cast<size_t>(i)],
                                  text[anchor[static_cast<size_t>(i)]],
                                  D);
                    pool_backward(grows.data(),
                                  touched,
                                  dXp.data() + o,
                                  Xp.data() + o,
                                  acts_p[static_cast<size_t>(i)],
                                  text[positive[static_cast<size_t>(i)]],
                                  D);
                }
                std::sort(touched.begin(), touched.end());
                touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
            }
            for (int i = 0; i < b && lora; i++) {
                const auto ti = static_cast<size_t>(i);
                feed->stack->backward(feed->tapes[ti], dX.data() + ti * D, feed->grads);
                feed->stack->backward(
                    feed->tapes[static_cast<size_t>(B) + ti], dXp.data() + ti * D, feed->grads);
            }
            // ---- clip and update ----
            double norm2 =
                (lora ? sum_squares(feed->grads.data(), static_cast<int64_t>(feed->grads.size()))
                      : 0.0) +
                sum_squares(gw.data(), static_cast<int64_t>(gw.size())) +
                sum_squares(gb.data(), static_cast<int64_t>(gb.size())) +
                sum_squares(gp.data(), static_cast<int64_t>(gp.size()));
            for (const uint32_t row : touched) {
                norm2 += sum_squares(grows.data() + static_cast<size_t>(row) * D, D);
            }
            const float f = clip_factor(std::sqrt(norm2), cfg.max_grad_norm);
            if (f != 1.0f) {
                for (std::vector<float>* g : {&gw, &gb, &gp}) {
                    for (float& v : *g) {
                        v *= f;
                    }
                }
                for (const uint32_t row : touched) {
                    for (int d = 0; d < D; d++) {
                        grows[static_cast<size_t>(row) * D + d] *= f;
                    }
                }
                if (lora) {
                    for (float& v : feed->grads) {
                        v *= f;
                    }
                }
            }
            const float lr = lr_at(cfg.adam.lr, step, cfg.warmup, total_steps);
            step++;
            adamw_update(model.w.data(),
                         gw.data(),
                         mw.data(),
                         vw.data(),
                         static_cast<int64_t>(gw.size()),
                         cfg.adam,
                         lr,
                         step);
            adamw_update(model.b.data(),
                         gb.data(),
                         mb.data(),
                         vb.data(),
                         static_cast<int64_t>(gb.size()),
                         cfg.adam,
                         lr,
                         step);
            adamw_update(model.protos.data(),
                         gp.data(),
                         mp.data(),
                         vp.data(),
                         static_cast<int64_t>(gp.size()),
                         cfg.adam,
                         lr,
                         step);
            if (tune) {
                adamw_update_rows(rows.data(),
                                  grows.data(),
                                  mrows.data(),
                                  vrows.data(),
                                  touched,
                                  D,
                                  cfg.adam,
                                  lr * cfg.embedding_lr_scale,
                                  step);
                for (const uint32_t row : touched) {
                    std::fill(grows.begin() + static_cast<long>(row) * D,
                              grows.begin() + static_cast<long>(row + 1) * D,
                              0.0f);
                }
            }
            if (lora) {
                std::vector<float>& lp = feed->stack->params();
                adamw_update(lp.data(),
                             feed->grads.data(),
                             feed->m.data(),
                             feed->v.data(),
                             static_cast<int64_t>(lp.size()),
                             cfg.adam,
                             lr_at(cfg.lora_lr, step - 1, cfg.warmup, total_steps),
                             step);
                std::fill(feed->grads.begin(), feed->grads.end(), 0.0f);
            }
            std::fill(gw.begin(), gw.end(), 0.0f);
            std::fill(gb.begin(), gb.end(), 0.0f);
            std::fill(gp.begin(), gp.end(), 0.0f);
            if (on_step) {
                on_step(step, total_steps, loss);
            }
        }
        EpochStats st;
        st.epoch = epoch;
        st.loss = loss_sum / static_cast<double>(N);
        st.train_accuracy = static_cast<double>(correct) / static_cast<double>(N);
        st.val_accuracy = val == nullptr ? st.train_accuracy
                          : lora         ? lora_accuracy(model, *feed, *val, feed->val_uid)
                                         : evaluate(model, *val).accuracy;
        st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - te).count();
        res.history.push_back(st);
        res.epochs_completed = epoch;
        last_good = take(model, tune);
        if (lora) {
            last_good_lora = feed->stack->params();
        }
        if (st.val_accuracy > best_acc) {
            best_acc = st.val_accuracy;
            res.best_epoch = epoch;
            best = last_good;
            best_lora = last_good_lora;
            since_best = 0;
        } else {
            since_best++;
        }
        if (lora && on_epoch) {
            // The callback sees (and may save) the router with this epoch's LoRA.
            Status s = adopt_lora(model, *feed, false);
            if (!s) {
                return s.error();
            }
        }
        const bool go_on = on_epoch ? on_epoch(st, model) : true;
        if (!go_on || (cfg.patience > 0 && since_best >= cfg.patience)) {
            break;
        }
    }
    restore(model, best);
    if (lora) {
        feed->stack->params() = best_lora;
        Status s = adopt_lora(model, *feed, true);
        if (!s) {
            return s.error();
        }
    }
    res.final_loss = res.history.back().loss;
    res.final_accuracy = res.history.back().val_accuracy;
    res.best_accuracy = best_acc;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace ruvllm
