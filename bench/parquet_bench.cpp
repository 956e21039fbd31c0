// parquet_bench.cpp: write_dataset_parquet() throughput on generated rows (one core, #8 asks for
// >= 300 MB/s uncompressed for the dataset schema).
//   build/bin/parquet_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Counters: file_MB/s = Parquet file bytes written per second (10^6 bytes; bytes_per_second is
// the same in MiB/s); jsonl_MB/s = bytes of the same rows as JSONL (append_jsonl) per second,
// the figure to hold against the JSONL writer; file_MB = file size; items_per_second = rows/s. The
// file goes to /dev/shm so the disk does not count.
#include <cstdio>
#include <filesystem>

#include <benchmark/benchmark.h>

#include <ruvllm/dataset/export_parquet.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/formats/parquet.h>

namespace {

// 100,000 distinct rows from the stream generator (the shipped library, default config): one
// row group at the default row_group_size, with realistic cardinality in every column.
const std::vector<ruvllm::Example>& rows() {
    static const std::vector<ruvllm::Example> ds = [] {
        ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
        if (!lib) {
            std::fprintf(stderr, "%s\n", lib.error().message.c_str());
            std::abort();
        }
        ruvllm::StreamGenerator gen(*lib, {});
        std::vector<ruvllm::Example> all;
        while (all.size() < 100000) {
            const ruvllm::Example* e = gen.next();
            if (e == nullptr) {
                std::fprintf(stderr, "%s\n", gen.error().message.c_str());
                std::abort();
            }
            all.push_back(*e);
        }
        return all;
    }();
    return ds;
}

size_t jsonl_bytes() {
    static const size_t n = [] {
        std::string buf;
        for (const ruvllm::Example& e : rows()) {
            ruvllm::append_jsonl(buf, e);
        }
        return buf.size();
    }();
    return n;
}

void write_bench(benchmark::State& state, ruvllm::ParquetOptions opt) {
    const std::filesystem::path path = "/dev/shm/ruvllm_bench.parquet";
    uint64_t file_bytes = 0;
    for (auto _ : state) {
        ruvllm::Status s = ruvllm::write_dataset_parquet(path, rows(), opt);
        if (!s) {
            state.SkipWithError(s.error().message.c_str());
            return;
        }
        file_bytes += std::filesystem::file_size(path);
    }
    std::filesystem::remove(path);
    state.SetBytesProcessed(static_cast<int64_t>(file_bytes));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows().size()));
    state.counters["jsonl_MB/s"] = benchmark::Counter(
        static_cast<double>(jsonl_bytes()) * 1e-6 * static_cast<double>(state.iterations()),
        benchmark::Counter::kIsRate);
    state.counters["file_MB/s"] =
        benchmark::Counter(static_cast<double>(file_bytes) * 1e-6, benchmark::Counter::kIsRate);
    state.counters["file_MB"] =
        static_cast<double>(file_bytes) * 1e-6 / static_cast<double>(state.iterations());
}

// The target: the default options (dictionary on), no compression.
void BM_parquet_dataset_none(benchmark::State& state) {
    write_bench(state, {});
}

BENCHMARK(BM_parquet_dataset_none)->Unit(benchmark::kMillisecond);

void BM_parquet_dataset_plain(benchmark::State& state) {
    write_bench(state, {.dictionary = false});
}

BENCHMARK(BM_parquet_dataset_plain)->Unit(benchmark::kMillisecond);

void BM_parquet_dataset_snappy(benchmark::State& state) {
    write_bench(state, {.compression = ruvllm::ParquetCompression::snappy});
}

BENCHMARK(BM_parquet_dataset_snappy)->Unit(benchmark::kMillisecond);

void BM_parquet_dataset_zstd(benchmark::State& state) {
    write_bench(state, {.compression = ruvllm::ParquetCompression::zstd});
}

BENCHMARK(BM_parquet_dataset_zstd)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
