// heads.cpp: complexity, tier and quality heads on the frozen routing embedding (see heads.h).
#include <algorithm>
#include <cmath>
#include <iterator>

#include <ruvllm/dataset/labeled.h>
#include <ruvllm/nn/loss.h>
#include <ruvllm/nn/optim.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/model.h>

namespace ruvllm {

namespace {

// out (3) = w z, w (3, E).
void linear3(const float* w, const float* z, int E, float* out) {
    for (int k = 0; k < 3; k++) {
        out[k] = 0.0f;
        for (int e = 0; e < E; e++) {
            out[k] += w[static_cast<size_t>(k) * E + e] * z[e];
        }
    }
}

// argmax_k (w z + bias)_k, w (3, E); bias (3) or nullptr.
int argmax3(const float* w, const float* z, int E, const float* bias) {
    float v[3];
    linear3(w, z, E, v);
    for (int k = 0; k < 3 && bias != nullptr; k++) {
        v[k] += bias[k];
    }
    return argmax(v, 3);
}

// v (3) -> softmax(v), in place.
void softmax3(float* v) {
    const float mx = std::max(v[0], std::max(v[1], v[2]));
    float sum = 0.0f;
    for (int k = 0; k < 3; k++) {
        v[k] = std::exp(v[k] - mx);
        sum += v[k];
    }
    for (int k = 0; k < 3; k++) {
        v[k] /= sum;
    }
}

// The tier table summed over the complexity probabilities of the routed category (heads.h);
// `given`: complexity_probs' answer when the caller has it, else computed here.
void tier_mass(const Heads& h,
               const float* z,
               std::string_view text,
               Category cat,
               const float* given,
               float out[3]) {
    float p[3];
    if (given == nullptr) {
        h.complexity_probs(z, text, p);
        given = p;
    }
    out[0] = out[1] = out[2] = 0.0f;
    for (int c = 0; c < 3; c++) {
        out[static_cast<int>(tier_for(cat, static_cast<Complexity>(c)))] += given[c];
    }
}

// Full-batch softmax regression on (N, E) rows; returns W (3, E).
std::vector<float> fit_softmax(
    const std::vector<float>& Z, const std::vector<int32_t>& y, int E, int epochs, float lr) {
    const int N = static_cast<int>(y.size());
    std::vector<float> w(static_cast<size_t>(3) * E, 0.0f), g(w.size()), m(w.size()), v(w.size());
    std::vector<float> probs(static_cast<size_t>(N) * 3), dz(static_cast<size_t>(N) * E);
    AdamConfig c{lr, 0.9f, 0.999f, 1e-8f, 0.0f};
    for (int t = 1; t <= epochs; t++) {
        // proto_ce with tau = 1 and un-normalised rows is softmax regression without a bias.
        proto_ce_forward(probs.data(), Z.data(), w.data(), y.data(), N, E, 3, 1.0f);
        std::fill(g.begin(), g.end(), 0.0f);
        proto_ce_backward(
            dz.data(), g.data(), probs.data(), Z.data(), w.data(), y.data(), N, E, 3, 1.0f);
        adamw_update(
            w.data(), g.data(), m.data(), v.data(), static_cast<int64_t>(w.size()), c, lr, t);
    }
    return w;
}

}  // namespace

const char* head_source_name(HeadSource s) {
    switch (s) {
        case HeadSource::z:
            return "z";
        case HeadSource::ngrams:
            return "ngrams";
        case HeadSource::baseline:
            return "baseline";
        case HeadSource::marginal:
            return "marginal";
    }
    return "z";
}

bool parse_head_source(std::string_view name, HeadSource& out) {
    for (const HeadSource s :
         {HeadSource::z, HeadSource::ngrams, HeadSource::baseline, HeadSource::marginal}) {
        if (name == head_source_name(s)) {
            out = s;
            return true;
        }
    }
    return false;
}

std::string tier_ngram_text(std::string_view text, std::string_view label) {
    std::string t(text);
    t += " ruvllm_label_";
    t += label;
    return t;
}

int Heads::predict_complexity(const float* z, std::string_view text) const {
    float p[3];
    return complexity_probs(z, text, p);
}

int Heads::complexity_probs(const float* z, std::string_view text, float out[3]) const {
    if (complexity_source == HeadSource::baseline) {
        for (int k = 0; k < 3; k++) {
            out[k] = k == complexity_prior ? 1.0f : 0.0f;
        }
        return complexity_prior;
    }
    if (complexity_source == HeadSource::ngrams && !complexity_ngrams.empty()) {
        complexity_ngrams.logits(text, out);
    } else {
        linear3(complexity.data(), z, E, out);
    }
    const int best = argmax(out, 3);  // of the logits: a softmax could round two into a tie
    softmax3(out);
    return best;
}

int Heads::predict_tier(const float* z,
                        std::string_view text,
                        std::string_view label,
                        int cx,
                        float tier_bias,
                        const float* complexity_p) const {
    float logits[3] = {0.0f, 0.0f, 0.0f};
    Category cat{};
    if (tier_source == HeadSource::baseline && cx >= 0 && cx < 3 && label_category(label, cat)) {
        logits[static_cast<int>(tier_for(cat, static_cast<Complexity>(cx)))] = 1.0f;
    } else if (tier_source == HeadSource::marginal && label_category(label, cat)) {
        float mass[3];
        tier_mass(*this, z, text, cat, complexity_p, mass);
        for (int k = 0; k < 3; k++) {
            logits[k] = std::log(mass[k] + 1e-6f);
        }
    } else if (tier_source == HeadSource::ngrams && !tier_ngrams.empty()) {
        tier_ngrams.logits(tier_ngram_text(text, label), logits);
    } else {
        const float bias[3] = {-tier_bias, 0.0f, tier_bias};
        return argmax3(tier.data(), z, E, bias);
    }
    for (int k = 0; k < 3; k++) {
        logits[k] += tier_bias * static_cast<float>(k - 1);
    }
    return argmax(logits, 3);
}

void Heads::tier_probs(const float* z,
                       std::string_view text,
                       std::string_view label,
                       int cx,
                       float out[3],
                       const float* complexity_p) const {
    Category cat{};
    if (tier_source == HeadSource::baseline && cx >= 0 && cx < 3 && label_category(label, cat)) {
        const int t = static_cast<int>(tier_for(cat, static_cast<Complexity>(cx)));
        for (int k = 0; k < 3; k++) {
            out[k] = k == t ? 1.0f : 0.0f;
        }
        return;
    }
    if (tier_source == HeadSource::marginal && label_category(label, cat)) {
        tier_mass(*this, z, text, cat, complexity_p, out);
        return;
    }
    if (tier_source == HeadSource::ngrams && !tier_ngrams.empty()) {
        tier_ngrams.logits(tier_ngram_text(text, label), out);
    } else {
        linear3(tier.data(), z, E, out);
    }
    softmax3(out);
}

float Heads::predict_quality(const float* z) const {
    float q = quality_bias;
    for (int e = 0; e < E; e++) {
        q += quality[static_cast<size_t>(e)] * z[e];
    }
    return q;
}

Status Heads::write_to(gguf::File& file) const {
    if (empty()) {
        return ok();
    }
    const auto E64 = static_cast<uint64_t>(E);
    Status s = file.add_tensor("router.head.complexity", {E64, 3}, complexity);
    if (s) {
        s = file.add_tensor("router.head.tier", {E64, 3}, tier);
    }
    if (s) {
        s = file.add_tensor("router.head.quality", {E64}, quality);
    }
    file.set("ruvllm.router.head.quality_bias", quality_bias);
    file.set("ruvllm.router.head.complexity_source",
             std::string(head_source_name(complexity_source)));
    file.set("ruvllm.router.head.tier_source", std::string(head_source_name(tier_source)));
    file.set("ruvllm.router.head.complexity_prior", static_cast<uint32_t>(complexity_prior));
    if (s) {
        s = complexity_ngrams.write_to(file, "head.complexity_ngrams");
    }
    if (s) {
        s = tier_ngrams.write_to(file, "head.tier_ngrams");
    }
    return s;
}

Result<Heads> Heads::from_gguf(const gguf::File& file, int E) {
    Heads h;
    const gguf::TensorInfo* c = file.find_tensor("router.head.complexity");
    if (c == nullptr) {
        return h;
    }
    const gguf::TensorInfo* t = file.find_tensor("router.head.tier");
    const gguf::TensorInfo* q = file.find_tensor("router.head.quality");
    Result<float> qb = file.get<float>("ruvllm.router.head.quality_bias");
    const auto E64 = static_cast<uint64_t>(E);
    if (t == nullptr || q == nullptr || !qb || c->shape != std::vector<uint64_t>{E64, 3} ||
        t->shape != std::vector<uint64_t>{E64, 3} || q->shape != std::vector<uint64_t>{E64}) {
        return make_error(Errc::format, "gguf: router.head.* tensors are incomplete or mis-shaped");
    }
    Result<std::vector<float>> cv = file.finite_tensor_f32(*c);
    Result<std::vector<float>> tv = file.finite_tensor_f32(*t);
    Result<std::vector<float>> qv = file.finite_tensor_f32(*q);
    if (!cv || !tv || !qv) {
        return make_error(Errc::format, "gguf: router.head.* tensors cannot be read");
    }
    h.E = E;
    h.complexity = std::move(*cv);
    h.tier = std::move(*tv);
    h.quality = std::move(*qv);
    h.quality_bias = *qb;
    // Sources and n-gram heads (absent in files written before them: z).
    for (auto [key, dst] : {std::pair{"ruvllm.router.head.complexity_source", &h.complexity_source},
                            std::pair{"ruvllm.router.head.tier_source", &h.tier_source}}) {
        if (file.find(key) == nullptr) {
            continue;
        }
        Result<std::string> v = file.get<std::string>(key);
        const bool tier = dst == &h.tier_source;
        if (!v || !parse_head_source(*v, *dst) || (!tier && *dst == HeadSource::marginal)) {
            return make_error(Errc::format,
                              std::string("gguf: ") + key + " must be \"z\", \"ngrams\"" +
                                  (tier ? ", \"baseline\" or \"marginal\"" : " or \"baseline\""));
        }
    }
    if (file.find("ruvllm.router.head.complexity_prior") != nullptr) {
        Result<uint32_t> prior = file.get<uint32_t>("ruvllm.router.head.complexity_prior");
        if (!prior || *prior > 2) {
            return make_error(Errc::format,
                              "gguf: ruvllm.router.head.complexity_prior must be a u32 of 0..2");
        }
        h.complexity_prior = static_cast<int32_t>(*prior);
    }
    for (auto [name, dst] : {std::pair{"head.complexity_ngrams", &h.complexity_ngrams},
                             std::pair{"head.tier_ngrams", &h.tier_ngrams}}) {
        Result<SparseModel> m = SparseModel::from_gguf(file, 3, name);
        if (!m) {
            return m.error();
        }
        *dst = std::move(*m);
    }
    if ((h.complexity_source == HeadSource::ngrams && h.complexity_ngrams.empty()) ||
        (h.tier_source == HeadSource::ngrams && h.tier_ngrams.empty())) {
        return make_error(Errc::format,
                          "gguf: a head answers from n-grams but its router.head.*_ngrams tensors "
                          "are absent");
    }
    return h;
}

Result<Heads> train_heads(const RouterModel& model,
                          const LabeledSet& data,
                          int epochs,
                          float lr,
                          const SparseConfig* ngrams) {
    const int E = model.E;
    std::vector<float> zc, zt, zq, z(static_cast<size_t>(E));
    std::vector<int32_t> yc, yt;
    std::vector<float> yq;
    for (const LabeledExample& ex : data.rows) {
        if (ex.complexity < 0 && ex.tier < 0 && ex.quality < 0) {
            continue;
        }
        model.embed(ex.text, z.data());
        if (ex.complexity >= 0) {
            zc.insert(zc.end(), z.begin(), z.end());
            yc.push_back(ex.complexity);
        }
        if (ex.tier >= 0) {
            zt.insert(zt.end(), z.begin(), z.end());
            yt.push_back(ex.tier);
        }
        if (ex.quality >= 0) {
            zq.insert(zq.end(), z.begin(), z.end());
            yq.push_back(ex.quality);
        }
    }
    if (yc.empty() || yt.empty()) {
        return make_error(Errc::invalid_argument,
                          "heads: no example carries metadata.complexity and expected_model");
    }
    Heads h;
    h.E = E;
    h.complexity = fit_softmax(zc, yc, E, epochs, lr);
    h.tier = fit_softmax(zt, yt, E, epochs, lr);
    // Quality: least squares by gradient descent (AdamW without decay), bias included.
    h.quality.assign(static_cast<size_t>(E), 0.0f);
    double mean = 0;
    for (const float q : yq) {
        mean += q;
    }
    h.quality_bias = yq.empty() ? 0.0f : static_cast<float>(mean / static_cast<double>(yq.size()));
    std::vector<float> params(static_cast<size_t>(E) + 1), g(params.size()), m(params.size()),
        v(params.size());
    std::copy(h.quality.begin(), h.quality.end(), params.begin());
    params[static_cast<size_t>(E)] = h.quality_bias;
    AdamConfig c{lr * 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f};
    const size_t Nq = yq.size();
    for (int t = 1; t <= epochs && Nq > 0; t++) {
        std::fill(g.begin(), g.end(), 0.0f);
        for (size_t i = 0; i < Nq; i++) {
            float pred = params[static_cast<size_t>(E)];
            for (int e = 0; e < E; e++) {
                pred += params[static_cast<size_t>(e)] * zq[i * static_cast<size_t>(E) + e];
            }
            const float d = 2.0f * (pred - yq[i]) / static_cast<float>(Nq);
            for (int e = 0; e < E; e++) {
                g[static_cast<size_t>(e)] += d * zq[i * static_cast<size_t>(E) + e];
            }
            g[static_cast<size_t>(E)] += d;
        }
        adamw_update(params.data(),
                     g.data(),
                     m.data(),
                     v.data(),
                     static_cast<int64_t>(params.size()),
                     c,
                     c.lr,
                     t);
    }
    std::copy(params.begin(), params.begin() + E, h.quality.begin());
    h.quality_bias = params[static_cast<size_t>(E)];
    // The baseline's majority class (ties to the lower index).
    int counts[3] = {0, 0, 0};
    for (const int32_t y : yc) {
        counts[y]++;
    }
    h.complexity_prior = counts[1] > counts[0] ? 1 : 0;
    h.complexity_prior = counts[2] > counts[h.complexity_prior] ? 2 : h.complexity_prior;
    if (ngrams != nullptr) {
        LabeledSet cx, tr;
        cx.labels = {"Simple", "Moderate", "Complex"};
        tr.labels = {"haiku", "sonnet", "opus"};
        for (const LabeledExample& ex : data.rows) {
            LabeledExample e;
            if (ex.complexity >= 0) {
                e.text = ex.text;
                e.label = ex.complexity;
                cx.rows.push_back(e);
            }
            if (ex.tier >= 0 && ex.label >= 0 && ex.label < model.A()) {
                e.text = tier_ngram_text(ex.text, model.labels[static_cast<size_t>(ex.label)]);
                e.label = ex.tier;
                tr.rows.push_back(e);
            }
        }
        Result<SparseModel> cm = train_sparse(cx, *ngrams, Log{});
        if (!cm) {
            return cm.error();
        }
        h.complexity_ngrams = std::move(*cm);
        if (!tr.rows.empty()) {
            Result<SparseModel> t = train_sparse(tr, *ngrams, Log{});
            if (!t) {
                return t.error();
            }
            h.tier_ngrams = std::move(*t);
        }
    }
    return h;
}

namespace {

// The embedding stage's label for the routing embedding z (RouterModel::predict without
// embedding the text a second time).
int routed(const RouterModel& model, const std::vector<float>& z) {
    thread_local std::vector<float> s;
    s.resize(static_cast<size_t>(model.A()));
    model.scores_from_z(z.data(), s.data());
    return argmax(s.data(), model.A());
}

// Accuracy of each source of the complexity and tier heads on `data`, routing each example with
// the model's embedding stage. [head][source]: -1 when the source does not exist.
constexpr HeadSource kSources[] = {
    HeadSource::z, HeadSource::ngrams, HeadSource::baseline, HeadSource::marginal};
constexpr size_t kNumSources = std::size(kSources);

struct SourceAccuracy {
    double complexity[kNumSources] = {-1, -1, -1, -1};
    double tier[kNumSources] = {-1, -1, -1, -1};
    size_t n_complexity = 0, n_tier = 0;
};

SourceAccuracy source_accuracy(const RouterModel& model,
                               const Heads& base,
                               const LabeledSet& data) {
    SourceAccuracy r;
    size_t c_ok[kNumSources] = {}, t_ok[kNumSources] = {};
    std::vector<float> z(static_cast<size_t>(model.E));
    Heads h = base;
    for (const LabeledExample& ex : data.rows) {
        if (ex.complexity < 0 && ex.tier < 0) {
            continue;
        }
        model.embed(ex.text, z.data());
        if (ex.complexity >= 0) {
            r.n_complexity++;
        }
        if (ex.tier >= 0) {
            r.n_tier++;
        }
        const std::string& label = model.labels[static_cast<size_t>(routed(model, z))];
        // Every tier candidate sees the complexity (and its probabilities) of the chosen
        // complexity source.
        h.complexity_source = base.complexity_source;
        float cx_p[3];
        const int cx_sel = h.complexity_probs(z.data(), ex.text, cx_p);
        for (const HeadSource s : kSources) {
            const auto k = static_cast<size_t>(s);
            h.tier_source = s;
            if (ex.tier >= 0) {
                t_ok[k] +=
                    h.predict_tier(z.data(), ex.text, label, cx_sel, 0.0f, cx_p) == ex.tier ? 1 : 0;
            }
        }
        for (const HeadSource s : kSources) {
            const auto k = static_cast<size_t>(s);
            h.complexity_source = s;
            if (ex.complexity >= 0 && s != HeadSource::marginal) {
                c_ok[k] += h.predict_complexity(z.data(), ex.text) == ex.complexity ? 1 : 0;
            }
        }
    }
    for (const HeadSource s : kSources) {
        const auto k = static_cast<size_t>(s);
        const bool exists = s != HeadSource::marginal &&
                            (s != HeadSource::ngrams || !base.complexity_ngrams.empty());
        const bool t_exists = s != HeadSource::ngrams || !base.tier_ngrams.empty();
        if (exists && r.n_complexity > 0) {
            r.complexity[k] = static_cast<double>(c_ok[k]) / static_cast<double>(r.n_complexity);
        }
        if (t_exists && r.n_tier > 0) {
            r.tier[k] = static_cast<double>(t_ok[k]) / static_cast<double>(r.n_tier);
        }
    }
    return r;
}

// The source of highest accuracy; ties go to baseline, then z, then ngrams, then marginal.
HeadSource best_source(const double acc[kNumSources]) {
    HeadSource best = HeadSource::baseline;
    for (const HeadSource s : {HeadSource::z, HeadSource::ngrams, HeadSource::marginal}) {
        if (acc[static_cast<size_t>(s)] > acc[static_cast<size_t>(best)]) {
            best = s;
        }
    }
    return best;
}

nlohmann::ordered_json accuracies_json(const double acc[kNumSources]) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const HeadSource s : kSources) {
        if (acc[static_cast<size_t>(s)] >= 0) {
            j[head_source_name(s)] = acc[static_cast<size_t>(s)];
        }
    }
    return j;
}

}  // namespace

