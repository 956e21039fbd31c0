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
//   ruvllm.router.keywords.* (the keyword stage, keywords.h), router.sparse.* and
//   ruvllm.router.sparse.* (the sparse stage, sparse.h), router.head.* (heads.h)
//
// quantize_router (`ruvllm quantize`) rewrites a router file with its subword rows in another
// tensor type:
//   ruvllm::QuantizeJob job{.model = "router.gguf", .out = "router-q8.gguf", .type = "q8_0"};
//   ruvllm::Result<ruvllm::QuantizeSummary> s = ruvllm::quantize_router(job, log);
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/embed/base.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/keywords.h>
#include <ruvllm/router/sparse.h>

namespace ruvllm {

// Errc::format "<where>: ..." unless there are 2 to 65536 labels, each non-empty, at most 256
// bytes of valid UTF-8 and unique: what a router's (or an adapter's) label list must be.
Status check_labels(const std::vector<std::string>& labels, const std::string& where);

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
    // The sparse n-gram stage blended with the embedding stage (sparse.h); empty when absent.
    SparseModel sparse;

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

// `ruvllm quantize`: the fields and defaults of its flags.
struct QuantizeJob {
    std::filesystem::path model;  // the router (GGUF)
    std::filesystem::path out;    // the rewritten router (GGUF)
    std::string type = "q8_0";    // quant.h's names: f32, f16, bf16, q8_0, ..., q6_k
};

struct QuantizeSummary {
    TensorType type = TensorType::f16;  // the rows' type written (after a K-type fallback)
    uint64_t bytes_in = 0, bytes_out = 0;
};

// Loads, saves with the rows in `type` and says "quantize: <model> (X MiB) -> <out> (Y MiB,
// rows T)". A type the rows cannot take whole blocks of falls back as llama.cpp's quantiser
// does and says so first ("quantize: rows of 8 are not a multiple of 32 for Q8_0; using F16").
// Errors: an unknown type (Errc::invalid_argument); those of RouterModel::load; the base's
// storage_type refusal prefixed with the model path (a base that stores no rows); those of save.
Result<QuantizeSummary> quantize_router(const QuantizeJob& job, const Log& log);

}  // namespace ruvllm
