// report.cpp: `ruvllm report`'s page (report.h): the checks on each document's keys, the HTML
// sections around the charts of report_svg.cpp and the red flags (heads below their baselines,
// keyword precision below 0.90; #17). The inputs are found and loaded in report_inputs.cpp.
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
.flag{color:#b42318;background:#fef3f2;border:1px solid #f97066;border-left:6px solid #d92d20;
  border-radius:6px;padding:6px 10px;margin:8px 0;font-weight:bold}
.flags{color:#b42318;background:#fef3f2;border:1px solid #f97066;border-radius:6px;
  padding:6px 10px;margin:10px 0}
.flags ul{margin:4px 0 0;padding-left:22px}
.note{color:#3a4250;font-size:13px;margin:6px 0;max-width:900px}
ul.note{padding-left:18px}
figure .note{max-width:420px}
code{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
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

void note(std::string& h, const std::string& text) {
    h += "<p class=\"note\">" + esc(text) + "</p>\n";
}

// The page's red flags: each shown in its document's part and listed under the heading.
struct Flags {
    std::vector<std::string> all;  // "<document>: <what>"
    size_t checks = 0;             // comparisons made (a flag or not)
};

void red_flag(std::string& h, Flags& flags, const std::string& doc, const std::string& what) {
    h += "<p class=\"flag\">red flag: " + esc(what) + "</p>\n";
    flags.all.push_back(doc + ": " + what);
}

// The strings of array root[key]; empty when absent, an error when an element is not a string.
std::vector<std::string> string_array(Fields& f, const Json* root, const std::string& key) {
    std::vector<std::string> out;
    if (const Json* a = f.array(root, key, "")) {
        for (size_t i = 0; i < a->size(); i++) {
            if (!(*a)[i].is_string()) {
                f.fail(key + "[" + std::to_string(i) + "] is " + (*a)[i].type_name() +
                       ", expected a string");
                return {};
            }
            out.push_back((*a)[i].get<std::string>());
        }
    }
    return out;
}

// ---- training stats ----

// The labels the router was trained on, from its own stats file (#17: not the generator's
// categories): the training split's examples per label (train_examples_per_label), else the
// held-out test split's (test.per_label.*.support, files written before the training counts
// were recorded), else only the names.
void trained_labels(Fields& f, const Json* root, std::string& h, const std::string& name) {
    const std::vector<std::string> labels = string_array(f, root, "labels");
    if (labels.empty()) {
        not_available(h, "the labels the router was trained on", "labels in " + name);
        return;
    }
    std::vector<double> counts;
    std::string what;
    if (const auto train = f.counts(root, "train_examples_per_label", "")) {
        for (const std::string& l : labels) {
            const auto it = std::find_if(
                train->begin(), train->end(), [&](const auto& p) { return p.first == l; });
            counts.push_back(it == train->end() ? NAN : it->second);
        }
        what = "training examples";
    } else if (const Json* per = f.object(Fields::get(root, "test"), "per_label", "test.")) {
        for (const std::string& l : labels) {
            counts.push_back(f.number(Fields::get(per, l), "support", "test.per_label." + l + ".")
                                 .value_or(NAN));
        }
        what = "held-out test examples";
    }
    const std::string n = std::to_string(labels.size()) + " labels";
    if (counts.empty()) {
        std::string list;
        for (const std::string& l : labels) {
            list += (list.empty() ? "" : ", ") + l;
        }
        note(h,
             "The router was trained on " + n + ": " + list + " (no per-label counts in " + name +
                 ").");
        return;
    }
    svg::YAxis y{what == "training examples" ? "training examples" : "test examples"};
    y.integer = true;
    figure(h,
           "Labels the router was trained on (its own " + n + "): " + what + " per label" +
               (what == "training examples" ? ""
                                            : " (the training split's counts are not in this "
                                              "file)"),
           svg::bar_chart("labels", labels, {{"", kBlue, counts}}, "label", y));
}

// A head below its baseline: routing by the baseline alone would do better (#17). `heads` holds
// <head>_accuracy and the baseline's accuracy on the same tasks (evaluate.h, recipe.h).
void head_checks(Fields& f,
                 const Json* heads,
                 const std::string& at,
                 const std::string& doc,
                 Rows& rows,
                 std::string& flags_html,
                 Flags& flags) {
    struct Check {
        const char* head;
        const char* accuracy;
        const char* baseline;
        const char* baseline_name;
    };

    const Check checks[] = {{"tier",
                             "tier_accuracy",
                             "tier_table_baseline_accuracy",
                             "the tier table (category x complexity)"},
                            {"complexity",
                             "complexity_accuracy",
                             "complexity_prior_baseline_accuracy",
                             "always the majority class"}};
    for (const Check& c : checks) {
        const std::optional<double> acc = f.number(heads, c.accuracy, at);
        const std::optional<double> base = f.number(heads, c.baseline, at);
        add_row(rows, std::string(c.head) + " head accuracy", acc, 4);
        add_row(rows, std::string(c.head) + " baseline: " + c.baseline_name, base, 4);
        if (!acc || !base) {
            continue;
        }
        flags.checks++;
        if (*acc < *base) {
            red_flag(flags_html,
                     flags,
                     doc,
                     std::string(c.head) + " head below its baseline: accuracy " + fixed(*acc, 4) +
                         " vs " + fixed(*base, 4) + " for " + c.baseline_name +
                         " on the same tasks");
        }
    }
}

Status training_part(const ReportDoc& d, std::string& h, Flags& flags) {
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
    add_row(rows,
            "softmax temperature (fitted on validation)",
            f.number(cal, "temperature", "calibration."),
            4);
    add_row(rows,
            "val ECE of softmax(cosine) before calibration",
            f.number(cal, "val_ece_uncalibrated", "calibration."),
            4);
    add_row(
        rows, "val ECE of the calibrated probability", f.number(cal, "val_ece", "calibration."), 4);
    const Json* test = f.object(root, "test", "");
    add_row(rows, "test examples", f.number(test, "examples", "test."), -1);
    add_row(rows, "test accuracy (embedding stage)", f.number(test, "accuracy", "test."), 4);
    add_row(rows, "test macro-F1 (embedding stage)", f.number(test, "macro_f1", "test."), 4);
    add_row(rows, "test accuracy (hybrid)", f.number(test, "hybrid_accuracy", "test."), 4);
    add_row(rows, "test triplet accuracy", f.number(test, "triplet_accuracy", "test."), 4);
    add_row(
        rows, "test hard-negative accuracy", f.number(test, "hard_negative_accuracy", "test."), 4);
    std::string flags_html;
    const Json* test_heads = f.object(test, "heads", "test.");
    if (f.number(test_heads, "examples", "test.heads.").value_or(0) > 0) {
        Rows head_rows;
        head_checks(f, test_heads, "test.heads.", d.name, head_rows, flags_html, flags);
        for (auto& [k, v] : head_rows) {
            rows.emplace_back("test " + k, std::move(v));
        }
    }
    std::string labels_html;
    trained_labels(f, root, labels_html, d.name);
    if (f.failed()) {
        return f.error();
    }
    h += "<div class=\"part\"><h3>" + esc(d.name) + "</h3>\n" + flags_html +
         "<div class=\"grid\">\n";
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
    h += labels_html + "</div>\n</div>\n";
    return ok();
}

// ---- eval reports ----

struct ModeRow {
    std::string name;
    double accuracy = NAN, coverage = NAN, decided = NAN, macro_f1 = NAN;
};

// "40.0% of the tasks (12 of 30)"; without a task count, the share alone.
std::string share_of_tasks(double share, std::optional<double> n) {
    std::string s = percent(share) + " of the tasks";
    if (n) {
        s +=
            " (" + svg::format_value(std::round(share * *n)) + " of " + svg::format_value(*n) + ")";
    }
    return s;
}

std::string decided_text(double coverage, std::optional<double> n) {
    return "decided " + share_of_tasks(coverage, n);
}

// One basis for every mode (#17): accuracy over all tasks, a task a mode leaves undecided
// counting as wrong. Coverage and precision when decided are said beside it, never drawn on the
// same axis.
void eval_modes(Fields& f,
                const Json* modes,
                std::optional<double> n,
                std::string& h,
                const std::string& name) {
    std::vector<ModeRow> rows;
    for (const char* m : {"keyword", "embedding", "sparse", "hybrid"}) {  // sparse: optional
        const std::string at = std::string("modes.") + m + ".";
        const Json* mode = f.object(modes, m, "modes.");
        if (mode != nullptr) {
            rows.push_back({m,
                            f.number(mode, "accuracy", at).value_or(NAN),
                            f.number(mode, "coverage", at).value_or(NAN),
                            f.number(mode, "accuracy_decided", at).value_or(NAN),
                            f.number(mode, "macro_f1", at).value_or(NAN)});
        }
    }
    if (rows.empty()) {
        not_available(h, "keyword / embedding / hybrid comparison", "modes in " + name);
        return;
    }
    const std::string all = n ? "all " + svg::format_value(*n) + " tasks" : "all tasks";
    std::vector<std::string> cats;
    svg::Series acc{"accuracy over " + all, kBlue, {}};
    std::string notes;
    for (const ModeRow& r : rows) {
        cats.push_back(r.name);
        acc.values.push_back(r.accuracy);
        if (std::isfinite(r.coverage) && r.coverage < 1) {
            notes += "<li>" + esc(r.name) + " stage: " + esc(decided_text(r.coverage, n));
            if (std::isfinite(r.decided) && r.coverage > 0) {
                notes += ", " + fixed(r.decided, 3) + " precision when decided";
            }
            notes += "; the undecided tasks count as wrong in its bar";
            notes += r.name == "keyword" ? " (the hybrid router passes them on)</li>\n" : "</li>\n";
        }
    }
    svg::YAxis y{"accuracy (share of " + all + ")"};
    y.lo = 0;
    y.hi = 1;
    std::string body = svg::bar_chart("modes", cats, {acc}, "routing mode", y);
    if (!notes.empty()) {
        body += "<ul class=\"note\">\n" + notes + "</ul>\n";
    }
    figure(h, "Accuracy per routing mode, over " + all + " (undecided = wrong)", body);
    h += "<table>\n<thead><tr><th>mode</th><th>accuracy (all tasks)</th><th>decided</th>"
         "<th>precision when decided</th><th>macro-F1 (decided tasks)</th></tr></thead>\n"
         "<tbody>\n";
    const auto cell = [](double v, bool share) {
        return !std::isfinite(v) ? std::string("-") : share ? percent(v) : fixed(v, 4);
    };
    for (const ModeRow& r : rows) {
        h += "<tr><td>" + esc(r.name) + "</td><td>" + cell(r.accuracy, false) + "</td><td>" +
             cell(r.coverage, true) + "</td><td>" + cell(r.decided, false) + "</td><td>" +
             cell(r.macro_f1, false) + "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
}

// The keyword stage's precision when it decides, below 0.90, is a red flag (#17; 0.90 is the
// precision rules are pruned to, keywords.h); the rules below it on this data are listed.
void keyword_checks(Fields& f,
                    const Json* root,
                    const Json* modes,
                    std::optional<double> n,
                    const std::string& doc,
                    std::string& flags_html,
                    std::string& h,
                    Flags& flags) {
    constexpr double kMinPrecision = 0.9;
    const Json* kw = f.object(modes, "keyword", "modes.");
    std::optional<double> coverage = f.number(kw, "coverage", "modes.keyword.");
    std::optional<double> precision = f.number(kw, "accuracy_decided", "modes.keyword.");
    if (!coverage) {
        coverage = f.number(root, "keyword_coverage", "");
    }
    if (!precision) {
        precision = f.number(root, "keyword_accuracy", "");
    }
    if (coverage && precision && *coverage > 0) {
        flags.checks++;
        if (*precision < kMinPrecision) {
            const std::string decided = n ? svg::format_value(std::round(*coverage * *n)) + " of " +
                                                svg::format_value(*n) + " tasks (" +
                                                percent(*coverage) + ")"
                                          : percent(*coverage) + " of the tasks";
            red_flag(flags_html,
                     flags,
                     doc,
                     "keyword rules: " + fixed(*precision, 4) + " precision on the " + decided +
                         " that the keyword stage decided, below " + fixed(kMinPrecision, 2));
        }
    }
    const Json* rules = f.array(root, "keyword_rules", "");
    if (rules == nullptr) {
        return;
    }

    struct Weak {
        std::string phrase, label;
        double right = 0, decided = 0;
    };

    std::vector<Weak> weak;
    for (size_t i = 0; i < rules->size() && !f.failed(); i++) {
        const Json* r = &(*rules)[i];
        const std::string at = "keyword_rules[" + std::to_string(i) + "].";
        Weak w{f.string(r, "phrase", at).value_or(""),
               f.string(r, "label", at).value_or(""),
               f.number(r, "right", at).value_or(0),
               f.number(r, "decided", at).value_or(0)};
        if (w.decided > 0 && w.right < kMinPrecision * w.decided) {
            weak.push_back(std::move(w));
        }
    }
    std::stable_sort(weak.begin(), weak.end(), [](const Weak& a, const Weak& b) {
        return a.decided - a.right > b.decided - b.right;
    });
    h +=
        "<div><p class=\"note\">Keyword rules that decided here: " + std::to_string(rules->size()) +
        "; below " + fixed(kMinPrecision, 2) +
        " precision on this data: " + std::to_string(weak.size()) +
        ". (A keyword decision's <code>confidence</code> is its rule's precision on the "
        "training data, not a probability.)</p>\n";
    if (!weak.empty()) {
        h += "<table>\n<thead><tr><th>rule</th><th>label</th><th>right / decided</th>"
             "<th>precision here</th></tr></thead>\n<tbody>\n";
        for (size_t i = 0; i < weak.size() && i < 10; i++) {
            const Weak& w = weak[i];
            h += "<tr><td>" + esc(w.phrase) + "</td><td>" + esc(w.label) + "</td><td>" +
                 esc(svg::format_value(w.right) + " / " + svg::format_value(w.decided)) +
                 "</td><td>" + fixed(w.right / w.decided, 4) + "</td></tr>\n";
        }
        if (weak.size() > 10) {
            h += "<tr><td>(" + std::to_string(weak.size() - 10) +
                 " more)</td><td></td><td></td><td></td></tr>\n";
        }
        h += "</tbody>\n</table>\n";
    }
    h += "</div>\n";
}

// What the scores of a decision are (router.h), for the reader of this page (#17).
void scores_note(const Json* modes, std::optional<double> temperature, std::string& h) {
    const bool sparse = Fields::get(modes, "sparse") != nullptr;
    std::string t = temperature ? " / " + fixed(*temperature, 4) : " / the temperature";
    h += "<p class=\"note\">Scores of a decision (<code>ruvllm route</code>, <code>serve</code>): "
         "<code>confidence</code> is a calibrated probability when the embedding stage decides "
         "(softmax of the cosines" +
         esc(t) + ")" +
         std::string(sparse ? " or the blend decides (the blended embedding and sparse "
                              "probability)"
                            : "") +
         ", and the matched rule's precision on the training data when the keyword stage "
         "decides. <code>top</code> lists " +
         std::string(sparse ? "blended probabilities in modes hybrid and sparse (this model has "
                              "a sparse stage; raw cosine similarities in mode embedding)"
                            : "raw cosine similarities (-1 to 1, not probabilities)") +
         ". ECE measures the embedding stage's calibrated probability.</p>\n";
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
    svg::YAxis y{"precision / recall"};
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

Status eval_part(const ReportDoc& d, std::string& h, Flags& flags) {
    Fields f(d.name);
    const Json* root = &d.json;
    Rows rows;
    if (const auto model = f.string(root, "model", "")) {
        rows.emplace_back("model", *model);
    }
    if (const auto data = f.string(root, "data", "")) {
        rows.emplace_back("data", *data);
    }
    const std::optional<double> n = f.number(root, "examples", "");
    add_row(rows, "examples", n, -1);
    add_row(rows, "hybrid accuracy (all tasks)", f.number(root, "hybrid_accuracy", ""), 4);
    add_row(rows, "embedding accuracy (all tasks)", f.number(root, "accuracy", ""), 4);
    add_row(rows, "embedding macro-F1", f.number(root, "macro_f1", ""), 4);
    if (const auto cov = f.number(root, "keyword_coverage", "")) {
        rows.emplace_back("keyword stage decided", share_of_tasks(*cov, n));
    }
    add_row(rows, "keyword precision when decided", f.number(root, "keyword_accuracy", ""), 4);
    const std::optional<double> temperature = f.number(root, "temperature", "");
    add_row(rows, "softmax temperature", temperature, 4);
    add_row(rows, "ECE of the calibrated probability", f.number(root, "ece", ""), 4);
    const Json* lat = f.object(root, "latency_us", "");
    add_row(rows, "latency p50 (\u00b5s)", f.number(lat, "p50", "latency_us."), 1);
    add_row(rows, "latency p99 (\u00b5s)", f.number(lat, "p99", "latency_us."), 1);
    const Json* heads = f.object(root, "heads", "");
    std::string flags_html;
    head_checks(f, heads, "heads.", d.name, rows, flags_html, flags);
    add_row(rows, "misrouted", f.number(root, "misrouted", ""), -1);
    const std::vector<std::string> labels = string_array(f, root, "labels");
    const Json* modes = f.object(root, "modes", "");
    const Json* hybrid = f.object(modes, "hybrid", "modes.");
    std::string charts;
    eval_modes(f, modes, n, charts, d.name);
    keyword_checks(f, root, modes, n, d.name, flags_html, charts, flags);
    eval_tiers(f, heads, charts, d.name);
    eval_latency(f, root, charts, d.name);
    eval_confusion(f, hybrid, labels, charts, d.name);
    eval_per_label(f, hybrid, labels, charts, d.name);
    if (f.failed()) {
        return f.error();
    }
    h += "<div class=\"part\"><h3>" + esc(d.name) + "</h3>\n" + flags_html;
    scores_note(modes, temperature, h);
    h += "<div class=\"grid\">\n";
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

// The label sets of the report's routers (training stats `labels`), by document.
using RouterLabels = std::vector<std::pair<std::string, std::vector<std::string>>>;

Status dataset_part(const ReportDoc& d, const RouterLabels& routers, std::string& h) {
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
    h += "<div class=\"part\"><h3>" + esc(d.name) + "</h3>\n";
    // The generator counts by its categories even when the routers learnt other labels (#17).
    if (cat) {
        std::vector<std::string> names;
        for (const auto& [name, count] : *cat) {
            names.push_back(name);
        }
        std::sort(names.begin(), names.end());
        std::string others;
        size_t n_others = 0;
        for (const auto& [doc, labels] : routers) {
            std::vector<std::string> sorted = labels;
            std::sort(sorted.begin(), sorted.end());
            if (!labels.empty() && sorted != names) {
                others += (others.empty() ? "" : ", ") + doc + " (" +
                          std::to_string(labels.size()) + " labels)";
                n_others++;
            }
        }
        if (n_others > 0) {
            note(h,
                 "The category table counts this dataset by the generator's " +
                     std::to_string(names.size()) + " categories; " +
                     (n_others == 1 ? "the router of " : "the routers of ") + others +
                     (n_others == 1 ? " was" : " were") +
                     " trained on other labels (charted under Training), so this table is not " +
                     (n_others == 1 ? "that router's" : "their") + " label distribution.");
        }
    }
    h += "<div class=\"grid\">\n";
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

// "0.8000 (24 of 30)" when the number of validation tasks is known.
std::string share_and_count(double share, std::optional<double> n) {
    if (!std::isfinite(share)) {
        return "-";
    }
    std::string s = fixed(share, 4);
    if (n) {
        s +=
            " (" + svg::format_value(std::round(share * *n)) + " of " + svg::format_value(*n) + ")";
    }
    return s;
}

// Both charts start at 0 (#17: a tight axis made a difference of 2 tasks fill the plot); the
// change is said in tasks when the report has val_tasks.
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
    const std::optional<double> n_val = f.number(root, "val_tasks", "");
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
    // The model after the rounds is the last round's "after" when it was kept, else its
    // "before".
    const size_t last = round.size() - 1;
    const bool last_kept = kept[last].value_or(true);
    const double acc_end = last_kept ? aa[last] : ab[last];
    size_t n_kept = 0;
    for (const auto& k : kept) {
        n_kept += k.value_or(false) ? 1 : 0;
    }
    std::string summary =
        "validation accuracy " + share_and_count(ab[0], n_val) + " -> " +
        share_and_count(acc_end, n_val) + " after " + std::to_string(round.size()) +
        (round.size() == 1 ? " round (" : " rounds (") + std::to_string(n_kept) + " kept)";
    summary += n_val ? ", on " + svg::format_value(*n_val) + " validation tasks"
                     : "; the number of validation tasks is not in this file (no val_tasks), "
                       "so the change cannot be given in tasks";
    h += "<p class=\"note\">" + esc(summary) + "</p>\n";
    h += "<div class=\"grid\">\n";
    const std::string on = n_val ? " on " + svg::format_value(*n_val) + " tasks" : "";
    svg::YAxis y{"mean validation reward" + on};
    figure(h,
           "Mean validation reward per round (axis includes 0)",
           svg::line_chart(
               "grpo-reward", round, {{"before", kGrey, rb}, {"after", kBlue, ra}}, "round", y));
    y = svg::YAxis{"validation accuracy" + on};
    y.lo = 0;
    y.hi = 1;
    figure(
        h,
        "Validation accuracy per round (axis 0 to 1)",
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
             "</td><td>" + cell(ra[i]) + "</td><td>" + esc(share_and_count(ab[i], n_val)) +
             "</td><td>" + esc(share_and_count(aa[i], n_val)) + "</td>" + outcome + "</tr>\n";
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
    Flags flags;
    section(body, "training", "Training");
    if (in.stats.empty()) {
        not_available(body, "training stats", run + "/*.gguf.stats.json or --stats FILE");
    }
    RouterLabels routers;
    for (const ReportDoc& d : in.stats) {
        if (Status s = training_part(d, body, flags); !s) {
            return s.error();
        }
        Fields f(d.name);
        routers.emplace_back(d.name, string_array(f, &d.json, "labels"));
    }
    body += "</section>\n";
    section(body, "evaluation", "Evaluation");
    if (in.evals.empty()) {
        not_available(body, "evaluation report", run + "/eval*.json or --eval FILE");
    }
    for (const ReportDoc& d : in.evals) {
        if (Status s = eval_part(d, body, flags); !s) {
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
        if (Status s = dataset_part(d, routers, body); !s) {
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
    if (!flags.all.empty()) {
        page += "<div class=\"flags\"><strong>" + std::to_string(flags.all.size()) +
                (flags.all.size() == 1 ? " red flag" : " red flags") + "</strong>\n<ul>\n";
        for (const std::string& fl : flags.all) {
            page += "<li>" + esc(fl) + "</li>\n";
        }
        page += "</ul>\n</div>\n";
    } else if (flags.checks > 0) {
        page += "<p class=\"meta\">no red flags (" + std::to_string(flags.checks) +
                (flags.checks == 1 ? " check" : " checks") +
                " of heads against their baselines and keyword precision against 0.90)</p>\n";
    }
    page +=
        "<nav><a href=\"#training\">Training</a><a href=\"#evaluation\">Evaluation</a>"
        "<a href=\"#dataset\">Dataset</a><a href=\"#grpo\">GRPO rounds</a></nav>\n";
    page += body + "</main>\n</body>\n</html>\n";
    return page;
}

}  // namespace ruvllm
