// grpo_test.cpp: GRPO (grpo.h): advantage arithmetic by hand, the labels judge's rewards, the
// group loss gradient against finite differences (clipped and unclipped samples, KL term),
// zero-variance groups give no update, the labels judge repairs a deliberately weakened router
// on a toy set, and a harmful round is rolled back.
#include <atomic>
#include <cmath>
#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/embed/subword.h>
#include <ruvllm/llm/llm.h>
#include <ruvllm/router/sparse.h>
#include <ruvllm/train/grpo.h>

#include "gradcheck.h"
#include "testutil.h"
#include <httplib.h>

namespace {

using ruvllm::GrpoCandidate;
using ruvllm::GrpoConfig;
using ruvllm::GrpoSample;

// Toy set: each label owns two words; texts are one or two of its words. Labels are agents of
// three seed categories (coder and refactorer share "Coder").
ruvllm::LabeledSet toy(int copies) {
    ruvllm::LabeledSet s;
    s.labels = {"coder", "refactorer", "tester", "security-architect"};
    const char* words[4][3] = {{"implement", "build", "endpoint"},
                               {"restructure", "cleanup", "module"},
                               {"pytest", "coverage", "assertions"},
                               {"vulnerability", "xss", "secrets"}};
    for (int c = 0; c < copies; c++) {
        for (int a = 0; a < 4; a++) {
            for (int w = 0; w < 3; w++) {
                ruvllm::LabeledExample ex;
                ex.text = std::string(words[a][w]) + " " + words[a][(w + c + 1) % 3];
                ex.label = a;
                ex.tier = a == 3 ? 2 : 1;  // security: opus; others: sonnet
                s.rows.push_back(ex);
            }
        }
    }
    return s;
}

ruvllm::RouterModel toy_model(uint64_t seed) {
    ruvllm::Rng rng(seed);
    const ruvllm::LabeledSet t = toy(1);
    std::vector<std::string> vocab;
    for (const auto& ex : t.rows) {
        for (size_t at = 0, sp; at < ex.text.size(); at = sp + 1) {
            sp = ex.text.find(' ', at);
            sp = sp == std::string::npos ? ex.text.size() : sp;
            vocab.push_back(ex.text.substr(at, sp - at));
        }
    }
    std::sort(vocab.begin(), vocab.end());
    vocab.erase(std::unique(vocab.begin(), vocab.end()), vocab.end());
    auto base = std::make_shared<const ruvllm::SubwordBase>(
        ruvllm::SubwordConfig{16, 3, 4, 500},
        vocab,
        ruvllm::test::random_vec(rng, (vocab.size() + 500) * 16));
    ruvllm::RouterModel m = ruvllm::RouterModel::init(base, t.labels, 16, rng);
    m.tau = 0.1f;
    m.heads.E = 16;
    m.heads.complexity.assign(48, 0.0f);
    m.heads.tier = ruvllm::test::random_vec(rng, 48, 0.1f);
    m.heads.quality.assign(16, 0.0f);
    return m;
}

// The round settings the toy tests train with: a learning rate that moves a toy router in a few
// rounds, minibatches of 8 groups.
GrpoConfig toy_config() {
    GrpoConfig cfg;
    cfg.lr = 0.05f;
    cfg.batch = 8;
    return cfg;
}

// toy_model(9) with a sparse stage trained on toy(3), blended at alpha and temperature.
ruvllm::RouterModel toy_blend_model(float alpha, float temperature) {
    ruvllm::RouterModel m = toy_model(9);
    ruvllm::SparseConfig sc;
    sc.bits = 12;
    sc.epochs = 20;
    ruvllm::Result<ruvllm::SparseModel> sp = ruvllm::train_sparse(toy(3), sc, ruvllm::Log{});
    EXPECT_TRUE(sp) << sp.error().message;
    if (sp) {
        m.sparse = std::move(*sp);
        m.sparse.set_alpha(alpha);
        m.sparse.set_temperature(temperature);
    }
    return m;
}

}  // namespace

