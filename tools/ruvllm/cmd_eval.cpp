// cmd_eval.cpp: `ruvllm eval`: a router's metrics on labelled data (evaluate.h): keyword,
// embedding and hybrid side by side, per-label table, confusion matrix, heads, calibration,
// latency; JSON with --report, misrouted examples with --errors.
#include <cstdio>
#include <string>

#include <ruvllm/router/evaluate.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_eval(CLI::App& app, EvalOptions& opt) {
    CLI::App* cmd = app.add_subcommand("eval", "evaluate a router on labelled data");
    cmd->footer(
        "Labels come from --label-field (default output_agent; \"expected\" and \"label\" work\n"
        "too). Prints keyword / embedding / hybrid accuracy side by side, per-label precision,\n"
        "recall and F1 and the confusion matrix of the hybrid router, hard-negative accuracy,\n"
        "the heads' tier/complexity accuracy against the tier-table baseline, ECE and latency.\n"
        "--errors writes each misrouted example (hybrid) with its expected label and trace.");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option(
           "-i,--data",
           opt.data,
           "labelled data (JSONL, triplets, CSV, fastText, Parquet) or a dataset directory")
        ->required();
    cmd->add_option("--split", opt.split, "the split read from a dataset directory")
        ->capture_default_str();
    cmd->add_option("--report", opt.report, "also write the metrics as JSON here");
    cmd->add_option("--errors", opt.errors, "write the misrouted examples here (JSONL)");
    cmd->add_option("--text-field", opt.text_field, kTextFieldHelp)->capture_default_str();
    cmd->add_option("--label-field", opt.label_field, "label field")->capture_default_str();
    cmd->add_option("--min-confidence", opt.min_confidence, "abstain below this confidence")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--tier-bias", opt.tier_bias, "model-tier bias (< 0 cheaper)")
        ->capture_default_str();
    cmd->add_option("--max-tier", opt.max_tier, "budget ceiling for the model tier")
        ->check(CLI::IsMember({"haiku", "sonnet", "opus"}))
        ->capture_default_str();
    return cmd;
}

Status run_eval(const EvalOptions& opt) {
    EvalJob job;
    job.model = opt.model;
    job.data = opt.data;
    job.report = opt.report;
    job.errors = opt.errors;
    job.min_confidence = opt.min_confidence;
    job.tier_bias = opt.tier_bias;
    job.max_tier = opt.max_tier;
    job.text_field = opt.text_field;
    job.label_field = opt.label_field;
    job.split = opt.split;
    Result<EvalSummary> sum = evaluate_router(job, make_log(false));
    if (!sum) {
        return sum.error();
    }
    const std::string table = eval_table(job, *sum);
    std::fwrite(table.data(), 1, table.size(), stdout);
    return ok();
}

}  // namespace ruvllm::cli
