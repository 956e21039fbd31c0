// ruvllm/core/paths.h: where the toolkit finds its data and keeps its cache.
//   data   the agent library (<data>/library, docs/library.md)
//   cache  the pretraining corpus (<cache>/corpus/), the default base embedding
//          (<cache>/base/default.gguf), the oracles of the interop tests (.cache/oracles/)
//
// Each folder is decided at each call, by the first rule that applies:
//   1. The environment: RUVLLM_DATA_DIR, RUVLLM_CACHE_DIR, when set and not empty.
//   2. An installed program: when the running executable (/proc/self/exe, links resolved) has
//      a data folder beside it, <exe dir>/../share/ruvllm/library, as `cmake --install build
//      --prefix P` leaves P/bin/ruvllm and P/share/ruvllm/library, the data is P/share/ruvllm
//      and the cache is the user's (user_cache_dir()). Nothing of the source tree is read, and
//      the prefix is not compiled in: an installed tree still works after `mv P Q`.
//   3. Otherwise (build/bin/ruvllm, the tests, `make run`): the folders of the source tree the
//      library was built from, compiled in: <source>/data and <source>/.cache.
// A program of your own linked with an installed libruvllm.a gets rule 2 when it is installed
// in P/bin too, else rule 3 (a source tree that may be gone): set RUVLLM_DATA_DIR, or pass a
// library folder to the jobs (GenerateJob::library, load_library).
#pragma once

#include <filesystem>

namespace ruvllm {

std::filesystem::path data_dir();
std::filesystem::path cache_dir();

// Rule 2 for the executable `exe` (data_dir() passes the running one): <exe dir>/../share/ruvllm
// written without the "..", when it holds a library/ folder; else "" (not installed).
std::filesystem::path installed_data_dir(const std::filesystem::path& exe);

// The cache of an installed program: $XDG_CACHE_HOME/ruvllm when XDG_CACHE_HOME is an absolute
// path (the XDG rule: a relative one is ignored), else $HOME/.cache/ruvllm, with the home
// folder from the password database when HOME is unset or empty (failing that, .cache/ruvllm
// in the working folder).
std::filesystem::path user_cache_dir();

// The default base embedding: cache_dir() / "base/default.gguf" (pretrain writes it, train
// reads it).
std::filesystem::path default_base_path();
// The pretraining corpus that scripts/fetch_corpus fetches:
// cache_dir() / "corpus/debian-translation-en.txt".
std::filesystem::path default_corpus_path();

}  // namespace ruvllm
