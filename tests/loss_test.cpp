// loss_test.cpp: finite-difference checks of every backward pass, and closed forms.
#include <cmath>

#include <gtest/gtest.h>

#include <ruvllm/nn/loss.h>

#include "gradcheck.h"

using ruvllm::test::max_rel_error;
using ruvllm::test::project;
using ruvllm::test::random_unit_rows;
using ruvllm::test::random_vec;

TEST(GradCheck, Linear) {
    ruvllm::Rng rng(1);
    const int B = 3, D = 5, E = 4;
    std::vector<float> x = random_vec(rng, B * D), w = random_vec(rng, E * D),
                       b = random_vec(rng, E), fw = random_vec(rng, B * E), y(B * E);
    auto loss = [&] {
        ruvllm::linear_forward(y.data(), x.data(), w.data(), b.data(), B, D, E);
        return project(y, fw);
    };
    std::vector<float> dx(B * D, 0), dw(E * D, 0), db(E, 0);
    ruvllm::linear_backward(
        dx.data(), dw.data(), db.data(), fw.data(), x.data(), w.data(), B, D, E);
    EXPECT_LT(max_rel_error(x, dx, loss), 1e-2);
    EXPECT_LT(max_rel_error(w, dw, loss), 1e-2);
    EXPECT_LT(max_rel_error(b, db, loss), 1e-2);
}

TEST(GradCheck, BackwardAccumulates) {
    ruvllm::Rng rng(2);
    const int B = 2, D = 3, E = 2;
    std::vector<float> x = random_vec(rng, B * D), w = random_vec(rng, E * D),
                       dy = random_vec(rng, B * E);
    std::vector<float> dw1(E * D, 0), dw2(E * D, 0);
    ruvllm::linear_backward(nullptr, dw1.data(), nullptr, dy.data(), x.data(), w.data(), B, D, E);
    ruvllm::linear_backward(nullptr, dw2.data(), nullptr, dy.data(), x.data(), w.data(), B, D, E);
    ruvllm::linear_backward(nullptr, dw2.data(), nullptr, dy.data(), x.data(), w.data(), B, D, E);
    for (size_t i = 0; i < dw1.size(); i++) {
        EXPECT_FLOAT_EQ(dw2[i], 2 * dw1[i]);
    }
}

TEST(GradCheck, L2Norm) {
    ruvllm::Rng rng(3);
    const int B = 3, E = 4;
    std::vector<float> y = random_vec(rng, B * E), fw = random_vec(rng, B * E), z(B * E), r(B);
    auto loss = [&] {
        ruvllm::l2norm_forward(z.data(), r.data(), y.data(), B, E);
        return project(z, fw);
    };
    loss();
    std::vector<float> dy(B * E, 0);
    ruvllm::l2norm_backward(dy.data(), fw.data(), z.data(), r.data(), B, E);
    EXPECT_LT(max_rel_error(y, dy, loss), 1e-2);
}

TEST(GradCheck, PrototypeCrossEntropy) {
    ruvllm::Rng rng(4);
    const int B = 3, E = 4, A = 5;
    const float tau = 0.5f;
    std::vector<float> z = random_unit_rows(rng, B, E), p = random_unit_rows(rng, A, E);
    std::vector<int32_t> y = {0, 3, 4};
    std::vector<float> probs(B * A);
    auto loss = [&] {
        return ruvllm::proto_ce_forward(probs.data(), z.data(), p.data(), y.data(), B, E, A, tau);
    };
    loss();
    std::vector<float> dz(B * E, 0), dp(A * E, 0);
    ruvllm::proto_ce_backward(
        dz.data(), dp.data(), probs.data(), z.data(), p.data(), y.data(), B, E, A, tau);
    EXPECT_LT(max_rel_error(z, dz, loss), 1e-2);
    EXPECT_LT(max_rel_error(p, dp, loss), 1e-2);
}

TEST(GradCheck, Triplet) {
    ruvllm::Rng rng(5);
    const int B = 4, E = 4, A = 3;
    std::vector<float> z = random_unit_rows(rng, B, E), p = random_unit_rows(rng, A, E);
    std::vector<int32_t> pos = {0, 1, 2, 0}, neg = {1, 2, 0, -1};
    const float margin = 1.5f;  // large: every hinge active, so the loss is smooth here
    auto loss = [&] {
        return ruvllm::triplet_forward(z.data(), p.data(), pos.data(), neg.data(), B, E, margin);
    };
    std::vector<float> dz(B * E, 0), dp(A * E, 0);
    ruvllm::triplet_backward(
        dz.data(), dp.data(), z.data(), p.data(), pos.data(), neg.data(), B, E, margin);
    EXPECT_LT(max_rel_error(z, dz, loss), 1e-2);
    EXPECT_LT(max_rel_error(p, dp, loss), 1e-2);
    // The row without a negative has no gradient.
    for (int e = 0; e < E; e++) {
        EXPECT_EQ(dz[3 * E + e], 0.0f);
    }
}

