// ruvllm/formats/parquet_read.h: an Apache Parquet reader for dataset files: the columns of a
// table as named vectors of strings or numbers, with nulls.
//
// What it reads: every leaf column that is not repeated, top-level or inside (nested) structs,
// named by its dotted path ("input", "metadata.template_id"), of physical type BYTE_ARRAY
// (returned as bytes, whatever its logical type), INT32, INT64, FLOAT, DOUBLE or BOOLEAN,
// required or optional at any level (definition levels). Repeated columns (lists, maps: our
// metadata.tags) and INT96 / FIXED_LEN_BYTE_ARRAY columns (decimals, UUIDs) are not read: they
// are listed in ParquetTable::skipped with the reason, and asking for one is not an error (the
// caller finds it missing). Pages: data page v1 and v2, dictionary pages; value encodings PLAIN,
// PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT (what Arrow, DuckDB and our writer, parquet.h, write);
// definition levels RLE; compression none, snappy, gzip and zstd; any number of row groups.
// Not read: encrypted files, column chunks in other files, the deprecated BIT_PACKED levels,
// LZO / BROTLI / LZ4 pages (Errc::unsupported, naming the column). Statistics, page indexes,
// bloom filters and CRCs are ignored.
//
// Hostile files: every offset, length, count, bit width, dictionary index and decompressed size
// is checked against the bytes that hold it before it is used; a file that breaks the format is
// an Errc::format error, never a crash or an out-of-bounds read. Messages name the file, and the
// column, row group and page (both counted from 0) where there is one:
//   "x.parquet: column input, row group 0, page 3: dictionary index 70000, expected < 512 (the
//    dictionary's entries)"
// Allocations are bounded: a page by max_page_bytes (decompressed), the footer and the decoded
// table by max_bytes (the footer's lists at max_bytes / 256 elements), whatever a header claims (a
// run of a billion nulls in five bytes is refused when the rows would pass max_bytes, before they
// are made). The file's row count must agree with its row groups' and each column chunk's.
//
// Usage:
//   ruvllm::Result<ruvllm::ParquetTable> t =
//       ruvllm::read_parquet("train.parquet", {.columns = {"input", "output_agent"}});
//   if (!t) { /* t.error().message */ }
//   const ruvllm::ParquetColumn* text = t->column("input");
//   for (size_t r = 0; text != nullptr && r < t->n_rows; r++) {
//       if (!text->is_null(r)) { use(text->str(r)); }
//   }
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/formats/parquet.h>

namespace ruvllm {

// One column, one entry per row of the table. A null row holds 0 / "" in the value vector.
struct ParquetColumn {
    std::string name;                            // dotted path: "metadata.template_id"
    parquet::Type type = parquet::Type::string;  // string, int32, int64, float32, float64, boolean
    bool optional = false;                       // some level of its path is OPTIONAL
    std::vector<uint8_t> valid;                  // optional: 1 = a value, 0 = null; else empty
    std::vector<int64_t> ints;                   // boolean (0 / 1), int32, int64
    std::vector<double> reals;                   // float32 (exact), float64
    std::string bytes;                           // string: every row's bytes, in order
    std::vector<uint64_t> offsets;               // string: row r is bytes[offsets[r], offsets[r+1])

    size_t size() const;

    bool is_null(size_t row) const { return !valid.empty() && valid[row] == 0; }

    std::string_view str(size_t row) const {
        return std::string_view(bytes).substr(offsets[row], offsets[row + 1] - offsets[row]);
    }

    // The value of a numeric or boolean row as a double (ints converted).
    double number(size_t row) const;

    bool is_numeric() const { return type != parquet::Type::string; }
};

struct SkippedColumn {
    std::string name;  // dotted path ("metadata.tags.list.element")
    std::string why;   // "repeated (a list or map)", "INT96", ...
};

struct ParquetTable {
    uint64_t n_rows = 0;
    std::vector<ParquetColumn> columns;  // those read, in schema order
    std::vector<SkippedColumn> skipped;  // the leaf columns this reader cannot read
    std::vector<std::string> all;        // every leaf column of the file, dotted, schema order

    // The column of that dotted name, or nullptr (absent, skipped or not asked for).
    const ParquetColumn* column(std::string_view name) const;
};

struct ParquetReadOptions {
    // Dotted names of the columns to read; empty: every column the reader can read. A name the
    // file lacks is not an error (ParquetTable::column returns nullptr).
    std::vector<std::string> columns = {};
    // The decoded table at most (8 bytes per value or string offset, string bytes, 1 byte per
    // null flag, dictionaries included): a larger table is an Errc::format error.
    uint64_t max_bytes = uint64_t{2} << 30;
    // One page at most, decompressed.
    uint64_t max_page_bytes = uint64_t{256} << 20;
};

// Reads `path`. Errc::io if it cannot be opened or read; Errc::format for a file that is not
// Parquet or breaks the format (see above), Errc::unsupported for the features listed above in
// a column that is read.
Result<ParquetTable> read_parquet(const std::filesystem::path& path,
                                  const ParquetReadOptions& options = {});

// The same over a file's bytes in memory; `name` stands for the file in messages.
Result<ParquetTable> read_parquet_bytes(std::string_view bytes,
                                        const std::string& name,
                                        const ParquetReadOptions& options = {});

// Whether `path` starts with the Parquet magic "PAR1" (false if it cannot be read).
bool is_parquet_file(const std::filesystem::path& path);

}  // namespace ruvllm
