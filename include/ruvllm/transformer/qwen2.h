// ruvllm/transformer/qwen2.h: a Qwen2-family GGUF transformer as a text embedder (issue #7, item
// 2).
//
// Reads a llama.cpp Qwen2 GGUF (general.architecture = "qwen2"; any other architecture is
// Errc::unsupported naming it):
//   qwen2.block_count, qwen2.embedding_length, qwen2.feed_forward_length,
//   qwen2.attention.head_count, qwen2.attention.head_count_kv (default: head_count),
//   qwen2.attention.layer_norm_rms_epsilon, qwen2.rope.freq_base (default 10000),
//   qwen2.context_length: integers (u32, i32, u64 or i64) / f32, Errc::format when missing.
//   Errc::unsupported for what would change the computation: qwen2.attention.key_length,
//   value_length or rope.dimension_count other than the head size E / H, and
//   qwen2.rope.scaling.type other than "none" (YaRN / linear scaling are not implemented).
//   Tensors (ggml shape order {cols, rows}; E = embedding_length, F = feed_forward_length,
//   H = head_count, K = head_count_kv, D = E / H the head size, V = vocabulary rows):
//     token_embd.weight {E, V}     output_norm.weight {E}
//     blk.N.attn_norm.weight {E}   blk.N.attn_q.weight {E, E}     blk.N.attn_q.bias {E}
//     blk.N.attn_k.weight {E, K D} blk.N.attn_k.bias {K D}        (same for attn_v)
//     blk.N.attn_output.weight {E, E}   blk.N.ffn_norm.weight {E}
//     blk.N.ffn_gate.weight {E, F}  blk.N.ffn_up.weight {E, F}   blk.N.ffn_down.weight {F, E}
//   A missing tensor is Errc::format naming it, except the three Q/K/V biases, which are
//   optional (zero) as in llama.cpp. output.weight (the LM head) is not used.
//   The tokenizer is read from the same file (bpe.h).
// Weights stay in the file's encoding, in its memory map (every type quant.h decodes: F32, F16,
// BF16, Q4_0/1, Q5_0/1, Q8_0, Q4_K, Q5_K, Q6_K), and are multiplied by qmatmul.h's kernels as
// llama.cpp's CPU backend does: for the block-quantised types the activations are quantised to
// int8 per 32 values (Q8_0-like, f32 scale) and the products are integer dot products, so
// results differ from exact F32 arithmetic by that rounding (cosine >= 0.999 with llama.cpp on
// every type: qwen2_interop_test); F32 / F16 / BF16 weights are multiplied in float.
// Qwen2Options::weights = Qwen2Weights::f32 dequantises every layer weight once, on load (4
// bytes per weight: Qwen2.5-0.5B needs about 1.4 GB), for exact F32 products. token_embd stays
// encoded in both modes and a row is decoded when a token needs it. load() maps the file;
// from_gguf() keeps a copy of its File (cheap for a mapped file, a copy of the tensor bytes for
// an in-memory one).
//
// Forward pass over token ids x_0..x_{T-1} at positions 0..T-1, per layer (llama.cpp's qwen2):
//   h = x + Wo attn(rope(Wq n + bq), rope(Wk n + bk), Wv n + bv),  n = rmsnorm(x) * attn_norm
//   x = h + Wdown (silu(Wgate m) * Wup m),                          m = rmsnorm(h) * ffn_norm
// rmsnorm(x) = x / sqrt(mean(x^2) + eps). RoPE is NEOX style (rotates the pairs (i, i + D/2) by
// pos * freq_base^(-2i/D)). attn is grouped-query causal attention (query head h reads kv head
// h / (H/K)), softmax(q.k / sqrt(D)). The hidden states are rmsnorm(x) * output_norm after the
// last layer: llama.cpp's embeddings (`t_embd`).
//
// embed(text): tokens = tokenizer.encode(text, add_special = true, parse_special = false) (no BOS
// for Qwen2, as llama.cpp); a text of more than context_length tokens is truncated to its first
// context_length tokens (Qwen2Options::max_tokens can lower that). The embedding is the mean of
// the hidden states (Pooling::mean, llama.cpp's LLAMA_POOLING_TYPE_MEAN) or the last token's
// (Pooling::last), then L2-normalised unless Qwen2Options::normalize is false (llama.cpp's
// pooled embeddings are raw). A text with no tokens embeds to zeros.
//
// The blocks (rmsnorm, RoPE, attention, SwiGLU, pooling, the LoRA term) are qwen2_ops.h's,
// shared with the LoRA trainer (qwen2_lora.h); the products with the encoded weights are
// qmatmul.h's. forward() runs on Qwen2Options::n_threads threads: a team (team.h) started per
// call and reused by all its products (168 for Qwen2.5-0.5B; rows handed out in chunks, when a
// product is large enough to pay for it), attention heads and SwiGLU. Results do not depend on
// n_threads. Speed and memory next to llama.cpp: scripts/bench_qwen2.sh.
//
// Usage:
//   ruvllm::Result<ruvllm::Qwen2Model> m = ruvllm::Qwen2Model::load("qwen2.5-0.5b-q8_0.gguf");
//   if (!m) { /* "x.gguf: qwen2: general.architecture 'llama' is not supported, ..." */ }
//   std::vector<float> v(m->dim());
//   m->embed("fix the flaky CI job", v.data());
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/bpe.h>
#include <ruvllm/transformer/lora.h>
#include <ruvllm/transformer/qwen2_ops.h>  // Pooling

