// gguf_interop_test.cpp (label: interop): our GGUF files and quantised blocks against
// llama.cpp's own implementation (libggml-base.so from npm, loaded with dlopen). Skips with a
// message when the oracle is not installed (scripts/fetch_oracles installs it).
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/formats/gguf.h>

#include "llama_oracle.h"
#include "testutil.h"

namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

namespace {

ruvllm::test::LlamaOracle& oracle() {
    static ruvllm::test::LlamaOracle o = [] {
        ruvllm::test::LlamaOracle x;
        x.load();
        return x;
    }();
    return o;
}

#define REQUIRE_ORACLE()                                           \
    do {                                                           \
        if (!oracle().error.empty()) {                             \
            GTEST_SKIP() << "interop skipped: " << oracle().error; \
        }                                                          \
    } while (0)

constexpr TensorType kAllTypes[] = {TensorType::f32,
                                    TensorType::f16,
                                    TensorType::bf16,
                                    TensorType::q4_0,
                                    TensorType::q4_1,
                                    TensorType::q5_0,
                                    TensorType::q5_1,
                                    TensorType::q8_0,
                                    TensorType::q4_k,
                                    TensorType::q5_k,
                                    TensorType::q6_k};

std::vector<float> random_values(ruvllm::Rng& rng, size_t n) {
    std::vector<float> x(n);
    for (float& v : x) {
        v = (rng.uniform_f32() * 2 - 1) * (1 + 3 * rng.uniform_f32());
    }
    return x;
}

}  // namespace

TEST(GgufInterop, LlamaCppReadsEveryKeyTensorShapeTypeAndOffset) {
    REQUIRE_ORACLE();
    ruvllm::test::TempDir dir;
    ruvllm::Rng rng(5);
    gguf::File f;
    f.set("general.architecture", std::string("ruvllm"));
    f.set("general.alignment", static_cast<uint32_t>(64));
    f.set("ruvllm.count", static_cast<uint32_t>(13));
    f.set("ruvllm.big", uint64_t{1} << 40);
    f.set("ruvllm.tau", 0.07f);
    f.set("ruvllm.flag", true);
    f.set("ruvllm.router.agents",
          gguf::Array::of(std::vector<std::string>{"coder", "tester", "security-architect"}));
    f.set("ruvllm.scores", gguf::Array::of(std::vector<float>{0.5f, -1.25f}));
    int i = 0;
    for (TensorType t : kAllTypes) {
        const std::vector<float> x = random_values(rng, 512 * 3);
        ASSERT_TRUE(f.add_tensor(
            "t" + std::to_string(i++) + "." + std::string(ruvllm::quant::type_info(t).name),
            {512, 3},
            x,
            t));
    }
    ASSERT_TRUE(f.add_tensor("vec", {7}, random_values(rng, 7)));
    ASSERT_TRUE(gguf::write_file(f, dir / "ours.gguf"));

    const auto& L = oracle();
    void* ggml_ctx = nullptr;
    void* ctx = L.gguf_init_from_file((dir / "ours.gguf").c_str(), {true, &ggml_ctx});
    ASSERT_NE(ctx, nullptr) << "llama.cpp rejected our file";
    EXPECT_EQ(L.gguf_get_version(ctx), 3u);
    EXPECT_EQ(L.gguf_get_alignment(ctx), 64u);
    const gguf::File ours = *gguf::read_file(dir / "ours.gguf");
    EXPECT_EQ(L.gguf_get_data_offset(ctx), ours.data_offset());
    ASSERT_EQ(L.gguf_get_n_kv(ctx), static_cast<int64_t>(ours.metadata().size()));
    for (int64_t k = 0; k < L.gguf_get_n_kv(ctx); k++) {
        const auto& [key, value] = ours.metadata()[static_cast<size_t>(k)];
        EXPECT_EQ(L.gguf_get_key(ctx, k), key);
        EXPECT_EQ(L.gguf_get_kv_type(ctx, k), static_cast<int>(gguf::value_type(value))) << key;
    }
    EXPECT_EQ(L.gguf_get_val_u32(ctx, 2), 13u);
    EXPECT_EQ(L.gguf_get_val_u64(ctx, 3), uint64_t{1} << 40);
    EXPECT_STREQ(L.gguf_get_val_str(ctx, 0), "ruvllm");
    EXPECT_EQ(L.gguf_get_arr_type(ctx, 6), static_cast<int>(gguf::Type::string));
    ASSERT_EQ(L.gguf_get_arr_n(ctx, 6), 3u);
    EXPECT_STREQ(L.gguf_get_arr_str(ctx, 6, 2), "security-architect");
    ASSERT_EQ(L.gguf_get_arr_n(ctx, 7), 2u);
    EXPECT_EQ(static_cast<const float*>(L.gguf_get_arr_data(ctx, 7))[1], -1.25f);

    ASSERT_EQ(L.gguf_get_n_tensors(ctx), static_cast<int64_t>(ours.tensors().size()));
    for (int64_t t = 0; t < L.gguf_get_n_tensors(ctx); t++) {
        const gguf::TensorInfo& ti = ours.tensors()[static_cast<size_t>(t)];
        EXPECT_EQ(L.gguf_get_tensor_name(ctx, t), ti.name);
        EXPECT_EQ(L.gguf_get_tensor_type(ctx, t), static_cast<int>(ti.type)) << ti.name;
        EXPECT_EQ(L.gguf_get_tensor_offset(ctx, t), ti.offset) << ti.name;
        EXPECT_EQ(L.gguf_get_tensor_size(ctx, t), ti.n_bytes()) << ti.name;
        const auto* head = static_cast<const ruvllm::test::LlamaOracle::TensorHead*>(
            L.ggml_get_tensor(ggml_ctx, ti.name.c_str()));
        ASSERT_NE(head, nullptr) << ti.name;
        for (size_t d = 0; d < 4; d++) {
            EXPECT_EQ(head->ne[d], d < ti.shape.size() ? static_cast<int64_t>(ti.shape[d]) : 1)
                << ti.name << " dim " << d;
        }
    }
    L.gguf_free(ctx);
    L.ggml_free(ggml_ctx);
}

