// ruvllm/router/model.h: the router model: a base embedding (our subword base, or a Qwen2 GGUF
// transformer, qwen2_base.h), a projection head and one prototype per label, stored as ONE GGUF
// file (which, for a Qwen2 base, names the base file instead of copying it).
//
//   x = pool(base rows, text)            (D)  the base embedding (pool.h)
//   z = normalise(W x + b)               (E)  the routing embedding
//   score_a = z . normalise(P_a)         (A)  cosine to each label prototype
//   label = argmax_a score_a (ties to the lower index); confidence = softmax(score / tau)
//
// File layout (GGUF; docs/formats.md): general.architecture = "ruvllm", ruvllm.kind = "router",
// the base's keys and tensor (embedder.h; for a Qwen2 base, its path, checksum and LoRA:
// qwen2_base.h), and
//   router.proj.weight {D, E}  router.proj.bias {E}  router.prototypes {E, A}   (F32)
//   ruvllm.router.labels (string array), ruvllm.router.tau (f32), ruvllm.train.* (the config),
//   ruvllm.router.keywords.* (the keyword stage, keywords.h)
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/embed/embedder.h>
#include <ruvllm/embed/qwen2_base.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/keywords.h>

namespace ruvllm {

struct RouterModel {
    // The subword base; an empty one (dim 0) when the router stands on `qwen`.
    SubwordEmbedder base;
    // The transformer base, when set: embed() uses it (and `base` is empty).
    std::shared_ptr<const Qwen2Base> qwen;
    int E = 0;
    std::vector<float> w;       // (E, D)
    std::vector<float> b;       // (E)
    std::vector<float> protos;  // (A, E), not normalised
    std::vector<std::string> labels;
    float tau = 0.07f;
    // Extra metadata written with the model (training config, metrics, seeds).
    std::vector<std::pair<std::string, gguf::Value>> info;
    // The keyword (precision) stage of the hybrid router; empty when the model has no rules.
    KeywordStage keywords;
    // Complexity / tier / quality heads on z (heads.h); empty when not trained.
    Heads heads;

    int D() const { return qwen ? qwen->dim() : base.dim(); }

    // The base embedding x (D) of a text, from whichever base the router has.
    void base_embed(std::string_view text, float* x) const;

    int A() const { return static_cast<int>(labels.size()); }

    // A fresh head: W near-identity (E == D) or small random, b = 0, prototypes random unit.
    static RouterModel init(SubwordEmbedder base, std::vector<std::string> labels, int E, Rng& rng);
    // The same on a Qwen2 base.
    static RouterModel init(std::shared_ptr<const Qwen2Base> base,
                            std::vector<std::string> labels,
                            int E,
                            Rng& rng);

    // z (E), written; zero if the text has no known subword.
    void embed(std::string_view text, float* z) const;
    // Cosine of the text to every prototype: scores (A), written.
    void scores(std::string_view text, float* scores) const;
    // The same cosines from an embedding z (E) already computed by embed().
    void scores_from_z(const float* z, float* scores) const;
    int predict(std::string_view text) const;
    int label_index(std::string_view label) const;  // -1 if absent

    gguf::File to_gguf(TensorType base_type = TensorType::f16) const;
    Status save(const std::filesystem::path& path, TensorType base_type = TensorType::f16) const;
    // Errc::format for a file that is not a ruvllm router ("ruvllm.kind" must be "router").
    // A router on a Qwen2 base loads that base too (qwen2_base.h: where it looks, what it
    // checks); `path` locates it.
    static Result<RouterModel> load(const std::filesystem::path& path);
    static Result<RouterModel> from_gguf(const gguf::File& file,
                                         const std::filesystem::path& path = {});
};

// Index of the largest value, the lower index on ties.
int argmax(const float* v, int n);

}  // namespace ruvllm
