// cmd_triplets.cpp: `ruvllm triplets`: labelled data -> seed-format triplets JSONL.
#include <cstdio>

#include <ruvllm/train/triplets.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_triplets(CLI::App& app, TripletsOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "triplets", "build training triplets (anchor, positive, negative) with hard negatives");
    cmd->footer(
        "Hard negatives (share --hard-ratio) are mined from --model (the nearest example of\n"
        "another label, unless it is a near-duplicate) or taken from the confusing-pairs table;\n"
        "the rest are random other labels. Output: the seed's triplet JSONL with a 'reason'.");
    cmd->add_option("-i,--data", opt.data, "labelled data (dataset JSONL, CSV, fastText)")
        ->required();
    cmd->add_option("-o,--out", opt.out, "output triplets JSONL")->required();
    cmd->add_option("--model", opt.model, "router model used to mine hard negatives");
    cmd->add_option("--text-field", opt.text_field, "text field (JSONL / CSV)")
        ->capture_default_str();
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
    DataOptions dopt;
    dopt.text_field = opt.text_field;
    dopt.label_field = opt.label_field;
    Result<LabeledSet> data = load_labeled(opt.data, dopt);
    if (!data) {
        return data.error();
    }
    Result<RouterModel> model = make_error(Errc::io, "no model");
    if (!opt.model.empty()) {
        model = RouterModel::load(opt.model);
        if (!model) {
            return model.error();
        }
    }
    TripletConfig cfg{opt.hard_ratio, opt.near_duplicate, opt.seed};
    TripletReport rep;
    Result<std::vector<Triplet>> t =
        make_triplets(*data, opt.model.empty() ? nullptr : &*model, cfg, &rep);
    if (!t) {
        return t.error();
    }
    Status s = write_triplets(opt.out, *t);
    if (!s) {
        return s;
    }
    if (!opt.quiet) {
        std::fprintf(stderr,
                     "triplets: %zu (%zu hard mined, %zu hard from the confusing pairs, %zu "
                     "random; %zu mined near-duplicates skipped) -> %s\n",
                     rep.total,
                     rep.mined,
                     rep.table,
                     rep.random,
                     rep.near_duplicates_skipped,
                     opt.out.c_str());
    }
    return ok();
}

}  // namespace ruvllm::cli
