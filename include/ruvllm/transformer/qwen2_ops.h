// ruvllm/transformer/qwen2_ops.h: the building blocks of the Qwen2 transformer, written once for
// the inference pass (Qwen2Model, qwen2.h) and the training pass (Qwen2LoraStack, qwen2_lora.h),
// llm.c style: free functions over raw row-major float pointers, shapes in the comments, and
// every *_backward accumulating (+=) into its outputs.
//
// Shape letters: T tokens, E embedding size, H query heads, K kv heads, D head size, R rows
// (outputs) / C columns (inputs) of a weight matrix, r LoRA rank, N a flat length.
//
//   rmsnorm     y = x / sqrt(mean(x^2) + eps) * w, per row
//   rope        NEOX: the pairs (i, i + D/2) of each head rotated by pos * base^(-2i/D)
//   attention   causal grouped-query softmax(q.k / sqrt(D)) v; query head h reads kv head
//               h / (H/K)
//   swiglu      silu(g) * u,  silu(g) = g / (1 + exp(-g))
//   linear      y = x W^T + b, plus s (x A^T) B^T with a LoRA A (r, C), B (R, r) (lora.h)
//   pool        the mean of the rows or the last row, then divided by its norm if normalising
//
// Each function fixes its order of float operations (documented where it matters), so both
// passes get the same bits from the same inputs; the one block with two orders is attention
// (attention_train_forward says why). Products take a Team (team.h; null: this thread only)
// and split their outputs over it, each output summed in an order that does not depend on the
// split: results do not depend on the team's size. Products of fewer than 2^18 multiply-adds
// run on the calling thread.
//
// Usage (one attention block of the inference pass; qwen2.cpp has the whole layer):
//   namespace ops = ruvllm::qwen2_ops;
//   ops::rmsnorm_forward(n, nullptr, x, attn_norm, T, E, eps);
//   /* q, k, v = products of n */
//   ops::rope_table(cos, sin, pos, T, D, base);   // once per pass: every layer uses it
//   ops::rope_forward(q, cos, sin, T, H, D);
//   ops::rope_forward(k, cos, sin, T, K, D);
//   ops::attention_forward(a, q, k, v, seq_start, T, H, K, D, 0, 1);
#pragma once

#include <cstddef>

