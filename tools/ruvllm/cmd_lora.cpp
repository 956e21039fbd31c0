// cmd_lora.cpp: `ruvllm lora-merge` (base GGUF + llama.cpp LoRA adapter GGUF -> merged GGUF,
// each targeted tensor re-encoded in its original type). Layout: include/ruvllm/transformer/lora.h.
#include <cstdio>

#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/lora.h>

#include "cli.h"

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
    Result<LoraAdapter> ad = read_lora_gguf(opt.lora);
    if (!ad) {
        return ad.error();
    }
    Result<gguf::File> base = gguf::read_file(opt.base);
    if (!base) {
        return base.error();
    }
    Result<gguf::File> merged = merge_lora(*base, *ad, opt.scale);
    if (!merged) {
        return make_error(merged.error().code, opt.base + ": " + merged.error().message);
    }
    Status s = gguf::write_file(*merged, opt.out);
    if (!s) {
        return s;
    }
    std::fprintf(stderr,
                 "lora-merge: %s + %s (%zu tensors, alpha %g, scale %g) -> %s\n",
                 opt.base.c_str(),
                 opt.lora.c_str(),
                 ad->tensors.size(),
                 static_cast<double>(ad->alpha),
                 static_cast<double>(opt.scale),
                 opt.out.c_str());
    return ok();
}

}  // namespace ruvllm::cli
