// cmd_eval.cpp: `ruvllm eval`: a router's metrics on labelled data (evaluate.h): keyword,
// embedding and hybrid side by side, per-label table, confusion matrix, heads, calibration,
// latency; JSON with --report, misrouted examples with --errors.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/router/evaluate.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_eval(CLI::App& app, EvalOptions& opt) {
    CLI::App* cmd = app.add_subcommand("eval", "evaluate a router on labelled data");
    cmd->footer(
        "Labels come from --label-field (default output_agent; \"expected\" and \"label\" work\n"
        "too). Prints keyword / embedding / hybrid accuracy side by side, per-label precision,\n"
        "recall and F1 and the confusion matrix of the hybrid router, hard-negative accuracy,\n"
        "the heads' tier/complexity accuracy against the tier-table baseline, ECE and latency.\n"
        "--errors writes each misrouted example (hybrid) with its expected label and trace.");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("-i,--data", opt.data, "labelled data (JSONL, triplets, CSV, fastText)")
        ->required();
    cmd->add_option("--report", opt.report, "also write the metrics as JSON here");
    cmd->add_option("--errors", opt.errors, "write the misrouted examples here (JSONL)");
    cmd->add_option("--text-field", opt.text_field, "text field")->capture_default_str();
    cmd->add_option("--label-field", opt.label_field, "label field")->capture_default_str();
    cmd->add_option("--min-confidence", opt.min_confidence, "abstain below this confidence")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--tier-bias", opt.tier_bias, "model-tier bias (< 0 cheaper)")
        ->capture_default_str();
    cmd->add_option("--max-tier", opt.max_tier, "budget ceiling for the model tier")
        ->check(CLI::IsMember({"haiku", "sonnet", "opus"}))
        ->capture_default_str();
    return cmd;
}

namespace {

nlohmann::ordered_json mode_json(const ModeMetrics& m, const std::vector<std::string>& labels) {
    nlohmann::ordered_json j;
    j["accuracy"] = m.accuracy;
    j["coverage"] = m.coverage;
    j["accuracy_decided"] = m.accuracy_decided;
    j["macro_f1"] = m.macro_f1;
    nlohmann::ordered_json per = nlohmann::ordered_json::object();
    for (size_t a = 0; a < labels.size(); a++) {
        const LabelMetrics& lm = m.per_label[a];
        per[labels[a]] = {{"precision", lm.precision},
                          {"recall", lm.recall},
                          {"f1", lm.f1},
                          {"support", lm.support}};
    }
    j["per_label"] = per;
    j["confusion"] = m.confusion;
    return j;
}

void print_confusion(const ModeMetrics& m, const std::vector<std::string>& labels) {
    // Columns are the predicted labels, abbreviated to their first 6 characters.
    std::printf("\nconfusion matrix (hybrid; rows: true label, columns: predicted)\n%-20s", "");
    for (const std::string& l : labels) {
        std::printf(" %6.6s", l.c_str());
    }
    std::printf("\n");
    for (size_t a = 0; a < labels.size(); a++) {
        std::printf("%-20s", labels[a].c_str());
        for (size_t b = 0; b < labels.size(); b++) {
            std::printf(" %6u", m.confusion[a][b]);
        }
        std::printf("\n");
    }
}

}  // namespace