TEST(QuantInterop, OurDequantisationMatchesGgml) {
    REQUIRE_ORACLE();
    ruvllm::Rng rng(17);
    for (TensorType t : kAllTypes) {
        const ruvllm::quant::TypeInfo info = ruvllm::quant::type_info(t);
        const auto* tr = oracle().traits(static_cast<int>(t), info.block, info.bytes);
        ASSERT_NE(tr, nullptr) << info.name << ": ggml's type traits do not match";
        if (tr->to_float == nullptr || tr->from_float_ref == nullptr) {
            continue;  // F32 has no conversion functions in ggml
        }
        const int64_t n = 1024;
        const std::vector<float> x = random_values(rng, n);
        // Blocks quantised by ggml's reference quantiser and by ours, decoded by both sides.
        std::vector<uint8_t> theirs(ruvllm::quant::row_size(t, n)), mine(theirs.size());
        tr->from_float_ref(x.data(), theirs.data(), n);
        ASSERT_TRUE(ruvllm::quant::quantize(t, x.data(), mine.data(), n));
        for (const std::vector<uint8_t>* blocks : {&theirs, &mine}) {
            std::vector<float> a(n), b(n);
            tr->to_float(blocks->data(), a.data(), n);
            ASSERT_TRUE(ruvllm::quant::dequantize(t, blocks->data(), b.data(), n));
            for (int64_t k = 0; k < n; k++) {
                ASSERT_NEAR(a[k], b[k], 1e-6f * (1 + std::fabs(a[k])))
                    << info.name << " element " << k << (blocks == &mine ? " (our blocks)" : "");
            }
        }
    }
}

