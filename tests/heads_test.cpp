// heads_test.cpp: the complexity/tier/quality heads learn planted targets, round-trip through
// GGUF, and the tier bias moves decisions toward cheaper or stronger tiers.
#include <cmath>

#include <gtest/gtest.h>

#include <ruvllm/embed/subword.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/train.h>

#include "gradcheck.h"

namespace {

// Texts whose words plant the targets: "small" -> Simple/haiku, "medium" -> Moderate/sonnet,
// "huge" -> Complex/opus; quality 0.8 / 0.85 / 0.9. The labels alternate over the nouns.
ruvllm::LabeledSet planted() {
    ruvllm::LabeledSet s;
    s.labels = {"coder", "tester"};
    const char* sizes[] = {"small", "medium", "huge"};
    const char* nouns[] = {"api", "parser", "cache", "queue", "form", "job", "page", "table"};
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 8; i++) {
            ruvllm::LabeledExample ex;
            ex.text = std::string(sizes[k]) + " " + nouns[i];
            ex.label = i % 2;  // says nothing of the targets
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
    EXPECT_EQ(h->predict_tier(z.data(), "medium cache", "coder", 1), 1);
    EXPECT_EQ(h->predict_tier(z.data(), "medium cache", "coder", 1, -100.0f), 0);  // haiku
    EXPECT_EQ(h->predict_tier(z.data(), "medium cache", "coder", 1, 100.0f), 2);   // opus
    // The baseline answers the tier table, shifted by the bias the same way.
    h->tier_source = ruvllm::HeadSource::baseline;
    ruvllm::Category cat{};
    ASSERT_TRUE(ruvllm::label_category("coder", cat));
    for (int cx = 0; cx < 3; cx++) {
        const int table =
            static_cast<int>(ruvllm::tier_for(cat, static_cast<ruvllm::Complexity>(cx)));
        EXPECT_EQ(h->predict_tier(z.data(), "medium cache", "coder", cx), table);
        EXPECT_EQ(h->predict_tier(z.data(), "medium cache", "coder", cx, -100.0f), 0);
        EXPECT_EQ(h->predict_tier(z.data(), "medium cache", "coder", cx, 100.0f), 2);
    }
    // A label without a seed category has no table: the z head answers.
    EXPECT_EQ(h->predict_tier(z.data(), "medium cache", "wizard", 1), 1);
}

TEST(Heads, MarginalTierSumsTheComplexityProbabilitiesOverTheTable) {
    // A one-dimensional z = (1) and a z complexity head whose logits are log(0.4, 0.3, 0.3): its
    // probabilities are those, its argmax Simple.
    ruvllm::Heads h;
    h.E = 1;
    h.complexity = {std::log(0.4f), std::log(0.3f), std::log(0.3f)};
    h.tier = {0.0f, 0.0f, 5.0f};  // the z tier head: always opus
    h.quality = {0.0f};
    h.complexity_source = ruvllm::HeadSource::z;
    const float z[1] = {1.0f};
    float p[3];
    h.complexity_probs(z, "task", p);
    EXPECT_NEAR(p[0], 0.4f, 1e-6f);
    EXPECT_NEAR(p[1], 0.3f, 1e-6f);
    EXPECT_NEAR(p[2], 0.3f, 1e-6f);
    const int cx = h.predict_complexity(z, "task");
    ASSERT_EQ(cx, 0);
    EXPECT_EQ(h.complexity_probs(z, "task", p), cx);  // both from one call
    // researcher: Simple -> haiku (0.4), Moderate and Complex -> sonnet (0.3 + 0.3). The table on
    // the argmax says haiku; the sum says sonnet.
    h.tier_source = ruvllm::HeadSource::baseline;
    EXPECT_EQ(h.predict_tier(z, "task", "researcher", cx), 0);
    h.tier_source = ruvllm::HeadSource::marginal;
    EXPECT_EQ(h.predict_tier(z, "task", "researcher", cx), 1);
    // coder maps each complexity to its own tier: the sum is the argmax's table entry.
    EXPECT_EQ(h.predict_tier(z, "task", "coder", cx), 0);
    // architecture: Simple -> sonnet (0.4), Moderate and Complex -> opus (0.6).
    EXPECT_EQ(h.predict_tier(z, "task", "architect", cx), 2);
    // security is opus at every complexity.
    EXPECT_EQ(h.predict_tier(z, "task", "security-architect", cx), 2);
    // The bias shifts it like the others: logit_k = log(P_k + 1e-6) + bias * (k - 1). researcher:
    // haiku log 0.4, sonnet log 0.6, opus log 1e-6: a bias of -1 gives haiku (-0.92 + 1 > -0.51),
    // -0.3 keeps sonnet (-0.92 + 0.3 < -0.51), +100 reaches opus, which the table never gives it.
    EXPECT_EQ(h.predict_tier(z, "task", "researcher", cx, -1.0f), 0);
    EXPECT_EQ(h.predict_tier(z, "task", "researcher", cx, -0.3f), 1);
    EXPECT_EQ(h.predict_tier(z, "task", "researcher", cx, 100.0f), 2);
    // A label without a seed category has no table: the z tier head answers.
    EXPECT_EQ(h.predict_tier(z, "task", "wizard", cx), 2);
    // Probabilities the caller already has are read instead of computed: coder's sum over
    // (0.1, 0.1, 0.8) is opus where the head's own (0.4, 0.3, 0.3) gives haiku.
    const float given[3] = {0.1f, 0.1f, 0.8f};
    EXPECT_EQ(h.predict_tier(z, "task", "coder", cx, 0.0f, given), 2);
    float pg[3];
    h.tier_probs(z, "task", "coder", cx, pg, given);
    EXPECT_EQ(pg[2], 0.8f);
    // The distributions behind those answers (tier_probs), by hand: the sums, and the z head's
    // softmax(0, 0, 5) for the label without a category.
    h.tier_probs(z, "task", "researcher", cx, p);
    EXPECT_NEAR(p[0], 0.4f, 1e-6f);
    EXPECT_NEAR(p[1], 0.6f, 1e-6f);
    EXPECT_EQ(p[2], 0.0f);
    h.tier_probs(z, "task", "architect", cx, p);
    EXPECT_EQ(p[0], 0.0f);
    EXPECT_NEAR(p[1], 0.4f, 1e-6f);
    EXPECT_NEAR(p[2], 0.6f, 1e-6f);
    h.tier_probs(z, "task", "wizard", cx, p);
    const float e5 = std::exp(5.0f);
    EXPECT_NEAR(p[0], 1.0f / (2.0f + e5), 1e-6f);
    EXPECT_NEAR(p[2], e5 / (2.0f + e5), 1e-6f);
    // The table on the argmax: one-hot on its tier.
    h.tier_source = ruvllm::HeadSource::baseline;
    h.tier_probs(z, "task", "researcher", cx, p);
    EXPECT_EQ(p[0], 1.0f);
    EXPECT_EQ(p[1], 0.0f);
    EXPECT_EQ(p[2], 0.0f);
    h.tier_source = ruvllm::HeadSource::marginal;
    // The baseline complexity is one-hot on the prior: the sum is then the table itself.
    h.complexity_source = ruvllm::HeadSource::baseline;
    h.complexity_prior = 2;
    h.complexity_probs(z, "task", p);
    EXPECT_EQ(p[0], 0.0f);
    EXPECT_EQ(p[1], 0.0f);
    EXPECT_EQ(p[2], 1.0f);
    EXPECT_EQ(h.predict_tier(z, "task", "coder", 2), 2);
    EXPECT_EQ(h.predict_tier(z, "task", "researcher", 2), 1);
}

TEST(Heads, NgramHeadsLearnPlantedTargets) {
    const ruvllm::RouterModel m = model();
    const ruvllm::LabeledSet data = planted();
    ruvllm::SparseConfig sc;
    sc.bits = 12;
    sc.epochs = 30;
    sc.lr = 1.0f;
    ruvllm::Result<ruvllm::Heads> h = ruvllm::train_heads(m, data, 10, 0.05f, &sc);
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_FALSE(h->complexity_ngrams.empty());
    ASSERT_FALSE(h->tier_ngrams.empty());
    h->complexity_source = ruvllm::HeadSource::ngrams;
    h->tier_source = ruvllm::HeadSource::ngrams;
    const ruvllm::HeadReport r = ruvllm::evaluate_heads(m, *h, data);
    EXPECT_EQ(r.complexity_accuracy, 1.0);
    EXPECT_EQ(r.tier_accuracy, 1.0);
    // Balanced classes: the prior (ties to the lower index, Simple) is right a third of the time.
    EXPECT_EQ(h->complexity_prior, 0);
    EXPECT_NEAR(r.complexity_prior_accuracy, 1.0 / 3.0, 1e-12);
}

TEST(Heads, SelectionNeverKeepsAHeadBelowItsBaseline) {
    const ruvllm::RouterModel m = model();
    ruvllm::SparseConfig sc;
    sc.bits = 12;
    sc.epochs = 30;
    sc.lr = 1.0f;
    ruvllm::Result<ruvllm::Heads> h = ruvllm::train_heads(m, planted(), 300, 0.05f, &sc);
    ASSERT_TRUE(h);
    // Validation on the planted rows themselves: every learned source is right; ties go to the
    // baseline only when it is right too, which the balanced prior is not.
    nlohmann::ordered_json j = ruvllm::select_heads(m, *h, planted());
    EXPECT_NE(h->complexity_source, ruvllm::HeadSource::baseline) << j.dump();
    EXPECT_EQ(j["complexity"]["ngrams"], 1.0);
    // Every tier source is a candidate, scored as evaluate_heads scores it; marginal is not a
    // complexity source.
    EXPECT_FALSE(j["complexity"].contains("marginal")) << j.dump();
    for (const ruvllm::HeadSource s : {ruvllm::HeadSource::z,
                                       ruvllm::HeadSource::ngrams,
                                       ruvllm::HeadSource::baseline,
                                       ruvllm::HeadSource::marginal}) {
        ruvllm::Heads hs = *h;
        hs.tier_source = s;
        EXPECT_EQ(j["tier"][ruvllm::head_source_name(s)].get<double>(),
                  ruvllm::evaluate_heads(m, hs, planted()).tier_accuracy)
            << ruvllm::head_source_name(s);
    }
    // A validation set whose complexity is always the prior and whose tier is always the
    // table's: the baselines win (ties go to them), whatever the heads learned.
    ruvllm::LabeledSet val = planted();
    std::vector<float> z(16);
    for (ruvllm::LabeledExample& ex : val.rows) {
        ex.complexity = h->complexity_prior;
        ruvllm::Category cat{};
        const std::string& label = m.labels[static_cast<size_t>(m.predict(ex.text))];
        ASSERT_TRUE(ruvllm::label_category(label, cat));
        ex.tier = static_cast<int32_t>(
            ruvllm::tier_for(cat, static_cast<ruvllm::Complexity>(h->complexity_prior)));
    }
    j = ruvllm::select_heads(m, *h, val);
    EXPECT_EQ(h->complexity_source, ruvllm::HeadSource::baseline) << j.dump();
    EXPECT_EQ(h->tier_source, ruvllm::HeadSource::baseline) << j.dump();
    EXPECT_EQ(j["complexity"]["baseline"], 1.0);
    EXPECT_EQ(j["tier"]["baseline"], 1.0);
    const ruvllm::HeadReport r = ruvllm::evaluate_heads(m, *h, val);
    EXPECT_EQ(r.complexity_accuracy, 1.0);
    EXPECT_EQ(r.tier_accuracy, 1.0);
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
    EXPECT_EQ(back->complexity_source, ruvllm::HeadSource::z);  // as trained
    // Sources and n-gram heads round-trip; a bad source or a missing n-gram head is refused.
    ruvllm::SparseConfig sc;
    sc.bits = 10;
    sc.epochs = 3;
    ruvllm::Result<ruvllm::Heads> hn = ruvllm::train_heads(m, planted(), 5, 0.05f, &sc);
    ASSERT_TRUE(hn);
    hn->tier_source = ruvllm::HeadSource::ngrams;
    hn->complexity_source = ruvllm::HeadSource::baseline;
    ruvllm::gguf::File fn;
    ASSERT_TRUE(hn->write_to(fn));
    ruvllm::Result<ruvllm::Heads> bn = ruvllm::Heads::from_gguf(fn, 16);
    ASSERT_TRUE(bn) << bn.error().message;
    EXPECT_EQ(bn->tier_source, ruvllm::HeadSource::ngrams);
    EXPECT_EQ(bn->complexity_source, ruvllm::HeadSource::baseline);
    EXPECT_EQ(bn->complexity_prior, hn->complexity_prior);
    EXPECT_EQ(bn->tier_ngrams.buckets(), hn->tier_ngrams.buckets());
    ruvllm::gguf::File bad = fn;
    bad.set("ruvllm.router.head.tier_source", std::string("oracle"));
    EXPECT_EQ(ruvllm::Heads::from_gguf(bad, 16).error().code, ruvllm::Errc::format);
    // marginal is a tier source only.
    hn->tier_source = ruvllm::HeadSource::marginal;
    ruvllm::gguf::File fm;
    ASSERT_TRUE(hn->write_to(fm));
    ruvllm::Result<ruvllm::Heads> bm = ruvllm::Heads::from_gguf(fm, 16);
    ASSERT_TRUE(bm) << bm.error().message;
    EXPECT_EQ(bm->tier_source, ruvllm::HeadSource::marginal);
    fm.set("ruvllm.router.head.complexity_source", std::string("marginal"));
    EXPECT_EQ(ruvllm::Heads::from_gguf(fm, 16).error().code, ruvllm::Errc::format);
    f.set("ruvllm.router.head.tier_source", std::string("ngrams"));  // none stored in f
    EXPECT_EQ(ruvllm::Heads::from_gguf(f, 16).error().code, ruvllm::Errc::format);
    f.set("ruvllm.router.head.tier_source", std::string("z"));
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
