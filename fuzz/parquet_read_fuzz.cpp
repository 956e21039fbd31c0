// parquet_read_fuzz.cpp: libFuzzer target for the Parquet reader (formats/parquet_read.h). Any
// input must give a table or an error naming the file, never a crash; a table's columns all
// have one entry per row. Seeds: tests/data/parquet/*.parquet (DuckDB's) and any file of
// `ruvllm generate --format parquet`.
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DRUVLLM_FUZZ=ON
//   cmake --build build-fuzz --target parquet_read_fuzz
//   build-fuzz/bin/parquet_read_fuzz -max_total_time=300 -rss_limit_mb=2048 tests/data/parquet/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <ruvllm/formats/parquet_read.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ruvllm::ParquetReadOptions opt = {.max_bytes = uint64_t{256} << 20,
                                            .max_page_bytes = uint64_t{64} << 20};
    ruvllm::Result<ruvllm::ParquetTable> t = ruvllm::read_parquet_bytes(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.parquet", opt);
    if (!t) {
        if (t.error().message.rfind("fuzz.parquet: ", 0) != 0) {
            __builtin_trap();  // every error names the file
        }
        return 0;
    }
    for (const ruvllm::ParquetColumn& c : t->columns) {
        if (c.size() != t->n_rows || (!c.valid.empty() && c.valid.size() != t->n_rows)) {
            __builtin_trap();
        }
    }
    return 0;
}
