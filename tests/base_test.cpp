// base_test.cpp: the Base interface (embed/base.h): which base a file holds, decided in one
// place; open_base's refusals; what a base says it can store; the feeds train() sees (fixed,
// subword) against the base's own embeddings; and a router that cannot be stored in a type
// returns an error instead of aborting.
#include <set>

#include <gtest/gtest.h>

#include <ruvllm/embed/base.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/router/model.h>

#include "gradcheck.h"
#include "testutil.h"

namespace {

using ruvllm::Errc;
using ruvllm::TensorType;

std::shared_ptr<const ruvllm::SubwordBase> subword(int D, uint64_t seed) {
    ruvllm::Rng rng(seed);
    return std::make_shared<const ruvllm::SubwordBase>(
        ruvllm::SubwordConfig{D, 3, 4, 300},
        std::vector<std::string>{"fix", "the", "login", "bug", "deploy"},
        ruvllm::test::random_vec(rng, static_cast<size_t>(5 + 300) * D));
}

ruvllm::gguf::File with(std::initializer_list<std::pair<const char*, const char*>> keys) {
    ruvllm::gguf::File f;
    for (const auto& [k, v] : keys) {
        f.set(k, std::string(v));
    }
    return f;
}

TEST(BaseKind, OneKeyDecides) {
    // Our files: ruvllm.base.kind, "subword" when absent (subword files never wrote it).
    EXPECT_EQ(ruvllm::base_kind(with({{"general.architecture", "ruvllm"}})), "subword");
    EXPECT_EQ(ruvllm::base_kind(
                  with({{"general.architecture", "ruvllm"}, {"ruvllm.base.kind", "qwen2"}})),
              "qwen2");
    // Another architecture is its own kind; no architecture, none.
    EXPECT_EQ(ruvllm::base_kind(with({{"general.architecture", "qwen2"}})), "qwen2");
    EXPECT_EQ(ruvllm::base_kind(with({{"general.architecture", "llama"}})), "llama");
    EXPECT_EQ(ruvllm::base_kind(ruvllm::gguf::File{}), "");
}

TEST(OpenBase, RefusesAdaptersAndOtherArchitecturesNamingTheFile) {
    auto adapter = ruvllm::open_base(
        with({{"general.architecture", "qwen2"}, {"general.type", "adapter"}}), "a.gguf");
    ASSERT_FALSE(adapter);
    EXPECT_EQ(adapter.error().code, Errc::invalid_argument);
    EXPECT_EQ(adapter.error().message.rfind("a.gguf: is a LoRA adapter", 0), 0u)
        << adapter.error().message;
    auto llama = ruvllm::open_base(with({{"general.architecture", "llama"}}), "l.gguf");
    ASSERT_FALSE(llama);
    EXPECT_EQ(llama.error().code, Errc::unsupported);
    EXPECT_EQ(llama.error().message,
              "l.gguf: general.architecture 'llama' is not supported as a base, expected "
              "'qwen2' or a ruvllm base");
    // A ruvllm file without the subword keys: the base's own error, located once.
    auto empty = ruvllm::open_base(with({{"general.architecture", "ruvllm"}}), "e.gguf");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::format);
    EXPECT_EQ(empty.error().message.rfind("e.gguf: ", 0), 0u);
    EXPECT_EQ(empty.error().message.find("e.gguf: ", 1), std::string::npos);
}

TEST(OpenBase, ASubwordBaseFileEmbedsAsTheBaseItWasWrittenFrom) {
    ruvllm::test::TempDir dir;
    const auto b = subword(8, 1);
    ruvllm::gguf::File f;
    f.set("general.architecture", std::string("ruvllm"));
    ASSERT_TRUE(b->write_to(f, TensorType::f32));
    ASSERT_TRUE(ruvllm::gguf::write_file(f, dir / "base.gguf"));
    auto back = ruvllm::open_base(dir / "base.gguf");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ((*back)->kind(), "subword");
    EXPECT_EQ((*back)->dim(), 8);
    std::vector<float> x(8), y(8);
    b->embed("fix the login bug", x.data());
    (*back)->embed("fix the login bug", y.data());
    EXPECT_EQ(x, y);
    EXPECT_EQ((*back)->lora(), nullptr);
}

TEST(SubwordBase, StorageTypeFallsBackAsLlamaCppQuantize) {
    // Rows of 64: K types (blocks of 256) fall back to Q5_0 / Q8_0 (blocks of 32).
    const auto b64 = subword(64, 2);
    EXPECT_EQ(*b64->storage_type(TensorType::q4_k), TensorType::q5_0);
    EXPECT_EQ(*b64->storage_type(TensorType::q5_k), TensorType::q5_0);
    EXPECT_EQ(*b64->storage_type(TensorType::q6_k), TensorType::q8_0);
    EXPECT_EQ(*b64->storage_type(TensorType::q8_0), TensorType::q8_0);
    EXPECT_EQ(*b64->storage_type(TensorType::f16), TensorType::f16);
    // Rows of 16 hold no block of 32 either: F16.
    const auto b16 = subword(16, 3);
    EXPECT_EQ(*b16->storage_type(TensorType::q4_k), TensorType::f16);
    EXPECT_EQ(*b16->storage_type(TensorType::q8_0), TensorType::f16);
    EXPECT_EQ(*b16->storage_type(TensorType::bf16), TensorType::bf16);
}

