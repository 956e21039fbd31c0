// ruvllm/formats/parquet_encoding.h: the byte-level encodings of the Parquet writer
// (parquet.h), exposed for the byte-level tests: unsigned LEB128 varints, zigzag, the Thrift
// compact protocol of the footer and page headers, and the RLE / bit-packing hybrid of levels
// and dictionary indices.
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

}  // namespace ruvllm::parquet
