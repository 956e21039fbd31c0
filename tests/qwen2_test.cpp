// qwen2_test.cpp (label: unit): the Qwen2 forward pass on tiny random models written with our
// GGUF writer (2 layers, hidden 64, 4 heads, 2 kv heads, ffn 128) and a made-up byte-level
// vocabulary (the 256 GPT-2 byte symbols and two merges). Agreement with llama.cpp itself is
// qwen2_interop_test's job; here: shapes, determinism, causality, RoPE, truncation, errors.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/formats/quant.h>
#include <ruvllm/transformer/qwen2.h>

#include "qwen2_testmodel.h"
#include "testutil.h"

namespace {

using ruvllm::test::cosine;

namespace gguf = ruvllm::gguf;
using ruvllm::Errc;
using ruvllm::Qwen2Model;
using ruvllm::Qwen2Options;
using ruvllm::TensorType;

constexpr int kE = 64, kF = 128, kH = 4, kK = 2, kLayers = 2;

struct Spec {
    std::string arch = "qwen2";
    std::string skip_tensor;  // a tensor left out
    bool biases = true;
    uint32_t n_ctx = 512;
    TensorType type = TensorType::f32;  // of the 2-D weights
    uint64_t seed = 7;
    // Called on each tensor's values before it is added (hand-made weights).
    std::function<void(const std::string&, std::vector<float>&)> edit;

