// qwen2_ops_test.cpp (label: unit): the Qwen2 building blocks (qwen2_ops.h). Every *_backward is
// checked against central differences on its own (the whole stack is checked end to end in
// qwen2_lora_test.cpp); the forwards against naive references; and the contracts both passes
// rely on: products that do not depend on the team's size, packed sequences that do not see
// each other, optional outputs that change nothing.
//
// Gradient checks run the float forward and compare with tests/gradcheck.h's max_rel_error
// (|numeric - analytic| / max(1e-2, |numeric|, |analytic|)); eps is given per test. Observed
// worst errors (Release, g++ 12) are noted next to each bound.
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/core/team.h>
#include <ruvllm/transformer/qwen2.h>
#include <ruvllm/transformer/qwen2_ops.h>

#include "gradcheck.h"

namespace {

namespace ops = ruvllm::qwen2_ops;
using ruvllm::Pooling;
using ruvllm::Rng;
using ruvllm::Team;
using ruvllm::test::max_rel_error;
using ruvllm::test::project;
using ruvllm::test::random_vec;

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool all_finite(const std::vector<float>& v) {
    for (const float x : v) {
        if (!std::isfinite(x)) {
            return false;
        }
    }
    return true;
}

// ---- products ----

// matmul_forward / matmul_backward against double references, and the same bits on 1, 2 and 3
// threads (shapes above the 2^18 multiply-adds that wake the team; C, R and T not multiples of
// the kernels' 8 lanes and 4 rows / tokens).
TEST(Qwen2Ops, MatmulMatchesReferenceOnAnyTeamSize) {
    Rng rng(1);
    const int T = 7, R = 301, C = 133;
    ASSERT_GE(int64_t{T} * R * C, int64_t{1} << 18);
    const std::vector<float> x = random_vec(rng, T * C), w = random_vec(rng, R * C),
                             b = random_vec(rng, R), dy = random_vec(rng, T * R);
    std::vector<float> y_ref, dx_ref;
    for (const int n : {1, 2, 3}) {
        Team team(n);
        std::vector<float> y(T * R), dx(T * C, 0.5f);
        ops::matmul_forward(y.data(), x.data(), w.data(), b.data(), T, R, C, &team);
        ops::matmul_backward(dx.data(), dy.data(), w.data(), T, R, C, &team);
        if (n == 1) {
            y_ref = y, dx_ref = dx;
            for (int t = 0; t < T; t++) {
                for (int r = 0; r < R; r++) {
                    double ref = b[r];
                    for (int c = 0; c < C; c++) {
                        ref += double(x[t * C + c]) * w[r * C + c];
                    }
                    ASSERT_NEAR(y[t * R + r], ref, 1e-4) << t << " " << r;
                    // each output is exactly one dot()
                    EXPECT_EQ(y[t * R + r], ops::dot(w.data() + r * C, x.data() + t * C, C) + b[r]);
                }
                for (int c = 0; c < C; c++) {
                    double ref = 0.5;
                    for (int r = 0; r < R; r++) {
                        ref += double(dy[t * R + r]) * w[r * C + c];
                    }
                    ASSERT_NEAR(dx[t * C + c], ref, 1e-4) << t << " " << c;
                }
            }
            continue;
        }
        EXPECT_TRUE(same_bits(y, y_ref)) << n << " threads";
        EXPECT_TRUE(same_bits(dx, dx_ref)) << n << " threads";
    }
}

TEST(Qwen2OpsGrad, LoraLinear) {
    Rng rng(5);
    // C, R and T not multiples of the kernels' blocks (8 lanes, 4 rows / tokens).
    const int T = 6, C = 11, R = 6, r = 3;
    const float s = 1.5f;
    std::vector<float> x = random_vec(rng, T * C), W = random_vec(rng, R * C),
                       b = random_vec(rng, R), A = random_vec(rng, r * C),
                       B = random_vec(rng, R * r);
    const std::vector<float> proj = random_vec(rng, T * R);
    std::vector<float> y(T * R), u(T * r);
    std::vector<float> dx(x.size(), 0.0f), dA(A.size(), 0.0f), dB(B.size(), 0.0f);
    Team team(2);
    ops::lora_linear_forward(
        y.data(), u.data(), x.data(), W.data(), b.data(), A.data(), B.data(), T, C, R, r, s, &team);
    ops::lora_linear_backward(dx.data(),
                              dA.data(),
                              dB.data(),
                              proj.data(),
                              x.data(),
                              u.data(),
                              W.data(),
                              A.data(),
                              B.data(),
                              T,
                              C,
                              R,
                              r,
                              s,
                              &team);
    auto loss = [&] {
        ops::lora_linear_forward(y.data(),
                                 u.data(),
                                 x.data(),
                                 W.data(),
                                 b.data(),
                                 A.data(),
                                 B.data(),
                                 T,
                                 C,
                                 R,
                                 r,
                                 s,
                                 &team);
        return project(y, proj);
    };
    // y is linear in each of x, A, B alone: a large eps only lowers the rounding error.
    EXPECT_LT(max_rel_error(x, dx, loss, 1e-1), 1e-3);  // observed 4.6e-5
    EXPECT_LT(max_rel_error(A, dA, loss, 1e-1), 1e-3);  // 1.4e-5
    EXPECT_LT(max_rel_error(B, dB, loss, 1e-1), 1e-3);  // 9.7e-6
    loss();                                             // y for the unperturbed values

    // The forward against a naive y = x (W + s B A)^T + b, and u = x A^T.
    for (int t = 0; t < T; t++) {
        for (int o = 0; o < R; o++) {
            double ref = b[o];
            for (int c = 0; c < C; c++) {
                double w = W[o * C + c];
                for (int j = 0; j < r; j++) {
                    w += s * double(B[o * r + j]) * A[j * C + c];
                }
                ref += w * x[t * C + c];
            }
            EXPECT_NEAR(y[t * R + o], ref, 1e-5);
        }
        for (int j = 0; j < r; j++) {
            EXPECT_EQ(u[t * r + j], ops::dot(A.data() + j * C, x.data() + t * C, C));
        }
    }
}

// ---- rmsnorm ----

TEST(Qwen2OpsGrad, Rmsnorm) {
    Rng rng(1);
    const int T = 3, E = 7;
    std::vector<float> x = random_vec(rng, T * E), w = random_vec(rng, E, 0.3f);
    for (float& v : w) {
        v += 1.0f;
    }
    const std::vector<float> proj = random_vec(rng, T * E);
    std::vector<float> y(T * E), rs(T), dx(T * E, 0.0f);
    ops::rmsnorm_forward(y.data(), rs.data(), x.data(), w.data(), T, E, 1e-6f);
    ops::rmsnorm_backward(dx.data(), proj.data(), x.data(), w.data(), rs.data(), T, E);
    auto loss = [&] {
        ops::rmsnorm_forward(y.data(), rs.data(), x.data(), w.data(), T, E, 1e-6f);
        return project(y, proj);
    };
    EXPECT_LT(max_rel_error(x, dx, loss, 1e-3), 1e-2);  // observed 2.5e-4

    // Without rs (inference): the same y.
    std::vector<float> y2(T * E);
    ops::rmsnorm_forward(y2.data(), nullptr, x.data(), w.data(), T, E, 1e-6f);
    loss();
    EXPECT_TRUE(same_bits(y, y2));
}

TEST(Qwen2Ops, RmsnormOfAZeroRowWithoutEpsIsZero) {
    const std::vector<float> x(4, 0.0f), w(4, 1.0f);
    std::vector<float> y(4, 1.0f), rs(1, 1.0f);
    ops::rmsnorm_forward(y.data(), rs.data(), x.data(), w.data(), 1, 4, 0.0f);
    EXPECT_EQ(y, std::vector<float>(4, 0.0f));
    EXPECT_EQ(rs[0], 0.0f);
}

// ---- rope ----

TEST(Qwen2OpsGrad, Rope) {
    Rng rng(2);
    const int T = 4, n = 3, D = 8;
    std::vector<float> cs(T * D / 2), sn(T * D / 2);
    ops::rope_table(cs.data(), sn.data(), nullptr, T, D, 10000.0f);
    std::vector<float> x = random_vec(rng, T * n * D);
    const std::vector<float> proj = random_vec(rng, x.size());
    std::vector<float> d = proj;
    ops::rope_backward(d.data(), cs.data(), sn.data(), T, n, D);
    auto loss = [&] {
        std::vector<float> y = x;
        ops::rope_forward(y.data(), cs.data(), sn.data(), T, n, D);
        return project(y, proj);
    };
    EXPECT_LT(max_rel_error(x, d, loss, 1e-3), 1e-3);  // linear: observed 1.9e-4

    // rope_forward is rope_neox per head, at the table's positions (null: 0..T-1).
    const std::vector<int> pos = {5, 0, 2, 9};
    for (const int* p : {static_cast<const int*>(nullptr), pos.data()}) {
        ops::rope_table(cs.data(), sn.data(), p, T, D, 500.0f);
        std::vector<float> a = x, b = x;
        ops::rope_forward(a.data(), cs.data(), sn.data(), T, n, D);
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < n; h++) {
                ruvllm::rope_neox(b.data() + (t * n + h) * D, D, p != nullptr ? p[t] : t, 500.0f);
            }
        }
        EXPECT_TRUE(same_bits(a, b));
    }
}

