// optim.cpp: AdamW, lazy row AdamW, schedule and clipping (see optim.h).
#include <algorithm>
#include <cmath>
#include <functional>

#include <ruvllm/core/team.h>
#include <ruvllm/nn/optim.h>

namespace ruvllm {

namespace {

inline void adam_one(
    float& w, float g, float& m, float& v, const AdamConfig& c, float lr, float bc1, float bc2) {
    m = c.beta1 * m + (1.0f - c.beta1) * g;
    v = c.beta2 * v + (1.0f - c.beta2) * g * g;
    const float mhat = m / bc1;
    const float vhat = v / bc2;
    w -= lr * (mhat / (std::sqrt(vhat) + c.eps) + c.weight_decay * w);
}

}  // namespace

void adamw_update(float* w,
                  const float* g,
                  float* m,
                  float* v,
                  int64_t n,
                  const AdamConfig& c,
                  float lr,
                  int64_t t) {
    const float bc1 = 1.0f - std::pow(c.beta1, static_cast<float>(t));
    const float bc2 = 1.0f - std::pow(c.beta2, static_cast<float>(t));
    for (int64_t i = 0; i < n; i++) {
        adam_one(w[i], g[i], m[i], v[i], c, lr, bc1, bc2);
    }
}

void adamw_update_rows(float* w,
                       const float* g,
                       float* m,
                       float* v,
                       const std::vector<uint32_t>& rows,
                       int D,
                       const AdamConfig& c,
                       float lr,
                       int64_t t) {
    adamw_update_rows(w, g, m, v, rows.data(), rows.size(), D, c, lr, t);
}

void adamw_update_rows(float* w,
                       const float* g,
                       float* m,
                       float* v,
                       const uint32_t* rows,
                       size_t n_rows,
                       int D,
                       const AdamConfig& c,
                       float lr,
                       int64_t t) {
    const float bc1 = 1.0f - std::pow(c.beta1, static_cast<float>(t));
    const float bc2 = 1.0f - std::pow(c.beta2, static_cast<float>(t));
    for (size_t i = 0; i < n_rows; i++) {
        const uint32_t r = rows[i];
        const size_t base = static_cast<size_t>(r) * D;
        // One row at a time through restrict-qualified pointers, so the loop vectorises (this
        // update dominates a training step; see bench notes in #3).
        float* __restrict wr = w + base;
        const float* __restrict gr = g + base;
        float* __restrict mr = m + base;
        float* __restrict vr = v + base;
        for (int d = 0; d < D; d++) {
            mr[d] = c.beta1 * mr[d] + (1.0f - c.beta1) * gr[d];
            vr[d] = c.beta2 * vr[d] + (1.0f - c.beta2) * gr[d] * gr[d];
            wr[d] -=
                lr * ((mr[d] / bc1) / (std::sqrt(vr[d] / bc2) + c.eps) + c.weight_decay * wr[d]);
        }
    }
}

float lr_at(float lr, int64_t step, int64_t warmup, int64_t total) {
    if (warmup > 0 && step < warmup) {
        return lr * static_cast<float>(step + 1) / static_cast<float>(warmup);
    }
    if (total <= warmup) {
        return lr;
    }
    const float progress = static_cast<float>(step - warmup) / static_cast<float>(total - warmup);
    return lr * std::max(0.0f, 1.0f - progress);
}

double sum_squares(const float* g, int64_t n) {
    // Four independent accumulators: the same sum up to rounding, without a serial dependency.
    double s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) {
            s[k] += static_cast<double>(g[i + k]) * g[i + k];
        }
    }
    for (; i < n; i++) {
        s[0] += static_cast<double>(g[i]) * g[i];
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

float clip_factor(double norm, float max_norm) {
    if (max_norm > 0 && norm > max_norm) {
        return static_cast<float>(max_norm / norm);
    }
    return 1.0f;
}

namespace {

// Runs fn(i0, i1) over ranges of the sparse group's row list, split over the team.
void over_rows(Team* team, const ParamGroup& g, const std::function<void(int, int)>& fn) {
    run_ranges(team, static_cast<int>(g.rows->size()), 1, fn);
}

}  // namespace

double grad_norm2(const std::vector<ParamGroup>& groups, Team* team) {
    double s = 0;
    for (const ParamGroup& g : groups) {
        if (g.rows == nullptr) {
            s += sum_squares(g.grads, g.n);
        }
    }
    std::vector<double> per_row;
    for (const ParamGroup& g : groups) {
        if (g.rows == nullptr) {
            continue;
        }
        const std::vector<uint32_t>& rows = *g.rows;
        per_row.resize(rows.size());
        over_rows(team, g, [&](int i0, int i1) {
            for (int i = i0; i < i1; i++) {
                per_row[static_cast<size_t>(i)] = sum_squares(
                    g.grads + static_cast<size_t>(rows[static_cast<size_t>(i)]) * g.row_dim,
                    g.row_dim);
            }
        });
        for (const double r : per_row) {  // in row order, whatever the split
            s += r;
        }
    }
    return s;
}

void scale_grads(const std::vector<ParamGroup>& groups, float f, Team* team) {
    for (const ParamGroup& g : groups) {
        if (g.rows == nullptr) {
            for (int64_t i = 0; i < g.n; i++) {
                g.grads[i] *= f;
            }
            continue;
        }
        over_rows(team, g, [&](int i0, int i1) {
            for (int i = i0; i < i1; i++) {
                float* row =
                    g.grads + static_cast<size_t>((*g.rows)[static_cast<size_t>(i)]) * g.row_dim;
                for (int d = 0; d < g.row_dim; d++) {
                    row[d] *= f;
                }
            }
        });
    }
}

void adamw_step(const std::vector<ParamGroup>& groups,
                const AdamConfig& c,
                int64_t t,
                int64_t warmup,
                int64_t total,
                Team* team) {
    for (const ParamGroup& g : groups) {
        const float lr = lr_at(g.lr_peak, t - 1, warmup, total) * g.lr_scale;
        if (g.rows == nullptr) {
            adamw_update(g.params, g.grads, g.m, g.v, g.n, c, lr, t);
            std::fill(g.grads, g.grads + g.n, 0.0f);
            continue;
        }
        over_rows(team, g, [&](int i0, int i1) {
            const uint32_t* part = g.rows->data() + i0;
            const auto n = static_cast<size_t>(i1 - i0);
            adamw_update_rows(g.params, g.grads, g.m, g.v, part, n, g.row_dim, c, lr, t);
            for (size_t i = 0; i < n; i++) {
                float* row = g.grads + static_cast<size_t>(part[i]) * g.row_dim;
                std::fill(row, row + g.row_dim, 0.0f);
            }
        });
    }
}

}  // namespace ruvllm