namespace ruvllm {

// One layer's weights as F32 (dequantised), row-major: matrices are (out rows, in cols) as
// forward() uses them (wq (E, E), wk / wv (K D, E), wo (E, E), gate / up (F, E), down (E, F));
// biases are zero where the file has none.
struct Qwen2LayerWeights {
    std::vector<float> attn_norm, ffn_norm;  // (E)
    std::vector<float> wq, wk, wv, wo;
    std::vector<float> bq, bk, bv;  // (E), (K D), (K D)
    std::vector<float> gate, up, down;
};

struct Qwen2Config {
    int n_layer = 0;
    int n_embd = 0;     // E
    int n_ff = 0;       // F
    int n_head = 0;     // H
    int n_head_kv = 0;  // K
    int n_ctx = 0;      // context_length
    int n_vocab = 0;    // rows of token_embd
    float rms_eps = 1e-6f;
    float rope_base = 10000.0f;

    int head_dim() const { return n_embd / n_head; }
};

// How Qwen2Model holds the 2-D layer weights (see the top of this file).
enum class Qwen2Weights {
    native,  // the file's encoding, quantised kernels (int8 activations for quantised types)
    f32,     // dequantised to F32 on load: exact F32 products, 4 bytes per weight
};

struct Qwen2Options {
    Pooling pooling = Pooling::mean;
    bool normalize = true;  // L2-normalise embed()'s output
    int n_threads = 2;      // >= 1
    int max_tokens = 0;     // > 0: truncate texts to this many tokens (and to n_ctx)
    Qwen2Weights weights = Qwen2Weights::native;
    // A LoRA (lora.h) applied at run time, as llama.cpp's llama_set_adapters_lora(..,
    // &adapter_scale) does: y = W x + s B (A x), s = adapter_scale * alpha / rank (lora_scale),
    // in F32, with W left as stored. Its targets must be 2-D weights of the layers
    // (blk.N.attn_q/k/v/output, ffn_gate/up/down): others are Errc::invalid_argument, as are a
    // mismatched architecture or shape. The model keeps a reference to the adapter.
    std::shared_ptr<const LoraAdapter> adapter = nullptr;
    float adapter_scale = 1.0f;
};

class Qwen2Model {
public:
    // Errc::io / format from the GGUF reader; Errc::unsupported for another architecture or a
    // tensor type we cannot decode; Errc::format naming a missing key or tensor, a tensor of
    // the wrong shape, inconsistent hyper-parameters or a tokenizer problem;
    // Errc::invalid_argument for bad options.
    static Result<Qwen2Model> load(const std::filesystem::path& path,
                                   const Qwen2Options& options = {});
    static Result<Qwen2Model> from_gguf(const gguf::File& file, const Qwen2Options& options = {});

    int dim() const { return cfg_.n_embd; }

    // See the top of this file. Thread-safe.
    void embed(std::string_view text, float* out) const;

    // The (truncated) token ids embed() runs on.
    std::vector<int32_t> tokenize(std::string_view text) const;

    // Final hidden states of `ids` at positions 0..T-1: T rows of dim(), row-major.
    // Errc::invalid_argument for an id outside [0, n_vocab) or T > n_ctx. T == 0 gives {}.
    Result<std::vector<float>> forward(std::span<const int32_t> ids) const;

    // The residual stream after the first `n_layers` layers (0 <= n_layers <= n_layer): T rows
    // of dim(), before any norm. forward(ids) is output_norm applied to
    // forward_layers(ids, n_layer). The LoRA trainer caches this for its frozen lower layers.
    Result<std::vector<float>> forward_layers(std::span<const int32_t> ids, int n_layers) const;

    // The embeddings of several texts (out: texts.size() rows of dim()), each equal to
    // embed(text) up to float rounding: texts are packed into passes of up to max_pass_tokens
    // tokens (a longer text gets a pass of its own), each attending only within itself, so the
    // encoded weight rows are decoded once per pass rather than once per text.
    void embed_many(const std::vector<std::string>& texts,
                    float* out,
                    int max_pass_tokens = 512) const;

    // Pools T rows of dim() (from forward) into out[0, dim()) as options() say; zeros if T == 0.
    void pool(std::span<const float> hidden, float* out) const;

    // Layer `il`'s weights dequantised to F32, with the options' adapter folded in (W + s B A):
    // a new copy per call (about 60 MB per layer of Qwen2.5-0.5B).
    Result<Qwen2LayerWeights> layer_weights(int il) const;
    // output_norm.weight (E).
    const std::vector<float>& output_norm() const;
    // The GGUF file the model was read from (its metadata and tensors).
    const gguf::File& file() const;

    const Qwen2Config& config() const { return cfg_; }

    const Qwen2Options& options() const { return opts_; }

    const BpeTokenizer& tokenizer() const { return *tok_; }

    struct Weights;  // qwen2.cpp

private:
    Qwen2Model() = default;  // from load / from_gguf only

    // forward_layers over several sequences packed into one pass: token t belongs to the
    // sequence starting at seq_start[t] (positions restart at 0; attention stays inside).
    Result<std::vector<float>> forward_packed(std::span<const int32_t> ids,
                                              std::span<const int> seq_start,
                                              int n_layers) const;

    Qwen2Config cfg_;
    Qwen2Options opts_;
    std::shared_ptr<const BpeTokenizer> tok_;
    std::shared_ptr<const Weights> w_;  // immutable; shared by copies
};

// NEOX rotary embedding of one head vector v[0, d) (d even) at position `pos`: for i < d/2,
// (v[i], v[i + d/2]) is rotated by the angle pos * base^(-2i/d).
void rope_neox(float* v, int d, int pos, float base);

}  // namespace ruvllm
