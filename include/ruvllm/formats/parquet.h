// ruvllm/formats/parquet.h: a small Apache Parquet writer (no Arrow package exists for Debian 12,
// #8).
//
// What it writes: format version 2 files with data page v1, one or more row groups, PLAIN and
// dictionary encoding (strings), min/max/null_count statistics and per-page compression
// none / snappy / zstd. Columns are strings (BYTE_ARRAY + STRING), int32, int64, float, double
// and boolean, required or optional, plus one level of nesting: a struct group of such columns
// and list<string> in the standard 3-level LIST form. The reader is parquet_read.h; the writer's
// tests carry their own, independent one, and tests/parquet_interop_test.cpp checks every file
// kind against hyparquet and DuckDB.
//
// File layout (little-endian):
//   "PAR1"
//   per row group, per leaf column (schema order), one column chunk:
//     [dictionary page: PageHeader + PLAIN dictionary]   (string columns, dictionary mode)
//     data pages: PageHeader + body; body = [rep levels] [def levels] values, compressed as one
//       rep/def levels (only when the column's max level > 0): u32 byte length + RLE hybrid
//       values: PLAIN, or RLE_DICTIONARY: u8 bit width + RLE hybrid of dictionary indices
//   FileMetaData (Thrift compact protocol) | u32 length of FileMetaData | "PAR1"
// PLAIN: int32/int64/float/double as their little-endian bytes, booleans one bit each (LSB
// first), strings as u32 length + bytes. Pages end at row boundaries.
//
// Thrift compact protocol: parquet_encoding.h.
//
// Field ids written (parquet.thrift; anything not listed is left out):
//   FileMetaData: 1 version (2), 2 schema list<SchemaElement>, 3 num_rows, 4 row_groups,
//                 6 created_by ("ruvllm <version>"), 7 column_orders (1 TYPE_ORDER per leaf)
//   SchemaElement: 1 type, 3 repetition_type (not on the root), 4 name, 5 num_children,
//                  6 converted_type (UTF8 0 / LIST 3), 10 logicalType (STRING 1 / LIST 3)
//   RowGroup: 1 columns, 2 total_byte_size (uncompressed), 3 num_rows, 5 file_offset,
//             6 total_compressed_size, 7 ordinal
//   ColumnChunk: 2 file_offset (the chunk's first byte), 3 meta_data
//   ColumnMetaData: 1 type, 2 encodings, 3 path_in_schema, 4 codec, 5 num_values,
//                   6 total_uncompressed_size, 7 total_compressed_size, 9 data_page_offset,
//                   11 dictionary_page_offset (dictionary chunks only), 12 statistics
//   Statistics: 3 null_count (level entries without a value: nulls, and empty lists in a list
//               column), 5 max_value, 6 min_value (left out when there is no non-null value,
//               NaN not counted; strings compare as unsigned bytes)
//   PageHeader: 1 type (DATA_PAGE 0, DICTIONARY_PAGE 2), 2 uncompressed_page_size,
//               3 compressed_page_size, 5 data_page_header, 7 dictionary_page_header
//   DataPageHeader: 1 num_values (level entries, nulls included), 2 encoding (PLAIN 0 /
//                   RLE_DICTIONARY 8), 3 definition_level_encoding (RLE 3),
//                   4 repetition_level_encoding (RLE 3)
//   DictionaryPageHeader: 1 num_values, 2 encoding (PLAIN 0)
//
// Dictionary encoding: string columns keep a dictionary per column chunk; once it passes
// `dictionary_limit` bytes, the page in progress is closed (at the next row) with the dictionary
// and the rest of the chunk is PLAIN, as parquet-mr and Arrow do. Each row group starts a fresh
// dictionary. Page sizes are estimates taken before compression.
//
// Usage (generic writer):
//   using ruvllm::parquet::Field;
//   using ruvllm::parquet::Type;
//   std::vector<Field> schema = {{.name = "text", .type = Type::string},
//                                {.name = "score", .type = Type::float64, .optional = true}};
//   ruvllm::Result<ruvllm::parquet::Writer> w =
//       ruvllm::parquet::Writer::open("out.parquet", schema, {});
//   if (!w) { /* w.error().message: "out.parquet: cannot create output file (...)" */ }
//   w->put_string(0, "hello");
//   w->put_null(1);
//   if (ruvllm::Status s = w->end_row(); !s) { /* ... */ }
//   ruvllm::Status s = w->close();  // footer, then the file is renamed into place
// The dataset's schema and writer are in dataset/export_parquet.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/formats/parquet_encoding.h>

