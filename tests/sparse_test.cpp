// sparse_test.cpp: the sparse n-gram stage (sparse.h): its features worked out by hand from
// fastText's hash, the backward pass against central differences, one SGD step against that
// backward pass, learning a planted problem, same seed -> same model, the blend's closed forms
// (alpha 1 and 0), the alpha fit on planted data, the GGUF round trip, a corrupt-file table,
// and the stage inside route_task and evaluate_router.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/text.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/router/router.h>
#include <ruvllm/router/sparse.h>

#include "gradcheck.h"
#include "planted_router.h"

namespace {

using ruvllm::SparseConfig;
using ruvllm::SparseModel;

ruvllm::LabeledExample example(const char* text, int32_t label) {
    ruvllm::LabeledExample e;
    e.text = text;
    e.label = label;
    return e;
}

ruvllm::LabeledSet planted_set() {
    // Label 0 owns "deploy"/"pipeline", label 1 "readme"/"docs", label 2 "test"/"flaky".
    ruvllm::LabeledSet d;
    d.labels = {"devops", "documenter", "tester"};
    const char* texts[3][4] = {
        {"deploy the service", "fix the deploy pipeline", "pipeline is red", "deploy to prod"},
        {"update the readme", "write docs for the api", "docs are stale", "readme typo"},
        {"add a unit test", "flaky test in ci", "test the parser", "flaky again"},
    };
    for (int a = 0; a < 3; a++) {
        for (const char* t : texts[a]) {
            d.rows.push_back(example(t, a));
        }
    }
    return d;
}

const ruvllm::Log kQuiet{};

}  // namespace

TEST(Sparse, FeaturesByHand) {
    SparseConfig c;
    c.bits = 12;
    c.minn = 0;  // words and bigrams only
    std::vector<uint32_t> f;
    SparseModel::features("Fix the CI!", c, f);
    const uint32_t mask = (1u << 12) - 1;
    const uint64_t h_fix = ruvllm::fasttext_hash("fix"), h_the = ruvllm::fasttext_hash("the"),
                   h_ci = ruvllm::fasttext_hash("ci");
    const std::vector<uint32_t> want = {
        static_cast<uint32_t>(h_fix) & mask,
        static_cast<uint32_t>(h_the) & mask,
        static_cast<uint32_t>(h_fix * 116049371ull + h_the) & mask,
        static_cast<uint32_t>(h_ci) & mask,
        static_cast<uint32_t>(h_the * 116049371ull + h_ci) & mask,
    };
    EXPECT_EQ(f, want);
    // Unigrams only.
    c.word_ngrams = 1;
    SparseModel::features("Fix the CI!", c, f);
    EXPECT_EQ(f.size(), 3u);
    // Character n-grams of "<ci>" for n = 3..5: "<ci", "ci>", "<ci>" after the word itself.
    c.minn = 3;
    c.maxn = 5;
    SparseModel::features("ci", c, f);
    ASSERT_EQ(f.size(), 4u);
    EXPECT_EQ(f[1], ruvllm::fasttext_hash("<ci") & mask);
    EXPECT_EQ(f[2], ruvllm::fasttext_hash("<ci>") & mask);
    EXPECT_EQ(f[3], ruvllm::fasttext_hash("ci>") & mask);
    SparseModel::features("?!", c, f);
    EXPECT_TRUE(f.empty());
}

TEST(Sparse, BackwardMatchesFiniteDifferences) {
    ruvllm::Rng rng(3);
    const int A = 4, buckets = 16;
    std::vector<float> W = ruvllm::test::random_vec(rng, static_cast<size_t>(buckets) * A, 0.5f);
    std::vector<float> b = ruvllm::test::random_vec(rng, A, 0.5f);
    const std::vector<uint32_t> F = {3, 7, 3, 15, 0};  // a repeated feature counts twice
    const int y = 2;
    std::vector<float> logits(A), probs(A);
    auto loss = [&] {
        return static_cast<double>(ruvllm::sparse_forward(
            logits.data(), probs.data(), W.data(), b.data(), F.data(), 5, A, y));
    };
    loss();
    std::vector<float> dW(W.size(), 0.0f), db(A, 0.0f);
    ruvllm::sparse_backward(dW.data(), db.data(), probs.data(), F.data(), 5, A, y);
    EXPECT_LT(ruvllm::test::max_rel_error(W, dW, loss, 1e-2), 1e-3);
    EXPECT_LT(ruvllm::test::max_rel_error(b, db, loss, 1e-2), 1e-3);
    // Rows of features not in F get no gradient.
    for (int a = 0; a < A; a++) {
        EXPECT_EQ(dW[1 * A + a], 0.0f);
    }
    // No feature: the logits are the bias; the loss is -log softmax(b)[y].
    const double lse = std::log(std::exp(b[0]) + std::exp(b[1]) + std::exp(b[2]) + std::exp(b[3]));
    EXPECT_NEAR(
        ruvllm::sparse_forward(logits.data(), probs.data(), W.data(), b.data(), F.data(), 0, A, y),
        lse - b[2],
        1e-5);
}