TEST(Grpo, AdvantagesByHand) {
    // rewards 1, 0, 0, 1: mean 0.5, population std 0.5 -> +1, -1, -1, +1 (eps aside).
    const std::vector<float> a = ruvllm::grpo_advantages({1, 0, 0, 1}, true, 0.0f);
    EXPECT_EQ(a, (std::vector<float>{1, -1, -1, 1}));
    // rewards 2, 0, 1: mean 1, std sqrt(2/3).
    const std::vector<float> b = ruvllm::grpo_advantages({2, 0, 1}, true, 0.0f);
    EXPECT_NEAR(b[0], 1.0 / std::sqrt(2.0 / 3.0), 1e-6);
    EXPECT_NEAR(b[1], -1.0 / std::sqrt(2.0 / 3.0), 1e-6);
    EXPECT_FLOAT_EQ(b[2], 0.0f);
    // without std scaling: r - mean.
    EXPECT_EQ(ruvllm::grpo_advantages({2, 0, 1}, false, 0.0f), (std::vector<float>{1, -1, 0}));
    // zero variance: all zero.
    EXPECT_EQ(ruvllm::grpo_advantages({0.7f, 0.7f, 0.7f}, true, 1e-6f),
              (std::vector<float>{0, 0, 0}));
}

TEST(Grpo, LabelsJudgeRewards) {
    const std::vector<std::string> labels = {"coder", "refactorer", "tester"};
    const ruvllm::GrpoJudge judge = ruvllm::labels_judge(labels);
    ruvllm::LabeledExample ex;
    ex.label = 0;  // coder
    ex.tier = 1;   // sonnet
    auto r = judge(ex, {{0, -1}, {1, -1}, {2, -1}, {0, 1}, {0, 0}, {0, 2}, {2, 2}});
    ASSERT_TRUE(r);
    // right agent 1; same category (Coder) 0.5; other 0. Tier (weight 0.5): expected 1,
    // one below 1 - 0.5 = 0.5, one above 1 - 0.5 * 0.5 = 0.75.
    const std::vector<float> expected = {1.0f, 0.5f, 0.0f, 1.5f, 1.25f, 1.375f, 0.375f};
    ASSERT_EQ(r->size(), expected.size());
    for (size_t i = 0; i < expected.size(); i++) {
        EXPECT_FLOAT_EQ((*r)[i], expected[i]) << i;
    }
}