namespace ruvllm {

enum class ParquetCompression : uint8_t { none, snappy, zstd };

// "none" / "snappy" / "zstd".
std::string_view parquet_compression_name(ParquetCompression c);

// Parses the names above. Errc::invalid_argument naming the accepted values otherwise.
Result<ParquetCompression> parse_parquet_compression(std::string_view s);

struct ParquetOptions {
    ParquetCompression compression = ParquetCompression::none;
    bool dictionary = true;             // dictionary-encode string columns (else PLAIN)
    size_t row_group_size = 100000;     // rows per row group (the last one may be smaller); > 0
    size_t page_size = 1 << 20;         // a data page is closed once its body passes this
    size_t dictionary_limit = 1 << 20;  // PLAIN dictionary bytes before falling back to PLAIN
    int zstd_level = 3;
};

namespace parquet {

// ---- schema ----

enum class Type : uint8_t {
    boolean,  // BOOLEAN
    int32,    // INT32
    int64,    // INT64
    float32,  // FLOAT
    float64,  // DOUBLE
    string,   // BYTE_ARRAY, logical type STRING (converted type UTF8)
    list,     // list<string>, 3-level:
              //   <rep> group name (LIST) { repeated group list { <rep> binary element (STRING) } }
    group,    // a struct of the fields in `fields` (which may not be groups themselves)
};

struct Field {
    std::string name = {};
    Type type = Type::string;
    bool optional = false;           // OPTIONAL, else REQUIRED
    std::vector<Field> fields = {};  // Type::group: its members
    bool element_optional = false;   // Type::list: the element may be null
};

// ---- the generic writer ----

// Leaf columns are numbered in schema order, depth first ("metadata.tags" is one leaf). Each
// row gives every leaf exactly one cell, then end_row(). Calling a put of the wrong type, a null
// on a required column, or ending a row with a missing or repeated cell is a bug (RUVLLM_ASSERT).
class Writer {
public:
    // Checks the schema and opens a temp file beside `path`. Errc::io naming the path if it
    // cannot be created; Errc::invalid_argument for an empty or malformed schema (names the
    // field) or row_group_size 0.
    static Result<Writer> open(const std::filesystem::path& path,
                               const std::vector<Field>& schema,
                               const ParquetOptions& options);

    Writer(Writer&& other) noexcept;
    Writer& operator=(Writer&& other) noexcept;
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    ~Writer();  // without a successful close() the temp file is removed

    // Leaf index of a dotted path ("metadata.tags"), or -1.
    int column(std::string_view dotted_path) const;

    // Index of a top-level group field, for put_null_group(), or -1.
    int group(std::string_view name) const;

    int n_columns() const;

    void put_string(int col, std::string_view v);
    void put_int32(int col, int32_t v);
    void put_int64(int col, int64_t v);
    void put_float(int col, float v);
    void put_double(int col, double v);
    void put_bool(int col, bool v);
    // A list<string> cell (may be empty). Elements are never null through this overload.
    void put_list(int col, std::span<const std::string> items);
    // A list<string> cell whose elements may be null (nullopt); needs element_optional.
    void put_list(int col, std::span<const std::optional<std::string_view>> items);
    // A null cell: the leaf (or the whole list) is null. Needs the column to be optional.
    void put_null(int col);
    // The whole group is null in this row: fills every leaf of group `g` (from group()); those
    // leaves get no other cell in this row. Needs the group to be optional.
    void put_null_group(int g);

    // Completes the row; writes out the row group every row_group_size rows. Errc::io on a
    // write error (the writer is then unusable; the file is not published).
    Status end_row();

    // Writes the last row group and the footer, then renames the file into place. Errc::io on
    // failure. The writer is closed afterwards, successful or not.
    Status close();

    uint64_t n_rows() const;

private:
    struct Impl;
    explicit Writer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace parquet

}  // namespace ruvllm
