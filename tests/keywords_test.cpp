// keywords_test.cpp: the keyword stage: word-boundary phrase matching, the margin rule
// (decide or defer), pruning by precision and support computed by hand, and its GGUF keys.
#include <gtest/gtest.h>

#include <ruvllm/router/keywords.h>
#include <ruvllm/train/train.h>

namespace {

// labels: 0 tester, 1 devops, 2 documenter
ruvllm::KeywordStage stage() {
    return ruvllm::KeywordStage({{"unit test", 0, 2.0f, 1.0f, 0},
                                 {"coverage", 0, 1.0f, 0.9f, 0},
                                 {"helm", 1, 2.0f, 1.0f, 0},
                                 {"readme", 2, 1.5f, 0.95f, 0}},
                                3,
                                ruvllm::KeywordConfig{1.0f, 1.0f, 0.9f, 3});
}

}  // namespace

TEST(Keywords, DecidesOnAClearWinnerAndDefersOtherwise) {
    const ruvllm::KeywordStage k = stage();

    const struct {
        const char* text;
        int32_t label;
    } cases[] = {
        {"Write a unit test for the parser", 0},    // 2.0 vs 0
        {"Raise coverage and add a unit test", 0},  // 3.0
        {"Fix the Helm chart", 1},
        {"unit tests for the helm chart", 1},  // "unit tests" is not "unit test"
        {"unit test the helm chart", -1},      // 2.0 vs 2.0: tie, defer
        {"coverage of the readme", -1},        // 1.5 vs 1.0: margin 0.5 < 1, defer
        {"nothing to see here", -1},           // no rule: defer
        {"helmet", -1},                        // no partial-word match
    };

    for (const auto& c : cases) {
        EXPECT_EQ(k.decide(c.text).label, c.label) << c.text;
    }
    const ruvllm::KeywordDecision d = k.decide("Raise coverage and add a unit test");
    EXPECT_FLOAT_EQ(d.score, 3.0f);
    EXPECT_EQ(d.matched.size(), 2u);
}

TEST(Keywords, PruningKeepsPreciseRulesWithSupport) {
    ruvllm::LabeledSet data;
    data.labels = {"tester", "devops"};
    // "test" appears 4 times: 3 tester, 1 devops -> precision 0.75.
    // "helm" appears 3 times, all devops -> precision 1.0, support 3.
    // "pod" appears twice -> support 2 < 3.
    const char* rows[][2] = {{"add a test", "tester"},
                             {"test the api", "tester"},
                             {"flaky test", "tester"},
                             {"test the helm chart", "devops"},
                             {"helm upgrade", "devops"},
                             {"helm values", "devops"},
                             {"pod restarts", "devops"},
                             {"pod logs", "devops"}};
    for (const auto& r : rows) {
        data.rows.push_back({r[0], r[1][0] == 't' ? 0 : 1, -1, false, ""});
    }
    const std::vector<ruvllm::KeywordRule> candidates = {
        {"test", 0, 1, 0, 0}, {"helm", 1, 1, 0, 0}, {"pod", 1, 1, 0, 0}};
    ruvllm::KeywordConfig cfg;
    cfg.min_precision = 0.9f;
    cfg.min_support = 3;
    const std::vector<ruvllm::KeywordRule> kept = ruvllm::prune_rules(candidates, data, cfg);
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0].phrase, "helm");
    EXPECT_FLOAT_EQ(kept[0].precision, 1.0f);
    EXPECT_EQ(kept[0].support, 3u);
    cfg.min_precision = 0.7f;
    EXPECT_EQ(ruvllm::prune_rules(candidates, data, cfg).size(), 2u);  // + "test" at 0.75
}

TEST(Keywords, HeldOutPruningDropsRulesThatFailOnNewTemplates) {
    ruvllm::LabeledSet held;
    held.labels = {"tester", "devops"};
    // On held-out data: "helm" 3 texts, 2 devops -> 0.67 < 0.9: dropped; "test" 3 texts, all
    // tester: kept; "pod" only twice (support 2 < 3): kept on its training figures.
    const char* rows[][2] = {{"helm test", "tester"},
                             {"helm chart", "devops"},
                             {"helm diff", "devops"},
                             {"test it", "tester"},
                             {"more test", "tester"},
                             {"pod one", "tester"},
                             {"pod two", "tester"}};
    for (const auto& r : rows) {
        held.rows.push_back({r[0], r[1][0] == 't' ? 0 : 1, -1, false, ""});
    }
    const std::vector<ruvllm::KeywordRule> rules = {
        {"test", 0, 1, 1.0f, 5}, {"helm", 1, 1, 1.0f, 5}, {"pod", 1, 1, 0.95f, 4}};
    ruvllm::KeywordConfig cfg;
    cfg.min_precision = 0.9f;
    cfg.min_support = 3;
    const std::vector<ruvllm::KeywordRule> kept = ruvllm::prune_rules_held_out(rules, held, cfg);
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(kept[0].phrase, "test");
    EXPECT_EQ(kept[1].phrase, "pod");
    EXPECT_FLOAT_EQ(kept[1].precision, 0.95f);  // the training figures are kept
    cfg.min_precision = 0.6f;                   // "helm" at 0.67 passes
    EXPECT_EQ(ruvllm::prune_rules_held_out(rules, held, cfg).size(), 3u);
}

TEST(Keywords, LibraryRulesMapAgentsOntoLabelSets) {
    ruvllm::Library lib;
    ruvllm::Agent tester;
    tester.name = "tester";
    tester.category = ruvllm::Category::reviewer;
    tester.keywords = {{"Unit Test", 2.0f}, {"coverage", 1.0f}};
    lib.agents.push_back(tester);
    const std::vector<ruvllm::KeywordRule> by_agent = ruvllm::library_rules(lib, {"x", "tester"});
    ASSERT_EQ(by_agent.size(), 2u);
    EXPECT_EQ(by_agent[1].phrase, "unit test");  // normalised like task text
    EXPECT_EQ(by_agent[1].label, 1);
    const std::vector<ruvllm::KeywordRule> by_category =
        ruvllm::library_rules(lib, {"coder", "reviewer"});
    ASSERT_EQ(by_category.size(), 2u);
    EXPECT_EQ(by_category[0].label, 1);
    EXPECT_TRUE(ruvllm::library_rules(lib, {"coder"}).empty());
}

TEST(Keywords, GgufRoundTrip) {
    ruvllm::gguf::File f;
    stage().write_to(f);
    ruvllm::Result<ruvllm::KeywordStage> back = ruvllm::KeywordStage::from_gguf(f, 3);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->rules().size(), 4u);
    EXPECT_EQ(back->rules()[3].phrase, "readme");
    EXPECT_FLOAT_EQ(back->rules()[3].precision, 0.95f);
    EXPECT_EQ(back->decide("Update the README").label, 2);
    EXPECT_EQ(ruvllm::KeywordStage::from_gguf(f, 2).error().code, ruvllm::Errc::format);
    ruvllm::gguf::File none;
    ASSERT_TRUE(ruvllm::KeywordStage::from_gguf(none, 3));
    EXPECT_TRUE(ruvllm::KeywordStage::from_gguf(none, 3)->empty());
}
