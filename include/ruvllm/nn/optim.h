// ruvllm/nn/optim.h: AdamW (Loshchilov & Hutter), its sparse-row variant, the learning-rate
// schedule and global-norm gradient clipping. Pure functions over flat float arrays, and
// parameter groups: the blocks of parameters one training step clips and updates together
// (the router's head, and whatever its base trains: subword rows, a LoRA).
//
// Threads: grad_norm2, scale_grads and adamw_step take an optional thread team (core/team.h)
// that splits the rows of the sparse groups (each row is updated by one member, and the norm's
// per-row sums are added in row order), so the results are the same bits whatever the team's
// size, null included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ruvllm {

class Team;

struct AdamConfig {
    float lr = 2e-5f;
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    float weight_decay = 0.01f;
};

// One AdamW step on n parameters; t is the 1-based step number.
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   w -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) + lr wd w
void adamw_update(float* w,
                  const float* g,
                  float* m,
                  float* v,
                  int64_t n,
                  const AdamConfig& c,
                  float lr,
                  int64_t t);

// The same update for the rows listed in `rows` only (each once) of a (n_rows, D) table whose
// other rows had no gradient this step ("lazy" Adam: untouched rows keep their moments).
void adamw_update_rows(float* w,
                       const float* g,
                       float* m,
                       float* v,
                       const std::vector<uint32_t>& rows,
                       int D,
                       const AdamConfig& c,
                       float lr,
                       int64_t t);
// The same over rows[0 .. n_rows).
void adamw_update_rows(float* w,
                       const float* g,
                       float* m,
                       float* v,
                       const uint32_t* rows,
                       size_t n_rows,
                       int D,
                       const AdamConfig& c,
                       float lr,
                       int64_t t);

// Linear warm-up over `warmup` steps, then linear decay to 0 at `total` steps.
float lr_at(float lr, int64_t step, int64_t warmup, int64_t total);

// Sum of squares of g[0..n).
double sum_squares(const float* g, int64_t n);

// Scales g by max_norm / norm when norm > max_norm; returns the factor applied (1 if none).
float clip_factor(double norm, float max_norm);

// A block of parameters with its gradients and AdamW moments (all of the same layout), updated
// at learning rate lr_at(lr_peak, ...) * lr_scale. Dense: n values. Sparse: a (n_rows, row_dim)
// table of which only `rows` (sorted, each once) have a gradient this step.
struct ParamGroup {
    float* params = nullptr;
    float* grads = nullptr;
    float* m = nullptr;
    float* v = nullptr;
    int64_t n = 0;                                // dense: values
    const std::vector<uint32_t>* rows = nullptr;  // sparse: the rows with a gradient
    int row_dim = 0;
    float lr_peak = 0;
    float lr_scale = 1;
};

// Sum of squares of every gradient: the dense groups in order, then the sparse ones.
double grad_norm2(const std::vector<ParamGroup>& groups, Team* team = nullptr);

// Multiplies every gradient by f.
void scale_grads(const std::vector<ParamGroup>& groups, float f, Team* team = nullptr);

// One AdamW step of every group at step t (1-based); `step` is t - 1 for the schedule:
// lr = lr_at(g.lr_peak, t - 1, warmup, total) * g.lr_scale. Then zeroes the gradients (sparse
// groups: their rows only).
void adamw_step(const std::vector<ParamGroup>& groups,
                const AdamConfig& c,
                int64_t t,
                int64_t warmup,
                int64_t total,
                Team* team = nullptr);

}  // namespace ruvllm
