// cmd_grpo.cpp: `ruvllm grpo`: GRPO feedback rounds on a trained router (grpo.h), each gated on
// the validation split and rolled back when it makes things worse. `train --grpo-rounds K`
// runs the same rounds after contrastive training (run_grpo_rounds).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/llm/llm.h>
#include <ruvllm/router/calibrate.h>
#include <ruvllm/train/grpo.h>

#include "cli.h"

namespace ruvllm::cli {

namespace fs = std::filesystem;

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
        ->capture_default_str();
    cmd->add_option("--clip", opt.clip, "ratio clip range")->capture_default_str();
    cmd->add_option("--kl", opt.kl, "weight of the KL penalty to the round's reference")
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

Result<nlohmann::ordered_json> run_grpo_rounds(RouterModel& model,
                                               const LabeledSet& train,
                                               const LabeledSet& val,
                                               const GrpoOptions& opt,
                                               const std::string& out) {
    std::optional<LlmClient> client;
    const GrpoJudge labels = labels_judge(model.labels);
    GrpoJudge judge = labels;
    if (opt.judge == "llm") {
        LlmOptions lo;
        lo.api_base = opt.api_base;
        if (!opt.llm_model.empty()) {
            lo.model = opt.llm_model;
        }
        lo.max_tokens_total = opt.max_tokens_total;
        lo.cache_dir = opt.cache_dir;
        lo.seed = opt.seed;
        Result<LlmClient> c = LlmClient::create(lo);
        if (!c) {
            return c.error();
        }
        client.emplace(std::move(*c));
        judge = llm_judge(*client, model.labels);
    }
    GrpoConfig cfg;
    cfg.group = opt.group;
    cfg.epochs = opt.epochs;
    cfg.batch = opt.batch;
    cfg.lr = opt.lr;
    cfg.clip = opt.clip;
    cfg.kl = opt.kl;
    cfg.scale_std = !opt.no_std_scaling;
    cfg.tasks_per_round = opt.tasks_per_round;
    cfg.seed = opt.seed;
    nlohmann::ordered_json rounds = nlohmann::ordered_json::array();
    for (int k = 1; k <= opt.rounds; k++) {
        Result<GrpoRoundReport> r = grpo_round(model, train, val, judge, labels, cfg, k);
        if (!r) {
            return make_error(r.error().code,
                              "grpo: round " + std::to_string(k) + ": " + r.error().message);
        }
        if (!opt.quiet) {
            std::fprintf(
                stderr,
                "grpo: round %d: %zu tasks, mean reward %.4f, zero-variance groups %.1f%%, "
                "loss %.4f -> %.4f; validation reward %.4f -> %.4f, accuracy %.4f -> "
                "%.4f: %s (%.1f s)\n",
                k,
                r->tasks,
                r->mean_reward,
                100.0 * r->zero_variance_share,
                r->loss_first,
                r->loss_last,
                r->val_before,
                r->val_after,
                r->val_accuracy_before,
                r->val_accuracy_after,
                r->kept ? "kept" : "rolled back",
                r->seconds);
        }
        std::string version;
        if (r->kept && !out.empty()) {
            fs::path v = fs::path(out);
            v.replace_extension(".round-" + std::to_string(k) + ".gguf");
            Status s = model.save(v, opt.storage == "f32" ? TensorType::f32 : TensorType::f16);
            if (!s) {
                return s.error();
            }
            version = v.string();
        }
        rounds.push_back({{"round", k},
                          {"tasks", r->tasks},
                          {"mean_reward", r->mean_reward},
                          {"zero_variance_groups", r->groups_zero_variance},
                          {"zero_variance_share", r->zero_variance_share},
                          {"loss_first_epoch", r->loss_first},
                          {"loss_last_epoch", r->loss_last},
                          {"val_reward_before", r->val_before},
                          {"val_reward_after", r->val_after},
                          {"val_accuracy_before", r->val_accuracy_before},
                          {"val_accuracy_after", r->val_accuracy_after},
                          {"kept", r->kept},
                          {"model", version},
                          {"seconds", r->seconds}});
    }
    nlohmann::ordered_json rep;
    rep["judge"] = opt.judge;
    rep["config"] = {{"group", cfg.group},
                     {"epochs", cfg.epochs},
                     {"batch", cfg.batch},
                     {"lr", cfg.lr},
                     {"clip", cfg.clip},
                     {"kl", cfg.kl},
                     {"scale_std", cfg.scale_std},
                     {"tasks_per_round", cfg.tasks_per_round},
                     {"seed", cfg.seed}};
    rep["rounds"] = rounds;
    if (client) {
        const LlmStats st = client->stats();
        rep["llm"] = {{"requests", st.requests_sent},
                      {"cache_hits", st.cache_hits},
                      {"tokens", st.tokens_used}};
    }
    model.info.emplace_back("ruvllm.grpo.rounds", static_cast<uint32_t>(opt.rounds));
    model.info.emplace_back("ruvllm.grpo.judge", opt.judge);
    return rep;
}

Status run_grpo(const GrpoOptions& opt) {
    Result<RouterModel> m = RouterModel::load(opt.model);
    if (!m) {
        return m.error();
    }
    DataOptions dopt;
    Result<LabeledSet> train = load_labeled(opt.data, dopt, m->labels, true);
    if (!train) {
        return train.error();
    }
    Result<LabeledSet> val = load_labeled(opt.val, dopt, m->labels, true);
    if (!val) {
        return val.error();
    }
    Result<nlohmann::ordered_json> rep = run_grpo_rounds(*m, *train, *val, opt, opt.out);
    if (!rep) {
        return rep.error();
    }
    if (fs::path(opt.out).has_parent_path()) {
        std::error_code ec;
        fs::create_directories(fs::path(opt.out).parent_path(), ec);
    }
    Status s = m->save(opt.out, opt.storage == "f32" ? TensorType::f32 : TensorType::f16);
    if (!s) {
        return s;
    }
    const std::string report = opt.report.empty() ? opt.out + ".grpo.json" : opt.report;
    (*rep)["model"] = opt.out;
    s = write_file_atomic(report, rep->dump(2) + "\n");
    if (!s) {
        return s;
    }
    if (!opt.quiet) {
        std::fprintf(stderr, "grpo: -> %s, %s\n", opt.out.c_str(), report.c_str());
    }
    return ok();
}

}  // namespace ruvllm::cli