Status run_eval(const EvalOptions& opt) {
    Result<RouteConfig> cfg =
        route_config("hybrid", 3, opt.min_confidence, opt.tier_bias, opt.max_tier, 1 << 20);
    if (!cfg) {
        return cfg.error();
    }
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
    Result<RouterReport> rr = evaluate_router(*m, *data, *cfg);
    if (!rr) {
        return make_error(rr.error().code, opt.data + ": " + rr.error().message);
    }
    const RouterReport& r = *rr;
    std::printf(
        "%s on %s: %zu examples, %d labels\n\n", opt.model.c_str(), opt.data.c_str(), r.n, m->A());
    std::printf("%-10s %9s %9s %9s %9s\n", "stage", "accuracy", "macro-F1", "coverage", "when-dec");
    const std::pair<const char*, const ModeMetrics*> modes[] = {
        {"keyword", &r.keyword}, {"embedding", &r.embedding}, {"hybrid", &r.hybrid}};
    for (const auto& [name, mm] : modes) {
        std::printf("%-10s %9.4f %9.4f %9.4f %9.4f\n",
                    name,
                    mm->accuracy,
                    mm->macro_f1,
                    mm->coverage,
                    mm->accuracy_decided);
    }
    std::printf("(keyword stage: %zu rules; accuracy counts undecided examples as wrong)\n",
                m->keywords.rules().size());
    if (r.n_triplets > 0) {
        std::printf("triplet accuracy %.4f (%zu)  hard-negative accuracy %.4f (%zu)\n",
                    r.triplet_accuracy,
                    r.n_triplets,
                    r.hard_accuracy,
                    r.n_hard);
    }
    std::printf(
        "ECE of the embedding stage's confidence (temperature %.4f): %.4f\n", r.temperature, r.ece);
    if (r.n_tier > 0 || r.n_complexity > 0) {
        std::printf(
            "heads: tier accuracy %.4f (tier-table baseline %.4f), complexity %.4f, quality MAE "
            "%.4f (%zu examples); tiers chosen: haiku %zu, sonnet %zu, opus %zu\n",
            r.tier_accuracy,
            r.tier_table_accuracy,
            r.complexity_accuracy,
            r.quality_mae,
            r.n_tier,
            r.tier_counts[0],
            r.tier_counts[1],
            r.tier_counts[2]);
    }
    std::printf("latency per task (hybrid): p50 %.1f us, p99 %.1f us\n\n",
                r.latency_p50_us,
                r.latency_p99_us);
    std::printf(
        "%-20s %9s %9s %9s %8s   (hybrid)\n", "label", "precision", "recall", "f1", "support");
    for (int a = 0; a < m->A(); a++) {
        const LabelMetrics& lm = r.hybrid.per_label[static_cast<size_t>(a)];
        std::printf("%-20s %9.4f %9.4f %9.4f %8zu\n",
                    m->labels[static_cast<size_t>(a)].c_str(),
                    lm.precision,
                    lm.recall,
                    lm.f1,
                    lm.support);
    }
    print_confusion(r.hybrid, m->labels);
    if (!opt.errors.empty()) {
        std::string out;
        for (const auto& [row, d] : r.errors) {
            const LabeledExample& ex = data->rows[row];
            nlohmann::ordered_json j;
            j["row"] = row + 1;
            j["task"] = ex.text;
            j["expected"] = m->labels[static_cast<size_t>(ex.label)];
            j.update(decision_json(*m, d));
            out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        }
        Status s = write_file_atomic(opt.errors, out);
        if (!s) {
            return s;
        }
        std::printf(
            "\n%zu misrouted examples written to %s\n", r.errors.size(), opt.errors.c_str());
    }
    if (!opt.report.empty()) {
        nlohmann::ordered_json j;
        j["model"] = opt.model;
        j["data"] = opt.data;
        j["examples"] = r.n;
        // Top-level figures of the hybrid router and the embedding stage (stable keys).
        j["accuracy"] = r.embedding.accuracy;
        j["hybrid_accuracy"] = r.hybrid.accuracy;
        j["keyword_coverage"] = r.keyword.coverage;
        j["keyword_accuracy"] = r.keyword.accuracy_decided;
        j["macro_f1"] = r.embedding.macro_f1;
        j["triplet_accuracy"] = r.triplet_accuracy;
        j["hard_negative_accuracy"] = r.hard_accuracy;
        j["latency_us"] = {{"p50", r.latency_p50_us}, {"p99", r.latency_p99_us}};
        // Latency histogram: 20 log-spaced bins from 1 us to 10 ms (edges in us), plus the
        // counts below and above.
        {
            std::vector<double> edges;
            for (int i = 0; i <= 20; i++) {
                edges.push_back(std::pow(10.0, 4.0 * i / 20.0));
            }
            std::vector<size_t> counts(edges.size() + 1, 0);
            for (const double us : r.latency_us) {
                counts[static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), us) -
                                           edges.begin())]++;
            }
            j["latency_histogram"] = {{"edges_us", edges}, {"counts", counts}};
        }
        j["ece"] = r.ece;
        j["temperature"] = r.temperature;
        j["heads"] = {{"complexity_accuracy", r.complexity_accuracy},
                      {"tier_accuracy", r.tier_accuracy},
                      {"tier_table_baseline_accuracy", r.tier_table_accuracy},
                      {"quality_mae", r.quality_mae},
                      {"tier_counts",
                       {{"haiku", r.tier_counts[0]},
                        {"sonnet", r.tier_counts[1]},
                        {"opus", r.tier_counts[2]}}}};
        j["labels"] = m->labels;
        j["modes"] = {{"keyword", mode_json(r.keyword, m->labels)},
                      {"embedding", mode_json(r.embedding, m->labels)},
                      {"hybrid", mode_json(r.hybrid, m->labels)}};
        j["misrouted"] = r.errors.size();
        return write_file_atomic(opt.report, j.dump(2) + "\n");
    }
    return ok();
}

}  // namespace ruvllm::cli
