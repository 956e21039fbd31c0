// bpe_bench.cpp: byte-level BPE encoding throughput with the real Qwen2 vocabulary (one core).
//   build/bin/bpe_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Needs .cache/oracles/llama-vocab/ggml-vocab-qwen2.gguf (scripts/fetch_oracles); skips without.
// Texts: the ~2,700 task texts of the default generated dataset, and llama.cpp's tokenizer test
// texts (.gguf.inp: whitespace runs, emoji, CJK, Khmer, Cyrillic). Counters: items_per_second =
// tokens/s, bytes_per_second = input bytes/s. The word cache is warm after the first pass;
// BM_*_no_cache measures the merges themselves.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include <benchmark/benchmark.h>

#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/bpe.h>

namespace {

namespace fs = std::filesystem;

const fs::path kVocabDir = fs::path(RUVLLM_ORACLE_DIR) / "llama-vocab";

const std::optional<ruvllm::gguf::File>& vocab_file() {
    static const std::optional<ruvllm::gguf::File> f = []() -> std::optional<ruvllm::gguf::File> {
        ruvllm::Result<ruvllm::gguf::File> r =
            ruvllm::gguf::read_file(kVocabDir / "ggml-vocab-qwen2.gguf");
        if (!r) {
            return std::nullopt;
        }
        return std::move(*r);
    }();
    return f;
}

std::optional<ruvllm::BpeTokenizer> tokenizer(size_t cache_words) {
    if (!vocab_file()) {
        return std::nullopt;
    }
    ruvllm::BpeOptions opts;
    opts.cache_words = cache_words;
    ruvllm::Result<ruvllm::BpeTokenizer> t = ruvllm::BpeTokenizer::from_gguf(*vocab_file(), opts);
    if (!t) {
        std::fprintf(stderr, "%s\n", t.error().message.c_str());
        std::abort();
    }
    return std::move(*t);
}

const std::vector<std::string>& task_texts() {
    static const std::vector<std::string> texts = [] {
        std::vector<std::string> out;
        ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
        if (!lib) {
            std::fprintf(stderr, "%s\n", lib.error().message.c_str());
            std::abort();
        }
        ruvllm::Result<std::vector<ruvllm::Example>> ds = ruvllm::generate(*lib, {});
        if (!ds) {
            std::fprintf(stderr, "%s\n", ds.error().message.c_str());
            std::abort();
        }
        for (const ruvllm::Example& e : *ds) {
            out.push_back(e.input);
        }
        return out;
    }();
    return texts;
}

const std::vector<std::string>& oracle_texts() {
    static const std::vector<std::string> texts = [] {
        std::ifstream in(kVocabDir / "ggml-vocab-qwen2.gguf.inp", std::ios::binary);
        const std::string all((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
        const std::string sep = "\n__ggml_vocab_test__\n";
        std::vector<std::string> out;
        for (size_t pos = 0, next = 0; (next = all.find(sep, pos)) != std::string::npos;
             pos = next + sep.size()) {
            out.push_back(all.substr(pos, next - pos));
        }
        return out;
    }();
    return texts;
}

void run(benchmark::State& state, const std::vector<std::string>& texts, size_t cache_words) {
    const std::optional<ruvllm::BpeTokenizer> tok = tokenizer(cache_words);
    if (!tok) {
        state.SkipWithError("ggml-vocab-qwen2.gguf not found (run scripts/fetch_oracles)");
        return;
    }
    int64_t tokens = 0;
    int64_t bytes = 0;
    for (auto _ : state) {
        for (const std::string& t : texts) {
            const std::vector<int32_t> ids = tok->encode(t, false, false);
            tokens += static_cast<int64_t>(ids.size());
            bytes += static_cast<int64_t>(t.size());
            benchmark::DoNotOptimize(ids.data());
        }
    }
    state.SetItemsProcessed(tokens);
    state.SetBytesProcessed(bytes);
}

void BM_encode_tasks(benchmark::State& state) {
    run(state, task_texts(), size_t{1} << 16);
}

void BM_encode_tasks_no_cache(benchmark::State& state) {
    run(state, task_texts(), 0);
}

void BM_encode_oracle_texts(benchmark::State& state) {
    run(state, oracle_texts(), size_t{1} << 16);
}

void BM_encode_oracle_texts_no_cache(benchmark::State& state) {
    run(state, oracle_texts(), 0);
}

void BM_load_qwen2_vocab(benchmark::State& state) {
    if (!vocab_file()) {
        state.SkipWithError("ggml-vocab-qwen2.gguf not found (run scripts/fetch_oracles)");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(tokenizer(0));
    }
}

BENCHMARK(BM_encode_tasks)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_encode_tasks_no_cache)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_encode_oracle_texts)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encode_oracle_texts_no_cache)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_load_qwen2_vocab)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
