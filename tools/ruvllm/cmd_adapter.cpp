// cmd_adapter.cpp: `ruvllm export` (router -> adapter directory over its base) and
// `ruvllm merge` (base + adapter -> router GGUF). Layout: include/ruvllm/adapter.h.
#include <cstdio>
#include <filesystem>

#include <ruvllm/adapter.h>

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
    cmd->add_option("-o,--out", opt.out, "output directory")->required();
    cmd->add_option(
        "--base", opt.base, "the base it was trained from; default: <cache>/base/default.gguf");
    return cmd;
}

Status run_export(const ExportOptions& opt) {
    Result<RouterModel> m = RouterModel::load(opt.model);
    if (!m) {
        return m.error();
    }
    Result<SubwordEmbedder> base = SubwordEmbedder::load(base_or_default(opt.base));
    if (!base) {
        return base.error();
    }
    Result<AdapterSummary> s = export_adapter(*m, *base, opt.out, self_path());
    if (!s) {
        return s.error();
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
    cmd->add_option("--base", opt.base, "base embedding (GGUF)")->required();
    cmd->add_option("--adapter", opt.adapter, "adapter directory (or adapter_weights.bin)")
        ->required();
    cmd->add_option("-o,--out", opt.out, "merged router model (GGUF)")->required();
    cmd->add_option("--storage", opt.storage, "tensor type of the subword rows")
        ->check(CLI::IsMember({"f16", "f32"}))
        ->capture_default_str();
    return cmd;
}

Status run_merge(const MergeOptions& opt) {
    Result<SubwordEmbedder> base = SubwordEmbedder::load(opt.base);
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
