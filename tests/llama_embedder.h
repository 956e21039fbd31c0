// llama_embedder.h: llama.cpp's libllama (from the npm oracle, installed by
// scripts/fetch_oracles) loaded with dlopen, as an oracle of pooled embeddings (optionally with
// a LoRA adapter) for the interop tests. Only the pieces of llama.h (node-llama-cpp 3.21.1's
// llama.cpp) that the tests use are declared here; the struct layouts we pass are checked
// against the pinned build's defaults, and `error` says why the oracle is unavailable.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dlfcn.h>

namespace ruvllm::test::llama_abi {

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

}  // namespace ruvllm::test::llama_abi

namespace ruvllm::test {

// Pooled embeddings from llama.cpp. `n_embd` is the embedding size the tests' models must have;
// with `with_lora`, the adapter functions are loaded too (adapter_loads, embed with an adapter).
class LlamaEmbedder {
public:
    explicit LlamaEmbedder(int32_t n_embd, bool with_lora = false) : n_embd_expected_(n_embd) {
        namespace fs = std::filesystem;
        using namespace llama_abi;
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
        if (with_lora) {
            lora_init_ = sym<void* (*)(void*, const char*)>(llama, "llama_adapter_lora_init");
            lora_free_ = sym<void (*)(void*)>(llama, "llama_adapter_lora_free");
            set_loras_ =
                sym<int32_t (*)(void*, void**, size_t, float*)>(llama, "llama_set_adapters_lora");
        }
        if (!error.empty()) {
            return;
        }
        log_set([](int, const char*, void*) {}, nullptr);
        load_backends(dir.c_str());
        check_layouts();
    }

    // Whether llama_adapter_lora_init accepts `adapter` for the model at `model_path`.
    // Needs with_lora.
    bool adapter_loads(const std::filesystem::path& model_path,
                       const std::filesystem::path& adapter) {
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

    // Pooled (raw) embeddings of the token lists `ids`, with `pooling` (1 mean, 3 last) and
    // the LoRA `adapter` (if not empty; needs with_lora) at user scale `scale`, or an empty
    // vector and a failure. Everything is freed before returning.
    std::vector<std::vector<float>> embed(const std::filesystem::path& model_path,
                                          const std::vector<std::vector<int32_t>>& ids,
                                          int pooling,
                                          const std::filesystem::path& adapter = {},
                                          float scale = 1.0f) {
        using namespace llama_abi;
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
        EXPECT_EQ(E, n_embd_expected_);
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
        using namespace llama_abi;
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

    void* open_lib(const std::filesystem::path& dir, const std::string& prefix) {
        namespace fs = std::filesystem;
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

    using Params = llama_abi::Params;
    using Batch = llama_abi::Batch;

    int32_t n_embd_expected_;
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

}  // namespace ruvllm::test
