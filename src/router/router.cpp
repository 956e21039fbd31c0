// router.cpp: one routing decision and its trace (router.h).
#include <algorithm>
#include <chrono>
#include <cmath>

#include <ruvllm/core/text.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/router/router.h>

namespace ruvllm {

const char* route_mode_name(RouteMode m) {
    switch (m) {
        case RouteMode::hybrid:
            return "hybrid";
        case RouteMode::keyword:
            return "keyword";
        case RouteMode::embedding:
            return "embedding";
        case RouteMode::sparse:
            return "sparse";
    }
    return "hybrid";
}

const char* stage_name(RouteStage st) {
    switch (st) {
        case RouteStage::keyword:
            return "keyword";
        case RouteStage::embedding:
            return "embedding";
        case RouteStage::blend:
            return "blend";
        case RouteStage::sparse:
            return "sparse";
    }
    return "embedding";
}

bool parse_route_mode(std::string_view s, RouteMode& out) {
    for (const RouteMode m :
         {RouteMode::hybrid, RouteMode::keyword, RouteMode::embedding, RouteMode::sparse}) {
        if (s == route_mode_name(m)) {
            out = m;
            return true;
        }
    }
    return false;
}

bool parse_tier(std::string_view s, int& out) {
    for (int t = 0; t < 3; t++) {
        if (s == tier_name(static_cast<Tier>(t))) {
            out = t;
            return true;
        }
    }
    return false;
}

Status validate_task(std::string_view task, size_t max_task_bytes) {
    if (task.size() > max_task_bytes) {
        return make_error(Errc::invalid_argument,
                          "task is " + std::to_string(task.size()) + " bytes, expected at most " +
                              std::to_string(max_task_bytes));
    }
    if (task.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return make_error(Errc::invalid_argument, "empty task, expected text");
    }
    const size_t bad = utf8_invalid_at(task);
    if (bad != std::string_view::npos) {
        return make_error(Errc::invalid_argument,
                          "task is not valid UTF-8 at byte " + std::to_string(bad));
    }
    return ok();
}

Result<Decision> route_task(const RouterModel& m, std::string_view task, const RouteConfig& cfg) {
    const auto t0 = std::chrono::steady_clock::now();
    Status valid = validate_task(task, cfg.max_task_bytes);
    if (!valid) {
        return valid.error();
    }
    if (cfg.mode == RouteMode::sparse && m.sparse.empty()) {
        return make_error(Errc::invalid_argument,
                          "mode sparse: the model has no sparse stage (train it without "
                          "--no-sparse)");
    }
    Decision d;
    const int A = m.A();
    // Per-thread scratch: a decision allocates only its own vectors.
    thread_local std::vector<float> z, s, q, p;
    thread_local std::vector<int32_t> order;
    // The probabilities of the stage that ranks `top` (router.h): the blend in hybrid mode and
    // the sparse stage in sparse mode when the model has one; else the cosines rank it.
    const bool use_sparse =
        !m.sparse.empty() && (cfg.mode == RouteMode::hybrid || cfg.mode == RouteMode::sparse);
    const bool need_embedding =
        (cfg.mode != RouteMode::keyword && cfg.mode != RouteMode::sparse) || !m.heads.empty();
    if (need_embedding) {
        z.resize(static_cast<size_t>(m.E));
        s.resize(static_cast<size_t>(A));
        m.embed(task, z.data());
        m.scores_from_z(z.data(), s.data());
    }
    if (use_sparse) {
        q.resize(static_cast<size_t>(A));
        p.resize(static_cast<size_t>(A));
        m.sparse.logits(task, q.data());
        if (cfg.mode == RouteMode::sparse) {
            const float unused_tau = 1.0f;  // alpha 0: the sparse stage alone, softmax(logits)
            blend_probs(q.data(), unused_tau, q.data(), 0.0f, A, p.data());
        } else {
            blend_probs(
                s.data(), m.tau, q.data(), m.sparse.alpha(), A, p.data(), m.sparse.temperature());
        }
    }
    const std::vector<float>* rank = use_sparse ? &p : (need_embedding ? &s : nullptr);
    if (rank != nullptr) {
        const std::vector<float>& r = *rank;
        order.resize(static_cast<size_t>(A));
        for (int32_t a = 0; a < A; a++) {
            order[static_cast<size_t>(a)] = a;
        }
        const int k = std::clamp(cfg.top, 0, A);
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
            const float sa = r[static_cast<size_t>(a)], sb = r[static_cast<size_t>(b)];
            return sa > sb || (sa == sb && a < b);
        });
        d.top.reserve(static_cast<size_t>(k));
        for (int i = 0; i < k; i++) {
            const int32_t a = order[static_cast<size_t>(i)];
            d.top.emplace_back(a, r[static_cast<size_t>(a)]);
        }
    }
    bool decided = false;
    if (cfg.mode == RouteMode::hybrid || cfg.mode == RouteMode::keyword) {
        const KeywordDecision k = m.keywords.decide(task);
        if (k.label >= 0 || cfg.mode == RouteMode::keyword) {
            d.stage = RouteStage::keyword;
            d.label = k.label;
            d.keywords = k.matched;
            for (const uint32_t r : k.matched) {
                const KeywordRule& rule = m.keywords.rules()[r];
                if (rule.label == k.label) {
                    d.confidence = std::max(d.confidence, rule.precision);
                }
            }
            decided = true;
        }
    }
    if (!decided && use_sparse) {
        d.stage = cfg.mode == RouteMode::sparse ? RouteStage::sparse : RouteStage::blend;
        const int best = argmax(p.data(), A);
        d.confidence = p[static_cast<size_t>(best)];
        d.label = d.confidence >= cfg.min_confidence ? best : -1;
    } else if (!decided) {
        d.stage = RouteStage::embedding;
        const int best = argmax(s.data(), A);
        // Softmax of the cosines at the model's (calibrated) temperature.
        double sum = 0;
        for (int a = 0; a < A; a++) {
            sum += std::exp((s[static_cast<size_t>(a)] - s[static_cast<size_t>(best)]) / m.tau);
        }
        d.confidence = static_cast<float>(1.0 / sum);
        d.label = d.confidence >= cfg.min_confidence ? best : -1;
    }
    // Loading refuses non-finite parameters; finite ones can still overflow. Never answer NaN.
    bool finite = std::isfinite(d.confidence);
    for (const auto& [a, score] : d.top) {
        finite = finite && std::isfinite(score);
    }
    if (!finite) {
        return make_error(Errc::numeric,
                          "the model gave a non-finite score for this task (its parameters "
                          "overflow), expected finite numbers");
    }
    if (!m.heads.empty()) {
        d.has_heads = true;
        float complexity_p[3];  // computed once: the marginal tier source reads them too
        d.complexity = m.heads.complexity_probs(z.data(), task, complexity_p);
        const std::string_view label =
            d.label >= 0 ? std::string_view(m.labels[static_cast<size_t>(d.label)]) : "";
        d.tier = std::min(
            m.heads.predict_tier(z.data(), task, label, d.complexity, cfg.tier_bias, complexity_p),
            std::clamp(cfg.max_tier, 0, 2));
        d.quality = m.heads.predict_quality(z.data());
    }
    d.latency_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    return d;
}

