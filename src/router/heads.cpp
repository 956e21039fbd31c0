// heads.cpp: complexity, tier and quality heads on the frozen routing embedding (see heads.h).
#include <cmath>

#include <ruvllm/dataset/labeled.h>
#include <ruvllm/nn/loss.h>
#include <ruvllm/nn/optim.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/model.h>

namespace ruvllm {

namespace {

int argmax3(const float* w, const float* z, int E, const float* bias) {
    int best = 0;
    float best_v = -INFINITY;
    for (int k = 0; k < 3; k++) {
        float v = bias != nullptr ? bias[k] : 0.0f;
        for (int e = 0; e < E; e++) {
            v += w[static_cast<size_t>(k) * E + e] * z[e];
        }
        if (v > best_v) {
            best_v = v;
            best = k;
        }
    }
    return best;
}

// Full-batch softmax regression on (N, E) rows; returns W (3, E).
std::vector<float> fit_softmax(
    const std::vector<float>& Z, const std::vector<int32_t>& y, int E, int epochs, float lr) {
    const int N = static_cast<int>(y.size());
    std::vector<float> w(static_cast<size_t>(3) * E, 0.0f), g(w.size()), m(w.size()), v(w.size());
    std::vector<float> probs(static_cast<size_t>(N) * 3), dz(static_cast<size_t>(N) * E);
    AdamConfig c{lr, 0.9f, 0.999f, 1e-8f, 0.0f};
    for (int t = 1; t <= epochs; t++) {
        // proto_ce with tau = 1 and un-normalised rows is softmax regression without a bias.
        proto_ce_forward(probs.data(), Z.data(), w.data(), y.data(), N, E, 3, 1.0f);
        std::fill(g.begin(), g.end(), 0.0f);
        proto_ce_backward(
            dz.data(), g.data(), probs.data(), Z.data(), w.data(), y.data(), N, E, 3, 1.0f);
        adamw_update(
            w.data(), g.data(), m.data(), v.data(), static_cast<int64_t>(w.size()), c, lr, t);
    }
    return w;
}

}  // namespace

int Heads::predict_complexity(const float* z) const {
    return argmax3(complexity.data(), z, E, nullptr);
}

int Heads::predict_tier(const float* z, float tier_bias) const {
    const float bias[3] = {-tier_bias, 0.0f, tier_bias};
    return argmax3(tier.data(), z, E, bias);
}

float Heads::predict_quality(const float* z) const {
    float q = quality_bias;
    for (int e = 0; e < E; e++) {
        q += quality[static_cast<size_t>(e)] * z[e];
    }
    return q;
}

Status Heads::write_to(gguf::File& file) const {
    if (empty()) {
        return ok();
    }
    const auto E64 = static_cast<uint64_t>(E);
    Status s = file.add_tensor("router.head.complexity", {E64, 3}, complexity);
    if (s) {
        s = file.add_tensor("router.head.tier", {E64, 3}, tier);
    }
    if (s) {
        s = file.add_tensor("router.head.quality", {E64}, quality);
    }
    file.set("ruvllm.router.head.quality_bias", quality_bias);
    return s;
}

Result<Heads> Heads::from_gguf(const gguf::File& file, int E) {
    Heads h;
    const gguf::TensorInfo* c = file.find_tensor("router.head.complexity");
    if (c == nullptr) {
        return h;
    }
    const gguf::TensorInfo* t = file.find_tensor("router.head.tier");
    const gguf::TensorInfo* q = file.find_tensor("router.head.quality");
    Result<float> qb = file.get<float>("ruvllm.router.head.quality_bias");
    const auto E64 = static_cast<uint64_t>(E);
    if (t == nullptr || q == nullptr || !qb || c->shape != std::vector<uint64_t>{E64, 3} ||
        t->shape != std::vector<uint64_t>{E64, 3} || q->shape != std::vector<uint64_t>{E64}) {
        return make_error(Errc::format, "gguf: router.head.* tensors are incomplete or mis-shaped");
    }
    Result<std::vector<float>> cv = file.tensor_f32(*c);
    Result<std::vector<float>> tv = file.tensor_f32(*t);
    Result<std::vector<float>> qv = file.tensor_f32(*q);
    if (!cv || !tv || !qv) {
        return make_error(Errc::format, "gguf: router.head.* tensors cannot be read");
    }
    h.E = E;
    h.complexity = std::move(*cv);
    h.tier = std::move(*tv);
    h.quality = std::move(*qv);
    h.quality_bias = *qb;
    return h;
}

Result<Heads> train_heads(const RouterModel& model, const LabeledSet& data, int epochs, float lr) {
    const int E = model.E;
    std::vector<float> zc, zt, zq, z(static_cast<size_t>(E));
    std::vector<int32_t> yc, yt;
    std::vector<float> yq;
    for (const LabeledExample& ex : data.rows) {
        if (ex.complexity < 0 && ex.tier < 0 && ex.quality < 0) {
            continue;
        }
        model.embed(ex.text, z.data());
        if (ex.complexity >= 0) {
            zc.insert(zc.end(), z.begin(), z.end());
            yc.push_back(ex.complexity);
        }
        if (ex.tier >= 0) {
            zt.insert(zt.end(), z.begin(), z.end());
            yt.push_back(ex.tier);
        }
        if (ex.quality >= 0) {
            zq.insert(zq.end(), z.begin(), z.end());
            yq.push_back(ex.quality);
        }
    }
    if (yc.empty() || yt.empty()) {
        return make_error(Errc::invalid_argument,
                          "heads: no example carries metadata.complexity and expected_model");
    }
    Heads h;
    h.E = E;
    h.complexity = fit_softmax(zc, yc, E, epochs, lr);
    h.tier = fit_softmax(zt, yt, E, epochs, lr);
    // Quality: least squares by gradient descent (AdamW without decay), bias included.
    h.quality.assign(static_cast<size_t>(E), 0.0f);
    double mean = 0;
    for (const float q : yq) {
        mean += q;
    }
    h.quality_bias = yq.empty() ? 0.0f : static_cast<float>(mean / static_cast<double>(yq.size()));
    std::vector<float> params(static_cast<size_t>(E) + 1), g(params.size()), m(params.size()),
        v(params.size());
    std::copy(h.quality.begin(), h.quality.end(), params.begin());
    params[static_cast<size_t>(E)] = h.quality_bias;
    AdamConfig c{lr * 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f};
    const size_t Nq = yq.size();
    for (int t = 1; t <= epochs && Nq > 0; t++) {
        std::fill(g.begin(), g.end(), 0.0f);
        for (size_t i = 0; i < Nq; i++) {
            float pred = params[static_cast<size_t>(E)];
            for (int e = 0; e < E; e++) {
                pred += params[static_cast<size_t>(e)] * zq[i * static_cast<size_t>(E) + e];
            }
            const float d = 2.0f * (pred - yq[i]) / static_cast<float>(Nq);
            for (int e = 0; e < E; e++) {
                g[static_cast<size_t>(e)] += d * zq[i * static_cast<size_t>(E) + e];
            }
            g[static_cast<size_t>(E)] += d;
        }
        adamw_update(params.data(),
                     g.data(),
                     m.data(),
                     v.data(),
                     static_cast<int64_t>(params.size()),
                     c,
                     c.lr,
                     t);
    }
    std::copy(params.begin(), params.begin() + E, h.quality.begin());
    h.quality_bias = params[static_cast<size_t>(E)];
    return h;
}

HeadReport evaluate_heads(const RouterModel& model, const Heads& heads, const LabeledSet& data) {
    HeadReport r;
    if (heads.empty()) {
        return r;
    }
    std::vector<float> z(static_cast<size_t>(model.E));
    size_t c_ok = 0, t_ok = 0, table_ok = 0;
    double abs_err = 0;
    for (const LabeledExample& ex : data.rows) {
        if (ex.complexity < 0 && ex.tier < 0 && ex.quality < 0) {
            continue;
        }
        model.embed(ex.text, z.data());
        const int cx = heads.predict_complexity(z.data());
        if (ex.complexity >= 0) {
            r.n_complexity++;
            c_ok += cx == ex.complexity ? 1 : 0;
        }
        if (ex.tier >= 0) {
            r.n_tier++;
            t_ok += heads.predict_tier(z.data()) == ex.tier ? 1 : 0;
            Category cat{};
            const int agent = model.predict(ex.text);
            if (label_category(model.labels[static_cast<size_t>(agent)], cat)) {
                table_ok +=
                    static_cast<int>(tier_for(cat, static_cast<Complexity>(cx))) == ex.tier ? 1 : 0;
            }
        }
        if (ex.quality >= 0) {
            r.n_quality++;
            abs_err += std::abs(heads.predict_quality(z.data()) - ex.quality);
        }
    }
    r.complexity_accuracy = r.n_complexity > 0 ? static_cast<double>(c_ok) / r.n_complexity : 0;
    r.tier_accuracy = r.n_tier > 0 ? static_cast<double>(t_ok) / r.n_tier : 0;
    r.tier_table_accuracy = r.n_tier > 0 ? static_cast<double>(table_ok) / r.n_tier : 0;
    r.quality_mae = r.n_quality > 0 ? abs_err / static_cast<double>(r.n_quality) : 0;
    return r;
}

}  // namespace ruvllm
