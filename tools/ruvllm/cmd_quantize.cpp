// cmd_quantize.cpp: `ruvllm quantize`: store a router's subword rows in a smaller type.
#include <cstdio>
#include <filesystem>

#include <ruvllm/router/model.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_quantize(CLI::App& app, QuantizeOptions& opt) {
    CLI::App* cmd = app.add_subcommand(
        "quantize", "rewrite a router with its subword rows in another tensor type");
    cmd->footer(
        "The rows (the bulk of the file) take the type; the projection and prototypes stay F32.\n"
        "K types need rows that are a multiple of 256: for smaller rows, llama.cpp's fallback\n"
        "is used (Q4_K/Q5_K -> Q5_0, Q6_K -> Q8_0) and said on stderr.");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("-o,--out", opt.out, "output model (GGUF)")->required();
    cmd->add_option(
           "--type", opt.type, "f32, f16, bf16, q8_0, q5_0, q5_1, q4_0, q4_1, q4_k, q5_k, q6_k")
        ->capture_default_str();
    return cmd;
}

Status run_quantize(const QuantizeOptions& opt) {
    TensorType type{};
    if (!quant::parse_type(opt.type, type)) {
        return make_error(Errc::invalid_argument,
                          "--type '" + opt.type +
                              "', expected f32, f16, bf16, q8_0, q5_0, q5_1, "
                              "q4_0, q4_1, q4_k, q5_k or q6_k");
    }
    Result<RouterModel> m = RouterModel::load(opt.model);
    if (!m) {
        return m.error();
    }
    // The base says which type its stored rows can take (K types fall back as llama.cpp's
    // quantiser does), or that it stores none.
    Result<TensorType> fits = m->base->storage_type(type);
    if (!fits) {
        return make_error(fits.error().code, opt.model + ": " + fits.error().message);
    }
    if (*fits != type) {
        std::fprintf(stderr,
                     "quantize: rows of %d are not a multiple of %u for %s; using %s\n",
                     m->D(),
                     quant::type_info(type).block,
                     std::string(quant::type_info(type).name).c_str(),
                     std::string(quant::type_info(*fits).name).c_str());
        type = *fits;
    }
    Status s = m->save(opt.out, type);
    if (!s) {
        return s;
    }
    std::error_code ec;
    std::fprintf(stderr,
                 "quantize: %s (%.1f MiB) -> %s (%.1f MiB, rows %s)\n",
                 opt.model.c_str(),
                 static_cast<double>(std::filesystem::file_size(opt.model, ec)) / (1 << 20),
                 opt.out.c_str(),
                 static_cast<double>(std::filesystem::file_size(opt.out, ec)) / (1 << 20),
                 std::string(quant::type_info(type).name).c_str());
    return ok();
}

}  // namespace ruvllm::cli
