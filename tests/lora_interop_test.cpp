// lora_interop_test.cpp (label: interop): our LoRA adapters and merged models against
// llama.cpp's. A tiny random Qwen2 model (qwen2_testmodel.h: 2 layers, hidden 256, 4 heads,
// 2 kv heads, ffn 512, the real Qwen2 vocabulary from llama.cpp's models/ggml-vocab-qwen2.gguf)
// gets a random LoRA (rank 4, alpha 8) on attn_q/k/v/output of both layers, written by
// write_lora_gguf. llama.cpp (libllama from the npm oracle, through dlopen) loads it with
// llama_adapter_lora_init and applies it with llama_set_adapters_lora at user scale 0.5; we
// apply it with Qwen2Options::adapter. Their mean-pooled embeddings must have cosine >= 0.999,
// and so must llama.cpp's on our merged file (merge_lora) against ours with the adapter, while
// the adapter moves the embeddings well away from the base model's (cosine < 0.99).
// The same for a Q8_0 base. llama.cpp must also reject an adapter of another architecture and
// one whose lora_a is stored transposed, so the loader is really checking what we write.
// Skips with a message when the oracle or the vocabulary fixture is missing, or when the struct
// layouts we pass do not match the pinned build's defaults (another llama.cpp build).
// LlamaEmbedder (llama_embedder.h) is qwen2_interop_test.cpp's, with the adapter functions.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <ruvllm/embed/qwen2_base.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/train.h>
#include <ruvllm/transformer/lora.h>
#include <ruvllm/transformer/qwen2.h>

#include "llama_embedder.h"
#include "qwen2_testmodel.h"
#include "testutil.h"

namespace {

using ruvllm::test::cosine;

namespace fs = std::filesystem;
namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

constexpr uint64_t kE = 256;

using ruvllm::test::LlamaEmbedder;

LlamaEmbedder& llama() {
    static LlamaEmbedder e(static_cast<int32_t>(kE), true);
    return e;
}

const char* const kTexts[] = {
    "Hello world",
    "fix the flaky CI job on arm64",
    "Refactor the authentication middleware to use JWT tokens and add unit tests.",
    "def add(a, b):\n    return a + b\n",
    "Ünïcödé: naïve café, 東京, Привет мир 🚀",
    "SELECT id, name FROM users WHERE age > 42 ORDER BY name;",
    "security review of the payment service: check for SQL injection and XSS",
};

ruvllm::test::TinyQwen2 spec(TensorType type) {
    ruvllm::test::TinyQwen2 s;
    s.E = kE;
    s.F = 512;
    s.H = 4;
    s.K = 2;
    s.layers = 2;
    s.rope_base = 1000000.0f;
    s.type = type;
    s.seed = 2024;
    return s;
}

fs::path vocab_path() {
    return fs::path(RUVLLM_ORACLE_DIR) / "llama-vocab/ggml-vocab-qwen2.gguf";
}

// Why the oracle cannot run, or "" when it can.
std::string oracle_missing() {
    if (!fs::exists(vocab_path())) {
        return vocab_path().string() + " not found (run scripts/fetch_oracles)";
    }
    return llama().error;
}

constexpr float kAlpha = 8.0f, kUserScale = 0.5f;
constexpr int kRank = 4;

void expect_adapter_matches(TensorType type) {
    ruvllm::Result<gguf::File> vocab = gguf::read_file(vocab_path());
    ASSERT_TRUE(vocab) << vocab.error().message;
    const ruvllm::test::TinyQwen2 s = spec(type);
    const gguf::File base = ruvllm::test::make_tiny_qwen2(s, &*vocab);
    auto ad = std::make_shared<ruvllm::LoraAdapter>(ruvllm::test::make_random_lora(
        base, ruvllm::test::attention_targets(s), kRank, kAlpha, 0.3f, 99));
    ruvllm::test::TempDir dir;
    const fs::path base_path = dir / "base.gguf", lora_path = dir / "lora.gguf",
                   merged_path = dir / "merged.gguf";
    ASSERT_TRUE(gguf::write_file(base, base_path));
    ASSERT_TRUE(ruvllm::write_lora_gguf(lora_path, *ad));
    ASSERT_TRUE(ruvllm::merge_lora(base, *ad, kUserScale, merged_path));

    ruvllm::Qwen2Options plain_opts;
    plain_opts.normalize = false;
    ruvllm::Qwen2Options lora_opts = plain_opts;
    lora_opts.adapter = ad;
    lora_opts.adapter_scale = kUserScale;
    ruvllm::Result<ruvllm::Qwen2Model> plain = ruvllm::Qwen2Model::load(base_path, plain_opts);
    ruvllm::Result<ruvllm::Qwen2Model> ours = ruvllm::Qwen2Model::load(base_path, lora_opts);
    ASSERT_TRUE(plain && ours);

    std::vector<std::vector<int32_t>> ids;
    for (const char* text : kTexts) {
        ids.push_back(ours->tokenize(text));
    }
    const auto with_adapter = llama().embed(base_path, ids, 1, lora_path, kUserScale);
    const auto merged = llama().embed(merged_path, ids, 1);
    const auto without = llama().embed(base_path, ids, 1);
    ASSERT_EQ(with_adapter.size(), ids.size());
    ASSERT_EQ(merged.size(), ids.size());
    ASSERT_EQ(without.size(), ids.size());
    const std::string name(ruvllm::quant::type_info(type).name);
    // F32: the same arithmetic up to summation order (as in qwen2_interop_test); quantised
    // weights: llama.cpp quantises the activations too, and the merged file is re-quantised.
    const double threshold = type == TensorType::f32 ? 0.99999 : 0.999;
    double worst_adapter = 1, worst_merged = 1, base_vs_adapted = -1, base_match = 1;
    for (size_t i = 0; i < ids.size(); i++) {
        std::vector<float> mine(kE), mine_plain(kE);
        ours->embed(kTexts[i], mine.data());
        plain->embed(kTexts[i], mine_plain.data());
        const double ca = cosine(mine, with_adapter[i]);
        const double cm = cosine(mine, merged[i]);
        worst_adapter = std::min(worst_adapter, ca);
        worst_merged = std::min(worst_merged, cm);
        base_vs_adapted = std::max(base_vs_adapted, cosine(mine, mine_plain));
        base_match = std::min(base_match, cosine(mine_plain, without[i]));
        EXPECT_GE(ca, threshold) << name << " text " << i << ": llama.cpp + adapter vs ours";
        EXPECT_GE(cm, threshold) << name << " text " << i << ": llama.cpp on merged vs ours";
    }
    // The adapter matters: without it the embeddings are far from the adapted ones, and
    // llama.cpp without it agrees with our base model (so the adapter is what is compared).
    EXPECT_LT(base_vs_adapted, 0.99) << name;
    EXPECT_GE(base_match, threshold) << name;
    std::printf(
        "[ interop  ] %s base, LoRA rank %d alpha %.0f scale %.1f on %zu tensors, %zu texts: min "
        "cosine ours vs llama.cpp+adapter %.9f, vs llama.cpp on merged %.9f; max cosine "
        "adapted vs base %.4f; base vs llama.cpp base %.9f\n",
        name.c_str(),
        kRank,
        static_cast<double>(kAlpha),
        static_cast<double>(kUserScale),
        ad->tensors.size(),
        ids.size(),
        worst_adapter,
        worst_merged,
        base_vs_adapted,
        base_match);
}

}  // namespace