namespace ruvllm {

class Team;  // core/team.h

enum class Pooling { mean, last };

namespace qwen2_ops {

// ---- products ----

// a . b over n floats with 8 partial sums: sum j adds the products k = j (mod 8) in order, the
// n % 8 tail goes to sum 0, then ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)).
float dot(const float* a, const float* b, int n);

// out (T, R) = x (T, C) W^T + bias (R, or null); each output is bias + one dot(). Split over
// `team` by rows of W.
void matmul_forward(
    float* out, const float* x, const float* w, const float* bias, int T, int R, int C, Team* team);
// dx (T, C) += dy (T, R) W (R, C); each element adds the rows of W in blocks of 4, ascending.
// Split over `team` by columns.
void matmul_backward(float* dx, const float* dy, const float* w, int T, int R, int C, Team* team);

// A LoRA's term of a linear layer: u (T, r) = x A^T (matmul_forward), then
// y (T, R) += s dot(B_o, u_t) for each output o.  x (T, C), A (r, C), B (R, r).
void lora_forward(float* y,
                  float* u,
                  const float* x,
                  const float* A,
                  const float* B,
                  int T,
                  int C,
                  int R,
                  int r,
                  float s,
                  Team* team);
// Accumulates dx (T, C) += s (dy B) A (dx may be null), dA (r, C) += s (dy B)^T x and
// dB (R, r) += s dy^T u, given dy (T, R) and lora_forward's u.
void lora_backward(float* dx,
                   float* dA,
                   float* dB,
                   const float* dy,
                   const float* x,
                   const float* u,
                   const float* A,
                   const float* B,
                   int T,
                   int C,
                   int R,
                   int r,
                   float s);

// y (T, R) = x W^T + b + s (x A^T) B^T and u (T, r) = x A^T: matmul_forward, then lora_forward
// when r > 0 (r == 0: a plain linear layer; A, B and u unused). x (T, C), W (R, C), b (R) or
// null.
void lora_linear_forward(float* y,
                         float* u,
                         const float* x,
                         const float* W,
                         const float* b,
                         const float* A,
                         const float* B,
                         int T,
                         int C,
                         int R,
                         int r,
                         float s,
                         Team* team);
// Accumulates dx (T, C) += dy W (matmul_backward; skipped when dx is null), then
// lora_backward when r > 0.
void lora_linear_backward(float* dx,
                          float* dA,
                          float* dB,
                          const float* dy,
                          const float* x,
                          const float* u,
                          const float* W,
                          const float* A,
                          const float* B,
                          int T,
                          int C,
                          int R,
                          int r,
                          float s,
                          Team* team);

// ---- rmsnorm ----

// y (T, E) = x_t * rs_t * w for each row x_t of x (T, E), w (E), with
// rs_t = 1 / sqrt(sum(x_t^2) / E + eps) (squares summed in double; 0 where that is not a finite
// positive float, e.g. a zero row with eps == 0). rs (T) receives rs_t unless null.
void rmsnorm_forward(float* y, float* rs, const float* x, const float* w, int T, int E, float eps);
// dx (T, E) += rs w dy - rs^3 / E x sum_i(w_i dy_i x_i), given rmsnorm_forward's rs (T). w is
// frozen (no gradient).
void rmsnorm_backward(
    float* dx, const float* dy, const float* x, const float* w, const float* rs, int T, int E);

// ---- rope ----

// cos, sin (T, D/2): of the angles pos_t * base^(-2i/D) (computed in double), pos_t = pos[t]
// (pos (T), or null for pos_t = t).
void rope_table(float* cos, float* sin, const int* pos, int T, int D, float base);
// x (T, n_heads, D) in place: (x_i, x_{i+D/2}) of every head of token t rotated by t's angles
// of the table: (x_i c - x_{i+D/2} s, x_i s + x_{i+D/2} c).
void rope_forward(float* x, const float* cos, const float* sin, int T, int n_heads, int D);
// d (T, n_heads, D) in place, from the gradient w.r.t. rope_forward's output to that w.r.t.
// its input: the inverse rotation (the transpose of a rotation).
void rope_backward(float* d, const float* cos, const float* sin, int T, int n_heads, int D);

// ---- attention ----

// Causal grouped-query attention of the query heads h = h_first, h_first + h_step, ... < H:
// their columns of out (T, H D), from q (T, H D), k and v (T, K D) after RoPE. Token t attends
// to the tokens seq_start[t] .. t (seq_start (T), several sequences packed into one pass; null:
// 0 .. t). Scores q.k / sqrt(D) with q.k one running float sum; probabilities e_s / sum. Split
// the heads over a team with h_first = member, h_step = team size.
void attention_forward(float* out,
                       const float* q,
                       const float* k,
                       const float* v,
                       const int* seq_start,
                       int T,
                       int H,
                       int K,
                       int D,
                       int h_first,
                       int h_step);
// The training pass's attention over one sequence (positions 0..T-1), which also writes the
// softmax rows att (H, T, T) (zeros above the diagonal) for attention_train_backward. The same
// function as attention_forward, rounded differently: q.k is dot() (8 partial sums) and the
// probabilities are e_s * (1 / sum). Not merged into attention_forward (#13): either order, on
// both passes, changes the bits of one of them (Qwen2Model's embeddings or the trained LoRA).
void attention_train_forward(float* out,
                             float* att,
                             const float* q,
                             const float* k,
                             const float* v,
                             int T,
                             int H,
                             int K,
                             int D);
// Accumulates dq (T, H D), dk and dv (T, K D) given dout (T, H D) and the forward's att:
//   dp_s = dout_t . v_s,  dv_s += p_s dout_t,  ds_s = p_s (dp_s - sum_s' p_s' dp_s'),
//   dq_t += ds_s k_s / sqrt(D),  dk_s += ds_s q_t / sqrt(D).
void attention_train_backward(float* dq,
                              float* dk,
                              float* dv,
                              const float* dout,
                              const float* att,
                              const float* q,
                              const float* k,
                              const float* v,
                              int T,
                              int H,
                              int K,
                              int D);

// ---- swiglu ----

// out (N) = g / (1 + exp(-g)) * u; out may be g (in place).
void swiglu_forward(float* out, const float* g, const float* u, size_t N);
// Accumulates dg += dout u sig(g) (1 + g (1 - sig(g))) and du += dout silu(g) (N).
void swiglu_backward(
    float* dg, float* du, const float* dout, const float* g, const float* u, size_t N);

// ---- pooling ----

// out (E) = the mean of the rows of y (T, E) (summed in double, one division per coordinate;
// Pooling::mean) or its last row, then times 1 / norm (from a double sum of squares) when
// `normalize` (a zero vector stays zero). rnorm (or null) receives 1 / norm (0: a zero vector
// or no normalisation). T == 0 gives zeros.
void pool_forward(
    float* out, float* rnorm, const float* y, int T, int E, Pooling pooling, bool normalize);
// Accumulates dy (T, E) given dout (E) and pool_forward's out and rnorm.
void pool_backward(float* dy,
                   const float* dout,
                   const float* out,
                   float rnorm,
                   int T,
                   int E,
                   Pooling pooling,
                   bool normalize);

}  // namespace qwen2_ops

}  // namespace ruvllm
