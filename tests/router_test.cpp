// router_test.cpp: one routing decision (router.h): task validation (a UTF-8 table worked out
// from RFC 3629), each prototype routes to itself, confidence is the softmax of the cosines,
// abstention, keyword decisions and deferrals per mode, the tier budget ceiling, the JSON trace.
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include <ruvllm/core/text.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/router/router.h>

#include "planted_router.h"

namespace {

using ruvllm::Decision;
using ruvllm::RouteConfig;
using ruvllm::RouteMode;

// planted_router.h's model, with hand-set heads when asked.
ruvllm::RouterModel planted(bool with_heads) {
    ruvllm::RouterModel m = ruvllm::test::planted_router(7);
    if (with_heads) {
        // Tier head: "alpha" -> opus (row 2 is alpha's z, scaled); others near zero.
        m.heads.E = 16;
        m.heads.complexity.assign(3 * 16, 0.0f);
        m.heads.tier.assign(3 * 16, 0.0f);
        m.heads.quality.assign(16, 0.0f);
        m.heads.quality_bias = 0.75f;
        std::vector<float> z(16);
        m.embed("alpha", z.data());
        for (int e = 0; e < 16; e++) {
            m.heads.tier[2 * 16 + static_cast<size_t>(e)] = 10.0f * z[static_cast<size_t>(e)];
        }
    }
    return m;
}

Decision route(const ruvllm::RouterModel& m, const std::string& task, RouteConfig cfg = {}) {
    ruvllm::Result<Decision> d = ruvllm::route_task(m, task, cfg);
    EXPECT_TRUE(d) << (d ? "" : d.error().message);
    return d ? *d : Decision{};
}

}  // namespace

TEST(Utf8, InvalidAtTable) {
    struct Case {
        std::string s;
        size_t bad;
    };

    const size_t ok = std::string_view::npos;
    const Case cases[] = {
        {"plain ascii", ok},
        {"caf\xc3\xa9", ok},          // U+00E9
        {"\xe2\x82\xac", ok},         // U+20AC
        {"\xf0\x9f\x98\x80 ok", ok},  // U+1F600
        {"\xf4\x8f\xbf\xbf", ok},     // U+10FFFF, the last code point
        {"ab\x80", 2},                // a continuation byte as lead
        {"abc\xc3", 3},               // truncated 2-byte sequence
        {"\xc3(", 0},                 // bad continuation
        {"x\xc0\x80", 1},             // overlong NUL
        {"\xe0\x80\xaf", 0},          // overlong '/'
        {"ok \xed\xa0\x80", 3},       // U+D800, a surrogate
        {"\xf4\x90\x80\x80", 0},      // U+110000, above the range
        {"\xf8\x88\x80\x80\x80", 0},  // 5-byte form
        {"\xff", 0},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(ruvllm::utf8_invalid_at(c.s), c.bad) << "case: " << c.s;
    }
}

TEST(Router, ValidateTaskErrors) {
    EXPECT_TRUE(ruvllm::validate_task("fix it", 100));
    for (const char* empty : {"", " ", " \t\r\n"}) {
        const ruvllm::Status s = ruvllm::validate_task(empty, 100);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, ruvllm::Errc::invalid_argument);
        EXPECT_EQ(s.error().message, "empty task, expected text");
    }
    EXPECT_TRUE(ruvllm::validate_task(std::string(100, 'a'), 100));
    const ruvllm::Status long_task = ruvllm::validate_task(std::string(101, 'a'), 100);
    ASSERT_FALSE(long_task);
    EXPECT_EQ(long_task.error().message, "task is 101 bytes, expected at most 100");
    const ruvllm::Status bad = ruvllm::validate_task("fix \xff it", 100);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "task is not valid UTF-8 at byte 4");
    // route_task refuses the same tasks.
    const ruvllm::RouterModel m = planted(false);
    RouteConfig cfg;
    cfg.max_task_bytes = 1 << 16;
    EXPECT_FALSE(ruvllm::route_task(m, std::string(1 << 20, 'a'), cfg));
    EXPECT_FALSE(ruvllm::route_task(m, "  ", cfg));
}

TEST(Router, EachPrototypeRoutesToItself) {
    const ruvllm::RouterModel m = planted(false);
    const char* words[] = {"alpha", "beta", "gamma"};
    for (int a = 0; a < 3; a++) {
        const Decision d = route(m, words[a]);
        EXPECT_EQ(d.label, a);
        EXPECT_EQ(d.stage, ruvllm::RouteStage::embedding);
        ASSERT_EQ(d.top.size(), 3u);
        EXPECT_EQ(d.top[0].first, a);
        EXPECT_NEAR(d.top[0].second, 1.0f, 1e-5f);
        EXPECT_GE(d.top[0].second, d.top[1].second);
        EXPECT_GE(d.top[1].second, d.top[2].second);
    }
}

