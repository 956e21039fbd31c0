// cmd_route.cpp: `ruvllm route`: one JSON decision per task, on stdout.
// Today this is the embedding stage only (nearest label prototype, softmax confidence); the
// keyword stage, tier/quality heads and calibration come with issue #4.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include <ruvllm/dataset.h>
#include <ruvllm/model.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_route(CLI::App& app, RouteOptions& opt) {
    CLI::App* cmd = app.add_subcommand("route", "route tasks to labels with a trained model");
    cmd->footer(
        "Prints one JSON decision per task: {\"agent\", \"confidence\", \"stage\", \"top\",\n"
        "\"latency_us\"}. --input reads JSONL lines with a \"task\" or \"input\" field, or plain\n"
        "text lines ('-' for stdin). --mode keyword answers \"agent\": null when the keyword\n"
        "stage defers. With heads, decisions also carry \"model\" (haiku/sonnet/opus),\n"
        "\"complexity\" and \"quality\".");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("tasks", opt.tasks, "task texts");
    cmd->add_option("-i,--input", opt.input, "file of tasks (JSONL or text lines), - for stdin");
    cmd->add_option("--top", opt.top, "alternatives listed per decision")->capture_default_str();
    cmd->add_option("--mode",
                    opt.mode,
                    "hybrid: the keyword stage decides when it is sure, else the embedding stage")
        ->check(CLI::IsMember({"hybrid", "keyword", "embedding"}))
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
    return cmd;
}

namespace {

std::string decide(const RouterModel& m,
                   const std::string& task,
                   int top,
                   const std::string& mode,
                   double min_confidence,
                   float tier_bias) {
    const auto t0 = std::chrono::steady_clock::now();
    nlohmann::ordered_json j;
    j["task"] = task;
    // Tier, complexity and quality from the heads (when the model has them).
    nlohmann::ordered_json head_fields = nlohmann::ordered_json::object();
    if (!m.heads.empty()) {
        std::vector<float> z(static_cast<size_t>(m.E));
        m.embed(task, z.data());
        head_fields["model"] =
            tier_name(static_cast<Tier>(m.heads.predict_tier(z.data(), tier_bias)));
        head_fields["complexity"] =
            complexity_name(static_cast<Complexity>(m.heads.predict_complexity(z.data())));
        head_fields["quality"] = std::round(m.heads.predict_quality(z.data()) * 1e3) / 1e3;
    }
    auto add_heads = [&] {
        for (const auto& [k, v] : head_fields.items()) {
            j[k] = v;
        }
    };
    if (mode != "embedding") {
        const KeywordDecision k = m.keywords.decide(task);
        if (k.label >= 0 || mode == "keyword") {
            float confidence = 0;
            nlohmann::ordered_json rules = nlohmann::ordered_json::array();
            for (const uint32_t r : k.matched) {
                const KeywordRule& rule = m.keywords.rules()[r];
                rules.push_back(rule.phrase);
                if (rule.label == k.label) {
                    confidence = std::max(confidence, rule.precision);
                }
            }
            j["agent"] = k.label >= 0
                             ? nlohmann::ordered_json(m.labels[static_cast<size_t>(k.label)])
                             : nlohmann::ordered_json();
            j["confidence"] = std::round(confidence * 1e4) / 1e4;
            j["stage"] = "keyword";
            j["keywords"] = rules;
            add_heads();
            const auto us =
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                    .count();
            j["latency_us"] = std::round(us * 10) / 10;
            return j.dump();
        }
    }
    std::vector<float> s(static_cast<size_t>(m.A()));
    m.scores(task, s.data());
    const int best = argmax(s.data(), m.A());
    // Confidence: softmax of the cosines at the model's temperature.
    double sum = 0;
    for (const float v : s) {
        sum += std::exp((v - s[static_cast<size_t>(best)]) / m.tau);
    }
    std::vector<int> order(static_cast<size_t>(m.A()));
    for (int a = 0; a < m.A(); a++) {
        order[static_cast<size_t>(a)] = a;
    }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return s[static_cast<size_t>(a)] > s[static_cast<size_t>(b)];
    });
    const double confidence = 1.0 / sum;
    j["agent"] = confidence >= min_confidence
                     ? nlohmann::ordered_json(m.labels[static_cast<size_t>(best)])
                     : nlohmann::ordered_json();  // abstain
    j["confidence"] = std::round(confidence * 1e4) / 1e4;
    j["stage"] = "embedding";
    nlohmann::ordered_json alts = nlohmann::ordered_json::array();
    for (int k = 0; k < std::min(top, m.A()); k++) {
        const int a = order[static_cast<size_t>(k)];
        alts.push_back(
            {m.labels[static_cast<size_t>(a)], std::round(s[static_cast<size_t>(a)] * 1e4) / 1e4});
    }
    j["top"] = alts;
    add_heads();
    const auto us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    j["latency_us"] = std::round(us * 10) / 10;
    return j.dump();
}

}  // namespace

Status run_route(const RouteOptions& opt) {
    if (opt.tasks.empty() && opt.input.empty()) {
        return make_error(Errc::invalid_argument,
                          "route: no task, expected task text arguments or --input FILE");
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
    for (const std::string& t : opt.tasks) {
        if (t.find_first_not_of(" \t\r\n") == std::string::npos) {
            return make_error(Errc::invalid_argument, "route: empty task, expected text");
        }
        std::printf("%s\n",
                    decide(*m, t, opt.top, opt.mode, opt.min_confidence, opt.tier_bias).c_str());
    }
    if (!opt.input.empty()) {
        std::ifstream file;
        std::istream* in = &std::cin;
        if (opt.input != "-") {
            file.open(opt.input);
            if (!file) {
                return make_error(Errc::io, opt.input + ": cannot open");
            }
            in = &file;
        }
        std::string line;
        size_t line_no = 0;
        while (std::getline(*in, line)) {
            line_no++;
            if (line.find_first_not_of(" \t\r") == std::string::npos) {
                continue;
            }
            std::string task = line;
            if (line[0] == '{') {
                nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
                const nlohmann::json* f = nullptr;
                if (j.is_object()) {
                    for (const char* k : {"task", "input"}) {
                        if (j.contains(k) && j[k].is_string()) {
                            f = &j[k];
                            break;
                        }
                    }
                }
                if (f == nullptr) {
                    return make_error(Errc::format,
                                      opt.input + ":" + std::to_string(line_no) +
                                          ": expected a JSON object with a string "
                                          "\"task\" or \"input\"");
                }
                task = f->get<std::string>();
            }
            std::printf(
                "%s\n",
                decide(*m, task, opt.top, opt.mode, opt.min_confidence, opt.tier_bias).c_str());
        }
    }
    return ok();
}

}  // namespace ruvllm::cli
