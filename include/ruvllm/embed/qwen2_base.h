// ruvllm/embed/qwen2_base.h: a Qwen2 GGUF (transformer/qwen2.h) as the base of a router
// (base.h; issue #7): the transformer a router stands on when `ruvllm train --base model.gguf`
// is given a Qwen2-family model instead of our subword base.
//
// The router file does not copy the transformer (hundreds of MB); it records where it is and
// how to check it is the same file, plus what training changed (a LoRA on its top layers):
//   ruvllm.base.kind            "qwen2"
//   ruvllm.base.qwen2.path      absolute path of the base GGUF when the router was trained
//   ruvllm.base.qwen2.bytes     u64 size of that file
//   ruvllm.base.qwen2.xxh64     u64 XXH64 of its first 8 MiB (header, metadata, vocabulary)
//   ruvllm.base.qwen2.pooling   "mean" | "last"
//   ruvllm.base.qwen2.max_tokens  u32 (0 = the context length)
//   ruvllm.lora.alpha           f32   (only with a LoRA)
//   lora.<base tensor>.lora_a {in, rank} / .lora_b {rank, out}  F32, as in lora.h
// Loading finds the base at the recorded path, else beside the router file (same file name);
// a different size or checksum is Errc::format naming both files (a router routes only with
// the base it was trained on). `ruvllm export --lora` writes the LoRA as a llama.cpp adapter.
//
// Embeddings are cached by text (XXH3 of the bytes; collisions are compared away), up to
// Qwen2BaseOptions::cache_entries: a frozen base embeds each unique text once per process,
// however many epochs and evaluations ask.
//
// Training (make_feed): frozen, the fixed feed (feed.h) over the cache; with FeedSpec::lora.layers
// K > 0, the LoRA feed (qwen2_feed.cpp): the frozen L - K layers run once per unique text and
// their residual stream is kept; the top K layers with their LoRA (transformer/qwen2_lora.h)
// run every step. A router that already has a LoRA (resume) continues from it.
//
// Usage:
//   Result<Qwen2Base> b = Qwen2Base::open("qwen2.5-0.5b-q4_k_m.gguf", {.pooling = Pooling::mean});
//   std::vector<float> v(b->dim());
//   b->embed("fix the flaky CI job", v.data());
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/embed/base.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/lora.h>
#include <ruvllm/transformer/qwen2.h>

namespace ruvllm {

struct Qwen2BaseOptions {
    Pooling pooling = Pooling::mean;
    int max_tokens = 0;  // > 0: truncate texts to this many tokens (and to the context)
    int n_threads = 2;
    std::shared_ptr<const LoraAdapter> adapter;  // applied with scale 1
    // Embeddings the cache keeps at most (then it stops adding): bounded for a long-running
    // `serve`; training raises it to hold every text it sees.
    size_t cache_entries = 16384;
};

// "mean" / "last" <-> Pooling; false for another name.
bool parse_pooling(std::string_view name, Pooling& out);
const char* pooling_name(Pooling p);

class Qwen2Base : public Base {
public:
    static Result<Qwen2Base> open(const std::filesystem::path& path,
                                  const Qwen2BaseOptions& options = {});
    // The base a router file records (keys above); `router_path` locates a moved base.
    static Result<Qwen2Base> from_router(const gguf::File& router,
                                         const std::filesystem::path& router_path,
                                         int n_threads = 2);

    std::string_view kind() const override { return "qwen2"; }

    int dim() const override { return model_->dim(); }

    // The pooled, L2-normalised embedding; cached by text. Thread-safe.
    void embed(std::string_view text, float* out) const override;
    // Embeds texts[i] into out + i * dim(), each unique text once, the new ones packed into
    // passes (Qwen2Model::embed_many); `progress(done, total)` is called after every group of
    // newly embedded texts (total = unique texts not yet cached).
    void embed_batch(const std::vector<std::string>& texts,
                     float* out,
                     const std::function<void(size_t, size_t)>& progress = {}) const override;

    // "Qwen2 base /abs/path.gguf (24 layers, dim 896, mean pooling)".
    std::string describe() const override;

    // Errc::unsupported: the router names this base, it stores no rows to quantize.
    Result<TensorType> storage_type(TensorType wanted) const override;

    std::shared_ptr<const LoraAdapter> lora() const override { return opts_.adapter; }

    int n_layers() const override { return model_->config().n_layer; }

    // Frozen: the fixed feed. spec.lora.layers > 0: the LoRA feed (Errc::invalid_argument for
    // more layers than the model has, or a router LoRA that does not match the spec).
    Result<std::unique_ptr<BaseFeed>> make_feed(const std::shared_ptr<const Base>& self,
                                                const FeedSpec& spec,
                                                Rng& rng) const override;

    const Qwen2Model& model() const { return *model_; }

    const Qwen2BaseOptions& options() const { return opts_; }

    const std::filesystem::path& path() const { return path_; }

    // The same base with `adapter` (or none) applied: a new model, an empty cache.
    Result<Qwen2Base> with_adapter(std::shared_ptr<const LoraAdapter> adapter) const;

    // Adds the keys and LoRA tensors above to a router file (`storage` is not used: the
    // transformer stays where it is, the LoRA is F32).
    Status write_to(gguf::File& f, TensorType storage) const override;

    // Puts `text`'s embedding v (dim()) into the cache unless it is there: the LoRA trainer
    // hands over what it computed for its texts with the final adapter.
    void prime(std::string_view text, const float* v) const;

    // Embeddings held by the cache.
    size_t cached() const;

private:
    Qwen2Base() = default;

    std::filesystem::path path_;
    uint64_t bytes_ = 0, xxh64_ = 0;
    Qwen2BaseOptions opts_;
    std::shared_ptr<const Qwen2Model> model_;

    struct Cache {
        std::mutex mu;
        std::unordered_map<uint64_t, std::vector<std::pair<std::string, std::vector<float>>>> map;
        size_t n = 0;
    };

    std::shared_ptr<Cache> cache_;
};

}  // namespace ruvllm