TEST(RouterModel, SavingInATypeTheRowsCannotTakeIsAnErrorNotAnAbort) {
    ruvllm::test::TempDir dir;
    ruvllm::Rng rng(4);
    const ruvllm::RouterModel m = ruvllm::RouterModel::init(subword(64, 4), {"a", "b"}, 8, rng);
    ruvllm::Status s = m.save(dir / "r.gguf", TensorType::q4_k);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_NE(s.error().message.find("r.gguf: "), std::string::npos) << s.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir / "r.gguf"));
    // The type the base says it takes works.
    EXPECT_TRUE(m.save(dir / "r.gguf", *m.base->storage_type(TensorType::q4_k)));
}

// A base without training support of its own: the default feed (fixed) and storage (none).
class ToyBase : public ruvllm::Base {
public:
    std::string_view kind() const override { return "toy"; }

    int dim() const override { return 2; }

    void embed(std::string_view text, float* out) const override {
        out[0] = static_cast<float>(text.size());
        out[1] = 1.0f;
    }

    std::string describe() const override { return "toy"; }

    ruvllm::Status write_to(ruvllm::gguf::File& /*f*/, TensorType /*t*/) const override {
        return ruvllm::ok();
    }
};

TEST(Feed, AFrozenBaseGetsTheFixedFeedOfItsOwnEmbeddings) {
    auto toy = std::make_shared<const ToyBase>();
    ruvllm::FeedSpec spec;
    spec.train_texts = {"a", "abc"};
    spec.val_texts = {"abcd"};
    size_t reported = 0;
    spec.on_embed = [&](size_t done, size_t total) {
        reported += done == total ? 1 : 0;
    };
    ruvllm::Rng rng(1);
    auto feed = toy->make_feed(toy, spec, rng);
    ASSERT_TRUE(feed) << feed.error().message;
    EXPECT_EQ(reported, 2u);  // the training texts, then the validation texts
    float x[2];
    (*feed)->forward(1, x, 0);
    EXPECT_EQ(x[0], 3.0f);
    (*feed)->forward_val(0, x);
    EXPECT_EQ(x[0], 4.0f);
    EXPECT_FALSE((*feed)->trainable());
    EXPECT_TRUE((*feed)->groups().empty());
    EXPECT_EQ(*(*feed)->base(true), toy);
    // It asks for no LoRA and stores nothing in the router.
    spec.lora.layers = 1;
    auto lora = toy->make_feed(toy, spec, rng);
    ASSERT_FALSE(lora);
    EXPECT_EQ(lora.error().code, Errc::invalid_argument);
    EXPECT_EQ(toy->storage_type(TensorType::f16).error().code, Errc::unsupported);
}

TEST(Feed, SubwordFeedPoolsAsTheBaseEmbedsAndTrainsTheRowsItTouched) {
    const auto b = subword(8, 5);
    ruvllm::FeedSpec spec;
    spec.train_texts = {"fix the login bug", "deploy"};
    spec.batch = 2;
    spec.lr = 0.01f;
    spec.embedding_lr_scale = 0.5f;
    ruvllm::Rng rng(1);
    auto feed = b->make_feed(b, spec, rng);
    ASSERT_TRUE(feed) << feed.error().message;
    ASSERT_TRUE((*feed)->trainable());
    std::vector<float> x(8), want(8);
    (*feed)->forward(0, x.data(), 1);
    b->embed(spec.train_texts[0], want.data());
    EXPECT_EQ(x, want);  // bit for bit
    const std::vector<float> before = (*feed)->snapshot();
    std::vector<float> dx(8, 0.1f);
    (*feed)->backward(1, x.data(), dx.data());
    std::vector<ruvllm::ParamGroup> groups = (*feed)->groups();
    ASSERT_EQ(groups.size(), 1u);
    const ruvllm::ParamGroup& g = groups[0];
    ASSERT_NE(g.rows, nullptr);  // sparse
    EXPECT_EQ(g.row_dim, 8);
    EXPECT_FLOAT_EQ(g.lr_peak, 0.01f);
    EXPECT_FLOAT_EQ(g.lr_scale, 0.5f);
    EXPECT_TRUE(std::is_sorted(g.rows->begin(), g.rows->end()));
    EXPECT_EQ(std::adjacent_find(g.rows->begin(), g.rows->end()), g.rows->end());
    EXPECT_FALSE(g.rows->empty());
    ruvllm::adamw_step(groups, {}, 1, 0, 10);
    EXPECT_NE((*feed)->snapshot(), before);
    // The router's base after training is the feed's copy; the original is untouched.
    auto trained = (*feed)->base(true);
    ASSERT_TRUE(trained);
    EXPECT_NE(*trained, b);
    (*trained)->embed(spec.train_texts[0], x.data());
    EXPECT_NE(x, want);
    b->embed(spec.train_texts[0], x.data());
    EXPECT_EQ(x, want);
    // Back to the start.
    (*feed)->restore(before);
    (*trained)->embed(spec.train_texts[0], x.data());
    EXPECT_EQ(x, want);
    // A LoRA needs a transformer.
    spec.lora.layers = 1;
    auto lora = b->make_feed(b, spec, rng);
    ASSERT_FALSE(lora);
    EXPECT_NE(lora.error().message.find("needs a Qwen2 --base"), std::string::npos);
}

