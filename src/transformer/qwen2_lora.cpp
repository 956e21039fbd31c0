// qwen2_lora.cpp: LoRA on the top k layers of a Qwen2 model, forward and backward
// (qwen2_lora.h). Shape letters: T tokens, E embedding size, F feed-forward size, H query heads,
// K kv heads, D head size, R rows (outputs) / C columns (inputs) of a matrix, r LoRA rank.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include <ruvllm/transformer/qwen2_lora.h>

namespace ruvllm {

namespace {

// Products with fewer multiply-adds than this run on the calling thread (a thread start costs
// tens of microseconds).
constexpr int64_t kMinParallelWork = int64_t{1} << 18;

// Runs fn(i0, i1) on contiguous ranges covering [0, n), one per thread, with inner boundaries
// rounded down to multiples of `align`. fn must write disjoint outputs per range.
template <class Fn>
void parallel_ranges(int n, int n_threads, int64_t work, int align, Fn fn) {
    const int nt = work < kMinParallelWork ? 1 : std::clamp(n_threads, 1, std::max(1, n / align));
    if (nt == 1) {
        fn(0, n);
        return;
    }
    auto bound = [&](int i) {
        return i == nt ? n : static_cast<int>(int64_t{n} * i / nt) / align * align;
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(nt - 1));
    for (int i = 1; i < nt; i++) {
        pool.emplace_back(fn, bound(i), bound(i + 1));
    }
    fn(0, bound(1));
    for (std::thread& th : pool) {
        th.join();
    }
}

// The 8 partial sums of a dot product, reduced pairwise (qwen2.cpp's dot: same order, so the
// untrained stack reproduces Qwen2Model's numbers).
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

// out[i] = w . x_i for the N rows x_i = x + i C (w is loaded once for the N tokens). Partial
// sum j adds the products k = j (mod 8) in order, the C % 8 tail goes to partial sum 0, then
// reduce8: bit-identical, for every row, to qwen2.cpp's dot().
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

float dot(const float* a, const float* b, int n) {
    float out;
    dot_rows<1>(a, b, n, &out);
    return out;
}

// out (T, R) = x (T, C) W^T + bias (R, or null). Rows of W are split over threads; each row is
// read once and applied to every token (4 at a time) while it is in cache.
void matmul_forward(float* out,
                    const float* x,
                    const float* w,
                    const float* bias,
                    int T,
                    int R,
                    int C,
                    int n_threads) {
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
    parallel_ranges(R, n_threads, int64_t{T} * R * C, 1, rows);
}

// dx (T, C) += dy (T, R) W (R, C). Columns are split over threads (boundaries on 16 floats, a
// cache line) and walked in tiles that stay in L1 across the T tokens; each dx element sums
// the rows of W in blocks of 4, ascending, whatever the split.
void matmul_backward_input(
    float* dx, const float* dy, const float* w, int T, int R, int C, int n_threads) {
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
    parallel_ranges(C, n_threads, int64_t{T} * R * C, 16, cols);
}

// v (n) = 0 after resizing it to n (capacity is kept: no reallocation once warm).
void zero(std::vector<float>& v, size_t n) {
    v.resize(n);
    std::fill(v.begin(), v.end(), 0.0f);
}

const char* const kTargetNames[] = {
    "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

Error arg_error(std::string msg) {
    return make_error(Errc::invalid_argument, "qwen2_lora: " + std::move(msg));
}

}  // namespace

const char* lora_target_name(LoraTarget t) {
    return kTargetNames[static_cast<int>(t)];
}

namespace qwen2_grad {

void rmsnorm_forward(float* y, float* rs, const float* x, const float* w, int T, int E, float eps) {
    for (int t = 0; t < T; t++) {
        const float* xt = x + static_cast<size_t>(t) * E;
        float* yt = y + static_cast<size_t>(t) * E;
        double ss = 0.0;
        for (int i = 0; i < E; i++) {
            ss += static_cast<double>(xt[i]) * xt[i];
        }
        // As qwen2.cpp's rmsnorm; a zero row with eps == 0 gives 0 instead of NaN.
        const double ms = ss / E + eps;
        const auto scale = ms > 0 ? static_cast<float>(1.0 / std::sqrt(ms)) : 0.0f;
        rs[t] = std::isfinite(scale) ? scale : 0.0f;
        for (int i = 0; i < E; i++) {
            yt[i] = xt[i] * rs[t] * w[i];
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

namespace {

// cos / sin (T, D/2) of the angles pos * base^(-2i/D), as qwen2.cpp's rope_neox computes them.
void rope_table(std::vector<float>& cs, std::vector<float>& sn, int T, int D, float base) {
    const int half = D / 2;
    cs.resize(static_cast<size_t>(T) * half);
    sn.resize(cs.size());
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < half; i++) {
            const double theta = t * std::pow(static_cast<double>(base), -2.0 * i / D);
            cs[static_cast<size_t>(t) * half + i] = static_cast<float>(std::cos(theta));
            sn[static_cast<size_t>(t) * half + i] = static_cast<float>(std::sin(theta));
        }
    }
}

// Rotates the pairs (i, i + D/2) of every head by the table's angle, negated when `inverse`.
void rope_apply(float* x, int T, int n_heads, int D, float base, bool inverse) {
    std::vector<float> cs, sn;
    rope_table(cs, sn, T, D, base);
    const int half = D / 2;
    for (int t = 0; t < T; t++) {
        const float* c = cs.data() + static_cast<size_t>(t) * half;
        const float* s = sn.data() + static_cast<size_t>(t) * half;
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

void rope_forward(float* x, int T, int n_heads, int D, float base) {
    rope_apply(x, T, n_heads, D, base, false);
}

void rope_backward(float* d, int T, int n_heads, int D, float base) {
    rope_apply(d, T, n_heads, D, base, true);  // the transpose of a rotation is its inverse
}

void attention_forward(float* out,
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

void attention_backward(float* dq,
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

void swiglu_forward(float* out, const float* g, const float* u, size_t N) {
    for (size_t i = 0; i < N; i++) {
        out[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];  // qwen2.cpp's expression
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
                         int n_threads) {
    matmul_forward(y, x, W, b, T, R, C, n_threads);
    if (r <= 0) {
        return;
    }
    matmul_forward(u, x, A, nullptr, T, r, C, n_threads);  // u = x A^T
    for (int t = 0; t < T; t++) {
        const float* ut = u + static_cast<size_t>(t) * r;
        float* yt = y + static_cast<size_t>(t) * R;
        for (int o = 0; o < R; o++) {
            yt[o] += s * dot(B + static_cast<size_t>(o) * r, ut, r);
        }
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
                          int n_threads) {
    if (dx != nullptr) {
        matmul_backward_input(dx, dy, W, T, R, C, n_threads);
    }
    if (r <= 0) {
        return;
    }
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

void pool_forward(
    float* out, float* rnorm, const float* y, int T, int E, Pooling pooling, bool normalize) {
    std::fill(out, out + E, 0.0f);
    *rnorm = 0.0f;
    if (T <= 0) {
        return;
    }
    if (pooling == Pooling::last) {
        std::copy(y + static_cast<size_t>(T - 1) * E, y + static_cast<size_t>(T) * E, out);
    } else {
        // As Qwen2Model::pool: double sums, one division per coordinate.
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
            *rnorm = inv;
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

}  // namespace qwen2_grad

// ---- Qwen2LoraStack ----

Result<Qwen2LoraStack> Qwen2LoraStack::create(const Qwen2Model& base,
                                              int k,
                                              const LoraStackConfig& cfg,
                                              Rng& rng) {
    const Qwen2Config& c = base.config();
    if (k < 1 || k > c.n_layer) {
        return arg_error("k is " + std::to_string(k) + ", expected 1 to the model's " +
                         std::to_string(c.n_layer) + " layers");
    }
    if (!(std::isfinite(cfg.alpha) && cfg.alpha > 0)) {
        return arg_error("alpha is " + std::to_string(cfg.alpha) + ", expected finite and > 0");
    }
    if (cfg.n_threads < 1) {
        return arg_error("n_threads is " + std::to_string(cfg.n_threads) + ", expected >= 1");
    }
    const int E = c.n_embd, KD = c.n_head_kv * c.head_dim(), F = c.n_ff;
    const int in[] = {E, E, E, E, E, E, F};
    const int out[] = {E, KD, KD, E, F, F, E};
    const int n_targets = cfg.ffn ? 7 : 4;
    int max_rank = E;
    for (int i = 0; i < n_targets; i++) {
        max_rank = std::min({max_rank, in[i], out[i]});
    }
    if (cfg.rank < 1 || cfg.rank > max_rank) {
        return arg_error("rank is " + std::to_string(cfg.rank) + ", expected 1 to " +
                         std::to_string(max_rank) + " (the smallest side of a target)");
    }

    Qwen2LoraStack st;
    st.cfg_ = c;
    st.lcfg_ = cfg;
    st.pooling_ = base.options().pooling;
    st.normalize_ = base.options().normalize;
    st.first_ = c.n_layer - k;
    st.output_norm_ = base.output_norm();
    for (int il = st.first_; il < c.n_layer; il++) {
        Result<Qwen2LayerWeights> w = base.layer_weights(il);
        if (!w) {
            return w.error();
        }
        st.layers_.push_back(std::move(*w));
    }
    const auto r = static_cast<size_t>(cfg.rank);
    size_t off = 0;
    for (int l = 0; l < k; l++) {
        for (int i = 0; i < n_targets; i++) {
            Slot sl;
            sl.in = in[i];
            sl.out = out[i];
            sl.a = off;
            sl.b = off + r * static_cast<size_t>(sl.in);
            off = sl.b + r * static_cast<size_t>(sl.out);
            st.slots_.push_back(sl);
        }
    }
    st.params_.assign(off, 0.0f);
    st.n_params_ = off;
    for (const Slot& sl : st.slots_) {
        const float bound = 1.0f / std::sqrt(static_cast<float>(sl.in));
        for (size_t j = 0; j < r * static_cast<size_t>(sl.in); j++) {
            st.params_[sl.a + j] = bound * (2.0f * rng.uniform_f32() - 1.0f);
        }
    }
    return st;
}

const Qwen2LoraStack::Slot& Qwen2LoraStack::slot(int l, LoraTarget t) const {
    return slots_[static_cast<size_t>(l * n_targets() + static_cast<int>(t))];
}

void Qwen2LoraStack::forward(const float* x, int T, float* pooled, Tape* tape) const {
    using namespace qwen2_grad;
    const int E = cfg_.n_embd, F = cfg_.n_ff, H = cfg_.n_head, K = cfg_.n_head_kv;
    const int D = cfg_.head_dim(), KD = K * D, r = lcfg_.rank, nt = lcfg_.n_threads;
    const float s = lcfg_.alpha / static_cast<float>(r);
    RUVLLM_ASSERT(T >= 0 && params_.size() == n_params_);  // params() keeps its size
    Tape local;
    Tape& tp = tape != nullptr ? *tape : local;
    tp.T = T;
    if (T == 0) {
        std::fill(pooled, pooled + E, 0.0f);
        tp.rnorm = 0.0f;
        return;
    }
    const auto Ts = static_cast<size_t>(T);
    const size_t TE = Ts * E, TKD = Ts * KD, TF = Ts * F, Tr = Ts * r;
    tp.layers.resize(layers_.size());
    tp.tmp.resize(TE);
    const float* p = params_.data();
    for (int l = 0; l < n_layers(); l++) {
        const Qwen2LayerWeights& W = layers_[static_cast<size_t>(l)];
        Tape::Layer& a = tp.layers[static_cast<size_t>(l)];
        if (l == 0) {
            a.x.assign(x, x + TE);  // later layers' inputs were written by the one below
        }
        const std::pair<std::vector<float>*, size_t> sizes[] = {
            {&a.rs1, Ts}, {&a.rs2, Ts}, {&a.n1, TE},  {&a.n2, TE}, {&a.q, TE},
            {&a.k, TKD},  {&a.v, TKD},  {&a.a, TE},   {&a.h, TE},  {&a.att, Ts * H * Ts},
            {&a.g, TF},   {&a.up, TF},  {&a.act, TF}, {&a.uq, Tr}, {&a.uk, Tr},
            {&a.uv, Tr},  {&a.uo, Tr},  {&a.ug, Tr},  {&a.uu, Tr}, {&a.ud, Tr}};
        for (const auto& [v, n] : sizes) {
            v->resize(n);
        }
        // attention block
        rmsnorm_forward(
            a.n1.data(), a.rs1.data(), a.x.data(), W.attn_norm.data(), T, E, cfg_.rms_eps);
        // y = in w^T + bias (+ s (in A^T) B^T if target t is adapted), u = in A^T.
        auto lin = [&](float* y,
                       std::vector<float>& u,
                       const float* in,
                       const std::vector<float>& w,
                       const float* bias,
                       LoraTarget t,
                       int C,
                       int R) {
            const float *A = nullptr, *B = nullptr;
            int rank = 0;
            if (static_cast<int>(t) < n_targets()) {
                const Slot& sl = slot(l, t);
                A = p + sl.a, B = p + sl.b, rank = r;
            }
            lora_linear_forward(y, u.data(), in, w.data(), bias, A, B, T, C, R, rank, s, nt);
        };
        lin(a.q.data(), a.uq, a.n1.data(), W.wq, W.bq.data(), LoraTarget::attn_q, E, E);
        lin(a.k.data(), a.uk, a.n1.data(), W.wk, W.bk.data(), LoraTarget::attn_k, E, KD);
        lin(a.v.data(), a.uv, a.n1.data(), W.wv, W.bv.data(), LoraTarget::attn_v, E, KD);
        rope_forward(a.q.data(), T, H, D, cfg_.rope_base);
        rope_forward(a.k.data(), T, K, D, cfg_.rope_base);
        attention_forward(a.a.data(), a.att.data(), a.q.data(), a.k.data(), a.v.data(), T, H, K, D);
        lin(tp.tmp.data(), a.uo, a.a.data(), W.wo, nullptr, LoraTarget::attn_output, E, E);
        for (size_t i = 0; i < TE; i++) {
            a.h[i] = a.x[i] + tp.tmp[i];
        }
        // feed-forward block
        rmsnorm_forward(
            a.n2.data(), a.rs2.data(), a.h.data(), W.ffn_norm.data(), T, E, cfg_.rms_eps);
        lin(a.g.data(), a.ug, a.n2.data(), W.gate, nullptr, LoraTarget::ffn_gate, E, F);
        lin(a.up.data(), a.uu, a.n2.data(), W.up, nullptr, LoraTarget::ffn_up, E, F);
        swiglu_forward(a.act.data(), a.g.data(), a.up.data(), TF);
        lin(tp.tmp.data(), a.ud, a.act.data(), W.down, nullptr, LoraTarget::ffn_down, F, E);
        std::vector<float>& next =
            l + 1 < n_layers() ? tp.layers[static_cast<size_t>(l) + 1].x : tp.xf;
        next.resize(TE);
        for (size_t i = 0; i < TE; i++) {
            next[i] = a.h[i] + tp.tmp[i];
        }
    }
    tp.rsf.resize(Ts);
    tp.yf.resize(TE);
    rmsnorm_forward(
        tp.yf.data(), tp.rsf.data(), tp.xf.data(), output_norm_.data(), T, E, cfg_.rms_eps);
    tp.pooled.resize(static_cast<size_t>(E));
    pool_forward(tp.pooled.data(), &tp.rnorm, tp.yf.data(), T, E, pooling_, normalize_);
    std::copy(tp.pooled.begin(), tp.pooled.end(), pooled);
}

void Qwen2LoraStack::backward(Tape& tp,
                              const float* d_pooled,
                              std::vector<float>& grads,
                              float* dx_out) const {
    using namespace qwen2_grad;
    if (grads.empty()) {
        grads.assign(params_.size(), 0.0f);
    }
    RUVLLM_ASSERT(grads.size() == params_.size());
    const int T = tp.T;
    if (T == 0) {
        return;
    }
    RUVLLM_ASSERT(tp.layers.size() == layers_.size());
    const int E = cfg_.n_embd, F = cfg_.n_ff, H = cfg_.n_head, K = cfg_.n_head_kv;
    const int D = cfg_.head_dim(), KD = K * D, r = lcfg_.rank, nt = lcfg_.n_threads;
    const float s = lcfg_.alpha / static_cast<float>(r);
    const auto Ts = static_cast<size_t>(T);
    const size_t TE = Ts * E, TKD = Ts * KD, TF = Ts * F;

    // head: pooled -> final hidden states -> the residual stream after the last layer
    zero(tp.dh, TE);
    pool_backward(tp.dh.data(), d_pooled, tp.pooled.data(), tp.rnorm, T, E, pooling_, normalize_);
    zero(tp.dx, TE);
    rmsnorm_backward(
        tp.dx.data(), tp.dh.data(), tp.xf.data(), output_norm_.data(), tp.rsf.data(), T, E);

    const float* p = params_.data();
    float* g = grads.data();
    for (int l = n_layers() - 1; l >= 0; l--) {
        const Qwen2LayerWeights& W = layers_[static_cast<size_t>(l)];
        const Tape::Layer& a = tp.layers[static_cast<size_t>(l)];
        // Backward of y = in w^T (+ s (in A^T) B^T if target t is adapted): din += dy w + ...,
        // and the LoRA's dA, dB into grads.
        auto lin = [&](float* din,
                       const float* dy,
                       const float* in,
                       const std::vector<float>& u,
                       const std::vector<float>& w,
                       LoraTarget t,
                       int C,
                       int R) {
            const float *A = nullptr, *B = nullptr;
            float *dA = nullptr, *dB = nullptr;
            int rank = 0;
            if (static_cast<int>(t) < n_targets()) {
                const Slot& sl = slot(l, t);
                A = p + sl.a, B = p + sl.b, dA = g + sl.a, dB = g + sl.b, rank = r;
            }
            lora_linear_backward(
                din, dA, dB, dy, in, u.data(), w.data(), A, B, T, C, R, rank, s, nt);
        };
        // x' = h + down(silu(gate(m)) * up(m)),  m = rmsnorm(h) * ffn_norm;  dx holds dx'
        tp.dh.assign(tp.dx.begin(), tp.dx.end());
        zero(tp.dact, TF);
        lin(tp.dact.data(), tp.dx.data(), a.act.data(), a.ud, W.down, LoraTarget::ffn_down, F, E);
        zero(tp.dg, TF);
        zero(tp.dup, TF);
        swiglu_backward(tp.dg.data(), tp.dup.data(), tp.dact.data(), a.g.data(), a.up.data(), TF);
        zero(tp.dn, TE);
        lin(tp.dn.data(), tp.dg.data(), a.n2.data(), a.ug, W.gate, LoraTarget::ffn_gate, E, F);
        lin(tp.dn.data(), tp.dup.data(), a.n2.data(), a.uu, W.up, LoraTarget::ffn_up, E, F);
        rmsnorm_backward(
            tp.dh.data(), tp.dn.data(), a.h.data(), W.ffn_norm.data(), a.rs2.data(), T, E);
        // h = x + o(attn(rope(q(n)), rope(k(n)), v(n))),  n = rmsnorm(x) * attn_norm
        tp.dx.assign(tp.dh.begin(), tp.dh.end());
        zero(tp.da, TE);
        lin(tp.da.data(), tp.dh.data(), a.a.data(), a.uo, W.wo, LoraTarget::attn_output, E, E);
        zero(tp.dq, TE);
        zero(tp.dk, TKD);
        zero(tp.dv, TKD);
        attention_backward(tp.dq.data(),
                           tp.dk.data(),
                           tp.dv.data(),
                           tp.da.data(),
                           a.att.data(),
                           a.q.data(),
                           a.k.data(),
                           a.v.data(),
                           T,
                           H,
                           K,
                           D);
        rope_backward(tp.dq.data(), T, H, D, cfg_.rope_base);
        rope_backward(tp.dk.data(), T, K, D, cfg_.rope_base);
        zero(tp.dn, TE);
        lin(tp.dn.data(), tp.dq.data(), a.n1.data(), a.uq, W.wq, LoraTarget::attn_q, E, E);
        lin(tp.dn.data(), tp.dk.data(), a.n1.data(), a.uk, W.wk, LoraTarget::attn_k, E, KD);
        lin(tp.dn.data(), tp.dv.data(), a.n1.data(), a.uv, W.wv, LoraTarget::attn_v, E, KD);
        rmsnorm_backward(
            tp.dx.data(), tp.dn.data(), a.x.data(), W.attn_norm.data(), a.rs1.data(), T, E);
    }
    if (dx_out != nullptr) {
        for (size_t i = 0; i < TE; i++) {
            dx_out[i] += tp.dx[i];
        }
    }
}

LoraAdapter Qwen2LoraStack::to_adapter() const {
    LoraAdapter ad;
    ad.alpha = lcfg_.alpha;
    ad.architecture = "qwen2";
    const auto r = static_cast<size_t>(lcfg_.rank);
    for (int l = 0; l < n_layers(); l++) {
        for (int i = 0; i < n_targets(); i++) {
            const Slot& sl = slot(l, static_cast<LoraTarget>(i));
            LoraTensor t;
            t.base_name = "blk." + std::to_string(first_ + l) + "." + kTargetNames[i] + ".weight";
            t.rank = lcfg_.rank;
            const auto a0 = params_.begin() + static_cast<ptrdiff_t>(sl.a);
            const auto b0 = params_.begin() + static_cast<ptrdiff_t>(sl.b);
            t.a.assign(a0, a0 + static_cast<ptrdiff_t>(r * static_cast<size_t>(sl.in)));
            t.b.assign(b0, b0 + static_cast<ptrdiff_t>(r * static_cast<size_t>(sl.out)));
            ad.tensors.push_back(std::move(t));
        }
    }
    return ad;
}

Status Qwen2LoraStack::set_from_adapter(const LoraAdapter& adapter) {
    Status v = validate_lora(adapter);
    if (!v) {
        return make_error(Errc::invalid_argument, "qwen2_lora: " + v.error().message);
    }
    if (adapter.architecture != "qwen2") {
        return arg_error("adapter architecture '" + adapter.architecture + "', expected 'qwen2'");
    }
    const size_t n = static_cast<size_t>(n_layers() * n_targets());
    if (adapter.tensors.size() != n) {
        return arg_error("adapter has " + std::to_string(adapter.tensors.size()) +
                         " tensors, expected " + std::to_string(n) + " (" +
                         (lcfg_.ffn ? "attention and ffn" : "attention") + " targets of blk." +
                         std::to_string(first_) + " to " + std::to_string(cfg_.n_layer - 1) + ")");
    }
    std::vector<float> next = params_;
    for (int l = 0; l < n_layers(); l++) {
        for (int i = 0; i < n_targets(); i++) {
            const std::string name =
                "blk." + std::to_string(first_ + l) + "." + kTargetNames[i] + ".weight";
            const LoraTensor* t = adapter.find(name);
            if (t == nullptr) {
                return arg_error("adapter has no tensor '" + name + "'");
            }
            const Slot& sl = slot(l, static_cast<LoraTarget>(i));
            if (t->rank != lcfg_.rank || t->n_in() != sl.in || t->n_out() != sl.out) {
                return arg_error("adapter tensor '" + name + "' has rank " +
                                 std::to_string(t->rank) + ", in " + std::to_string(t->n_in()) +
                                 ", out " + std::to_string(t->n_out()) + ", expected rank " +
                                 std::to_string(lcfg_.rank) + ", in " + std::to_string(sl.in) +
                                 ", out " + std::to_string(sl.out));
            }
            std::copy(t->a.begin(), t->a.end(), next.begin() + static_cast<ptrdiff_t>(sl.a));
            std::copy(t->b.begin(), t->b.end(), next.begin() + static_cast<ptrdiff_t>(sl.b));
        }
    }
    params_ = std::move(next);
    lcfg_.alpha = adapter.alpha;
    return ok();
}

}  // namespace ruvllm
