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
//
// Usage (`ruvllm triplets` as one call):
//   ruvllm::TripletsJob job{.data = "train.jsonl", .out = "train.triplets.jsonl"};
//   ruvllm::Result<ruvllm::TripletReport> r = ruvllm::build_triplets(job, log);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
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

// `ruvllm triplets`: the fields and defaults of its flags.
struct TripletsJob {
    std::filesystem::path data;   // labelled data (load_labeled: dataset JSONL, CSV, fastText)
    std::filesystem::path out;    // the triplets JSONL
    std::filesystem::path model;  // a router to mine hard negatives with; "" = none
    std::string text_field = "input", label_field = "output_agent";
    float hard_ratio = 0.48f, near_duplicate = 0.95f;
    uint64_t seed = 42;
};

// Loads the data (and the model), makes the triplets and writes them to `out`; says
// "triplets: N (M hard mined, T hard from the confusing pairs, R random; S mined near-duplicates
// skipped) -> <out>". Errors: Errc::invalid_argument for hard_ratio outside [0, 1]; those of
// load_labeled, RouterModel::load, make_triplets and write_triplets.
Result<TripletReport> build_triplets(const TripletsJob& job, const Log& log);

}  // namespace ruvllm