TEST(LoraInterop, F32AdapterAndMergeMatchLlamaCpp) {
    const std::string why = oracle_missing();
    if (!why.empty()) {
        GTEST_SKIP() << "interop skipped: " << why;
    }
    expect_adapter_matches(TensorType::f32);
}

TEST(LoraInterop, Q8_0AdapterAndMergeMatchLlamaCpp) {
    const std::string why = oracle_missing();
    if (!why.empty()) {
        GTEST_SKIP() << "interop skipped: " << why;
    }
    expect_adapter_matches(TensorType::q8_0);
}

// llama.cpp checks what we write: a wrong architecture or a transposed lora_a is refused.
TEST(LoraInterop, LlamaCppRejectsMismatchedAdapters) {
    const std::string why = oracle_missing();
    if (!why.empty()) {
        GTEST_SKIP() << "interop skipped: " << why;
    }
    ruvllm::Result<gguf::File> vocab = gguf::read_file(vocab_path());
    ASSERT_TRUE(vocab) << vocab.error().message;
    const ruvllm::test::TinyQwen2 s = spec(TensorType::f32);
    const gguf::File base = ruvllm::test::make_tiny_qwen2(s, &*vocab);
    ruvllm::LoraAdapter ad =
        ruvllm::test::make_random_lora(base, {"blk.0.attn_q.weight"}, kRank, kAlpha, 0.3f, 3);
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(gguf::write_file(base, dir / "base.gguf"));
    ASSERT_TRUE(ruvllm::write_lora_gguf(dir / "good.gguf", ad));
    EXPECT_TRUE(llama().adapter_loads(dir / "base.gguf", dir / "good.gguf"));
    ASSERT_TRUE(ruvllm::write_lora_gguf(dir / "f16.gguf", ad, TensorType::f16));
    EXPECT_TRUE(llama().adapter_loads(dir / "base.gguf", dir / "f16.gguf"));

    ad.architecture = "llama";
    ASSERT_TRUE(ruvllm::write_lora_gguf(dir / "llama.gguf", ad));
    EXPECT_FALSE(llama().adapter_loads(dir / "base.gguf", dir / "llama.gguf"));

    // The same values with lora_a's shape written as {rank, in}.
    gguf::File t;
    t.set("general.architecture", std::string("qwen2"));
    t.set("general.type", std::string("adapter"));
    t.set("adapter.type", std::string("lora"));
    t.set("adapter.lora.alpha", kAlpha);
    const ruvllm::LoraTensor& lt = ad.tensors[0];
    ASSERT_TRUE(t.add_tensor(lt.base_name + ".lora_a", {uint64_t(kRank), kE}, lt.a));
    ASSERT_TRUE(t.add_tensor(lt.base_name + ".lora_b", {uint64_t(kRank), kE}, lt.b));
    ASSERT_TRUE(gguf::write_file(t, dir / "transposed.gguf"));
    EXPECT_FALSE(llama().adapter_loads(dir / "base.gguf", dir / "transposed.gguf"));
}