TEST(Grpo, GroupLossGradientMatchesFiniteDifferences) {
    // Both policies (grpo.h): the embedding stage's (alpha 1, no offset) and a sparse stage's
    // blend (alpha 0.6 and the task's offset).
    for (const bool blend : {false, true}) {
        SCOPED_TRACE(blend ? "blend policy" : "embedding policy");
        ruvllm::Rng rng(3);
        ruvllm::GrpoParams p;
        p.A = 5;
        p.E = 6;
        p.tau = 0.5f;
        p.alpha = blend ? 0.6f : 1.0f;
        p.protos = ruvllm::test::random_vec(rng, 30);
        p.tier = ruvllm::test::random_vec(rng, 18);
        const std::vector<float> z = ruvllm::test::random_unit_rows(rng, 1, 6);
        const std::vector<float> offset_values = ruvllm::test::random_vec(rng, 5, 2.0f);
        const float* offset = blend ? offset_values.data() : nullptr;
        // The reference is a perturbed copy, so rho != 1 and the KL term is not at its minimum;
        // one sample is far outside the clip range (inactive), the others inside.
        ruvllm::GrpoParams ref = p;
        for (float& v : ref.protos) {
            v += 0.3f * (2 * rng.uniform_f32() - 1);
        }
        for (float& v : ref.tier) {
            v += 0.3f * (2 * rng.uniform_f32() - 1);
        }
        std::vector<float> ra(5), rt(3), la(5), lt(3);
        ruvllm::grpo_log_policy(ref, z.data(), ra.data(), rt.data(), offset);
        ruvllm::grpo_log_policy(p, z.data(), la.data(), lt.data(), offset);
        GrpoConfig cfg;
        cfg.clip = 0.2f;
        cfg.kl = 0.3f;
        std::vector<GrpoSample> samples;
        const GrpoCandidate os[] = {{0, 1}, {2, 0}, {4, 2}, {1, 1}};
        const float adv[] = {1.2f, -0.7f, 0.4f, -0.9f};
        for (int i = 0; i < 4; i++) {
            GrpoSample s;
            s.o = os[i];
            s.advantage = adv[i];
            // logp_ref chosen so rho is 1.05 (inside the clip range), except sample 2: rho = 3.
            const double lp =
                la[static_cast<size_t>(os[i].agent)] + lt[static_cast<size_t>(os[i].tier)];
            s.logp_ref = static_cast<float>(lp - std::log(i == 2 ? 3.0 : 1.05));
            samples.push_back(s);
        }
        std::vector<float> dp(30, 0.0f), dt(18, 0.0f);
        const double returned = ruvllm::grpo_group_backward(
            p, z.data(), ra.data(), rt.data(), samples, cfg, 1.0f, dp.data(), dt.data(), offset);
        auto loss = [&] {
            return ruvllm::grpo_group_loss(p, z.data(), ra.data(), rt.data(), samples, cfg, offset);
        };
        EXPECT_DOUBLE_EQ(returned, loss());  // backward returns the loss of its forward pass
        EXPECT_LT(ruvllm::test::max_rel_error(p.protos, dp, loss), 1e-2);
        EXPECT_LT(ruvllm::test::max_rel_error(p.tier, dt, loss), 1e-2);
        // The clipped sample contributes nothing: removing its advantage changes no gradient.
        std::vector<GrpoSample> without = samples;
        without[2].advantage = 0.0f;
        std::vector<float> dp2(30, 0.0f), dt2(18, 0.0f);
        ruvllm::grpo_group_backward(
            p, z.data(), ra.data(), rt.data(), without, cfg, 1.0f, dp2.data(), dt2.data(), offset);
        for (size_t i = 0; i < dp.size(); i++) {
            EXPECT_FLOAT_EQ(dp[i], dp2[i]);
        }
    }
}

TEST(Grpo, ThePolicyIsTheBlendRouteAnswersFrom) {
    // A toy router with a sparse stage at alpha 0.6, T 0.5: the policy's agent distribution
    // (built by grpo_round from grpo_params and the sparse logits) equals blend_probs, the
    // router's own blend (sparse.h).
    const ruvllm::LabeledSet train = toy(3);
    const ruvllm::RouterModel m = toy_blend_model(0.6f, 0.5f);
    ASSERT_FALSE(m.sparse.empty());
    const ruvllm::GrpoParams p = ruvllm::grpo_params(m);
    EXPECT_EQ(p.alpha, 0.6f);
    const int A = m.A();
    std::vector<float> z(static_cast<size_t>(m.E)), cos(A), q(A), blend(A), offset(A), la(A);
    for (const ruvllm::LabeledExample& ex : train.rows) {
        m.embed(ex.text, z.data());
        m.scores_from_z(z.data(), cos.data());
        m.sparse.logits(ex.text, q.data());
        ruvllm::blend_probs(cos.data(), m.tau, q.data(), 0.6f, A, blend.data(), 0.5f);
        // offset = (1 - alpha) log softmax(q / T)
        double mx = -1e30, sum = 0;
        for (int a = 0; a < A; a++) {
            mx = std::max(mx, static_cast<double>(q[a]) / 0.5);
        }
        for (int a = 0; a < A; a++) {
            sum += std::exp(q[a] / 0.5 - mx);
        }
        for (int a = 0; a < A; a++) {
            offset[a] = static_cast<float>(0.4 * (q[a] / 0.5 - mx - std::log(sum)));
        }
        ruvllm::grpo_log_policy(p, z.data(), la.data(), nullptr, offset.data());
        for (int a = 0; a < A; a++) {
            EXPECT_NEAR(std::exp(la[a]), blend[a], 1e-5) << ex.text << " label " << a;
        }
    }
}

