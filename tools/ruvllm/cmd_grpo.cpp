// cmd_grpo.cpp: `ruvllm grpo`: GRPO feedback rounds on a trained router (grpo.h), each gated on
// the validation split and rolled back when it makes things worse. `train --grpo-rounds K`
// runs the same rounds after contrastive training (grpo_rounds.h).
#include <ruvllm/train/grpo_rounds.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

void add_grpo_flags(CLI::App* cmd, GrpoOptions& opt) {
    cmd->add_option("--group", opt.group, "decisions sampled per task (G)")
        ->check(CLI::Range(2, 256))
        ->capture_default_str();
    cmd->add_option("--grpo-epochs", opt.epochs, "passes over a round's groups")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option("--grpo-batch", opt.batch, "groups per optimiser step")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--grpo-lr", opt.lr, "AdamW learning rate of the rounds")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--clip", opt.clip, "ratio clip range")
        ->check(CLI::Range(0.0, 10.0))
        ->capture_default_str();
    cmd->add_option("--kl", opt.kl, "weight of the KL penalty to the round's reference")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_flag("--no-std-scaling", opt.no_std_scaling, "advantages r - mean, not / std");
    cmd->add_option("--tasks-per-round", opt.tasks_per_round, "sample this many tasks (0: all)")
        ->capture_default_str();
    cmd->add_option("--judge", opt.judge, "labels (offline, from the data) or llm (Claude)")
        ->check(CLI::IsMember({"labels", "llm"}))
        ->capture_default_str();
    cmd->add_option("--api-base", opt.api_base, "Anthropic API base URL (--judge llm)")
        ->capture_default_str();
    cmd->add_option("--llm-model", opt.llm_model, "Claude model of the judge")
        ->capture_default_str();
    cmd->add_option("--max-tokens-total", opt.max_tokens_total, "token budget (-1: none)")
        ->capture_default_str();
    cmd->add_option("--cache-dir", opt.cache_dir, "cache of LLM replies")->capture_default_str();
}

CLI::App* add_grpo(CLI::App& app, GrpoOptions& opt) {
    CLI::App* cmd = app.add_subcommand("grpo", "GRPO feedback rounds that update a router");
    cmd->footer(
        "Each round samples --group decisions (agent, tier) per training task from the router,\n"
        "scores them with the judge, and takes clipped policy-gradient steps with a KL penalty\n"
        "on the prototypes and the tier head. A round is kept only if the mean greedy reward on\n"
        "--val does not drop (labels judge), else rolled back. Writes --out, one\n"
        "<out>.round-K.gguf per kept round and a JSON report (<out>.grpo.json). --judge llm\n"
        "needs ANTHROPIC_API_KEY; its replies are cached in --cache-dir.");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("-i,--data", opt.data, "training tasks with labels (JSONL)")->required();
    cmd->add_option("--val", opt.val, "validation split: the gate of every round")->required();
    cmd->add_option("-o,--out", opt.out, "the improved model")->required();
    cmd->add_option("--rounds", opt.rounds, "GRPO rounds")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--report", opt.report, "JSON report (default <out>.grpo.json)");
    cmd->add_option("--seed", opt.seed, "random seed")->capture_default_str();
    cmd->add_option("--storage", opt.storage, "tensor type of the subword rows in the model")
        ->check(CLI::IsMember({"f16", "f32"}))
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", opt.quiet, "no progress on stderr");
    add_grpo_flags(cmd, opt);
    return cmd;
}

GrpoRunConfig grpo_run_config(const GrpoOptions& opt) {
    GrpoRunConfig g;
    g.rounds = opt.rounds;
    GrpoConfig& cfg = g.config;
    cfg.group = opt.group;
    cfg.epochs = opt.epochs;
    cfg.batch = opt.batch;
    cfg.lr = opt.lr;
    cfg.clip = opt.clip;
    cfg.kl = opt.kl;
    cfg.scale_std = !opt.no_std_scaling;
    cfg.tasks_per_round = opt.tasks_per_round;
    cfg.seed = opt.seed;
    g.judge = opt.judge;
    g.api_base = opt.api_base;
    g.llm_model = opt.llm_model;
    g.max_tokens_total = opt.max_tokens_total;
    g.cache_dir = opt.cache_dir;
    g.storage = opt.storage == "f32" ? TensorType::f32 : TensorType::f16;
    return g;
}

Status run_grpo(const GrpoOptions& opt) {
    GrpoJob job;
    job.model = opt.model;
    job.data = opt.data;
    job.val = opt.val;
    job.out = opt.out;
    job.report = opt.report;
    job.run = grpo_run_config(opt);
    Result<nlohmann::ordered_json> r = grpo_job(job, make_log(opt.quiet));
    return r ? ok() : Status(r.error());
}

}  // namespace ruvllm::cli
