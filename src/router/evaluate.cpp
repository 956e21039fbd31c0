// evaluate.cpp: a router's quality on labelled data (evaluate.h).
#include <algorithm>
#include <cmath>

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
    for (ModeMetrics* m : {&r.keyword, &r.embedding, &r.hybrid}) {
        m->confusion = empty;
    }
    RouteConfig emb = cfg, hyb = cfg;
    emb.mode = RouteMode::embedding;
    emb.top = A;
    hyb.mode = RouteMode::hybrid;
    std::vector<float> all_scores;
    std::vector<int32_t> all_labels;
    std::vector<double> latency;
    std::vector<float> s(static_cast<size_t>(A));
    size_t trip_ok = 0, hard_ok = 0, c_ok = 0, t_ok = 0, table_ok = 0;
    double abs_err = 0;
    for (size_t i = 0; i < data.rows.size(); i++) {
        const LabeledExample& ex = data.rows[i];
        if (ex.label < 0 || ex.label >= A) {
            continue;
        }
        r.n++;
        Result<Decision> h = route_task(model, ex.text, hyb);
        if (!h) {
            return make_error(h.error().code,
                              "example " + std::to_string(i + 1) + ": " + h.error().message);
        }
        // The keyword-only decision is the hybrid's when its keyword stage decided, else none;
        // the embedding-only decision lists every label's cosine (emb.top = A), so each text is
        // embedded twice, not four times.
        Result<Decision> e = route_task(model, ex.text, emb);
        count(r.keyword, ex.label, h->keyword_stage ? h->label : -1);
        count(r.embedding, ex.label, e->label);
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
    for (ModeMetrics* m : {&r.keyword, &r.embedding, &r.hybrid}) {
        finish(*m);
    }
    r.triplet_accuracy = ratio(trip_ok, r.n_triplets);
    r.hard_accuracy = ratio(hard_ok, r.n_hard);
    r.temperature = model.tau;
    r.ece = r.n > 0 ? ece(all_scores, all_labels, A, model.tau) : 0;
    r.complexity_accuracy = ratio(c_ok, r.n_complexity);
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

}  // namespace ruvllm