TEST(Grpo, ZeroVarianceGroupsGiveNoUpdate) {
    ruvllm::RouterModel m = toy_model(5);
    const ruvllm::LabeledSet data = toy(2);
    const std::vector<float> protos = m.protos, tier = m.heads.tier;
    // A judge that gives every candidate the same reward.
    const ruvllm::GrpoJudge flat =
        [](const ruvllm::LabeledExample&,
           const std::vector<GrpoCandidate>& c) -> ruvllm::Result<std::vector<float>> {
        return std::vector<float>(c.size(), 0.5f);
    };
    ruvllm::Result<ruvllm::GrpoRoundReport> r =
        ruvllm::grpo_round(m, data, data, flat, ruvllm::labels_judge(m.labels), {}, 1);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->groups_zero_variance, r->tasks);
    EXPECT_DOUBLE_EQ(r->zero_variance_share, 1.0);
    EXPECT_EQ(m.protos, protos);
    EXPECT_EQ(m.heads.tier, tier);
    EXPECT_DOUBLE_EQ(r->val_after, r->val_before);
}

TEST(Grpo, LabelsJudgeImprovesAWeakenedRouter) {
    // Untrained prototypes (random): the router is weak. Rounds of GRPO with the labels judge
    // must raise held-out reward and accuracy.
    ruvllm::RouterModel m = toy_model(9);
    const ruvllm::LabeledSet train = toy(3), val = toy(1);
    const ruvllm::GrpoJudge judge = ruvllm::labels_judge(m.labels);
    const GrpoConfig cfg = toy_config();
    ruvllm::Result<std::pair<double, double>> start = ruvllm::grpo_validate(m, val, judge);
    ASSERT_TRUE(start);
    double last = start->first;
    for (int round = 1; round <= 5; round++) {
        ruvllm::Result<ruvllm::GrpoRoundReport> r =
            ruvllm::grpo_round(m, train, val, judge, judge, cfg, round);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_GE(r->val_after, r->kept ? r->val_before : 0.0);
        last = r->kept ? r->val_after : r->val_before;
    }
    ruvllm::Result<std::pair<double, double>> end = ruvllm::grpo_validate(m, val, judge);
    ASSERT_TRUE(end);
    EXPECT_DOUBLE_EQ(end->first, last);
    EXPECT_GT(end->first, start->first + 0.2) << "reward " << start->first << " -> " << end->first;
    EXPECT_GT(end->second, start->second) << "accuracy " << start->second << " -> " << end->second;
    EXPECT_GE(end->second, 0.75);
}

TEST(Grpo, HarmfulRoundIsRolledBack) {
    ruvllm::RouterModel m = toy_model(9);
    const ruvllm::LabeledSet train = toy(3), val = toy(1);
    const ruvllm::GrpoJudge judge = ruvllm::labels_judge(m.labels);
    const GrpoConfig cfg = toy_config();
    // First make it good, then run a round whose judge rewards the WRONG agents.
    for (int round = 1; round <= 3; round++) {
        ASSERT_TRUE(ruvllm::grpo_round(m, train, val, judge, judge, cfg, round));
    }
    const std::vector<float> protos = m.protos, tier = m.heads.tier;
    const ruvllm::GrpoJudge inverted =
        [&](const ruvllm::LabeledExample& ex,
            const std::vector<GrpoCandidate>& c) -> ruvllm::Result<std::vector<float>> {
        ruvllm::Result<std::vector<float>> r = judge(ex, c);
        for (float& v : *r) {
            v = 2.0f - v;
        }
        return r;
    };
    ruvllm::Result<ruvllm::GrpoRoundReport> r =
        ruvllm::grpo_round(m, train, val, inverted, judge, cfg, 4);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->kept);
    EXPECT_LT(r->val_after, r->val_before);
    EXPECT_EQ(m.protos, protos);  // rolled back exactly
    EXPECT_EQ(m.heads.tier, tier);
}

