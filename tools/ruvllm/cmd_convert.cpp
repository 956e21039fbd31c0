// cmd_convert.cpp: `ruvllm convert`: labelled data in any format -> fastText lines or JSONL.
#include <ruvllm/dataset/labeled.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_convert(CLI::App& app, ConvertOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "convert", "convert labelled data: any format train reads -> fastText lines or JSONL");
    cmd->footer(
        "fastText lines (\"__label__<label> <words>\") use the tokenizer of generate --fasttext,\n"
        "so any labelled set (e.g. data/eval/dev.jsonl) can be scored by `fasttext test` against\n"
        "a model trained on a generated split.");
    cmd->add_option(
           "-i,--data", opt.in, "labelled data (dataset JSONL, triplets, CSV, fastText, Parquet)")
        ->required();
    cmd->add_option("-o,--out", opt.out, "output file")->required();
    cmd->add_option("--to", opt.to, "output format")
        ->check(CLI::IsMember({"fasttext", "jsonl"}))
        ->capture_default_str();
    cmd->add_option("--text-field", opt.text_field, kTextFieldHelp)->capture_default_str();
    cmd->add_option("--label-field", opt.label_field, "label field (JSONL / CSV)")
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", opt.quiet, "no summary on stderr");
    return cmd;
}

Status run_convert(const ConvertOptions& opt) {
    ConvertJob job;
    job.in = opt.in;
    job.out = opt.out;
    job.to = opt.to;
    job.data.text_field = opt.text_field;
    job.data.label_field = opt.label_field;
    Result<size_t> n = convert_labeled(job, make_log(opt.quiet));
    return n ? ok() : Status(n.error());
}

}  // namespace ruvllm::cli
