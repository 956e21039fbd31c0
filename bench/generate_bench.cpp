// generate_bench.cpp: generator and exporter throughput on the shipped library (one core).
//   build/bin/generate_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Counters: items_per_second = examples/s; bytes_per_second for the writers.
#include <cstdio>

#include <benchmark/benchmark.h>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/augment.h>
#include <ruvllm/dataset/generator.h>

namespace {

const ruvllm::Library& library() {
    static const ruvllm::Library lib = [] {
        ruvllm::Result<ruvllm::Library> l = ruvllm::load_library(ruvllm::default_library_dir());
        if (!l) {
            std::fprintf(stderr, "%s\n", l.error().message.c_str());
            std::abort();
        }
        return *l;
    }();
    return lib;
}

const std::vector<ruvllm::Example>& dataset() {
    static const std::vector<ruvllm::Example> ds = *ruvllm::generate(library(), {});
    return ds;
}

void BM_load_library(benchmark::State& state) {
    for (auto _ : state) {
        ruvllm::Result<ruvllm::Library> l = ruvllm::load_library(ruvllm::default_library_dir());
        benchmark::DoNotOptimize(l);
    }
}

BENCHMARK(BM_load_library)->Unit(benchmark::kMillisecond);

// The default batch dataset (~2,700 examples with augmentation, dedup and shuffle).
void BM_generate_default(benchmark::State& state) {
    size_t n = 0;
    for (auto _ : state) {
        ruvllm::Result<std::vector<ruvllm::Example>> ds = ruvllm::generate(library(), {});
        n += ds->size();
        benchmark::DoNotOptimize(ds);
    }
    state.SetItemsProcessed(static_cast<int64_t>(n));
}

BENCHMARK(BM_generate_default)->Unit(benchmark::kMillisecond);

// Streaming generation (what `generate --stream` does per example), without serialisation.
void BM_stream_generate(benchmark::State& state) {
    ruvllm::StreamGenerator gen(library(), {});
    for (auto _ : state) {
        benchmark::DoNotOptimize(gen.next());
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_stream_generate);

// Streaming generation plus JSONL serialisation into a buffer.
void BM_stream_generate_jsonl(benchmark::State& state) {
    ruvllm::StreamGenerator gen(library(), {});
    std::string buf;
    for (auto _ : state) {
        buf.clear();
        ruvllm::append_jsonl(buf, *gen.next());
        benchmark::DoNotOptimize(buf.data());
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_stream_generate_jsonl);

void BM_paraphrase(benchmark::State& state) {
    ruvllm::Rng rng(1);
    std::string out;
    const std::string task = "Implement rate limiting in the payment service using Redis";
    for (auto _ : state) {
        ruvllm::paraphrase(library().lexicon, task, rng, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_paraphrase);

// Writers to a file (use a tmpfs such as /dev/shm for the bandwidth the targets name).
void write_bench(benchmark::State& state, bool pretty) {
    const char* path = "/dev/shm/ruvllm_bench.out";
    size_t bytes = 0;
    for (auto _ : state) {
        std::FILE* fp = std::fopen(path, "wb");
        if (fp == nullptr) {
            state.SkipWithError("cannot open /dev/shm");
            return;
        }
        ruvllm::OutBuffer out(fp);
        for (int rep = 0; rep < 20; rep++) {  // ~20 x 1.1 MB per iteration
            if (pretty) {
                ruvllm::write_json_array(out, dataset());
            } else {
                ruvllm::write_jsonl(out, dataset());
            }
        }
        bytes += out.bytes_written();
        std::fclose(fp);
    }
    std::remove(path);
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_write_jsonl(benchmark::State& state) {
    write_bench(state, false);
}

BENCHMARK(BM_write_jsonl)->Unit(benchmark::kMillisecond);

void BM_write_json_pretty(benchmark::State& state) {
    write_bench(state, true);
}

BENCHMARK(BM_write_json_pretty)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
