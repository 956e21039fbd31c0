// ruvllm/router/model.h: the router model: a base (embed/base.h: our subword base, or a Qwen2
// GGUF transformer), a projection head and one prototype per label, stored as ONE GGUF file
// (which, for a Qwen2 base, names the base file instead of copying it).
//
//   x = base->embed(text)                (D)  the base embedding
//   z = normalise(W x + b)               (E)  the routing embedding
//   score_a = z . normalise(P_a)         (A)  cosine to each label prototype
//   label = argmax_a score_a (ties to the lower index); confidence = softmax(score / tau)
//
// File layout (GGUF; docs/formats.md): general.architecture = "ruvllm", ruvllm.kind = "router",
// the base's keys and tensor (subword.h; for a Qwen2 base, its path, checksum and LoRA:
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
#include <ruvllm/embed/base.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/keywords.h>

namespace ruvllm {

struct RouterModel {
    // The base embedding (never null in a model from init() or load()).
    std::shared_ptr<const Base> base;
    int E = 0;
    std::vector<float> w;       // (E, D)
    std::vector<float> b;       // (E)
    std::vector<float> protos;  // (A, E), not normalised
    std::vector<std::string> labels;
    float tau = 0.07f;
    // Extra metadata written with the model: ruvllm.train.* (the config), ruvllm.metrics.*,
    // ruvllm.grpo.* (the rounds run on it); load() reads back these three families.
    std::vector<std::pair<std::string, gguf::Value>> info;
    // The keyword (precision) stage of the hybrid router; empty when the model has no rules.
    KeywordStage keywords;
    // Complexity / tier / quality heads on z (heads.h); empty when not trained.
    Heads heads;

    int D() const { return base->dim(); }

    int A() const { return static_cast<int>(labels.size()); }

    // A fresh head on `base`: W near-identity (E == D) or small random, b = 0, prototypes
    // random.
    static RouterModel init(std::shared_ptr<const Base> base,
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

    // The router file; `storage` is the type of the tensors the base stores in it (the subword
    // rows; Base::storage_type says which types fit). Errc::invalid_argument for a type the
    // base cannot take.
    Result<gguf::File> to_gguf(TensorType storage = TensorType::f16) const;
    Status save(const std::filesystem::path& path, TensorType storage = TensorType::f16) const;
    // Errc::format for a file that is not a ruvllm router ("ruvllm.kind" must be "router").
    // The base is opened by open_base() (a router on a Qwen2 base finds that file as
    // qwen2_base.h says); `path` locates it.
    static Result<RouterModel> load(const std::filesystem::path& path);
    static Result<RouterModel> from_gguf(const gguf::File& file,
                                         const std::filesystem::path& path = {});
};

// Index of the largest value, the lower index on ties.
int argmax(const float* v, int n);

}  // namespace ruvllm
