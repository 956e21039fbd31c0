// cli.h: the ruvllm command-line verbs. Each verb has an options struct, an add_* function that
// declares its flags with CLI11 and a run_* function that does the work and returns a Status;
// main() turns a failed Status into "ruvllm: <message>" and exit code 1 (the one place that does).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ruvllm/core/error.h>
#include <ruvllm/router/router.h>
#include <ruvllm/train/grpo_rounds.h>
#include <ruvllm/train/recipe.h>
#include <ruvllm/train/train.h>

namespace ruvllm::cli {

struct GenerateOptions {
    std::string library, agents, out = "out/dataset";
    int per_category = 100, per_agent = 0;
    std::string labels = "categories";
    uint64_t seed = 42;
    bool no_augment = false;
    int paraphrases = 2, complexity_variations = 2;
    bool no_domain_transfer = false;
    std::string split = "0.7,0.15,0.15";
    int folds = 0;
    std::string balance = "none";
    bool fasttext = false;
    std::string format = "jsonl", compression = "none", license = "unknown";
    bool stream = false;
    int64_t count = -1;
    std::string styles = "none";
    bool quiet = false;
};

CLI::App* add_generate(CLI::App& app, GenerateOptions& opt);
Status run_generate(const GenerateOptions& opt);

struct PretrainOptions {
    std::string corpus, out, work_dir;
    int dim = 64, epochs = 5, min_count = 3, minn = 3, maxn = 5, bucket = 200000;
    int window = 5, negatives = 5, threads = 1;
    double lr = 0.05;
    uint64_t seed = 42;
    std::string storage = "f16";
    bool quiet = false;
};

CLI::App* add_pretrain(CLI::App& app, PretrainOptions& opt);
Status run_pretrain(const PretrainOptions& opt);

// This program's own path (for scripts it writes), "ruvllm" if it cannot be read.
std::string self_path();

// GRPO rounds (grpo.h), for `ruvllm grpo` and `ruvllm train --grpo-rounds`.
struct GrpoOptions {
    std::string model, data, val, out, report, storage = "f16";
    int rounds = 3, group = 8, epochs = 4, batch = 32;
    float lr = 5e-3f, clip = 0.2f, kl = 0.02f;
    bool no_std_scaling = false, quiet = false;
    size_t tasks_per_round = 0;
    uint64_t seed = 42;
    std::string judge = "labels", api_base = "https://api.anthropic.com", llm_model,
                cache_dir = ".cache/llm";
    int64_t max_tokens_total = -1;
};

struct TrainOptions {
    inline static const TrainConfig kTrain = router_training_defaults();
    std::vector<std::string> data;
    std::string val, test, out = "out/router.gguf", base, stats, resume, checkpoint_dir;
    int checkpoint_every = 5, keep_checkpoints = 3;
    std::string text_field = "input", label_field = "output_agent";
    bool skip_bad = false;
    // The library's defaults (recipe.h), shown by --help.
    int dim = kTrain.dim, epochs = kTrain.epochs, batch = kTrain.batch;
    int warmup = static_cast<int>(kTrain.warmup), patience = kTrain.patience;
    float lr = kTrain.adam.lr, weight_decay = kTrain.adam.weight_decay;
    float beta1 = kTrain.adam.beta1, beta2 = kTrain.adam.beta2, eps = kTrain.adam.eps;
    float embedding_lr_scale = kTrain.embedding_lr_scale;
    float max_grad_norm = kTrain.max_grad_norm, margin = kTrain.margin, tau = kTrain.tau;
    float w_ce = kTrain.w_ce, w_triplet = kTrain.w_triplet, w_nce = kTrain.w_nce;
    float hard_ratio = kTrain.hard_ratio;
    bool no_tune_embeddings = false;
    float word_dropout = kTrain.word_dropout;
    bool attention_pooling = kTrain.attention_pooling;
    bool no_average_epochs = !kTrain.average_epochs;
    // a Qwen2 GGUF base (qwen2_base.h)
    std::string pooling = "mean";
    int max_tokens = 0, threads = 2;
    int lora_layers = 0, lora_rank = 8;
    float lora_alpha = 16.0f, lora_lr = 1e-3f;
    bool lora_ffn = false;
    uint64_t seed = 42;
    std::string storage = "f16";
    bool quiet = false;
    // keyword stage
    bool no_keywords = false;
    std::string keywords_library;
    float keyword_min_precision = 0.9f, keyword_margin = 1.0f, keyword_min_score = 1.0f;
    int keyword_min_support = 3;
    // sparse n-gram stage (sparse.h)
    bool no_sparse = false;
    int sparse_epochs = SparseConfig{}.epochs;
    float sparse_lr = SparseConfig{}.lr;
    uint32_t sparse_bits = SparseConfig{}.bits;
    uint64_t sparse_min_steps = TrainRouterConfig::kSparseMinSteps;
    int cross_fit_folds = TrainRouterConfig::kCrossFitFolds;
    // GRPO rounds after training (--grpo-rounds K, needs --val; 0 = none) and their flags
    GrpoOptions grpo = [] {
        GrpoOptions g;
        g.rounds = 0;
        return g;
    }();
};

CLI::App* add_train(CLI::App& app, TrainOptions& opt);
Status run_train(const TrainOptions& opt);

struct TripletsOptions {
    std::string data, out, model;
    std::string text_field = "input", label_field = "output_agent";
    float hard_ratio = 0.48f, near_duplicate = 0.95f;
    uint64_t seed = 42;
    bool quiet = false;
};

CLI::App* add_triplets(CLI::App& app, TripletsOptions& opt);
Status run_triplets(const TripletsOptions& opt);

struct ConvertOptions {
    std::string in, out, to = "fasttext";
    std::string text_field = "input", label_field = "output_agent";
    bool quiet = false;
};

CLI::App* add_convert(CLI::App& app, ConvertOptions& opt);
Status run_convert(const ConvertOptions& opt);

// The help of every --text-field that reads labelled data (dataset/labeled.h).
inline constexpr const char* kTextFieldHelp =
    "text field (JSONL / CSV / Parquet); \"title,body\" joins fields with \". \"";

struct RouteOptions {
    std::string model, input, mode = "hybrid";
    std::string text_field;  // JSONL --input: its task's field(s); "" reads "task" or "input"
    std::vector<std::string> tasks;
    int top = 3;
    double min_confidence = 0.0;
    float tier_bias = 0.0f;
    std::string max_tier = "opus";
    size_t max_task_bytes = 65536;
};

CLI::App* add_route(CLI::App& app, RouteOptions& opt);
Status run_route(const RouteOptions& opt);
// The routing configuration of route/serve from their options; errors name the bad value.
Result<RouteConfig> route_config(const std::string& mode,
                                 int top,
                                 double min_confidence,
                                 float tier_bias,
                                 const std::string& max_tier,
                                 size_t max_task_bytes);

struct ServeOptions {
    std::string model, host = "127.0.0.1", mode = "hybrid", max_tier = "opus";
    int port = 8080, threads = 8, max_connections = 256, top = 3;
    size_t max_body_bytes = 1 << 20, max_batch = 1024, max_task_bytes = 65536;
    double min_confidence = 0.0;
    float tier_bias = 0.0f;
    bool access_log = false;
};

CLI::App* add_serve(CLI::App& app, ServeOptions& opt);
Status run_serve(const ServeOptions& opt);

struct EvalOptions {
    std::string model, data, report, errors, max_tier = "opus", split = "test";
    double min_confidence = 0.0;
    float tier_bias = 0.0f;
    std::string text_field = "input", label_field = "output_agent";
};

CLI::App* add_eval(CLI::App& app, EvalOptions& opt);
Status run_eval(const EvalOptions& opt);

CLI::App* add_grpo(CLI::App& app, GrpoOptions& opt);
Status run_grpo(const GrpoOptions& opt);
// The GRPO flags shared by `grpo` and `train` (group, epochs, lr, clip, kl, judge, ...).
void add_grpo_flags(CLI::App* cmd, GrpoOptions& opt);
// The rounds' library config from the GRPO flags.
GrpoRunConfig grpo_run_config(const GrpoOptions& opt);

struct HardNegativesOptions {
    int count = 10;
    std::string out = "~/.ruvllm/training/claude-hard-negatives.jsonl";
    std::string data, test, model, report, pairs, library;
    float near_duplicate = 0.95f;
    size_t max_task_bytes = 500;
    std::string api_base, llm_model;  // add_hard_negatives sets LlmOptions' defaults
    int64_t max_tokens_total = -1;
    std::string cache_dir = ".cache/llm";
    int max_retries = 5;
    double timeout = 60.0;
    uint64_t seed = 42;
    bool quiet = false;
};

CLI::App* add_hard_negatives(CLI::App& app, HardNegativesOptions& opt);
Status run_hard_negatives(const HardNegativesOptions& opt);

// `ruvllm report` (report.h): --run DIR and/or explicit files, one HTML page.
struct ReportOptions {
    std::string run, out;
    std::vector<std::string> stats, evals, dataset_stats, grpo;
};

CLI::App* add_report(CLI::App& app, ReportOptions& opt);
Status run_report(const ReportOptions& opt);

struct PipelineOptions {
    std::string config = "ruvllm.yaml", from;
    bool force = false, dry_run = false;
};

CLI::App* add_pipeline(CLI::App& app, PipelineOptions& opt);
Status run_pipeline(const PipelineOptions& opt);

struct QuantizeOptions {
    std::string model, out, type = "q8_0";
};

CLI::App* add_quantize(CLI::App& app, QuantizeOptions& opt);
Status run_quantize(const QuantizeOptions& opt);

struct ExportOptions {
    std::string model, out, base, lora, lora_type = "f32";
};

CLI::App* add_export(CLI::App& app, ExportOptions& opt);
Status run_export(const ExportOptions& opt);

struct MergeOptions {
    std::string base, adapter, out, storage = "f16";
};

CLI::App* add_merge(CLI::App& app, MergeOptions& opt);
Status run_merge(const MergeOptions& opt);

struct LoraMergeOptions {
    std::string lora, base, out;
    float scale = 1.0f;
};

CLI::App* add_lora_merge(CLI::App& app, LoraMergeOptions& opt);
Status run_lora_merge(const LoraMergeOptions& opt);

struct InspectOptions {
    std::string file;
    bool kv = false, tensors = false;
    int max_array = 8;
};

CLI::App* add_inspect(CLI::App& app, InspectOptions& opt);
Status run_inspect(const InspectOptions& opt);

}  // namespace ruvllm::cli
