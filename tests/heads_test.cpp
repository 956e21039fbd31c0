// heads_test.cpp: the complexity/tier/quality heads learn planted targets, round-trip through
// GGUF, and the tier bias moves decisions toward cheaper or stronger tiers.
#include <gtest/gtest.h>

#include <ruvllm/embed/subword.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/train.h>

#include "gradcheck.h"

namespace {

// Texts whose words plant the targets: "small" -> Simple/haiku, "medium" -> Moderate/sonnet,
// "huge" -> Complex/opus; quality 0.8 / 0.85 / 0.9.
ruvllm::LabeledSet planted() {
    ruvllm::LabeledSet s;
    s.labels = {"coder", "tester"};
    const char* sizes[] = {"small", "medium", "huge"};
    const char* nouns[] = {"api", "parser", "cache", "queue", "form", "job", "page", "table"};
    for (int k = 0; k < 3; k++) {
        for (const char* n : nouns) {
            ruvllm::LabeledExample ex;
            ex.text = std::string(sizes[k]) + " " + n;
            ex.label = k % 2;
            ex.complexity = k;
            ex.tier = k;
            ex.quality = 0.8f + 0.05f * static_cast<float>(k);
            s.rows.push_back(ex);
        }
    }
    return s;
}

ruvllm::RouterModel model() {
    ruvllm::Rng rng(2);
    auto base = std::make_shared<const ruvllm::SubwordBase>(
        ruvllm::SubwordConfig{16, 3, 4, 3000},
        std::vector<std::string>{"small", "medium", "huge"},
        ruvllm::test::random_vec(rng, (3 + 3000) * 16));
    return ruvllm::RouterModel::init(base, {"coder", "tester"}, 16, rng);
}

}  // namespace

TEST(Heads, LearnPlantedTargets) {
    const ruvllm::RouterModel m = model();
    const ruvllm::LabeledSet data = planted();
    ruvllm::Result<ruvllm::Heads> h = ruvllm::train_heads(m, data, 300, 0.05f);
    ASSERT_TRUE(h) << h.error().message;
    const ruvllm::HeadReport r = ruvllm::evaluate_heads(m, *h, data);
    EXPECT_EQ(r.n_tier, 24u);
    EXPECT_GE(r.complexity_accuracy, 0.95);
    EXPECT_GE(r.tier_accuracy, 0.95);
    EXPECT_LT(r.quality_mae, 0.02);
}

TEST(Heads, TierBiasShiftsTowardCheaperOrStrongerTiers) {
    const ruvllm::RouterModel m = model();
    ruvllm::Result<ruvllm::Heads> h = ruvllm::train_heads(m, planted(), 300, 0.05f);
    ASSERT_TRUE(h);
    std::vector<float> z(16);
    m.embed("medium cache", z.data());
    EXPECT_EQ(h->predict_tier(z.data()), 1);
    EXPECT_EQ(h->predict_tier(z.data(), -100.0f), 0);  // haiku
    EXPECT_EQ(h->predict_tier(z.data(), 100.0f), 2);   // opus
}

TEST(Heads, GgufRoundTripAndNoTargetsIsAnError) {
    const ruvllm::RouterModel m = model();
    ruvllm::Result<ruvllm::Heads> h = ruvllm::train_heads(m, planted(), 50, 0.05f);
    ASSERT_TRUE(h);
    ruvllm::gguf::File f;
    ASSERT_TRUE(h->write_to(f));
    ruvllm::Result<ruvllm::Heads> back = ruvllm::Heads::from_gguf(f, 16);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->tier, h->tier);
    EXPECT_EQ(back->quality_bias, h->quality_bias);
    EXPECT_EQ(ruvllm::Heads::from_gguf(f, 8).error().code, ruvllm::Errc::format);
    ruvllm::LabeledSet none = planted();
    for (ruvllm::LabeledExample& ex : none.rows) {
        ex.complexity = ex.tier = -1;
    }
    EXPECT_EQ(ruvllm::train_heads(m, none, 10, 0.05f).error().code, ruvllm::Errc::invalid_argument);
    ruvllm::Category c{};
    EXPECT_TRUE(ruvllm::label_category("api-docs", c));
    EXPECT_EQ(c, ruvllm::Category::researcher);
    EXPECT_TRUE(ruvllm::label_category("architecture", c));
    EXPECT_FALSE(ruvllm::label_category("wizard", c));
}
