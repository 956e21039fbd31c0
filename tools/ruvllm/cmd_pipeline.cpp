// cmd_pipeline.cpp: `ruvllm pipeline --config ruvllm.yaml`: generate -> triplets ->
// (hard negatives) -> train -> (grpo) -> eval -> (export) -> report, each stage from the
// config (pipeline.h), skippable, and resumable from its outputs.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ruvllm/embed/base.h>
#include <ruvllm/pipeline/pipeline.h>

#include "cli.h"

namespace ruvllm::cli {

namespace fs = std::filesystem;

namespace {

const char* const kStages[] = {
    "generate", "triplets", "hard_negatives", "train", "grpo", "eval", "export", "report"};

}  // namespace

CLI::App* add_pipeline(CLI::App& app, PipelineOptions& opt) {
    CLI::App* cmd = app.add_subcommand("pipeline", "run the whole pipeline from one config file");
    cmd->footer(
        "Stages, in order: generate, triplets, hard_negatives, train, grpo, eval, export,\n"
        "report; each reads and writes under the config's `out` directory and is skipped when\n"
        "`enabled: false`. A stage whose outputs already exist is skipped (resume after an\n"
        "interruption); --from STAGE reruns that stage and the ones after it, --force reruns\n"
        "everything. The repository's ruvllm.yaml documents every key; unknown keys and wrong\n"
        "types are errors naming the file, line and key.");
    cmd->add_option("-c,--config", opt.config, "pipeline config (YAML)")->capture_default_str();
    cmd->add_option("--from", opt.from, "rerun from this stage on")
        ->check(CLI::IsMember(std::vector<std::string>(std::begin(kStages), std::end(kStages))));
    cmd->add_flag("--force", opt.force, "rerun every enabled stage");
    cmd->add_flag("--dry-run", opt.dry_run, "print the plan and exit");
    return cmd;
}

Status run_pipeline(const PipelineOptions& opt) {
    Result<PipelineConfig> cfg = load_pipeline_config(opt.config);
    if (!cfg) {
        return cfg.error();
    }
    const PipelineConfig& c = *cfg;
    const fs::path out = c.out;
    const fs::path ds = out / "dataset";
    const std::string train_jsonl = (ds / "claude_training_train.jsonl").string();
    const std::string val_jsonl = (ds / "claude_training_val.jsonl").string();
    const std::string test_jsonl = (ds / "claude_training_test.jsonl").string();
    const std::string train_triplets = (ds / "claude_training_train.triplets.jsonl").string();
    const std::string test_triplets = (ds / "claude_training_test.triplets.jsonl").string();
    const std::string hard_negs = (out / "hard_negatives.jsonl").string();
    const std::string router = (out / "router.gguf").string();
    const std::string router_grpo = (out / "router-grpo.gguf").string();
    const std::string final_model = c.grpo.enabled ? router_grpo : router;
    Result<gguf::File> base_file = c.train.base.empty()
                                       ? Result<gguf::File>(make_error(Errc::io, ""))
                                       : gguf::read_file(c.train.base);
    const bool qwen_base = base_file && base_kind(*base_file) == "qwen2";

    struct Stage {
        const char* name;
        bool enabled;
        std::vector<std::string> outputs;
        std::function<Status()> run;
    };

    const std::vector<Stage> stages = {
        {"generate",
         c.generate.enabled,
         {train_jsonl, val_jsonl, test_jsonl},
         [&]() -> Status {
             GenerateOptions g;
             g.out = ds.string();
             g.library = c.generate.library;
             g.labels = c.generate.labels;
             g.per_category = c.generate.per_category;
             g.per_agent = c.generate.per_agent;
             g.folds = c.generate.folds;
             g.fasttext = c.generate.fasttext;
             g.format = c.generate.format == "hf" ? "jsonl" : c.generate.format;
             g.seed = c.seed;
             Status s = run_generate(g);
             if (s && c.generate.format == "hf") {
                 g.format = "hf";
                 g.out = (out / "dataset-hf").string();
                 s = run_generate(g);
             }
             return s;
         }},
        {"triplets",
         c.triplets.enabled,
         {train_triplets, test_triplets},
         [&]() -> Status {
             for (const auto& [in, to] :
                  {std::pair{train_jsonl, train_triplets}, std::pair{test_jsonl, test_triplets}}) {
                 TripletsOptions t;
                 t.data = in;
                 t.out = to;
                 t.hard_ratio = c.triplets.hard_ratio;
                 t.seed = c.seed;
                 Status s = run_triplets(t);
                 if (!s) {
                     return s;
                 }
             }
             return ok();
         }},
        {"hard_negatives",
         c.hard_negatives.enabled,
         {hard_negs},
         [&]() -> Status {
             HardNegativesOptions h;
             h.count = c.hard_negatives.count;
             h.pairs = c.hard_negatives.pairs;
             h.max_tokens_total = c.hard_negatives.max_tokens_total;
             h.data = train_jsonl;
             h.test = test_jsonl;
             h.out = hard_negs;
             h.seed = c.seed;
             return run_hard_negatives(h);
         }},
        {"train",
         c.train.enabled,
         {router},
         [&]() -> Status {
             TrainOptions t;
             t.data = {train_jsonl};
             if (c.triplets.enabled) {
                 t.data.push_back(train_triplets);
             }
             if (c.hard_negatives.enabled && fs::exists(hard_negs)) {
                 t.data.push_back(hard_negs);
             }
             t.val = val_jsonl;
             t.test = c.triplets.enabled ? test_triplets : test_jsonl;
             t.out = router;
             t.epochs = c.train.epochs;
             t.dim = c.train.dim;
             t.lr = c.train.lr;
             t.base = c.train.base;
             t.pooling = c.train.pooling;
             t.lora_layers = c.train.lora_layers;
             t.lora_rank = c.train.lora_rank;
             t.lora_alpha = c.train.lora_alpha;
             t.seed = c.seed;
             return run_train(t);
         }},
        {"grpo",
         c.grpo.enabled,
         {router_grpo},
         [&]() -> Status {
             GrpoOptions g;
             g.model = router;
             g.data = train_jsonl;
             g.val = val_jsonl;
             g.out = router_grpo;
             g.rounds = c.grpo.rounds;
             g.group = c.grpo.group;
             g.judge = c.grpo.judge;
             g.seed = c.seed;
             return run_grpo(g);
         }},
        {"eval",
         c.eval.enabled,
         {(out / "eval.json").string()},
         [&]() -> Status {
             EvalOptions e;
             e.model = final_model;
             e.data = test_jsonl;
             e.report = (out / "eval.json").string();
             e.errors = (out / "eval.errors.jsonl").string();
             return run_eval(e);
         }},
        {"export",
         c.export_.enabled,
         {qwen_base ? (out / "lora-adapter.gguf").string()
                    : (out / "adapter" / "metadata.json").string()},
         [&]() -> Status {
             if (qwen_base) {
                 // The router names its base; what there is to export is its LoRA.
                 if (c.train.lora_layers == 0) {
                     std::fprintf(stderr,
                                  "pipeline: export: the router stands on a frozen Qwen2 base; "
                                  "no LoRA to export\n");
                     return ok();
                 }
                 ExportOptions x;
                 x.model = final_model;
                 x.lora = (out / "lora-adapter.gguf").string();
                 return run_export(x);
             }
             if (!c.export_.quantize.empty()) {
                 QuantizeOptions q;
                 q.model = final_model;
                 q.type = c.export_.quantize;
                 q.out = (out / ("router-" + c.export_.quantize + ".gguf")).string();
                 Status s = run_quantize(q);
                 if (!s) {
                     return s;
                 }
             }
             ExportOptions x;
             x.model = final_model;
             x.out = (out / "adapter").string();
             x.base = c.train.base;
             return run_export(x);
         }},
        {"report",
         c.report.enabled,
         {(out / "report.html").string()},
         [&]() -> Status {
             ReportOptions r;
             r.run = out.string();
             r.out = (out / "report.html").string();
             return run_report(r);
         }},
    };

    bool rerun = opt.force;
    int ran = 0;
    for (const Stage& st : stages) {
        if (!opt.from.empty() && opt.from == st.name) {
            rerun = true;
        }
        if (!st.enabled) {
            std::fprintf(stderr, "pipeline: %s: disabled in %s\n", st.name, opt.config.c_str());
            continue;
        }
        bool done = !st.outputs.empty();
        for (const std::string& o : st.outputs) {
            done = done && fs::exists(o);
        }
        if (done && !rerun) {
            std::fprintf(stderr,
                         "pipeline: %s: up to date (%s exists), skipped\n",
                         st.name,
                         st.outputs.front().c_str());
            continue;
        }
        if (opt.dry_run) {
            std::fprintf(
                stderr, "pipeline: %s: would run -> %s\n", st.name, st.outputs.front().c_str());
            continue;
        }
        std::fprintf(stderr, "== pipeline: %s\n", st.name);
        std::error_code ec;
        fs::create_directories(out, ec);
        Status s = st.run();
        if (!s) {
            return make_error(s.error().code,
                              std::string("pipeline: ") + st.name + ": " + s.error().message);
        }
        ran++;
        // A rerun stage makes every later stage's outputs stale.
        rerun = true;
    }
    std::fprintf(stderr, "pipeline: %d stage(s) run; outputs in %s\n", ran, c.out.c_str());
    return ok();
}

}  // namespace ruvllm::cli