TEST(Sparse, OneTrainingStepIsMinusLrTimesTheBackwardPass) {
    ruvllm::LabeledSet d;
    d.labels = {"a", "b"};
    d.rows.push_back(example("deploy it now", 1));
    SparseConfig c;
    c.bits = 10;
    c.epochs = 1;
    c.lr = 0.5f;
    ruvllm::Result<SparseModel> m = ruvllm::train_sparse(d, c, kQuiet);
    ASSERT_TRUE(m) << m.error().message;
    // From W = 0, b = 0 the one step at the initial learning rate is -lr * gradient.
    std::vector<uint32_t> F;
    SparseModel::features("deploy it now", c, F);
    const size_t n = size_t{1} << c.bits;
    std::vector<float> W(n * 2, 0.0f), b(2, 0.0f), dW(n * 2, 0.0f), db(2, 0.0f), lg(2), p(2);
    ruvllm::sparse_forward(
        lg.data(), p.data(), W.data(), b.data(), F.data(), static_cast<int>(F.size()), 2, 1);
    ruvllm::sparse_backward(
        dW.data(), db.data(), p.data(), F.data(), static_cast<int>(F.size()), 2, 1);
    ASSERT_EQ(m->buckets().size() * 2, m->weights().size());
    for (size_t i = 0; i < m->buckets().size(); i++) {
        for (int a = 0; a < 2; a++) {
            EXPECT_NEAR(m->weights()[i * 2 + a], -c.lr * dW[m->buckets()[i] * 2 + a], 1e-6);
        }
    }
    EXPECT_NEAR(m->bias()[0], -c.lr * db[0], 1e-6);
    EXPECT_NEAR(m->bias()[1], -c.lr * db[1], 1e-6);  // +0.25: towards label 1
    EXPECT_GT(m->bias()[1], 0.0f);
}

TEST(Sparse, SmallDataGetsEnoughEpochsForMinSteps) {
    SparseConfig c;
    c.epochs = 100;
    EXPECT_EQ(ruvllm::sparse_epochs(c, 7), 100);  // min_steps 0: the epochs asked
    c.min_steps = 500000;
    EXPECT_EQ(ruvllm::sparse_epochs(c, 432), 1000);   // ceil(1157.4), capped at 1000
    EXPECT_EQ(ruvllm::sparse_epochs(c, 1215), 412);   // ceil(411.5)
    EXPECT_EQ(ruvllm::sparse_epochs(c, 5000), 100);   // exactly 100
    EXPECT_EQ(ruvllm::sparse_epochs(c, 23090), 100);  // 22 < the epochs asked
    c.epochs = 3;
    c.min_steps = 10;
    EXPECT_EQ(ruvllm::sparse_epochs(c, 3), 4);  // ceil(10 / 3)
    // The model records the epochs it ran, over its distinct examples: 2 here (one repeats).
    ruvllm::LabeledSet d;
    d.labels = {"a", "b"};
    d.rows = {example("deploy it", 1), example("fix it", 0), example("fix it", 0)};
    c.bits = 10;
    ruvllm::Result<SparseModel> m = ruvllm::train_sparse(d, c, kQuiet);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->config().epochs, 5);  // ceil(10 / 2)
    SparseConfig five = c;
    five.epochs = 5;
    five.min_steps = 0;
    ruvllm::Result<SparseModel> same = ruvllm::train_sparse(d, five, kQuiet);
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_EQ(m->weights(), same->weights());
    EXPECT_EQ(m->bias(), same->bias());
}

