// ruvllm/formats/quant.h: ggml tensor element types: sizes, half-precision conversion, and block
// quantisation with ggml's exact byte layouts, so tensors interoperate with llama.cpp.
//
//   type  id  block  bytes  layout of one block (little-endian)
//   F32    0      1      4  float
//   F16    1      1      2  IEEE 754 half
//   Q4_0   2     32     18  f16 d | u8 qs[16]            x = (q - 8) d; qs[j] = x_j | x_{j+16} << 4
//   Q4_1   3     32     20  f16 d | f16 m | u8 qs[16]    x = q d + m
//   Q5_0   6     32     22  f16 d | u32 qh | u8 qs[16]   x = (q - 16) d; bit 4 of x_j in qh bit j
//   Q5_1   7     32     24  f16 d | f16 m | u32 qh | u8 qs[16]
//   Q8_0   8     32     34  f16 d | i8 qs[32]            x = q d
//   Q4_K  12    256    144  f16 d | f16 dmin | u8 scales[12] | u8 qs[128]
//                           8 sub-blocks of 32 with 6-bit scale and min: x = d sc q - dmin m
//   Q5_K  13    256    176  f16 d | f16 dmin | u8 scales[12] | u8 qh[32] | u8 qs[128]
//   Q6_K  14    256    210  u8 ql[128] | u8 qh[64] | i8 scales[16] | f16 d
//                           16 sub-blocks of 16: x = d sc (q - 32), q 6 bits
//   BF16  30      1      2  upper half of an f32
// Rows are quantised independently; a row's length must be a multiple of the block size.
//
// Usage:
//   std::vector<uint8_t> q(ruvllm::quant::row_size(TensorType::q8_0, n));
//   ruvllm::quant::quantize(TensorType::q8_0, x.data(), q.data(), n);
//   ruvllm::quant::dequantize(TensorType::q8_0, q.data(), y.data(), n);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <ruvllm/core/error.h>

namespace ruvllm {

enum class TensorType : uint32_t {
    f32 = 0,
    f16 = 1,
    q4_0 = 2,
    q4_1 = 3,
    q5_0 = 6,
    q5_1 = 7,
    q8_0 = 8,
    q4_k = 12,
    q5_k = 13,
    q6_k = 14,
    bf16 = 30,
};

namespace quant {

struct TypeInfo {
    std::string_view name;  // "Q4_K"
    uint32_t block = 0;     // elements per block (1 for scalar types)
    uint32_t bytes = 0;     // bytes per block; 0 for a type we do not know
};

// Size and name of a ggml type id; bytes == 0 for an id we do not support.
TypeInfo type_info(uint32_t type_id);

inline TypeInfo type_info(TensorType t) {
    return type_info(static_cast<uint32_t>(t));
}

// Parses "f32", "F16", "q8_0", "Q4_K", ... (case-insensitive). false if unknown.
bool parse_type(std::string_view name, TensorType& out);

// Bytes of a row of `n` elements; 0 if `n` is not a multiple of the block size.
size_t row_size(TensorType t, int64_t n);

bool can_quantize(TensorType t);  // f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, q5_k, q6_k

// IEEE half <-> float, round to nearest even; NaN and infinities are preserved.
uint16_t f32_to_f16(float x);
float f16_to_f32(uint16_t h);
// All 65,536 halves as floats (built once, thread-safe): f16_table()[h] == f16_to_f32(h).
const float* f16_table();
// bfloat16: round to nearest even on the upper 16 bits.
uint16_t f32_to_bf16(float x);
float bf16_to_f32(uint16_t h);

// Converts `n` elements (a multiple of the block size) from `src` (row_size bytes) to floats.
// Errc::invalid_argument for a bad n, Errc::unsupported for an unknown type.
Status dequantize(TensorType t, const void* src, float* dst, int64_t n);

// The first of the `n` elements at `src` that is NaN or infinite: {index, is_nan}, or index -1
// when all are finite. Block types hold only integers besides their F16 scales (d, dmin), so
// a block is finite exactly when its scales are: the scan reads those two bytes per block and
// dequantises only a bad block, to name its first bad element as dequantize() would give it.
struct NonFinite {
    int64_t index = -1;
    bool nan = false;
};

Result<NonFinite> find_non_finite(TensorType t, const void* src, int64_t n);

// Quantises `n` floats into `dst` (row_size bytes).
Status quantize(TensorType t, const float* src, void* dst, int64_t n);

// The 6-bit scale `sc` and min `m` of sub-block j (0..7) from the 12 packed scale bytes `q` of
// a Q4_K / Q5_K block (ggml's get_scale_min_k4); qmatmul.cpp's kernels decode with it too.
void scale_min_k4(int j, const uint8_t* q, int& sc, int& m);

}  // namespace quant
}  // namespace ruvllm
