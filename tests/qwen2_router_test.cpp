// qwen2_router_test.cpp (label: unit): a router on a Qwen2 GGUF base (qwen2_base.h): the
// embedding cache, training on a frozen base and with a LoRA on the top layers, the router
// file (which names its base), loading it from a moved base, and refusing a different base.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/embed/qwen2_base.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/train.h>
#include <ruvllm/transformer/lora.h>

#include "qwen2_testmodel.h"
#include "testutil.h"

namespace {

using ruvllm::test::cosine;

namespace fs = std::filesystem;
namespace gguf = ruvllm::gguf;
using ruvllm::Errc;
using ruvllm::LabeledSet;
using ruvllm::Qwen2Base;
using ruvllm::Qwen2BaseOptions;
using ruvllm::RouterModel;

// Three labels whose texts share a topic word; the filler words are shared by all labels.
LabeledSet toy_set(uint64_t seed, size_t per_label) {
    LabeledSet s;
    s.labels = {"coder", "tester", "documenter"};
    const char* topic[] = {"implement", "test", "document"};
    const char* filler[] = {"the", "login", "cache", "api", "module", "parser", "job", "queue"};
    ruvllm::Rng rng(seed);
    for (size_t i = 0; i < per_label; i++) {
        for (int a = 0; a < 3; a++) {
            std::string t = topic[a];
            for (int w = 0; w < 3; w++) {
                t += std::string(" ") + filler[rng.below(8)];
            }
            s.rows.push_back({t, a, -1, false, "", -1, -1, -1.0f});
        }
    }
    return s;
}

class Qwen2RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        ruvllm::test::TinyQwen2 spec;
        spec.layers = 3;
        base_path_ = dir_ / "tiny-qwen2.gguf";
        ASSERT_TRUE(gguf::write_file(ruvllm::test::make_tiny_qwen2(spec), base_path_).ok());
    }

    std::shared_ptr<const Qwen2Base> open_base(Qwen2BaseOptions o = {}) {
        ruvllm::Result<Qwen2Base> b = Qwen2Base::open(base_path_, o);
        EXPECT_TRUE(b.ok()) << (b ? "" : b.error().message);
        return std::make_shared<const Qwen2Base>(std::move(*b));
    }

    ruvllm::test::TempDir dir_;
    fs::path base_path_;
};

TEST_F(Qwen2RouterTest, CacheEmbedsEachUniqueTextOnceAndGivesTheModelsEmbedding) {
    auto base = open_base();
    const std::vector<std::string> texts = {"fix the bug", "write a test", "fix the bug", ""};
    std::vector<float> out(texts.size() * static_cast<size_t>(base->dim()));
    size_t calls = 0, last_done = 0, total = 0;
    base->embed_batch(texts, out.data(), [&](size_t d, size_t t) {
        calls++;
        last_done = d;
        total = t;
    });
    EXPECT_EQ(base->cached(), 3u);
    EXPECT_EQ(calls, 1u) << "one packed group";
    EXPECT_EQ(last_done, 3u);
    EXPECT_EQ(total, 3u);
    const size_t D = static_cast<size_t>(base->dim());
    std::vector<float> direct(D);
    base->model().embed("write a test", direct.data());
    EXPECT_GT(cosine(std::vector<float>(out.begin() + D, out.begin() + 2 * D), direct), 0.99999);
    EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + D),
              std::vector<float>(out.begin() + 2 * D, out.begin() + 3 * D));
    EXPECT_EQ(std::vector<float>(out.begin() + 3 * D, out.end()), std::vector<float>(D, 0.0f))
        << "the empty text embeds to zeros";
    // A second pass embeds nothing new.
    base->embed_batch(texts, out.data(), [&](size_t, size_t) { calls++; });
    EXPECT_EQ(calls, 1u);
}

TEST_F(Qwen2RouterTest, CacheIsBounded) {
    Qwen2BaseOptions o;
    o.cache_entries = 2;
    auto base = open_base(o);
    std::vector<float> v(static_cast<size_t>(base->dim())), w(v.size());
    for (const char* t : {"one", "two", "three", "three"}) {
        base->embed(t, v.data());
    }
    EXPECT_EQ(base->cached(), 2u);
    base->model().embed("three", w.data());
    EXPECT_EQ(v, w) << "an uncached text is still embedded right";
}