TEST(Sparse, LearnsAPlantedProblemAndIsDeterministic) {
    const ruvllm::LabeledSet d = planted_set();
    SparseConfig c;
    c.bits = 14;
    c.epochs = 50;
    c.lr = 1.0f;
    ruvllm::Result<SparseModel> m = ruvllm::train_sparse(d, c, kQuiet);
    ASSERT_TRUE(m) << m.error().message;
    std::vector<float> lg(3);

    const struct {
        const char* text;
        int label;
    } unseen[] = {
        {"deploy pipeline broken", 0}, {"docs for the readme", 1}, {"flaky unit test", 2}};

    for (const auto& u : unseen) {
        m->logits(u.text, lg.data());
        EXPECT_EQ(ruvllm::argmax(lg.data(), 3), u.label) << u.text;
    }
    ruvllm::Result<SparseModel> again = ruvllm::train_sparse(d, c, kQuiet);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->buckets(), m->buckets());
    EXPECT_EQ(again->weights(), m->weights());
    c.seed = 7;
    ruvllm::Result<SparseModel> other = ruvllm::train_sparse(d, c, kQuiet);
    ASSERT_TRUE(other);
    EXPECT_NE(other->weights(), m->weights());
    // A duplicated row is trained once: the same model.
    ruvllm::LabeledSet twice = d;
    twice.rows.insert(twice.rows.end(), d.rows.begin(), d.rows.end());
    c.seed = 42;
    ruvllm::Result<SparseModel> dedup = ruvllm::train_sparse(twice, c, kQuiet);
    ASSERT_TRUE(dedup);
    EXPECT_EQ(dedup->weights(), m->weights());
}

TEST(Sparse, BadSettingsAreErrors) {
    const ruvllm::LabeledSet d = planted_set();

    const struct {
        SparseConfig c;
        const char* what;
    } bad[] = {
        {{.bits = 4}, "bits is 4, expected 8..26"},
        {{.bits = 27}, "bits is 27"},
        {{.word_ngrams = 3}, "word_ngrams is 3"},
        {{.minn = 4, .maxn = 3}, "character n-grams 4..3"},
        {{.epochs = 0}, "epochs 0"},
        {{.lr = 0.0f}, "lr 0"},
    };

    for (const auto& b : bad) {
        ruvllm::Result<SparseModel> m = ruvllm::train_sparse(d, b.c, kQuiet);
        ASSERT_FALSE(m) << b.what;
        EXPECT_EQ(m.error().code, ruvllm::Errc::invalid_argument);
        EXPECT_NE(m.error().message.find(b.what), std::string::npos) << m.error().message;
    }
    ruvllm::LabeledSet empty;
    empty.labels = {"a", "b"};
    EXPECT_FALSE(ruvllm::train_sparse(empty, {}, kQuiet));
}

TEST(Sparse, BlendClosedForms) {
    const float cos[3] = {0.9f, 0.5f, 0.1f}, logits[3] = {-1.0f, 2.0f, 0.0f};
    const float tau = 0.2f;
    float p[3];
    // alpha 1: softmax(cos / tau); alpha 0: softmax(logits).
    ruvllm::blend_probs(cos, tau, logits, 1.0f, 3, p);
    double z = std::exp(0.9 / 0.2) + std::exp(0.5 / 0.2) + std::exp(0.1 / 0.2);
    EXPECT_NEAR(p[0], std::exp(0.9 / 0.2) / z, 1e-6);
    EXPECT_NEAR(p[2], std::exp(0.1 / 0.2) / z, 1e-6);
    ruvllm::blend_probs(cos, tau, logits, 0.0f, 3, p);
    z = std::exp(-1.0) + std::exp(2.0) + std::exp(0.0);
    EXPECT_NEAR(p[1], std::exp(2.0) / z, 1e-6);
    // alpha 0.5: proportional to sqrt(p q): exp(0.5 cos / tau + 0.5 logit).
    ruvllm::blend_probs(cos, tau, logits, 0.5f, 3, p);
    double e[3], s = 0;
    for (int a = 0; a < 3; a++) {
        e[a] = std::exp(0.5 * cos[a] / tau + 0.5 * logits[a]);
        s += e[a];
    }
    for (int a = 0; a < 3; a++) {
        EXPECT_NEAR(p[a], e[a] / s, 1e-6);
    }
}

