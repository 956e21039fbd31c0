// llama_oracle.h: loads llama.cpp's prebuilt libggml-base.so (from the npm package
// @node-llama-cpp/linux-x64, installed by scripts/fetch_oracles) with dlopen, as an independent
// oracle for the interop tests. Only the handful of C functions the tests call are declared
// here, by their public signatures; nothing of llama.cpp is linked into ruvllm.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <dlfcn.h>

namespace ruvllm::test {

struct LlamaOracle {
    // gguf.h
    struct InitParams {
        bool no_alloc;
        void** ctx;
    };

    void* (*gguf_init_from_file)(const char*, InitParams) = nullptr;
    void (*gguf_free)(void*) = nullptr;
    uint32_t (*gguf_get_version)(const void*) = nullptr;
    size_t (*gguf_get_alignment)(const void*) = nullptr;
    size_t (*gguf_get_data_offset)(const void*) = nullptr;
    int64_t (*gguf_get_n_kv)(const void*) = nullptr;
    const char* (*gguf_get_key)(const void*, int64_t) = nullptr;
    int (*gguf_get_kv_type)(const void*, int64_t) = nullptr;
    int (*gguf_get_arr_type)(const void*, int64_t) = nullptr;
    size_t (*gguf_get_arr_n)(const void*, int64_t) = nullptr;
    const void* (*gguf_get_arr_data)(const void*, int64_t) = nullptr;
    const char* (*gguf_get_arr_str)(const void*, int64_t, size_t) = nullptr;
    const char* (*gguf_get_val_str)(const void*, int64_t) = nullptr;
    uint32_t (*gguf_get_val_u32)(const void*, int64_t) = nullptr;
    uint64_t (*gguf_get_val_u64)(const void*, int64_t) = nullptr;
    int64_t (*gguf_get_n_tensors)(const void*) = nullptr;
    const char* (*gguf_get_tensor_name)(const void*, int64_t) = nullptr;
    int (*gguf_get_tensor_type)(const void*, int64_t) = nullptr;
    size_t (*gguf_get_tensor_offset)(const void*, int64_t) = nullptr;
    size_t (*gguf_get_tensor_size)(const void*, int64_t) = nullptr;
    // ggml.h
    void* (*ggml_get_tensor)(void*, const char*) = nullptr;
    void (*ggml_free)(void*) = nullptr;
    const void* (*ggml_get_type_traits)(int) = nullptr;

    // The leading fields of struct ggml_type_traits (checked at run time before use).
    struct TypeTraits {
        const char* type_name;
        int64_t blck_size;
        int64_t blck_size_interleave;
        size_t type_size;
        bool is_quantized;
        void (*to_float)(const void*, float*, int64_t);
        void (*from_float_ref)(const float*, void*, int64_t);
    };

    // The leading fields of struct ggml_tensor: type, backend buffer, ne[4].
    struct TensorHead {
        int type;
        void* buffer;
        int64_t ne[4];
    };

    std::string error;  // why the oracle is unavailable
    void* handle = nullptr;

    static std::filesystem::path lib_dir() {
        return std::filesystem::path(RUVLLM_ORACLE_DIR) / "llama-cpp-linux-x64/bins/linux-x64";
    }

    bool load() {
        const std::filesystem::path lib = lib_dir() / "libggml-base.so";
        if (!std::filesystem::exists(lib)) {
            error =
                "llama.cpp oracle not installed (" + lib.string() + "); run scripts/fetch_oracles";
            return false;
        }
        handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            error = std::string("dlopen failed: ") + dlerror();
            return false;
        }
        bool ok = true;
        auto sym = [&](auto& fn, const char* name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
            if (fn == nullptr) {
                error += std::string("missing symbol ") + name + "; ";
                ok = false;
            }
        };
        sym(gguf_init_from_file, "gguf_init_from_file");
        sym(gguf_free, "gguf_free");
        sym(gguf_get_version, "gguf_get_version");
        sym(gguf_get_alignment, "gguf_get_alignment");
        sym(gguf_get_data_offset, "gguf_get_data_offset");
        sym(gguf_get_n_kv, "gguf_get_n_kv");
        sym(gguf_get_key, "gguf_get_key");
        sym(gguf_get_kv_type, "gguf_get_kv_type");
        sym(gguf_get_arr_type, "gguf_get_arr_type");
        sym(gguf_get_arr_n, "gguf_get_arr_n");
        sym(gguf_get_arr_data, "gguf_get_arr_data");
        sym(gguf_get_arr_str, "gguf_get_arr_str");
        sym(gguf_get_val_str, "gguf_get_val_str");
        sym(gguf_get_val_u32, "gguf_get_val_u32");
        sym(gguf_get_val_u64, "gguf_get_val_u64");
        sym(gguf_get_n_tensors, "gguf_get_n_tensors");
        sym(gguf_get_tensor_name, "gguf_get_tensor_name");
        sym(gguf_get_tensor_type, "gguf_get_tensor_type");
        sym(gguf_get_tensor_offset, "gguf_get_tensor_offset");
        sym(gguf_get_tensor_size, "gguf_get_tensor_size");
        sym(ggml_get_tensor, "ggml_get_tensor");
        sym(ggml_free, "ggml_free");
        sym(ggml_get_type_traits, "ggml_get_type_traits");
        return ok;
    }

    // Traits of a ggml type, or nullptr if the struct layout does not look like the one above.
    const TypeTraits* traits(int type, int64_t block, size_t bytes) const {
        const auto* t = static_cast<const TypeTraits*>(ggml_get_type_traits(type));
        if (t == nullptr || t->blck_size != block || t->type_size != bytes) {
            return nullptr;
        }
        return t;
    }
};

}  // namespace ruvllm::test