// The whole RuvLTRA path: a router trained with a LoRA on the top 2 of 3 layers of a Qwen2
// base (train.h, qwen2_base.h), its LoRA written as `export --lora` writes it, loaded by
// llama.cpp at scale 1: llama.cpp's embeddings with it equal the trained router's base
// embeddings, which the training moved away from the base model's.
TEST(LoraInterop, TrainedRouterLoraMatchesLlamaCpp) {
    const std::string why = oracle_missing();
    if (!why.empty()) {
        GTEST_SKIP() << "interop skipped: " << why;
    }
    ruvllm::Result<gguf::File> vocab = gguf::read_file(vocab_path());
    ASSERT_TRUE(vocab) << vocab.error().message;
    ruvllm::test::TinyQwen2 s = spec(TensorType::f32);
    s.layers = 3;
    ruvllm::test::TempDir dir;
    const fs::path base_path = dir / "base.gguf", lora_path = dir / "trained-lora.gguf";
    ASSERT_TRUE(gguf::write_file(ruvllm::test::make_tiny_qwen2(s, &*vocab), base_path));
    ruvllm::Result<ruvllm::Qwen2Base> qb = ruvllm::Qwen2Base::open(base_path);
    ASSERT_TRUE(qb) << qb.error().message;
    auto base = std::make_shared<const ruvllm::Qwen2Base>(std::move(*qb));

    ruvllm::LabeledSet data;
    data.labels = {"coder", "tester", "security-architect"};
    const char* tasks[][3] = {
        {"implement the login form", "write unit tests for the parser", "audit the auth tokens"},
        {"add a retry to the http client", "cover the cache with tests", "review the TLS setup"},
        {"refactor the billing module", "add an integration test", "threat model the upload API"},
        {"build the export command", "test the error paths", "check for SQL injection"},
    };
    for (const auto& row : tasks) {
        for (int32_t a = 0; a < 3; a++) {
            data.rows.push_back({row[a], a, -1, false, "", -1, -1, -1.0f});
        }
    }
    ruvllm::Rng rng(5);
    ruvllm::RouterModel m = ruvllm::RouterModel::init(base, data.labels, 32, rng);
    ruvllm::TrainConfig cfg;
    cfg.dim = 32;
    cfg.epochs = 8;
    cfg.batch = 4;
    cfg.warmup = 2;
    cfg.lora.layers = 2;
    cfg.lora.rank = 4;
    cfg.lora.alpha = 8;
    cfg.lora.lr = 2e-2f;
    ruvllm::Result<ruvllm::TrainResult> r = ruvllm::train(m, data, nullptr, cfg);
    ASSERT_TRUE(r) << r.error().message;
    const auto* q = dynamic_cast<const ruvllm::Qwen2Base*>(m.base.get());
    ASSERT_NE(q, nullptr);
    ASSERT_NE(m.base->lora(), nullptr);
    ASSERT_TRUE(ruvllm::write_lora_gguf(lora_path, *m.base->lora()));

    std::vector<std::vector<int32_t>> ids;
    for (const char* text : kTexts) {
        ids.push_back(q->model().tokenize(text));
    }
    const auto with_adapter = llama().embed(base_path, ids, 1, lora_path, 1.0f);
    const auto without = llama().embed(base_path, ids, 1);
    ASSERT_EQ(with_adapter.size(), ids.size());
    double worst = 1, moved = -1;
    for (size_t i = 0; i < ids.size(); i++) {
        std::vector<float> mine(kE);
        m.base->embed(kTexts[i], mine.data());
        worst = std::min(worst, cosine(mine, with_adapter[i]));
        moved = std::max(moved, cosine(with_adapter[i], without[i]));
    }
    EXPECT_GE(worst, 0.99999) << "llama.cpp + the trained adapter vs the trained router's base";
    EXPECT_LT(moved, 0.99999) << "training left the LoRA at zero";
    std::printf(
        "[ interop  ] trained router (LoRA rank 4 on the top 2 of 3 layers, %zu tensors): "
        "min cosine ours vs llama.cpp+adapter %.9f; max cosine adapted vs base %.6f\n",
        m.base->lora()->tensors.size(),
        worst,
        moved);
}
