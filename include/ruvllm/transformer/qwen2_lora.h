// ruvllm/transformer/qwen2_lora.h: trainable LoRA on the top k layers of a Qwen2 model (issue #7,
// the contrastive-training part): a forward pass and a hand-written backward pass, llm.c style.
//
// The lower L - k layers stay frozen and are run once per text by Qwen2Model::forward_layers
// (the caller caches that residual stream); Qwen2LoraStack holds F32 copies of layers [L-k, L)
// and output_norm, plus LoRA pairs (A, B) on attn_q/k/v/output of each of those layers and,
// with LoraStackConfig::ffn, on ffn_gate/up/down. Only A and B are trained. The copies are
// Qwen2Model::layer_weights(): dequantised, so with B = 0 the stack reproduces a base loaded
// with Qwen2Weights::f32 (to float rounding) and a quantised native one only approximately.
//
// Shape letters: T tokens, E embedding size, F feed-forward size, H query heads, K kv heads,
// D = E / H head size, r LoRA rank, s = alpha / r. Matrices are row-major (out, in).
//
// Forward, per layer, from the residual stream x (T, E) (qwen2.h, with LoRA as in lora.h):
//   lin(x; W, b, A, B) = x W^T + b + s (x A^T) B^T      A (r, in), B (out, r), b = 0 if none
//   n = rmsnorm(x) * attn_norm                           rmsnorm(x) = x / sqrt(mean(x^2) + eps)
//   q = rope(lin(n; Wq, bq, ..)), k = rope(lin(n; Wk, bk, ..)), v = lin(n; Wv, bv, ..)
//   a = attn(q, k, v)       causal grouped-query softmax(q.k / sqrt(D)), NEOX RoPE at 0..T-1
//   h = x + lin(a; Wo, ..)
//   m = rmsnorm(h) * ffn_norm
//   x' = h + lin(silu(lin(m; Wgate, ..)) * lin(m; Wup, ..); Wdown, ..)
// then y = rmsnorm(x_last) * output_norm (T, E), pooled = mean_t y_t or y_{T-1}, and
// z = pooled / |pooled| when the base's options().normalize (Qwen2Model::pool exactly).
//
// Backward (dY is the gradient of the scalar loss w.r.t. Y; every step accumulates):
//   l2norm      dpooled = (dz - z (z . dz)) / |pooled|              (0 for a zero vector)
//   pooling     dy_t = dpooled / T (mean) or dy_{T-1} = dpooled (last)
//   rmsnorm     dx = rs (w * dn) - rs^3 / E * x * sum_i(w_i dn_i x_i),   rs = 1/sqrt(ms + eps)
//   lin         dx = dY W + s (dY B) A,  dA = s (dY B)^T x,  dB = s dY^T (x A^T)
//   swiglu      dg = dout * u * sig(g) (1 + g (1 - sig(g))),  du = dout * silu(g)
//   attention   dp_s = da_t . v_s,  dv_s += p_s da_t,  ds_s = p_s (dp_s - sum_s' p_s' dp_s'),
//               dq_t += ds_s k_s / sqrt(D),  dk_s += ds_s q_t / sqrt(D)
//   rope        the inverse rotation (by -angle) of the gradient
//   residuals   the gradient of x' flows to h unchanged, that of h to x unchanged
// Frozen weights get no gradient; the gradient w.r.t. the hidden states flows through them.
// Every block is qwen2_ops.h's, as in Qwen2Model, except attention's forward, which keeps its
// own rounding (qwen2_ops::attention_train_forward says why).
//
// Threads: the stack owns a team (team.h) of LoraStackConfig::n_threads threads, started by
// create() and kept for its life (copies share it); forward() and backward() split their
// products over it (x W^T by output rows, dY W by input columns), every value summed in the
// same order whatever the split, so results are bit-identical for any thread count. A call
// made while another holds the team (concurrent calls with distinct tapes) runs on its own
// thread alone.
//
// Usage (a contrastive step; AdamW from optim.h):
//   ruvllm::Rng rng(42);
//   ruvllm::Result<ruvllm::Qwen2LoraStack> st = ruvllm::Qwen2LoraStack::create(base, 2, {}, rng);
//   std::vector<float> x = *base.forward_layers(base.tokenize(text), st->first_layer());
//   const int T = static_cast<int>(x.size()) / st->dim();  // cache x: the frozen part
//   ruvllm::Qwen2LoraStack::Tape tape;  // reuse it: its buffers are kept between calls
//   std::vector<float> z(st->dim()), dz(st->dim()), grads;
//   st->forward(x.data(), T, z.data(), &tape);
//   /* the loss's dL/dz into dz */
//   st->backward(tape, dz.data(), grads);  // grads += dL/dparams (sized on first use)
//   ruvllm::adamw_update(st->params().data(), grads.data(), m.data(), v.data(), ...);
//   ruvllm::write_lora_gguf("adapter.gguf", st->to_adapter());
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/transformer/lora.h>
#include <ruvllm/transformer/qwen2.h>

