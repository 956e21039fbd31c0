// generate_job.cpp: `ruvllm generate` as one call (generate_job.h): checks, library, generator,
// then the dataset directory or the JSONL stream.
#include <algorithm>
#include <chrono>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/export.h>
#include <ruvllm/dataset/generate_job.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/dataset/split.h>

namespace ruvllm {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

GenConfig gen_config(const GenerateJob& job) {
    GenConfig cfg;
    cfg.per_category = job.per_category;
    cfg.per_agent = job.per_agent;
    cfg.augment = job.augment;
    cfg.paraphrases = job.paraphrases;
    cfg.complexity_variations = job.complexity_variations;
    cfg.domain_transfer = job.domain_transfer;
    cfg.labels = job.labels == "agents" ? Labels::agents : Labels::categories;
    cfg.seed = job.seed;
    return cfg;
}

// `value` is one of `set`; else Errc::invalid_argument naming the field.
Status check_member(const char* field, const std::string& value, std::vector<std::string> set) {
    if (std::find(set.begin(), set.end(), value) != set.end()) {
        return ok();
    }
    std::string expected;
    for (size_t i = 0; i < set.size(); i++) {
        expected += (i == 0 ? "" : i + 1 == set.size() ? " or " : ", ") + set[i];
    }
    return make_error(Errc::invalid_argument,
                      std::string("generate: ") + field + " '" + value + "', expected " + expected);
}

// Everything a job needs before it writes: the checks in generate_job.h's order and the library.
struct Prepared {
    GenConfig cfg;
    SplitRatios ratios;
    std::filesystem::path lib_dir;
    Library lib;
};

Result<Prepared> prepare(const GenerateJob& job) {
    Prepared p;
    p.cfg = gen_config(job);
    if (Status v = validate(p.cfg); !v) {
        return v.error();
    }
    for (Status s : {check_member("labels", job.labels, {"categories", "agents"}),
                     check_member("balance", job.balance, {"none", "over", "under"}),
                     check_member("format", job.format, {"jsonl", "parquet", "hf"}),
                     check_member("compression", job.compression, {"none", "snappy", "zstd"}),
                     check_card_license(job.license)}) {
        if (!s) {
            return s.error();
        }
    }
    Result<SplitRatios> ratios = parse_split_ratios(job.split);
    if (!ratios) {
        return ratios.error();
    }
    p.ratios = *ratios;
    if (job.folds < 0 || job.folds == 1) {
        return make_error(Errc::invalid_argument,
                          "--folds " + std::to_string(job.folds) + ", expected 0 (none) or >= 2");
    }
    if (!job.stream && job.count >= 0) {
        return make_error(Errc::invalid_argument,
                          "--count is for streaming, expected --stream with it (batch mode "
                          "sizes the dataset with --per-category / --per-agent)");
    }
    p.lib_dir = job.library.empty() ? default_library_dir() : job.library;
    Result<Library> lib = load_library(p.lib_dir, job.agents);
    if (!lib) {
        return lib.error();
    }
    p.lib = std::move(*lib);
    Result<StyleMix> mix = parse_style_mix(job.styles, p.lib.styles.mix);
    if (!mix) {
        return with_context(mix.error(), "generate");
    }
    if (!mix->empty() && !p.lib.styles.loaded) {
        return make_error(Errc::invalid_argument,
                          "generate: --styles needs the library's lexicon/styles.yaml (" +
                              (p.lib_dir / "lexicon" / "styles.yaml").string() + "), expected one");
    }
    p.cfg.styles = *mix;
    if (job.stream && job.count < 0) {
        return make_error(Errc::invalid_argument,
                          "--stream needs --count N, expected a number of examples >= 0");
    }
    return p;
}

size_t n_templates(const Library& lib) {
    size_t n = 0;
    for (const Agent& a : lib.agents) {
        n += a.templates.size();
    }
    return n;
}

// The stream of a prepared job into `fp`.
Result<GenerateSummary> write_stream(const GenerateJob& job,
                                     const Prepared& p,
                                     std::FILE* fp,
                                     const Log& log) {
    StreamGenerator gen(p.lib, p.cfg, static_cast<uint64_t>(std::max<int64_t>(job.count, 1)));
    OutBuffer out(fp);
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < job.count; i++) {
        const Example* e = gen.next();
        if (e == nullptr) {
            return gen.error();
        }
        append_jsonl(out.raw(), *e);
        out.maybe_spill();
        if ((i & 0xFFFF) == 0) {
            log.step("generate",
                     static_cast<double>(i) / static_cast<double>(job.count),
                     std::to_string(i) + " examples");
        }
    }
    log.step("generate", 1.0, std::to_string(job.count) + " examples");
    if (!out.flush()) {
        return make_error(Errc::io, job.out.string() + ": write failed");
    }
    GenerateSummary sum;
    sum.agents = p.lib.agents.size();
    sum.templates = n_templates(p.lib);
    sum.counts = gen.report();
    sum.all_distinct = gen.global_dedup();
    sum.examples = static_cast<uint64_t>(job.count);
    sum.seconds = seconds_since(t0);
    return sum;
}

