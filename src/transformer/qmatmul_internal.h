// qmatmul_internal.h: what qmatmul.cpp (portable code, dispatch) and qmatmul_x86.cpp (the AVX2
// and AVX-512 VNNI kernels) share. Shape letters: T tokens (rows of x), R rows / C columns of W,
// NB = C / 32 blocks, NH = C / 16 halves of a block.
#pragma once

#include <cstdint>

#include <ruvllm/transformer/qmatmul.h>

namespace ruvllm::qmm::detail {

// A weight row decoded for the integer kernels. Lanes: the 32 products of block b are summed
// as 8 int32 lanes, lane l holding elements 4l..4l+3 (x86's maddubs + madd and vpdpbusd give
// exactly this), so lanes 0-3 cover the block's first 16 values and lanes 4-7 the last 16.
struct DecodedRow {
    uint8_t* q = nullptr;     // (C) quants: unsigned 0..63, or int8 bits when is_signed
    float* scale = nullptr;   // (NB * 8) the scale of each lane
    float* offset = nullptr;  // (NH) times d * sum(q) of the activations; unused if !has_offset
    bool is_signed = false;   // Q8_0
    bool has_offset = true;
};

// Decodes row `src` (C values of type t, a block-quantised type) into `out` (buffers sized
// as above). Exact: the x86 decoders write the same values.
void decode_row(TensorType t, const uint8_t* src, int C, DecodedRow& out);

// The C values of row `src` (F32, F16 or BF16) as floats.
void widen_row(TensorType t, const uint8_t* src, int C, float* out);

// Per-thread buffers of a product, sized for C columns by the caller (the kernels allocate
// nothing): q (C), scale (C / 4), offset (C / 16), wide (C).
struct Scratch {
    uint8_t* q = nullptr;
    float* scale = nullptr;
    float* offset = nullptr;
    float* wide = nullptr;
};

// Rows [r0, r1) of out (T, R) = x W^T + bias, for one Isa.
using RowsFn = void (*)(const Matrix& w,
                        const Activations& x,
                        const float* bias,
                        float* out,
                        int r0,
                        int r1,
                        const Scratch& s);
// One row of x (C values) to int8 blocks: q (C), d (C / 32), sums (C / 16).
using QuantizeRowFn = void (*)(const float* x, int C, int8_t* q, float* d, float* sums);

struct Kernels {
    QuantizeRowFn quantize_row;
    RowsFn int8_rows;   // block-quantised weights
    RowsFn float_rows;  // F32 / F16 / BF16 weights
};

const Kernels& scalar_kernels();
// The x86 kernels, or null when this build has none (not x86-64).
const Kernels* avx2_kernels();
const Kernels* avx512_vnni_kernels();

}  // namespace ruvllm::qmm::detail
