// cmd_hard_negatives.cpp: `ruvllm hard-negatives`: ask the LLM for tasks between confusing
// agent pairs, validate them and write seed-format triplets (hard_negatives.h).
#include <cstdio>
#include <string>

#include <ruvllm/llm/llm.h>
#include <ruvllm/train/hard_negatives.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_hard_negatives(CLI::App& app, HardNegativesOptions& opt) {
    const LlmOptions llm_defaults;
    opt.api_base = llm_defaults.api_base;
    opt.llm_model = llm_defaults.model;
    CLI::App* cmd = app.add_subcommand(
        "hard-negatives", "ask Claude for hard-negative triplets between confusing agent pairs");
    cmd->footer(
        "Needs ANTHROPIC_API_KEY. One request per pair asks for --count tasks that suit both\n"
        "agents but one of them better (about half each way); each reply line is one JSON\n"
        "object, parsed and validated: known agents, the pair asked, non-empty, not too long,\n"
        "not in --test, not a near-duplicate of --data (or of --test with --model), not a\n"
        "duplicate. Replies are cached in --cache-dir: a rerun pays only for what is missing.\n"
        "Output: the seed's triplet JSONL (anchor, positive, negative, isHard, reason).");
    cmd->add_option("-n,--count", opt.count, "tasks asked for per pair")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("-o,--out", opt.out, "output triplets JSONL (parent directories are created)")
        ->capture_default_str();
    cmd->add_option("-i,--data", opt.data, "training data: tasks equal to these are rejected");
    cmd->add_option("--test", opt.test, "test split: tasks equal to these are rejected");
    cmd->add_option("--model",
                    opt.model,
                    "router or base model (GGUF): also reject tasks whose embedding is close to "
                    "a --data or --test text");
    cmd->add_option("--near-duplicate", opt.near_duplicate, "cosine threshold of --model")
        ->check(CLI::Range(0.000001f, 1.0f))
        ->capture_default_str();
    cmd->add_option("--max-task-bytes", opt.max_task_bytes, "longer tasks are rejected")
        ->check(CLI::Range(size_t{1}, size_t{1} << 20))
        ->capture_default_str();
    cmd->add_option("--pairs",
                    opt.pairs,
                    "subset of pairs, e.g. \"coder/refactorer,reviewer/tester\" (default: the 10 "
                    "confusing pairs)");
    cmd->add_option("--library", opt.library, "agent library for the prompt's descriptions");
    cmd->add_option("--api-base", opt.api_base, "Messages API base URL")->capture_default_str();
    cmd->add_option("--llm-model", opt.llm_model, "model id")->capture_default_str();
    cmd->add_option("--max-tokens-total", opt.max_tokens_total, "token budget, -1 = none")
        ->check(CLI::Range(int64_t{-1}, INT64_MAX))
        ->capture_default_str();
    cmd->add_option("--cache-dir", opt.cache_dir, "reply cache directory, \"\" = no cache")
        ->capture_default_str();
    cmd->add_option("--max-retries", opt.max_retries, "retries on 429/5xx/transport errors")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    cmd->add_option("--timeout", opt.timeout, "seconds per HTTP request")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--report", opt.report, "also write the report as JSON");
    cmd->add_option("--seed", opt.seed, "seed of the retry jitter")->capture_default_str();
    cmd->add_flag(
        "-q,--quiet", opt.quiet, "no per-pair progress on stderr (the report is still printed)");
    return cmd;
}

Status run_hard_negatives(const HardNegativesOptions& opt) {
    HardNegativesJob job;
    job.count = opt.count;
    job.out = opt.out;
    job.data = opt.data;
    job.test = opt.test;
    job.model = opt.model;
    job.report = opt.report;
    job.pairs = opt.pairs;
    job.library = opt.library;
    job.near_duplicate = opt.near_duplicate;
    job.max_task_bytes = opt.max_task_bytes;
    job.llm.api_base = opt.api_base;
    job.llm.model = opt.llm_model;
    job.llm.timeout_s = opt.timeout;
    job.llm.max_retries = opt.max_retries;
    job.llm.max_tokens_total = opt.max_tokens_total;
    job.llm.cache_dir = opt.cache_dir;
    job.llm.seed = opt.seed;
    // The summary is printed even with --quiet; the per-pair progress is one line per pair.
    Log log = make_log(false);
    log.progress = nullptr;
    if (!opt.quiet) {
        log.progress = [](const Progress& p) {
            std::fprintf(stderr, "%s: %s\n", p.step.c_str(), p.note.c_str());
        };
    }
    Result<HardNegativesSummary> sum = collect_hard_negatives(job, log);
    return sum ? ok() : Status(sum.error());
}

}  // namespace ruvllm::cli