TEST_F(Qwen2RouterTest, FrozenBaseTrainsSavesAndLoadsFromAMovedBase) {
    auto base = open_base();
    const LabeledSet train = toy_set(1, 20), val = toy_set(2, 8);
    ruvllm::Rng rng(3);
    RouterModel m = RouterModel::init(base, train.labels, 16, rng);
    ruvllm::TrainConfig cfg;
    cfg.dim = 16;
    cfg.epochs = 15;
    cfg.batch = 8;
    cfg.adam.lr = 5e-3f;
    cfg.warmup = 5;
    ruvllm::Result<ruvllm::TrainResult> r = ruvllm::train(m, train, &val, cfg);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const double acc = ruvllm::evaluate(m, val).accuracy;
    EXPECT_GE(acc, 0.9) << "a frozen random transformer still separates topic words";
    // Train + val texts are all the base ever embedded.
    EXPECT_LE(base->cached(), train.rows.size() + val.rows.size());

    const fs::path router = dir_ / "router.gguf";
    ASSERT_TRUE(m.save(router).ok());
    ruvllm::Result<gguf::File> f = gguf::read_file(router);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(*f->get<std::string>("ruvllm.base.kind"), "qwen2");
    EXPECT_EQ(*f->get<std::string>("ruvllm.base.qwen2.pooling"), "mean");
    EXPECT_EQ(f->find_tensor("base.embeddings"), nullptr) << "the base is named, not copied";

    ruvllm::Result<RouterModel> back = RouterModel::load(router);
    ASSERT_TRUE(back.ok()) << back.error().message;
    for (const auto& ex : val.rows) {
        EXPECT_EQ(back->predict(ex.text), m.predict(ex.text)) << ex.text;
    }
    // Move router and base elsewhere: the base is found beside the router.
    const fs::path other = dir_ / "moved";
    fs::create_directories(other);
    fs::rename(router, other / "router.gguf");
    fs::rename(base_path_, other / base_path_.filename());
    ruvllm::Result<RouterModel> moved = RouterModel::load(other / "router.gguf");
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    EXPECT_EQ(moved->predict(val.rows[0].text), m.predict(val.rows[0].text));
    // Without the base: a one-line error naming it.
    fs::remove(other / base_path_.filename());
    ruvllm::Result<RouterModel> lost = RouterModel::load(other / "router.gguf");
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, Errc::io);
    EXPECT_NE(lost.error().message.find("tiny-qwen2.gguf"), std::string::npos)
        << lost.error().message;
    EXPECT_EQ(lost.error().message.find('\n'), std::string::npos);
    // A different model under the base's name: refused.
    ruvllm::test::TinyQwen2 spec2;
    spec2.layers = 3;
    spec2.seed = 99;
    ASSERT_TRUE(
        gguf::write_file(ruvllm::test::make_tiny_qwen2(spec2), other / base_path_.filename()).ok());
    ruvllm::Result<RouterModel> wrong = RouterModel::load(other / "router.gguf");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, Errc::format);
    EXPECT_NE(wrong.error().message.find("different file"), std::string::npos)
        << wrong.error().message;
}

TEST_F(Qwen2RouterTest, PoolingAndMaxTokensAreRecorded) {
    Qwen2BaseOptions o;
    o.pooling = ruvllm::Pooling::last;
    o.max_tokens = 4;
    auto base = open_base(o);
    ruvllm::Rng rng(1);
    RouterModel m = RouterModel::init(base, {"a", "b"}, 8, rng);
    const fs::path router = dir_ / "r.gguf";
    ASSERT_TRUE(m.save(router).ok());
    ruvllm::Result<RouterModel> back = RouterModel::load(router);
    ASSERT_TRUE(back.ok()) << back.error().message;
    const auto* q = dynamic_cast<const Qwen2Base*>(back->base.get());
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->options().pooling, ruvllm::Pooling::last);
    EXPECT_EQ(q->options().max_tokens, 4);
    std::vector<float> a(static_cast<size_t>(m.E)), b(a.size());
    m.embed("one two three four five six", a.data());
    back->embed("one two three four five six", b.data());
    EXPECT_EQ(a, b);
}

}  // namespace

