// loss.cpp: forward/backward pairs of the router's layers and losses (see loss.h), written
// plainly; reductions accumulate in double.
#include <algorithm>
#include <cmath>

#include <ruvllm/nn/loss.h>

namespace ruvllm {

// ---- layers ----

void linear_forward(float* y, const float* x, const float* w, const float* b, int B, int D, int E) {
    for (int i = 0; i < B; i++) {
        const float* xi = x + static_cast<size_t>(i) * D;
        for (int e = 0; e < E; e++) {
            const float* we = w + static_cast<size_t>(e) * D;
            float s = b != nullptr ? b[e] : 0.0f;
            for (int d = 0; d < D; d++) {
                s += we[d] * xi[d];
            }
            y[static_cast<size_t>(i) * E + e] = s;
        }
    }
}

void linear_backward(float* dx,
                     float* dw,
                     float* db,
                     const float* dy,
                     const float* x,
                     const float* w,
                     int B,
                     int D,
                     int E) {
    for (int i = 0; i < B; i++) {
        const float* xi = x + static_cast<size_t>(i) * D;
        const float* dyi = dy + static_cast<size_t>(i) * E;
        for (int e = 0; e < E; e++) {
            const float g = dyi[e];
            if (g == 0.0f) {
                continue;
            }
            float* dwe = dw + static_cast<size_t>(e) * D;
            const float* we = w + static_cast<size_t>(e) * D;
            for (int d = 0; d < D; d++) {
                dwe[d] += g * xi[d];
            }
            if (dx != nullptr) {
                float* dxi = dx + static_cast<size_t>(i) * D;
                for (int d = 0; d < D; d++) {
                    dxi[d] += g * we[d];
                }
            }
            if (db != nullptr) {
                db[e] += g;
            }
        }
    }
}

void l2norm_forward(float* z, float* r, const float* y, int B, int E) {
    for (int i = 0; i < B; i++) {
        const float* yi = y + static_cast<size_t>(i) * E;
        double s = 0;
        for (int e = 0; e < E; e++) {
            s += static_cast<double>(yi[e]) * yi[e];
        }
        const float inv = s > 0 ? static_cast<float>(1.0 / std::sqrt(s)) : 0.0f;
        r[i] = inv;
        for (int e = 0; e < E; e++) {
            z[static_cast<size_t>(i) * E + e] = yi[e] * inv;
        }
    }
}

void l2norm_backward(float* dy, const float* dz, const float* z, const float* r, int B, int E) {
    for (int i = 0; i < B; i++) {
        const float* zi = z + static_cast<size_t>(i) * E;
        const float* dzi = dz + static_cast<size_t>(i) * E;
        double dot = 0;
        for (int e = 0; e < E; e++) {
            dot += static_cast<double>(zi[e]) * dzi[e];
        }
        for (int e = 0; e < E; e++) {
            dy[static_cast<size_t>(i) * E + e] += (dzi[e] - zi[e] * static_cast<float>(dot)) * r[i];
        }
    }
}

// ---- shared: softmax cross-entropy of one row of logits ----

namespace {

// Turns the logits p[0, n) (-INFINITY for masked entries) into probabilities in place and
// returns -log softmax(p)[target], computed stably.
double softmax_xent_row(float* p, int n, int target) {
    float mx = -INFINITY;
    for (int j = 0; j < n; j++) {
        mx = std::max(mx, p[j]);
    }
    const float s_target = p[target];
    double sum = 0;
    for (int j = 0; j < n; j++) {
        p[j] = p[j] == -INFINITY ? 0.0f : std::exp(p[j] - mx);
        sum += p[j];
    }
    for (int j = 0; j < n; j++) {
        p[j] = static_cast<float>(p[j] / sum);
    }
    return mx + std::log(sum) - s_target;
}

}  // namespace

// ---- prototype cross-entropy ----

float proto_ce_forward(float* probs,
                       const float* z,
                       const float* p,
                       const int32_t* y,
                       int B,
                       int E,
                       int A,
                       float tau) {
    double loss = 0;
    for (int i = 0; i < B; i++) {
        float* pr = probs + static_cast<size_t>(i) * A;
        for (int a = 0; a < A; a++) {
            float dot = 0;
            for (int e = 0; e < E; e++) {
                dot += z[static_cast<size_t>(i) * E + e] * p[static_cast<size_t>(a) * E + e];
            }
            pr[a] = dot / tau;
        }
        loss += softmax_xent_row(pr, A, y[i]);
    }
    return static_cast<float>(loss / B);
}

void proto_ce_backward(float* dz,
                       float* dp,
                       const float* probs,
                       const float* z,
                       const float* p,
                       const int32_t* y,
                       int B,
                       int E,
                       int A,
                       float tau) {
    for (int i = 0; i < B; i++) {
        for (int a = 0; a < A; a++) {
            const float ds =
                (probs[static_cast<size_t>(i) * A + a] - (a == y[i] ? 1.0f : 0.0f)) / (B * tau);
            for (int e = 0; e < E; e++) {
                dz[static_cast<size_t>(i) * E + e] += ds * p[static_cast<size_t>(a) * E + e];
                dp[static_cast<size_t>(a) * E + e] += ds * z[static_cast<size_t>(i) * E + e];
            }
        }
    }
}

// ---- triplet ----

namespace {

float dot_rows(const float* a, const float* b, int E) {
    float s = 0;
    for (int e = 0; e < E; e++) {
        s += a[e] * b[e];
    }
    return s;
}

}  // namespace

float triplet_forward(const float* z,
                      const float* p,
                      const int32_t* pos,
                      const int32_t* neg,
                      int B,
                      int E,
                      float margin) {
    double loss = 0;
    for (int i = 0; i < B; i++) {
        if (neg[i] < 0) {
            continue;
        }
        const float* zi = z + static_cast<size_t>(i) * E;
        const float l = margin - dot_rows(zi, p + static_cast<size_t>(pos[i]) * E, E) +
                        dot_rows(zi, p + static_cast<size_t>(neg[i]) * E, E);
        loss += std::max(0.0f, l);
    }
    return static_cast<float>(loss / B);
}

void triplet_backward(float* dz,
                      float* dp,
                      const float* z,
                      const float* p,
                      const int32_t* pos,
                      const int32_t* neg,
                      int B,
                      int E,
                      float margin) {
    const float g = 1.0f / static_cast<float>(B);
    for (int i = 0; i < B; i++) {
        if (neg[i] < 0) {
            continue;
        }
        const float* zi = z + static_cast<size_t>(i) * E;
        const float* pp = p + static_cast<size_t>(pos[i]) * E;
        const float* pn = p + static_cast<size_t>(neg[i]) * E;
        if (margin - dot_rows(zi, pp, E) + dot_rows(zi, pn, E) <= 0.0f) {
            continue;  // inactive hinge
        }
        float* dzi = dz + static_cast<size_t>(i) * E;
        float* dpp = dp + static_cast<size_t>(pos[i]) * E;
        float* dpn = dp + static_cast<size_t>(neg[i]) * E;
        for (int e = 0; e < E; e++) {
            dzi[e] += g * (pn[e] - pp[e]);
            dpp[e] -= g * zi[e];
            dpn[e] += g * zi[e];
        }
    }
}

// ---- masked InfoNCE ----

float info_nce_forward(
    float* probs, const float* q, const float* k, const int32_t* label, int B, int E, float tau) {
    double loss = 0;
    for (int i = 0; i < B; i++) {
        float* pr = probs + static_cast<size_t>(i) * B;
        for (int j = 0; j < B; j++) {
            const bool masked = j != i && label[j] == label[i];
            pr[j] =
                masked
                    ? -INFINITY
                    : dot_rows(q + static_cast<size_t>(i) * E, k + static_cast<size_t>(j) * E, E) /
                          tau;
        }
        loss += softmax_xent_row(pr, B, i);
    }
    return static_cast<float>(loss / B);
}

void info_nce_backward(float* dq,
                       float* dk,
                       const float* probs,
                       const float* q,
                       const float* k,
                       int B,
                       int E,
                       float tau) {
    for (int i = 0; i < B; i++) {
        for (int j = 0; j < B; j++) {
            const float ds =
                (probs[static_cast<size_t>(i) * B + j] - (i == j ? 1.0f : 0.0f)) / (B * tau);
            if (ds == 0.0f) {
                continue;  // masked pairs have probability 0 and no gradient
            }
            for (int e = 0; e < E; e++) {
                dq[static_cast<size_t>(i) * E + e] += ds * k[static_cast<size_t>(j) * E + e];
                dk[static_cast<size_t>(j) * E + e] += ds * q[static_cast<size_t>(i) * E + e];
            }
        }
    }
}

}  // namespace ruvllm
