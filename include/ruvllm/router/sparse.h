// ruvllm/router/sparse.h: the sparse stage of the router, a linear softmax model over hashed word
// and character n-grams, blended with the embedding stage (#15). It catches exact phrases that a
// mean of word vectors blurs, and its errors differ from the embedding stage's, so the blend
// beats both.
//
// Features of a text (core/text.h's words w_1..w_n):
//   word unigrams   fasttext_hash(w_i)                                  mod 2^bits
//   word bigrams    fasttext_hash(w_i) * 116049371 + fasttext_hash(w_i+1) mod 2^bits (as fastText)
//   char n-grams    subword_buckets(w_i, minn, maxn, 2^bits)            (minn = 0: none)
// A feature may repeat; F is the list with repeats, |F| its length.
//
//   logits_a = b_a + (1 / |F|) sum_{f in F} W[f, a]          (no feature: logits = b)
//   q = softmax(logits)
// Training (train_sparse): stochastic gradient descent on cross-entropy over each distinct
// (text, label) once, one example at a time in a seeded shuffled order per epoch, learning rate
// decaying linearly to 0 (as fastText supervised, but full rank: W has one row of A weights per
// bucket).
//
// Blend with the embedding stage (p = softmax(cosines / tau), model.h), a product of experts:
//   blend_a = softmax_a(alpha * log p_a + (1 - alpha) * log q_a),  q = softmax(logits / T)
// alpha in [0, 1] and the sparse stage's temperature T are fitted together on held-out data
// (fit_blend: the grid alpha 0, 0.05, ..., 1 x T 0.25 ... 8 that minimises the blend's negative
// log-likelihood); alpha = 1 is the embedding stage alone. T matters because p is calibrated
// (tau is fitted on the same data) and q is not: with T fixed at 1 the fit favoured the
// calibrated stage on long texts where the sparse stage was the better one (#15). A file without
// a temperature (older routers) blends with T = 1.
//
// File layout (in the router GGUF; only buckets that training touched are stored):
//   router.sparse.weight {A, n} (F16)   router.sparse.bias {A} (F32)
//   ruvllm.router.sparse.buckets (u32 array of n ascending bucket ids, row i of the weight)
//   ruvllm.router.sparse.{bits, word_ngrams, minn, maxn} (u32), ruvllm.router.sparse.alpha (f32),
//   ruvllm.router.sparse.temperature (f32, optional: 1 when absent)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

struct LabeledSet;

struct SparseConfig {
    uint32_t bits = 20;        // 2^bits hash buckets while training
    uint32_t word_ngrams = 2;  // 1: unigrams only; 2: unigrams and bigrams
    uint32_t minn = 3;         // character n-grams minn..maxn of "<word>" (minn 0: none)
    uint32_t maxn = 5;
    // Chosen on the validation split of make run's 13-agent data (#15): lr 0.5..50 x 20..200
    // epochs; lr 5 x 100 epochs was within 0.3 points of the best (lr 10 x 200) at half the time.
    int epochs = 100;
    // Small data gets more epochs: train_sparse runs sparse_epochs(cfg, n) epochs, at least
    // `epochs` and enough for min_steps SGD steps (at most 1000 epochs). 0: `epochs` always.
    // `ruvllm train` sets 500000 (recipe.h): measured on validation (#15), 40 and 150 examples
    // per agent of make run's data gained 1.8 and 3.7 points of sparse-stage accuracy going from
    // 100 to 1000 epochs, and make run's 23k examples keep their 100 epochs.
    uint64_t min_steps = 0;
    float lr = 5.0f;
    uint64_t seed = 42;
};

// The epochs train_sparse runs on n distinct examples: max(epochs, min(1000, ceil(min_steps /
// n))).
int sparse_epochs(const SparseConfig& cfg, size_t n);

class SparseModel {
public:
    SparseModel() = default;

    bool empty() const { return A_ == 0; }

    int A() const { return A_; }

    const SparseConfig& config() const { return cfg_; }

    // The blend weight of the embedding stage (1 = embedding alone).
    float alpha() const { return alpha_; }

    void set_alpha(float a) { alpha_ = a; }

    // The temperature T of the sparse logits in the blend (above); 1 unless fitted.
    float temperature() const { return temperature_; }

    void set_temperature(float t) { temperature_ = t; }

    size_t rows() const { return buckets_.size(); }

    // The feature buckets of `text` (out cleared first), as described above.
    static void features(std::string_view text,
                         const SparseConfig& cfg,
                         std::vector<uint32_t>& out);

