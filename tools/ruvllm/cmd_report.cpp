// cmd_report.cpp: `ruvllm report`: one self-contained HTML page (report.h) from a run directory's
// JSON outputs and/or the files named by --stats, --eval, --dataset-stats and --grpo.
#include <cstdio>

#include <ruvllm/core/io.h>
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
    ReportFiles files;
    if (!opt.run.empty()) {
        Result<ReportFiles> found = discover_report_files(opt.run);
        if (!found) {
            return found.error();
        }
        files = std::move(*found);
    }
    const auto add = [](std::vector<std::filesystem::path>& to,
                        const std::vector<std::string>& paths) {
        to.insert(to.end(), paths.begin(), paths.end());
    };
    add(files.stats, opt.stats);
    add(files.evals, opt.evals);
    add(files.dataset_stats, opt.dataset_stats);
    add(files.grpo, opt.grpo);
    if (files.empty()) {
        if (opt.run.empty()) {
            return make_error(Errc::invalid_argument,
                              "report: nothing to report, expected --run DIR or --stats, --eval, "
                              "--dataset-stats or --grpo FILE");
        }
        return make_error(Errc::io,
                          opt.run +
                              ": no run outputs found, expected *.gguf.stats.json, eval*.json, "
                              "*/claude_training_stats.json or *.grpo.json");
    }
    Result<ReportInputs> in = load_report_inputs(files, opt.run);
    if (!in) {
        return in.error();
    }
    Result<std::string> html = render_report(*in);
    if (!html) {
        return html.error();
    }
    if (Status s = write_file_atomic(opt.out, *html); !s) {
        return s;
    }
    std::printf(
        "report: %zu training stats, %zu eval reports, %zu dataset stats, %zu GRPO "
        "reports -> %s\n",
        in->stats.size(),
        in->evals.size(),
        in->dataset_stats.size(),
        in->grpo.size(),
        opt.out.c_str());
    return ok();
}

}  // namespace ruvllm::cli
