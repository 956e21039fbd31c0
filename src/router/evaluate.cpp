// evaluate.cpp: a router's quality on labelled data (evaluate.h).
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/router/calibrate.h>
#include <ruvllm/router/evaluate.h>

namespace ruvllm {

namespace {

void count(ModeMetrics& m, int32_t truth, int32_t pred) {
    m.n++;
    if (pred < 0) {
        return;
    }
    m.decided++;
    m.right += pred == truth ? 1 : 0;
    m.confusion[static_cast<size_t>(truth)][static_cast<size_t>(pred)]++;
}

void finish(ModeMetrics& m) {
    const double n = static_cast<double>(std::max<size_t>(m.n, 1));
    m.coverage = static_cast<double>(m.decided) / n;
    m.accuracy = static_cast<double>(m.right) / n;
    m.accuracy_decided =
        m.decided > 0 ? static_cast<double>(m.right) / static_cast<double>(m.decided) : 0;
    label_metrics(m.confusion, m.per_label, m.macro_f1);
}

double ratio(size_t a, size_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0;
}

}  // namespace

Result<RouterReport> evaluate_router(const RouterModel& model,
                                     const LabeledSet& data,
                                     const RouteConfig& cfg) {
    RouterReport r;
    const int A = model.A();
    const auto empty = std::vector<std::vector<uint32_t>>(
        static_cast<size_t>(A), std::vector<uint32_t>(static_cast<size_t>(A), 0));
    for (ModeMetrics* m : {&r.keyword, &r.embedding, &r.sparse, &r.hybrid}) {
        m->confusion = empty;
    }
    r.rule_fired.assign(model.keywords.rules().size(), 0);
    r.rule_right.assign(model.keywords.rules().size(), 0);
    RouteConfig emb = cfg, hyb = cfg, sp = cfg;
    sp.mode = RouteMode::sparse;
    sp.top = 0;
    emb.mode = RouteMode::embedding;
    emb.top = A;
    hyb.mode = RouteMode::hybrid;
    std::vector<float> all_scores;
    std::vector<int32_t> all_labels;
    std::vector<double> latency;
    std::vector<float> s(static_cast<size_t>(A));
    size_t trip_ok = 0, hard_ok = 0, c_ok = 0, prior_ok = 0, t_ok = 0, table_ok = 0;
    double abs_err = 0;
    for (size_t i = 0; i < data.rows.size(); i++) {
        const LabeledExample& ex = data.rows[i];
        if (ex.label < 0 || ex.label >= A) {
            continue;
        }
        r.n++;
        Result<Decision> h = route_task(model, ex.text, hyb);
        if (!h) {
            return with_context(h.error(), "example " + std::to_string(i + 1));
        }
        // The keyword-only decision is the hybrid's when its keyword stage decided, else none;
        // the embedding-only decision lists every label's cosine (emb.top = A), so each text is
        // embedded twice, not four times.
        Result<Decision> e = route_task(model, ex.text, emb);
        count(r.keyword, ex.label, h->stage == RouteStage::keyword ? h->label : -1);
        if (h->stage == RouteStage::keyword && h->label >= 0) {
            for (const uint32_t k : h->keywords) {
                if (model.keywords.rules()[k].label == h->label) {
                    r.rule_fired[k]++;
                    r.rule_right[k] += h->label == ex.label ? 1 : 0;
                }
            }
        }
        count(r.embedding, ex.label, e->label);
        if (!model.sparse.empty()) {
            Result<Decision> q = route_task(model, ex.text, sp);
            count(r.sparse, ex.label, q ? q->label : -1);
        }
        count(r.hybrid, ex.label, h->label);
        latency.push_back(h->latency_us);
        if (h->label != ex.label) {
            r.errors.emplace_back(i, *h);
        }
        for (const auto& [a, cosine] : e->top) {
            s[static_cast<size_t>(a)] = cosine;
        }
        all_scores.insert(all_scores.end(), s.begin(), s.end());
        all_labels.push_back(ex.label);
        if (ex.neg >= 0 && ex.neg < A) {
            const bool ok_t = s[static_cast<size_t>(ex.label)] > s[static_cast<size_t>(ex.neg)];
            r.n_triplets++;
            trip_ok += ok_t ? 1 : 0;
            if (ex.hard) {
                r.n_hard++;
                hard_ok += ok_t ? 1 : 0;
            }
        }
        if (h->has_heads) {
            r.tier_counts[static_cast<size_t>(h->tier)]++;
            if (ex.complexity >= 0) {
                r.n_complexity++;
                c_ok += h->complexity == ex.complexity ? 1 : 0;
                prior_ok += model.heads.complexity_prior == ex.complexity ? 1 : 0;
            }
            if (ex.tier >= 0) {
                r.n_tier++;
                t_ok += h->tier == ex.tier ? 1 : 0;
                Category cat{};
                if (h->label >= 0 &&
                    label_category(model.labels[static_cast<size_t>(h->label)], cat)) {
                    const Tier table = tier_for(cat, static_cast<Complexity>(h->complexity));
                    table_ok += static_cast<int>(table) == ex.tier ? 1 : 0;
                }
            }
            if (ex.quality >= 0) {
                r.n_quality++;
                abs_err += std::abs(h->quality - ex.quality);
            }
        }
    }
    for (ModeMetrics* m : {&r.keyword, &r.embedding, &r.sparse, &r.hybrid}) {
        finish(*m);
    }
    r.triplet_accuracy = ratio(trip_ok, r.n_triplets);
    r.hard_accuracy = ratio(hard_ok, r.n_hard);
    r.temperature = model.tau;
    r.ece = r.n > 0 ? ece(all_scores, all_labels, A, model.tau) : 0;
    r.complexity_accuracy = ratio(c_ok, r.n_complexity);
    r.complexity_prior_accuracy = ratio(prior_ok, r.n_complexity);
    r.tier_accuracy = ratio(t_ok, r.n_tier);
    r.tier_table_accuracy = ratio(table_ok, r.n_tier);
    r.quality_mae = r.n_quality > 0 ? abs_err / static_cast<double>(r.n_quality) : 0;
    if (!latency.empty()) {
        std::sort(latency.begin(), latency.end());
        r.latency_p50_us = latency[latency.size() / 2];
        r.latency_p99_us = latency[std::min(latency.size() - 1, latency.size() * 99 / 100)];
    }
    r.latency_us = std::move(latency);
    return r;
}

Metrics evaluate(const RouterModel& model, const LabeledSet& data) {
    Metrics m;
    const int A = model.A();
    m.confusion.assign(static_cast<size_t>(A), std::vector<uint32_t>(static_cast<size_t>(A), 0));
    std::vector<float> s(static_cast<size_t>(A));
    size_t correct = 0, trip_ok = 0, hard_ok = 0;
    for (const LabeledExample& ex : data.rows) {
        if (ex.label < 0 || ex.label >= A) {
            continue;
        }
        model.scores(ex.text, s.data());
        const int pred = argmax(s.data(), A);
        m.n++;
        correct += pred == ex.label ? 1 : 0;
        m.confusion[static_cast<size_t>(ex.label)][static_cast<size_t>(pred)]++;
        if (ex.neg >= 0 && ex.neg < A) {
            const bool ok_t = s[static_cast<size_t>(ex.label)] > s[static_cast<size_t>(ex.neg)];
            m.n_triplets++;
            trip_ok += ok_t ? 1 : 0;
            if (ex.hard) {
                m.n_hard++;
                hard_ok += ok_t ? 1 : 0;
            }
        }
    }
    m.accuracy = m.n > 0 ? static_cast<double>(correct) / static_cast<double>(m.n) : 0;
    m.triplet_accuracy = m.n_triplets > 0 ? static_cast<double>(trip_ok) / m.n_triplets : 0;
    m.hard_accuracy = m.n_hard > 0 ? static_cast<double>(hard_ok) / m.n_hard : 0;
    label_metrics(m.confusion, m.per_label, m.macro_f1);
    return m;
}

void label_metrics(const std::vector<std::vector<uint32_t>>& confusion,
                   std::vector<LabelMetrics>& per_label,
                   double& macro_f1) {
    const size_t A = confusion.size();
    per_label.assign(A, LabelMetrics{});
    double f1_sum = 0;
    int f1_count = 0;
    for (size_t a = 0; a < A; a++) {
        size_t tp = confusion[a][a], pred = 0, sup = 0;
        for (size_t b = 0; b < A; b++) {
            pred += confusion[b][a];
            sup += confusion[a][b];
        }
        LabelMetrics& lm = per_label[a];
        lm.support = sup;
        lm.precision = pred > 0 ? static_cast<double>(tp) / static_cast<double>(pred) : 0;
        lm.recall = sup > 0 ? static_cast<double>(tp) / static_cast<double>(sup) : 0;
        lm.f1 = lm.precision + lm.recall > 0
                    ? 2 * lm.precision * lm.recall / (lm.precision + lm.recall)
                    : 0;
        if (sup > 0 || pred > 0) {
            f1_sum += lm.f1;
            f1_count++;
        }
    }
    macro_f1 = f1_count > 0 ? f1_sum / f1_count : 0;
}

nlohmann::ordered_json per_label_json(const std::vector<LabelMetrics>& per_label,
                                      const std::vector<std::string>& labels) {
    nlohmann::ordered_json per = nlohmann::ordered_json::object();
    for (size_t a = 0; a < labels.size() && a < per_label.size(); a++) {
        const LabelMetrics& lm = per_label[a];
        per[labels[a]] = {{"precision", lm.precision},
                          {"recall", lm.recall},
                          {"f1", lm.f1},
                          {"support", lm.support}};
    }
    return per;
}

// ---- the job (`ruvllm eval`) ----

namespace {

nlohmann::ordered_json mode_json(const ModeMetrics& m, const std::vector<std::string>& labels) {
    nlohmann::ordered_json j;
    j["accuracy"] = m.accuracy;
    j["coverage"] = m.coverage;
    j["accuracy_decided"] = m.accuracy_decided;
    j["macro_f1"] = m.macro_f1;
    j["per_label"] = per_label_json(m.per_label, labels);
    j["confusion"] = m.confusion;
    return j;
}

// Latency histogram: 20 log-spaced bins from 1 us to 10 ms (edges in us), plus the counts
// below and above.
nlohmann::ordered_json latency_histogram(const std::vector<double>& latency_us) {
    std::vector<double> edges;
    for (int i = 0; i <= 20; i++) {
        edges.push_back(std::pow(10.0, 4.0 * i / 20.0));
    }
    std::vector<size_t> counts(edges.size() + 1, 0);
    for (const double us : latency_us) {
        counts[static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), us) -
                                   edges.begin())]++;
    }
    return {{"edges_us", edges}, {"counts", counts}};
}

