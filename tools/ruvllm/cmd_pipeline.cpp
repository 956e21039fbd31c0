// cmd_pipeline.cpp: `ruvllm pipeline --config ruvllm.yaml`: generate -> triplets ->
// (hard negatives) -> train -> (grpo) -> eval -> (export) -> report, each stage from the
// config (pipeline.h), skippable, and resumable from its outputs.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ruvllm/pipeline/run.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

namespace fs = std::filesystem;

CLI::App* add_pipeline(CLI::App& app, PipelineOptions& opt) {
    CLI::App* cmd = app.add_subcommand("pipeline", "run the whole pipeline from one config file");
    cmd->footer(
        "Stages, in order: generate, triplets, hard_negatives, train, grpo, eval, export,\n"
        "report; each reads and writes under the config's `out` directory and is skipped when\n"
        "`enabled: false`. A stage whose outputs already exist is skipped (resume after an\n"
        "interruption); --from STAGE reruns that stage and the ones after it, --force reruns\n"
        "everything. The repository's ruvllm.yaml documents every key; unknown keys and wrong\n"
        "types are errors naming the file, line and key.");
    cmd->add_option("-c,--config", opt.config, "pipeline config (YAML)")->capture_default_str();
    cmd->add_option("--from", opt.from, "rerun from this stage on")
        ->check(CLI::IsMember(pipeline_stages()));
    cmd->add_flag("--force", opt.force, "rerun every enabled stage");
    cmd->add_flag("--dry-run", opt.dry_run, "print the plan and exit");
    return cmd;
}

Status run_pipeline(const PipelineOptions& opt) {
    Result<PipelineConfig> cfg = load_pipeline_config(opt.config);
    if (!cfg) {
        return cfg.error();
    }
    PipelineRun run;
    run.config_name = opt.config;
    run.from = opt.from;
    run.force = opt.force;
    run.dry_run = opt.dry_run;
    run.ruvllm_path = self_path();
    Result<PipelineSummary> s = ruvllm::run_pipeline(*cfg, run, make_log(false));
    return s ? ok() : Status(s.error());
}

}  // namespace ruvllm::cli