TEST(Grpo, ARoundGivenItsBeforeGatesOnIt) {
    const ruvllm::RouterModel start = toy_model(9);
    const ruvllm::LabeledSet train = toy(3), val = toy(1);
    const ruvllm::GrpoJudge judge = ruvllm::labels_judge(start.labels);
    const GrpoConfig cfg = toy_config();
    // Given the before the round would compute, the round is the same, to the bit.
    ruvllm::Result<std::pair<double, double>> before = ruvllm::grpo_validate(start, val, judge);
    ASSERT_TRUE(before);
    ruvllm::RouterModel a = start, b = start;
    ruvllm::Result<ruvllm::GrpoRoundReport> ra =
        ruvllm::grpo_round(a, train, val, judge, judge, cfg, 1);
    ruvllm::Result<ruvllm::GrpoRoundReport> rb =
        ruvllm::grpo_round(b, train, val, judge, judge, cfg, 1, &*before);
    ASSERT_TRUE(ra && rb);
    EXPECT_TRUE(ra->kept);
    EXPECT_EQ(ra->val_before, rb->val_before);
    EXPECT_EQ(ra->val_accuracy_before, rb->val_accuracy_before);
    EXPECT_EQ(ra->val_after, rb->val_after);
    EXPECT_EQ(a.protos, b.protos);
    // The gate reads the before it was given: against a reward no router reaches, the same
    // improving round is rolled back.
    ruvllm::RouterModel c = start;
    const std::pair<double, double> unreachable{1e9, 1.0};
    ruvllm::Result<ruvllm::GrpoRoundReport> rc =
        ruvllm::grpo_round(c, train, val, judge, judge, cfg, 1, &unreachable);
    ASSERT_TRUE(rc);
    EXPECT_EQ(rc->val_before, 1e9);
    EXPECT_EQ(rc->val_after, ra->val_after);
    EXPECT_FALSE(rc->kept);
    EXPECT_EQ(c.protos, start.protos);
}

TEST(Grpo, ATierFromAnotherSourceIsSampledFromItAndNotTrained) {
    // The tier answers from the tier table on the majority complexity (Moderate): coder and
    // refactorer (Coder) and tester (Reviewer) get sonnet, security-architect opus, and every
    // candidate the judge sees carries that tier, not a draw from the z head.
    ruvllm::RouterModel m = toy_model(9);
    m.heads.tier_source = ruvllm::HeadSource::baseline;
    m.heads.complexity_source = ruvllm::HeadSource::baseline;
    m.heads.complexity_prior = 1;
    EXPECT_TRUE(ruvllm::grpo_params(m).tier.empty());
    const ruvllm::LabeledSet train = toy(3), val = toy(1);
    const ruvllm::GrpoJudge labels = ruvllm::labels_judge(m.labels);
    size_t seen = 0, off_table = 0;
    std::map<int, int> agents;
    const ruvllm::GrpoJudge recording =
        [&](const ruvllm::LabeledExample& ex,
            const std::vector<GrpoCandidate>& c) -> ruvllm::Result<std::vector<float>> {
        for (const GrpoCandidate& o : c) {
            ruvllm::Category cat{};
            EXPECT_TRUE(ruvllm::label_category(m.labels[static_cast<size_t>(o.agent)], cat));
            const int table = static_cast<int>(ruvllm::tier_for(cat, ruvllm::Complexity::moderate));
            off_table += o.tier != table ? 1 : 0;
            agents[o.agent]++;
            seen++;
        }
        return labels(ex, c);
    };
    const std::vector<float> tier = m.heads.tier;
    const GrpoConfig cfg = toy_config();
    ruvllm::Result<ruvllm::GrpoRoundReport> r =
        ruvllm::grpo_round(m, train, val, recording, labels, cfg, 1);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(seen, train.rows.size() * static_cast<size_t>(cfg.group));
    EXPECT_EQ(off_table, 0u);
    EXPECT_EQ(agents.size(), 4u);  // the agents vary; the tier follows each
    EXPECT_TRUE(r->kept);
    EXPECT_EQ(m.heads.tier, tier);  // W is not trained
    // The same model with the tier on z: the candidates draw it from the z head, whose random
    // weights put some off the table.
    ruvllm::RouterModel mz = toy_model(9);
    mz.heads.complexity_source = ruvllm::HeadSource::baseline;
    mz.heads.complexity_prior = 1;
    seen = off_table = 0;
    ASSERT_TRUE(ruvllm::grpo_round(mz, train, val, recording, labels, cfg, 1));
    EXPECT_GT(off_table, 0u);
}

