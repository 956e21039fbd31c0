// calibrate.cpp: temperature scaling and expected calibration error (see calibrate.h).
#include <algorithm>
#include <cmath>

#include <ruvllm/router/calibrate.h>

namespace ruvllm {

namespace {

// log-softmax of row `s` at index y, and the top probability and its index.
void row_stats(const float* s, int A, float T, int32_t y, double& logp_y, double& top_p, int& top) {
    float mx = s[0];
    top = 0;
    for (int a = 1; a < A; a++) {
        if (s[a] > mx) {
            mx = s[a];
            top = a;
        }
    }
    double sum = 0;
    for (int a = 0; a < A; a++) {
        sum += std::exp((s[a] - mx) / T);
    }
    logp_y = (s[y] - mx) / T - std::log(sum);
    top_p = 1.0 / sum;
}

}  // namespace

double nll_at(const std::vector<float>& scores,
              const std::vector<int32_t>& labels,
              int A,
              float T) {
    double nll = 0;
    double top_p = 0, logp = 0;
    int top = 0;
    for (size_t i = 0; i < labels.size(); i++) {
        row_stats(scores.data() + i * static_cast<size_t>(A), A, T, labels[i], logp, top_p, top);
        nll -= logp;
    }
    return labels.empty() ? 0 : nll / static_cast<double>(labels.size());
}

float fit_temperature(const std::vector<float>& scores, const std::vector<int32_t>& labels, int A) {
    // NLL is unimodal in log T for softmax temperature scaling: golden-section search.
    double lo = std::log(1e-3), hi = std::log(10.0);
    const double g = (std::sqrt(5.0) - 1) / 2;
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = nll_at(scores, labels, A, static_cast<float>(std::exp(x1)));
    double f2 = nll_at(scores, labels, A, static_cast<float>(std::exp(x2)));
    for (int it = 0; it < 60; it++) {
        if (f1 < f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = nll_at(scores, labels, A, static_cast<float>(std::exp(x1)));
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = nll_at(scores, labels, A, static_cast<float>(std::exp(x2)));
        }
    }
    return static_cast<float>(std::exp((lo + hi) / 2));
}

double ece(const std::vector<float>& scores,
           const std::vector<int32_t>& labels,
           int A,
           float T,
           int bins) {
    std::vector<double> conf(static_cast<size_t>(bins), 0.0), acc(static_cast<size_t>(bins), 0.0);
    std::vector<size_t> count(static_cast<size_t>(bins), 0);
    double top_p = 0, logp = 0;
    int top = 0;
    for (size_t i = 0; i < labels.size(); i++) {
        row_stats(scores.data() + i * static_cast<size_t>(A), A, T, labels[i], logp, top_p, top);
        // A non-finite score (only a model that overflows gives one) falls in the lowest bin
        // instead of indexing with int(NaN).
        if (!std::isfinite(top_p)) {
            top_p = 0;
        }
        const double at = std::clamp(top_p * bins, 0.0, static_cast<double>(bins - 1));
        const auto b = static_cast<size_t>(at);
        conf[b] += top_p;
        acc[b] += top == labels[i] ? 1.0 : 0.0;
        count[b]++;
    }
    double e = 0;
    for (size_t b = 0; b < count.size(); b++) {
        if (count[b] > 0) {
            e += std::abs(acc[b] - conf[b]);  // = count * |mean acc - mean conf|
        }
    }
    return labels.empty() ? 0 : e / static_cast<double>(labels.size());
}

}  // namespace ruvllm
