// ruvllm/pipeline/run.h: the whole chain from one config (pipeline.h), each stage one library
// call, in order:
//   generate        dataset/generate_job.h   ->
//   <out>/dataset/claude_training_{train,val,test}.jsonl triplets        train/triplets.h ->
//   <out>/dataset/claude_training_{train,test}.triplets.jsonl hard_negatives train/hard_negatives.h
//   -> <out>/hard_negatives.jsonl  (needs an API key) train           train/recipe.h           ->
//   <out>/router.gguf (+ .stats.json) grpo            train/grpo_rounds.h      ->
//   <out>/router-grpo.gguf (+ .grpo.json) eval            router/evaluate.h        ->
//   <out>/eval.json, eval.errors.jsonl export          router/adapter.h, model.h -> <out>/adapter/
//   (subword base; + a quantized
//                   copy) or <out>/lora-adapter.gguf (a Qwen2 base with a LoRA)
//   report          report/report.h          -> <out>/report.html
// A stage is skipped when disabled, and when all its outputs exist (resume after an
// interruption); `from` reruns that stage and every later one, `force` reruns all, and a stage
// that runs makes every later stage's outputs stale. Every stage uses the config's seed.
//
// Usage:
//   Result<PipelineConfig> c = load_pipeline_config("ruvllm.yaml");
//   Result<PipelineSummary> s = run_pipeline(*c, {.config_name = "ruvllm.yaml"}, log);
#pragma once

#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/pipeline/pipeline.h>

namespace ruvllm {

struct PipelineRun {
    std::string config_name = "ruvllm.yaml";  // how messages name the config
    std::string from;                         // "" or a stage name: rerun from it on
    bool force = false;                       // rerun every enabled stage
    bool dry_run = false;                     // say what would run, run nothing
    std::string ruvllm_path = "ruvllm";       // the binary the adapter's merge script runs
};

struct PipelineSummary {
    std::vector<std::string> ran, skipped;  // stage names
};

// The stage names, in order.
const std::vector<std::string>& pipeline_stages();

// Errors: an unknown `from` (Errc::invalid_argument); a stage's own error, prefixed with
// "pipeline: <stage>".
Result<PipelineSummary> run_pipeline(const PipelineConfig& c,
                                     const PipelineRun& run,
                                     const Log& log);

}  // namespace ruvllm