// ---- attention ----

TEST(Qwen2OpsGrad, CausalGroupedQueryAttention) {
    Rng rng(3);
    const int T = 5, H = 4, K = 2, D = 4;
    std::vector<float> q = random_vec(rng, T * H * D), k = random_vec(rng, T * K * D),
                       v = random_vec(rng, T * K * D);
    const std::vector<float> proj = random_vec(rng, T * H * D);
    std::vector<float> out(T * H * D), att(H * T * T);
    std::vector<float> dq(q.size(), 0.0f), dk(k.size(), 0.0f), dv(v.size(), 0.0f);
    ops::attention_train_forward(out.data(), att.data(), q.data(), k.data(), v.data(), T, H, K, D);
    ops::attention_train_backward(dq.data(),
                                  dk.data(),
                                  dv.data(),
                                  proj.data(),
                                  att.data(),
                                  q.data(),
                                  k.data(),
                                  v.data(),
                                  T,
                                  H,
                                  K,
                                  D);
    auto loss = [&] {
        ops::attention_train_forward(
            out.data(), att.data(), q.data(), k.data(), v.data(), T, H, K, D);
        return project(out, proj);
    };
    // eps 1e-2: with 1e-3 the float rounding of the loss dominates (dk: 6e-3).
    EXPECT_LT(max_rel_error(q, dq, loss, 1e-2), 1e-2);  // observed 1.6e-4
    EXPECT_LT(max_rel_error(k, dk, loss, 1e-2), 1e-2);  // 3.4e-4
    EXPECT_LT(max_rel_error(v, dv, loss, 1e-2), 1e-2);  // 2e-5
    loss();
    // Causal: rows sum to 1, nothing above the diagonal; the first token sees only itself.
    for (int h = 0; h < H; h++) {
        for (int t = 0; t < T; t++) {
            double sum = 0;
            for (int s = 0; s < T; s++) {
                const float p = att[(h * T + t) * T + s];
                sum += p;
                if (s > t) {
                    EXPECT_EQ(p, 0.0f);
                }
            }
            EXPECT_NEAR(sum, 1.0, 1e-6);
        }
    }
    // The inference attention computes the same function, rounded differently.
    std::vector<float> out2(out.size());
    ops::attention_forward(out2.data(), q.data(), k.data(), v.data(), nullptr, T, H, K, D, 0, 1);
    for (size_t i = 0; i < out.size(); i++) {
        EXPECT_NEAR(out2[i], out[i], 1e-6) << i;
    }
}

