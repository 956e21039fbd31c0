// run.cpp: the pipeline's stages, each one library call (run.h).
#include <algorithm>
#include <functional>

#include <ruvllm/dataset/generate_job.h>
#include <ruvllm/pipeline/run.h>
#include <ruvllm/report/report.h>
#include <ruvllm/router/adapter.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/grpo_rounds.h>
#include <ruvllm/train/hard_negatives.h>
#include <ruvllm/train/recipe.h>
#include <ruvllm/train/triplets.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

// Every path of a run, under its `out` directory.
struct Paths {
    fs::path out, ds, train, val, test, train_triplets, test_triplets, hard_negs, router,
        router_grpo, final_model, eval, eval_errors, adapter, lora_adapter, report;

    explicit Paths(const PipelineConfig& c) : out(c.out), ds(out / "dataset") {
        train = ds / "claude_training_train.jsonl";
        val = ds / "claude_training_val.jsonl";
        test = ds / "claude_training_test.jsonl";
        train_triplets = ds / "claude_training_train.triplets.jsonl";
        test_triplets = ds / "claude_training_test.triplets.jsonl";
        hard_negs = out / "hard_negatives.jsonl";
        router = out / "router.gguf";
        router_grpo = out / "router-grpo.gguf";
        final_model = c.grpo.enabled ? router_grpo : router;
        eval = out / "eval.json";
        eval_errors = out / "eval.errors.jsonl";
        adapter = out / "adapter";
        lora_adapter = out / "lora-adapter.gguf";
        report = out / "report.html";
    }
};

Status generate(const PipelineConfig& c, const Paths& p, const Log& log) {
    GenerateJob g;
    g.out = p.ds;
    g.library = c.generate.library;
    g.labels = c.generate.labels;
    g.per_category = c.generate.per_category;
    g.per_agent = c.generate.per_agent;
    g.folds = c.generate.folds;
    g.fasttext = c.generate.fasttext;
    g.styles = c.generate.styles;
    // The hf layout has no JSONL splits, which the later stages read: JSONL first.
    g.format = c.generate.format == "hf" ? "jsonl" : c.generate.format;
    g.seed = c.seed;
    Result<GenerateSummary> s = generate_dataset(g, log);
    if (s && c.generate.format == "hf") {
        g.format = "hf";
        g.out = p.out / "dataset-hf";
        s = generate_dataset(g, log);
    }
    return s ? ok() : Status(s.error());
}

Status triplets(const PipelineConfig& c, const Paths& p, const Log& log) {
    for (const auto& [in, to] : {std::pair{p.train, p.train_triplets}, {p.test, p.test_triplets}}) {
        TripletsJob t;
        t.data = in;
        t.out = to;
        t.hard_ratio = c.triplets.hard_ratio;
        t.seed = c.seed;
        Result<TripletReport> r = build_triplets(t, log);
        if (!r) {
            return r.error();
        }
    }
    return ok();
}

Status hard_negatives(const PipelineConfig& c, const Paths& p, const Log& log) {
    HardNegativesJob h;
    h.count = c.hard_negatives.count;
    h.pairs = c.hard_negatives.pairs;
    h.llm.max_tokens_total = c.hard_negatives.max_tokens_total;
    h.llm.seed = c.seed;
    h.data = p.train;
    h.test = p.test;
    h.out = p.hard_negs;
    Result<HardNegativesSummary> r = collect_hard_negatives(h, log);
    return r ? ok() : Status(r.error());
}

Status train(const PipelineConfig& c, const Paths& p, const Log& log) {
    TrainRouterConfig t;
    t.data = {p.train};
    if (c.triplets.enabled) {
        t.data.push_back(p.train_triplets);
    }
    std::error_code ec;
    if (c.hard_negatives.enabled && fs::exists(p.hard_negs, ec)) {
        t.data.push_back(p.hard_negs);
    }
    t.val = p.val;
    t.test = c.triplets.enabled ? p.test_triplets : p.test;
    t.out = p.router;
    t.train.epochs = c.train.epochs;
    t.train.dim = c.train.dim;
    t.train.adam.lr = c.train.lr;
    t.train.seed = c.seed;
    t.train.lora.layers = c.train.lora_layers;
    t.train.lora.rank = c.train.lora_rank;
    t.train.lora.alpha = c.train.lora_alpha;
    t.sparse = c.train.sparse;
    t.base = c.train.base;
    t.base_options.pooling = c.train.pooling;
    Result<TrainRouterReport> r = train_router(t, log);
    return r ? ok() : Status(r.error());
}

Status grpo(const PipelineConfig& c, const Paths& p, const Log& log) {
    GrpoJob g;
    g.model = p.router;
    g.data = p.train;
    g.val = p.val;
    g.out = p.router_grpo;
    g.run.rounds = c.grpo.rounds;
    g.run.config.group = c.grpo.group;
    g.run.config.seed = c.seed;
    g.run.judge = c.grpo.judge;
    Result<nlohmann::ordered_json> r = grpo_job(g, log);
    return r ? ok() : Status(r.error());
}

Status eval(const Paths& p, const Log& log) {
    EvalJob e;
    e.model = p.final_model;
    e.data = p.test;
    e.report = p.eval;
    e.errors = p.eval_errors;
    Result<EvalSummary> s = evaluate_router(e, log);
    if (!s) {
        return s.error();
    }
    // The table `ruvllm eval` prints, line by line.
    const std::string table = eval_table(e, *s);
    size_t at = 0;
    while (at < table.size()) {
        const size_t nl = std::min(table.find('\n', at), table.size());
        log.say(table.substr(at, nl - at));
        at = nl + 1;
    }
    return ok();
}

