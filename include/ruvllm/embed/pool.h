// ruvllm/embed/pool.h: subword mean pooling with gradients into the embedding rows, so training can
// fine-tune the base's rows (sparse updates). pool_forward computes exactly what
// SubwordBase::embed computes (tested): x = normalise(mean_k normalise(mean_{r in word k}
// rows[r])). Shape letters: D embedding dim, K words of the text.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <ruvllm/embed/subword.h>

namespace ruvllm {

// The rows a text reads: word k uses ids[start[k] .. start[k+1]).
struct TextRows {
    std::vector<uint32_t> ids;
    std::vector<uint32_t> start;  // K + 1 offsets

    int words() const { return static_cast<int>(start.size()) - 1; }
};

// Tokenises `text` and looks up every word's rows (words with no rows are dropped).
TextRows text_rows(const SubwordBase& base, std::string_view text);

struct PoolActs {
    std::vector<float> uhat;  // (K, D) normalised word vectors
    std::vector<float> uinv;  // (K) 1 / |u_k| (0 for a zero word vector)
    float xinv = 0.0f;        // 1 / |sum_k uhat_k / K|
};

// x: (D) written. rows: (n_rows, D).
void pool_forward(float* x, PoolActs& acts, const TextRows& t, const float* rows, int D);

// Accumulates into drows (same layout as rows) for the rows the text reads; appends each row id
// it touches to `touched` (duplicates possible).
void pool_backward(float* drows,
                   std::vector<uint32_t>& touched,
                   const float* dx,
                   const float* x,
                   const PoolActs& acts,
                   const TextRows& t,
                   int D);

}  // namespace ruvllm
