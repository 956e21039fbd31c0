// cmd_generate.cpp: `ruvllm generate`: library -> dataset directory, or a JSONL stream.
#include <chrono>
#include <cstdio>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/export.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/dataset/split.h>

#include "cli.h"
#include "progress.h"
#include <unistd.h>

namespace ruvllm::cli {

CLI::App* add_generate(CLI::App& app, GenerateOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "generate", "generate a labelled routing dataset from the agent/template library");
    cmd->footer(
        "Batch (default): writes claude_training_full.jsonl, claude_training_full.json,\n"
        "claude_training_{train,val,test}.jsonl, claude_training_stats.json and a README.md\n"
        "card into --out DIR (plus claude_training_fold_K_of_N.jsonl with --folds N).\n"
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
    cmd->add_flag("--stream", opt.stream, "stream --count examples as JSONL in constant memory");
    cmd->add_option("--count", opt.count, "number of examples to stream (with --stream)");
    cmd->add_flag("-q,--quiet", opt.quiet, "no progress or summary on stderr");
    return cmd;
}

namespace {

GenConfig make_config(const GenerateOptions& opt) {
    GenConfig cfg;
    cfg.per_category = opt.per_category;
    cfg.per_agent = opt.per_agent;
    cfg.augment = !opt.no_augment;
    cfg.paraphrases = opt.paraphrases;
    cfg.complexity_variations = opt.complexity_variations;
    cfg.domain_transfer = !opt.no_domain_transfer;
    cfg.labels = opt.labels == "agents" ? Labels::agents : Labels::categories;
    cfg.seed = opt.seed;
    return cfg;
}

Status run_stream(const GenerateOptions& opt, const Library& lib, const GenConfig& cfg) {
    if (opt.count < 0) {
        return make_error(Errc::invalid_argument,
                          "--stream needs --count N, expected a number of examples >= 0");
    }
    const bool to_stdout = opt.out == "-";
    Result<AtomicFile> file = make_error(Errc::io, "unused");
    std::FILE* fp = stdout;
    if (!to_stdout) {
        file = AtomicFile::create(opt.out);
        if (!file) {
            return file.error();
        }
        fp = file->stream();
    }
    StreamGenerator gen(lib, cfg);
    OutBuffer out(fp);
    const auto t0 = std::chrono::steady_clock::now();
    {
        ProgressBar bar("generate", opt.quiet);
        for (int64_t i = 0; i < opt.count; i++) {
            const Example* e = gen.next();
            if (e == nullptr) {
                return gen.error();
            }
            append_jsonl(out.raw(), *e);
            out.maybe_spill();
            if ((i & 0xFFFF) == 0) {
                bar.update(static_cast<double>(i) / static_cast<double>(opt.count),
                           std::to_string(i) + " examples");
            }
        }
    }
    if (!out.flush()) {
        return make_error(Errc::io, opt.out + ": write failed");
    }
    if (!to_stdout) {
        Status s = file->commit();
        if (!s) {
            return s;
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!opt.quiet) {
        const GenReport& rep = gen.report();
        std::fprintf(stderr,
                     "generate: %lld examples in %.2f s (%.0f examples/s; %llu duplicate "
                     "renderings rejected, %llu variants filtered) -> %s\n",
                     static_cast<long long>(opt.count),
                     secs,
                     static_cast<double>(opt.count) / std::max(secs, 1e-9),
                     static_cast<unsigned long long>(rep.duplicates_rejected),
                     static_cast<unsigned long long>(rep.filtered),
                     to_stdout ? "stdout" : opt.out.c_str());
    }
    return ok();
}

}  // namespace

Status run_generate(const GenerateOptions& opt) {
    GenConfig cfg = make_config(opt);
    Status v = validate(cfg);
    if (!v) {
        return v;
    }
    Result<SplitRatios> ratios = parse_split_ratios(opt.split);
    if (!ratios) {
        return ratios.error();
    }
    if (opt.folds < 0 || opt.folds == 1) {
        return make_error(Errc::invalid_argument,
                          "--folds " + std::to_string(opt.folds) + ", expected 0 (none) or >= 2");
    }
    if (!opt.stream && opt.count >= 0) {
        return make_error(Errc::invalid_argument,
                          "--count is for streaming, expected --stream with it (batch mode "
                          "sizes the dataset with --per-category / --per-agent)");
    }
    const std::filesystem::path lib_dir =
        opt.library.empty() ? default_library_dir() : std::filesystem::path(opt.library);
    Result<Library> lib = load_library(lib_dir, opt.agents);
    if (!lib) {
        return lib.error();
    }
    if (opt.stream) {
        return run_stream(opt, *lib, cfg);
    }

    const auto t0 = std::chrono::steady_clock::now();
    GenReport rep;
    Result<std::vector<Example>> ds = generate(*lib, cfg, &rep);
    if (!ds) {
        return ds.error();
    }
    const double gen_secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    ExportPlan plan;
    plan.ratios = *ratios;
    plan.folds = opt.folds;
    plan.balance = opt.balance == "over"    ? Balance::over
                   : opt.balance == "under" ? Balance::under
                                            : Balance::none;
    plan.seed = opt.seed;
    plan.fasttext = opt.fasttext;
    plan.parquet = opt.format == "parquet";
    Result<ParquetCompression> pc = parse_parquet_compression(opt.compression);
    if (!pc) {
        return pc.error();
    }
    plan.parquet_options.compression = *pc;
    plan.generator_version = std::string("ruvllm ") + RUVLLM_VERSION;
    plan.config = {
        {"seed", std::to_string(opt.seed)},
        {"library", lib_dir.string() + (opt.agents.empty() ? "" : " (agents: " + opt.agents + ")")},
        {"labels", opt.labels},
        {"per_category", opt.per_agent > 0 ? "-" : std::to_string(opt.per_category)},
        {"per_agent", std::to_string(opt.per_agent)},
        {"augmentation", cfg.augment ? "on" : "off"},
        {"paraphrases", std::to_string(cfg.paraphrases)},
        {"complexity_variations", std::to_string(cfg.complexity_variations)},
        {"domain_transfer", cfg.domain_transfer ? "on" : "off"},
        {"split", opt.split},
        {"folds", std::to_string(opt.folds)},
        {"balance", opt.balance},
    };
    size_t n_templates = 0;
    for (const Agent& a : lib->agents) {
        plan.templates_per_agent.emplace_back(a.name, a.templates.size());
        n_templates += a.templates.size();
    }
    Result<ExportSummary> sum = opt.format == "hf" ? export_hf_dataset(opt.out, *ds, plan)
                                                   : export_dataset(opt.out, *ds, plan);
    if (!sum) {
        return sum.error();
    }
    if (!opt.quiet) {
        std::fprintf(stderr,
                     "generate: %zu agents, %zu templates; %llu examples (%llu base, %llu "
                     "paraphrase, %llu complexity, %llu domain; %llu variants filtered, %llu "
                     "duplicate renderings rejected) in %.3f s\n",
                     lib->agents.size(),
                     n_templates,
                     static_cast<unsigned long long>(rep.total()),
                     static_cast<unsigned long long>(rep.base),
                     static_cast<unsigned long long>(rep.paraphrase),
                     static_cast<unsigned long long>(rep.complexity),
                     static_cast<unsigned long long>(rep.domain),
                     static_cast<unsigned long long>(rep.filtered),
                     static_cast<unsigned long long>(rep.duplicates_rejected),
                     gen_secs);
        if (rep.base_shortfall > 0) {
            std::fprintf(stderr,
                         "generate: warning: %llu base examples could not be made "
                         "unique and were skipped\n",
                         static_cast<unsigned long long>(rep.base_shortfall));
        }
        std::fprintf(stderr,
                     "generate: split train %zu / val %zu / test %zu -> %s\n",
                     sum->train,
                     sum->val,
                     sum->test,
                     opt.out.c_str());
        for (const std::string& f : sum->files) {
            std::printf("%s\n", f.c_str());
        }
    }
    return ok();
}

}  // namespace ruvllm::cli