nlohmann::ordered_json select_heads(const RouterModel& model, Heads& heads, const LabeledSet& val) {
    // Complexity first: the tier's candidates read the chosen complexity.
    SourceAccuracy a = source_accuracy(model, heads, val);
    heads.complexity_source = best_source(a.complexity);
    a = source_accuracy(model, heads, val);
    heads.tier_source = best_source(a.tier);
    nlohmann::ordered_json j;
    j["complexity"] = accuracies_json(a.complexity);
    j["complexity"]["chosen"] = head_source_name(heads.complexity_source);
    j["tier"] = accuracies_json(a.tier);
    j["tier"]["chosen"] = head_source_name(heads.tier_source);
    j["examples"] = {{"complexity", a.n_complexity}, {"tier", a.n_tier}};
    return j;
}

HeadReport evaluate_heads(const RouterModel& model, const Heads& heads, const LabeledSet& data) {
    HeadReport r;
    if (heads.empty()) {
        return r;
    }
    std::vector<float> z(static_cast<size_t>(model.E));
    size_t c_ok = 0, prior_ok = 0, t_ok = 0, table_ok = 0;
    double abs_err = 0;
    for (const LabeledExample& ex : data.rows) {
        if (ex.complexity < 0 && ex.tier < 0 && ex.quality < 0) {
            continue;
        }
        model.embed(ex.text, z.data());
        float cx_p[3];
        const int cx = heads.complexity_probs(z.data(), ex.text, cx_p);
        if (ex.complexity >= 0) {
            r.n_complexity++;
            c_ok += cx == ex.complexity ? 1 : 0;
            prior_ok += heads.complexity_prior == ex.complexity ? 1 : 0;
        }
        if (ex.tier >= 0) {
            r.n_tier++;
            const std::string& label = model.labels[static_cast<size_t>(routed(model, z))];
            t_ok += heads.predict_tier(z.data(), ex.text, label, cx, 0.0f, cx_p) == ex.tier ? 1 : 0;
            Category cat{};
            if (label_category(label, cat)) {
                table_ok +=
                    static_cast<int>(tier_for(cat, static_cast<Complexity>(cx))) == ex.tier ? 1 : 0;
            }
        }
        if (ex.quality >= 0) {
            r.n_quality++;
            abs_err += std::abs(heads.predict_quality(z.data()) - ex.quality);
        }
    }
    const auto ratio = [](size_t a, size_t n) {
        return n > 0 ? static_cast<double>(a) / static_cast<double>(n) : 0.0;
    };
    r.complexity_accuracy = ratio(c_ok, r.n_complexity);
    r.complexity_prior_accuracy = ratio(prior_ok, r.n_complexity);
    r.tier_accuracy = ratio(t_ok, r.n_tier);
    r.tier_table_accuracy = ratio(table_ok, r.n_tier);
    r.quality_mae = r.n_quality > 0 ? abs_err / static_cast<double>(r.n_quality) : 0;
    return r;
}

}  // namespace ruvllm
