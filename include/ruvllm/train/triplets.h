// ruvllm/train/triplets.h: training triplets in the seed's format from a labelled dataset.
//
// One triplet per example: {"anchor": text, "positive": its label, "negative": another label,
// "isHard": bool, "reason": why}. With probability hard_ratio (default 0.48, the README's SOTA
// set) the negative is HARD:
//   - mined: with a model, the label of the anchor's nearest example (cosine of routing
//     embeddings) among those with another label, unless that example is a near-duplicate of
//     the anchor (cosine >= near_duplicate: probably the same task under another label, which
//     would teach noise); else
//   - from the confusing-pairs table (FACTS.md) mapped onto the label set.
// Otherwise (or when neither gives one) the negative is a uniformly drawn other label.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/train.h>

namespace ruvllm {

struct TripletConfig {
    float hard_ratio = 0.48f;
    float near_duplicate = 0.95f;
    uint64_t seed = 42;
};

struct Triplet {
    std::string anchor, positive, negative;
    bool hard = false;
    std::string reason;  // "mined:cos=0.83", "confusable-pair", "random"
};

struct TripletReport {
    size_t total = 0, mined = 0, table = 0, random = 0, near_duplicates_skipped = 0;
};

// `model` may be null (no mining). Labels are data.labels; with a model they must all be labels
// of the model (Errc::invalid_argument otherwise).
Result<std::vector<Triplet>> make_triplets(const LabeledSet& data,
                                           const RouterModel* model,
                                           const TripletConfig& cfg,
                                           TripletReport* report);

// JSONL in the seed's format, one object per line, final newline; written atomically.
Status write_triplets(const std::filesystem::path& path, const std::vector<Triplet>& triplets);

}  // namespace ruvllm