    // Chained setters (designated initialisers warn on the defaulted members with GCC 12).
    template <class T>
    Spec with(T Spec::*member, T value) const {
        Spec s = *this;
        s.*member = std::move(value);
        return s;
    }
};

std::vector<float> randn(ruvllm::Rng& rng, size_t n, float scale, float offset = 0) {
    std::vector<float> x(n);
    for (float& v : x) {
        v = offset + scale * (rng.uniform_f32() * 2 - 1);
    }
    return x;
}

gguf::File make_model(const Spec& s) {
    gguf::File f;
    f.set("general.architecture", s.arch);
    f.set("qwen2.block_count", static_cast<uint32_t>(kLayers));
    f.set("qwen2.context_length", s.n_ctx);
    f.set("qwen2.embedding_length", static_cast<uint32_t>(kE));
    f.set("qwen2.feed_forward_length", static_cast<uint32_t>(kF));
    f.set("qwen2.attention.head_count", static_cast<uint32_t>(kH));
    f.set("qwen2.attention.head_count_kv", static_cast<uint32_t>(kK));
    f.set("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
    f.set("qwen2.rope.freq_base", 10000.0f);
    const uint64_t V = ruvllm::test::add_vocab(f, nullptr);  // byte-level (qwen2_testmodel.h)

    ruvllm::Rng rng(s.seed);
    auto add =
        [&](const std::string& name, std::vector<uint64_t> shape, float scale, float offset = 0) {
            size_t n = 1;
            for (const uint64_t d : shape) {
                n *= d;
            }
            std::vector<float> x = randn(rng, n, scale, offset);
            if (s.edit) {
                s.edit(name, x);
            }
            if (name == s.skip_tensor) {
                return;
            }
            const TensorType t = shape.size() == 2 ? s.type : TensorType::f32;
            ASSERT_TRUE(f.add_tensor(name, std::move(shape), x, t).ok()) << name;
        };
    const uint64_t E = kE, F = kF, KD = kK * (kE / kH);
    add("token_embd.weight", {E, V}, 1.0f);
    for (int il = 0; il < kLayers; il++) {
        const std::string p = "blk." + std::to_string(il) + ".";
        add(p + "attn_norm.weight", {E}, 0.2f, 1.0f);
        add(p + "attn_q.weight", {E, E}, 0.25f);
        add(p + "attn_k.weight", {E, KD}, 0.25f);
        add(p + "attn_v.weight", {E, KD}, 0.25f);
        if (s.biases) {
            add(p + "attn_q.bias", {E}, 0.3f);
            add(p + "attn_k.bias", {KD}, 0.3f);
            add(p + "attn_v.bias", {KD}, 0.3f);
        }
        add(p + "attn_output.weight", {E, E}, 0.2f);
        add(p + "ffn_norm.weight", {E}, 0.2f, 1.0f);
        add(p + "ffn_gate.weight", {E, F}, 0.2f);
        add(p + "ffn_up.weight", {E, F}, 0.2f);
        add(p + "ffn_down.weight", {F, E}, 0.15f);
    }
    add("output_norm.weight", {E}, 0.2f, 1.0f);
    return f;
}

Qwen2Model load(const Spec& s = {}, const Qwen2Options& o = {}) {
    ruvllm::Result<Qwen2Model> m = Qwen2Model::from_gguf(make_model(s), o);
    EXPECT_TRUE(m) << m.error().message;
    return std::move(*m);
}

std::vector<float> embed(const Qwen2Model& m, const std::string& text) {
    std::vector<float> v(static_cast<size_t>(m.dim()));
    m.embed(text, v.data());
    return v;
}

}  // namespace

TEST(Qwen2, ReadsConfigAndGivesShapes) {
    const Qwen2Model m = load();
    const ruvllm::Qwen2Config& c = m.config();
    EXPECT_EQ(c.n_layer, kLayers);
    EXPECT_EQ(c.n_embd, kE);
    EXPECT_EQ(c.n_ff, kF);
    EXPECT_EQ(c.n_head, kH);
    EXPECT_EQ(c.n_head_kv, kK);
    EXPECT_EQ(c.n_ctx, 512);
    EXPECT_EQ(c.n_vocab, 258);
    EXPECT_EQ(c.head_dim(), 16);
    EXPECT_EQ(m.dim(), kE);
    // No BOS for Qwen2; "ab" is merged; token ids are byte values here (" " is 32).
    EXPECT_EQ(m.tokenize("ab c"), (std::vector<int32_t>{256, 32, 99}));
    const std::vector<int32_t> ids = {1, 2, 3, 4, 5};
    ruvllm::Result<std::vector<float>> h = m.forward(ids);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->size(), 5u * kE);
    for (const float x : *h) {
        ASSERT_TRUE(std::isfinite(x));
    }
    const std::vector<float> v = embed(m, "hello world");
    double norm = 0;
    for (const float x : v) {
        norm += double(x) * x;
    }
    EXPECT_NEAR(norm, 1.0, 1e-5);
    EXPECT_TRUE(m.forward(std::vector<int32_t>{})->empty());
    EXPECT_EQ(embed(m, ""), std::vector<float>(kE, 0.0f));
}

TEST(Qwen2, PoolingMeanLastAndRaw) {
    const Qwen2Model mean = load({}, {.normalize = false});
    const Qwen2Model last = load({}, {.pooling = ruvllm::Pooling::last, .normalize = false});
    const std::string text = "pool me";
    const std::vector<int32_t> ids = mean.tokenize(text);
    ASSERT_EQ(ids.size(), 7u);
    const std::vector<float> h = *mean.forward(ids);
    const std::vector<float> vm = embed(mean, text), vl = embed(last, text);
    for (int i = 0; i < kE; i++) {
        double s = 0;
        for (size_t t = 0; t < ids.size(); t++) {
            s += h[t * kE + size_t(i)];
        }
        EXPECT_NEAR(vm[size_t(i)], s / double(ids.size()), 1e-5) << i;
        EXPECT_EQ(vl[size_t(i)], h[(ids.size() - 1) * kE + size_t(i)]) << i;
    }
    EXPECT_LT(cosine(vm, vl), 0.999);  // the two poolings really differ
}