namespace {

ruvllm::TrainConfig lora_config(int layers) {
    ruvllm::TrainConfig cfg;
    cfg.dim = 16;
    cfg.epochs = 6;
    cfg.batch = 8;
    cfg.adam.lr = 5e-3f;
    cfg.warmup = 5;
    cfg.lora.layers = layers;
    cfg.lora.rank = 4;
    cfg.lora.alpha = 8;
    cfg.lora.lr = 5e-3f;
    return cfg;
}

TEST_F(Qwen2RouterTest, LoraOnTheTopLayersTrainsAndTheRouterFileCarriesIt) {
    auto base = open_base();
    const LabeledSet train = toy_set(1, 20), val = toy_set(2, 8);
    ruvllm::Rng rng(3);
    RouterModel frozen = RouterModel::init(base, train.labels, 16, rng);
    RouterModel tuned = frozen;
    ruvllm::Result<ruvllm::TrainResult> rf = ruvllm::train(frozen, train, &val, lora_config(0));
    ruvllm::Result<ruvllm::TrainResult> rl = ruvllm::train(tuned, train, &val, lora_config(2));
    ASSERT_TRUE(rf.ok()) << rf.error().message;
    ASSERT_TRUE(rl.ok()) << rl.error().message;
    // The LoRA adds capacity: the training loss ends lower than on the frozen base.
    EXPECT_LT(rl->history.back().loss, rf->history.back().loss);
    EXPECT_GE(ruvllm::evaluate(tuned, val).accuracy, 0.9);
    ASSERT_NE(tuned.base->lora(), nullptr);
    const ruvllm::LoraAdapter& ad = *tuned.base->lora();
    EXPECT_EQ(ad.tensors.size(), 8u) << "q, k, v, output of the top 2 layers";
    EXPECT_EQ(ad.tensors[0].base_name, "blk.1.attn_q.weight");
    double bsum = 0;
    for (const auto& t : ad.tensors) {
        for (const float v : t.b) {
            bsum += std::abs(v);
        }
    }
    EXPECT_GT(bsum, 0.0) << "B starts at zero; training moved it";

    const fs::path path = dir_ / "lora-router.gguf";
    ASSERT_TRUE(tuned.save(path).ok());
    ruvllm::Result<gguf::File> f = gguf::read_file(path);
    ASSERT_TRUE(f.ok());
    EXPECT_NE(f->find_tensor("lora.blk.2.attn_output.weight.lora_b"), nullptr);
    EXPECT_NEAR(*f->get<float>("ruvllm.lora.alpha"), 8.0f, 0.0f);
    ruvllm::Result<RouterModel> back = RouterModel::load(path);
    ASSERT_TRUE(back.ok()) << back.error().message;
    // The loaded router recomputes every embedding through the model with the adapter folded
    // in; the trainer's come from the LoRA stack. Same function, different rounding.
    std::vector<float> a(static_cast<size_t>(tuned.E)), b(a.size());
    for (const auto& ex : val.rows) {
        tuned.embed(ex.text, a.data());
        back->embed(ex.text, b.data());
        EXPECT_GT(cosine(a, b), 0.99999) << ex.text;
        EXPECT_EQ(back->predict(ex.text), tuned.predict(ex.text)) << ex.text;
    }
}

TEST_F(Qwen2RouterTest, LoraTrainingIsDeterministic) {
    auto base = open_base();
    const LabeledSet train = toy_set(1, 6);
    std::string bytes[2];
    for (std::string& out : bytes) {
        ruvllm::Rng rng(3);
        RouterModel m = RouterModel::init(base, train.labels, 8, rng);
        ruvllm::TrainConfig cfg = lora_config(1);
        cfg.epochs = 2;
        ASSERT_TRUE(ruvllm::train(m, train, nullptr, cfg).ok());
        const fs::path p = dir_ / "det.gguf";
        ASSERT_TRUE(m.save(p).ok());
        out = ruvllm::test::slurp(p);
    }
    EXPECT_EQ(bytes[0], bytes[1]);
}

TEST_F(Qwen2RouterTest, LoraSettingsAreChecked) {
    auto base = open_base();
    const LabeledSet train = toy_set(1, 4);
    ruvllm::Rng rng(3);
    RouterModel m = RouterModel::init(base, train.labels, 8, rng);
    ruvllm::TrainConfig cfg = lora_config(4);  // the model has 3 layers
    ruvllm::Result<ruvllm::TrainResult> r = ruvllm::train(m, train, nullptr, cfg);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

}  // namespace
