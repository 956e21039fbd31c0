// calibrate_test.cpp: temperature scaling recovers a known temperature on synthetic data and
// lowers the expected calibration error of an over-confident model.
#include <cmath>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/router/calibrate.h>

namespace {

// N rows of A random cosines; each label drawn from softmax(scores / T_true).
void synthetic(float T_true, int N, int A, std::vector<float>& s, std::vector<int32_t>& y) {
    ruvllm::Rng rng(17);
    s.resize(static_cast<size_t>(N) * A);
    y.resize(static_cast<size_t>(N));
    for (int i = 0; i < N; i++) {
        double sum = 0;
        std::vector<double> p(static_cast<size_t>(A));
        for (int a = 0; a < A; a++) {
            s[static_cast<size_t>(i) * A + a] = 2 * rng.uniform_f32() - 1;
            p[static_cast<size_t>(a)] = std::exp(s[static_cast<size_t>(i) * A + a] / T_true);
            sum += p[static_cast<size_t>(a)];
        }
        double u = rng.uniform_f64() * sum;
        int label = A - 1;
        for (int a = 0; a < A; a++) {
            u -= p[static_cast<size_t>(a)];
            if (u <= 0) {
                label = a;
                break;
            }
        }
        y[static_cast<size_t>(i)] = label;
    }
}

}  // namespace

TEST(Calibrate, RecoversAKnownTemperature) {
    std::vector<float> s;
    std::vector<int32_t> y;
    synthetic(0.2f, 20000, 5, s, y);
    const float T = ruvllm::fit_temperature(s, y, 5);
    EXPECT_NEAR(T, 0.2f, 0.01f);
    EXPECT_LT(ruvllm::nll_at(s, y, 5, T), ruvllm::nll_at(s, y, 5, 0.05f));
    EXPECT_LT(ruvllm::nll_at(s, y, 5, T), ruvllm::nll_at(s, y, 5, 1.0f));
}

TEST(Calibrate, FittedTemperatureLowersEce) {
    std::vector<float> s;
    std::vector<int32_t> y;
    synthetic(0.2f, 20000, 5, s, y);
    const double over = ruvllm::ece(s, y, 5, 0.02f);  // far too confident
    const double fitted = ruvllm::ece(s, y, 5, ruvllm::fit_temperature(s, y, 5));
    EXPECT_GT(over, 0.2);
    EXPECT_LT(fitted, 0.02);
}

TEST(Calibrate, EceByHand) {
    // Two rows, two labels, T = 1: scores (0, 0) -> confidence 0.5, predicted label 0.
    // Row 1 is right, row 2 wrong: one bin, accuracy 0.5, confidence 0.5 -> ECE 0.
    std::vector<float> s = {0, 0, 0, 0};
    EXPECT_NEAR(ruvllm::ece(s, {0, 1}, 2, 1.0f), 0.0, 1e-12);
    // Both wrong: accuracy 0, confidence 0.5 -> ECE 0.5.
    EXPECT_NEAR(ruvllm::ece(s, {1, 1}, 2, 1.0f), 0.5, 1e-12);
    // A NaN score (a broken model) once indexed the bins with int(NaN): now it is a row of
    // confidence 0 and the result stays a number in [0, 1].
    s[0] = std::numeric_limits<float>::quiet_NaN();
    const double e = ruvllm::ece(s, {0, 1}, 2, 1.0f);
    EXPECT_TRUE(std::isfinite(e));
    EXPECT_GE(e, 0.0);
    EXPECT_LE(e, 1.0);
}