TEST(Qwen2, DeterministicAcrossLoadsAndThreads) {
    const std::string text(300, 'x');  // 300 tokens: large enough to use the threads
    const Qwen2Model a = load({}, {.n_threads = 1});
    const Qwen2Model b = load({}, {.n_threads = 2});
    const Qwen2Model c = load({}, {.n_threads = 2});
    ASSERT_EQ(a.tokenize(text).size(), 300u);
    const std::vector<float> va = embed(a, text);
    EXPECT_EQ(va, embed(b, text));
    EXPECT_EQ(va, embed(c, text));
    EXPECT_EQ(embed(c, text), embed(c, text));
    EXPECT_NE(va, embed(load(Spec{}.with(&Spec::seed, uint64_t{8})), text));
}

TEST(Qwen2, AttentionIsCausal) {
    const Qwen2Model m = load();
    const std::vector<int32_t> ab = {97, 98}, abc = {97, 98, 99}, abd = {97, 98, 100};
    const std::vector<float> h2 = *m.forward(ab), h3 = *m.forward(abc), h3d = *m.forward(abd);
    for (size_t i = 0; i < 2 * kE; i++) {
        ASSERT_EQ(h2[i], h3[i]) << i;
        ASSERT_EQ(h3[i], h3d[i]) << i;
    }
    // The last token does see the earlier ones: changing token 0 changes the state of token 2.
    const std::vector<float> hx = *m.forward(std::vector<int32_t>{120, 98, 99});
    double diff = 0;
    for (size_t i = 2 * kE; i < 3 * kE; i++) {
        diff += std::fabs(hx[i] - h3[i]);
    }
    EXPECT_GT(diff, 1e-3);
}

// A model whose output can be computed by hand: in layer 0, q = k = 0 (attention weights are
// uniform over the prefix), v = the first K D inputs of rmsnorm(x) + bv, Wo = I, FFN = 0;
// layer 1 is zero. Checks RMSNorm, the V bias, the residuals, causal averaging, the query ->
// kv head map (heads 0, 1 read kv head 0; heads 2, 3 kv head 1) and the final norm.
TEST(Qwen2, HandMadeModelGivesHandComputedStates) {
    const int KD = kK * (kE / kH), D = kE / kH;
    std::vector<float> emb, bv, out_norm;
    auto edit = [&](const std::string& name, std::vector<float>& x) {
        const bool l0 = name.rfind("blk.0.", 0) == 0;
        if (name == "token_embd.weight") {
            emb = x;
        } else if (name == "output_norm.weight") {
            out_norm = x;
        } else if (name.find("_norm.weight") != std::string::npos) {
            std::fill(x.begin(), x.end(), 1.0f);
        } else if (l0 && name == "blk.0.attn_v.bias") {
            bv = x;
        } else {
            std::fill(x.begin(), x.end(), 0.0f);
            if (l0 && name == "blk.0.attn_v.weight") {
                for (int j = 0; j < KD; j++) {
                    x[size_t(j) * kE + size_t(j)] = 1;  // v_j = n_j + bv_j
                }
            } else if (l0 && name == "blk.0.attn_output.weight") {
                for (int j = 0; j < kE; j++) {
                    x[size_t(j) * kE + size_t(j)] = 1;
                }
            }
        }
    };
    const Qwen2Model m = load(Spec{}.with(&Spec::edit, std::function(edit)));
    const std::vector<int32_t> ids = {97, 98, 99, 97};
    const std::vector<float> h = *m.forward(ids);
    auto rms_normed = [](std::vector<float> v) {
        double ss = 0;
        for (const float x : v) {
            ss += double(x) * x;
        }
        const double inv = 1 / std::sqrt(ss / double(v.size()) + 1e-6);
        for (float& x : v) {
            x = float(x * inv);
        }
        return v;
    };
    std::vector<std::vector<float>> vs;  // v_s (K D)
    for (size_t t = 0; t < ids.size(); t++) {
        const auto row = emb.begin() + ids[t] * kE;
        const std::vector<float> e(row, row + kE);
        const std::vector<float> n = rms_normed(e);
        std::vector<float> v(static_cast<size_t>(KD));
        for (int j = 0; j < KD; j++) {
            v[size_t(j)] = n[size_t(j)] + bv[size_t(j)];
        }
        vs.push_back(v);
        std::vector<float> x = e;  // x + Wo attn
        for (int head = 0; head < kH; head++) {
            const int kv = head / (kH / kK);
            for (int i = 0; i < D; i++) {
                double mean = 0;
                for (size_t s = 0; s <= t; s++) {
                    mean += vs[s][size_t(kv * D + i)];
                }
                x[size_t(head * D + i)] += float(mean / double(t + 1));
            }
        }
        const std::vector<float> want = rms_normed(x);
        for (int i = 0; i < kE; i++) {
            ASSERT_NEAR(h[t * kE + size_t(i)], want[size_t(i)] * out_norm[size_t(i)], 1e-4)
                << "token " << t << " dim " << i;
        }
    }
}

