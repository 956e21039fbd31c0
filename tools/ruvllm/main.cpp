// main.cpp: `ruvllm <verb> [options]`, fastText-style. Results go to stdout, progress and
// errors to stderr; a failure reported by our code is "ruvllm: <message>" and exit code 1.
#include <cstdio>
#include <exception>

#include "cli.h"

int main(int argc, char** argv) {
    try {
        CLI::App app{
            "ruvllm: routing datasets, contrastive routers and task routing for multi-agent "
            "coding assistants"};
        app.require_subcommand(1);
        app.set_version_flag("--version", std::string("ruvllm ") + RUVLLM_VERSION);

        ruvllm::cli::GenerateOptions gen;
        const CLI::App* gen_cmd = ruvllm::cli::add_generate(app, gen);
        ruvllm::cli::PretrainOptions pretrain;
        const CLI::App* pretrain_cmd = ruvllm::cli::add_pretrain(app, pretrain);
        ruvllm::cli::TrainOptions train;
        const CLI::App* train_cmd = ruvllm::cli::add_train(app, train);
        ruvllm::cli::TripletsOptions triplets;
        const CLI::App* triplets_cmd = ruvllm::cli::add_triplets(app, triplets);
        ruvllm::cli::RouteOptions route;
        const CLI::App* route_cmd = ruvllm::cli::add_route(app, route);
        ruvllm::cli::EvalOptions eval;
        const CLI::App* eval_cmd = ruvllm::cli::add_eval(app, eval);
        ruvllm::cli::QuantizeOptions quantize;
        const CLI::App* quantize_cmd = ruvllm::cli::add_quantize(app, quantize);
        ruvllm::cli::ExportOptions exp;
        const CLI::App* export_cmd = ruvllm::cli::add_export(app, exp);
        ruvllm::cli::MergeOptions merge;
        const CLI::App* merge_cmd = ruvllm::cli::add_merge(app, merge);
        ruvllm::cli::InspectOptions inspect;
        const CLI::App* inspect_cmd = ruvllm::cli::add_inspect(app, inspect);

        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            if (e.get_exit_code() == 0) {
                return app.exit(e);  // --help, --version
            }
            std::fprintf(stderr, "ruvllm: %s (see 'ruvllm --help')\n", e.what());
            return 1;
        }

        ruvllm::Status status = ruvllm::ok();
        if (gen_cmd->parsed()) {
            status = ruvllm::cli::run_generate(gen);
        } else if (pretrain_cmd->parsed()) {
            status = ruvllm::cli::run_pretrain(pretrain);
        } else if (train_cmd->parsed()) {
            status = ruvllm::cli::run_train(train);
        } else if (triplets_cmd->parsed()) {
            status = ruvllm::cli::run_triplets(triplets);
        } else if (route_cmd->parsed()) {
            status = ruvllm::cli::run_route(route);
        } else if (eval_cmd->parsed()) {
            status = ruvllm::cli::run_eval(eval);
        } else if (quantize_cmd->parsed()) {
            status = ruvllm::cli::run_quantize(quantize);
        } else if (export_cmd->parsed()) {
            status = ruvllm::cli::run_export(exp);
        } else if (merge_cmd->parsed()) {
            status = ruvllm::cli::run_merge(merge);
        } else if (inspect_cmd->parsed()) {
            status = ruvllm::cli::run_inspect(inspect);
        }
        if (!status) {
            std::fprintf(stderr, "ruvllm: %s\n", status.error().message.c_str());
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ruvllm: internal error: %s\n", e.what());
        return 1;
    }
}
