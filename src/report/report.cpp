// report.cpp: `ruvllm report`'s page (report.h): the checks on each document's keys and the
// HTML sections around the charts of report_svg.cpp (the inputs are found and loaded in
// report_inputs.cpp).
// Absent keys leave a chart out with a "not available" note; keys of the wrong type are
// Errc::format errors naming the file and the key.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>

#include <ruvllm/report/report.h>

#include "report/report_svg_internal.h"

namespace ruvllm {

using Json = nlohmann::ordered_json;

namespace {

constexpr const char* kCss = R"css(
body{margin:0;background:#f4f5f7;color:#1d2330;
  font:14px/1.45 "DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1280px;margin:0 auto;padding:12px 24px 48px}
h1{font-size:22px;margin:10px 0 2px}
h2{font-size:18px;margin:30px 0 10px;padding-bottom:4px;border-bottom:2px solid #d5d9e0}
h3{font-size:15px;margin:18px 0 8px;font-family:"DejaVu Sans Mono",monospace;word-break:break-all}
nav a{margin-right:14px;color:#2b5d9b}
.meta{color:#5b6473;font-size:12px}
.part{background:#fff;border:1px solid #e0e3e9;border-radius:8px;padding:4px 16px 14px;
  margin:12px 0}
.grid{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
figure{margin:0;padding:8px 10px;border:1px solid #eceef2;border-radius:6px;background:#fff}
figcaption{font-weight:bold;font-size:13px;margin-bottom:4px}
svg.chart{display:block;max-width:100%;height:auto}
svg.chart text{font-size:11px;fill:#3a4250}
svg.chart text.axis-label{font-size:12px;fill:#1d2330}
svg.chart text.cell-text{font-size:10px;fill:#1d2330}
svg.chart text.cell-text.light{fill:#fff}
svg.chart text.marker-label{fill:#8c2d04;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg.chart .axis{stroke:#7d8696;stroke-width:1}
svg.chart .gridline{stroke:#e9ecf1;stroke-width:1}
svg.chart .marker{stroke:#d94801;stroke-width:1.5;stroke-dasharray:4 3}
svg.chart rect.cell{stroke:#fff;stroke-width:1}
svg.chart rect.cell.diagonal{stroke:#7d8696}
table{border-collapse:collapse;font-size:13px;background:#fff}
th,td{padding:3px 10px;border-bottom:1px solid #eceef2;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{border-bottom:2px solid #d5d9e0}
table.kv th{font-weight:normal;color:#5b6473}
.hbar{display:inline-block;height:9px;background:#4c78a8;border-radius:2px;margin-left:6px;
  vertical-align:middle}
.na{color:#7a4b00;background:#fff7e0;border:1px solid #f0d59a;border-radius:6px;
  padding:6px 10px;margin:8px 0}
.kept{color:#1a7f37;font-weight:bold}
.rolled{color:#b42318}
)css";

constexpr const char* kBlue = "#4c78a8";
constexpr const char* kOrange = "#f58518";
constexpr const char* kGreen = "#54a24b";
constexpr const char* kGrey = "#9aa3b0";

std::string esc(std::string_view s) {
    return html_escape(s);
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string percent(double share) {
    return fixed(share * 100, 1) + "%";
}

// ---- reading documents: absent keys are nullopt, keys of the wrong type are errors ----

class Fields {
public:
    explicit Fields(std::string doc) : doc_(std::move(doc)) {}

    // obj[key], or nullptr when obj is not an object, lacks the key or holds null.
    static const Json* get(const Json* obj, const std::string& key) {
        if (obj == nullptr || !obj->is_object()) {
            return nullptr;
        }
        const auto it = obj->find(key);
        return it == obj->end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<double> number(const Json* obj, const std::string& key, const std::string& at) {
        const Json* v = get(obj, key);
        if (v == nullptr || !check(*v, v->is_number(), at + key, "a number")) {
            return std::nullopt;
        }
        return v->get<double>();
    }

    std::optional<std::string> string(const Json* obj,
                                      const std::string& key,
                                      const std::string& at) {
        const Json* v = get(obj, key);
        if (v == nullptr || !check(*v, v->is_string(), at + key, "a string")) {
            return std::nullopt;
        }
        return v->get<std::string>();
    }

    std::optional<bool> boolean(const Json* obj, const std::string& key, const std::string& at) {
        const Json* v = get(obj, key);
        if (v == nullptr || !check(*v, v->is_boolean(), at + key, "true or false")) {
            return std::nullopt;
        }
        return v->get<bool>();
    }

    const Json* array(const Json* obj, const std::string& key, const std::string& at) {
        const Json* v = get(obj, key);
        return v != nullptr && check(*v, v->is_array(), at + key, "an array") ? v : nullptr;
    }

    const Json* object(const Json* obj, const std::string& key, const std::string& at) {
        const Json* v = get(obj, key);
        return v != nullptr && check(*v, v->is_object(), at + key, "an object") ? v : nullptr;
    }

    // A {name: count} object as pairs in file order; nullopt when absent or malformed.
    std::optional<std::vector<std::pair<std::string, double>>> counts(const Json* obj,
                                                                      const std::string& key,
                                                                      const std::string& at) {
        const Json* o = object(obj, key, at);
        if (o == nullptr) {
            return std::nullopt;
        }
        std::vector<std::pair<std::string, double>> out;
        for (const auto& [name, v] : o->items()) {
            const std::string path = at + key + "." + name;
            if (!check(v, v.is_number() && v.get<double>() >= 0, path, "a count >= 0")) {
                return std::nullopt;
            }
            out.emplace_back(name, v.get<double>());
        }
        return out;
    }

    void fail(const std::string& what) {
        if (!error_) {
            error_ = make_error(Errc::format, doc_ + ": " + what);
        }
    }

    bool failed() const { return error_.has_value(); }

    const Error& error() const { return *error_; }

private:
    bool check(const Json& v, bool good, const std::string& path, const char* expected) {
        if (!good) {
            fail(path + " is " + (v.is_number() ? v.dump() : std::string(v.type_name())) +
                 ", expected " + expected);
        }
        return good;
    }

    std::string doc_;
    std::optional<Error> error_;
};

// ---- HTML pieces ----

void not_available(std::string& h, const std::string& what, const std::string& expected) {
    h += "<p class=\"na\">not available: " + esc(what) + " (expected " + esc(expected) + ")</p>\n";
}

void figure(std::string& h, const std::string& caption, const std::string& svg) {
    h += "<figure><figcaption>" + esc(caption) + "</figcaption>\n" + svg + "</figure>\n";
}

using Rows = std::vector<std::pair<std::string, std::string>>;

void kv_table(std::string& h, const Rows& rows) {
    if (rows.empty()) {
        return;
    }
    h += "<table class=\"kv\">\n";
    for (const auto& [k, v] : rows) {
        h += "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>\n";
    }
    h += "</table>\n";
}

void add_row(Rows& rows, const std::string& key, std::optional<double> v, int decimals) {
    if (v) {
        rows.emplace_back(key, decimals < 0 ? svg::format_value(*v) : fixed(*v, decimals));
    }
}

// ---- training stats ----

Status training_part(const ReportDoc& d, std::string& h) {
    Fields f(d.name);
    const Json* root = &d.json;
    std::vector<double> epochs, loss, train_acc, val_acc;
    if (const Json* hist = f.array(root, "history", "")) {
        for (size_t i = 0; i < hist->size() && !f.failed(); i++) {
            const Json& e = (*hist)[i];
            const std::string at = "history[" + std::to_string(i) + "].";
            const std::optional<double> epoch = f.number(&e, "epoch", at);
            if (!epoch && !f.failed()) {
                f.fail(at + "epoch is missing, expected a number");
            }
            epochs.push_back(epoch.value_or(NAN));
            loss.push_back(f.number(&e, "loss", at).value_or(NAN));
            train_acc.push_back(f.number(&e, "train_accuracy", at).value_or(NAN));
            val_acc.push_back(f.number(&e, "val_accuracy", at).value_or(NAN));
        }
    }
    Rows rows;
    add_row(rows, "epochs completed", f.number(root, "epochs_completed", ""), -1);
    const std::optional<double> best = f.number(root, "best_epoch", "");
    const std::optional<std::string> on = f.string(root, "accuracy_on", "");
    add_row(rows, "best epoch", best, -1);
    add_row(rows,
            "best accuracy (" + on.value_or("validation") + ")",
            f.number(root, "best_accuracy", ""),
            4);
    add_row(rows, "final loss", f.number(root, "final_loss", ""), 4);
    add_row(rows, "training time (s)", f.number(root, "train_seconds", ""), 1);
    const Json* cal = f.object(root, "calibration", "");
    add_row(rows, "temperature", f.number(cal, "temperature", "calibration."), 4);
    add_row(rows,
            "val ECE before calibration",
            f.number(cal, "val_ece_uncalibrated", "calibration."),
            4);
    add_row(rows, "val ECE", f.number(cal, "val_ece", "calibration."), 4);
    const Json* test = f.object(root, "test", "");
    add_row(rows, "test examples", f.number(test, "examples", "test."), -1);
    add_row(rows, "test accuracy", f.number(test, "accuracy", "test."), 4);
    add_row(rows, "test macro-F1", f.number(test, "macro_f1", "test."), 4);
    add_row(rows, "test triplet accuracy", f.number(test, "triplet_accuracy", "test."), 4);
    add_row(
        rows, "test hard-negative accuracy", f.number(test, "hard_negative_accuracy", "test."), 4);
    if (f.failed()) {
        return f.error();
    }
    h += "<div class=\"part\"><h3>" + esc(d.name) + "</h3>\n<div class=\"grid\">\n";
    kv_table(h, rows);
    if (epochs.empty()) {
        not_available(h, "training history", "history[] in " + d.name);
    } else {
        std::vector<svg::Marker> marks;
        if (best) {
            marks.push_back({*best, "best epoch"});
        }
        figure(h,
               "Loss per epoch",
               svg::line_chart("loss", epochs, {{"loss", kBlue, loss}}, "epoch", {"loss"}));
        svg::YAxis acc{"accuracy"};
        acc.lo = 0;
        acc.hi = 1;
        figure(h,
               "Accuracy per epoch",
               svg::line_chart("accuracy",
                               epochs,
                               {{"train", kBlue, train_acc}, {"validation", kOrange, val_acc}},
                               "epoch",
                               acc,
                               marks));
    }
    h += "</div>\n</div>\n";
    return ok();
}

// ---- eval reports ----

struct ModeRow {
    std::string name;
    double accuracy = NAN, coverage = NAN, macro_f1 = NAN;
};

void eval_modes(Fields& f, const Json* modes, std::string& h, const std::string& name) {
    std::vector<ModeRow> rows;
    for (const char* m : {"keyword", "embedding", "sparse", "hybrid"}) {  // sparse: optional
        const std::string at = std::string("modes.") + m + ".";
        const Json* mode = f.object(modes, m, "modes.");
        if (mode != nullptr) {
            rows.push_back({m,
                            f.number(mode, "accuracy", at).value_or(NAN),
                            f.number(mode, "coverage", at).value_or(NAN),
                            f.number(mode, "macro_f1", at).value_or(NAN)});
        }
    }
    if (rows.empty()) {
        not_available(h, "keyword / embedding / hybrid comparison", "modes in " + name);
        return;
    }
    std::vector<std::string> cats;
    svg::Series acc{"accuracy", kBlue, {}}, cov{"coverage", kOrange, {}},
        f1{"macro-F1", kGreen, {}};
    for (const ModeRow& r : rows) {
        cats.push_back(r.name);
        acc.values.push_back(r.accuracy);
        cov.values.push_back(r.coverage);
        f1.values.push_back(r.macro_f1);
    }
    svg::YAxis y{"share"};
    y.lo = 0;
    y.hi = 1;
    figure(h,
           "Keyword vs embedding vs sparse vs hybrid",
           svg::bar_chart("modes", cats, {acc, cov, f1}, "routing mode", y));
}

// The labels array (strings); empty when absent.
std::vector<std::string> eval_labels(Fields& f, const Json* root) {
    std::vector<std::string> labels;
    if (const Json* a = f.array(root, "labels", "")) {
        for (size_t i = 0; i < a->size(); i++) {
            if (!(*a)[i].is_string()) {
                f.fail("labels[" + std::to_string(i) + "] is " + (*a)[i].type_name() +
                       ", expected a string");
                return {};
            }
            labels.push_back((*a)[i].get<std::string>());
        }
    }
    return labels;
}

void eval_confusion(Fields& f,
                    const Json* hybrid,
                    const std::vector<std::string>& labels,
                    std::string& h,
                    const std::string& name) {
    const Json* m = f.array(hybrid, "confusion", "modes.hybrid.");
    if (m == nullptr || labels.empty()) {
        not_available(h, "confusion matrix", "labels and modes.hybrid.confusion in " + name);
        return;
    }
    const size_t n = labels.size();
    std::vector<std::vector<double>> counts(n, std::vector<double>(n, 0));
    bool good = m->size() == n;
    for (size_t r = 0; good && r < n; r++) {
        const Json& row = (*m)[r];
        good = row.is_array() && row.size() == n;
        for (size_t c = 0; good && c < n; c++) {
            good = row[c].is_number() && row[c].get<double>() >= 0;
            counts[r][c] = good ? row[c].get<double>() : 0;
        }
    }
    if (!good) {
        f.fail("modes.hybrid.confusion is not a " + std::to_string(n) + " x " + std::to_string(n) +
               " matrix of counts, expected one row and one column per label");
        return;
    }
    figure(h,
           "Confusion matrix (hybrid)",
           svg::heat_map("confusion", labels, counts, "true label", "predicted label"));
}

void eval_per_label(Fields& f,
                    const Json* hybrid,
                    std::vector<std::string> labels,
                    std::string& h,
                    const std::string& name) {
    const Json* per = f.object(hybrid, "per_label", "modes.hybrid.");
    if (per == nullptr) {
        not_available(h, "per-label precision and recall", "modes.hybrid.per_label in " + name);
        return;
    }
    if (labels.empty()) {
        for (const auto& item : per->items()) {
            labels.push_back(item.key());
        }
    }
    svg::Series p{"precision", kBlue, {}}, r{"recall", kOrange, {}};
    std::vector<std::string> shown;
    for (const std::string& l : labels) {
        const Json* lm = Fields::get(per, l);
        if (lm == nullptr) {
            continue;
        }
        const std::string at = "modes.hybrid.per_label." + l + ".";
        shown.push_back(l);
        p.values.push_back(f.number(lm, "precision", at).value_or(NAN));
        r.values.push_back(f.number(lm, "recall", at).value_or(NAN));
    }
    svg::YAxis y{"score"};
    y.lo = 0;
    y.hi = 1;
    figure(h,
           "Precision and recall per label (hybrid)",
           svg::bar_chart("per-label", shown, {p, r}, "label", y));
}

void eval_tiers(Fields& f, const Json* heads, std::string& h, const std::string& name) {
    const auto tiers = f.counts(heads, "tier_counts", "heads.");
    if (!tiers) {
        not_available(h, "tiers chosen", "heads.tier_counts in " + name);
        return;
    }
    std::vector<std::string> cats;
    svg::Series s{"", kGreen, {}};
    for (const auto& [tier, n] : *tiers) {
        cats.push_back(tier);
        s.values.push_back(n);
    }
    svg::YAxis y{"decisions"};
    y.integer = true;
    figure(h, "Tiers chosen (heads)", svg::bar_chart("tiers", cats, {s}, "model tier", y));
}

// "1 us", "10 us", "1 ms", ... for decade edges; empty for the others.
std::string edge_label(double us) {
    const double l = std::log10(us);
    if (std::fabs(l - std::round(l)) > 1e-6) {
        return {};
    }
    return us >= 1000 ? svg::format_value(us / 1000) + " ms" : svg::format_value(us) + " \u00b5s";
}

// Where latency `us` falls on the histogram's boundary axis (boundary k at k; log inside bins).
double latency_position(const std::vector<double>& edges, double us) {
    if (us < edges.front()) {
        return 0.5;
    }
    for (size_t i = 0; i + 1 < edges.size(); i++) {
        if (us < edges[i + 1]) {
            return static_cast<double>(i + 1) +
                   std::log(us / edges[i]) / std::log(edges[i + 1] / edges[i]);
        }
    }
    return static_cast<double>(edges.size()) + 0.5;
}

void eval_latency(Fields& f, const Json* root, std::string& h, const std::string& name) {
    const Json* hist = f.object(root, "latency_histogram", "");
    const Json* edges_j = f.array(hist, "edges_us", "latency_histogram.");
    const Json* counts_j = f.array(hist, "counts", "latency_histogram.");
    if (edges_j == nullptr || counts_j == nullptr) {
        not_available(h, "latency histogram", "latency_histogram in " + name);
        return;
    }
    std::vector<double> edges, counts;
    for (const Json& e : *edges_j) {
        if (!e.is_number() || e.get<double>() <= 0 ||
            (!edges.empty() && e.get<double>() <= edges.back())) {
            f.fail(
                "latency_histogram.edges_us is not increasing positive numbers, expected "
                "bin edges in microseconds");
            return;
        }
        edges.push_back(e.get<double>());
    }
    for (const Json& c : *counts_j) {
        if (!c.is_number() || c.get<double>() < 0) {
            f.fail("latency_histogram.counts has " + c.dump() + ", expected counts >= 0");
            return;
        }
        counts.push_back(c.get<double>());
    }
    if (edges.empty() || counts.size() != edges.size() + 1) {
        f.fail("latency_histogram has " + std::to_string(edges.size()) + " edges and " +
               std::to_string(counts.size()) + " counts, expected edges + 1 counts");
        return;
    }
    // Boundary 0 opens the "below the first edge" bin; boundary k (1..E) is edges[k - 1].
    std::vector<std::string> bounds{""}, titles;
    for (const double e : edges) {
        bounds.push_back(edge_label(e));
    }
    bounds.emplace_back("");
    titles.push_back("below " + svg::format_value(edges.front()) + " \u00b5s");
    for (size_t i = 0; i + 1 < edges.size(); i++) {
        titles.push_back(svg::format_value(edges[i]) + " to " + svg::format_value(edges[i + 1]) +
                         " \u00b5s");
    }
    titles.push_back("above " + svg::format_value(edges.back()) + " \u00b5s");
    std::vector<svg::Marker> marks;
    const Json* lat = f.object(root, "latency_us", "");
    for (const char* q : {"p50", "p99"}) {
        if (const std::optional<double> v = f.number(lat, q, "latency_us."); v && *v > 0) {
            marks.push_back(
                {latency_position(edges, *v), std::string(q) + " " + fixed(*v, 1) + " \u00b5s"});
        }
    }
    svg::YAxis y{"decisions"};
    y.integer = true;
    figure(h,
           "Latency per decision (hybrid; outer bars: below / above the range)",
           svg::histogram("latency", counts, bounds, titles, "latency (log scale)", y, marks));
}

Status eval_part(const ReportDoc& d, std::string& h) {
    Fields f(d.name);
    const Json* root = &d.json;
    Rows rows;
    if (const auto model = f.string(root, "model", "")) {
        rows.emplace_back("model", *model);
    }
    if (const auto data = f.string(root, "data", "")) {
        rows.emplace_back("data", *data);
    }
    add_row(rows, "examples", f.number(root, "examples", ""), -1);
    add_row(rows, "hybrid accuracy", f.number(root, "hybrid_accuracy", ""), 4);
    add_row(rows, "embedding accuracy", f.number(root, "accuracy", ""), 4);
    add_row(rows, "embedding macro-F1", f.number(root, "macro_f1", ""), 4);
    add_row(rows, "keyword coverage", f.number(root, "keyword_coverage", ""), 4);
    add_row(rows, "ECE", f.number(root, "ece", ""), 4);
    const Json* lat = f.object(root, "latency_us", "");
    add_row(rows, "latency p50 (\u00b5s)", f.number(lat, "p50", "latency_us."), 1);
    add_row(rows, "latency p99 (\u00b5s)", f.number(lat, "p99", "latency_us."), 1);
    const Json* heads = f.object(root, "heads", "");
    add_row(rows, "tier accuracy", f.number(heads, "tier_accuracy", "heads."), 4);
    add_row(
        rows, "tier-table baseline", f.number(heads, "tier_table_baseline_accuracy", "heads."), 4);
    add_row(rows, "complexity accuracy", f.number(heads, "complexity_accuracy", "heads."), 4);
    add_row(rows, "misrouted", f.number(root, "misrouted", ""), -1);
    const std::vector<std::string> labels = eval_labels(f, root);
    const Json* modes = f.object(root, "modes", "");
    const Json* hybrid = f.object(modes, "hybrid", "modes.");
    std::string charts;
    eval_modes(f, modes, charts, d.name);
    eval_tiers(f, heads, charts, d.name);
    eval_latency(f, root, charts, d.name);
    eval_confusion(f, hybrid, labels, charts, d.name);
    eval_per_label(f, hybrid, labels, charts, d.name);
    if (f.failed()) {
        return f.error();
    }
    h += "<div class=\"part\"><h3>" + esc(d.name) + "</h3>\n<div class=\"grid\">\n";
    kv_table(h, rows);
    h += charts + "</div>\n</div>\n";
    return ok();
}

// ---- dataset stats ----

void count_table(std::string& h,
                 const std::string& what,
                 const std::vector<std::pair<std::string, double>>& counts) {
    double total = 0, most = 0;
    for (const auto& [name, n] : counts) {
        total += n;
        most = std::max(most, n);
    }
    h += "<table>\n<thead><tr><th>" + esc(what) +
         "</th><th>examples</th><th>share</th></tr></thead>\n<tbody>\n";
    for (const auto& [name, n] : counts) {
        const double width = most > 0 ? 80 * n / most : 0;
        h += "<tr><td>" + esc(name) + "</td><td>" + esc(svg::format_value(n)) + "</td><td>" +
             esc(percent(total > 0 ? n / total : 0)) +
             "<span class=\"hbar\" style=\"width:" + fixed(width, 0) + "px\"></span></td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
}

Status dataset_part(const ReportDoc& d, std::string& h) {
    Fields f(d.name);
    const Json* root = &d.json;
    Rows rows;
    add_row(rows, "examples", f.number(root, "total_examples", ""), -1);
    add_row(rows, "average quality score", f.number(root, "avg_quality_score", ""), 4);
    const auto cat = f.counts(root, "examples_per_category", "");
    const auto cx = f.counts(root, "examples_per_complexity", "");
    const auto dom = f.counts(root, "examples_per_domain", "");
    if (f.failed()) {
        return f.error();
    }
    h += "<div class=\"part\"><h3>" + esc(d.name) + "</h3>\n<div class=\"grid\">\n";
    kv_table(h, rows);
    if (cx) {
        std::vector<std::string> names;
        svg::Series s{"", kBlue, {}};
        for (const auto& [name, n] : *cx) {
            names.push_back(name);
            s.values.push_back(n);
        }
        svg::YAxis y{"examples"};
        y.integer = true;
        figure(h,
               "Complexity distribution",
               svg::bar_chart("complexity", names, {s}, "complexity", y));
    } else {
        not_available(h, "complexity distribution", "examples_per_complexity in " + d.name);
    }
    const std::pair<const char*, const std::optional<std::vector<std::pair<std::string, double>>>*>
        tables[] = {{"category", &cat}, {"complexity", &cx}, {"domain", &dom}};
    for (const auto& [what, counts] : tables) {
        if (counts->has_value()) {
            count_table(h, what, **counts);
        } else {
            not_available(h,
                          std::string("examples per ") + what,
                          std::string("examples_per_") + what + " in " + d.name);
        }
    }
    h += "</div>\n</div>\n";
    return ok();
}

// ---- GRPO rounds ----

Status grpo_part(const std::string& name, const Json& doc, std::string& h) {
    Fields f(name);
    const Json* root = &doc;
    std::vector<double> round, rb, ra, ab, aa;
    std::vector<std::optional<bool>> kept;
    if (const Json* rounds = f.array(root, "rounds", "")) {
        for (size_t i = 0; i < rounds->size() && !f.failed(); i++) {
            const Json* r = &(*rounds)[i];
            const std::string at = "rounds[" + std::to_string(i) + "].";
            round.push_back(f.number(r, "round", at).value_or(static_cast<double>(i + 1)));
            rb.push_back(f.number(r, "val_reward_before", at).value_or(NAN));
            ra.push_back(f.number(r, "val_reward_after", at).value_or(NAN));
            ab.push_back(f.number(r, "val_accuracy_before", at).value_or(NAN));
            aa.push_back(f.number(r, "val_accuracy_after", at).value_or(NAN));
            kept.push_back(f.boolean(r, "kept", at));
        }
    }
    const std::optional<std::string> judge = f.string(root, "judge", "");
    if (f.failed()) {
        return f.error();
    }
    h += "<div class=\"part\"><h3>" + esc(name) + "</h3>\n";
    if (judge) {
        h += "<p class=\"meta\">judge: " + esc(*judge) + "</p>\n";
    }
    if (round.empty()) {
        not_available(h, "GRPO rounds", "rounds[] in " + name);
        h += "</div>\n";
        return ok();
    }
    h += "<div class=\"grid\">\n";
    svg::YAxis y{"validation reward"};
    y.tight = true;
    figure(h,
           "Validation reward per round",
           svg::line_chart(
               "grpo-reward", round, {{"before", kGrey, rb}, {"after", kBlue, ra}}, "round", y));
    y.label = "validation accuracy";
    figure(
        h,
        "Validation accuracy per round",
        svg::line_chart(
            "grpo-accuracy", round, {{"before", kGrey, ab}, {"after", kOrange, aa}}, "round", y));
    h += "<table>\n<thead><tr><th>round</th><th>val reward before</th><th>after</th>"
         "<th>val accuracy before</th><th>after</th><th>outcome</th></tr></thead>\n<tbody>\n";
    const auto cell = [](double v) {
        return std::isfinite(v) ? fixed(v, 4) : std::string("-");
    };
    for (size_t i = 0; i < round.size(); i++) {
        const std::string outcome = !kept[i]   ? "<td>-</td>"
                                    : *kept[i] ? "<td class=\"kept\">kept</td>"
                                               : "<td class=\"rolled\">rolled back</td>";
        h += "<tr><td>" + esc(svg::format_value(round[i])) + "</td><td>" + cell(rb[i]) +
             "</td><td>" + cell(ra[i]) + "</td><td>" + cell(ab[i]) + "</td><td>" + cell(aa[i]) +
             "</td>" + outcome + "</tr>\n";
    }
    h += "</tbody>\n</table>\n</div>\n</div>\n";
    return ok();
}

void section(std::string& h, const char* id, const char* title) {
    h += std::string("<section id=\"") + id + "\">\n<h2>" + title + "</h2>\n";
}

}  // namespace

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Result<std::string> render_report(const ReportInputs& in) {
    if (in.stats.empty() && in.evals.empty() && in.dataset_stats.empty() && in.grpo.empty()) {
        return make_error(Errc::invalid_argument,
                          "report: no inputs, expected training stats, an eval report, dataset "
                          "stats or a GRPO report");
    }
    const std::string run = in.title.empty() ? "RUN" : in.title;
    std::string body;
    section(body, "training", "Training");
    if (in.stats.empty()) {
        not_available(body, "training stats", run + "/*.gguf.stats.json or --stats FILE");
    }
    for (const ReportDoc& d : in.stats) {
        if (Status s = training_part(d, body); !s) {
            return s.error();
        }
    }
    body += "</section>\n";
    section(body, "evaluation", "Evaluation");
    if (in.evals.empty()) {
        not_available(body, "evaluation report", run + "/eval*.json or --eval FILE");
    }
    for (const ReportDoc& d : in.evals) {
        if (Status s = eval_part(d, body); !s) {
            return s.error();
        }
    }
    body += "</section>\n";
    section(body, "dataset", "Dataset");
    if (in.dataset_stats.empty()) {
        not_available(
            body, "dataset stats", run + "/*/claude_training_stats.json or --dataset-stats FILE");
    }
    for (const ReportDoc& d : in.dataset_stats) {
        if (Status s = dataset_part(d, body); !s) {
            return s.error();
        }
    }
    body += "</section>\n";
    // GRPO: the reports, then the rounds that `train --grpo-rounds` put into training stats.
    section(body, "grpo", "GRPO rounds");
    size_t n_grpo = 0;
    for (const ReportDoc& d : in.grpo) {
        if (Status s = grpo_part(d.name, d.json, body); !s) {
            return s.error();
        }
        n_grpo++;
    }
    for (const ReportDoc& d : in.stats) {
        const Json* g = Fields::get(&d.json, "grpo");
        if (g != nullptr && g->is_object()) {
            if (Status s = grpo_part(d.name + " (grpo)", *g, body); !s) {
                return s.error();
            }
            n_grpo++;
        }
    }
    if (n_grpo == 0) {
        not_available(body, "GRPO report", run + "/*.grpo.json or --grpo FILE");
    }
    body += "</section>\n";

    std::string title = "ruvllm report";
    if (!in.title.empty()) {
        title += ": " + in.title;
    }
    std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    page += "<title>" + esc(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
    page += "<main>\n<h1>" + esc(title) + "</h1>\n<p class=\"meta\">" +
            std::to_string(in.stats.size()) + " training stats, " +
            std::to_string(in.evals.size()) + " eval reports, " +
            std::to_string(in.dataset_stats.size()) + " dataset stats, " +
            std::to_string(in.grpo.size()) + " GRPO reports</p>\n";
    page +=
        "<nav><a href=\"#training\">Training</a><a href=\"#evaluation\">Evaluation</a>"
        "<a href=\"#dataset\">Dataset</a><a href=\"#grpo\">GRPO rounds</a></nav>\n";
    page += body + "</main>\n</body>\n</html>\n";
    return page;
}

}  // namespace ruvllm
