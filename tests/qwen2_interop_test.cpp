// qwen2_interop_test.cpp (label: interop): our Qwen2 forward pass against llama.cpp's.
// A tiny random Qwen2 model (2 layers, hidden 256, 4 heads, 2 kv heads, ffn 512, the real
// Qwen2 vocabulary and merges from llama.cpp's models/ggml-vocab-qwen2.gguf) is written by our
// GGUF writer with every 2-D weight in one type (F32, Q8_0, Q6_K, Q4_K, Q5_0), loaded by
// llama.cpp (libllama from the npm oracle, through dlopen) with embeddings = true and mean (or
// last-token) pooling, and by Qwen2Model; the pooled embeddings of a set of texts must have
// cosine >= 0.999 (>= 0.99999 for F32), while those of different texts stay below 0.99.
// llama.cpp's CPU kernels quantise the activations too for quantised weights (Q8_0 / Q8_K dot
// products), so the quantised types are not bit-comparable; the F32 model nearly is.
// Skips with a message when the oracle or the vocabulary fixture is missing, or when the struct
// layouts we pass do not match the pinned build's defaults (another llama.cpp build).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/qwen2.h>

#include "llama_embedder.h"
#include "qwen2_testmodel.h"
#include "testutil.h"

namespace {

using ruvllm::test::cosine;

namespace fs = std::filesystem;
namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

constexpr uint64_t kE = 256, kF = 512, kH = 4, kK = 2, kLayers = 2;

using ruvllm::test::LlamaEmbedder;

LlamaEmbedder& llama() {
    static LlamaEmbedder e(static_cast<int32_t>(kE));
    return e;
}

// A random Qwen2 model with the vocabulary of `vocab` and every 2-D weight in `type`
// (qwen2_testmodel.h; the same weights for every type).
gguf::File make_model(const gguf::File& vocab, TensorType type) {
    ruvllm::test::TinyQwen2 s;
    s.E = kE;
    s.F = kF;
    s.H = kH;
    s.K = kK;
    s.layers = kLayers;
    s.rope_base = 1000000.0f;
    s.type = type;
    s.seed = 2024;
    return ruvllm::test::make_tiny_qwen2(s, &vocab);
}

const char* const kTexts[] = {
    "Hello world",
    "fix the flaky CI job on arm64",
    "Refactor the authentication middleware to use JWT tokens and add unit tests.",
    "def add(a, b):\n    return a + b\n",
    "  leading spaces and trailing  ",
    "Ünïcödé: naïve café, 東京, Привет мир 🚀",
    "SELECT id, name FROM users WHERE age > 42 ORDER BY name;",
    "a",
    "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. "
    "The quick brown fox jumps over the lazy dog again and again, 1234567890 times!",
    "<|im_start|>user\nroute this task<|im_end|>",
    "security review of the payment service: check for SQL injection and XSS",
};

void expect_same_embeddings(TensorType type, ruvllm::Pooling pooling = ruvllm::Pooling::mean) {
    const fs::path vocab_path = fs::path(RUVLLM_ORACLE_DIR) / "llama-vocab/ggml-vocab-qwen2.gguf";
    if (!fs::exists(vocab_path)) {
        GTEST_SKIP() << "interop skipped: " << vocab_path
                     << " not found (run scripts/fetch_oracles)";
    }
    if (!llama().error.empty()) {
        GTEST_SKIP() << "interop skipped: " << llama().error;
    }
    ruvllm::Result<gguf::File> vocab = gguf::read_file(vocab_path);
    ASSERT_TRUE(vocab) << vocab.error().message;
    ruvllm::test::TempDir dir;
    const fs::path path = dir / "tiny-qwen2.gguf";
    ASSERT_TRUE(gguf::write_file(make_model(*vocab, type), path));

    ruvllm::Qwen2Options options;
    options.pooling = pooling;
    ruvllm::Result<ruvllm::Qwen2Model> ours = ruvllm::Qwen2Model::load(path, options);
    ASSERT_TRUE(ours) << ours.error().message;
    std::vector<std::vector<int32_t>> ids;
    for (const char* text : kTexts) {
        ids.push_back(ours->tokenize(text));
    }
    const bool last = pooling == ruvllm::Pooling::last;
    const std::vector<std::vector<float>> theirs = llama().embed(path, ids, last ? 3 : 1);
    ASSERT_EQ(theirs.size(), ids.size());
    const std::string name =
        std::string(ruvllm::quant::type_info(type).name) + (last ? " last-token" : " mean");
    // F32 weights: the same arithmetic up to summation order; quantised weights: llama.cpp
    // also quantises the activations.
    const double threshold = type == TensorType::f32 ? 0.99999 : 0.999;
    double worst = 1, other = -1;
    for (size_t i = 0; i < ids.size(); i++) {
        std::vector<float> mine(kE);
        ours->embed(kTexts[i], mine.data());
        const double c = cosine(mine, theirs[i]);
        worst = std::min(worst, c);
        EXPECT_GE(c, threshold) << name << " text " << i << " (" << ids[i].size() << " tokens)";
        for (size_t j = 0; j < ids.size(); j++) {
            if (j != i) {
                other = std::max(other, cosine(mine, theirs[j]));
            }
        }
    }
    // The check discriminates: embeddings of different texts are far below the threshold.
    EXPECT_LT(other, 0.99) << name;
    std::printf(
        "[ interop  ] %s: %zu texts, min cosine vs llama.cpp %.7f (max %.4f between "
        "different texts)\n",
        name.c_str(),
        ids.size(),
        worst,
        other);
}

}  // namespace

TEST(Qwen2Interop, F32MatchesLlamaCpp) {
    expect_same_embeddings(TensorType::f32);
}

TEST(Qwen2Interop, Q8_0MatchesLlamaCpp) {
    expect_same_embeddings(TensorType::q8_0);
}

TEST(Qwen2Interop, Q6_KMatchesLlamaCpp) {
    expect_same_embeddings(TensorType::q6_k);
}

TEST(Qwen2Interop, Q4_KMatchesLlamaCpp) {
    expect_same_embeddings(TensorType::q4_k);
}

TEST(Qwen2Interop, Q5_0MatchesLlamaCpp) {
    expect_same_embeddings(TensorType::q5_0);
}

TEST(Qwen2Interop, F32LastTokenPoolingMatchesLlamaCpp) {
    expect_same_embeddings(TensorType::f32, ruvllm::Pooling::last);
}

TEST(Qwen2Interop, Q8_0LastTokenPoolingMatchesLlamaCpp) {
    expect_same_embeddings(TensorType::q8_0, ruvllm::Pooling::last);
}
