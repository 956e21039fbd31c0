// cmd_quantize.cpp: `ruvllm quantize`: store a router's subword rows in a smaller type.
#include <ruvllm/router/model.h>

#include "cli.h"
#include "progress.h"

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
    const QuantizeJob job{opt.model, opt.out, opt.type};
    Result<QuantizeSummary> sum = quantize_router(job, make_log(false));
    return sum ? ok() : Status(sum.error());
}

}  // namespace ruvllm::cli
