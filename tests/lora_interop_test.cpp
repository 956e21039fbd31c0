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
// LlamaEmbedder is qwen2_interop_test.cpp's, plus the three adapter functions.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <ruvllm/gguf.h>
#include <ruvllm/lora.h>
#include <ruvllm/qwen2.h>

#include "qwen2_testmodel.h"
#include "testutil.h"
#include <dlfcn.h>

namespace {

namespace fs = std::filesystem;
namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

constexpr uint64_t kE = 256;

// The pieces of llama.h (node-llama-cpp 3.21.1's llama.cpp) that this test uses.
struct Batch {  // struct llama_batch
    int32_t n_tokens;
    int32_t* token;
    float* embd;
    int32_t* pos;
    int32_t* n_seq_id;
    int32_t** seq_id;
    int8_t* logits;
};

struct alignas(16) Params {  // larger than llama_{model,context}_params: passed in memory
    unsigned char bytes[512];

    template <class T>
    T get(size_t off) const {
        T v;
        std::memcpy(&v, bytes + off, sizeof(T));
        return v;
    }

    template <class T>
    void set(size_t off, T v) {
        std::memcpy(bytes + off, &v, sizeof(T));
    }
};

// Offsets in struct llama_context_params (llama.h of the pinned build).
constexpr size_t kNCtx = 0, kNBatch = 4, kNUbatch = 8, kNSeqMax = 12, kNOutputsMaxPerSeq = 24,
                 kNThreads = 28, kNThreadsBatch = 32, kPooling = 44, kAttention = 48,
                 kFlashAttn = 52, kYarnExt = 64, kDefrag = 84, kTypeK = 104, kTypeV = 108,
                 kEmbeddings = 128, kOffloadKqv = 129, kNoPerf = 130, kKvUnified = 133;
constexpr size_t kVocabOnly = 72;  // offsetof(llama_model_params, vocab_only)

class LlamaEmbedder {
public:
    LlamaEmbedder() {
        const fs::path dir = fs::path(RUVLLM_ORACLE_DIR) / "llama-cpp-linux-x64/bins/linux-x64";
        void* ggml = open_lib(dir, "libggml.");
        void* llama = ggml == nullptr ? nullptr : open_lib(dir, "libllama.");
        if (llama == nullptr) {
            return;
        }
        using LogCallback = void (*)(int, const char*, void*);
        auto log_set = sym<void (*)(LogCallback, void*)>(llama, "llama_log_set");
        auto load_backends = sym<void (*)(const char*)>(ggml, "ggml_backend_load_all_from_path");
        model_params_ = sym<Params (*)()>(llama, "llama_model_default_params");
        ctx_params_ = sym<Params (*)()>(llama, "llama_context_default_params");
        load_ = sym<void* (*)(const char*, Params)>(llama, "llama_model_load_from_file");
        init_ = sym<void* (*)(void*, Params)>(llama, "llama_init_from_model");
        n_embd_ = sym<int32_t (*)(const void*)>(llama, "llama_model_n_embd");
        pooling_ = sym<int (*)(const void*)>(llama, "llama_pooling_type");
        batch_one_ = sym<Batch (*)(int32_t*, int32_t)>(llama, "llama_batch_get_one");
        decode_ = sym<int32_t (*)(void*, Batch)>(llama, "llama_decode");
        embd_seq_ = sym<float* (*)(void*, int32_t)>(llama, "llama_get_embeddings_seq");
        memory_ = sym<void* (*)(const void*)>(llama, "llama_get_memory");
        clear_ = sym<void (*)(void*, bool)>(llama, "llama_memory_clear");
        free_ctx_ = sym<void (*)(void*)>(llama, "llama_free");
        free_model_ = sym<void (*)(void*)>(llama, "llama_model_free");
        lora_init_ = sym<void* (*)(void*, const char*)>(llama, "llama_adapter_lora_init");
        lora_free_ = sym<void (*)(void*)>(llama, "llama_adapter_lora_free");
        set_loras_ =
            sym<int32_t (*)(void*, void**, size_t, float*)>(llama, "llama_set_adapters_lora");
        if (!error.empty()) {
            return;
        }
        log_set([](int, const char*, void*) {}, nullptr);
        load_backends(dir.c_str());
        check_layouts();
    }

