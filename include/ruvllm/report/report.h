// ruvllm/report/report.h: one self-contained HTML page about a run (`ruvllm report`): inline CSS
// and inline SVG charts, no JavaScript, nothing fetched from the network.
//
// Inputs are the JSON files the other commands write:
//   training stats   <model>.gguf.stats.json (train --stats): history[] {epoch, loss,
//                    train_accuracy, val_accuracy}, calibration, labels,
//                    train_examples_per_label, test metrics (test.heads: held-out heads)
//   eval reports     eval*.json (eval --report): examples; modes.{keyword,embedding,sparse,
//                    hybrid} with accuracy, coverage, accuracy_decided, macro_f1, per_label,
//                    confusion; labels; heads (accuracies and their baselines, tier_counts);
//                    keyword_rules[]; latency_us; latency_histogram {edges_us (E), counts
//                    (E + 1: below the first edge, between edges, above the last)}
//   dataset stats    <dataset>/claude_training_stats.json (generate): examples_per_category,
//                    examples_per_complexity, examples_per_domain, avg_quality_score
//   GRPO reports     <model>.grpo.json (grpo): val_tasks, rounds[] {round,
//                    val_reward_before/after, val_accuracy_before/after, kept}
// The page has one section per kind and one part per file in it: training curves (loss,
// train/val accuracy per epoch) and the router's own labels with its training examples per
// label (the test split's when the file predates train_examples_per_label); per eval report the
// modes on one basis (accuracy over all tasks, a task a mode leaves undecided counting as wrong;
// coverage and precision when decided said beside the chart, never on its axis), the keyword
// rules below 0.90 precision, the hybrid confusion matrix as a heat map, per-label
// precision/recall, the tiers chosen and the latency histogram, and what a decision's
// `confidence` and `top` are (calibrated probability, cosine, rule precision: router.h); the
// dataset's counts and complexity distribution (with a note when a router was trained on other
// labels than the generator's categories); the GRPO rounds on axes that start at 0, the change
// counted in validation tasks (val_tasks). A kind with no file reads "not available: <what>
// (expected <pattern>)"; so does a chart whose keys are absent from an otherwise valid file
// (older reports).
//
// Red flags (#17), each a <p class="flag"> in its part and listed under the page's heading: a
// head below its baseline (tier vs the tier table, complexity vs the majority class; eval heads
// and training stats' test.heads) and a keyword stage whose precision when it decides is below
// 0.90. Without a flag the page says how many checks it made.
//
// Charts are plain SVG with classes the tests count: every chart is an <svg class="chart"
// data-chart="NAME">, with <rect class="bar"> per bar, <rect class="cell"> per heat-map cell and
// <circle class="point"> per line-chart point. Every string from the inputs is HTML-escaped.
//
// Usage:
//   ruvllm::Result<ruvllm::ReportInputs> in = ruvllm::find_report_inputs("out");
//   if (!in) { /* in.error().message names the file */ }
//   ruvllm::Result<std::string> html = ruvllm::render_report(*in);
//   if (html) { ruvllm::Status s = ruvllm::write_file_atomic("report.html", *html); }
// or, as `ruvllm report` does, in one call:
//   ruvllm::ReportJob job{.run = "out", .out = "out/report.html"};
//   ruvllm::Result<ruvllm::ReportSummary> s = ruvllm::write_report(job, log);
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>

namespace ruvllm {

// One parsed input file; `name` is what the page and the error messages call it (its path).
struct ReportDoc {
    std::string name;
    nlohmann::ordered_json json;  // member order as in the file
};

// The paths of a report's inputs, by kind.
struct ReportFiles {
    std::vector<std::filesystem::path> stats, evals, dataset_stats, grpo;

    bool empty() const {
        return stats.empty() && evals.empty() && dataset_stats.empty() && grpo.empty();
    }
};

struct ReportInputs {
    std::string title;  // shown as the page's heading ("ruvllm report: <title>")
    std::vector<ReportDoc> stats, evals, dataset_stats, grpo;
};

// The input files of run directory `dir`, each kind sorted by path: DIR/*.gguf.stats.json,
// DIR/eval*.json, DIR/*/claude_training_stats.json and DIR/*.grpo.json. Errc::io when `dir` is
// not a directory; an empty ReportFiles when it holds none of them.
Result<ReportFiles> discover_report_files(const std::filesystem::path& dir);

// Reads and parses one JSON file whose top level must be an object. Errc::io when it cannot be
// read, Errc::parse "<path>: not valid JSON: <where and why>", Errc::format when it is not an
// object.
Result<ReportDoc> load_report_doc(const std::filesystem::path& path);

// Loads every file of `files` (load_report_doc); the first failure is returned. `title` goes to
// ReportInputs::title.
Result<ReportInputs> load_report_inputs(const ReportFiles& files, std::string title);

// discover_report_files + load_report_inputs, titled with `dir`. Errc::io naming the directory
// and the expected patterns when it holds none of the inputs.
Result<ReportInputs> find_report_inputs(const std::filesystem::path& dir);

// The HTML page. Errc::invalid_argument when `in` has no document at all; Errc::format
// "<name>: <key> ..., expected ..." when a document has a key of the wrong type or shape (a
// history entry without a number, a confusion matrix that is not labels x labels, histogram
// counts that are not edges + 1, ...). Deterministic: the same inputs give the same bytes.
Result<std::string> render_report(const ReportInputs& in);

// `s` with & < > " ' replaced by their HTML entities (safe in text and in quoted attributes).
std::string html_escape(std::string_view s);

// `ruvllm report`: a run directory and/or explicit files, one HTML page.
struct ReportJob {
    std::filesystem::path run;  // run directory (discover_report_files); "" = none
    std::filesystem::path out;  // the HTML page
    // Files added to the run directory's, by kind.
    std::vector<std::filesystem::path> stats, evals, dataset_stats, grpo;
};

struct ReportSummary {
    size_t stats = 0, evals = 0, dataset_stats = 0, grpo = 0;  // documents on the page
};

// Discovers, loads and renders the inputs and writes `out`; says "report: 1 training stats,
// 1 eval reports, 0 dataset stats, 0 GRPO reports -> <out>". The page is titled with `run`.
// Errors: no input at all (Errc::invalid_argument without `run`, Errc::io naming `run` and the
// expected patterns with it); those of discover_report_files, load_report_inputs,
// render_report and write_file_atomic.
Result<ReportSummary> write_report(const ReportJob& job, const Log& log);

}  // namespace ruvllm
