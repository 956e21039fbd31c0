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
    bool stream = false;
    int64_t count = -1;
    bool quiet = false;
};

CLI::App* add_generate(CLI::App& app, GenerateOptions& opt);
Status run_generate(const GenerateOptions& opt);

struct InspectOptions {
    std::string file;
    bool kv = false, tensors = false;
    int max_array = 8;
};

CLI::App* add_inspect(CLI::App& app, InspectOptions& opt);
Status run_inspect(const InspectOptions& opt);

}  // namespace ruvllm::cli