namespace ruvllm {

struct LoraStackConfig {
    int rank = 8;         // 1 <= rank <= min(in, out) of every target
    float alpha = 16.0f;  // finite, > 0; s = alpha / rank
    bool ffn = false;     // also adapt ffn_gate, ffn_up, ffn_down
    int n_threads = 2;    // >= 1; results do not depend on it
};

// The LoRA targets of a layer, in params() order (ffn_* only when LoraStackConfig::ffn).
enum class LoraTarget { attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down };

// "attn_q", ..., "ffn_down": the GGUF name is "blk.N." + this + ".weight".
const char* lora_target_name(LoraTarget t);

class Qwen2LoraStack {
public:
    // What forward() keeps for backward(), and backward()'s scratch. Buffers are resized, never
    // shrunk, so reusing one Tape avoids allocations. Shapes as in the math above.
    struct Tape {
        struct Layer {
            std::vector<float> x;               // (T, E) the layer's input
            std::vector<float> rs1, rs2;        // (T) 1 / rms of x and of h
            std::vector<float> n1, n2;          // (T, E) attn / ffn rmsnorm outputs
            std::vector<float> q, k, v;         // (T, E), (T, K D), (T, K D); q, k after RoPE
            std::vector<float> att;             // (H, T, T) softmax rows (0 above the diagonal)
            std::vector<float> a, h;            // (T, E) attention output, residual after it
            std::vector<float> g, up, act;      // (T, F) gate, up, silu(gate) * up
            std::vector<float> uq, uk, uv, uo;  // (T, r) x A^T of each LoRA (B's input)
            std::vector<float> ug, uu, ud;      // (T, r) the same for the ffn (if adapted)
        };

        int T = 0;
        std::vector<float> rope_cos, rope_sin;  // (T, D/2) RoPE's table (qwen2_ops::rope_table)
        std::vector<Layer> layers;              // k
        std::vector<float> xf;                  // (T, E) the residual stream after the last layer
        std::vector<float> rsf;                 // (T)
        std::vector<float> yf;                  // (T, E) final hidden states
        std::vector<float> pooled;              // (E) the output (after L2 normalisation if any)
        float rnorm = 0.0f;  // 1 / |pooled before normalisation| (0: none or zero)
        // scratch: tmp (T, E) for forward, the gradients for backward
        std::vector<float> dx, dh, dn, dq, dk, dv, da, dg, dup, dact, tmp;
    };

    // Copies layers [L-k, L) and output_norm of `base` (with any adapter of its options
    // folded in) and its pooling options; A ~ uniform(-1/sqrt(in), 1/sqrt(in)) from `rng` in
    // params() order, B = 0, so the untrained stack computes what `base` does (see the top).
    // Errc::invalid_argument for k outside [1, n_layer], rank < 1 or > min(in, out) of a
    // target, alpha not finite or <= 0, n_threads < 1.
    static Result<Qwen2LoraStack> create(const Qwen2Model& base,
                                         int k,
                                         const LoraStackConfig& cfg,
                                         Rng& rng);

    int first_layer() const { return first_; }  // L - k: the index of the first trained layer

    int n_layers() const { return static_cast<int>(layers_.size()); }  // k

    int dim() const { return cfg_.n_embd; }  // E

    const Qwen2Config& config() const { return cfg_; }

    const LoraStackConfig& lora_config() const { return lcfg_; }

    // pooled (E) = the embedding of the residual stream x (T, E) after first_layer() layers at
    // positions 0..T-1 (Qwen2Model::forward_layers(ids, first_layer())). T == 0 gives zeros.
    // `tape` may be null (inference); otherwise it is overwritten for backward(). Thread-safe
    // for distinct tapes.
    void forward(const float* x, int T, float* pooled, Tape* tape) const;

    // Accumulates (+=) dLoss/dparams into `grads` (params() layout; an empty vector is first
    // zero-filled to n_params(), any other size is a bug) and, when dx is not null,
    // dLoss/dx into dx (T, E), given d_pooled (E) = dLoss/dpooled for the forward() that
    // filled `tape`. Writes only the tape's scratch buffers.
    void backward(Tape& tape,
                  const float* d_pooled,
                  std::vector<float>& grads,
                  float* dx = nullptr) const;

    // Every LoRA value, flat: for each layer first_layer().. L-1, for each target in
    // LoraTarget order, A (r, in) row-major then B (out, r) row-major. attn_q / attn_output:
    // in = out = E; attn_k / attn_v: in E, out K D; ffn_gate / ffn_up: in E, out F; ffn_down:
    // in F, out E. Write through it (an optimiser); keep its size.
    std::vector<float>& params() { return params_; }

    const std::vector<float>& params() const { return params_; }

    size_t n_params() const { return n_params_; }

    // The LoRA as an adapter (architecture "qwen2", alpha, one tensor per target named
    // "blk.N.attn_q.weight" etc., in params() order): write_lora_gguf() it, or give it to a
    // Qwen2Model as Qwen2Options::adapter (which then computes what this stack does).
    LoraAdapter to_adapter() const;

    // Loads A and B (and alpha) from an adapter with exactly this stack's targets, rank and
    // shapes, in any order. Errc::invalid_argument naming the problem otherwise (also the
    // errors of validate_lora); the stack is unchanged on error.
    Status set_from_adapter(const LoraAdapter& adapter);

private:
    struct Slot {
        int in = 0, out = 0;
        size_t a = 0, b = 0;  // offsets of A and B in params_
    };

    struct Threads;  // qwen2_lora.cpp: the team and the lock of the call using it

    Qwen2LoraStack() = default;

    int n_targets() const { return lcfg_.ffn ? 7 : 4; }

    const Slot& slot(int l, LoraTarget t) const;

    Qwen2Config cfg_;
    LoraStackConfig lcfg_;
    Pooling pooling_ = Pooling::mean;
    bool normalize_ = true;
    int first_ = 0;
    std::vector<Qwen2LayerWeights> layers_;  // k, layers first_ .. L-1
    std::vector<float> output_norm_;         // (E)
    std::vector<Slot> slots_;                // layer-major, LoraTarget order
    std::vector<float> params_;
    size_t n_params_ = 0;               // params_.size(), fixed at create()
    std::shared_ptr<Threads> threads_;  // shared by copies
};

}  // namespace ruvllm
