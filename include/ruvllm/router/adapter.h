// ruvllm/router/adapter.h: a trained router as an adapter over its base embedding, in the README's
// layout, and the merge that folds it back into one GGUF model.
//
//   DIR/adapter_weights.bin   every trained tensor (format below)
//   DIR/metadata.json         format version, base model, labels, tensors with shapes, the
//                             training config and metrics
//   DIR/merge_adapter.sh      runs `ruvllm merge` (executable)
//
// adapter_weights.bin (little-endian):
//   "RUVLLMAD" | u32 version (1) | u32 n_tensors
//   | n_tensors x ( u32 name_len | name | u32 ggml type (0 = F32) | u32 n_dims
//                   | u64 ne[n_dims] (ggml order) | u64 n_bytes | data )
// Tensors: router.proj.weight {D, E}, router.proj.bias {E}, router.prototypes {E, A}, the heads
// (router.head.complexity {E, 3}, router.head.tier {E, 3}, router.head.quality {E}) when the
// model has them, the sparse stage (router.sparse.weight {A, n}, router.sparse.bias {A};
// sparse.h) and the n-gram heads (router.head.{complexity,tier}_ngrams.{weight,bias}, heads.h)
// when it has them, and the fine-tuned subword rows as a sparse update:
// base.rows.index {n} (stored as F32 holding integers below 2^24) and base.rows.value {D, n}:
// row index[i] of the base becomes value[i]. metadata.json also carries the labels, tau, the
// keyword rules, the quality head's bias, each n-gram model's settings, blend weight and bucket
// ids ("sparse", "head_complexity_ngrams", "head_tier_ngrams": {bits, word_ngrams, minn, maxn,
// alpha, buckets}) and the heads' sources ("head_sources": {complexity, tier,
// complexity_prior}). An adapter written before these existed merges into a router without them
// (heads from z).
//
// merge(base, adapter) rebuilds a router that routes exactly like the exported model (tested).
//
// `ruvllm export` and `ruvllm merge` in one call each, from files:
//   ruvllm::export_router({.model = "router.gguf", .out = "adapter"}, log);  // default base
//   ruvllm::merge_router({.base = "base.gguf", .adapter = "adapter", .out = "merged.gguf"}, log);
// A router on a Qwen2 base exports its LoRA instead (ExportJob::lora, llama.cpp's adapter GGUF,
// lora.h), and merge folds such an adapter GGUF into the Qwen2 model (lora_merge, scale 1).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/router/model.h>

namespace ruvllm {

struct AdapterSummary {
    size_t tensors = 0, changed_rows = 0, total_rows = 0;
    uint64_t bytes = 0;
};

// Writes the adapter of `model` over `base` (which must be the base it was trained from:
// same dim, n-gram settings and vocabulary) into `dir`. `ruvllm_path` goes into the script.
Result<AdapterSummary> export_adapter(const RouterModel& model,
                                      const SubwordBase& base,
                                      const std::filesystem::path& dir,
                                      const std::string& ruvllm_path);

// Rebuilds the router from `base` and an adapter directory (or its adapter_weights.bin).
// Errc::format for a corrupt or mismatched adapter.
Result<RouterModel> merge_adapter(const SubwordBase& base, const std::filesystem::path& adapter);

// `ruvllm export`: the fields and defaults of its flags.
struct ExportJob {
    std::filesystem::path model;    // the router (GGUF)
    std::filesystem::path out;      // the adapter directory (a router on a subword base); "" = none
    std::filesystem::path base;     // the base it was trained from; "" = default_base_path()
    std::filesystem::path lora;     // a router with a LoRA: the adapter GGUF here; "" = none
    std::string lora_type = "f32";  // the adapter's tensor type: f32 | f16
    std::string ruvllm_path = "ruvllm";  // the binary merge_adapter.sh runs
};

struct RouterExportSummary {
    AdapterSummary adapter;          // of `out` (zero when not written)
    size_t lora_tensors = 0;         // of `lora` (zero when not written)
    std::vector<std::string> files;  // the adapter GGUF, then the directory's three files
};

// Writes what the job asks: first the LoRA (says "export: LoRA of <model> (N tensors, rank R,
// alpha A; <base>) -> <lora>"), then the adapter directory (says "export: N tensors, C of T
// subword rows changed, X MiB -> <out>/{adapter_weights.bin,metadata.json,merge_adapter.sh}").
// Errors: neither out nor lora, a lora_type other than f32 / f16, a router without a LoRA for
// `lora`, a router on another base for `out` (Errc::invalid_argument); those of
// RouterModel::load, SubwordBase::load, write_lora_gguf; those of export_adapter prefixed with
// the model path.
Result<RouterExportSummary> export_router(const ExportJob& job, const Log& log);

// `ruvllm merge`: the fields and defaults of its flags.
struct MergeJob {
    std::filesystem::path base;     // the base embedding, or the Qwen2 model (GGUF)
    std::filesystem::path adapter;  // an adapter directory (or adapter_weights.bin), or a LoRA
                                    // adapter GGUF (a regular file named *.gguf)
    std::filesystem::path out;      // the merged router, or the merged Qwen2 model (GGUF)
    std::string storage = "f16";    // tensor type of the router's subword rows: f16 | f32
};

struct RouterMergeSummary {
    bool lora = false;  // the adapter was a LoRA GGUF: `out` is a merged Qwen2 model
    int labels = 0;     // a router: its labels
};

// Merges and writes `out`: a LoRA adapter GGUF goes through lora_merge() (its line), an
// adapter directory through merge_adapter() and RouterModel::save (says "merge: <base> +
// <adapter> -> <out> (N labels)"). Errors: a storage other than f16 / f32
// (Errc::invalid_argument); those of lora_merge, SubwordBase::load, merge_adapter and save.
Result<RouterMergeSummary> merge_router(const MergeJob& job, const Log& log);

}  // namespace ruvllm
