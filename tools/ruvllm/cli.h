// cli.h: the ruvllm command-line verbs. Each verb has an options struct, an add_* function that
// declares its flags with CLI11 and a run_* function that does the work and returns a Status;
// main() turns a failed Status into "ruvllm: <message>" and exit code 1 (the one place that does).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include <ruvllm/error.h>

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
    bool stream = false;
    int64_t count = -1;
    bool quiet = false;
};

CLI::App* add_generate(CLI::App& app, GenerateOptions& opt);
Status run_generate(const GenerateOptions& opt);

struct PretrainOptions {
    std::string corpus, out, work_dir;
    int dim = 64, epochs = 5, min_count = 3, minn = 3, maxn = 5, bucket = 200000;
    int window = 5, negatives = 5, threads = 2;
    double lr = 0.05;
    uint64_t seed = 42;
    std::string storage = "f16";
    bool quiet = false;
};

CLI::App* add_pretrain(CLI::App& app, PretrainOptions& opt);
Status run_pretrain(const PretrainOptions& opt);

// Where `make run` keeps downloaded corpora and built base models (compiled-in: <repo>/.cache).
std::string default_cache_dir();
// The default base embedding: <cache>/base/default.gguf (pretrain writes it, train reads it).
std::string default_base_path();

struct TrainOptions {
    std::vector<std::string> data;
    std::string val, test, out = "out/router.gguf", base, stats, resume, checkpoint_dir;
    int checkpoint_every = 5;
    std::string text_field = "input", label_field = "output_agent";
    bool skip_bad = false;
    int dim = 64, epochs = 30, batch = 16, warmup = 100, patience = 5;
    float lr = 5e-3f, weight_decay = 0.01f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    float embedding_lr_scale = 1.0f;
    float max_grad_norm = 1.0f, margin = 0.5f, tau = 0.07f;
    float w_ce = 1.0f, w_triplet = 1.0f, w_nce = 1.0f, hard_ratio = 0.48f;
    bool no_tune_embeddings = false;
    uint64_t seed = 42;
    std::string storage = "f16";
    bool quiet = false;
    // keyword stage
    bool no_keywords = false;
    std::string keywords_library;
    float keyword_min_precision = 0.9f, keyword_margin = 1.0f, keyword_min_score = 1.0f;
    int keyword_min_support = 3;
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

struct RouteOptions {
    std::string model, input, mode = "hybrid";
    std::vector<std::string> tasks;
    int top = 3;
    double min_confidence = 0.0;
    float tier_bias = 0.0f;
};

CLI::App* add_route(CLI::App& app, RouteOptions& opt);
Status run_route(const RouteOptions& opt);

struct EvalOptions {
    std::string model, data, report;
    std::string text_field = "input", label_field = "output_agent";
};

CLI::App* add_eval(CLI::App& app, EvalOptions& opt);
Status run_eval(const EvalOptions& opt);

struct QuantizeOptions {
    std::string model, out, type = "q8_0";
};

CLI::App* add_quantize(CLI::App& app, QuantizeOptions& opt);
Status run_quantize(const QuantizeOptions& opt);

struct ExportOptions {
    std::string model, out, base;
};

CLI::App* add_export(CLI::App& app, ExportOptions& opt);
Status run_export(const ExportOptions& opt);

struct MergeOptions {
    std::string base, adapter, out, storage = "f16";
};

CLI::App* add_merge(CLI::App& app, MergeOptions& opt);
Status run_merge(const MergeOptions& opt);

struct InspectOptions {
    std::string file;
    bool kv = false, tensors = false;
    int max_array = 8;
};

CLI::App* add_inspect(CLI::App& app, InspectOptions& opt);
Status run_inspect(const InspectOptions& opt);

}  // namespace ruvllm::cli