TEST(Sparse, FitBlendAlphaFollowsTheInformativeStage) {
    // Labels cycle 0, 1, 2; cosines always point at the truth, logits at the next label: alpha 1.
    std::vector<float> cos, good, wrong;
    std::vector<int32_t> labels;
    for (int i = 0; i < 30; i++) {
        const int y = i % 3;
        labels.push_back(y);
        for (int a = 0; a < 3; a++) {
            cos.push_back(a == y ? 0.8f : 0.2f);
            good.push_back(a == y ? 3.0f : 0.0f);
            wrong.push_back(a == (y + 1) % 3 ? 3.0f : 0.0f);
        }
    }
    EXPECT_EQ(ruvllm::fit_blend_alpha(cos, 0.1f, wrong, labels, 3), 1.0f);
    // Uninformative cosines (all equal), informative logits: alpha 0.
    std::vector<float> flat(cos.size(), 0.5f);
    EXPECT_EQ(ruvllm::fit_blend_alpha(flat, 0.1f, good, labels, 3), 0.0f);
    // Both informative: a blend is at least as good as either alone (NLL).
    const float a = ruvllm::fit_blend_alpha(cos, 1.0f, good, labels, 3);
    const double nll = ruvllm::blend_nll(cos, 1.0f, good, labels, 3, a);
    EXPECT_LE(nll, ruvllm::blend_nll(cos, 1.0f, good, labels, 3, 1.0f));
    EXPECT_LE(nll, ruvllm::blend_nll(cos, 1.0f, good, labels, 3, 0.0f));
}

// The sparse temperature T by hand: the blend is proportional to
// exp(alpha cos / tau + (1 - alpha) logit / T).
TEST(Sparse, BlendTemperatureClosedForm) {
    const float cos[3] = {0.9f, 0.5f, 0.1f}, logits[3] = {-1.0f, 2.0f, 0.0f};
    for (const float t : {0.25f, 1.0f, 4.0f}) {
        float p[3];
        ruvllm::blend_probs(cos, 0.2f, logits, 0.3f, 3, p, t);
        double e[3], s = 0;
        for (int a = 0; a < 3; a++) {
            e[a] = std::exp(0.3 * cos[a] / 0.2 + 0.7 * logits[a] / t);
            s += e[a];
        }
        for (int a = 0; a < 3; a++) {
            EXPECT_NEAR(p[a], e[a] / s, 1e-6) << "T " << t;
        }
    }
}

// fit_blend finds the temperature a miscalibrated stage needs: logits that point at the truth
// but are far too flat (scale 0.1) are sharpened (T < 1), and the fit's NLL is at most the best
// single-weight blend's; data that cannot tell the temperatures apart keeps T = 1.
TEST(Sparse, FitBlendSharpensAnUnderconfidentSparseStage) {
    std::vector<float> cos, flat_logits;
    std::vector<int32_t> labels;
    for (int i = 0; i < 60; i++) {
        const int y = i % 3;
        labels.push_back(y);
        for (int a = 0; a < 3; a++) {
            // The embedding stage is right 2 times in 3; the logits always, but flat.
            const int e = i % 3 == 2 ? (y + 1) % 3 : y;
            cos.push_back(a == e ? 0.6f : 0.4f);
            flat_logits.push_back(a == y ? 0.3f : 0.0f);
        }
    }
    const ruvllm::BlendFit fit = ruvllm::fit_blend(cos, 0.1f, flat_logits, labels, 3);
    EXPECT_LT(fit.temperature, 1.0f);
    const float a1 = ruvllm::fit_blend_alpha(cos, 0.1f, flat_logits, labels, 3);
    EXPECT_LT(ruvllm::blend_nll(cos, 0.1f, flat_logits, labels, 3, fit.alpha, fit.temperature),
              ruvllm::blend_nll(cos, 0.1f, flat_logits, labels, 3, a1));
    // Uninformative logits (all zero): every T gives the same blend, T = 1 is kept.
    const std::vector<float> zero(cos.size(), 0.0f);
    EXPECT_EQ(ruvllm::fit_blend(cos, 0.1f, zero, labels, 3).temperature, 1.0f);
}