TEST(Qwen2, RopeRotatesHalvesAndKeepsRelativePositions) {
    float v[2] = {1, 0};
    ruvllm::rope_neox(v, 2, 1, 10000.0f);  // i = 0: angle = pos
    EXPECT_NEAR(v[0], std::cos(1.0), 1e-6);
    EXPECT_NEAR(v[1], std::sin(1.0), 1e-6);
    // d = 4, base 100: pair (0, 2) turns by pos, pair (1, 3) by pos / 10.
    float w[4] = {1, 2, 3, 4};
    ruvllm::rope_neox(w, 4, 3, 100.0f);
    EXPECT_NEAR(w[0], 1 * std::cos(3.0) - 3 * std::sin(3.0), 1e-5);
    EXPECT_NEAR(w[2], 1 * std::sin(3.0) + 3 * std::cos(3.0), 1e-5);
    EXPECT_NEAR(w[1], 2 * std::cos(0.3) - 4 * std::sin(0.3), 1e-5);
    EXPECT_NEAR(w[3], 2 * std::sin(0.3) + 4 * std::cos(0.3), 1e-5);
    float z[4] = {1, 2, 3, 4};
    ruvllm::rope_neox(z, 4, 0, 100.0f);
    EXPECT_EQ(z[1], 2.0f);
    // q.k depends only on the distance between the positions.
    ruvllm::Rng rng(3);
    const std::vector<float> q0 = randn(rng, 64, 1), k0 = randn(rng, 64, 1);
    auto score = [&](int m, int n) {
        std::vector<float> q = q0, k = k0;
        ruvllm::rope_neox(q.data(), 64, m, 10000.0f);
        ruvllm::rope_neox(k.data(), 64, n, 10000.0f);
        double s = 0;
        for (size_t i = 0; i < 64; i++) {
            s += double(q[i]) * k[i];
        }
        return s;
    };
    EXPECT_NEAR(score(5, 2), score(105, 102), 1e-3);
    EXPECT_NEAR(score(7, 7), score(0, 0), 1e-3);
    EXPECT_GT(std::fabs(score(5, 2) - score(5, 4)), 1e-3);
}

