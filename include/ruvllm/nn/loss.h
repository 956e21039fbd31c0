// ruvllm/nn/loss.h: the layers and losses of the router, as llm.c-style forward/backward pairs
// over raw float pointers. Every *_backward ACCUMULATES (+=) into its gradient outputs, so a
// parameter used twice (the projection applied to anchor and positive) sums both contributions.
// Each pair has a finite-difference test in tests/loss_test.cpp.
//
// Shape letters: B batch rows, D input (base) dim, E embedding dim, A labels (agents).
#pragma once

#include <cstdint>

namespace ruvllm {

// ---- layers ----

// y = x w^T + b.   x: (B, D), w: (E, D), b: (E) or null, y: (B, E) (written)
void linear_forward(float* y, const float* x, const float* w, const float* b, int B, int D, int E);
// Accumulates dx (may be null), dw, db (may be null).
void linear_backward(float* dx,
                     float* dw,
                     float* db,
                     const float* dy,
                     const float* x,
                     const float* w,
                     int B,
                     int D,
                     int E);

// z = y / |y| per row; r caches 1/|y| (0 for a zero row).   y, z: (B, E), r: (B)
void l2norm_forward(float* z, float* r, const float* y, int B, int E);
// dy += (dz - z (z . dz)) * r
void l2norm_backward(float* dy, const float* dz, const float* z, const float* r, int B, int E);

// ---- losses (return the mean over the batch) ----

// Cross-entropy over label prototypes: s[i][a] = z_i . p_a / tau, loss = mean_i -log
// softmax(s_i)[y_i].   z: (B, E), p: (A, E), y: (B), probs: (B, A) written (softmax).
float proto_ce_forward(
    float* probs, const float* z, const float* p, const int32_t* y, int B, int E, int A, float tau);
// Accumulates dz (B, E) and dp (A, E).
void proto_ce_backward(float* dz,
                       float* dp,
                       const float* probs,
                       const float* z,
                       const float* p,
                       const int32_t* y,
                       int B,
                       int E,
                       int A,
                       float tau);

// Cosine triplet loss against prototypes (rows of z and p are unit vectors):
//   loss_i = max(0, margin - z_i . p_pos[i] + z_i . p_neg[i]); mean over i.
// Rows with neg[i] < 0 have no negative and add 0 (they still count in the mean).
float triplet_forward(const float* z,
                      const float* p,
                      const int32_t* pos,
                      const int32_t* neg,
                      int B,
                      int E,
                      float margin);
void triplet_backward(float* dz,
                      float* dp,
                      const float* z,
                      const float* p,
                      const int32_t* pos,
                      const int32_t* neg,
                      int B,
                      int E,
                      float margin);

// InfoNCE between rows of q and k with in-batch negatives, where a negative k_j that shares
// the anchor's label (label[j] == label[i], j != i) is MASKED out of the denominator:
//   s[i][j] = q_i . k_j / tau; loss = mean_i( logsumexp_{j unmasked} s[i][j] - s[i][i] ).
// probs: (B, B) written: softmax over unmasked j, 0 where masked.
float info_nce_forward(
    float* probs, const float* q, const float* k, const int32_t* label, int B, int E, float tau);
// dL/ds[i][j] = (probs[i][j] - [i == j]) / B; accumulates dq, dk.
void info_nce_backward(float* dq,
                       float* dk,
                       const float* probs,
                       const float* q,
                       const float* k,
                       int B,
                       int E,
                       float tau);

}  // namespace ruvllm
