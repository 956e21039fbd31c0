// ruvllm/transformer/lora.h: LoRA adapters in llama.cpp's adapter GGUF format (issue #7, item 4),
// and merging them into a base GGUF.
//
// A LoRA on a base weight W (ggml shape {in, out}: `out` rows of `in` floats) is a pair
// A (rank, in) and B (out, rank), row-major; the adapted weight is
//   W' = W + s * B A,   s = user_scale * alpha / rank   (llama.cpp's get_scale; alpha > 0)
// so a layer computes y = W x + s B (A x).
//
// Adapter GGUF (what llama.cpp's llama_adapter_lora_init reads, checked against its
// src/llama-adapter.cpp in node-llama-cpp 3.21.1's bundle):
//   general.architecture  string  the base model's (e.g. "qwen2"; llama.cpp rejects a mismatch)
//   general.type          string  "adapter"
//   adapter.type          string  "lora"
//   adapter.lora.alpha    f32     > 0 (0 would make llama.cpp skip the alpha / rank factor)
//   <base>.lora_a  ggml shape {in, rank}   (A, row-major (rank, in))
//   <base>.lora_b  ggml shape {rank, out}  (B, row-major (out, rank))
// F32 or F16 tensors. In llama.cpp the user scale is the `scales[i]` argument of
// llama_set_adapters_lora(ctx, adapters, n, scales) (and `--lora-scaled` on its CLI).
// token_embd.weight is not supported as a target (llama.cpp flips A and B for it).
//
// Usage:
//   ruvllm::LoraAdapter ad{.alpha = 8.0f, .tensors = {{"blk.0.attn_q.weight", 4, a, b}}};
//   ruvllm::Status s = ruvllm::write_lora_gguf("adapter.gguf", ad);
//   ruvllm::Result<ruvllm::gguf::File> base = ruvllm::gguf::read_file("base.gguf");
//   s = ruvllm::merge_lora(*base, ad, 1.0f, "merged.gguf");  // llama.cpp-loadable, no adapter
// or, from files, as `ruvllm lora-merge` does:
//   ruvllm::lora_merge({.lora = "adapter.gguf", .base = "base.gguf", .out = "merged.gguf"}, log);
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

struct LoraTensor {
    std::string base_name;  // e.g. "blk.1.attn_q.weight"
    int rank = 0;
    std::vector<float> a;  // (rank, in) row-major
    std::vector<float> b;  // (out, rank) row-major

    int n_in() const { return rank > 0 ? static_cast<int>(a.size()) / rank : 0; }

    int n_out() const { return rank > 0 ? static_cast<int>(b.size()) / rank : 0; }
};

struct LoraAdapter {
    float alpha = 0.0f;
    std::string architecture = "qwen2";
    std::vector<LoraTensor> tensors;

    const LoraTensor* find(std::string_view base_name) const;  // nullptr if absent
};

// The factor llama.cpp applies to B A: user_scale * alpha / rank (user_scale when alpha <= 0).
float lora_scale(float alpha, int rank, float user_scale);

// Errc::invalid_argument naming the tensor: alpha not finite and > 0, an empty architecture,
// a duplicate or empty base name, rank <= 0, a or b empty or not a multiple of rank, a
// non-finite value, or a token_embd.weight target (Errc::unsupported).
Status validate_lora(const LoraAdapter& adapter);

// W (out, in) row-major += s * B A. Shapes must match (RUVLLM_ASSERT).
void apply_lora(const LoraTensor& t, float s, float* w, int out, int in);

// Writes the adapter GGUF above; `type` is f32 or f16 (else Errc::invalid_argument).
// Errors of validate_lora(); Errc::io when the file cannot be written.
Status write_lora_gguf(const std::filesystem::path& path,
                       const LoraAdapter& adapter,
                       TensorType type = TensorType::f32);

// Adds the adapter's tensors to `f` as <prefix><base name>.lora_a / .lora_b in `type` (what
// write_lora_gguf writes with prefix ""; a router keeps its LoRA under "lora.", qwen2_base.h).
Status add_lora_tensors(gguf::File& f,
                        const LoraAdapter& adapter,
                        std::string_view prefix,
                        TensorType type = TensorType::f32);

// Appends to adapter.tensors the pairs <prefix><base>.lora_a / .lora_b of `f`; other tensors
// are ignored when `prefix` is not empty, and an error otherwise. Errors (Errc::format) start
// with `where` and name the tensor (an unpaired or misshapen pair, a bad suffix).
Status read_lora_tensors(const gguf::File& f,
                         std::string_view prefix,
                         const std::string& where,
                         LoraAdapter& adapter);

// Reads an adapter GGUF (any tensor type quant.h decodes). Errc::format naming the key or
// tensor when general.type / adapter.type / adapter.lora.alpha / general.architecture are
// missing or wrong, a tensor is not a .lora_a / .lora_b, a pair is incomplete, or the shapes
// disagree (a {in, rank}, b {rank, out}). Tensors keep the file's order of their lora_a.
Result<LoraAdapter> read_lora_gguf(const std::filesystem::path& path);

// Checks `adapter` against a base model: its architecture equals the base's
// general.architecture (else Errc::invalid_argument), and every target exists in `base`
// (Errc::invalid_argument naming it) as a 2-D tensor of shape {n_in, n_out}.
Status check_lora_base(const gguf::File& base, const LoraAdapter& adapter);

// The base with W' = W + scale * (alpha / rank) * B A folded into every targeted tensor, each
// re-encoded in its original type (Errc::unsupported for a type quant.h cannot encode); all
// other tensors (bytes) and metadata keys are copied. Errors of validate_lora and
// check_lora_base.
Result<gguf::File> merge_lora(const gguf::File& base, const LoraAdapter& adapter, float scale);

// merge_lora() written to `out`.
Status merge_lora(const gguf::File& base,
                  const LoraAdapter& adapter,
                  float scale,
                  const std::filesystem::path& out);

// `ruvllm lora-merge`: the fields and defaults of its flags.
struct LoraMergeJob {
    std::filesystem::path lora;  // the adapter GGUF (read_lora_gguf)
    std::filesystem::path base;  // the base model GGUF
    std::filesystem::path out;   // the merged model GGUF
    float scale = 1.0f;          // user scale (llama.cpp's --lora-scaled)
};

struct LoraMergeSummary {
    size_t tensors = 0;  // the adapter's tensors, each folded into its base tensor
    float alpha = 0.0f;
};

// Reads both files, merge_lora()s and writes `out`; says "lora-merge: <base> + <lora>
// (N tensors, alpha A, scale S) -> <out>". Errors of read_lora_gguf and gguf::read_file; of
// merge_lora prefixed with the base path; of gguf::write_file.
Result<LoraMergeSummary> lora_merge(const LoraMergeJob& job, const Log& log);

}  // namespace ruvllm