TEST(Sparse, GgufRoundTripAndCorruptFiles) {
    ruvllm::Result<SparseModel> m =
        ruvllm::train_sparse(planted_set(), {.bits = 12, .epochs = 5}, kQuiet);
    ASSERT_TRUE(m);
    m->set_alpha(0.35f);
    ruvllm::gguf::File f;
    ASSERT_TRUE(m->write_to(f));
    ruvllm::Result<ruvllm::gguf::File> back_file = ruvllm::gguf::read(ruvllm::gguf::write(f));
    ASSERT_TRUE(back_file);
    ruvllm::Result<SparseModel> back = SparseModel::from_gguf(*back_file, 3);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->alpha(), 0.35f);
    EXPECT_EQ(back->buckets(), m->buckets());
    EXPECT_EQ(back->config().bits, 12u);
    // Weights are stored as F16: logits agree to F16 rounding.
    std::vector<float> l1(3), l2(3);
    m->logits("fix the flaky deploy test", l1.data());
    back->logits("fix the flaky deploy test", l2.data());
    for (int a = 0; a < 3; a++) {
        EXPECT_NEAR(l1[a], l2[a], 2e-3);
    }
    // No temperature key (what routers before it have): T = 1; a fitted one round-trips.
    EXPECT_EQ(back->temperature(), 1.0f);
    EXPECT_EQ(back_file->find("ruvllm.router.sparse.temperature"), nullptr);
    m->set_temperature(0.5f);
    ruvllm::gguf::File ft;
    ASSERT_TRUE(m->write_to(ft));
    ruvllm::Result<SparseModel> back_t =
        SparseModel::from_gguf(*ruvllm::gguf::read(ruvllm::gguf::write(ft)), 3);
    ASSERT_TRUE(back_t) << back_t.error().message;
    EXPECT_EQ(back_t->temperature(), 0.5f);
    // No sparse keys: an empty stage.
    ruvllm::Result<SparseModel> none = SparseModel::from_gguf(ruvllm::gguf::File{}, 3);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());

    std::vector<uint32_t> desc = m->buckets();
    std::swap(desc[0], desc[1]);
    std::vector<uint32_t> too_big = m->buckets();
    too_big.back() = 1u << 12;

    const struct {
        const char* what;
        std::function<void(ruvllm::gguf::File&)> corrupt;
        int labels;
    } table[] = {
        {"not ascending",
         [&](ruvllm::gguf::File& g) {
             g.set("ruvllm.router.sparse.buckets", ruvllm::gguf::Array::of(desc));
         },
         3},
        {"expected below 2^12",
         [&](ruvllm::gguf::File& g) {
             g.set("ruvllm.router.sparse.buckets", ruvllm::gguf::Array::of(too_big));
         },
         3},
        {"alpha is", [](ruvllm::gguf::File& g) { g.set("ruvllm.router.sparse.alpha", 1.5f); }, 3},
        {"bits is 40", [](ruvllm::gguf::File& g) { g.set("ruvllm.router.sparse.bits", 40u); }, 3},
        {"temperature must be an f32 in 0.01..100",
         [](ruvllm::gguf::File& g) { g.set("ruvllm.router.sparse.temperature", 0.0f); },
         3},
        {"temperature must be an f32 in 0.01..100",
         [](ruvllm::gguf::File& g) { g.set("ruvllm.router.sparse.temperature", NAN); },
         3},
        {"missing or of the wrong type",
         [](ruvllm::gguf::File& g) { g.set("ruvllm.router.sparse.minn", std::string("3")); },
         3},
        {"missing or of another shape", [](ruvllm::gguf::File&) {}, 4},  // 4 labels, 3 stored
        {"holds NaN at element 5",
         [](ruvllm::gguf::File& g) {
             // Rebuild with a NaN weight.
             ruvllm::gguf::File h;
             for (const auto& [k, v] : g.metadata()) {
                 h.set(k, v);
             }
             std::vector<float> w = *g.tensor_f32(*g.find_tensor("router.sparse.weight"));
             w[5] = NAN;
             ASSERT_TRUE(h.add_tensor(
                 "router.sparse.weight", g.find_tensor("router.sparse.weight")->shape, w));
             ASSERT_TRUE(h.add_tensor(
                 "router.sparse.bias", {3}, *g.tensor_f32(*g.find_tensor("router.sparse.bias"))));
             g = h;
         },
         3},
    };

    for (const auto& t : table) {
        ruvllm::gguf::File g = *back_file;
        t.corrupt(g);
        ruvllm::Result<ruvllm::gguf::File> reread = ruvllm::gguf::read(ruvllm::gguf::write(g));
        ASSERT_TRUE(reread) << t.what;
        ruvllm::Result<SparseModel> r = SparseModel::from_gguf(*reread, t.labels);
        ASSERT_FALSE(r) << t.what;
        EXPECT_EQ(r.error().code, ruvllm::Errc::format) << t.what;
        EXPECT_NE(r.error().message.find(t.what), std::string::npos) << r.error().message;
    }
}