TEST(Triplet, InactiveHingeGivesZeroLossAndGradient) {
    const int E = 2;
    std::vector<float> z = {1, 0}, p = {1, 0, 0, 1};  // cos(z,pos)=1, cos(z,neg)=0
    std::vector<int32_t> pos = {0}, neg = {1};
    EXPECT_FLOAT_EQ(ruvllm::triplet_forward(z.data(), p.data(), pos.data(), neg.data(), 1, E, 0.5f),
                    0.0f);
    EXPECT_FLOAT_EQ(ruvllm::triplet_forward(z.data(), p.data(), pos.data(), neg.data(), 1, E, 1.5f),
                    0.5f);  // 1.5 - 1 + 0
    std::vector<float> dz(2, 0), dp(4, 0);
    ruvllm::triplet_backward(
        dz.data(), dp.data(), z.data(), p.data(), pos.data(), neg.data(), 1, E, 0.5f);
    EXPECT_EQ(dz, (std::vector<float>{0, 0}));
}

TEST(GradCheck, InfoNceWithLabelMasking) {
    ruvllm::Rng rng(6);
    const int B = 4, E = 3;
    const float tau = 0.3f;
    std::vector<float> q = random_unit_rows(rng, B, E), k = random_unit_rows(rng, B, E);
    std::vector<int32_t> label = {0, 1, 0, 2};  // rows 0 and 2 share a label
    std::vector<float> probs(B * B);
    auto loss = [&] {
        return ruvllm::info_nce_forward(probs.data(), q.data(), k.data(), label.data(), B, E, tau);
    };
    loss();
    std::vector<float> dq(B * E, 0), dk(B * E, 0);
    ruvllm::info_nce_backward(dq.data(), dk.data(), probs.data(), q.data(), k.data(), B, E, tau);
    EXPECT_LT(max_rel_error(q, dq, loss), 1e-2);
    EXPECT_LT(max_rel_error(k, dk, loss), 1e-2);
}

TEST(InfoNce, IdenticalKeysGiveLogB) {
    const int B = 5, E = 3;
    std::vector<float> q(B * E, 0.0f), k(B * E, 0.0f), probs(B * B);
    for (int i = 0; i < B; i++) {
        q[static_cast<size_t>(i) * E] = 1.0f;
        k[static_cast<size_t>(i) * E] = 1.0f;  // every similarity is equal
    }
    std::vector<int32_t> label = {0, 1, 2, 3, 4};
    EXPECT_NEAR(
        ruvllm::info_nce_forward(probs.data(), q.data(), k.data(), label.data(), B, E, 0.07f),
        std::log(B),
        1e-6);
}

TEST(InfoNce, MaskingRemovesSameLabelNegatives) {
    const int B = 4, E = 3;
    std::vector<float> q(B * E, 0.0f), k(B * E, 0.0f), probs(B * B);
    for (int i = 0; i < B; i++) {
        q[static_cast<size_t>(i) * E] = 1.0f;
        k[static_cast<size_t>(i) * E] = 1.0f;
    }
    // Rows 0, 1, 2 share a label: for each of them only itself and row 3 are in the
    // denominator, so the loss is log 2 for those rows and log 4 for row 3.
    std::vector<int32_t> label = {7, 7, 7, 9};
    const float l =
        ruvllm::info_nce_forward(probs.data(), q.data(), k.data(), label.data(), B, E, 0.1f);
    EXPECT_NEAR(l, (3 * std::log(2.0) + std::log(4.0)) / 4, 1e-6);
    EXPECT_EQ(probs[0 * B + 1], 0.0f);
    EXPECT_EQ(probs[0 * B + 2], 0.0f);
    EXPECT_NEAR(probs[0 * B + 3], 0.5f, 1e-6);
    EXPECT_NEAR(probs[3 * B + 0], 0.25f, 1e-6);
}

TEST(ProtoCe, UniformScoresGiveLogA) {
    const int E = 2, A = 4;
    std::vector<float> z = {1, 0}, p(A * E, 0.0f), probs(A);
    std::vector<int32_t> y = {2};
    EXPECT_NEAR(
        ruvllm::proto_ce_forward(probs.data(), z.data(), p.data(), y.data(), 1, E, A, 0.07f),
        std::log(A),
        1e-6);
}
