// main.cpp: `ruvllm <verb> [options]`, fastText-style. Results go to stdout, progress and
// errors to stderr; a failure reported by our code is "ruvllm: <message>" and exit code 1.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <vector>

#include <ruvllm/core/io.h>

#include "cli.h"

namespace {

// One verb: its options live here; add() declares them, run() does the work.
struct Verb {
    const CLI::App* cmd;
    std::function<ruvllm::Status()> run;
};

template <class Options>
Verb verb(CLI::App& app,
          Options& opt,
          CLI::App* (*add)(CLI::App&, Options&),
          ruvllm::Status (*run)(const Options&)) {
    return {add(app, opt), [&opt, run] {
                return run(opt);
            }};
}

// What CLI11 lets through for numbers: "nan" and "inf" for a FLOAT, "-1" (2^64 - 1) and "1e23"
// for a UINT. Every number a verb takes is finite, and a UINT is written in digits.
ruvllm::Status check_numbers(const CLI::App& cmd) {
    for (const CLI::Option* o : cmd.get_options()) {
        if (o->count() == 0) {
            continue;
        }
        const std::string type = o->get_type_name();
        const bool real = type.rfind("FLOAT", 0) == 0, whole = type.rfind("UINT", 0) == 0;
        for (const std::string& v : o->results()) {
            if (real) {
                char* end = nullptr;
                const double d = std::strtod(v.c_str(), &end);
                if (!std::isfinite(d)) {
                    return ruvllm::make_error(
                        ruvllm::Errc::invalid_argument,
                        o->get_name() + " " + v + ", expected a finite number");
                }
            }
            if (whole && (v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
                          v.size() > 20)) {
                return ruvllm::make_error(
                    ruvllm::Errc::invalid_argument,
                    o->get_name() + " " + v + ", expected a whole number 0 to 2^64 - 1 in digits");
            }
        }
    }
    return ruvllm::ok();
}

}  // namespace

int main(int argc, char** argv) {
    namespace cli = ruvllm::cli;
    // Ctrl-C or kill during a long job leaves no "<out>.tmp-<pid>-<n>" behind (io.h).
    ruvllm::remove_temps_on_signals();
    try {
        CLI::App app{
            "ruvllm: routing datasets, contrastive routers and task routing for multi-agent "
            "coding assistants"};
        app.require_subcommand(1);
        app.set_version_flag("--version", std::string("ruvllm ") + RUVLLM_VERSION);

        cli::GenerateOptions gen;
        cli::PretrainOptions pretrain;
        cli::TrainOptions train;
        cli::TripletsOptions triplets;
        cli::ConvertOptions convert;
        cli::HardNegativesOptions hard_negatives;
        cli::RouteOptions route;
        cli::ServeOptions serve;
        cli::GrpoOptions grpo;
        cli::EvalOptions eval;
        cli::QuantizeOptions quantize;
        cli::ExportOptions exp;
        cli::MergeOptions merge;
        cli::LoraMergeOptions lora_merge;
        cli::InspectOptions inspect;
        cli::ReportOptions report;
        cli::PipelineOptions pipeline;
        const std::vector<Verb> verbs = {
            verb(app, gen, cli::add_generate, cli::run_generate),
            verb(app, pretrain, cli::add_pretrain, cli::run_pretrain),
            verb(app, train, cli::add_train, cli::run_train),
            verb(app, triplets, cli::add_triplets, cli::run_triplets),
            verb(app, convert, cli::add_convert, cli::run_convert),
            verb(app, hard_negatives, cli::add_hard_negatives, cli::run_hard_negatives),
            verb(app, route, cli::add_route, cli::run_route),
            verb(app, serve, cli::add_serve, cli::run_serve),
            verb(app, grpo, cli::add_grpo, cli::run_grpo),
            verb(app, eval, cli::add_eval, cli::run_eval),
            verb(app, quantize, cli::add_quantize, cli::run_quantize),
            verb(app, exp, cli::add_export, cli::run_export),
            verb(app, merge, cli::add_merge, cli::run_merge),
            verb(app, lora_merge, cli::add_lora_merge, cli::run_lora_merge),
            verb(app, inspect, cli::add_inspect, cli::run_inspect),
            verb(app, report, cli::add_report, cli::run_report),
            verb(app, pipeline, cli::add_pipeline, cli::run_pipeline),
        };

        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            if (e.get_exit_code() == 0) {
                return app.exit(e);  // --help, --version
            }
            std::fprintf(stderr, "ruvllm: %s (see 'ruvllm --help')\n", e.what());
            return 1;
        }

        for (const Verb& v : verbs) {
            if (v.cmd->parsed()) {
                ruvllm::Status status = check_numbers(*v.cmd);
                if (status) {
                    status = v.run();
                }
                if (!status) {
                    std::fprintf(stderr, "ruvllm: %s\n", status.error().message.c_str());
                    return 1;
                }
                return 0;
            }
        }
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ruvllm: internal error: %s\n", e.what());
        return 1;
    }
}