// The summary line of a stream written to `name`.
void say_stream(const GenerateSummary& sum, const std::string& name, const Log& log) {
    log.say(strformat(
        "generate: %llu examples in %.2f s (%.0f examples/s; %llu duplicate "
        "renderings rejected, %llu variants filtered; %s) -> %s",
        static_cast<unsigned long long>(sum.examples),
        sum.seconds,
        static_cast<double>(sum.examples) / std::max(sum.seconds, 1e-9),
        static_cast<unsigned long long>(sum.counts.duplicates_rejected),
        static_cast<unsigned long long>(sum.counts.filtered),
        sum.all_distinct ? "all distinct" : "distinct within the last ~1M texts (over 10M asked)",
        name.c_str()));
}

// The last name of a directory path ("lib" for "/home/me/lib/").
std::string dir_name(const std::filesystem::path& dir) {
    std::filesystem::path p = dir.lexically_normal();
    if (p.filename().empty()) {
        p = p.parent_path();
    }
    return p.filename().string();
}

ExportPlan export_plan(const GenerateJob& job, const Prepared& p) {
    ExportPlan plan;
    plan.ratios = p.ratios;
    plan.folds = job.folds;
    plan.balance = job.balance == "over"    ? Balance::over
                   : job.balance == "under" ? Balance::under
                                            : Balance::none;
    plan.seed = job.seed;
    plan.fasttext = job.fasttext;
    plan.parquet = job.format == "parquet";
    plan.parquet_options.compression = *parse_parquet_compression(job.compression);
    plan.generator_version = std::string("ruvllm ") + RUVLLM_VERSION;
    plan.license = job.license;
    // The card names the library, never a path of this machine (#17).
    std::string library =
        job.library.empty() ? std::string("built-in") : dir_name(p.lib_dir) + " (a custom library)";
    if (!job.agents.empty()) {
        library += ", agents from " + dir_name(job.agents);
    }
    plan.config = {
        {"seed", std::to_string(job.seed)},
        {"library", library},
        {"labels", job.labels},
        {"per_category", job.per_agent > 0 ? "-" : std::to_string(job.per_category)},
        {"per_agent", std::to_string(job.per_agent)},
        {"augmentation", p.cfg.augment ? "on" : "off"},
        {"paraphrases", std::to_string(p.cfg.paraphrases)},
        {"complexity_variations", std::to_string(p.cfg.complexity_variations)},
        {"domain_transfer", p.cfg.domain_transfer ? "on" : "off"},
        {"split", job.split},
        {"folds", std::to_string(job.folds)},
        {"balance", job.balance},
    };
    if (!p.cfg.styles.empty()) {
        plan.config.emplace_back("styles", style_mix_string(p.cfg.styles));
    }
    plan.config.emplace_back("typo_check",
                             p.lib.lexicon.has_dictionary
                                 ? "no typo spells a word of the system word list"
                                 : "off (no system word list)");
    for (const Agent& a : p.lib.agents) {
        plan.templates_per_agent.emplace_back(a.name, a.templates.size());
    }
    return plan;
}

