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
// model has them, and the fine-tuned subword rows as a sparse update: base.rows.index {n}
// (stored as F32 holding integers below 2^24) and base.rows.value {D, n}: row index[i] of the
// base becomes value[i]. metadata.json also carries the labels, tau, the keyword rules and the
// quality head's bias.
//
// merge(base, adapter) rebuilds a router that routes exactly like the exported model (tested).
#pragma once

#include <filesystem>

#include <ruvllm/core/error.h>
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

}  // namespace ruvllm
