// ruvllm/pipeline/pipeline.h: the one config file of the whole pipeline (`ruvllm pipeline --config
// ruvllm.yaml`; the repository's ruvllm.yaml is the default and documents every key).
//
//   out: out/pipeline          run directory: every stage reads and writes under it
//   seed: 42
//   generate:       {enabled, library, labels, per_category, per_agent, folds, format, fasttext,
//                    styles}
//   triplets:       {enabled, hard_ratio}
//   hard_negatives: {enabled, count, pairs, max_tokens_total}     (needs ANTHROPIC_API_KEY)
//   train:          {enabled, epochs, dim, lr, base}
//   grpo:           {enabled, rounds, judge, group}
//   eval:           {enabled}
//   export:         {enabled, quantize}
//   report:         {enabled}
// Every section and key is optional (the defaults below); an unknown section or key, or a
// value of the wrong type, is an error that names the file, line and key:
//   "ruvllm.yaml:7: train.epoch: unknown key, expected one of enabled, epochs, dim, lr, base"
//   "ruvllm.yaml:9: train.epochs: expected an integer, got \"many\""
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <ruvllm/core/error.h>

namespace ruvllm {

struct PipelineConfig {
    std::string out = "out/pipeline";
    uint64_t seed = 42;

    struct Generate {
        bool enabled = true;
        std::string library;            // "" = the built-in agent library
        std::string labels = "agents";  // categories | agents
        int per_category = 100, per_agent = 0, folds = 0;
        std::string format = "parquet";  // jsonl | parquet | hf (hf: Parquet-only layout)
        bool fasttext = false;
        std::string styles = "real";  // surface styles (style.h): none | real | name=weight,...
    } generate;

    struct Triplets {
        bool enabled = true;
        float hard_ratio = 0.48f;
    } triplets;

    struct HardNegatives {
        bool enabled = false;
        int count = 10;
        std::string pairs;  // "" = the 10 confusing pairs
        int64_t max_tokens_total = -1;
    } hard_negatives;

    struct Train {
        bool enabled = true;
        int epochs = 30, dim = 64;
        float lr = 5e-3f;
        std::string base;  // "" = the default pretrained base (.cache/base/default.gguf)
        // A Qwen2 GGUF base (qwen2_base.h): pooling, and a LoRA on the top lora_layers layers
        // (0: frozen); the export stage then writes the LoRA as a llama.cpp adapter.
        std::string pooling = "mean";
        int lora_layers = 0, lora_rank = 8;
        float lora_alpha = 16.0f;
        bool sparse = true;  // the sparse n-gram stage and n-gram heads (router/sparse.h)
    } train;

    struct Grpo {
        bool enabled = true;
        int rounds = 3, group = 8;
        std::string judge = "labels";  // labels | llm
    } grpo;

    struct Eval {
        bool enabled = true;
    } eval;

    struct Export {
        bool enabled = false;
        std::string quantize;  // "" = keep; else a tensor type for the subword rows (q8_0, ...)
    } export_;

    struct Report {
        bool enabled = true;
    } report;
};

// Reads and validates a config file (errors: Errc::io, Errc::parse for bad YAML, Errc::format
// for unknown keys, wrong types and values outside their set).
Result<PipelineConfig> load_pipeline_config(const std::filesystem::path& path);

}  // namespace ruvllm