Result<GenerateSummary> write_batch(const GenerateJob& job, const Prepared& p, const Log& log) {
    GenerateSummary sum;
    sum.agents = p.lib.agents.size();
    sum.templates = n_templates(p.lib);
    const auto t0 = Clock::now();
    Result<std::vector<Example>> ds = generate(p.lib, p.cfg, &sum.counts);
    if (!ds) {
        return ds.error();
    }
    sum.seconds = seconds_since(t0);
    const ExportPlan plan = export_plan(job, p);
    Result<ExportSummary> ex = job.format == "hf" ? export_hf_dataset(job.out, *ds, plan)
                                                  : export_dataset(job.out, *ds, plan);
    if (!ex) {
        return ex.error();
    }
    sum.examples = ds->size();
    sum.train = ex->train;
    sum.val = ex->val;
    sum.test = ex->test;
    sum.files = std::move(ex->files);
    const GenReport& rep = sum.counts;
    log.say(
        strformat("generate: %zu agents, %zu templates; %llu examples (%llu base, %llu "
                  "paraphrase, %llu complexity, %llu domain; %llu variants filtered, %llu "
                  "duplicate renderings rejected) in %.3f s",
                  sum.agents,
                  sum.templates,
                  static_cast<unsigned long long>(rep.total()),
                  static_cast<unsigned long long>(rep.base),
                  static_cast<unsigned long long>(rep.paraphrase),
                  static_cast<unsigned long long>(rep.complexity),
                  static_cast<unsigned long long>(rep.domain),
                  static_cast<unsigned long long>(rep.filtered),
                  static_cast<unsigned long long>(rep.duplicates_rejected),
                  sum.seconds));
    for (const std::string& w : ex->warnings) {
        log.say(w);
    }
    if (rep.base_shortfall > 0) {
        log.say(
            strformat("generate: warning: %llu base examples could not be made unique and "
                      "were skipped",
                      static_cast<unsigned long long>(rep.base_shortfall)));
    }
    log.say(strformat("generate: split train %zu / val %zu / test %zu -> %s",
                      sum.train,
                      sum.val,
                      sum.test,
                      job.out.string().c_str()));
    if (ex->removed > 0) {
        log.say(
            strformat("generate: replaced the previous dataset there (%zu claude_training_* "
                      "files, with what was derived from them, removed first)",
                      ex->removed));
    }
    return sum;
}

}  // namespace

Result<GenerateSummary> generate_dataset(const GenerateJob& job, const Log& log) {
    Result<Prepared> p = prepare(job);
    if (!p) {
        return p.error();
    }
    if (!job.stream) {
        return write_batch(job, *p, log);
    }
    if (job.out == "-") {
        return make_error(Errc::invalid_argument,
                          "generate: out '-' is standard output, expected stream_dataset() "
                          "with an open stream for it");
    }
    Result<AtomicFile> file = AtomicFile::create(job.out);
    if (!file) {
        return file.error();
    }
    Result<GenerateSummary> sum = write_stream(job, *p, file->stream(), log);
    if (!sum) {
        return sum;
    }
    if (Status s = file->commit(); !s) {
        return s.error();
    }
    sum->files.push_back(job.out.string());
    say_stream(*sum, job.out.string(), log);
    return sum;
}

Result<GenerateSummary> stream_dataset(const GenerateJob& job, std::FILE* out, const Log& log) {
    if (!job.stream) {
        return make_error(Errc::invalid_argument,
                          "generate: stream_dataset() of a batch job, expected stream = true");
    }
    Result<Prepared> p = prepare(job);
    if (!p) {
        return p.error();
    }
    Result<GenerateSummary> sum = write_stream(job, *p, out, log);
    if (sum) {
        say_stream(*sum, job.out == "-" ? "stdout" : job.out.string(), log);
    }
    return sum;
}

}  // namespace ruvllm