TEST(Qwen2, TruncatesToContextAndMaxTokens) {
    const Qwen2Model m = load(Spec{}.with(&Spec::n_ctx, uint32_t{8}));
    const std::string text(20, 'z');
    EXPECT_EQ(m.tokenize(text).size(), 8u);
    const std::vector<float> v = embed(m, text);
    EXPECT_EQ(v, embed(m, std::string(8, 'z')));
    EXPECT_FALSE(m.forward(std::vector<int32_t>(9, 122)));
    const Qwen2Model short_m = load({}, {.max_tokens = 3});
    EXPECT_EQ(short_m.tokenize(text).size(), 3u);
    ruvllm::Result<std::vector<float>> bad = m.forward(std::vector<int32_t>{1, 258});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

TEST(Qwen2, QuantisedWeightsStayClose) {
    const Qwen2Model f32 = load();
    const Qwen2Model q8 = load(Spec{}.with(&Spec::type, TensorType::q8_0));
    const Qwen2Model q4 = load(Spec{}.with(&Spec::type, TensorType::q4_0));
    for (const char* text : {"fix the flaky CI job", "ab ab b", "x"}) {
        EXPECT_GT(cosine(embed(f32, text), embed(q8, text)), 0.999) << text;
        EXPECT_GT(cosine(embed(f32, text), embed(q4, text)), 0.95) << text;
    }
}

// Several texts packed into one pass give each text's own embedding: positions restart and
// attention stays inside each text (a leak across texts would move them far more than this).
TEST(Qwen2, EmbedManyPacksTextsWithoutMixingThem) {
    for (const TensorType type : {TensorType::f32, TensorType::q8_0}) {
        const Qwen2Model m = load(Spec{}.with(&Spec::type, type));
        const std::vector<std::string> texts = {
            "fix the flaky CI job", "", "ab ab b", std::string(40, 'q'), "x", "pool me"};
        for (const int pass : {512, 16, 1}) {  // one pass; several; one text per pass
            std::vector<float> out(texts.size() * kE, -1.0f);
            m.embed_many(texts, out.data(), pass);
            for (size_t i = 0; i < texts.size(); i++) {
                const std::vector<float> one = embed(m, texts[i]);
                const std::vector<float> got(out.begin() + i * kE, out.begin() + (i + 1) * kE);
                if (texts[i].empty()) {
                    EXPECT_EQ(got, one) << "zeros";
                    continue;
                }
                float worst = 0;
                for (int e = 0; e < kE; e++) {
                    worst = std::max(worst, std::abs(got[size_t(e)] - one[size_t(e)]));
                }
                EXPECT_LT(worst, 1e-5f) << "text " << i << " pass " << pass << " "
                                        << ruvllm::quant::type_info(type).name;
            }
        }
    }
}

TEST(Qwen2, BiasesAreOptional) {
    const Qwen2Model m = load(Spec{}.with(&Spec::biases, false));
    EXPECT_NE(embed(m, "abc"), embed(load(), "abc"));
}

TEST(Qwen2, RejectsOtherArchitecturesAndMissingTensors) {
    ruvllm::Result<Qwen2Model> llama =
        Qwen2Model::from_gguf(make_model(Spec{}.with(&Spec::arch, std::string("llama"))));
    ASSERT_FALSE(llama);
    EXPECT_EQ(llama.error().code, Errc::unsupported);
    EXPECT_NE(llama.error().message.find("'llama'"), std::string::npos) << llama.error().message;

    for (const std::string name : {"blk.1.ffn_up.weight",
                                   "output_norm.weight",
                                   "token_embd.weight",
                                   "blk.0.attn_norm.weight"}) {
        ruvllm::Result<Qwen2Model> m =
            Qwen2Model::from_gguf(make_model(Spec{}.with(&Spec::skip_tensor, name)));
        ASSERT_FALSE(m) << name;
        EXPECT_EQ(m.error().code, Errc::format) << name;
        EXPECT_NE(m.error().message.find("'" + name + "'"), std::string::npos) << m.error().message;
    }

    gguf::File no_key = make_model({});
    no_key.remove("qwen2.feed_forward_length");
    ruvllm::Result<Qwen2Model> m = Qwen2Model::from_gguf(no_key);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::format);
    EXPECT_NE(m.error().message.find("qwen2.feed_forward_length"), std::string::npos);

    gguf::File wrong_ff = make_model({});
    wrong_ff.set("qwen2.feed_forward_length", static_cast<uint32_t>(96));
    m = Qwen2Model::from_gguf(wrong_ff);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::format);
    EXPECT_NE(m.error().message.find("blk.0.ffn_gate.weight"), std::string::npos)
        << m.error().message;

    gguf::File yarn = make_model({});
    yarn.set("qwen2.rope.scaling.type", std::string("yarn"));
    m = Qwen2Model::from_gguf(yarn);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::unsupported);
    EXPECT_NE(m.error().message.find("'yarn'"), std::string::npos) << m.error().message;
    yarn.set("qwen2.rope.scaling.type", std::string("none"));
    EXPECT_TRUE(Qwen2Model::from_gguf(yarn));

    gguf::File partial_rope = make_model({});
    partial_rope.set("qwen2.rope.dimension_count", static_cast<uint32_t>(8));
    m = Qwen2Model::from_gguf(partial_rope);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::unsupported);
    partial_rope.set("qwen2.rope.dimension_count", static_cast<uint32_t>(16));
    EXPECT_TRUE(Qwen2Model::from_gguf(partial_rope));

    gguf::File no_tok = make_model({});
    no_tok.remove("tokenizer.ggml.tokens");
    m = Qwen2Model::from_gguf(no_tok);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::format);

    m = Qwen2Model::load("/nonexistent/model.gguf");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::io);
}

