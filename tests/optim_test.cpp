// optim_test.cpp: AdamW against a hand computation, the schedule, and clipping.
#include <cmath>

#include <gtest/gtest.h>

#include <ruvllm/nn/optim.h>

TEST(AdamW, FirstStepMatchesHandComputation) {
    ruvllm::AdamConfig c{0.1f, 0.9f, 0.999f, 1e-8f, 0.01f};
    std::vector<float> w = {1.0f, -2.0f}, g = {0.5f, -0.25f}, m(2, 0), v(2, 0);
    ruvllm::adamw_update(w.data(), g.data(), m.data(), v.data(), 2, c, c.lr, 1);
    // t = 1: mhat = g, vhat = g^2, so the step is lr * g / (|g| + eps) = lr * sign(g), plus decay.
    EXPECT_NEAR(m[0], 0.05f, 1e-7);
    EXPECT_NEAR(v[0], 0.00025f, 1e-8);
    EXPECT_NEAR(w[0], 1.0f - 0.1f * (0.5f / (0.5f + 1e-8f) + 0.01f * 1.0f), 1e-6);
    EXPECT_NEAR(w[1], -2.0f - 0.1f * (-0.25f / (0.25f + 1e-8f) + 0.01f * -2.0f), 1e-6);
}

TEST(AdamW, SecondStepUsesBiasCorrection) {
    ruvllm::AdamConfig c{0.01f, 0.9f, 0.999f, 1e-8f, 0.0f};
    std::vector<float> w = {0.0f}, m = {0}, v = {0};
    std::vector<float> g1 = {1.0f}, g2 = {3.0f};
    ruvllm::adamw_update(w.data(), g1.data(), m.data(), v.data(), 1, c, c.lr, 1);
    ruvllm::adamw_update(w.data(), g2.data(), m.data(), v.data(), 1, c, c.lr, 2);
    const double m2 = 0.9 * 0.1 + 0.1 * 3.0, v2 = 0.999 * 0.001 + 0.001 * 9.0;
    const double mhat = m2 / (1 - 0.81), vhat = v2 / (1 - 0.998001);
    EXPECT_NEAR(w[0], -0.01 - 0.01 * mhat / (std::sqrt(vhat) + 1e-8), 1e-6);
}

TEST(AdamW, RowUpdateTouchesOnlyListedRows) {
    ruvllm::AdamConfig c{0.1f, 0.9f, 0.999f, 1e-8f, 0.0f};
    const int D = 2;
    std::vector<float> w = {1, 1, 1, 1, 1, 1}, g = {1, 1, 1, 1, 1, 1}, m(6, 0), v(6, 0);
    ruvllm::adamw_update_rows(w.data(), g.data(), m.data(), v.data(), {1}, D, c, c.lr, 1);
    EXPECT_EQ(w[0], 1.0f);
    EXPECT_NEAR(w[2], 0.9f, 1e-6);
    EXPECT_EQ(w[4], 1.0f);
    EXPECT_EQ(m[4], 0.0f);
}

TEST(Schedule, WarmupThenLinearDecay) {
    EXPECT_FLOAT_EQ(ruvllm::lr_at(1.0f, 0, 10, 110), 0.1f);
    EXPECT_FLOAT_EQ(ruvllm::lr_at(1.0f, 9, 10, 110), 1.0f);
    EXPECT_FLOAT_EQ(ruvllm::lr_at(1.0f, 10, 10, 110), 1.0f);
    EXPECT_FLOAT_EQ(ruvllm::lr_at(1.0f, 60, 10, 110), 0.5f);
    EXPECT_FLOAT_EQ(ruvllm::lr_at(1.0f, 110, 10, 110), 0.0f);
    EXPECT_FLOAT_EQ(ruvllm::lr_at(2.0f, 5, 0, 0), 2.0f);
}

TEST(Clip, ScalesOnlyAboveTheLimit) {
    EXPECT_FLOAT_EQ(ruvllm::clip_factor(0.5, 1.0f), 1.0f);
    EXPECT_FLOAT_EQ(ruvllm::clip_factor(4.0, 1.0f), 0.25f);
    EXPECT_FLOAT_EQ(ruvllm::clip_factor(4.0, 0.0f), 1.0f);  // 0 disables clipping
    std::vector<float> g = {3, 4};
    EXPECT_DOUBLE_EQ(ruvllm::sum_squares(g.data(), 2), 25.0);
}
