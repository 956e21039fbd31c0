// cmd_report.cpp: `ruvllm report`: one self-contained HTML page (report.h) from a run directory's
// JSON outputs and/or the files named by --stats, --eval, --dataset-stats and --grpo.
#include <cstdio>
#include <string>

#include <ruvllm/report/report.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_report(CLI::App& app, ReportOptions& opt) {
    CLI::App* cmd = app.add_subcommand("report", "write an HTML report of a run (inline SVG)");
    cmd->footer(
        "--run DIR reads DIR/*.gguf.stats.json (train --stats), DIR/eval*.json (eval --report),\n"
        "DIR/*/claude_training_stats.json (generate) and DIR/*.grpo.json (grpo); the other\n"
        "flags add files. The page needs no network and no JavaScript; a missing kind of input\n"
        "reads \"not available\" in its section.");
    cmd->add_option("--run", opt.run, "run directory to read");
    cmd->add_option("--stats", opt.stats, "training stats JSON (repeatable)");
    cmd->add_option("--eval", opt.evals, "eval report JSON (repeatable)");
    cmd->add_option("--dataset-stats", opt.dataset_stats, "dataset stats JSON (repeatable)");
    cmd->add_option("--grpo", opt.grpo, "GRPO report JSON (repeatable)");
    cmd->add_option("-o,--out", opt.out, "output HTML file")->required();
    return cmd;
}

Status run_report(const ReportOptions& opt) {
    ReportJob job;
    job.run = opt.run;
    job.out = opt.out;
    job.stats.assign(opt.stats.begin(), opt.stats.end());
    job.evals.assign(opt.evals.begin(), opt.evals.end());
    job.dataset_stats.assign(opt.dataset_stats.begin(), opt.dataset_stats.end());
    job.grpo.assign(opt.grpo.begin(), opt.grpo.end());
    // The summary line is the command's output: stdout, as before the job existed.
    Log log;
    log.line = [](const std::string& s) {
        std::printf("%s\n", s.c_str());
    };
    Result<ReportSummary> sum = write_report(job, log);
    return sum ? ok() : Status(sum.error());
}

}  // namespace ruvllm::cli
