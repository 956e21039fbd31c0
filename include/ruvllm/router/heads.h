// ruvllm/router/heads.h: the router's secondary heads, complexity (Simple / Moderate / Complex),
// model tier (haiku / sonnet / opus) and quality. Each of complexity and tier answers from one
// source, chosen on the validation split (select_heads):
//   z         a 3-way softmax on the routing embedding z (model.h): logits = W z   (3, E)
//   ngrams    a sparse n-gram model (sparse.h, 3 labels) on the text; the tier's reads the text
//             followed by the routed label ("<text> ruvllm_label_<label>", tier_ngram_text)
//   baseline  complexity: the majority class of the training data; tier: the README's tier table
//             applied to the routed label's seed category and the predicted complexity (a label
//             without a category falls back to z)
//   marginal  tier only: the tier table applied to the complexity head's probabilities rather
//             than to its argmax, P(tier t) = sum of P(complexity c | task) over the c with
//             table(category, c) = t (complexity_probs); logits = log(P + 1e-6). Where the table
//             maps two complexities to one tier (researcher: Moderate and Complex are both
//             sonnet) it picks the tier the complexity head gives most mass to, which the argmax
//             can miss (P = 0.4 / 0.3 / 0.3 -> haiku by the table, sonnet by the sum). A label
//             without a category falls back to z.
// A head is never left below its baseline on validation. Quality is a linear regression on z:
// q = wq . z + bq. The z heads are trained after the router with its embedding frozen
// (full-batch AdamW on cross-entropy and squared error), the n-gram heads by train_sparse, on the
// examples whose metadata carries the targets. `tier_bias` (route --tier-bias) shifts the tier
// logits toward cheaper (< 0) or stronger (> 0) models: logit_k += bias * (k - 1) (the n-gram
// head's logits; for the baseline, 1 for the table's tier and 0 for the others).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <ruvllm/core/error.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/sparse.h>

namespace ruvllm {

struct LabeledSet;
struct RouterModel;

enum class HeadSource : uint8_t { z = 0, ngrams = 1, baseline = 2, marginal = 3 };

const char* head_source_name(HeadSource s);  // "z" | "ngrams" | "baseline" | "marginal"
// The source named `name`, false if none is.
bool parse_head_source(std::string_view name, HeadSource& out);

struct Heads {
    int E = 0;
    std::vector<float> complexity;  // (3, E)
    std::vector<float> tier;        // (3, E)
    std::vector<float> quality;     // (E)
    float quality_bias = 0.0f;
    // The n-gram heads (empty unless trained) and the source each head answers from.
    SparseModel complexity_ngrams, tier_ngrams;
    HeadSource complexity_source = HeadSource::z, tier_source = HeadSource::z;
    int32_t complexity_prior = 1;  // the baseline: the training data's majority class

    bool empty() const { return E == 0; }

    // z: the routing embedding (E); text: the task; label: the routed label's name ("" when the
    // router abstained); complexity: predict_complexity's answer. tier_bias as above.
    // complexity_p: complexity_probs' `out` for the same task when the caller has it (the
    // marginal source reads it instead of computing it again; nullptr: computed).
    int predict_complexity(const float* z, std::string_view text) const;
    // The complexity source's probabilities (3) into `out`: the softmax of its z or n-gram
    // logits, one-hot on the majority class for the baseline. Returns predict_complexity's
    // answer (the argmax of the logits), so that a caller needing both computes them once.
    int complexity_probs(const float* z, std::string_view text, float out[3]) const;
    int predict_tier(const float* z,
                     std::string_view text,
                     std::string_view label,
                     int complexity,
                     float tier_bias = 0.0f,
                     const float* complexity_p = nullptr) const;
    // The distribution the tier source answers from, for the routed `label`: z and ngrams the
    // softmax of their logits, baseline one-hot on the table's tier, marginal the summed
    // complexity probabilities (labels without a category: z's). predict_tier without a bias
    // is its argmax, up to ties. GRPO (grpo.h) samples the tiers of its candidates from it when
    // the tier does not answer from z.
    void tier_probs(const float* z,
                    std::string_view text,
                    std::string_view label,
                    int complexity,
                    float out[3],
                    const float* complexity_p = nullptr) const;
    float predict_quality(const float* z) const;

    // Tensors router.head.{complexity,tier,quality}, the n-gram heads as router.head.
    // {complexity,tier}_ngrams.* (sparse.h's layout), ruvllm.router.head.{complexity_source,
    // tier_source} (strings) and complexity_prior (u32). Files without the sources read as z.
    Status write_to(gguf::File& file) const;
    static Result<Heads> from_gguf(const gguf::File& file, int E);  // empty if absent
};

// The text the tier n-gram head reads.
std::string tier_ngram_text(std::string_view text, std::string_view label);

struct HeadReport {
    size_t n_complexity = 0, n_tier = 0, n_quality = 0;
    double complexity_accuracy = 0;        // the head, from its source
    double complexity_prior_accuracy = 0;  // baseline: the majority class
    double tier_accuracy = 0;              // the head, from its source
    double tier_table_accuracy = 0;        // baseline: tier table(routed category, complexity)
    double quality_mae = 0;
};

// Trains the z heads (and, with `ngrams`, the n-gram heads) for `model` on `data`; examples
// without a target are skipped for that head. The sources stay z until select_heads.
// Errc::invalid_argument if no example has a complexity or tier target.
Result<Heads> train_heads(const RouterModel& model,
                          const LabeledSet& data,
                          int epochs,
                          float lr,
                          const SparseConfig* ngrams = nullptr);

// Picks each head's source by accuracy on `val` (ties: baseline, then z, then ngrams, then
// marginal) and returns the accuracies of every candidate: {"complexity": {"z", "ngrams",
// "baseline"}, "tier": {"z", "ngrams", "baseline", "marginal"}} (a candidate that does not exist
// is absent).
nlohmann::ordered_json select_heads(const RouterModel& model, Heads& heads, const LabeledSet& val);

// The heads' accuracies on `data`, routing each example with the model's embedding stage.
HeadReport evaluate_heads(const RouterModel& model, const Heads& heads, const LabeledSet& data);

}  // namespace ruvllm
