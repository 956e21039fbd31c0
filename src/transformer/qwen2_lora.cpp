// qwen2_lora.cpp: LoRA on the top k layers of a Qwen2 model, forward and backward
// (qwen2_lora.h). Shape letters: T tokens, E embedding size, F feed-forward size, H query heads,
// K kv heads, D head size, R rows (outputs) / C columns (inputs) of a matrix, r LoRA rank.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <utility>

#include <ruvllm/core/team.h>
#include <ruvllm/transformer/qwen2_lora.h>
#include <ruvllm/transformer/qwen2_ops.h>

namespace ruvllm {

namespace ops = qwen2_ops;

struct Qwen2LoraStack::Threads {
    explicit Threads(int n_threads) : team(n_threads) {}

    std::mutex busy;  // held by the forward() / backward() using the team
    Team team;
};

namespace {

// v (n) = 0 after resizing it to n (capacity is kept: no reallocation once warm).
void zero(std::vector<float>& v, size_t n) {
    v.resize(n);
    std::fill(v.begin(), v.end(), 0.0f);
}

const char* const kTargetNames[] = {
    "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

Error arg_error(std::string msg) {
    return make_error(Errc::invalid_argument, "qwen2_lora: " + std::move(msg));
}

}  // namespace

const char* lora_target_name(LoraTarget t) {
    return kTargetNames[static_cast<int>(t)];
}

// ---- Qwen2LoraStack ----

Result<Qwen2LoraStack> Qwen2LoraStack::create(const Qwen2Model& base,
                                              int k,
                                              const LoraStackConfig& cfg,
                                              Rng& rng) {
    const Qwen2Config& c = base.config();
    if (k < 1 || k > c.n_layer) {
        return arg_error("k is " + std::to_string(k) + ", expected 1 to the model's " +
                         std::to_string(c.n_layer) + " layers");
    }
    if (!(std::isfinite(cfg.alpha) && cfg.alpha > 0)) {
        return arg_error("alpha is " + std::to_string(cfg.alpha) + ", expected finite and > 0");
    }
    if (cfg.n_threads < 1) {
        return arg_error("n_threads is " + std::to_string(cfg.n_threads) + ", expected >= 1");
    }
    const int E = c.n_embd, KD = c.n_head_kv * c.head_dim(), F = c.n_ff;
    const int in[] = {E, E, E, E, E, E, F};
    const int out[] = {E, KD, KD, E, F, F, E};
    const int n_targets = cfg.ffn ? 7 : 4;
    int max_rank = E;
    for (int i = 0; i < n_targets; i++) {
        max_rank = std::min({max_rank, in[i], out[i]});
    }
    if (cfg.rank < 1 || cfg.rank > max_rank) {
        return arg_error("rank is " + std::to_string(cfg.rank) + ", expected 1 to " +
                         std::to_string(max_rank) + " (the smallest side of a target)");
    }

    Qwen2LoraStack st;
    st.cfg_ = c;
    st.lcfg_ = cfg;
    st.pooling_ = base.options().pooling;
    st.normalize_ = base.options().normalize;
    st.first_ = c.n_layer - k;
    st.output_norm_ = base.output_norm();
    for (int il = st.first_; il < c.n_layer; il++) {
        Result<Qwen2LayerWeights> w = base.layer_weights(il);
        if (!w) {
            return w.error();
        }
        st.layers_.push_back(std::move(*w));
    }
    const auto r = static_cast<size_t>(cfg.rank);
    size_t off = 0;
    for (int l = 0; l < k; l++) {
        for (int i = 0; i < n_targets; i++) {
            Slot sl;
            sl.in = in[i];
            sl.out = out[i];
            sl.a = off;
            sl.b = off + r * static_cast<size_t>(sl.in);
            off = sl.b + r * static_cast<size_t>(sl.out);
            st.slots_.push_back(sl);
        }
    }
    st.params_.assign(off, 0.0f);
    st.n_params_ = off;
    for (const Slot& sl : st.slots_) {
        const float bound = 1.0f / std::sqrt(static_cast<float>(sl.in));
        for (size_t j = 0; j < r * static_cast<size_t>(sl.in); j++) {
            st.params_[sl.a + j] = bound * (2.0f * rng.uniform_f32() - 1.0f);
        }
    }
    st.threads_ = std::make_shared<Threads>(cfg.n_threads);
    return st;
}

const Qwen2LoraStack::Slot& Qwen2LoraStack::slot(int l, LoraTarget t) const {
    return slots_[static_cast<size_t>(l * n_targets() + static_cast<int>(t))];
}

void Qwen2LoraStack::forward(const float* x, int T, float* pooled, Tape* tape) const {
    const int E = cfg_.n_embd, F = cfg_.n_ff, H = cfg_.n_head, K = cfg_.n_head_kv;
    const int D = cfg_.head_dim(), KD = K * D, r = lcfg_.rank;
    const float s = lcfg_.alpha / static_cast<float>(r);
    RUVLLM_ASSERT(T >= 0 && params_.size() == n_params_);  // params() keeps its size
    Tape local;
    Tape& tp = tape != nullptr ? *tape : local;
    tp.T = T;
    if (T == 0) {
        std::fill(pooled, pooled + E, 0.0f);
        tp.rnorm = 0.0f;
        return;
    }
    const auto Ts = static_cast<size_t>(T);
    const size_t TE = Ts * E, TKD = Ts * KD, TF = Ts * F, Tr = Ts * r;
    tp.layers.resize(layers_.size());
    tp.tmp.resize(TE);
    tp.rope_cos.resize(Ts * (D / 2));
    tp.rope_sin.resize(tp.rope_cos.size());
    ops::rope_table(tp.rope_cos.data(), tp.rope_sin.data(), nullptr, T, D, cfg_.rope_base);
    std::unique_lock<std::mutex> lock(threads_->busy, std::try_to_lock);
    Team* team = lock.owns_lock() ? &threads_->team : nullptr;  // null: another call has it
    const float* p = params_.data();
    for (int l = 0; l < n_layers(); l++) {
        const Qwen2LayerWeights& W = layers_[static_cast<size_t>(l)];
        Tape::Layer& a = tp.layers[static_cast<size_t>(l)];
        if (l == 0) {
            a.x.assign(x, x + TE);  // later layers' inputs were written by the one below
        }
        const std::pair<std::vector<float>*, size_t> sizes[] = {
            {&a.rs1, Ts}, {&a.rs2, Ts}, {&a.n1, TE},  {&a.n2, TE}, {&a.q, TE},
            {&a.k, TKD},  {&a.v, TKD},  {&a.a, TE},   {&a.h, TE},  {&a.att, Ts * H * Ts},
            {&a.g, TF},   {&a.up, TF},  {&a.act, TF}, {&a.uq, Tr}, {&a.uk, Tr},
            {&a.uv, Tr},  {&a.uo, Tr},  {&a.ug, Tr},  {&a.uu, Tr}, {&a.ud, Tr}};
        for (const auto& [v, n] : sizes) {
            v->resize(n);
        }
        // attention block
        ops::rmsnorm_forward(
            a.n1.data(), a.rs1.data(), a.x.data(), W.attn_norm.data(), T, E, cfg_.rms_eps);
        // y = in w^T + bias (+ s (in A^T) B^T if target t is adapted), u = in A^T.
        auto lin = [&](float* y,
                       std::vector<float>& u,
                       const float* in,
                       const std::vector<float>& w,
                       const float* bias,
                       LoraTarget t,
                       int C,
                       int R) {
            const float *A = nullptr, *B = nullptr;
            int rank = 0;
            if (static_cast<int>(t) < n_targets()) {
                const Slot& sl = slot(l, t);
                A = p + sl.a, B = p + sl.b, rank = r;
            }
            ops::lora_linear_forward(y, u.data(), in, w.data(), bias, A, B, T, C, R, rank, s, team);
        };
        lin(a.q.data(), a.uq, a.n1.data(), W.wq, W.bq.data(), LoraTarget::attn_q, E, E);
        lin(a.k.data(), a.uk, a.n1.data(), W.wk, W.bk.data(), LoraTarget::attn_k, E, KD);
        lin(a.v.data(), a.uv, a.n1.data(), W.wv, W.bv.data(), LoraTarget::attn_v, E, KD);
        ops::rope_forward(a.q.data(), tp.rope_cos.data(), tp.rope_sin.data(), T, H, D);
        ops::rope_forward(a.k.data(), tp.rope_cos.data(), tp.rope_sin.data(), T, K, D);
        ops::attention_train_forward(
            a.a.data(), a.att.data(), a.q.data(), a.k.data(), a.v.data(), T, H, K, D);
        lin(tp.tmp.data(), a.uo, a.a.data(), W.wo, nullptr, LoraTarget::attn_output, E, E);
        for (size_t i = 0; i < TE; i++) {
            a.h[i] = a.x[i] + tp.tmp[i];
        }
        // feed-forward block
        ops::rmsnorm_forward(
            a.n2.data(), a.rs2.data(), a.h.data(), W.ffn_norm.data(), T, E, cfg_.rms_eps);
        lin(a.g.data(), a.ug, a.n2.data(), W.gate, nullptr, LoraTarget::ffn_gate, E, F);
        lin(a.up.data(), a.uu, a.n2.data(), W.up, nullptr, LoraTarget::ffn_up, E, F);
        ops::swiglu_forward(a.act.data(), a.g.data(), a.up.data(), TF);
        lin(tp.tmp.data(), a.ud, a.act.data(), W.down, nullptr, LoraTarget::ffn_down, F, E);
        std::vector<float>& next =
            l + 1 < n_layers() ? tp.layers[static_cast<size_t>(l) + 1].x : tp.xf;
        next.resize(TE);
        for (size_t i = 0; i < TE; i++) {
            next[i] = a.h[i] + tp.tmp[i];
        }
    }
    tp.rsf.resize(Ts);
    tp.yf.resize(TE);
    ops::rmsnorm_forward(
        tp.yf.data(), tp.rsf.data(), tp.xf.data(), output_norm_.data(), T, E, cfg_.rms_eps);
    tp.pooled.resize(static_cast<size_t>(E));
    ops::pool_forward(tp.pooled.data(), &tp.rnorm, tp.yf.data(), T, E, pooling_, normalize_);
    std::copy(tp.pooled.begin(), tp.pooled.end(), pooled);
}

void Qwen2LoraStack::backward(Tape& tp,
                              const float* d_pooled,
                              std::vector<float>& grads,
                              float* dx_out) const {
    if (grads.empty()) {
        grads.assign(params_.size(), 0.0f);
    }
    RUVLLM_ASSERT(grads.size() == params_.size());
    const int T = tp.T;
    if (T == 0) {
        return;
    }
    RUVLLM_ASSERT(tp.layers.size() == layers_.size());
    const int E = cfg_.n_embd, F = cfg_.n_ff, H = cfg_.n_head, K = cfg_.n_head_kv;
    const int D = cfg_.head_dim(), KD = K * D, r = lcfg_.rank;
    const float s = lcfg_.alpha / static_cast<float>(r);
    const auto Ts = static_cast<size_t>(T);
    const size_t TE = Ts * E, TKD = Ts * KD, TF = Ts * F;
    std::unique_lock<std::mutex> lock(threads_->busy, std::try_to_lock);
    Team* team = lock.owns_lock() ? &threads_->team : nullptr;  // null: another call has it

    // head: pooled -> final hidden states -> the residual stream after the last layer
    zero(tp.dh, TE);
    ops::pool_backward(
        tp.dh.data(), d_pooled, tp.pooled.data(), tp.rnorm, T, E, pooling_, normalize_);
    zero(tp.dx, TE);
    ops::rmsnorm_backward(
        tp.dx.data(), tp.dh.data(), tp.xf.data(), output_norm_.data(), tp.rsf.data(), T, E);

    const float* p = params_.data();
    float* g = grads.data();
    for (int l = n_layers() - 1; l >= 0; l--) {
        const Qwen2LayerWeights& W = layers_[static_cast<size_t>(l)];
        const Tape::Layer& a = tp.layers[static_cast<size_t>(l)];
        // Backward of y = in w^T (+ s (in A^T) B^T if target t is adapted): din += dy w + ...,
        // and the LoRA's dA, dB into grads.
        auto lin = [&](float* din,
                       const float* dy,
                       const float* in,
                       const std::vector<float>& u,
                       const std::vector<float>& w,
                       LoraTarget t,
                       int C,
                       int R) {
            const float *A = nullptr, *B = nullptr;
            float *dA = nullptr, *dB = nullptr;
            int rank = 0;
            if (static_cast<int>(t) < n_targets()) {
                const Slot& sl = slot(l, t);
                A = p + sl.a, B = p + sl.b, dA = g + sl.a, dB = g + sl.b, rank = r;
            }
            ops::lora_linear_backward(
                din, dA, dB, dy, in, u.data(), w.data(), A, B, T, C, R, rank, s, team);
        };
        // x' = h + down(silu(gate(m)) * up(m)),  m = rmsnorm(h) * ffn_norm;  dx holds dx'
        tp.dh.assign(tp.dx.begin(), tp.dx.end());
        zero(tp.dact, TF);
        lin(tp.dact.data(), tp.dx.data(), a.act.data(), a.ud, W.down, LoraTarget::ffn_down, F, E);
        zero(tp.dg, TF);
        zero(tp.dup, TF);
        ops::swiglu_backward(
            tp.dg.data(), tp.dup.data(), tp.dact.data(), a.g.data(), a.up.data(), TF);
        zero(tp.dn, TE);
        lin(tp.dn.data(), tp.dg.data(), a.n2.data(), a.ug, W.gate, LoraTarget::ffn_gate, E, F);
        lin(tp.dn.data(), tp.dup.data(), a.n2.data(), a.uu, W.up, LoraTarget::ffn_up, E, F);
        ops::rmsnorm_backward(
            tp.dh.data(), tp.dn.data(), a.h.data(), W.ffn_norm.data(), a.rs2.data(), T, E);
        // h = x + o(attn(rope(q(n)), rope(k(n)), v(n))),  n = rmsnorm(x) * attn_norm
        tp.dx.assign(tp.dh.begin(), tp.dh.end());
        zero(tp.da, TE);
        lin(tp.da.data(), tp.dh.data(), a.a.data(), a.uo, W.wo, LoraTarget::attn_output, E, E);
        zero(tp.dq, TE);
        zero(tp.dk, TKD);
        zero(tp.dv, TKD);
        ops::attention_train_backward(tp.dq.data(),
                                      tp.dk.data(),
                                      tp.dv.data(),
                                      tp.da.data(),
                                      a.att.data(),
                                      a.q.data(),
                                      a.k.data(),
                                      a.v.data(),
                                      T,
                                      H,
                                      K,
                                      D);
        ops::rope_backward(tp.dq.data(), tp.rope_cos.data(), tp.rope_sin.data(), T, H, D);
        ops::rope_backward(tp.dk.data(), tp.rope_cos.data(), tp.rope_sin.data(), T, K, D);
        zero(tp.dn, TE);
        lin(tp.dn.data(), tp.dq.data(), a.n1.data(), a.uq, W.wq, LoraTarget::attn_q, E, E);
        lin(tp.dn.data(), tp.dk.data(), a.n1.data(), a.uk, W.wk, LoraTarget::attn_k, E, KD);
        lin(tp.dn.data(), tp.dv.data(), a.n1.data(), a.uv, W.wv, LoraTarget::attn_v, E, KD);
        ops::rmsnorm_backward(
            tp.dx.data(), tp.dn.data(), a.x.data(), W.attn_norm.data(), a.rs1.data(), T, E);
    }
    if (dx_out != nullptr) {
        for (size_t i = 0; i < TE; i++) {
            dx_out[i] += tp.dx[i];
        }
    }
}

LoraAdapter Qwen2LoraStack::to_adapter() const {
    LoraAdapter ad;
    ad.alpha = lcfg_.alpha;
    ad.architecture = "qwen2";
    const auto r = static_cast<size_t>(lcfg_.rank);
    for (int l = 0; l < n_layers(); l++) {
        for (int i = 0; i < n_targets(); i++) {
            const Slot& sl = slot(l, static_cast<LoraTarget>(i));
            LoraTensor t;
            t.base_name = "blk." + std::to_string(first_ + l) + "." + kTargetNames[i] + ".weight";
            t.rank = lcfg_.rank;
            const auto a0 = params_.begin() + static_cast<ptrdiff_t>(sl.a);
            const auto b0 = params_.begin() + static_cast<ptrdiff_t>(sl.b);
            t.a.assign(a0, a0 + static_cast<ptrdiff_t>(r * static_cast<size_t>(sl.in)));
            t.b.assign(b0, b0 + static_cast<ptrdiff_t>(r * static_cast<size_t>(sl.out)));
            ad.tensors.push_back(std::move(t));
        }
    }
    return ad;
}

Status Qwen2LoraStack::set_from_adapter(const LoraAdapter& adapter) {
    Status v = validate_lora(adapter);
    if (!v) {
        return make_error(Errc::invalid_argument, "qwen2_lora: " + v.error().message);
    }
    if (adapter.architecture != "qwen2") {
        return arg_error("adapter architecture '" + adapter.architecture + "', expected 'qwen2'");
    }
    const size_t n = static_cast<size_t>(n_layers() * n_targets());
    if (adapter.tensors.size() != n) {
        return arg_error("adapter has " + std::to_string(adapter.tensors.size()) +
                         " tensors, expected " + std::to_string(n) + " (" +
                         (lcfg_.ffn ? "attention and ffn" : "attention") + " targets of blk." +
                         std::to_string(first_) + " to " + std::to_string(cfg_.n_layer - 1) + ")");
    }
    std::vector<float> next = params_;
    for (int l = 0; l < n_layers(); l++) {
        for (int i = 0; i < n_targets(); i++) {
            const std::string name =
                "blk." + std::to_string(first_ + l) + "." + kTargetNames[i] + ".weight";
            const LoraTensor* t = adapter.find(name);
            if (t == nullptr) {
                return arg_error("adapter has no tensor '" + name + "'");
            }
            const Slot& sl = slot(l, static_cast<LoraTarget>(i));
            if (t->rank != lcfg_.rank || t->n_in() != sl.in || t->n_out() != sl.out) {
                return arg_error("adapter tensor '" + name + "' has rank " +
                                 std::to_string(t->rank) + ", in " + std::to_string(t->n_in()) +
                                 ", out " + std::to_string(t->n_out()) + ", expected rank " +
                                 std::to_string(lcfg_.rank) + ", in " + std::to_string(sl.in) +
                                 ", out " + std::to_string(sl.out));
            }
            std::copy(t->a.begin(), t->a.end(), next.begin() + static_cast<ptrdiff_t>(sl.a));
            std::copy(t->b.begin(), t->b.end(), next.begin() + static_cast<ptrdiff_t>(sl.b));
        }
    }
    params_ = std::move(next);
    lcfg_.alpha = adapter.alpha;
    return ok();
}

}  // namespace ruvllm
