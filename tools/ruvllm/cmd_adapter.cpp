// cmd_adapter.cpp: `ruvllm export` (router -> adapter directory over its base) and
// `ruvllm merge` (base + adapter -> router GGUF). Layout: include/ruvllm/router/adapter.h.
#include <cstdio>
#include <filesystem>

#include <ruvllm/router/adapter.h>
#include <ruvllm/transformer/lora.h>

#include "cli.h"
#include <unistd.h>

namespace ruvllm::cli {

namespace fs = std::filesystem;

namespace {

std::string base_or_default(const std::string& base) {
    return base.empty() ? default_base_path() : base;
}

std::string self_path() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("ruvllm") : p.string();
}

}  // namespace

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

namespace {

Status export_lora(const RouterModel& m, const ExportOptions& opt) {
    const std::shared_ptr<const LoraAdapter> ad = m.base->lora();
    if (!ad) {
        return make_error(Errc::invalid_argument,
                          opt.model + ": the router has no LoRA (its base: " + m.base->describe() +
                              "), expected one: train --lora-layers K on a Qwen2 base makes it "
                              "(a router on a subword base exports with -o DIR)");
    }
    Status s =
        write_lora_gguf(opt.lora, *ad, opt.lora_type == "f16" ? TensorType::f16 : TensorType::f32);
    if (!s) {
        return s;
    }
    std::fprintf(stderr,
                 "export: LoRA of %s (%zu tensors, rank %d, alpha %g; %s) -> %s\n",
                 opt.model.c_str(),
                 ad->tensors.size(),
                 ad->tensors.empty() ? 0 : ad->tensors[0].rank,
                 static_cast<double>(ad->alpha),
                 m.base->describe().c_str(),
                 opt.lora.c_str());
    return ok();
}

}  // namespace

Status run_export(const ExportOptions& opt) {
    if (opt.out.empty() && opt.lora.empty()) {
        return make_error(Errc::invalid_argument,
                          "export: expected -o DIR (a router on a subword base) or --lora FILE "
                          "(a router on a Qwen2 base)");
    }
    Result<RouterModel> m = RouterModel::load(opt.model);
    if (!m) {
        return m.error();
    }
    if (!opt.lora.empty()) {
        Status s = export_lora(*m, opt);
        if (!s || opt.out.empty()) {
            return s;
        }
    }
    Result<SubwordBase> base = SubwordBase::load(base_or_default(opt.base));
    if (!base) {
        return base.error();
    }
    Result<AdapterSummary> s = export_adapter(*m, *base, opt.out, self_path());
    if (!s) {
        return make_error(s.error().code, opt.model + ": " + s.error().message);
    }
    std::fprintf(stderr,
                 "export: %zu tensors, %zu of %zu subword rows changed, %.2f MiB -> %s/"
                 "{adapter_weights.bin,metadata.json,merge_adapter.sh}\n",
                 s->tensors,
                 s->changed_rows,
                 s->total_rows,
                 static_cast<double>(s->bytes) / (1 << 20),
                 opt.out.c_str());
    return ok();
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
    // A llama.cpp LoRA adapter GGUF: fold it into the transformer (lora-merge, scale 1).
    if (fs::is_regular_file(opt.adapter) && fs::path(opt.adapter).extension() == ".gguf") {
        return run_lora_merge(LoraMergeOptions{opt.adapter, opt.base, opt.out, 1.0f});
    }
    Result<SubwordBase> base = SubwordBase::load(opt.base);
    if (!base) {
        return base.error();
    }
    Result<RouterModel> m = merge_adapter(*base, opt.adapter);
    if (!m) {
        return m.error();
    }
    Status s = m->save(opt.out, opt.storage == "f32" ? TensorType::f32 : TensorType::f16);
    if (!s) {
        return s;
    }
    std::fprintf(stderr,
                 "merge: %s + %s -> %s (%d labels)\n",
                 opt.base.c_str(),
                 opt.adapter.c_str(),
                 opt.out.c_str(),
                 m->A());
    return ok();
}

}  // namespace ruvllm::cli
