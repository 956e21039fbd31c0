// cmd_eval.cpp: `ruvllm eval`: a model's metrics on labelled data (embedding stage; the
// keyword/hybrid comparison, tier accuracy and calibration come with issue #4).
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include <ruvllm/calibrate.h>
#include <ruvllm/heads.h>
#include <ruvllm/io.h>
#include <ruvllm/keywords.h>
#include <ruvllm/train.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_eval(CLI::App& app, EvalOptions& opt) {
    CLI::App* cmd = app.add_subcommand("eval", "evaluate a router on labelled data");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("-i,--data", opt.data, "labelled data (JSONL, triplets, CSV, fastText)")
        ->required();
    cmd->add_option("--report", opt.report, "also write the metrics as JSON here");
    cmd->add_option("--text-field", opt.text_field, "text field")->capture_default_str();
    cmd->add_option("--label-field", opt.label_field, "label field")->capture_default_str();
    return cmd;
}

Status run_eval(const EvalOptions& opt) {
    Result<RouterModel> m = RouterModel::load(opt.model);
    if (!m) {
        return m.error();
    }
    DataOptions dopt;
    dopt.text_field = opt.text_field;
    dopt.label_field = opt.label_field;
    Result<LabeledSet> data = load_labeled(opt.data, dopt, m->labels, true);
    if (!data) {
        return data.error();
    }
    // Latency of one routing decision, measured per example.
    std::vector<double> us;
    std::vector<float> s(static_cast<size_t>(m->A()));
    for (const TrainExample& ex : data->rows) {
        const auto t0 = std::chrono::steady_clock::now();
        m->scores(ex.text, s.data());
        us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(us.begin(), us.end());
    std::vector<float> all_scores;
    std::vector<int32_t> all_labels;
    for (const TrainExample& ex : data->rows) {
        const size_t at = all_scores.size();
        all_scores.resize(at + static_cast<size_t>(m->A()));
        m->scores(ex.text, all_scores.data() + at);
        all_labels.push_back(ex.label);
    }
    const double calib_error = ece(all_scores, all_labels, m->A(), m->tau);
    const double p50 = us[us.size() / 2], p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    const Metrics mt = evaluate(*m, *data);
    // Keyword stage, embedding stage and the hybrid of both, side by side.
    size_t kw_decided = 0, kw_right = 0, hyb_right = 0;
    for (const TrainExample& ex : data->rows) {
        const KeywordDecision k = m->keywords.decide(ex.text);
        int pred = k.label;
        if (pred >= 0) {
            kw_decided++;
            kw_right += pred == ex.label ? 1 : 0;
        } else {
            pred = m->predict(ex.text);
        }
        hyb_right += pred == ex.label ? 1 : 0;
    }
    const double n = static_cast<double>(std::max<size_t>(data->rows.size(), 1));
    const double kw_acc =
        kw_decided > 0 ? static_cast<double>(kw_right) / static_cast<double>(kw_decided) : 0.0;
    const double hyb_acc = static_cast<double>(hyb_right) / n;
    std::printf(
        "%s on %s: %zu examples, %d labels\n", opt.model.c_str(), opt.data.c_str(), mt.n, m->A());
    std::printf("keyword stage: decides %.1f%% (%zu), accuracy when it decides %.4f (%zu rules)\n",
                100.0 * static_cast<double>(kw_decided) / n,
                kw_decided,
                kw_acc,
                m->keywords.rules().size());
    std::printf("hybrid accuracy %.4f\n", hyb_acc);
    std::printf("embedding only: accuracy %.4f  macro-F1 %.4f", mt.accuracy, mt.macro_f1);
    if (mt.n_triplets > 0) {
        std::printf("  triplet accuracy %.4f (%zu)  hard-negative accuracy %.4f (%zu)",
                    mt.triplet_accuracy,
                    mt.n_triplets,
                    mt.hard_accuracy,
                    mt.n_hard);
    }
    std::printf("\nECE of the embedding stage's confidence (temperature %.4f): %.4f\n",
                m->tau,
                calib_error);
    const HeadReport hr = evaluate_heads(*m, m->heads, *data);
    if (hr.n_tier > 0) {
        std::printf(
            "heads: complexity %.4f, tier %.4f (tier-table baseline %.4f), quality MAE "
            "%.4f (%zu examples)\n",
            hr.complexity_accuracy,
            hr.tier_accuracy,
            hr.tier_table_accuracy,
            hr.quality_mae,
            hr.n_tier);
    }
    std::printf("latency per task: p50 %.1f us, p99 %.1f us\n\n", p50, p99);
    std::printf("%-20s %9s %9s %9s %8s\n", "label", "precision", "recall", "f1", "support");
    for (int a = 0; a < m->A(); a++) {
        const LabelMetrics& lm = mt.per_label[static_cast<size_t>(a)];
        std::printf("%-20s %9.4f %9.4f %9.4f %8zu\n",
                    m->labels[static_cast<size_t>(a)].c_str(),
                    lm.precision,
                    lm.recall,
                    lm.f1,
                    lm.support);
    }
    if (!opt.report.empty()) {
        nlohmann::ordered_json j;
        j["model"] = opt.model;
        j["data"] = opt.data;
        j["examples"] = mt.n;
        j["accuracy"] = mt.accuracy;
        j["hybrid_accuracy"] = hyb_acc;
        j["keyword_coverage"] = static_cast<double>(kw_decided) / n;
        j["keyword_accuracy"] = kw_acc;
        j["macro_f1"] = mt.macro_f1;
        j["triplet_accuracy"] = mt.triplet_accuracy;
        j["hard_negative_accuracy"] = mt.hard_accuracy;
        j["latency_us"] = {{"p50", p50}, {"p99", p99}};
        j["ece"] = calib_error;
        j["heads"] = {{"complexity_accuracy", hr.complexity_accuracy},
                      {"tier_accuracy", hr.tier_accuracy},
                      {"tier_table_baseline_accuracy", hr.tier_table_accuracy},
                      {"quality_mae", hr.quality_mae}};
        j["temperature"] = m->tau;
        j["labels"] = m->labels;
        j["confusion"] = mt.confusion;
        return write_file_atomic(opt.report, j.dump(2) + "\n");
    }
    return ok();
}

}  // namespace ruvllm::cli
