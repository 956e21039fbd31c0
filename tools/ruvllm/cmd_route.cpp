// cmd_route.cpp: `ruvllm route`: one JSON decision per task, on stdout, in input order
// (router.h does the routing).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/router/router.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_route(CLI::App& app, RouteOptions& opt) {
    CLI::App* cmd = app.add_subcommand("route", "route tasks to labels with a trained model");
    cmd->footer(
        "Prints one JSON decision per task: {\"task\", \"agent\", \"confidence\", \"stage\",\n"
        "\"keywords\" (keyword stage), \"top\", \"model\", \"complexity\", \"quality\",\n"
        "\"latency_us\"}; \"model\"/\"complexity\"/\"quality\" come from the model's heads.\n"
        "--input reads JSONL lines with a \"task\" or \"input\" field (or the --text-field\n"
        "fields), or plain text lines ('-' for stdin). --mode keyword answers \"agent\": null when "
        "the keyword stage defers;\n"
        "--min-confidence makes the deciding stage abstain (\"agent\": null) below it.\n"
        "\"stage\" is keyword, embedding, blend (hybrid on a router with a sparse stage)\n"
        "or sparse; \"top\" ranks labels by that stage's cosine or probability.\n"
        "An empty, non-UTF-8 or over-long task is an error naming its line.");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("tasks", opt.tasks, "task texts");
    cmd->add_option("-i,--input", opt.input, "file of tasks (JSONL or text lines), - for stdin");
    cmd->add_option("--text-field",
                    opt.text_field,
                    "JSONL --input: the task's field; \"title,body\" joins fields with \". \", "
                    "as train reads them (default: \"task\" or \"input\")");
    cmd->add_option("--top", opt.top, "alternatives listed per decision")
        ->check(CLI::Range(0, 65536))
        ->capture_default_str();
    cmd->add_option("--mode",
                    opt.mode,
                    "hybrid: the keyword stage decides when it is sure, else the blend of the "
                    "embedding and sparse stages (the embedding stage alone on a router without a "
                    "sparse stage); embedding, keyword or sparse: that stage alone")
        ->check(CLI::IsMember({"hybrid", "keyword", "embedding", "sparse"}))
        ->capture_default_str();
    cmd->add_option("--min-confidence",
                    opt.min_confidence,
                    "answer \"agent\": null (abstain) below this confidence")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--tier-bias",
                    opt.tier_bias,
                    "shift the model-tier head toward cheaper (< 0) or stronger (> 0) tiers")
        ->capture_default_str();
    cmd->add_option("--max-tier",
                    opt.max_tier,
                    "budget ceiling: never answer a stronger model tier than this")
        ->check(CLI::IsMember({"haiku", "sonnet", "opus"}))
        ->capture_default_str();
    cmd->add_option("--max-task-bytes", opt.max_task_bytes, "longest task accepted, in bytes")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    return cmd;
}

Result<RouteConfig> route_config(const std::string& mode,
                                 int top,
                                 double min_confidence,
                                 float tier_bias,
                                 const std::string& max_tier,
                                 size_t max_task_bytes) {
    RouteConfig cfg;
    if (!parse_route_mode(mode, cfg.mode)) {
        return make_error(
            Errc::invalid_argument,
            "unknown mode \"" + mode + "\", expected hybrid, keyword, embedding or sparse");
    }
    if (!parse_tier(max_tier, cfg.max_tier)) {
        return make_error(Errc::invalid_argument,
                          "unknown tier \"" + max_tier + "\", expected haiku, sonnet or opus");
    }
    cfg.top = top;
    cfg.min_confidence = min_confidence;
    cfg.tier_bias = tier_bias;
    cfg.max_task_bytes = max_task_bytes;
    return cfg;
}

Status run_route(const RouteOptions& opt) {
    if (opt.tasks.empty() && opt.input.empty()) {
        return make_error(Errc::invalid_argument,
                          "route: no task, expected task text arguments or --input FILE");
    }
    Result<RouteConfig> cfg = route_config(
        opt.mode, opt.top, opt.min_confidence, opt.tier_bias, opt.max_tier, opt.max_task_bytes);
    if (!cfg) {
        return cfg.error();
    }
    const auto t0 = std::chrono::steady_clock::now();
    Result<RouterModel> m = RouterModel::load(opt.model);
    if (!m) {
        return m.error();
    }
    const double load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr,
                 "route: model loaded in %.1f ms (%d labels, %zu keyword rules)\n",
                 load_ms,
                 m->A(),
                 m->keywords.rules().size());
    auto emit = [&](const std::string& task, const std::string& where) -> Status {
        Result<Decision> d = route_task(*m, task, *cfg);
        if (!d) {
            return with_context(d.error(), where);
        }
        const std::string line = decision_json(*m, *d, &task).dump() + "\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
        return ok();
    };
    for (size_t i = 0; i < opt.tasks.size(); i++) {
        Status s = emit(opt.tasks[i], "route: task " + std::to_string(i + 1));
        if (!s) {
            return s;
        }
    }
    if (!opt.input.empty()) {
        std::ifstream file;
        std::istream* in = &std::cin;
        if (opt.input != "-") {
            if (Status s = check_readable_file(opt.input); !s) {
                return s;
            }
            file.open(opt.input);
            if (!file) {
                return make_error(Errc::io, opt.input + ": cannot open");
            }
            in = &file;
        }
        std::string line;
        size_t line_no = 0;
        // A JSON line may escape each byte of the longest task as \uXXXX; nothing longer is held.
        const size_t max_line = 6 * opt.max_task_bytes + 4096;
        bool too_long = false;
        // Where a JSON line's task is, tried in order: "task", then "input"; or --text-field.
        const std::vector<std::vector<std::string>> sources =
            opt.text_field.empty()
                ? std::vector<std::vector<std::string>>{{"task"}, {"input"}}
                : std::vector<std::vector<std::string>>{text_fields(opt.text_field)};
        while (getline_bounded(*in, line, max_line, too_long)) {
            line_no++;
            if (too_long) {
                return make_error(Errc::invalid_argument,
                                  opt.input + ":" + std::to_string(line_no) + ": line over " +
                                      std::to_string(max_line) +
                                      " bytes, expected a task of at most --max-task-bytes " +
                                      std::to_string(opt.max_task_bytes));
            }
            if (line.find_first_not_of(" \t\r") == std::string::npos) {
                continue;
            }
            const std::string where = opt.input + ":" + std::to_string(line_no);
            std::string task = line;
            if (line[0] == '{') {
                nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
                std::optional<std::string> t;
                for (size_t k = 0; k < sources.size() && !t && j.is_object(); k++) {
                    t = json_text(j, sources[k]);
                }
                if (!t) {
                    return make_error(
                        Errc::format,
                        where + ": expected a JSON object with a string " +
                            (opt.text_field.empty() ? std::string("\"task\" or \"input\"")
                                                    : "field of --text-field " + opt.text_field));
                }
                task = std::move(*t);
            }
            Status s = emit(task, where);
            if (!s) {
                return s;
            }
        }
    }
    return ok();
}

}  // namespace ruvllm::cli
