// cmd_generate.cpp: `ruvllm generate`: library -> dataset directory, or a JSONL stream.
#include <cstdio>

#include <ruvllm/dataset/generate_job.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_generate(CLI::App& app, GenerateOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "generate", "generate a labelled routing dataset from the agent/template library");
    cmd->footer(
        "Batch (default): writes claude_training_full.jsonl, claude_training_full.json,\n"
        "claude_training_{train,val,test}.jsonl, claude_training_stats.json and a README.md\n"
        "card into --out DIR (plus claude_training_fold_K_of_N.jsonl with --folds N).\n"
        "Splits are grouped by template: a label needs 3 templates or more to appear in all\n"
        "three splits, and a split that would be empty is refused.\n"
        "Stream: --stream --count N writes N examples as JSONL to --out FILE (- = stdout)\n"
        "in constant memory. Library format: docs/library.md.");
    cmd->alias("gen");
    cmd->add_option("--library",
                    opt.library,
                    "library directory (values.yaml, agents/, lexicon/); default: the built-in "
                    "library");
    cmd->add_option(
        "--agents", opt.agents, "directory of <agent>.yaml files replacing the library's agents/");
    cmd->add_option("-o,--out", opt.out, "output directory (batch) or JSONL file / - (stream)")
        ->capture_default_str();
    cmd->add_option("--per-category",
                    opt.per_category,
                    "base examples per seed category, spread over its agents")
        ->capture_default_str();
    cmd->add_option("--per-agent",
                    opt.per_agent,
                    "base examples per agent; overrides --per-category when > 0")
        ->capture_default_str();
    cmd->add_option("--labels",
                    opt.labels,
                    "output_agent labels: categories (the seed's 5) or agents (the 13 types)")
        ->check(CLI::IsMember({"categories", "agents"}))
        ->capture_default_str();
    cmd->add_option("--seed", opt.seed, "random seed")->capture_default_str();
    cmd->add_flag("--no-augment", opt.no_augment, "base examples only");
    cmd->add_option("--paraphrases", opt.paraphrases, "paraphrases per base example")
        ->capture_default_str();
    cmd->add_option("--complexity-variations",
                    opt.complexity_variations,
                    "rewrites at other complexity levels per base example (0-2)")
        ->capture_default_str();
    cmd->add_flag("--no-domain-transfer", opt.no_domain_transfer, "disable domain transfer");
    cmd->add_option("--styles",
                    opt.styles,
                    "surface styles: none (as the templates read: the seed's datasets), real (the "
                    "library's mix of terse titles, one-liners, questions, chat, lowercase and "
                    "context, lexicon/styles.yaml) or name=weight,...")
        ->capture_default_str();
    cmd->add_option("--split", opt.split, "train,val,test ratios (stratified, template-grouped)")
        ->capture_default_str();
    cmd->add_option("--folds",
                    opt.folds,
                    "also write K cross-validation folds (stratified, template-grouped); 0: none")
        ->capture_default_str();
    cmd->add_option("--balance",
                    opt.balance,
                    "balanced sampling of the train split: none, over (repeat minority labels) "
                    "or under (subsample majority labels)")
        ->check(CLI::IsMember({"none", "over", "under"}))
        ->capture_default_str();
    cmd->add_flag("--fasttext",
                  opt.fasttext,
                  "also write the splits as fastText files (claude_training_*.fasttext.txt)");
    cmd->add_option("--format",
                    opt.format,
                    "jsonl: the seed's files; parquet: those + the splits as Parquet; hf: the "
                    "Hugging Face layout (data/*.parquet + README.md with the datasets YAML)")
        ->check(CLI::IsMember({"jsonl", "parquet", "hf"}))
        ->capture_default_str();
    cmd->add_option("--compression", opt.compression, "Parquet page compression")
        ->check(CLI::IsMember({"none", "snappy", "zstd"}))
        ->capture_default_str();
    cmd->add_option("--license",
                    opt.license,
                    "--format hf: the card's license id (mit, apache-2.0, cc-by-4.0, other, ...)")
        ->capture_default_str();
    cmd->add_flag("--stream", opt.stream, "stream --count examples as JSONL in constant memory");
    cmd->add_option("--count", opt.count, "number of examples to stream (with --stream)");
    cmd->add_flag("-q,--quiet", opt.quiet, "no progress or summary on stderr");
    return cmd;
}

Status run_generate(const GenerateOptions& opt) {
    GenerateJob job;
    job.library = opt.library;
    job.agents = opt.agents;
    job.out = opt.out;
    job.per_category = opt.per_category;
    job.per_agent = opt.per_agent;
    job.labels = opt.labels;
    job.seed = opt.seed;
    job.augment = !opt.no_augment;
    job.paraphrases = opt.paraphrases;
    job.complexity_variations = opt.complexity_variations;
    job.domain_transfer = !opt.no_domain_transfer;
    job.split = opt.split;
    job.folds = opt.folds;
    job.balance = opt.balance;
    job.fasttext = opt.fasttext;
    job.format = opt.format;
    job.compression = opt.compression;
    job.license = opt.license;
    job.stream = opt.stream;
    job.count = opt.count;
    job.styles = opt.styles;
    Log log = make_log(opt.quiet);
    if (opt.stream && log.progress) {
        // The stream reports a bare fraction of --count: the bar counts examples (and so shows
        // examples/s); a note that only repeats the count goes.
        log.progress = [bar = log.progress, n = static_cast<double>(opt.count)](Progress p) {
            if (p.unit.empty() && n > 0) {
                p.done = p.done / p.total * n;
                p.total = n;
                p.unit = "examples";
                p.note.clear();
            }
            bar(p);
        };
    }
    if (opt.stream && opt.out == "-") {
        Result<GenerateSummary> sum = stream_dataset(job, stdout, log);
        return sum ? ok() : Status(sum.error());
    }
    Result<GenerateSummary> sum = generate_dataset(job, log);
    if (!sum) {
        return sum.error();
    }
    if (!opt.quiet && !opt.stream) {
        for (const std::string& f : sum->files) {
            std::printf("%s\n", f.c_str());
        }
    }
    return ok();
}

}  // namespace ruvllm::cli