TEST(Router, ConfidenceIsTheSoftmaxOfTheCosines) {
    const ruvllm::RouterModel m = planted(false);
    float s[3];
    m.scores("alpha beta", s);
    const int best = ruvllm::argmax(s, 3);
    double sum = 0;
    for (const float v : s) {
        sum += std::exp(static_cast<double>(v) / m.tau);
    }
    const double expected = std::exp(static_cast<double>(s[best]) / m.tau) / sum;
    RouteConfig cfg;
    cfg.mode = RouteMode::embedding;
    const Decision d = route(m, "alpha beta", cfg);
    EXPECT_EQ(d.label, best);
    EXPECT_NEAR(d.confidence, expected, 1e-5);
}

TEST(Router, AbstainsBelowMinConfidenceButKeepsTheTrace) {
    const ruvllm::RouterModel m = planted(false);
    RouteConfig cfg;
    const Decision sure = route(m, "alpha", cfg);
    cfg.min_confidence = std::nextafter(sure.confidence, 2.0f);
    const Decision d = route(m, "alpha", cfg);
    EXPECT_EQ(d.label, -1);
    ASSERT_FALSE(d.top.empty());
    EXPECT_EQ(d.top[0].first, 0);
    cfg.min_confidence = sure.confidence;
    EXPECT_EQ(route(m, "alpha", cfg).label, 0);  // at the threshold: answers
}

TEST(Router, KeywordStageDecidesOrDefersPerMode) {
    const ruvllm::RouterModel m = planted(false);
    // The rule wins over the embedding (which says "alpha" -> coder).
    Decision d = route(m, "alpha unit test");
    EXPECT_EQ(d.stage, ruvllm::RouteStage::keyword);
    EXPECT_EQ(d.label, 2);
    EXPECT_FLOAT_EQ(d.confidence, 0.97f);
    ASSERT_EQ(d.keywords.size(), 1u);
    // No rule matches: hybrid defers to the embedding stage; keyword mode answers null.
    d = route(m, "alpha");
    EXPECT_EQ(d.stage, ruvllm::RouteStage::embedding);
    EXPECT_EQ(d.label, 0);
    RouteConfig kw;
    kw.mode = RouteMode::keyword;
    d = route(m, "alpha", kw);
    EXPECT_EQ(d.stage, ruvllm::RouteStage::keyword);
    EXPECT_EQ(d.label, -1);
    EXPECT_TRUE(d.top.empty());  // keyword mode computes no embedding without heads
    // Embedding mode ignores the rules.
    RouteConfig emb;
    emb.mode = RouteMode::embedding;
    d = route(m, "alpha unit test", emb);
    EXPECT_EQ(d.stage, ruvllm::RouteStage::embedding);
    EXPECT_EQ(d.label, m.predict("alpha unit test"));
}

TEST(Router, TierBudgetCeilingCapsTheHead) {
    const ruvllm::RouterModel m = planted(true);
    Decision d = route(m, "alpha");
    ASSERT_TRUE(d.has_heads);
    EXPECT_EQ(d.tier, 2);  // opus
    EXPECT_FLOAT_EQ(d.quality, 0.75f);
    RouteConfig cfg;
    for (int cap = 0; cap < 3; cap++) {
        cfg.max_tier = cap;
        EXPECT_EQ(route(m, "alpha", cfg).tier, cap);
    }
    cfg.max_tier = 2;
    cfg.tier_bias = -100.0f;  // a strong cost bias overrides the head
    EXPECT_EQ(route(m, "alpha", cfg).tier, 0);
}

