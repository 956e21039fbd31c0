// cmd_lora.cpp: `ruvllm lora-merge` (base GGUF + llama.cpp LoRA adapter GGUF -> merged GGUF,
// each targeted tensor re-encoded in its original type). Layout: include/ruvllm/transformer/lora.h.
#include <ruvllm/transformer/lora.h>

#include "cli.h"
#include "progress.h"

namespace ruvllm::cli {

CLI::App* add_lora_merge(CLI::App& app, LoraMergeOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "lora-merge", "fold a llama.cpp LoRA adapter GGUF into its base model GGUF");
    cmd->add_option("--lora", opt.lora, "LoRA adapter (GGUF, general.type = adapter)")->required();
    cmd->add_option("--base", opt.base, "base model (GGUF)")->required();
    cmd->add_option("-o,--out", opt.out, "merged model (GGUF)")->required();
    cmd->add_option("--scale", opt.scale, "user scale (llama.cpp's --lora-scaled)")
        ->capture_default_str();
    return cmd;
}

Status run_lora_merge(const LoraMergeOptions& opt) {
    const LoraMergeJob job{opt.lora, opt.base, opt.out, opt.scale};
    Result<LoraMergeSummary> sum = lora_merge(job, make_log(false));
    return sum ? ok() : Status(sum.error());
}

}  // namespace ruvllm::cli