TEST(Grpo, TheGateScoresWhatRouteAnswers) {
    // A weak embedding stage (random prototypes) behind a sparse stage that decides alone
    // (alpha 0): the gate must score the sparse stage's answers, as route does, not the
    // prototypes' argmax. Expected accuracies are counted here from the stages themselves.
    ruvllm::RouterModel m = toy_blend_model(0.0f, 1.0f);
    ASSERT_FALSE(m.sparse.empty());
    const ruvllm::LabeledSet train = toy(3), val = toy(1);
    size_t sparse_right = 0, cosine_right = 0;
    std::vector<float> q(static_cast<size_t>(m.A())), s(q.size());
    for (const ruvllm::LabeledExample& ex : val.rows) {
        m.sparse.logits(ex.text, q.data());
        m.scores(ex.text, s.data());
        sparse_right += ruvllm::argmax(q.data(), m.A()) == ex.label ? 1 : 0;
        cosine_right += ruvllm::argmax(s.data(), m.A()) == ex.label ? 1 : 0;
    }
    const double n = static_cast<double>(val.rows.size());
    ASSERT_NE(sparse_right, cosine_right) << "the toy must tell the two stages apart";
    const ruvllm::GrpoJudge judge = ruvllm::labels_judge(m.labels);
    ruvllm::Result<std::pair<double, double>> v = ruvllm::grpo_validate(m, val, judge);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_DOUBLE_EQ(v->second, static_cast<double>(sparse_right) / n);
    // A round moves the prototypes, which this router's answers do not depend on.
    const GrpoConfig cfg = toy_config();
    ruvllm::Result<ruvllm::GrpoRoundReport> r =
        ruvllm::grpo_round(m, train, val, judge, judge, cfg, 1);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_DOUBLE_EQ(r->val_accuracy_before, static_cast<double>(sparse_right) / n);
    EXPECT_DOUBLE_EQ(r->val_accuracy_after, r->val_accuracy_before);
}

TEST(Grpo, ParseJudgeScores) {
    auto a = ruvllm::parse_judge_scores("Scores:\n```json\n[0.9, 0.1, 2, -1]\n```", 4);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(*a, (std::vector<float>{0.9f, 0.1f, 1.0f, 0.0f}));  // clamped to [0, 1]
    // the first array of the right length wins; wrong lengths and non-numbers are skipped
    auto b = ruvllm::parse_judge_scores("[1, 2] then [0.5, \"x\", 1] then [0.25, 0.5, 0.75]", 3);
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, (std::vector<float>{0.25f, 0.5f, 0.75f}));
    for (const char* bad : {"no array", "[0.1, 0.2]", "[0.1, 0.2, ", "[null, 1, 1]"}) {
        auto c = ruvllm::parse_judge_scores(bad, 3);
        ASSERT_FALSE(c) << bad;
        EXPECT_EQ(c.error().code, ruvllm::Errc::format);
    }
}

