// ruvllm/router/calibrate.h: confidence calibration of the embedding stage (temperature scaling,
// Guo et al. 2017) and its measure, the expected calibration error.
//
// The router's confidence is softmax(cosines / T)[argmax]. fit_temperature picks the T that
// minimises the negative log-likelihood of the true labels on held-out data (a golden-section
// search over log T in [1e-3, 10]); ece() bins the confidences (15 equal-width bins) and
// averages |accuracy - confidence| weighted by bin size.
#pragma once

#include <cstdint>
#include <vector>

namespace ruvllm {

// scores: (N, A) row-major cosines; labels: (N). Returns the fitted temperature.
float fit_temperature(const std::vector<float>& scores, const std::vector<int32_t>& labels, int A);

// Mean negative log-likelihood of the labels under softmax(scores / T).
double nll_at(const std::vector<float>& scores, const std::vector<int32_t>& labels, int A, float T);

// Expected calibration error of softmax(scores / T) with `bins` equal-width bins.
double ece(const std::vector<float>& scores,
           const std::vector<int32_t>& labels,
           int A,
           float T,
           int bins = 15);

}  // namespace ruvllm