namespace {

double round_to(double v, double scale) {
    return std::round(v * scale) / scale;
}

}  // namespace

nlohmann::ordered_json decision_json(const RouterModel& m,
                                     const Decision& d,
                                     const std::string* task) {
    nlohmann::ordered_json j;
    if (task != nullptr) {
        j["task"] = *task;
    }
    j["agent"] = d.label >= 0 ? nlohmann::ordered_json(m.labels[static_cast<size_t>(d.label)])
                              : nlohmann::ordered_json();
    j["confidence"] = round_to(d.confidence, 1e4);
    j["stage"] = stage_name(d.stage);
    if (d.stage == RouteStage::keyword) {
        nlohmann::ordered_json rules = nlohmann::ordered_json::array();
        for (const uint32_t r : d.keywords) {
            rules.push_back(m.keywords.rules()[r].phrase);
        }
        j["keywords"] = std::move(rules);
    }
    nlohmann::ordered_json top = nlohmann::ordered_json::array();
    for (const auto& [a, score] : d.top) {
        top.push_back({m.labels[static_cast<size_t>(a)], round_to(score, 1e4)});
    }
    j["top"] = std::move(top);
    if (d.has_heads) {
        j["model"] = tier_name(static_cast<Tier>(d.tier));
        j["complexity"] = complexity_name(static_cast<Complexity>(d.complexity));
        j["quality"] = round_to(d.quality, 1e3);
    }
    j["latency_us"] = round_to(d.latency_us, 10);
    return j;
}

}  // namespace ruvllm
