// ruvllm/core/paths.h: where the toolkit finds its data and keeps its cache. Both default to
// folders of the source tree the library was built from, and both can be moved:
//   data   RUVLLM_DATA_DIR   (default <source>/data): the agent library (data/library)
//   cache  RUVLLM_CACHE_DIR  (default <source>/.cache): the pretraining corpus, the default
//          base embedding (cache/base/default.gguf), the oracles of the interop tests
// An environment variable that is set and not empty wins.
#pragma once

#include <filesystem>

namespace ruvllm {

std::filesystem::path data_dir();
std::filesystem::path cache_dir();

// The default base embedding: cache_dir() / "base/default.gguf" (pretrain writes it, train
// reads it).
std::filesystem::path default_base_path();
// The pretraining corpus that scripts/fetch_corpus fetches:
// cache_dir() / "corpus/debian-translation-en.txt".
std::filesystem::path default_corpus_path();

}  // namespace ruvllm
