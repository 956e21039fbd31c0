// ruvllm/formats/parquet_encoding.h: the byte-level encodings of the Parquet writer
// (parquet.h) and reader (parquet_read.h), exposed for the byte-level tests: unsigned LEB128
// varints, zigzag, the Thrift compact protocol of the footer and page headers, the RLE /
// bit-packing hybrid of levels and dictionary indices, and (reading only) DELTA_BINARY_PACKED.
//
// Thrift compact protocol (what CompactWriter emits): a field header is one byte
// (id delta << 4 | type) when the delta to the previous field id of the same struct is 1..15,
// else the type byte followed by the zigzag varint id; i16/i32/i64 are zigzag varints; binary is
// a varint length + bytes; a bool field carries its value in the type (1 true, 2 false); a list
// header is (size << 4 | element type) for size < 15, else (0xF0 | element type) + varint size;
// a struct ends with a 0 byte.
// Types: 1 true, 2 false, 4 i16, 5 i32, 6 i64, 8 binary, 9 list, 12 struct.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm::parquet {

// Unsigned LEB128 varint, as Thrift compact and the RLE hybrid use.
void append_uvarint(std::string& out, uint64_t v);

// Zigzag: 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ...
inline uint64_t zigzag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

// Thrift compact protocol writer for the structs parquet.h lists.
class CompactWriter {
public:
    // Compact type ids.
    static constexpr uint8_t kTrue = 1, kFalse = 2, kI16 = 4, kI32 = 5, kI64 = 6, kBinary = 8,
                             kList = 9, kStruct = 12;

    explicit CompactWriter(std::string& out) : out_(out) {}

    void field_i16(int16_t id, int16_t v);
    void field_i32(int16_t id, int32_t v);
    void field_i64(int16_t id, int64_t v);
    void field_binary(int16_t id, std::string_view v);
    void field_bool(int16_t id, bool v);
    void field_struct(int16_t id);  // begins a nested struct; close it with struct_end()
    // Begins a list field of `n` elements of compact type `elem`; then write n elements with
    // list_i32 / list_binary / list_struct (+ struct_end()).
    void field_list(int16_t id, uint8_t elem, size_t n);
    void list_i32(int32_t v);
    void list_binary(std::string_view v);
    void list_struct();  // begins a struct element
    void struct_end();   // writes the stop byte and returns to the enclosing struct
    void message_end();  // the stop byte of the outermost struct

private:
    void field_header(int16_t id, uint8_t type);

    std::string& out_;
    int16_t last_id_ = 0;
    std::vector<int16_t> stack_;
};

// Appends `values` in the RLE / bit-packing hybrid encoding with `bit_width` bits (0..32) per
// value: runs of 8 or more equal values become RLE runs (varint (count << 1), then the value in
// ceil(bit_width / 8) little-endian bytes), everything else bit-packed runs (varint
// (groups << 1 | 1), then groups of 8 values packed LSB first; the last group is zero-padded).
// No length prefix: data pages add the u32 length for levels, the bit width byte for indices.
void append_rle_hybrid(std::string& out, std::span<const uint32_t> values, int bit_width);

// Bits needed to store `max_value` (0 for 0).
int bit_width(uint32_t max_value);

// ---- reading ----
// Every reader below is bounded by its input: a count, length or bit width that points past the
// end is an error, never a read out of bounds. Errors are short phrases ("varint runs past the
// end"); the Parquet reader puts the file, column and page in front.

// Reads an unsigned LEB128 varint at `pos` and advances it. False (pos unchanged) if it runs past
// `in` or is longer than 10 bytes / 64 bits.
bool read_uvarint(std::span<const uint8_t> in, size_t& pos, uint64_t& v);

inline int64_t unzigzag(uint64_t v) {
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Thrift compact protocol reader: the counterpart of CompactWriter, with skipping of fields it
// is not asked for (any type, nested at most kMaxDepth deep). After the first error every read
// returns 0 / empty, next_field() returns false and error() says what went wrong, so a parser
// can read on and check ok() once at the end of a struct.
//
//   CompactReader r(bytes);
//   int16_t id; uint8_t type;
//   while (r.next_field(id, type)) {          // the outermost struct
//       if (id == 1) v = r.read_i32(type); else r.skip(type);
//   }
//   if (!r.ok()) { /* r.error() */ }
class CompactReader {
public:
    static constexpr uint8_t kTrue = 1, kFalse = 2, kByte = 3, kI16 = 4, kI32 = 5, kI64 = 6,
                             kDouble = 7, kBinary = 8, kList = 9, kSet = 10, kMap = 11,
                             kStruct = 12;
    static constexpr int kMaxDepth = 32;

    explicit CompactReader(std::span<const uint8_t> in) : in_(in) {}

    // The next field of the current struct: false at its stop byte, which also ends the struct
    // begun by struct_begin(); false after an error.
    bool next_field(int16_t& id, uint8_t& type);
    // Enters the struct value of a field (or list element) of compact type `type`; read its
    // fields with next_field() until it returns false.
    void struct_begin(uint8_t type);
    // A list (or set) value: its element type and size (each element is at least one byte, so
    // a size past the remaining bytes is an error).
    size_t list_begin(uint8_t type, uint8_t& elem);

    // Values of a field (or list element) of compact type `type`; a type that is not the one
    // asked for is an error (an i32 accepts i8 / i16, an i64 accepts any integer).
    int32_t read_i32(uint8_t type);
    int64_t read_i64(uint8_t type);
    bool read_bool(uint8_t type);  // a bool field carries its value in its type
    std::string_view read_binary(uint8_t type);
    void skip(uint8_t type);

    bool ok() const { return error_.empty(); }

    const std::string& error() const { return error_; }

    size_t pos() const { return pos_; }

    void fail(const std::string& what);

    // At most `n` list elements in all (list_begin counts them; a list past it is an error),
    // so that a message cannot make its parser allocate more than n elements' worth.
    void limit_elements(uint64_t n) { max_elements_ = n; }

private:
    uint64_t varint();
    uint8_t byte();
    void skip_value(uint8_t type, int depth);

    std::span<const uint8_t> in_;
    size_t pos_ = 0;
    int16_t last_id_ = 0;
    std::vector<int16_t> stack_;
    std::string error_;
    uint64_t elements_ = 0, max_elements_ = UINT64_MAX;
};

// Decodes `n` values of the RLE / bit-packing hybrid with `bit_width` (0..32) bits each from the
// front of `in`, appending them to `out`. Returns the bytes consumed (through the end of the last
// run read; a bit-packed run's padding that `in` leaves out is not required), or -1 with `err`
// set: bit width over 32, a run past the end of `in`, fewer than n values.
int64_t decode_rle_hybrid(std::span<const uint8_t> in,
                          int bit_width,
                          size_t n,
                          std::vector<uint32_t>& out,
                          std::string& err);

// Decodes a DELTA_BINARY_PACKED stream of exactly `n` values from the front of `in`, appending
// them to `out` (wrapping 64-bit arithmetic, as the format says; INT32 readers truncate).
// Returns the bytes consumed through the end of the last miniblock holding a value, or -1 with
// `err` set: a header that is not the format's (block size a multiple of 128, miniblocks of a
// multiple of 32 values), a total other than n, a miniblock bit width over 64, data past the
// end.
int64_t decode_delta_binary_packed(std::span<const uint8_t> in,
                                   size_t n,
                                   std::vector<int64_t>& out,
                                   std::string& err);

}  // namespace ruvllm::parquet