TEST(Sparse, InsideTheRouter) {
    ruvllm::RouterModel m = ruvllm::test::planted_router(7);
    ruvllm::RouteConfig sparse_mode;
    sparse_mode.mode = ruvllm::RouteMode::sparse;
    // Without a sparse stage, mode sparse is an error and hybrid is the embedding stage.
    ruvllm::Result<ruvllm::Decision> no = ruvllm::route_task(m, "alpha", sparse_mode);
    ASSERT_FALSE(no);
    EXPECT_EQ(no.error().code, ruvllm::Errc::invalid_argument);
    // A sparse stage that says "tester" for "alpha" (bias only, no rows: logits = bias).
    ruvllm::Result<SparseModel> s =
        SparseModel::make({.bits = 8}, 3, {}, {}, {0.0f, 0.0f, 20.0f}, 0.0f);
    ASSERT_TRUE(s) << s.error().message;
    m.sparse = *s;
    ruvllm::Result<ruvllm::Decision> d = ruvllm::route_task(m, "alpha", sparse_mode);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->label, 2);
    EXPECT_EQ(d->stage, ruvllm::RouteStage::sparse);
    ASSERT_FALSE(d->top.empty());
    EXPECT_EQ(d->top[0].first, 2);  // top ranks by the sparse probability
    EXPECT_NEAR(d->confidence, 1.0 / (1.0 + 2.0 * std::exp(-20.0)), 1e-6);
    // Hybrid with alpha 0 follows the sparse stage; with alpha 1 the embedding stage.
    ruvllm::RouteConfig hybrid;
    d = ruvllm::route_task(m, "alpha", hybrid);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->stage, ruvllm::RouteStage::blend);
    EXPECT_EQ(d->label, 2);
    m.sparse.set_alpha(1.0f);
    d = ruvllm::route_task(m, "alpha", hybrid);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->label, 0);
    EXPECT_EQ(ruvllm::decision_json(m, *d)["stage"], "blend");
    // The keyword stage still decides first.
    d = ruvllm::route_task(m, "a unit test for alpha", hybrid);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->stage, ruvllm::RouteStage::keyword);
    // The model file keeps the stage.
    ruvllm::Result<ruvllm::gguf::File> f = m.to_gguf();
    ASSERT_TRUE(f);
    ruvllm::Result<ruvllm::RouterModel> back = ruvllm::RouterModel::from_gguf(*f);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_FALSE(back->sparse.empty());
    EXPECT_EQ(back->sparse.alpha(), 1.0f);
    // evaluate_router reports the sparse stage alone.
    ruvllm::LabeledSet data;
    data.labels = m.labels;
    data.rows = {example("alpha", 0), example("beta", 1), example("gamma", 2)};
    m.sparse.set_alpha(0.0f);
    ruvllm::Result<ruvllm::RouterReport> r = ruvllm::evaluate_router(m, data, {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->sparse.n, 3u);
    EXPECT_NEAR(r->sparse.accuracy, 1.0 / 3.0, 1e-9);  // always "tester"
    EXPECT_NEAR(r->embedding.accuracy, 1.0, 1e-9);
    EXPECT_NEAR(r->hybrid.accuracy, 1.0 / 3.0, 1e-9);
}