TEST(Router, DecisionJsonTrace) {
    const ruvllm::RouterModel m = planted(true);
    const std::string task = "alpha unit test";
    const Decision d = route(m, task);
    const nlohmann::ordered_json j = ruvllm::decision_json(m, d, &task);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) {
        keys.push_back(k);
    }
    const std::vector<std::string> expected = {"task",
                                               "agent",
                                               "confidence",
                                               "stage",
                                               "keywords",
                                               "top",
                                               "model",
                                               "complexity",
                                               "quality",
                                               "latency_us"};
    EXPECT_EQ(keys, expected);
    EXPECT_EQ(j["agent"], "tester");
    EXPECT_EQ(j["stage"], "keyword");
    EXPECT_EQ(j["keywords"][0], "unit test");
    EXPECT_EQ(j["model"], "opus");
    EXPECT_EQ(j["top"][0][0], m.labels[static_cast<size_t>(m.predict(task))]);
    // An abstention is "agent": null and no task field when none is given.
    RouteConfig cfg;
    cfg.mode = RouteMode::embedding;
    cfg.min_confidence = 1.0;
    const nlohmann::ordered_json a = ruvllm::decision_json(m, route(m, "alpha beta", cfg));
    EXPECT_TRUE(a["agent"].is_null());
    EXPECT_FALSE(a.contains("task"));
    EXPECT_FALSE(a.contains("keywords"));
}

TEST(Router, ParseModeAndTier) {
    RouteMode mode{};
    EXPECT_TRUE(ruvllm::parse_route_mode("keyword", mode));
    EXPECT_EQ(mode, RouteMode::keyword);
    EXPECT_FALSE(ruvllm::parse_route_mode("Keyword", mode));
    int tier = -1;
    EXPECT_TRUE(ruvllm::parse_tier("sonnet", tier));
    EXPECT_EQ(tier, 1);
    EXPECT_FALSE(ruvllm::parse_tier("gpt", tier));
}

TEST(Evaluate, NumbersOnATinyFixtureComputedByHand) {
    const ruvllm::RouterModel m = planted(false);
    ruvllm::LabeledSet data;
    data.labels = m.labels;
    // (text, true label): hybrid answers coder, reviewer, tester, reviewer, tester (the last by
    // its keyword rule), so rows 2 is the only hybrid error.
    const std::pair<const char*, int> rows[] = {
        {"alpha", 0}, {"beta", 0}, {"gamma", 2}, {"beta", 1}, {"alpha unit test", 2}};
    for (const auto& [text, label] : rows) {
        ruvllm::LabeledExample ex;
        ex.text = text;
        ex.label = label;
        data.rows.push_back(ex);
    }
    data.rows[1].neg = 1;  // beta labelled coder with negative reviewer: cos(coder) < cos(reviewer)
    data.rows[1].hard = true;
    ruvllm::Result<ruvllm::RouterReport> r = ruvllm::evaluate_router(m, data, {});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->n, 5u);
    // hybrid: 4 of 5 right.
    EXPECT_DOUBLE_EQ(r->hybrid.accuracy, 0.8);
    EXPECT_DOUBLE_EQ(r->hybrid.coverage, 1.0);
    // coder: tp 1, predicted 1, support 2 -> P 1, R 1/2, F1 2/3; reviewer: tp 1, predicted 2,
    // support 1 -> P 1/2, R 1, F1 2/3; tester: P = R = F1 = 1. Macro-F1 = (2/3 + 2/3 + 1) / 3.
    EXPECT_DOUBLE_EQ(r->hybrid.per_label[0].precision, 1.0);
    EXPECT_DOUBLE_EQ(r->hybrid.per_label[0].recall, 0.5);
    EXPECT_DOUBLE_EQ(r->hybrid.per_label[1].precision, 0.5);
    EXPECT_DOUBLE_EQ(r->hybrid.per_label[1].recall, 1.0);
    EXPECT_NEAR(r->hybrid.macro_f1, 7.0 / 9.0, 1e-12);
    EXPECT_EQ(r->hybrid.confusion[0][1], 1u);  // beta labelled coder, routed to reviewer
    EXPECT_EQ(r->hybrid.confusion[2][2], 2u);
    // keyword: decides 1 of 5, rightly.
    EXPECT_EQ(r->keyword.decided, 1u);
    EXPECT_DOUBLE_EQ(r->keyword.coverage, 0.2);
    EXPECT_DOUBLE_EQ(r->keyword.accuracy_decided, 1.0);
    EXPECT_DOUBLE_EQ(r->keyword.accuracy, 0.2);
    // embedding: rows 1, 3, 4 right; the last row is whatever the nearest prototype says.
    const size_t last = m.predict("alpha unit test") == 2 ? 1 : 0;
    EXPECT_EQ(r->embedding.right, 3 + last);
    // the one triplet (hard) is wrong: beta is nearer reviewer than coder.
    EXPECT_EQ(r->n_hard, 1u);
    EXPECT_DOUBLE_EQ(r->hard_accuracy, 0.0);
    // --errors: the misrouted row with its decision.
    ASSERT_EQ(r->errors.size(), 1u);
    EXPECT_EQ(r->errors[0].first, 1u);
    EXPECT_EQ(r->errors[0].second.label, 1);
}

