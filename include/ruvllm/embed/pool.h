// ruvllm/embed/pool.h: subword pooling with gradients into the embedding rows, so training can
// fine-tune the base's rows (sparse updates). pool_forward computes exactly what
// SubwordBase::embed computes (tested). Shape letters: D embedding dim, K words of the text.
//   mean       x = normalise(sum_k uhat_k),  uhat_k = normalise(mean_{r in word k} rows[r])
//   attention  x = normalise(sum_k a_k uhat_k),  a = softmax_k(q . uhat_k), with a learned
//              query q (D) (SubwordBase::pool_query); q = 0 gives the mean's direction. Words
//              whose vector is zero get a_k = 0 in both.
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
    std::vector<float> uhat;   // (K, D) normalised word vectors
    std::vector<float> uinv;   // (K) 1 / |u_k| (0 for a zero word vector)
    std::vector<float> alpha;  // (K) attention weights (empty for the mean)
    float xinv = 0.0f;         // 1 / |sum_k a_k uhat_k|
};

// x: (D) written. rows: (n_rows, D). q: the attention query (D), or null for the mean.
void pool_forward(float* x,
                  PoolActs& acts,
                  const TextRows& t,
                  const float* rows,
                  int D,
                  const float* q = nullptr);

// The attention step shared with SubwordBase::embed (the same floats): given K normalised word
// vectors uhat (K, D), their 1 / |u_k| (K; 0 marks a word without a vector, which gets weight
// 0) and the query q, writes the weights alpha (K) and the unnormalised sum x (D).
void attend(
    const float* uhat, const float* uinv, int K, int D, const float* q, float* alpha, float* x);

// Accumulates into drows (same layout as rows; null: the rows are frozen) for the rows the text
// reads, appending each row id it touches to `touched` (duplicates possible), and into dq (D)
// when the forward pass had a query q (both null for the mean). With parts > 1 only the rows
// with id % parts == part are accumulated and listed (dq is still whole): `parts` threads, one
// per part, write disjoint rows, each in the order a single thread would.
void pool_backward(float* drows,
                   std::vector<uint32_t>& touched,
                   const float* dx,
                   const float* x,
                   const PoolActs& acts,
                   const TextRows& t,
                   int D,
                   const float* q = nullptr,
                   float* dq = nullptr,
                   uint32_t part = 0,
                   uint32_t parts = 1);

}  // namespace ruvllm