// The rules that decided at least once, most used first (then in the model's order).
std::vector<size_t> rules_by_use(const RouterReport& r) {
    std::vector<size_t> idx;
    for (size_t k = 0; k < r.rule_fired.size(); k++) {
        if (r.rule_fired[k] > 0) {
            idx.push_back(k);
        }
    }
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        return r.rule_fired[a] > r.rule_fired[b];
    });
    return idx;
}

std::string report_json(const EvalJob& job, const EvalSummary& s) {
    const RouterReport& r = s.report;
    nlohmann::ordered_json j;
    j["model"] = job.model.string();
    j["data"] = job.data.string();
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
    j["latency_histogram"] = latency_histogram(r.latency_us);
    j["ece"] = r.ece;
    j["temperature"] = r.temperature;
    j["heads"] = {
        {"complexity_accuracy", r.complexity_accuracy},
        {"complexity_prior_baseline_accuracy", r.complexity_prior_accuracy},
        {"complexity_source", s.complexity_source},
        {"tier_source", s.tier_source},
        {"tier_accuracy", r.tier_accuracy},
        {"tier_table_baseline_accuracy", r.tier_table_accuracy},
        {"quality_mae", r.quality_mae},
        {"tier_counts",
         {{"haiku", r.tier_counts[0]}, {"sonnet", r.tier_counts[1]}, {"opus", r.tier_counts[2]}}}};
    j["labels"] = s.labels;
    j["modes"] = {{"keyword", mode_json(r.keyword, s.labels)},
                  {"embedding", mode_json(r.embedding, s.labels)}};
    if (r.sparse.n > 0) {
        j["modes"]["sparse"] = mode_json(r.sparse, s.labels);
    }
    j["modes"]["hybrid"] = mode_json(r.hybrid, s.labels);
    j["keyword_rules"] = nlohmann::ordered_json::array();
    for (const size_t k : rules_by_use(r)) {
        const KeywordRule& rule = s.rules[k];
        j["keyword_rules"].push_back(
            {{"phrase", rule.phrase},
             {"label", s.labels[static_cast<size_t>(rule.label)]},
             {"decided", r.rule_fired[k]},
             {"right", r.rule_right[k]},
             {"precision", static_cast<double>(r.rule_right[k]) / r.rule_fired[k]}});
    }
    j["misrouted"] = r.errors.size();
    return j.dump(2) + "\n";
}

