// pool.cpp: subword mean and attention pooling, forward and backward (see pool.h).
#include <algorithm>
#include <cmath>

#include <ruvllm/core/text.h>
#include <ruvllm/embed/pool.h>

namespace ruvllm {

TextRows text_rows(const SubwordBase& base, std::string_view text) {
    TextRows t;
    std::vector<std::string> words;
    tokenize_words(text, words);
    std::vector<uint32_t> ids;
    t.start.push_back(0);
    for (const std::string& w : words) {
        base.subword_rows(w, ids);
        if (ids.empty()) {
            continue;
        }
        t.ids.insert(t.ids.end(), ids.begin(), ids.end());
        t.start.push_back(static_cast<uint32_t>(t.ids.size()));
    }
    return t;
}

void attend(
    const float* uhat, const float* uinv, int K, int D, const float* q, float* alpha, float* x) {
    std::fill(x, x + D, 0.0f);
    float top = -INFINITY;
    for (int k = 0; k < K; k++) {
        const float* u = uhat + static_cast<size_t>(k) * D;
        double s = 0;
        for (int d = 0; d < D; d++) {
            s += static_cast<double>(q[d]) * u[d];
        }
        alpha[k] = uinv[k] != 0.0f ? static_cast<float>(s) : -INFINITY;  // a zero word: no weight
        top = std::max(top, alpha[k]);
    }
    if (top == -INFINITY) {
        std::fill(alpha, alpha + K, 0.0f);
        return;
    }
    double z = 0;
    for (int k = 0; k < K; k++) {
        alpha[k] = std::exp(alpha[k] - top);
        z += alpha[k];
    }
    const auto inv = static_cast<float>(1.0 / z);
    for (int k = 0; k < K; k++) {
        alpha[k] *= inv;
        const float* u = uhat + static_cast<size_t>(k) * D;
        for (int d = 0; d < D; d++) {
            x[d] += alpha[k] * u[d];
        }
    }
}

void pool_forward(
    float* x, PoolActs& acts, const TextRows& t, const float* rows, int D, const float* q) {
    const int K = t.words();
    acts.uhat.assign(static_cast<size_t>(K) * D, 0.0f);
    acts.uinv.assign(static_cast<size_t>(K), 0.0f);
    acts.alpha.clear();
    std::fill(x, x + D, 0.0f);
    for (int k = 0; k < K; k++) {
        float* __restrict u = acts.uhat.data() + static_cast<size_t>(k) * D;
        const uint32_t b = t.start[k], e = t.start[k + 1];
        for (uint32_t j = b; j < e; j++) {
            const float* __restrict r = rows + static_cast<size_t>(t.ids[j]) * D;
            for (int d = 0; d < D; d++) {
                u[d] += r[d];
            }
        }
        const float inv_n = 1.0f / static_cast<float>(e - b);
        double norm = 0;
        for (int d = 0; d < D; d++) {
            u[d] *= inv_n;
            norm += static_cast<double>(u[d]) * u[d];
        }
        // The same arithmetic as SubwordBase::embed, so both give identical floats.
        const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
        acts.uinv[static_cast<size_t>(k)] = inv;
        for (int d = 0; d < D; d++) {
            u[d] *= inv;
            if (q == nullptr) {
                x[d] += u[d];
            }
        }
    }
    if (q != nullptr) {
        acts.alpha.resize(static_cast<size_t>(K));
        attend(acts.uhat.data(), acts.uinv.data(), K, D, q, acts.alpha.data(), x);
    }
    double norm = 0;
    for (int d = 0; d < D; d++) {
        norm += static_cast<double>(x[d]) * x[d];
    }
    acts.xinv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    for (int d = 0; d < D; d++) {
        x[d] *= acts.xinv;
    }
}

void pool_backward(float* drows,
                   std::vector<uint32_t>& touched,
                   const float* dx,
                   const float* x,
                   const PoolActs& acts,
                   const TextRows& t,
                   int D,
                   const float* q,
                   float* dq,
                   uint32_t part,
                   uint32_t parts) {
    const int K = t.words();
    if (K == 0 || acts.xinv == 0.0f) {
        return;
    }
    // x = s / |s| with s = sum_k a_k uhat_k:  ds = (dx - x (x . dx)) / |s|
    double xdx = 0;
    for (int d = 0; d < D; d++) {
        xdx += static_cast<double>(x[d]) * dx[d];
    }
    std::vector<float> ds(static_cast<size_t>(D));
    for (int d = 0; d < D; d++) {
        ds[static_cast<size_t>(d)] = (dx[d] - x[d] * static_cast<float>(xdx)) * acts.xinv;
    }
    // Attention: a = softmax(score), score_k = q . uhat_k, so with g_k = ds . uhat_k:
    // dscore_k = a_k (g_k - sum_j a_j g_j);  duhat_k = a_k ds + dscore_k q;  dq = sum dscore_k
    // uhat_k
    const bool att = q != nullptr && !acts.alpha.empty();
    std::vector<float> dscore, duh;  // attention only
    if (att) {
        dscore.assign(static_cast<size_t>(K), 0.0f);
        duh.resize(static_cast<size_t>(D));
        double gbar = 0;
        for (int k = 0; k < K; k++) {
            const float* uh = acts.uhat.data() + static_cast<size_t>(k) * D;
            double g = 0;
            for (int d = 0; d < D; d++) {
                g += static_cast<double>(ds[static_cast<size_t>(d)]) * uh[d];
            }
            dscore[static_cast<size_t>(k)] = static_cast<float>(g);
            gbar += acts.alpha[static_cast<size_t>(k)] * g;
        }
        for (int k = 0; k < K; k++) {
            const float a = acts.alpha[static_cast<size_t>(k)];
            float& sc = dscore[static_cast<size_t>(k)];
            sc = a * (sc - static_cast<float>(gbar));
            if (dq != nullptr) {
                const float* uh = acts.uhat.data() + static_cast<size_t>(k) * D;
                for (int d = 0; d < D; d++) {
                    dq[d] += sc * uh[d];
                }
            }
        }
    }
    if (drows == nullptr) {
        return;
    }
    for (int k = 0; k < K; k++) {
        const float inv = acts.uinv[static_cast<size_t>(k)];
        if (inv == 0.0f) {
            continue;
        }
        const float* __restrict uh = acts.uhat.data() + static_cast<size_t>(k) * D;
        const float* __restrict dsp = ds.data();
        if (att) {
            const float a = acts.alpha[static_cast<size_t>(k)], sc = dscore[static_cast<size_t>(k)];
            for (int d = 0; d < D; d++) {
                duh[static_cast<size_t>(d)] = a * ds[static_cast<size_t>(d)] + sc * q[d];
            }
            dsp = duh.data();
        }
        // uhat = u / |u|:  du = (duhat - uhat (uhat . duhat)) / |u|;  u = mean of the word's rows.
        double dot = 0;
        for (int d = 0; d < D; d++) {
            dot += static_cast<double>(uh[d]) * dsp[d];
        }
        const uint32_t b = t.start[k], e = t.start[k + 1];
        const float scale = inv / static_cast<float>(e - b);
        for (uint32_t j = b; j < e; j++) {
            const uint32_t id = t.ids[j];
            if (parts > 1 && id % parts != part) {
                continue;
            }
            float* __restrict dr = drows + static_cast<size_t>(id) * D;
            const auto fdot = static_cast<float>(dot);
            for (int d = 0; d < D; d++) {
                dr[d] += (dsp[d] - uh[d] * fdot) * scale;
            }
            touched.push_back(id);
        }
    }
}

}  // namespace ruvllm