TEST(QuantInterop, OurQuantisersAreAsGoodAsGgmlsReference) {
    REQUIRE_ORACLE();
    ruvllm::Rng rng(23);
    for (TensorType t : kAllTypes) {
        const ruvllm::quant::TypeInfo info = ruvllm::quant::type_info(t);
        const auto* tr = oracle().traits(static_cast<int>(t), info.block, info.bytes);
        ASSERT_NE(tr, nullptr);
        if (tr->to_float == nullptr || tr->from_float_ref == nullptr) {
            continue;
        }
        const int64_t n = 4096;
        const std::vector<float> x = random_values(rng, n);
        std::vector<uint8_t> theirs(ruvllm::quant::row_size(t, n)), mine(theirs.size());
        tr->from_float_ref(x.data(), theirs.data(), n);
        ASSERT_TRUE(ruvllm::quant::quantize(t, x.data(), mine.data(), n));
        std::vector<float> a(n), b(n);
        tr->to_float(theirs.data(), a.data(), n);
        tr->to_float(mine.data(), b.data(), n);
        double ea = 0, eb = 0;
        for (int64_t k = 0; k < n; k++) {
            ea += (a[k] - x[k]) * (a[k] - x[k]);
            eb += (b[k] - x[k]) * (b[k] - x[k]);
        }
        // The legacy formats use the same rounding rule as ggml's reference: identical bytes.
        if (t == TensorType::q8_0 || t == TensorType::q4_0 || t == TensorType::q4_1 ||
            t == TensorType::q5_0 || t == TensorType::q5_1 || t == TensorType::f16 ||
            t == TensorType::bf16 || t == TensorType::f32) {
            EXPECT_EQ(mine, theirs) << info.name;
        }
        // K-quants: ggml searches scales iteratively; ours rounds once. Report and bound it.
        std::printf("%-5s rmse ggml %.5f ours %.5f\n",
                    std::string(info.name).c_str(),
                    std::sqrt(ea / n),
                    std::sqrt(eb / n));
        EXPECT_LE(eb, ea * 1.6 + 1e-12) << info.name;
    }
}

// Files written by llama.cpp's own writer (its vocabulary fixtures, up to 150k-token arrays)
// pass through our reader and writer byte for byte.
TEST(GgufInterop, LlamaCppFilesRoundTripByteForByte) {
    const std::filesystem::path dir = std::filesystem::path(RUVLLM_ORACLE_DIR) / "llama-vocab";
    if (!std::filesystem::exists(dir)) {
        GTEST_SKIP() << "interop skipped: " << dir << " missing; run scripts/fetch_oracles";
    }
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".gguf") {
            continue;
        }
        const std::string original = ruvllm::test::slurp(entry.path());
        ruvllm::Result<gguf::File> f = gguf::read_file(entry.path());
        ASSERT_TRUE(f) << f.error().message;
        const std::vector<uint8_t> again = gguf::write(*f);
        EXPECT_EQ(again.size(), original.size()) << entry.path().filename();
        const auto* o = reinterpret_cast<const uint8_t*>(original.data());
        EXPECT_TRUE(std::equal(again.begin(), again.end(), o, o + original.size()))
            << entry.path().filename();
        files++;
    }
    EXPECT_GE(files, 10);
}

// The router models ruvllm writes (F16 and quantised rows) are files llama.cpp accepts.
#include <ruvllm/router/model.h>

TEST(GgufInterop, LlamaCppReadsOurRouterModels) {
    REQUIRE_ORACLE();
    ruvllm::test::TempDir dir;
    ruvllm::Rng rng(3);
    std::vector<float> rows((5 + 300) * 64);
    for (float& v : rows) {
        v = rng.uniform_f32() - 0.5f;
    }
    auto base = std::make_shared<const ruvllm::SubwordBase>(
        ruvllm::SubwordConfig{64, 3, 5, 300},
        std::vector<std::string>{"fix", "the", "flaky", "test", "deploy"},
        rows);
    ruvllm::RouterModel m = ruvllm::RouterModel::init(base, {"coder", "tester"}, 16, rng);
    for (TensorType t : {TensorType::f16, TensorType::q8_0, TensorType::q4_0}) {
        ASSERT_TRUE(m.save(dir / "router.gguf", t));
        void* ggml_ctx = nullptr;
        void* ctx = oracle().gguf_init_from_file((dir / "router.gguf").c_str(), {true, &ggml_ctx});
        ASSERT_NE(ctx, nullptr) << ruvllm::quant::type_info(t).name;
        EXPECT_EQ(oracle().gguf_get_n_tensors(ctx), 4);
        EXPECT_STREQ(oracle().gguf_get_tensor_name(ctx, 0), "base.embeddings");
        EXPECT_EQ(oracle().gguf_get_tensor_type(ctx, 0), static_cast<int>(t));
        oracle().gguf_free(ctx);
        oracle().ggml_free(ggml_ctx);
    }
}