std::string errors_jsonl(const RouterModel& m, const LabeledSet& data, const RouterReport& r) {
    std::string out;
    for (const auto& [row, d] : r.errors) {
        const LabeledExample& ex = data.rows[row];
        nlohmann::ordered_json j;
        j["row"] = row + 1;
        j["task"] = ex.text;
        j["expected"] = m.labels[static_cast<size_t>(ex.label)];
        j.update(decision_json(m, d));
        out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    return out;
}

}  // namespace

Result<EvalSummary> evaluate_router(const EvalJob& job, const Log& /*log*/) {
    if (Status s = check_outputs_differ({job.report, job.errors}, {job.model, job.data}); !s) {
        return s.error();
    }
    for (const std::filesystem::path& p : {job.report, job.errors}) {
        if (Status s = check_writable(p); !s) {
            return s.error();
        }
    }
    if (!job.report.empty() && !job.errors.empty() && job.report == job.errors) {
        return make_error(
            Errc::invalid_argument,
            job.report.string() + ": is both --report and --errors, expected two paths");
    }
    RouteConfig cfg;
    if (!parse_tier(job.max_tier, cfg.max_tier)) {
        return make_error(Errc::invalid_argument,
                          "unknown tier \"" + job.max_tier + "\", expected haiku, sonnet or opus");
    }
    cfg.min_confidence = job.min_confidence;
    cfg.tier_bias = job.tier_bias;
    cfg.max_task_bytes = 1 << 20;
    Result<RouterModel> m = RouterModel::load(job.model);
    if (!m) {
        return m.error();
    }
    DataOptions dopt;
    dopt.text_field = job.text_field;
    dopt.label_field = job.label_field;
    dopt.split = job.split;
    Result<LabeledSet> data = load_labeled(job.data, dopt, m->labels, true);
    if (!data) {
        return data.error();
    }
    Result<RouterReport> rr = evaluate_router(*m, *data, cfg);
    if (!rr) {
        return with_context(rr.error(), job.data.string());
    }
    EvalSummary s;
    s.report = std::move(*rr);
    s.labels = m->labels;
    s.n_rules = m->keywords.rules().size();
    s.rules = m->keywords.rules();
    if (!m->heads.empty()) {
        s.complexity_source = head_source_name(m->heads.complexity_source);
        s.tier_source = head_source_name(m->heads.tier_source);
    }
    if (!job.errors.empty()) {
        if (Status w = write_file_atomic(job.errors, errors_jsonl(*m, *data, s.report)); !w) {
            return w.error();
        }
        s.files.push_back(job.errors.string());
    }
    if (!job.report.empty()) {
        if (Status w = write_file_atomic(job.report, report_json(job, s)); !w) {
            return w.error();
        }
        s.files.push_back(job.report.string());
    }
    return s;
}

