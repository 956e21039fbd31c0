// train.cpp: the contrastive training loop (see train.h). The base is behind its feed
// (embed/feed.h); this file knows only the head: projection, prototypes and the three losses.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <ruvllm/core/team.h>
#include <ruvllm/nn/loss.h>
#include <ruvllm/train/train.h>

namespace ruvllm {

namespace {

// The trainable state at one point: the head, and the base's (feed.h) parameters.
struct Snapshot {
    std::vector<float> w, b, protos, base;
};

Snapshot take(const RouterModel& m, const BaseFeed& feed) {
    return {m.w, m.b, m.protos, feed.snapshot()};
}

// sum += s, value by value (sum empty: sum = s).
void accumulate(Snapshot& sum, const Snapshot& s) {
    auto add = [](std::vector<float>& a, const std::vector<float>& b) {
        if (a.empty()) {
            a = b;
            return;
        }
        for (size_t i = 0; i < a.size(); i++) {
            a[i] += b[i];
        }
    };
    add(sum.w, s.w);
    add(sum.b, s.b);
    add(sum.protos, s.protos);
    add(sum.base, s.base);
}

Snapshot scaled(Snapshot s, float f) {
    for (auto* v : {&s.w, &s.b, &s.protos, &s.base}) {
        for (float& x : *v) {
            x *= f;
        }
    }
    return s;
}

void restore(RouterModel& m, BaseFeed& feed, const Snapshot& s) {
    m.w = s.w;
    m.b = s.b;
    m.protos = s.protos;
    feed.restore(s.base);
}

// The router's base becomes what the feed has trained so far.
Status adopt(RouterModel& m, BaseFeed& feed, bool final) {
    Result<std::shared_ptr<const Base>> b = feed.base(final);
    if (!b) {
        return b.error();
    }
    m.base = std::move(*b);
    return ok();
}

// z = normalise(W x + b) of a base embedding x (D): RouterModel::embed after its base.
void z_from_x(const RouterModel& m, const float* x, float* z) {
    thread_local std::vector<float> h;
    h.resize(static_cast<size_t>(m.E));
    linear_forward(h.data(), x, m.w.data(), m.b.data(), 1, m.D(), m.E);
    float r = 0;
    l2norm_forward(z, &r, h.data(), 1, m.E);
}

// Prototypes start at the class centroids of the initial embeddings.
void init_prototypes(RouterModel& m, const LabeledSet& data, BaseFeed& feed) {
    const int E = m.E;
    std::vector<float> sum(static_cast<size_t>(m.A()) * E, 0.0f), z(static_cast<size_t>(E));
    std::vector<float> x(static_cast<size_t>(m.D()));
    std::vector<int> count(static_cast<size_t>(m.A()), 0);
    for (size_t i = 0; i < data.rows.size(); i++) {
        const LabeledExample& ex = data.rows[i];
        feed.forward(i, x.data(), -1);
        z_from_x(m, x.data(), z.data());
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

// Nearest-prototype accuracy on the validation examples, base embeddings from the feed.
double val_accuracy(const RouterModel& m, BaseFeed& feed, const LabeledSet& val) {
    const int A = m.A();
    std::vector<float> x(static_cast<size_t>(m.D())), z(static_cast<size_t>(m.E)),
        s(static_cast<size_t>(A));
    size_t correct = 0, n = 0;
    for (size_t j = 0; j < val.rows.size(); j++) {
        const int32_t y = val.rows[j].label;
        if (y < 0 || y >= A) {
            continue;
        }
        feed.forward_val(j, x.data());
        z_from_x(m, x.data(), z.data());
        m.scores_from_z(z.data(), s.data());
        correct += argmax(s.data(), A) == y ? 1 : 0;
        n++;
    }
    return n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0;
}

// One batch: anchor and positive example indices, anchor labels, negative labels.
struct Batch {
    int b = 0;
    std::vector<uint32_t> anchor, positive;
    std::vector<int32_t> y, neg;
};

// Draws the positives and negatives of a batch: a positive of the anchor's template group
// (else label), a negative from the triplet, else a confusable label (hard_ratio) or any other.
class Sampler {
public:
    Sampler(const LabeledSet& data, int A, const std::vector<std::pair<int32_t, int32_t>>& pairs)
        : data_(data), A_(A), by_label_(static_cast<size_t>(A)), partners_(static_cast<size_t>(A)) {
        for (size_t i = 0; i < data.rows.size(); i++) {
            const LabeledExample& ex = data.rows[i];
            if (!ex.group.empty()) {
                by_group_[ex.group].push_back(static_cast<uint32_t>(i));
            }
            by_label_[static_cast<size_t>(ex.label)].push_back(static_cast<uint32_t>(i));
        }
        for (const auto& [a, b] : pairs) {
            partners_[static_cast<size_t>(a)].push_back(b);
            partners_[static_cast<size_t>(b)].push_back(a);
        }
    }

    void fill(const uint32_t* anchors, int b, float hard_ratio, Rng& rng, Batch& out) {
        out.b = b;
        for (int i = 0; i < b; i++) {
            const auto ti = static_cast<size_t>(i);
            const uint32_t a = anchors[i];
            const LabeledExample& ex = data_.rows[a];
            out.anchor[ti] = a;
            out.y[ti] = ex.label;
            out.positive[ti] = positive(a, ex, rng);
            out.neg[ti] = ex.neg >= 0 ? ex.neg : negative(ex.label, hard_ratio, rng);
        }
    }

private:
    uint32_t positive(uint32_t a, const LabeledExample& ex, Rng& rng) {
        const std::vector<uint32_t>* pool = &by_label_[static_cast<size_t>(ex.label)];
        if (!ex.group.empty()) {
            const std::vector<uint32_t>& g = by_group_[ex.group];
            if (g.size() > 1) {
                pool = &g;
            }
        }
        uint32_t p = (*pool)[rng.below(static_cast<uint32_t>(pool->size()))];
        if (p == a && pool->size() > 1) {
            p = (*pool)[(std::find(pool->begin(), pool->end(), a) - pool->begin() + 1) %
                        static_cast<long>(pool->size())];
        }
        return p;
    }

    int32_t negative(int32_t label, float hard_ratio, Rng& rng) {
        const std::vector<int32_t>& part = partners_[static_cast<size_t>(label)];
        if (!part.empty() && rng.bernoulli(hard_ratio)) {
            return part[rng.below(static_cast<uint32_t>(part.size()))];
        }
        auto n = static_cast<int32_t>(rng.below(static_cast<uint32_t>(A_ - 1)));
        return n + (n >= label ? 1 : 0);
    }

    const LabeledSet& data_;
    int A_;
    std::map<std::string, std::vector<uint32_t>> by_group_;
    std::vector<std::vector<uint32_t>> by_label_;
    std::vector<std::vector<int32_t>> partners_;
};

// The head's parameters' gradients and Adam moments, and the activations of one batch.
// Shapes: B batch, D base dim, E routing dim, A labels.
struct Head {
    std::vector<float> gw, gb, gp, mw, vw, mb, vb, mp, vp;
    std::vector<float> X, Xp, H, Hp, Z, Zp, r, rp;  // (B, D) x2, (B, E) x4, (B) x2
    std::vector<float> Ph, rP, probs, nce;          // (A, E), (A), (B, A), (B, B)
    std::vector<float> dZ, dZp, dH, dHp, dPh, tZ, tZp, tP, dX, dXp;

    Head(const RouterModel& m, int B) {
        const auto nB = static_cast<size_t>(B), D = static_cast<size_t>(m.D()),
                   E = static_cast<size_t>(m.E), A = static_cast<size_t>(m.A());
        for (auto* v : {&gw, &mw, &vw}) {
            v->assign(m.w.size(), 0.0f);
        }
        for (auto* v : {&gb, &mb, &vb}) {
            v->assign(m.b.size(), 0.0f);
        }
        for (auto* v : {&gp, &mp, &vp, &Ph, &dPh, &tP}) {
            v->assign(m.protos.size(), 0.0f);
        }
        for (auto* v : {&X, &Xp, &dX, &dXp}) {
            v->assign(nB * D, 0.0f);
        }
        for (auto* v : {&H, &Hp, &Z, &Zp, &dZ, &dZp, &dH, &dHp, &tZ, &tZp}) {
            v->assign(nB * E, 0.0f);
        }
        r.assign(nB, 0.0f);
        rp.assign(nB, 0.0f);
        rP.assign(A, 0.0f);
        probs.assign(nB * A, 0.0f);
        nce.assign(nB * nB, 0.0f);
    }

    std::vector<ParamGroup> groups(RouterModel& m, float lr) {
        auto dense = [lr](std::vector<float>& p,
                          std::vector<float>& g,
                          std::vector<float>& mm,
                          std::vector<float>& vv) {
            ParamGroup pg;
            pg.params = p.data();
            pg.grads = g.data();
            pg.m = mm.data();
            pg.v = vv.data();
            pg.n = static_cast<int64_t>(g.size());
            pg.lr_peak = lr;
            return pg;
        };
        return {dense(m.w, gw, mw, vw), dense(m.b, gb, mb, vb), dense(m.protos, gp, mp, vp)};
    }
};

void add_scaled(std::vector<float>& dst, const std::vector<float>& src, float w, size_t n) {
    for (size_t i = 0; i < n; i++) {
        dst[i] += w * src[i];
    }
}

// The three losses on the batch's embeddings h.X (anchors), h.Xp (positives); their weighted
// sum. Counts the anchors whose nearest prototype is their label into `correct`.
double head_forward(
    const RouterModel& m, Head& h, const Batch& bt, const TrainConfig& cfg, size_t& correct) {
    const int b = bt.b, D = m.D(), E = m.E, A = m.A();
    linear_forward(h.H.data(), h.X.data(), m.w.data(), m.b.data(), b, D, E);
    linear_forward(h.Hp.data(), h.Xp.data(), m.w.data(), m.b.data(), b, D, E);
    l2norm_forward(h.Z.data(), h.r.data(), h.H.data(), b, E);
    l2norm_forward(h.Zp.data(), h.rp.data(), h.Hp.data(), b, E);
    l2norm_forward(h.Ph.data(), h.rP.data(), m.protos.data(), A, E);
    const float l_ce =
        proto_ce_forward(h.probs.data(), h.Z.data(), h.Ph.data(), bt.y.data(), b, E, A, cfg.tau);
    const float l_tri =
        triplet_forward(h.Z.data(), h.Ph.data(), bt.y.data(), bt.neg.data(), b, E, cfg.margin);
    const float l_nce =
        info_nce_forward(h.nce.data(), h.Z.data(), h.Zp.data(), bt.y.data(), b, E, cfg.tau);
    for (int i = 0; i < b; i++) {
        correct +=
            argmax(h.probs.data() + static_cast<size_t>(i) * A, A) == bt.y[static_cast<size_t>(i)]
                ? 1
                : 0;
    }
    return cfg.w_ce * l_ce + cfg.w_triplet * l_tri + cfg.w_nce * l_nce;
}

// Gradients of the head (accumulated into gw, gb, gp) and, with `want_dx`, of the base
// embeddings (h.dX, h.dXp).
void head_backward(
    const RouterModel& m, Head& h, const Batch& bt, const TrainConfig& cfg, bool want_dx) {
    const int b = bt.b, D = m.D(), E = m.E, A = m.A();
    const size_t nZ = static_cast<size_t>(b) * E;
    for (auto* v : {&h.dZ, &h.dZp, &h.dPh, &h.tZ, &h.tP}) {
        std::fill(v->begin(), v->end(), 0.0f);
    }
    proto_ce_backward(h.tZ.data(),
                      h.tP.data(),
                      h.probs.data(),
                      h.Z.data(),
                      h.Ph.data(),
                      bt.y.data(),
                      b,
                      E,
                      A,
                      cfg.tau);
    add_scaled(h.dZ, h.tZ, cfg.w_ce, nZ);
    add_scaled(h.dPh, h.tP, cfg.w_ce, h.tP.size());
    std::fill(h.tZ.begin(), h.tZ.end(), 0.0f);
    std::fill(h.tP.begin(), h.tP.end(), 0.0f);
    triplet_backward(h.tZ.data(),
                     h.tP.data(),
                     h.Z.data(),
                     h.Ph.data(),
                     bt.y.data(),
                     bt.neg.data(),
                     b,
                     E,
                     cfg.margin);
    add_scaled(h.dZ, h.tZ, cfg.w_triplet, nZ);
    add_scaled(h.dPh, h.tP, cfg.w_triplet, h.tP.size());
    std::fill(h.tZ.begin(), h.tZ.end(), 0.0f);
    std::fill(h.tZp.begin(), h.tZp.end(), 0.0f);
    info_nce_backward(
        h.tZ.data(), h.tZp.data(), h.nce.data(), h.Z.data(), h.Zp.data(), b, E, cfg.tau);
    add_scaled(h.dZ, h.tZ, cfg.w_nce, nZ);
    add_scaled(h.dZp, h.tZp, cfg.w_nce, nZ);
    l2norm_backward(h.gp.data(), h.dPh.data(), h.Ph.data(), h.rP.data(), A, E);
    std::fill(h.dH.begin(), h.dH.end(), 0.0f);
    std::fill(h.dHp.begin(), h.dHp.end(), 0.0f);
    l2norm_backward(h.dH.data(), h.dZ.data(), h.Z.data(), h.r.data(), b, E);
    l2norm_backward(h.dHp.data(), h.dZp.data(), h.Zp.data(), h.rp.data(), b, E);
    std::fill(h.dX.begin(), h.dX.end(), 0.0f);
    std::fill(h.dXp.begin(), h.dXp.end(), 0.0f);
    linear_backward(want_dx ? h.dX.data() : nullptr,
                    h.gw.data(),
                    h.gb.data(),
                    h.dH.data(),
                    h.X.data(),
                    m.w.data(),
                    b,
                    D,
                    E);
    linear_backward(want_dx ? h.dXp.data() : nullptr,
                    h.gw.data(),
                    h.gb.data(),
                    h.dHp.data(),
                    h.Xp.data(),
                    m.w.data(),
                    b,
                    D,
                    E);
}

}  // namespace

Status check_config(const TrainConfig& c) {
    auto finite = [](double v) {
        return std::isfinite(v);
    };
    const std::string t = "train: ";
    if (c.batch < 2 || c.batch > 8192) {
        return bad_setting(t + "batch", c.batch, "2-8192");
    }
    if (c.epochs < 1 || c.epochs > 100000) {
        return bad_setting(t + "epochs", c.epochs, "1-100000");
    }
    if (c.dim < 2 || c.dim > 4096) {
        return bad_setting(t + "dim", c.dim, "2-4096");
    }
    if (!(c.adam.lr > 0) || !finite(c.adam.lr)) {
        return bad_setting(t + "lr", c.adam.lr, "a finite number > 0");
    }
    if (!(c.adam.beta1 >= 0 && c.adam.beta1 < 1)) {
        return bad_setting(t + "beta1", c.adam.beta1, "0 <= beta1 < 1");
    }
    if (!(c.adam.beta2 >= 0 && c.adam.beta2 < 1)) {
        return bad_setting(t + "beta2", c.adam.beta2, "0 <= beta2 < 1");
    }
    if (!(c.adam.eps > 0) || !finite(c.adam.eps)) {
        return bad_setting(t + "eps", c.adam.eps, "a finite number > 0");
    }
    if (!(c.adam.weight_decay >= 0) || !finite(c.adam.weight_decay)) {
        return bad_setting(t + "weight decay", c.adam.weight_decay, "a finite number >= 0");
    }
    if (!(c.embedding_lr_scale >= 0) || !finite(c.embedding_lr_scale)) {
        return bad_setting(t + "embedding lr scale", c.embedding_lr_scale, "a finite number >= 0");
    }
    if (c.warmup < 0) {
        return bad_setting(t + "warmup", static_cast<double>(c.warmup), ">= 0");
    }
    if (!(c.max_grad_norm > 0) || !finite(c.max_grad_norm)) {
        return bad_setting(t + "max grad norm", c.max_grad_norm, "a finite number > 0");
    }
    if (!(c.margin >= 0 && c.margin <= 2)) {
        return bad_setting(t + "margin", c.margin, "0-2 (a cosine distance)");
    }
    if (!(c.tau > 0) || !finite(c.tau)) {
        return bad_setting(t + "tau", c.tau, "a finite number > 0");
    }
    for (auto [name, w] : {std::pair<const char*, float>{"w_ce", c.w_ce},
                           {"w_triplet", c.w_triplet},
                           {"w_nce", c.w_nce}}) {
        if (!(w >= 0) || !finite(w)) {
            return bad_setting(t + name, w, "a finite number >= 0");
        }
    }
    if (!(c.hard_ratio >= 0 && c.hard_ratio <= 1)) {
        return bad_setting(t + "hard ratio", c.hard_ratio, "0-1");
    }
    if (!(c.word_dropout >= 0 && c.word_dropout <= 0.9f)) {
        return bad_setting(t + "word dropout", c.word_dropout, "0-0.9");
    }
    if (c.patience < 0) {
        return bad_setting(t + "patience", c.patience, ">= 0 (0: off)");
    }
    if (c.threads < 1 || c.threads > 256) {
        return bad_setting(t + "threads", c.threads, "1-256");
    }
    return ok();
}

Result<TrainResult> train(RouterModel& model,
                          const LabeledSet& train_set,
                          const LabeledSet* val,
                          const TrainConfig& cfg,
                          const StepCallback& on_step,
                          const EpochCallback& on_epoch) {
    if (train_set.rows.empty()) {
        return make_error(Errc::invalid_argument, "train: no training examples");
    }
    if (Status s = check_config(cfg); !s) {
        return s.error();
    }
    if (model.A() < 2) {
        return bad_setting("train: labels", model.A(), "at least 2");
    }
    if (cfg.attention_pooling && !model.base->has_rows()) {
        return make_error(Errc::invalid_argument,
                          "train: --attention-pooling pools subword rows, expected a subword "
                          "base (this one is " +
                              std::string(model.base->kind()) + ")");
    }
    const auto t0 = std::chrono::steady_clock::now();
    const int D = model.D(), B = cfg.batch;
    Rng rng(cfg.seed);
    const size_t N = train_set.rows.size();

    // The base, as training sees it (feed.h): it embeds the texts it needs up front.
    FeedSpec spec;
    for (const LabeledExample& ex : train_set.rows) {
        spec.train_texts.push_back(ex.text);
    }
    for (size_t j = 0; val != nullptr && j < val->rows.size(); j++) {
        spec.val_texts.push_back(val->rows[j].text);
    }
    spec.batch = B;
    spec.tune = cfg.tune_embeddings;
    spec.lr = cfg.adam.lr;
    spec.embedding_lr_scale = cfg.embedding_lr_scale;
    spec.word_dropout = cfg.word_dropout;
    spec.attention_pooling = cfg.attention_pooling;
    spec.lora = cfg.lora;
    spec.on_embed = cfg.on_embed;
    // Only a subword base's pooling and its rows' updates are split over threads (a
    // transformer base has its own team); the results are the same bits for any count.
    std::unique_ptr<Team> team;
    if (cfg.threads > 1 && model.base->has_rows()) {
        team = std::make_unique<Team>(cfg.threads);
    }
    spec.team = team.get();
    Result<std::unique_ptr<BaseFeed>> made = model.base->make_feed(model.base, spec, rng);
    if (!made) {
        return made.error();
    }
    BaseFeed& feed = **made;
    Sampler sampler(train_set, model.A(), cfg.confusable);
    if (cfg.init_prototypes) {
        init_prototypes(model, train_set, feed);
    }
    Head h(model, B);
    Batch bt{0,
             std::vector<uint32_t>(static_cast<size_t>(B)),
             std::vector<uint32_t>(static_cast<size_t>(B)),
             std::vector<int32_t>(static_cast<size_t>(B)),
             std::vector<int32_t>(static_cast<size_t>(B))};

    const int64_t steps_per_epoch = static_cast<int64_t>((N + B - 1) / B);
    const int64_t total_steps = steps_per_epoch * cfg.epochs;
    int64_t step = 0;
    TrainResult res;
    Snapshot best = take(model, feed);
    Snapshot last_good = best;
    Snapshot sum;  // of every epoch's parameters (average_epochs)
    int n_sum = 0;
    double best_acc = -1;
    int since_best = 0;
    std::vector<uint32_t> order(N);
    for (size_t i = 0; i < N; i++) {
        order[i] = static_cast<uint32_t>(i);
    }

    for (int epoch = 1; epoch <= cfg.epochs; epoch++) {
        const auto te = std::chrono::steady_clock::now();
        shuffle(order.begin(), static_cast<uint32_t>(N), rng);
        double loss_sum = 0;
        size_t correct = 0;
        for (size_t start = 0; start < N; start += static_cast<size_t>(B)) {
            const int b = static_cast<int>(std::min<size_t>(static_cast<size_t>(B), N - start));
            sampler.fill(order.data() + start, b, cfg.hard_ratio, rng, bt);
            // ---- forward: base embeddings from the feed, then the head and the losses ----
            feed.forward_batch(
                bt.anchor.data(), bt.positive.data(), b, B, D, h.X.data(), h.Xp.data());
            const double loss = head_forward(model, h, bt, cfg, correct);
            if (!std::isfinite(loss)) {
                restore(model, feed, last_good);
                if (Status s = adopt(model, feed, false); !s) {
                    return s.error();
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
            // ---- backward: the head, then the base through the feed ----
            head_backward(model, h, bt, cfg, feed.trainable());
            if (feed.trainable()) {
                feed.backward_batch(b, B, D, h.X.data(), h.dX.data(), h.Xp.data(), h.dXp.data());
            }
            // ---- clip and update every group: the base's and the head's ----
            std::vector<ParamGroup> groups = feed.groups();
            for (const ParamGroup& g : h.groups(model, cfg.adam.lr)) {
                groups.push_back(g);
            }
            const float f =
                clip_factor(std::sqrt(grad_norm2(groups, team.get())), cfg.max_grad_norm);
            if (f != 1.0f) {
                scale_grads(groups, f, team.get());
            }
            step++;
            adamw_step(groups, cfg.adam, step, cfg.warmup, total_steps, team.get());
            if (on_step) {
                on_step(step, total_steps, loss);
            }
        }
        EpochStats st;
        st.epoch = epoch;
        st.loss = loss_sum / static_cast<double>(N);
        st.train_accuracy = static_cast<double>(correct) / static_cast<double>(N);
        st.val_accuracy = val == nullptr ? st.train_accuracy : val_accuracy(model, feed, *val);
        st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - te).count();
        res.history.push_back(st);
        res.epochs_completed = epoch;
        last_good = take(model, feed);
        if (cfg.average_epochs && val != nullptr) {
            accumulate(sum, last_good);
            n_sum++;
        }
        if (st.val_accuracy > best_acc) {
            best_acc = st.val_accuracy;
            res.best_epoch = epoch;
            best = last_good;
            since_best = 0;
        } else {
            since_best++;
        }
        if (on_epoch) {
            // The callback sees (and may save) the router with this epoch's base.
            if (Status s = adopt(model, feed, false); !s) {
                return s.error();
            }
        }
        const bool go_on = on_epoch ? on_epoch(st, model) : true;
        if (!go_on || (cfg.patience > 0 && since_best >= cfg.patience)) {
            break;
        }
    }
    if (n_sum > 1) {
        // The mean of the epochs' parameters, kept when it beats the best epoch on validation.
        Snapshot mean = scaled(std::move(sum), 1.0f / static_cast<float>(n_sum));
        restore(model, feed, mean);
        res.average_accuracy = val_accuracy(model, feed, *val);
        if (res.average_accuracy > best_acc) {
            best = std::move(mean);
            best_acc = res.average_accuracy;
            res.averaged_epochs = n_sum;
        }
    }
    restore(model, feed, best);
    if (Status s = adopt(model, feed, true); !s) {
        return s.error();
    }
    res.final_loss = res.history.back().loss;
    res.final_accuracy = res.history.back().val_accuracy;
    res.best_accuracy = best_acc;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace ruvllm