// The Claude judge end to end against a mock Messages API on loopback: the mock reads the task
// and the candidates from the prompt and scores 1 for the agent that owns the task's first word
// (the toy set's rule), 0 otherwise. GRPO rounds with this judge must improve the weak router;
// a rerun on the same cache directory sends no request.
TEST(Grpo, LlmJudgeAgainstAMockServerImprovesTheRouter) {
    const ruvllm::LabeledSet train = toy(3), val = toy(1);
    std::map<std::string, std::string> owner;
    for (const ruvllm::LabeledExample& ex : train.rows) {
        owner[ex.text.substr(0, ex.text.find(' '))] = train.labels[static_cast<size_t>(ex.label)];
    }
    httplib::Server mock;
    std::atomic<int> requests{0};
    mock.Post("/v1/messages", [&](const httplib::Request& req, httplib::Response& res) {
        requests++;
        const nlohmann::json body = nlohmann::json::parse(req.body);
        const std::string prompt = body["messages"][0]["content"].get<std::string>();
        const size_t at = prompt.find("Task: ") + 6;
        const std::string task = prompt.substr(at, prompt.find('\n', at) - at);
        const std::string right = owner[task.substr(0, task.find(' '))];
        nlohmann::json scores = nlohmann::json::array();
        const std::regex cand(R"(\n\d+\. agent=([a-z-]+))");
        for (auto it = std::sregex_iterator(prompt.begin(), prompt.end(), cand);
             it != std::sregex_iterator();
             ++it) {
            scores.push_back((*it)[1].str() == right ? 1.0 : 0.0);
        }
        const nlohmann::json reply = {
            {"id", "msg_1"},
            {"type", "message"},
            {"role", "assistant"},
            {"model", body["model"]},
            {"content", {{{"type", "text"}, {"text", "Scores: " + scores.dump()}}}},
            {"stop_reason", "end_turn"},
            {"usage", {{"input_tokens", 50}, {"output_tokens", 10}}}};
        res.set_content(reply.dump(), "application/json");
    });
    mock.set_tcp_nodelay(true);
    const int port = mock.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port, 0);
    std::thread server([&] { mock.listen_after_bind(); });
    ruvllm::test::TempDir dir;
    auto run = [&](ruvllm::RouterModel& m) -> double {
        ruvllm::LlmOptions lo;
        lo.api_base = "http://127.0.0.1:" + std::to_string(port);
        lo.api_key = "sk-test-key-0123456789";
        lo.cache_dir = dir / "cache";
        lo.max_retries = 0;
        ruvllm::Result<ruvllm::LlmClient> client = ruvllm::LlmClient::create(lo);
        EXPECT_TRUE(client) << client.error().message;
        const ruvllm::GrpoJudge judge = ruvllm::llm_judge(*client, m.labels);
        const GrpoConfig cfg = toy_config();
        for (int round = 1; round <= 3; round++) {
            ruvllm::Result<ruvllm::GrpoRoundReport> r = ruvllm::grpo_round(
                m, train, val, judge, ruvllm::labels_judge(m.labels), cfg, round);
            EXPECT_TRUE(r) << r.error().message;
        }
        return ruvllm::grpo_validate(m, val, ruvllm::labels_judge(m.labels))->second;
    };
    ruvllm::RouterModel m = toy_model(9);
    const double before = ruvllm::grpo_validate(m, val, ruvllm::labels_judge(m.labels))->second;
    const double after = run(m);
    const int sent = requests.load();
    EXPECT_EQ(sent, 3 * static_cast<int>(train.rows.size()));  // one call per task and round
    EXPECT_GT(after, before + 0.3) << before << " -> " << after;
    // Same seed, same cache: the same requests, all answered from the cache.
    ruvllm::RouterModel again = toy_model(9);
    EXPECT_DOUBLE_EQ(run(again), after);
    EXPECT_EQ(requests.load(), sent);
    EXPECT_EQ(again.protos, m.protos);
    mock.stop();
    server.join();
}
