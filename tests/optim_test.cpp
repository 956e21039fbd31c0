// optim_test.cpp: AdamW against a hand computation, the schedule, and clipping.
#include <cmath>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/core/team.h>
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

TEST(ParamGroups, NormScaleAndStepOverDenseAndSparseGroups) {
    // A dense group of 2 values and a sparse (3 rows x 2) table with rows 0 and 2 touched.
    std::vector<float> pd = {1, 2}, gd = {3, 4}, md(2), vd(2);
    std::vector<float> ps = {1, 1, 1, 1, 1, 1}, gs = {1, 2, 9, 9, 2, 1}, ms(6), vs(6);
    const std::vector<uint32_t> rows = {0, 2};
    ruvllm::ParamGroup dense{pd.data(), gd.data(), md.data(), vd.data(), 2, nullptr, 0, 0.1f, 1};
    ruvllm::ParamGroup sparse{ps.data(), gs.data(), ms.data(), vs.data(), 0, &rows, 2, 0.1f, 0.5f};
    const std::vector<ruvllm::ParamGroup> groups = {sparse, dense};
    // 3^2 + 4^2 (dense first, whatever the list order) + 1 + 4 + 4 + 1 (rows 0 and 2 only).
    EXPECT_DOUBLE_EQ(ruvllm::grad_norm2(groups), 25.0 + 10.0);
    ruvllm::scale_grads(groups, 0.5f);
    EXPECT_EQ(gd, (std::vector<float>{1.5f, 2}));
    EXPECT_EQ(gs, (std::vector<float>{0.5f, 1, 9, 9, 1, 0.5f}));  // row 1 untouched
    // One step equals the plain updates at lr_at(peak, t - 1) * scale, then zero gradients.
    std::vector<float> wd = pd, mmd(2), vvd(2), gcopy = gd;
    std::vector<float> ws = ps, mms(6), vvs(6), gscopy = gs;
    const ruvllm::AdamConfig c{};
    ruvllm::adamw_step(groups, c, 3, 2, 10);
    ruvllm::adamw_update(
        wd.data(), gcopy.data(), mmd.data(), vvd.data(), 2, c, ruvllm::lr_at(0.1f, 2, 2, 10), 3);
    ruvllm::adamw_update_rows(ws.data(),
                              gscopy.data(),
                              mms.data(),
                              vvs.data(),
                              rows,
                              2,
                              c,
                              ruvllm::lr_at(0.1f, 2, 2, 10) * 0.5f,
                              3);
    EXPECT_EQ(pd, wd);
    EXPECT_EQ(ps, ws);
    EXPECT_EQ(gd, (std::vector<float>{0, 0}));
    EXPECT_EQ(gs, (std::vector<float>{0, 0, 9, 9, 0, 0}));  // only the touched rows are zeroed
}

// With a thread team the sparse groups' rows are split over its members; norm, scaling and step
// give the same bits as on one thread, for any team size.
TEST(ParamGroups, ATeamGivesTheSameBitsAsOneThread) {
    const int n_rows = 500, D = 7;
    ruvllm::Rng rng(11);
    auto randv = [&](size_t n) {
        std::vector<float> v(n);
        for (float& x : v) {
            x = rng.uniform_f32() * 2.0f - 1.0f;
        }
        return v;
    };
    const std::vector<float> p0 = randv(n_rows * D), g0 = randv(n_rows * D), pd0 = randv(5),
                             gd0 = randv(5);
    std::vector<uint32_t> rows;
    for (uint32_t r = 0; r < n_rows; r += 3) {
        rows.push_back(r);
    }

    struct State {
        std::vector<float> p, g, m, v, pd, gd, md, vd;
        double norm = 0;
    };

    auto run = [&](ruvllm::Team* team) {
        State s{p0,
                g0,
                std::vector<float>(p0.size()),
                std::vector<float>(p0.size()),
                pd0,
                gd0,
                std::vector<float>(5),
                std::vector<float>(5)};
        for (int64_t t = 1; t <= 3; t++) {
            const std::vector<ruvllm::ParamGroup> groups = {
                {s.p.data(), s.g.data(), s.m.data(), s.v.data(), 0, &rows, D, 0.1f, 0.5f},
                {s.pd.data(), s.gd.data(), s.md.data(), s.vd.data(), 5, nullptr, 0, 0.1f, 1}};
            s.norm += ruvllm::grad_norm2(groups, team);
            ruvllm::scale_grads(groups, 0.75f, team);
            ruvllm::adamw_step(groups, {}, t, 1, 10, team);
            s.g = g0;  // fresh gradients for the next step
            s.gd = gd0;
        }
        return s;
    };
    const State one = run(nullptr);
    EXPECT_GT(one.norm, 0.0);
    for (int threads : {1, 2, 3}) {
        ruvllm::Team team(threads);
        const State many = run(&team);
        EXPECT_EQ(many.p, one.p) << threads;
        EXPECT_EQ(many.m, one.m) << threads;
        EXPECT_EQ(many.v, one.v) << threads;
        EXPECT_EQ(many.pd, one.pd) << threads;
        EXPECT_EQ(many.norm, one.norm) << threads;
    }
}