    // logits (A), written.
    void logits(std::string_view text, float* out) const;

    // Keys and tensors above; `name` replaces "sparse" in them (the n-gram heads, heads.h, are
    // stored as router.head.<name>.* and ruvllm.router.head.<name>.*: pass "head.<name>").
    Status write_to(gguf::File& file, std::string_view name = "sparse") const;
    // An absent model gives an empty one; malformed keys or tensors are Errc::format naming the
    // problem ("gguf: sparse stage: buckets are not ascending at 17").
    static Result<SparseModel> from_gguf(const gguf::File& file,
                                         int n_labels,
                                         std::string_view name = "sparse");

    // A model from its parts (train_sparse, the GGUF and adapter readers): W (n, A) row-major
    // for the ascending `buckets`. Errc::format naming what is wrong: settings out of range,
    // buckets not ascending or not below 2^bits, sizes that disagree, a non-finite weight, alpha
    // outside 0..1.
    static Result<SparseModel> make(SparseConfig cfg,
                                    int A,
                                    std::vector<uint32_t> buckets,
                                    std::vector<float> w,
                                    std::vector<float> b,
                                    float alpha);

    const std::vector<uint32_t>& buckets() const { return buckets_; }

    const std::vector<float>& weights() const { return w_; }  // (rows, A)

    const std::vector<float>& bias() const { return b_; }  // (A)

private:
    SparseConfig cfg_;
    int A_ = 0;
    std::vector<uint32_t> buckets_;  // ascending
    // bucket -> row + 1 (0: untrained), 2^bits entries: one lookup per feature when routing.
    std::vector<uint32_t> row_of_;
    std::vector<float> w_;  // (rows, A)
    std::vector<float> b_;  // (A)
    float alpha_ = 1.0f;
    float temperature_ = 1.0f;
};

// ---- forward / backward of one example (dense table, the training form) ----
// W: (2^bits, A), b: (A). Forward writes logits (A) and returns -log softmax(logits)[y]; probs
// (A) receives the softmax. Backward ADDS to dW (rows of F only) and db `scale` times the
// gradient of that loss: d logits = probs - onehot(y); dW[f] += scale * d logits / |F| for each
// occurrence of f. With dW = W, db = b and scale = -lr it is one SGD step (train_sparse).
float sparse_forward(float* logits,
                     float* probs,
                     const float* W,
                     const float* b,
                     const uint32_t* F,
                     int nF,
                     int A,
                     int y);
void sparse_backward(float* dW,
                     float* db,
                     const float* probs,
                     const uint32_t* F,
                     int nF,
                     int A,
                     int y,
                     float scale = 1.0f);

// Trains the model on `data` (its labels' order is the model's) for sparse_epochs() epochs, the
// number the model's config() then holds. The blend weight is left at 1.
// Errc::invalid_argument for bad settings (bits outside 8..26, maxn < minn, epochs < 1, lr <= 0)
// or no example.
Result<SparseModel> train_sparse(const LabeledSet& data, const SparseConfig& cfg, const Log& log);

// The blend (above) of cosines (A) at temperature tau and sparse logits (A) at temperature
// `temperature` into probs (A).
void blend_probs(const float* cosines,
                 float tau,
                 const float* logits,
                 float alpha,
                 int A,
                 float* probs,
                 float temperature = 1.0f);

// Mean negative log-likelihood of labels (N) under the blend of cosines (N, A) and logits (N, A).
double blend_nll(const std::vector<float>& cosines,
                 float tau,
                 const std::vector<float>& logits,
                 const std::vector<int32_t>& labels,
                 int A,
                 float alpha,
                 float temperature = 1.0f);

struct BlendFit {
    float alpha = 1.0f, temperature = 1.0f;
};

// The (alpha, T) of the grid alpha 0, 0.05, ..., 1 x T in {1, 0.5, 2, 0.25, 4, 8} with the
// lowest blend_nll; ties keep the earlier point (T = 1 first, then the larger alpha), so data that
// cannot tell them apart keeps the single-weight blend.
BlendFit fit_blend(const std::vector<float>& cosines,
                   float tau,
                   const std::vector<float>& logits,
                   const std::vector<int32_t>& labels,
                   int A);

// The alpha of the grid 0, 0.05, ..., 1 with the lowest blend_nll at T = 1 (ties: the larger
// alpha).
float fit_blend_alpha(const std::vector<float>& cosines,
                      float tau,
                      const std::vector<float>& logits,
                      const std::vector<int32_t>& labels,
                      int A);

}  // namespace ruvllm