// Heads split over calls (h_first, h_step) and sequences packed into one pass (seq_start) give
// the bits of one call per sequence.
TEST(Qwen2Ops, AttentionSplitsHeadsAndKeepsPackedSequencesApart) {
    Rng rng(8);
    const int H = 4, K = 2, D = 8, T1 = 3, T2 = 5, T = T1 + T2;
    const std::vector<float> q = random_vec(rng, T * H * D), k = random_vec(rng, T * K * D),
                             v = random_vec(rng, T * K * D);
    std::vector<int> starts(T, 0);
    std::fill(starts.begin() + T1, starts.end(), T1);
    std::vector<float> packed(T * H * D);
    for (int i = 0; i < 3; i++) {  // heads 0, 3 / 1 / 2 by three callers
        ops::attention_forward(
            packed.data(), q.data(), k.data(), v.data(), starts.data(), T, H, K, D, i, 3);
    }
    std::vector<float> apart(T * H * D);
    ops::attention_forward(apart.data(), q.data(), k.data(), v.data(), nullptr, T1, H, K, D, 0, 1);
    ops::attention_forward(apart.data() + T1 * H * D,
                           q.data() + T1 * H * D,
                           k.data() + T1 * K * D,
                           v.data() + T1 * K * D,
                           nullptr,
                           T2,
                           H,
                           K,
                           D,
                           0,
                           1);
    EXPECT_TRUE(same_bits(packed, apart));
}

// ---- swiglu ----