// The router names a transformer base with a LoRA: its LoRA is what there is to export; on
// the subword base, the adapter directory (and a quantized copy when asked).
Status export_stage(const PipelineConfig& c,
                    const Paths& p,
                    bool transformer,
                    const std::string& ruvllm_path,
                    const Log& log) {
    ExportJob x;
    x.model = p.final_model;
    x.ruvllm_path = ruvllm_path;
    if (transformer) {
        if (c.train.lora_layers == 0) {
            log.say(
                "pipeline: export: the router stands on a frozen Qwen2 base; no LoRA to "
                "export");
            return ok();
        }
        x.lora = p.lora_adapter;
        Result<RouterExportSummary> r = export_router(x, log);
        return r ? ok() : Status(r.error());
    }
    if (!c.export_.quantize.empty()) {
        QuantizeJob q{
            p.final_model, p.out / ("router-" + c.export_.quantize + ".gguf"), c.export_.quantize};
        Result<QuantizeSummary> r = quantize_router(q, log);
        if (!r) {
            return r.error();
        }
    }
    x.out = p.adapter;
    x.base = c.train.base;
    Result<RouterExportSummary> r = export_router(x, log);
    return r ? ok() : Status(r.error());
}

Status report(const Paths& p, const Log& log) {
    ReportJob r;
    r.run = p.out;
    r.out = p.report;
    Result<ReportSummary> s = write_report(r, log);
    return s ? ok() : Status(s.error());
}

// Whether the config's train.base is a transformer (its base kind, from the file's header).
bool transformer_base(const PipelineConfig& c) {
    if (c.train.base.empty()) {
        return false;
    }
    Result<gguf::File> f = gguf::read_file(c.train.base);
    return f && base_kind(*f) == "qwen2";
}

struct Stage {
    std::string name;
    bool enabled;
    std::vector<fs::path> outputs;
    std::function<Status()> run;
};

}  // namespace

const std::vector<std::string>& pipeline_stages() {
    static const std::vector<std::string> names = {
        "generate", "triplets", "hard_negatives", "train", "grpo", "eval", "export", "report"};
    return names;
}

Result<PipelineSummary> run_pipeline(const PipelineConfig& c,
                                     const PipelineRun& run,
                                     const Log& log) {
    const std::vector<std::string>& names = pipeline_stages();
    if (!run.from.empty() && std::find(names.begin(), names.end(), run.from) == names.end()) {
        return make_error(Errc::invalid_argument,
                          "pipeline: --from '" + run.from +
                              "', expected generate, triplets, hard_negatives, train, grpo, "
                              "eval, export or report");
    }
    const Paths p(c);
    const bool transformer = transformer_base(c);
    const std::vector<Stage> stages = {
        {"generate",
         c.generate.enabled,
         {p.train, p.val, p.test},
         [&] {
             return generate(c, p, log);
         }},
        {"triplets",
         c.triplets.enabled,
         {p.train_triplets, p.test_triplets},
         [&] {
             return triplets(c, p, log);
         }},
        {"hard_negatives",
         c.hard_negatives.enabled,
         {p.hard_negs},
         [&] {
             return hard_negatives(c, p, log);
         }},
        {"train",
         c.train.enabled,
         {p.router},
         [&] {
             return train(c, p, log);
         }},
        {"grpo",
         c.grpo.enabled,
         {p.router_grpo},
         [&] {
             return grpo(c, p, log);
         }},
        {"eval",
         c.eval.enabled,
         {p.eval},
         [&] {
             return eval(p, log);
         }},
        {"export",
         c.export_.enabled,
         {transformer ? p.lora_adapter : p.adapter / "metadata.json"},
         [&] {
             return export_stage(c, p, transformer, run.ruvllm_path, log);
         }},
        {"report",
         c.report.enabled,
         {p.report},
         [&] {
             return report(p, log);
         }},
    };
    PipelineSummary summary;
    bool rerun = run.force;
    for (const Stage& st : stages) {
        rerun = rerun || run.from == st.name;
        if (!st.enabled) {
            log.say("pipeline: " + st.name + ": disabled in " + run.config_name);
            summary.skipped.push_back(st.name);
            continue;
        }
        bool done = !st.outputs.empty();
        for (const fs::path& o : st.outputs) {
            std::error_code ec;
            done = done && fs::exists(o, ec);
        }
        if (done && !rerun) {
            log.say("pipeline: " + st.name + ": up to date (" + st.outputs.front().string() +
                    " exists), skipped");
            summary.skipped.push_back(st.name);
            continue;
        }
        if (run.dry_run) {
            log.say("pipeline: " + st.name + ": would run -> " + st.outputs.front().string());
            continue;
        }
        log.say("== pipeline: " + st.name);
        std::error_code ec;
        fs::create_directories(p.out, ec);
        if (Status s = st.run(); !s) {
            return with_context(s.error(), "pipeline: " + st.name);
        }
        summary.ran.push_back(st.name);
        // A stage that ran makes every later stage's outputs stale.
        rerun = true;
    }
    log.say("pipeline: " + std::to_string(summary.ran.size()) + " stage(s) run; outputs in " +
            c.out);
    return summary;
}

}  // namespace ruvllm
