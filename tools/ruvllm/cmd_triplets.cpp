// cmd_triplets.cpp: `ruvllm triplets`: labelled data -> seed-format triplets JSONL.
#include <ruvllm/train/triplets.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_triplets(CLI::App& app, TripletsOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "triplets", "build training triplets (anchor, positive, negative) with hard negatives");
    cmd->footer(
        "Hard negatives (share --hard-ratio) are mined from --model (the nearest example of\n"
        "another label, unless it is a near-duplicate) or taken from the confusing-pairs table;\n"
        "the rest are random other labels. Output: the seed's triplet JSONL with a 'reason'.");
    cmd->add_option("-i,--data", opt.data, "labelled data (dataset JSONL, CSV, fastText, Parquet)")
        ->required();
    cmd->add_option("-o,--out", opt.out, "output triplets JSONL")->required();
    cmd->add_option("--model", opt.model, "router model used to mine hard negatives");
    cmd->add_option("--text-field", opt.text_field, kTextFieldHelp)->capture_default_str();
    cmd->add_option("--label-field", opt.label_field, "label field (JSONL / CSV)")
        ->capture_default_str();
    cmd->add_option("--hard-ratio", opt.hard_ratio, "share of hard negatives")
        ->check(CLI::Range(0.0f, 1.0f))
        ->capture_default_str();
    cmd->add_option("--near-duplicate",
                    opt.near_duplicate,
                    "mined negatives at this cosine or above are skipped as near-duplicates")
        ->capture_default_str();
    cmd->add_option("--seed", opt.seed, "random seed")->capture_default_str();
    cmd->add_flag("-q,--quiet", opt.quiet, "no summary on stderr");
    return cmd;
}

Status run_triplets(const TripletsOptions& opt) {
    TripletsJob job;
    job.data = opt.data;
    job.out = opt.out;
    job.model = opt.model;
    job.text_field = opt.text_field;
    job.label_field = opt.label_field;
    job.hard_ratio = opt.hard_ratio;
    job.near_duplicate = opt.near_duplicate;
    job.seed = opt.seed;
    Result<TripletReport> rep = build_triplets(job, make_log(opt.quiet));
    return rep ? ok() : Status(rep.error());
}

}  // namespace ruvllm::cli