    // Whether llama_adapter_lora_init accepts `adapter` for the model at `model_path`.
    bool adapter_loads(const fs::path& model_path, const fs::path& adapter) {
        void* model = load_(model_path.c_str(), model_params_());
        if (model == nullptr) {
            ADD_FAILURE() << "llama.cpp could not load " << model_path;
            return false;
        }
        void* lora = lora_init_(model, adapter.c_str());
        if (lora != nullptr) {
            lora_free_(lora);
        }
        free_model_(model);
        return lora != nullptr;
    }

    // Pooled (raw) mean embeddings of the token lists `ids`, with the LoRA `adapter` (if not
    // empty) at user scale `scale`, or an empty vector and a failure. Everything is freed
    // before returning.
    std::vector<std::vector<float>> embed(const fs::path& model_path,
                                          const std::vector<std::vector<int32_t>>& ids,
                                          const fs::path& adapter = {},
                                          float scale = 1.0f) {
        const int pooling = 1;
        Params mp = model_params_();
        void* model = load_(model_path.c_str(), mp);
        if (model == nullptr) {
            ADD_FAILURE() << "llama.cpp could not load " << model_path;
            return {};
        }
        void* lora = nullptr;
        if (!adapter.empty()) {
            lora = lora_init_(model, adapter.c_str());
            if (lora == nullptr) {
                ADD_FAILURE() << "llama_adapter_lora_init rejected " << adapter;
                free_model_(model);
                return {};
            }
        }
        const int32_t E = n_embd_(model);
        EXPECT_EQ(E, static_cast<int32_t>(kE));
        Params cp = ctx_params_();
        cp.set<uint32_t>(kNCtx, 512);
        cp.set<uint32_t>(kNBatch, 512);
        cp.set<uint32_t>(kNUbatch, 512);
        cp.set<int32_t>(kNThreads, 2);
        cp.set<int32_t>(kNThreadsBatch, 2);
        cp.set<int32_t>(kPooling, pooling);  // LLAMA_POOLING_TYPE_MEAN / _LAST
        cp.set<int32_t>(kFlashAttn, 0);      // LLAMA_FLASH_ATTN_TYPE_DISABLED
        cp.set<int32_t>(kTypeK, 0);          // GGML_TYPE_F32 KV cache: no F16 rounding
        cp.set<int32_t>(kTypeV, 0);
        cp.set<uint8_t>(kEmbeddings, 1);
        void* ctx = init_(model, cp);
        if (ctx == nullptr) {
            ADD_FAILURE() << "llama_init_from_model failed";
            free_model_(model);
            return {};
        }
        EXPECT_EQ(pooling_(ctx), pooling);
        if (lora != nullptr) {
            void* loras[1] = {lora};
            float scales[1] = {scale};
            const int32_t rc = set_loras_(ctx, loras, 1, scales);
            EXPECT_EQ(rc, 0) << "llama_set_adapters_lora";
        }
        std::vector<std::vector<float>> out;
        for (const std::vector<int32_t>& t : ids) {
            clear_(memory_(ctx), true);
            std::vector<int32_t> tokens = t;
            const Batch b = batch_one_(tokens.data(), static_cast<int32_t>(tokens.size()));
            const int32_t rc = decode_(ctx, b);
            const float* e = rc == 0 ? embd_seq_(ctx, 0) : nullptr;
            if (e == nullptr) {
                ADD_FAILURE() << "llama_decode returned " << rc << " / no pooled embedding";
                out.clear();
                break;
            }
            out.emplace_back(e, e + E);
        }
        free_ctx_(ctx);
        if (lora != nullptr) {
            lora_free_(lora);
        }
        free_model_(model);
        return out;
    }

