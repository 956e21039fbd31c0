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
#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include <ruvllm/gguf.h>
#include <ruvllm/qwen2.h>
#include <ruvllm/rng.h>

#include "qwen2_testmodel.h"
#include "testutil.h"
#include <dlfcn.h>

namespace {

namespace fs = std::filesystem;
namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

constexpr uint64_t kE = 256, kF = 512, kH = 4, kK = 2, kLayers = 2;

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
        if (!error.empty()) {
            return;
        }
        log_set([](int, const char*, void*) {}, nullptr);
        load_backends(dir.c_str());
        check_layouts();
    }

    // Pooled (raw) embeddings of the token lists `ids`, with `pooling` (1 mean, 3 last), or an
    // empty vector and a failure. The model and context are freed before returning.
    std::vector<std::vector<float>> embed(const fs::path& model_path,
                                          const std::vector<std::vector<int32_t>>& ids,
                                          int pooling) {
        Params mp = model_params_();
        void* model = load_(model_path.c_str(), mp);
        if (model == nullptr) {
            ADD_FAILURE() << "llama.cpp could not load " << model_path;
            return {};
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
};

LlamaEmbedder& llama() {
    static LlamaEmbedder e;
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

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); i++) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

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
