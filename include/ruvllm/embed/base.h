// ruvllm/embed/base.h: the base of a router: text -> an L2-normalised vector of dim() values
// that the router's head projects (router/model.h). Two bases exist:
//   subword  SubwordBase (subword.h): fastText-style word and character-n-gram rows pretrained
//            on software text (pretrain.h), stored IN the router file, fine-tuned by training
//   qwen2    Qwen2Base (qwen2_base.h): a Qwen2-family transformer GGUF, NAMED by the router
//            file (path + checksum), frozen or trained through a LoRA on its top layers
// Everything outside embed/ holds a base as `std::shared_ptr<const Base>` and asks it what it
// can do (storage_type, lora, make_feed) instead of testing its type.
//
// Which base a GGUF file holds or names is decided in one place, base_kind():
//   general.architecture "ruvllm" (a base or router file of ours): ruvllm.base.kind, and
//       "subword" when that key is absent (subword files have never written it);
//   any other architecture: the architecture itself ("qwen2"; others are unsupported).
//
// Usage:
//   Result<std::shared_ptr<const Base>> b = open_base("router-or-base-or-qwen2.gguf");
//   if (!b) { /* b.error().message */ }
//   std::vector<float> v((*b)->dim());
//   (*b)->embed("fix the flaky CI job", v.data());
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/embed/feed.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

struct LoraAdapter;  // transformer/lora.h

class Base {
public:
    virtual ~Base() = default;

    // "subword" | "qwen2": the value of ruvllm.base.kind.
    virtual std::string_view kind() const = 0;
    virtual int dim() const = 0;
    // Writes the embedding of `text` to out[0, dim()); zeros when the text has nothing the
    // base knows. Thread-safe.
    virtual void embed(std::string_view text, float* out) const = 0;
    // Embeds texts[i] into out + i * dim(); progress(done, total) as it goes (may be empty).
    // The default embeds one text after the other.
    virtual void embed_batch(const std::vector<std::string>& texts,
                             float* out,
                             const std::function<void(size_t, size_t)>& progress = {}) const;
    // One line for logs: "subword base, dim 64, 9,876 words".
    virtual std::string describe() const = 0;

    // Adds the base's keys (and tensors, if it stores any) to a router file; `storage` is the
    // type of the stored tensors (see storage_type). Errc::invalid_argument for a type the
    // tensors cannot take.
    virtual Status write_to(gguf::File& f, TensorType storage) const = 0;
    // The type its stored tensors take when `wanted` is asked (K types fall back as llama.cpp's
    // quantiser does for rows that are not a multiple of 256: Q4_K/Q5_K -> Q5_0, Q6_K -> Q8_0,
    // then F16). The default: Errc::unsupported, the base stores nothing in the router.
    virtual Result<TensorType> storage_type(TensorType wanted) const;

    // The LoRA the base applies (`export --lora` writes it), or null. The default: null.
    virtual std::shared_ptr<const LoraAdapter> lora() const { return nullptr; }

    // Whether the base keeps trainable rows in the router file (the subword base): training
    // can fine-tune them, quantize can re-type them, `export -o` writes their changes.
    virtual bool has_rows() const { return false; }

    // Transformer layers a LoRA can adapt (FeedSpec::lora.layers up to this); 0: none.
    virtual int n_layers() const { return 0; }

    // A feed over spec's texts for train() (feed.h); `self` owns *this. The default: the fixed
    // feed (a frozen base), or Errc::invalid_argument when the spec asks for a LoRA.
    virtual Result<std::unique_ptr<BaseFeed>> make_feed(const std::shared_ptr<const Base>& self,
                                                        const FeedSpec& spec,
                                                        Rng& rng) const;
};

// How open_base() opens a transformer GGUF as a new base (a router file records its own).
struct BaseOptions {
    int n_threads = 2;
    std::string pooling = "mean";  // "mean" | "last"
    int max_tokens = 0;            // > 0: truncate texts to this many tokens
    size_t cache_entries = 16384;  // embeddings the base caches at most
};

// The kind of base `file` holds or names (see the top of this file); "" when it has no
// general.architecture.
std::string base_kind(const gguf::File& file);

// The base that `file` (read from `path`) is or names: a base file of ours, the base of a
// router file (a Qwen2 router's base is found as qwen2_base.h says), or a Qwen2 GGUF opened
// with `options`. Errors start with `path`: Errc::invalid_argument for a LoRA adapter,
// Errc::unsupported for another architecture, the base's own errors otherwise.
Result<std::shared_ptr<const Base>> open_base(const gguf::File& file,
                                              const std::filesystem::path& path,
                                              const BaseOptions& options = {});
Result<std::shared_ptr<const Base>> open_base(const std::filesystem::path& path,
                                              const BaseOptions& options = {});

}  // namespace ruvllm