    std::string error;  // why llama.cpp is unavailable

private:
    // The defaults of the pinned build, read at the offsets we write: a different layout
    // fails these (and the test skips rather than pass garbage to llama.cpp).
    void check_layouts() {
        const Params mp = model_params_();
        if (mp.bytes[kVocabOnly] != 0 || mp.bytes[kVocabOnly + 2] != 1) {
            error = "llama_model_params layout not recognised (another llama.cpp build?)";
            return;
        }
        const Params cp = ctx_params_();
        const bool ok = cp.get<uint32_t>(kNCtx) == 512 && cp.get<uint32_t>(kNBatch) == 2048 &&
                        cp.get<uint32_t>(kNUbatch) == 512 && cp.get<uint32_t>(kNSeqMax) == 1 &&
                        cp.get<uint32_t>(kNOutputsMaxPerSeq) == 1 &&
                        cp.get<int32_t>(kPooling) == -1 && cp.get<int32_t>(kAttention) == -1 &&
                        cp.get<int32_t>(kFlashAttn) == -1 && cp.get<float>(kYarnExt) == -1.0f &&
                        cp.get<float>(kDefrag) == -1.0f && cp.get<int32_t>(kTypeK) == 1 &&
                        cp.get<int32_t>(kTypeV) == 1 && cp.bytes[kEmbeddings] == 0 &&
                        cp.bytes[kOffloadKqv] == 1 && cp.bytes[kNoPerf] == 1 &&
                        cp.bytes[kKvUnified] == 0;
        if (!ok) {
            error = "llama_context_params layout not recognised (another llama.cpp build?)";
        }
    }

    void* open_lib(const fs::path& dir, const std::string& prefix) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            const std::string name = e.path().filename().string();
            if (name.rfind(prefix, 0) == 0 && name.size() > 3 &&
                name.compare(name.size() - 3, 3, ".so") == 0) {
                void* h = dlopen(e.path().c_str(), RTLD_NOW | RTLD_GLOBAL);
                if (h == nullptr) {
                    error = std::string("dlopen failed: ") + dlerror();
                }
                return h;
            }
        }
        error = "llama.cpp oracle not installed (" + dir.string() + "/" + prefix +
                "*.so); run scripts/fetch_oracles";
        return nullptr;
    }

    template <class F>
    F sym(void* lib, const char* name) {
        void* f = dlsym(lib, name);
        if (f == nullptr) {
            error += std::string("missing symbol ") + name + "; ";
        }
        return reinterpret_cast<F>(f);
    }

    Params (*model_params_)() = nullptr;
    Params (*ctx_params_)() = nullptr;
    void* (*load_)(const char*, Params) = nullptr;
    void* (*init_)(void*, Params) = nullptr;
    int32_t (*n_embd_)(const void*) = nullptr;
    int (*pooling_)(const void*) = nullptr;
    Batch (*batch_one_)(int32_t*, int32_t) = nullptr;
    int32_t (*decode_)(void*, Batch) = nullptr;
    float* (*embd_seq_)(void*, int32_t) = nullptr;
    void* (*memory_)(const void*) = nullptr;
    void (*clear_)(void*, bool) = nullptr;
    void (*free_ctx_)(void*) = nullptr;
    void (*free_model_)(void*) = nullptr;
    void* (*lora_init_)(void*, const char*) = nullptr;
    void (*lora_free_)(void*) = nullptr;
    int32_t (*set_loras_)(void*, void**, size_t, float*) = nullptr;
};

LlamaEmbedder& llama() {
    static LlamaEmbedder e;
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

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); i++) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

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
    const auto with_adapter = llama().embed(base_path, ids, lora_path, kUserScale);
    const auto merged = llama().embed(merged_path, ids);
    const auto without = llama().embed(base_path, ids);
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