std::string eval_table(const EvalJob& job, const EvalSummary& s) {
    const RouterReport& r = s.report;
    std::string t = strformat("%s on %s: %zu examples, %d labels\n\n",
                              job.model.string().c_str(),
                              job.data.string().c_str(),
                              r.n,
                              static_cast<int>(s.labels.size()));
    t += strformat(
        "%-10s %9s %9s %9s %9s\n", "stage", "accuracy", "macro-F1", "coverage", "when-dec");
    const std::pair<const char*, const ModeMetrics*> modes[] = {{"keyword", &r.keyword},
                                                                {"embedding", &r.embedding},
                                                                {"sparse", &r.sparse},
                                                                {"hybrid", &r.hybrid}};
    for (const auto& [name, mm] : modes) {
        if (mm->n == 0 && mm == &r.sparse) {
            continue;  // no sparse stage
        }
        t += strformat("%-10s %9.4f %9.4f %9.4f %9.4f\n",
                       name,
                       mm->accuracy,
                       mm->macro_f1,
                       mm->coverage,
                       mm->accuracy_decided);
    }
    t += strformat("(keyword stage: %zu rules; accuracy counts undecided examples as wrong)\n",
                   s.n_rules);
    // The rules that decided here below the pruning precision, most wrong decisions first.
    std::vector<size_t> weak;
    size_t fired = 0;
    for (const size_t k : rules_by_use(r)) {
        fired++;
        if (r.rule_right[k] < 0.9 * r.rule_fired[k]) {
            weak.push_back(k);
        }
    }
    if (fired > 0) {
        std::stable_sort(weak.begin(), weak.end(), [&](size_t a, size_t b) {
            return r.rule_fired[a] - r.rule_right[a] > r.rule_fired[b] - r.rule_right[b];
        });
        t += strformat(
            "keyword rules that decided here: %zu; below 0.90 precision: %zu", fired, weak.size());
        for (size_t i = 0; i < weak.size() && i < 5; i++) {
            const KeywordRule& rule = s.rules[weak[i]];
            t += strformat("%s\"%s\" -> %s %u/%u",
                           i == 0 ? " (" : ", ",
                           rule.phrase.c_str(),
                           s.labels[static_cast<size_t>(rule.label)].c_str(),
                           r.rule_right[weak[i]],
                           r.rule_fired[weak[i]]);
        }
        t += weak.empty() ? "\n" : (weak.size() > 5 ? ", ...)\n" : ")\n");
    }
    if (r.n_triplets > 0) {
        t += strformat("triplet accuracy %.4f (%zu)  hard-negative accuracy %.4f (%zu)\n",
                       r.triplet_accuracy,
                       r.n_triplets,
                       r.hard_accuracy,
                       r.n_hard);
    }
    t += strformat("ECE of the embedding stage's confidence (temperature %.4f): %.4f\n",
                   static_cast<double>(r.temperature),
                   r.ece);
    if (r.n_tier > 0 || r.n_complexity > 0) {
        const auto below = [](double head, double base) {
            return head < base ? " BELOW ITS BASELINE" : "";
        };
        t += strformat(
            "heads: tier accuracy %.4f from %s (tier-table baseline %.4f)%s, complexity %.4f from "
            "%s (majority-class baseline %.4f)%s, quality MAE %.4f (%zu examples); tiers chosen: "
            "haiku %zu, sonnet %zu, opus %zu\n",
            r.tier_accuracy,
            s.tier_source.c_str(),
            r.tier_table_accuracy,
            below(r.tier_accuracy, r.tier_table_accuracy),
            r.complexity_accuracy,
            s.complexity_source.c_str(),
            r.complexity_prior_accuracy,
            below(r.complexity_accuracy, r.complexity_prior_accuracy),
            r.quality_mae,
            r.n_tier,
            r.tier_counts[0],
            r.tier_counts[1],
            r.tier_counts[2]);
    }
    t += strformat("latency per task (hybrid): p50 %.1f us, p99 %.1f us\n\n",
                   r.latency_p50_us,
                   r.latency_p99_us);
    t += strformat(
        "%-20s %9s %9s %9s %8s   (hybrid)\n", "label", "precision", "recall", "f1", "support");
    for (size_t a = 0; a < s.labels.size(); a++) {
        const LabelMetrics& lm = r.hybrid.per_label[a];
        t += strformat("%-20s %9.4f %9.4f %9.4f %8zu\n",
                       s.labels[a].c_str(),
                       lm.precision,
                       lm.recall,
                       lm.f1,
                       lm.support);
    }
    // Columns are the predicted labels, abbreviated to their first 6 characters.
    t += strformat("\nconfusion matrix (hybrid; rows: true label, columns: predicted)\n%-20s", "");
    for (const std::string& l : s.labels) {
        t += strformat(" %6.6s", l.c_str());
    }
    t += "\n";
    for (size_t a = 0; a < s.labels.size(); a++) {
        t += strformat("%-20s", s.labels[a].c_str());
        for (size_t b = 0; b < s.labels.size(); b++) {
            t += strformat(" %6u", r.hybrid.confusion[a][b]);
        }
        t += "\n";
    }
    if (!job.errors.empty()) {
        t += strformat("\n%zu misrouted examples written to %s\n",
                       r.errors.size(),
                       job.errors.string().c_str());
    }
    return t;
}

}  // namespace ruvllm
