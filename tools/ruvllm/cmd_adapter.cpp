// cmd_adapter.cpp: `ruvllm export` (router -> adapter directory over its base) and
// `ruvllm merge` (base + adapter -> router GGUF). Layout: include/ruvllm/router/adapter.h.
#include <filesystem>
#include <string>

#include <ruvllm/router/adapter.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

namespace fs = std::filesystem;

std::string self_path() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("ruvllm") : p.string();
}

CLI::App* add_export(CLI::App& app, ExportOptions& opt) {
    CLI::App* cmd =
        app.add_subcommand("export",
                           "write a router as an adapter over its base (adapter_weights.bin, "
                           "metadata.json, merge_adapter.sh)");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("-o,--out", opt.out, "output directory (a router on a subword base)");
    cmd->add_option(
        "--base", opt.base, "the base it was trained from; default: <cache>/base/default.gguf");
    cmd->add_option("--lora",
                    opt.lora,
                    "a router on a Qwen2 base: write its LoRA as a llama.cpp adapter GGUF here "
                    "(the routing heads stay in the router file)");
    cmd->add_option("--lora-type", opt.lora_type, "tensor type of the adapter")
        ->check(CLI::IsMember({"f32", "f16"}))
        ->capture_default_str();
    cmd->footer(
        "A router on a Qwen2 base: `ruvllm export -m router.gguf --lora adapter.gguf`; load it\n"
        "in llama.cpp with --lora adapter.gguf, or fold it into the base with `ruvllm merge\n"
        "--base model.gguf --adapter adapter.gguf -o merged.gguf`.");
    return cmd;
}

Status run_export(const ExportOptions& opt) {
    ExportJob job;
    job.model = opt.model;
    job.out = opt.out;
    job.base = opt.base;
    job.lora = opt.lora;
    job.lora_type = opt.lora_type;
    job.ruvllm_path = self_path();
    Result<RouterExportSummary> sum = export_router(job, make_log(false));
    return sum ? ok() : Status(sum.error());
}

CLI::App* add_merge(CLI::App& app, MergeOptions& opt) {
    CLI::App* cmd = app.add_subcommand("merge", "fold an adapter into its base: one router GGUF");
    cmd->add_option("--base", opt.base, "base embedding, or Qwen2 model (GGUF)")->required();
    cmd->add_option("--adapter",
                    opt.adapter,
                    "adapter directory (or adapter_weights.bin), or a LoRA adapter GGUF "
                    "(export --lora)")
        ->required();
    cmd->add_option("-o,--out", opt.out, "merged router model, or merged Qwen2 model (GGUF)")
        ->required();
    cmd->add_option("--storage", opt.storage, "tensor type of the subword rows")
        ->check(CLI::IsMember({"f16", "f32"}))
        ->capture_default_str();
    return cmd;
}

Status run_merge(const MergeOptions& opt) {
    const MergeJob job{opt.base, opt.adapter, opt.out, opt.storage};
    Result<RouterMergeSummary> sum = merge_router(job, make_log(false));
    return sum ? ok() : Status(sum.error());
}

}  // namespace ruvllm::cli