// ---- a crafted router file is refused on load, naming what is wrong ----

namespace {

ruvllm::Result<ruvllm::RouterModel> reload(const ruvllm::RouterModel& m,
                                           const std::function<void(ruvllm::gguf::File&)>& edit) {
    ruvllm::Result<ruvllm::gguf::File> f = m.to_gguf(ruvllm::TensorType::f32);
    EXPECT_TRUE(f);
    edit(*f);
    return ruvllm::RouterModel::from_gguf(*f, "crafted.gguf");
}

}  // namespace

TEST(RouterFile, CraftedValuesAreRefusedOnLoad) {
    using ruvllm::gguf::Array;
    const ruvllm::RouterModel m = planted(false);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    ASSERT_TRUE(reload(m, [](auto&) {}));
    const std::vector<std::pair<std::function<void(ruvllm::gguf::File&)>, std::string>> cases = {
        // A keyword label past the labels once aborted or corrupted the heap when it fired.
        {[](auto& f) {
             f.set("ruvllm.router.keywords.labels", Array::of(std::vector<uint32_t>{0xFFFFFFFFu}));
         },
         "gguf: ruvllm.router.keywords.labels[0] = 4294967295, expected a label index below 3"},
        {[](auto& f) {
             f.set("ruvllm.router.keywords.labels", Array::of(std::vector<uint32_t>{0x80000000u}));
         },
         "gguf: ruvllm.router.keywords.labels[0] = 2147483648, expected a label index below 3"},
        {[&](auto& f) {
             f.set("ruvllm.router.keywords.weights", Array::of(std::vector<float>{nan}));
         },
         "gguf: ruvllm.router.keywords rule 0 has a non-finite weight"},
        {[](auto& f) { f.set("ruvllm.router.tau", 0.0f); },
         "gguf: ruvllm.router.tau 0, expected a finite temperature in (0, 100]"},
        {[&](auto& f) { f.set("ruvllm.router.tau", nan); },
         "gguf: ruvllm.router.tau nan, expected"},
        {[](auto& f) { f.set("ruvllm.router.dim", uint32_t{0}); },
         "gguf: ruvllm.router.dim 0, expected 1-4096"},
        {[](auto& f) {
             f.set("ruvllm.router.labels",
                   Array::of(std::vector<std::string>{"coder", "coder", "tester"}));
         },
         "gguf: ruvllm.router.labels[1] repeats the label 'coder'"},
        {[](auto& f) {
             f.set("ruvllm.router.labels",
                   Array::of(std::vector<std::string>{"coder", "re\xff", "tester"}));
         },
         "gguf: ruvllm.router.labels[1] is not valid UTF-8 at byte 2"},
        {[](auto& f) {
             f.set("ruvllm.router.labels", Array::of(std::vector<std::string>{"coder"}));
         },
         "gguf: ruvllm.router.labels: 1 labels, expected 2 to 65536"},
    };
    for (const auto& [edit, want] : cases) {
        ruvllm::Result<ruvllm::RouterModel> r = reload(m, edit);
        ASSERT_FALSE(r) << want;
        EXPECT_EQ(r.error().code, ruvllm::Errc::format);
        EXPECT_EQ(r.error().message.rfind(want, 0), 0u) << r.error().message;
    }
    // A NaN or an infinity in any parameter tensor.
    for (int which = 0; which < 3; which++) {
        ruvllm::RouterModel bad = m;
        std::vector<float>& v = which == 0 ? bad.w : (which == 1 ? bad.b : bad.protos);
        v[v.size() / 2] = which == 1 ? std::numeric_limits<float>::infinity() : nan;
        ruvllm::Result<ruvllm::RouterModel> r = reload(bad, [](auto&) {});
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().message.find("expected finite numbers"), std::string::npos)
            << r.error().message;
        EXPECT_NE(r.error().message.find(which == 1 ? "an infinity" : "NaN"), std::string::npos);
    }
}

// A model whose numbers go non-finite (here a NaN temperature set in memory, which no file can
// carry) gives a numeric error, never a NaN answer.
TEST(Router, ANonFiniteScoreIsAnErrorNotANaNAnswer) {
    ruvllm::RouterModel m = planted(false);
    m.tau = std::numeric_limits<float>::quiet_NaN();
    ruvllm::Result<Decision> d = ruvllm::route_task(m, "alpha", RouteConfig{});
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, ruvllm::Errc::numeric);
    EXPECT_NE(d.error().message.find("non-finite score"), std::string::npos);
}
