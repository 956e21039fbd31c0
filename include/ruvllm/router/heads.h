// ruvllm/router/heads.h: the router's secondary heads on the routing embedding z (model.h):
//   complexity  3-way softmax (Simple / Moderate / Complex)       logits = Wc z   (3, E)
//   tier        3-way softmax (haiku / sonnet / opus)              logits = Wt z   (3, E)
//   quality     linear regression of quality_score                 q = wq . z + bq
// trained after the router with its embedding frozen (full-batch AdamW on cross-entropy and
// squared error), on the examples whose metadata carries the targets. The baseline the tier
// head is measured against is the README's tier table applied to the predicted agent's
// category and the predicted complexity. `tier_bias` (route --tier-bias) shifts the tier
// logits toward cheaper (< 0) or stronger (> 0) models: logit_k += bias * (k - 1).
#pragma once

#include <cstdint>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

struct LabeledSet;
struct RouterModel;

struct Heads {
    int E = 0;
    std::vector<float> complexity;  // (3, E)
    std::vector<float> tier;        // (3, E)
    std::vector<float> quality;     // (E)
    float quality_bias = 0.0f;

    bool empty() const { return E == 0; }

    // z: the routing embedding (E). tier_bias as above.
    int predict_complexity(const float* z) const;
    int predict_tier(const float* z, float tier_bias = 0.0f) const;
    float predict_quality(const float* z) const;

    Status write_to(gguf::File& file) const;  // tensors router.head.{complexity,tier,quality}
    static Result<Heads> from_gguf(const gguf::File& file, int E);  // empty if absent
};

struct HeadReport {
    size_t n_complexity = 0, n_tier = 0, n_quality = 0;
    double complexity_accuracy = 0;
    double tier_accuracy = 0;        // the learned head
    double tier_table_accuracy = 0;  // baseline: tier table(predicted category, complexity)
    double quality_mae = 0;
};

// Trains heads for `model` on `data`; examples without a target are skipped for that head.
// Errc::invalid_argument if no example has a complexity or tier target.
Result<Heads> train_heads(const RouterModel& model, const LabeledSet& data, int epochs, float lr);

HeadReport evaluate_heads(const RouterModel& model, const Heads& heads, const LabeledSet& data);

}  // namespace ruvllm
