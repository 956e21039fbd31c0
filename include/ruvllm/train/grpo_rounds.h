// ruvllm/train/grpo_rounds.h: GRPO rounds (grpo.h) as one job: the judge built from its name
// (labels, or llm through the Anthropic client, llm.h), K rounds each gated on the validation
// split, every kept round saved as its own model version, and the JSON report that
// `report` reads. `ruvllm train --grpo-rounds K` and `ruvllm grpo` both run it.
//
// Report JSON (`<out>.grpo.json`, and the "grpo" object of train's stats JSON):
//   {"judge", "config": {group, epochs, batch, lr, clip, kl, scale_std, tasks_per_round, seed},
//    "val_tasks" (the validation tasks that val_reward_* and val_accuracy_* average over),
//    "rounds": [{round, tasks, mean_reward, zero_variance_groups, zero_variance_share,
//                loss_first_epoch, loss_last_epoch, val_reward_before, val_reward_after,
//                val_accuracy_before, val_accuracy_after, kept, model, seconds}...],
//    "llm": {requests, cache_hits, tokens} (llm judge only), "model" (grpo_job only)}
//
// Usage:
//   GrpoRunConfig g;  g.rounds = 5;
//   Result<nlohmann::ordered_json> rep = run_grpo_rounds(model, train, val, g, "", log);
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/grpo.h>

namespace ruvllm {

struct GrpoRunConfig {
    int rounds = 3;
    GrpoConfig config;
    std::string judge = "labels";  // labels | llm
    // The llm judge's client (llm.h): API base, model ("" = the client's default), token
    // budget (-1: none), cache of replies. Its seed is config.seed.
    std::string api_base = "https://api.anthropic.com", llm_model;
    int64_t max_tokens_total = -1;
    std::string cache_dir = ".cache/llm";
    TensorType storage = TensorType::f16;  // of the saved round versions
};

// Runs the rounds on `model` (updated in place by every kept round) and records
// ruvllm.grpo.{rounds, judge} in model.info. With `out` set, each kept round k is saved as
// <out without extension>.round-k.gguf, and once every round has run, the .round-K.gguf files
// of that name that this run did not keep (an earlier run's) are removed, with a log line. One
// status line per round. Errors: the judge's
// (named with the round), the client's, a failed save.
Result<nlohmann::ordered_json> run_grpo_rounds(RouterModel& model,
                                               const LabeledSet& train,
                                               const LabeledSet& val,
                                               const GrpoRunConfig& cfg,
                                               const std::filesystem::path& out,
                                               const Log& log);

// What `ruvllm grpo` does: load the router and the labelled data (labels fixed to the
// router's), run the rounds, write `out` and the report (default <out>.grpo.json).
struct GrpoJob {
    std::filesystem::path model, data, val, out, report;
    GrpoRunConfig run;
};

Result<nlohmann::ordered_json> grpo_job(const GrpoJob& job, const Log& log);

}  // namespace ruvllm
