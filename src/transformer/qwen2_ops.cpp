// qwen2_ops.cpp: the Qwen2 building blocks (qwen2_ops.h). Shape letters: T tokens, E embedding
// size, H query heads, K kv heads, D head size, R rows (outputs) / C columns (inputs) of a
// matrix, r LoRA rank, N a flat length.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <ruvllm/core/team.h>
#include <ruvllm/transformer/qwen2_ops.h>

namespace ruvllm::qwen2_ops {

namespace {

// Products with fewer multiply-adds than this run on the calling thread.
constexpr int64_t kMinParallelWork = int64_t{1} << 18;

// run_ranges over `team`, or fn(0, n) here when the product is too small to share.
void split(Team* team, int64_t work, int n, int align, const std::function<void(int, int)>& fn) {
    run_ranges(work < kMinParallelWork ? nullptr : team, n, align, fn);
}

// The 8 partial sums of a dot product, reduced pairwise (dot()'s order).
inline float reduce8(const float* acc) {
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Four float lanes (a GCC / Clang vector extension). Spelling the 8 partial sums out as two of
// them gives 4-5x the speed of the plain loops, which GCC 12 vectorises badly once several
// tokens share a loop; the arithmetic, lane by lane, is the same.
using V4 = float __attribute__((vector_size(16)));

inline V4 load4(const float* p) {
    V4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// out[i] = w . x_i for the N rows x_i = x + i C (w is loaded once for the N tokens), each
// summed as dot() sums: bit-identical to dot(w, x_i, C).
template <int N>
void dot_rows(const float* w, const float* x, int C, float* out) {
    V4 lo[N] = {}, hi[N] = {};
    int k = 0;
    for (; k + 8 <= C; k += 8) {
        const V4 w0 = load4(w + k), w1 = load4(w + k + 4);
        for (int i = 0; i < N; i++) {
            const float* xi = x + static_cast<size_t>(i) * C + k;
            lo[i] += w0 * load4(xi);
            hi[i] += w1 * load4(xi + 4);
        }
    }
    for (int i = 0; i < N; i++) {
        float acc[8];
        std::memcpy(acc, &lo[i], sizeof lo[i]);
        std::memcpy(acc + 4, &hi[i], sizeof hi[i]);
        const float* xi = x + static_cast<size_t>(i) * C;
        for (int kk = k; kk < C; kk++) {
            acc[0] += w[kk] * xi[kk];
        }
        out[i] = reduce8(acc);
    }
}

}  // namespace

// ---- products ----

float dot(const float* a, const float* b, int n) {
    float out;
    dot_rows<1>(a, b, n, &out);
    return out;
}

// Each row of W is read once and applied to every token (4 at a time) while it is in cache.
void matmul_forward(float* out,
                    const float* x,
                    const float* w,
                    const float* bias,
                    int T,
                    int R,
                    int C,
                    Team* team) {
    auto rows = [=](int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            const float* wr = w + static_cast<size_t>(r) * C;
            const float b = bias != nullptr ? bias[r] : 0.0f;
            int t = 0;
            for (; t + 4 <= T; t += 4) {
                float d[4];
                dot_rows<4>(wr, x + static_cast<size_t>(t) * C, C, d);
                for (int i = 0; i < 4; i++) {
                    out[static_cast<size_t>(t + i) * R + r] = d[i] + b;
                }
            }
            for (; t < T; t++) {
                out[static_cast<size_t>(t) * R + r] =
                    dot(wr, x + static_cast<size_t>(t) * C, C) + b;
            }
        }
    };
    split(team, int64_t{T} * R * C, R, 1, rows);
}

// Columns are split on 16 floats (a cache line) and walked in tiles that stay in L1 across the
// T tokens.
void matmul_backward(float* dx, const float* dy, const float* w, int T, int R, int C, Team* team) {
    constexpr int kTile = 256;
    auto cols = [=](int c0, int c1) {
        for (int cb = c0; cb < c1; cb += kTile) {
            const int ce = std::min(cb + kTile, c1);
            int r = 0;
            for (; r + 4 <= R; r += 4) {
                const float* __restrict w0 = w + static_cast<size_t>(r) * C;
                const float* __restrict w1 = w0 + C;
                const float* __restrict w2 = w1 + C;
                const float* __restrict w3 = w2 + C;
                for (int t = 0; t < T; t++) {
                    const float* g = dy + static_cast<size_t>(t) * R + r;
                    const float g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3];
                    float* __restrict d = dx + static_cast<size_t>(t) * C;
                    for (int c = cb; c < ce; c++) {
                        d[c] += (g0 * w0[c] + g1 * w1[c]) + (g2 * w2[c] + g3 * w3[c]);
                    }
                }
            }
            for (; r < R; r++) {
                const float* __restrict w0 = w + static_cast<size_t>(r) * C;
                for (int t = 0; t < T; t++) {
                    const float g0 = dy[static_cast<size_t>(t) * R + r];
                    float* __restrict d = dx + static_cast<size_t>(t) * C;
                    for (int c = cb; c < ce; c++) {
                        d[c] += g0 * w0[c];
                    }
                }
            }
        }
    };
    split(team, int64_t{T} * R * C, C, 16, cols);
}

void lora_forward(float* y,
                  float* u,
                  const float* x,
                  const float* A,
                  const float* B,
                  int T,
                  int C,
                  int R,
                  int r,
                  float s,
                  Team* team) {
    matmul_forward(u, x, A, nullptr, T, r, C, team);
    for (int t = 0; t < T; t++) {
        const float* ut = u + static_cast<size_t>(t) * r;
        float* yt = y + static_cast<size_t>(t) * R;
        for (int o = 0; o < R; o++) {
            yt[o] += s * dot(B + static_cast<size_t>(o) * r, ut, r);
        }
    }
}

void lora_backward(float* dx,
                   float* dA,
                   float* dB,
                   const float* dy,
                   const float* x,
                   const float* u,
                   const float* A,
                   const float* B,
                   int T,
                   int C,
                   int R,
                   int r,
                   float s) {
    // e (T, r) = s dy B: the gradient w.r.t. u, scaled.
    std::vector<float> e(static_cast<size_t>(T) * r, 0.0f);
    for (int t = 0; t < T; t++) {
        const float* dyt = dy + static_cast<size_t>(t) * R;
        const float* ut = u + static_cast<size_t>(t) * r;
        float* et = e.data() + static_cast<size_t>(t) * r;
        for (int o = 0; o < R; o++) {
            const float g = s * dyt[o];
            const float* bo = B + static_cast<size_t>(o) * r;
            float* dbo = dB + static_cast<size_t>(o) * r;
            for (int j = 0; j < r; j++) {
                et[j] += g * bo[j];
                dbo[j] += g * ut[j];  // dB += s dy^T u
            }
        }
    }
    // dA += e^T x, dx += e A
    for (int t = 0; t < T; t++) {
        const float* xt = x + static_cast<size_t>(t) * C;
        const float* et = e.data() + static_cast<size_t>(t) * r;
        float* dxt = dx != nullptr ? dx + static_cast<size_t>(t) * C : nullptr;
        for (int j = 0; j < r; j++) {
            const float ej = et[j];
            float* daj = dA + static_cast<size_t>(j) * C;
            const float* aj = A + static_cast<size_t>(j) * C;
            for (int c = 0; c < C; c++) {
                daj[c] += ej * xt[c];
            }
            if (dxt != nullptr) {
                for (int c = 0; c < C; c++) {
                    dxt[c] += ej * aj[c];
                }
            }
        }
    }
}

void lora_linear_forward(float* y,
                         float* u,
                         const float* x,
                         const float* W,
                         const float* b,
                         const float* A,
                         const float* B,
                         int T,
                         int C,
                         int R,
                         int r,
                         float s,
                         Team* team) {
    matmul_forward(y, x, W, b, T, R, C, team);
    if (r > 0) {
        lora_forward(y, u, x, A, B, T, C, R, r, s, team);
    }
}

void lora_linear_backward(float* dx,
                          float* dA,
                          float* dB,
                          const float* dy,
                          const float* x,
                          const float* u,
                          const float* W,
                          const float* A,
                          const float* B,
                          int T,
                          int C,
                          int R,
                          int r,
                          float s,
                          Team* team) {
    if (dx != nullptr) {
        matmul_backward(dx, dy, W, T, R, C, team);
    }
    if (r > 0) {
        lora_backward(dx, dA, dB, dy, x, u, A, B, T, C, R, r, s);
    }
}

// ---- rmsnorm ----

void rmsnorm_forward(float* y, float* rs, const float* x, const float* w, int T, int E, float eps) {
    for (int t = 0; t < T; t++) {
        const float* xt = x + static_cast<size_t>(t) * E;
        float* yt = y + static_cast<size_t>(t) * E;
        double ss = 0.0;
        for (int i = 0; i < E; i++) {
            ss += static_cast<double>(xt[i]) * xt[i];
        }
        const double ms = ss / E + eps;
        const auto inv = ms > 0 ? static_cast<float>(1.0 / std::sqrt(ms)) : 0.0f;
        const float scale = std::isfinite(inv) ? inv : 0.0f;
        if (rs != nullptr) {
            rs[t] = scale;
        }
        for (int i = 0; i < E; i++) {
            yt[i] = xt[i] * scale * w[i];
        }
    }
}

void rmsnorm_backward(
    float* dx, const float* dy, const float* x, const float* w, const float* rs, int T, int E) {
    for (int t = 0; t < T; t++) {
        const float* xt = x + static_cast<size_t>(t) * E;
        const float* dyt = dy + static_cast<size_t>(t) * E;
        float* dxt = dx + static_cast<size_t>(t) * E;
        double sum = 0.0;  // sum_i w_i dy_i x_i
        for (int i = 0; i < E; i++) {
            sum += static_cast<double>(w[i]) * dyt[i] * xt[i];
        }
        const double r = rs[t];
        const auto c = static_cast<float>(r * r * r * sum / E);
        const float rf = rs[t];
        for (int i = 0; i < E; i++) {
            dxt[i] += rf * w[i] * dyt[i] - c * xt[i];
        }
    }
}

// ---- rope ----

void rope_table(float* cos, float* sin, const int* pos, int T, int D, float base) {
    const int half = D / 2;
    for (int t = 0; t < T; t++) {
        const int p = pos != nullptr ? pos[t] : t;
        for (int i = 0; i < half; i++) {
            const double theta = p * std::pow(static_cast<double>(base), -2.0 * i / D);
            cos[static_cast<size_t>(t) * half + i] = static_cast<float>(std::cos(theta));
            sin[static_cast<size_t>(t) * half + i] = static_cast<float>(std::sin(theta));
        }
    }
}

namespace {

// Rotates the pairs (i, i + D/2) of every head by the table's angles, negated when `inverse`.
void rope_rotate(
    float* x, const float* cos, const float* sin, int T, int n_heads, int D, bool inverse) {
    const int half = D / 2;
    for (int t = 0; t < T; t++) {
        const float* c = cos + static_cast<size_t>(t) * half;
        const float* s = sin + static_cast<size_t>(t) * half;
        for (int h = 0; h < n_heads; h++) {
            float* v = x + (static_cast<size_t>(t) * n_heads + h) * D;
            for (int i = 0; i < half; i++) {
                const float x0 = v[i];
                const float x1 = v[i + half];
                const float si = inverse ? -s[i] : s[i];
                v[i] = x0 * c[i] - x1 * si;
                v[i + half] = x0 * si + x1 * c[i];
            }
        }
    }
}

}  // namespace

void rope_forward(float* x, const float* cos, const float* sin, int T, int n_heads, int D) {
    rope_rotate(x, cos, sin, T, n_heads, D, false);
}

void rope_backward(float* d, const float* cos, const float* sin, int T, int n_heads, int D) {
    rope_rotate(d, cos, sin, T, n_heads, D, true);
}

// ---- attention ----

void attention_forward(float* out,
                       const float* q,
                       const float* k,
                       const float* v,
                       const int* seq_start,
                       int T,
                       int H,
                       int K,
                       int D,
                       int h_first,
                       int h_step) {
    const int group = H / K;
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    std::vector<float> att(static_cast<size_t>(T));
    for (int h = h_first; h < H; h += h_step) {
        const int kh = h / group;
        for (int t = 0; t < T; t++) {
            const float* qt = q + (static_cast<size_t>(t) * H + h) * D;
            float mx = -INFINITY;
            const int s0 = seq_start != nullptr ? seq_start[t] : 0;
            for (int s = s0; s <= t; s++) {
                const float* ks = k + (static_cast<size_t>(s) * K + kh) * D;
                float qk = 0.0f;
                for (int i = 0; i < D; i++) {
                    qk += qt[i] * ks[i];
                }
                att[s] = qk * scale;
                mx = std::max(mx, att[s]);
            }
            float sum = 0.0f;
            for (int s = s0; s <= t; s++) {
                att[s] = std::exp(att[s] - mx);
                sum += att[s];
            }
            float* ot = out + (static_cast<size_t>(t) * H + h) * D;
            std::fill(ot, ot + D, 0.0f);
            for (int s = s0; s <= t; s++) {
                const float* vs = v + (static_cast<size_t>(s) * K + kh) * D;
                const float a = att[s] / sum;
                for (int i = 0; i < D; i++) {
                    ot[i] += a * vs[i];
                }
            }
        }
    }
}

void attention_train_forward(float* out,
                             float* att,
                             const float* q,
                             const float* k,
                             const float* v,
                             int T,
                             int H,
                             int K,
                             int D) {
    const int group = H / K;
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    for (int h = 0; h < H; h++) {
        const int kh = h / group;
        for (int t = 0; t < T; t++) {
            const float* qt = q + (static_cast<size_t>(t) * H + h) * D;
            float* p = att + (static_cast<size_t>(h) * T + t) * T;
            float mx = -INFINITY;
            for (int s = 0; s <= t; s++) {
                p[s] = dot(qt, k + (static_cast<size_t>(s) * K + kh) * D, D) * scale;
                mx = std::max(mx, p[s]);
            }
            float sum = 0.0f;
            for (int s = 0; s <= t; s++) {
                p[s] = std::exp(p[s] - mx);
                sum += p[s];
            }
            const float inv = 1.0f / sum;  // sum >= 1: the maximum contributes exp(0)
            for (int s = 0; s <= t; s++) {
                p[s] *= inv;
            }
            std::fill(p + t + 1, p + T, 0.0f);
            float* ot = out + (static_cast<size_t>(t) * H + h) * D;
            std::fill(ot, ot + D, 0.0f);
            for (int s = 0; s <= t; s++) {
                const float* vs = v + (static_cast<size_t>(s) * K + kh) * D;
                for (int i = 0; i < D; i++) {
                    ot[i] += p[s] * vs[i];
                }
            }
        }
    }
}

void attention_train_backward(float* dq,
                              float* dk,
                              float* dv,
                              const float* dout,
                              const float* att,
                              const float* q,
                              const float* k,
                              const float* v,
                              int T,
                              int H,
                              int K,
                              int D) {
    const int group = H / K;
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    std::vector<float> dp(static_cast<size_t>(T));
    for (int h = 0; h < H; h++) {
        const int kh = h / group;
        for (int t = 0; t < T; t++) {
            const float* p = att + (static_cast<size_t>(h) * T + t) * T;
            const float* dot_t = dout + (static_cast<size_t>(t) * H + h) * D;
            // out_t = sum_s p_s v_s: dp_s = dout_t . v_s, dv_s += p_s dout_t
            double pdp = 0.0;
            for (int s = 0; s <= t; s++) {
                const size_t off = (static_cast<size_t>(s) * K + kh) * D;
                dp[static_cast<size_t>(s)] = dot(dot_t, v + off, D);
                pdp += static_cast<double>(p[s]) * dp[static_cast<size_t>(s)];
                for (int i = 0; i < D; i++) {
                    dv[off + i] += p[s] * dot_t[i];
                }
            }
            // softmax: dscore_s = p_s (dp_s - sum_s' p_s' dp_s'); score_s = q_t . k_s * scale
            const float* qt = q + (static_cast<size_t>(t) * H + h) * D;
            float* dqt = dq + (static_cast<size_t>(t) * H + h) * D;
            for (int s = 0; s <= t; s++) {
                const float ds =
                    p[s] * (dp[static_cast<size_t>(s)] - static_cast<float>(pdp)) * scale;
                const size_t off = (static_cast<size_t>(s) * K + kh) * D;
                for (int i = 0; i < D; i++) {
                    dqt[i] += ds * k[off + i];
                    dk[off + i] += ds * qt[i];
                }
            }
        }
    }
}

// ---- swiglu ----

void swiglu_forward(float* out, const float* g, const float* u, size_t N) {
    for (size_t i = 0; i < N; i++) {
        out[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
    }
}

void swiglu_backward(
    float* dg, float* du, const float* dout, const float* g, const float* u, size_t N) {
    for (size_t i = 0; i < N; i++) {
        const float sig = 1.0f / (1.0f + std::exp(-g[i]));  // 0 when exp overflows: no NaN
        const float silu = g[i] * sig;
        dg[i] += dout[i] * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
        du[i] += dout[i] * silu;
    }
}

// ---- pooling ----

void pool_forward(
    float* out, float* rnorm, const float* y, int T, int E, Pooling pooling, bool normalize) {
    std::fill(out, out + E, 0.0f);
    if (rnorm != nullptr) {
        *rnorm = 0.0f;
    }
    if (T <= 0) {
        return;
    }
    if (pooling == Pooling::last) {
        std::copy(y + static_cast<size_t>(T - 1) * E, y + static_cast<size_t>(T) * E, out);
    } else {
        std::vector<double> sum(static_cast<size_t>(E), 0.0);
        for (int t = 0; t < T; t++) {
            const float* yt = y + static_cast<size_t>(t) * E;
            for (int i = 0; i < E; i++) {
                sum[static_cast<size_t>(i)] += yt[i];
            }
        }
        for (int i = 0; i < E; i++) {
            out[i] = static_cast<float>(sum[static_cast<size_t>(i)] / static_cast<double>(T));
        }
    }
    if (normalize) {
        double ss = 0.0;
        for (int i = 0; i < E; i++) {
            ss += static_cast<double>(out[i]) * out[i];
        }
        if (ss > 0) {
            const auto inv = static_cast<float>(1.0 / std::sqrt(ss));
            for (int i = 0; i < E; i++) {
                out[i] *= inv;
            }
            if (rnorm != nullptr) {
                *rnorm = inv;
            }
        }
    }
}

void pool_backward(float* dy,
                   const float* dout,
                   const float* out,
                   float rnorm,
                   int T,
                   int E,
                   Pooling pooling,
                   bool normalize) {
    if (T <= 0) {
        return;
    }
    std::vector<float> dp(dout, dout + E);  // gradient w.r.t. the pooled vector
    if (normalize) {
        // z = p / |p|: dp = (dz - z (z . dz)) / |p|; a zero vector (rnorm 0) passes nothing.
        double zdz = 0.0;
        for (int i = 0; i < E; i++) {
            zdz += static_cast<double>(out[i]) * dout[i];
        }
        for (int i = 0; i < E; i++) {
            dp[static_cast<size_t>(i)] = (dout[i] - out[i] * static_cast<float>(zdz)) * rnorm;
        }
    }
    if (pooling == Pooling::last) {
        float* dyt = dy + static_cast<size_t>(T - 1) * E;
        for (int i = 0; i < E; i++) {
            dyt[i] += dp[static_cast<size_t>(i)];
        }
        return;
    }
    const float inv_t = 1.0f / static_cast<float>(T);
    for (int t = 0; t < T; t++) {
        float* dyt = dy + static_cast<size_t>(t) * E;
        for (int i = 0; i < E; i++) {
            dyt[i] += dp[static_cast<size_t>(i)] * inv_t;
        }
    }
}

}  // namespace ruvllm::qwen2_ops