TEST(Qwen2OpsGrad, SwiGlu) {
    Rng rng(4);
    const size_t N = 24;
    std::vector<float> gate = random_vec(rng, N, 4.0f), up = random_vec(rng, N, 2.0f);
    const std::vector<float> proj = random_vec(rng, N);
    std::vector<float> out(N), dg(N, 0.0f), du(N, 0.0f);
    ops::swiglu_backward(dg.data(), du.data(), proj.data(), gate.data(), up.data(), N);
    auto loss = [&] {
        ops::swiglu_forward(out.data(), gate.data(), up.data(), N);
        return project(out, proj);
    };
    EXPECT_LT(max_rel_error(gate, dg, loss, 1e-3), 1e-2);  // observed 2.1e-4
    EXPECT_LT(max_rel_error(up, du, loss, 1e-3), 1e-2);    // 8.9e-5
    // In place (inference) gives the same bits.
    loss();
    std::vector<float> g2 = gate;
    ops::swiglu_forward(g2.data(), g2.data(), up.data(), N);
    EXPECT_TRUE(same_bits(g2, out));
    // Saturated gates give finite gradients (exp overflows to inf, not NaN).
    std::vector<float> big = {-200.0f, 200.0f}, u2 = {1.0f, 1.0f}, d2(2, 0.0f), e2(2, 0.0f);
    ops::swiglu_backward(d2.data(), e2.data(), u2.data(), big.data(), u2.data(), 2);
    EXPECT_TRUE(all_finite(d2) && all_finite(e2));
}

// ---- pooling ----

// The head: final rmsnorm, then mean pooling and L2 normalisation.
TEST(Qwen2OpsGrad, FinalNormMeanPoolNormalize) {
    Rng rng(6);
    const int T = 4, E = 9;
    std::vector<float> x = random_vec(rng, T * E), w = random_vec(rng, E, 0.2f);
    for (float& v : w) {
        v += 1.0f;
    }
    const std::vector<float> proj = random_vec(rng, E);
    std::vector<float> y(T * E), rs(T), z(E), dy(T * E, 0.0f), dx(T * E, 0.0f);
    float rn = 0;
    auto fwd = [&] {
        ops::rmsnorm_forward(y.data(), rs.data(), x.data(), w.data(), T, E, 1e-6f);
        ops::pool_forward(z.data(), &rn, y.data(), T, E, Pooling::mean, true);
    };
    fwd();
    ops::pool_backward(dy.data(), proj.data(), z.data(), rn, T, E, Pooling::mean, true);
    ops::rmsnorm_backward(dx.data(), dy.data(), x.data(), w.data(), rs.data(), T, E);
    auto loss = [&] {
        fwd();
        return project(z, proj);
    };
    EXPECT_LT(max_rel_error(x, dx, loss, 1e-3), 1e-2);  // observed 4.6e-4
}

TEST(Qwen2OpsGrad, LastPoolingWithAndWithoutNormalize) {
    for (const bool normalize : {true, false}) {
        Rng rng(7);
        const int T = 3, E = 5;
        std::vector<float> y = random_vec(rng, T * E);
        const std::vector<float> proj = random_vec(rng, E);
        std::vector<float> z(E), dy(T * E, 0.0f);
        float rn = 0;
        ops::pool_forward(z.data(), &rn, y.data(), T, E, Pooling::last, normalize);
        ops::pool_backward(dy.data(), proj.data(), z.data(), rn, T, E, Pooling::last, normalize);
        auto loss = [&] {
            ops::pool_forward(z.data(), &rn, y.data(), T, E, Pooling::last, normalize);
            return project(z, proj);
        };
        EXPECT_LT(max_rel_error(y, dy, loss, 1e-3), 1e-2) << normalize;  // observed 6.6e-4
        for (int i = 0; i < (T - 1) * E; i++) {
            EXPECT_EQ(dy[i], 0.0f);  // only the last token is pooled
        }
        // Without rnorm (inference): the same output.
        std::vector<float> z2(E);
        loss();
        ops::pool_forward(z2.data(), nullptr, y.data(), T, E, Pooling::last, normalize);
        EXPECT_TRUE(same_bits(z, z2));
    }
    // A zero vector: zeros out, no NaN in the gradient.
    std::vector<float> y(6, 0.0f), z(3), dz = {1, 2, 3}, dy(6, 0.0f);
    float rn = 1;
    ops::pool_forward(z.data(), &rn, y.data(), 2, 3, Pooling::mean, true);
    ops::pool_backward(dy.data(), dz.data(), z.data(), rn, 2, 3, Pooling::mean, true);
    EXPECT_EQ(rn, 0.0f);
    EXPECT_TRUE(all_finite(z) && all_finite(dy));
}

}  // namespace
