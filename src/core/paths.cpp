// paths.cpp: the data and cache folders (paths.h).
#include <cstdlib>

#include <ruvllm/core/paths.h>

#ifndef RUVLLM_DATA_DIR
#define RUVLLM_DATA_DIR "data"
#endif
#ifndef RUVLLM_CACHE_DIR
#define RUVLLM_CACHE_DIR ".cache"
#endif

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

fs::path from_env(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return fs::path(v != nullptr && *v != '\0' ? v : fallback);
}

}  // namespace

fs::path data_dir() {
    return from_env("RUVLLM_DATA_DIR", RUVLLM_DATA_DIR);
}

fs::path cache_dir() {
    return from_env("RUVLLM_CACHE_DIR", RUVLLM_CACHE_DIR);
}

fs::path default_base_path() {
    return cache_dir() / "base" / "default.gguf";
}

fs::path default_corpus_path() {
    return cache_dir() / "corpus" / "debian-translation-en.txt";
}

}  // namespace ruvllm
