// gradcheck.h: central finite differences against analytic gradients (STYLE R8).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <ruvllm/core/rng.h>

namespace ruvllm::test {

// Largest relative error between `analytic` and central differences of `loss()` w.r.t. `x`,
// over all coordinates (or `max_coords` of them, spread evenly, when x is large).
template <class LossFn>
double max_rel_error(std::vector<float>& x,
                     const std::vector<float>& analytic,
                     LossFn loss,
                     double eps = 1e-3,
                     size_t max_coords = 0) {
    double worst = 0.0;
    const size_t n = x.size();
    const size_t stride = max_coords > 0 && n > max_coords ? n / max_coords : 1;
    for (size_t i = 0; i < n; i += stride) {
        const float saved = x[i];
        x[i] = static_cast<float>(saved + eps);
        const double up = loss();
        x[i] = static_cast<float>(saved - eps);
        const double down = loss();
        x[i] = saved;
        const double numeric = (up - down) / (2.0 * eps);
        const double scale = std::max({1e-2, std::abs(numeric), std::abs(double(analytic[i]))});
        worst = std::max(worst, std::abs(numeric - analytic[i]) / scale);
    }
    return worst;
}

inline std::vector<float> random_vec(Rng& rng, size_t n, float scale = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v) {
        x = scale * (2 * rng.uniform_f32() - 1);
    }
    return v;
}

inline std::vector<float> random_unit_rows(Rng& rng, int rows, int cols) {
    std::vector<float> v = random_vec(rng, static_cast<size_t>(rows) * cols);
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
            s += v[static_cast<size_t>(r) * cols + c] * v[static_cast<size_t>(r) * cols + c];
        }
        for (int c = 0; c < cols; c++) {
            v[static_cast<size_t>(r) * cols + c] /= static_cast<float>(std::sqrt(s));
        }
    }
    return v;
}

// A fixed random projection used as the scalar loss of a layer: L = sum_i w_i out_i.
inline double project(const std::vector<float>& out, const std::vector<float>& w) {
    double s = 0;
    for (size_t i = 0; i < out.size(); i++) {
        s += static_cast<double>(out[i]) * w[i];
    }
    return s;
}

}  // namespace ruvllm::test