// A NaN or infinity anywhere the model reads (a quantised block's scale, an F32 weight, a norm,
// a bias, the token embeddings) is refused at load, naming the tensor, instead of making every
// embedding NaN later.
TEST(Qwen2, RefusesNonFiniteWeightsAtLoad) {
    struct Case {
        TensorType type;
        std::string tensor;
        size_t byte;  // into the tensor's data: where a F16 scale or an F32 value starts
        bool half;
    };

    const std::vector<Case> cases = {
        {TensorType::q8_0, "blk.1.ffn_down.weight", 34 * 3, true},  // block 3's d
        {TensorType::q4_1, "blk.0.attn_q.weight", 2, true},         // block 0's m
        {TensorType::q5_0, "token_embd.weight", 22 * 5, true},      // block 5's d
        {TensorType::f32, "blk.0.attn_k.weight", 4 * 5, false},
        {TensorType::f32, "blk.1.attn_v.bias", 0, false},
        {TensorType::f32, "output_norm.weight", 4 * 7, false},
    };
    for (const Case& c : cases) {
        for (const float bad :
             {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
            SCOPED_TRACE(c.tensor + " " + std::to_string(bad));
            std::vector<uint8_t> bytes = gguf::write(make_model(Spec{}.with(&Spec::type, c.type)));
            ruvllm::Result<gguf::File> clean = gguf::read(bytes);
            ASSERT_TRUE(clean);
            ASSERT_TRUE(Qwen2Model::from_gguf(*clean));
            const gguf::TensorInfo* t = clean->find_tensor(c.tensor);
            ASSERT_NE(t, nullptr);
            const size_t at = clean->data_offset() + t->offset + c.byte;
            if (c.half) {
                const uint16_t h = ruvllm::quant::f32_to_f16(bad);
                bytes[at] = static_cast<uint8_t>(h & 0xFF);
                bytes[at + 1] = static_cast<uint8_t>(h >> 8);
            } else {
                std::memcpy(bytes.data() + at, &bad, 4);
            }
            ruvllm::Result<gguf::File> g = gguf::read(bytes);
            ASSERT_TRUE(g);
            ruvllm::Result<Qwen2Model> m = Qwen2Model::from_gguf(*g);
            ASSERT_FALSE(m);
            EXPECT_EQ(m.error().code, Errc::format);
            EXPECT_NE(m.error().message.find("tensor '" + c.tensor + "' holds"), std::string::npos)
                << m.error().message;
        }
    }
}

TEST(Qwen2, LoadsFromFile) {
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(
        gguf::write_file(make_model(Spec{}.with(&Spec::type, TensorType::q8_0)), dir / "m.gguf"));
    ruvllm::Result<Qwen2Model> m = Qwen2Model::load(dir / "m.gguf");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(embed(*m, "some text"),
              embed(load(Spec{}.with(&Spec::type, TensorType::q8_0)), "some text"));
}