// Word dropout: each training forward embeds a random non-empty subset of the words (the base's
// own embedding of that shorter text, bit for bit), backward gives the gradients a feed without
// dropout gives for that shorter text, validation texts stay whole, and the same seed draws the
// same subsets.
TEST(Feed, WordDropoutTrainsOnARandomSubsetOfTheWords) {
    const auto b = subword(8, 5);
    const std::vector<std::string> words = {"fix", "the", "login", "bug"};
    std::vector<std::string> subsets;  // index = bit mask of the kept words
    std::vector<std::vector<float>> emb;
    for (unsigned m = 0; m < 16; m++) {
        std::string t;
        for (unsigned k = 0; k < 4; k++) {
            if ((m >> k) & 1u) {
                t += (t.empty() ? "" : " ") + words[k];
            }
        }
        subsets.push_back(t);
        std::vector<float> e(8);
        b->embed(t, e.data());
        emb.push_back(e);
    }
    auto draws = [&](uint64_t seed, std::vector<unsigned>* masks) {
        ruvllm::FeedSpec spec;
        spec.train_texts = {subsets[15]};
        spec.val_texts = {subsets[15]};
        spec.batch = 2;
        spec.word_dropout = 0.5f;
        ruvllm::Rng rng(seed);
        auto feed = b->make_feed(b, spec, rng);
        ASSERT_TRUE(feed) << feed.error().message;
        std::vector<float> x(8), dx(8);
        for (int d = 0; d < 8; d++) {
            dx[static_cast<size_t>(d)] = 0.05f * static_cast<float>(d - 3);
        }
        for (int r = 0; r < 64; r++) {
            (*feed)->forward(0, x.data(), 3);
            unsigned m = 16;
            for (unsigned c = 1; c < 16; c++) {
                if (x == emb[c]) {
                    m = c;
                }
            }
            ASSERT_LT(m, 16u) << "draw " << r << " is not the embedding of a non-empty subset";
            masks->push_back(m);
            if (r % 16 == 0) {
                // Gradients: those of a dropout-free feed on the subset's text.
                (*feed)->backward(3, x.data(), dx.data());
                std::vector<ruvllm::ParamGroup> g = (*feed)->groups();
                ruvllm::FeedSpec plain;
                plain.train_texts = {subsets[m]};
                plain.batch = 2;
                ruvllm::Rng rng2(seed);
                auto ref = b->make_feed(b, plain, rng2);
                ASSERT_TRUE(ref);
                std::vector<float> xr(8);
                (*ref)->forward(0, xr.data(), 0);
                ASSERT_EQ(xr, x);
                (*ref)->backward(0, xr.data(), dx.data());
                std::vector<ruvllm::ParamGroup> gr = (*ref)->groups();
                ASSERT_EQ(*g[0].rows, *gr[0].rows);
                for (uint32_t row : *g[0].rows) {
                    for (int d = 0; d < 8; d++) {
                        const size_t at = static_cast<size_t>(row) * 8 + d;
                        ASSERT_EQ(g[0].grads[at], gr[0].grads[at]);
                        g[0].grads[at] = 0;  // as adamw_step would
                    }
                }
            }
        }
        (*feed)->forward_val(0, x.data());
        EXPECT_EQ(x, emb[15]);  // validation texts are whole
    };
    std::vector<unsigned> a, again, other;
    draws(7, &a);
    draws(7, &again);
    draws(8, &other);
    EXPECT_EQ(a, again);
    EXPECT_NE(a, other);
    std::set<unsigned> seen(a.begin(), a.end());
    EXPECT_GE(seen.size(), 8u);  // 15 subsets, 64 draws
    EXPECT_TRUE(seen.count(15) == 1 &&
                seen.count(1) + seen.count(2) + seen.count(4) + seen.count(8) > 0);
}

}  // namespace
