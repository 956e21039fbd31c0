// ruvllm/transformer/qmatmul.h: matrix products with the weights kept in their ggml encoding
// (quant.h), as llama.cpp's CPU backend computes them, split over a thread team (team.h).
//
//   out (T, R) = x (T, C) W^T + bias      W: R rows of C columns, row r encoded at
//                                           data + r * quant::row_size(type, C)
// Quantised weights (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K): each row of x is quantised
// per block of 32 values to int8, q = round_half_even(x * 127 / max|x|), with the float scale
// d = max|x| / 127 (llama.cpp's Q8_0 activations, with an f32 scale); per 16 values the sum
// s = d * sum(q) is kept too. A weight row is decoded once per product into its integer quants
// (unsigned 0..63, or int8 for Q8_0), a float scale per 16 values and an offset per 16 values
// (-zero_point * scale for Q4_0 / Q5_0 / Q6_K, the min of Q4_1 / Q5_1 / Q4_K / Q5_K), so that
//   w . x = sum_blocks d * (sum_16 scale * integer dot of the quants) + sum_16 offset * s
// exactly up to float rounding, the integer dots being exact. Errors against the exact product
// with the dequantised weights come from the int8 activations alone: each activation moves by at
// most d / 2, so |error| <= sum_blocks (d / 2) sum |w| (tests/qmatmul_test.cpp checks it);
// on random Gaussian rows the error is about 0.5% of the outputs' RMS (1e-4 of |w| |x|).
// F32, F16 and BF16 weights: float products with the F32 activations (F16 / BF16 rows are
// widened first).
//
// Kernels: AVX-512 VNNI (256-bit vpdpbusd), AVX2 + FMA, or portable C++, chosen at run time
// from the CPU (the default build has no -march flags). The two x86 paths give bit-identical
// results (the same integer sums, the same float operations in the same order); the portable
// path differs from them by float rounding only. Each output is computed by one thread with a
// summation order that does not depend on the row split, so results do not depend on the
// number of threads.
//
// Usage:
//   ruvllm::Team team(2);                      // this thread + 1 worker, reused for many products
//   ruvllm::qmm::Activations act;
//   act.reset(x.data(), T, C);                 // x (T, C); quantised on first need
//   ruvllm::qmm::Matrix w{TensorType::q5_0, bytes.data(), R, C};
//   ruvllm::qmm::matmul(w, act, bias, out.data(), &team);   // out (T, R)
#pragma once

#include <cstdint>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/team.h>
#include <ruvllm/formats/quant.h>

namespace ruvllm::qmm {

enum class Isa { scalar, avx2, avx512_vnni };

// The fastest path this CPU runs (detected once), or the one the environment variable
// RUVLLM_QMM_ISA names ("scalar", "avx2", "avx512_vnni") if the CPU runs it.
Isa best_isa();
bool isa_supported(Isa isa);    // scalar always; the others when the CPU has the features
const char* isa_name(Isa isa);  // "scalar", "avx2", "avx512_vnni"

// An (R, C) weight matrix in a ggml encoding; `data` is not owned.
struct Matrix {
    TensorType type = TensorType::f32;
    const uint8_t* data = nullptr;
    int rows = 0;  // R
    int cols = 0;  // C
};

// Errc::unsupported for a type quant.h cannot decode; Errc::invalid_argument when cols is not a
// positive multiple of the type's block or rows is not positive.
Status check(const Matrix& w);

// Whether products with weights of type `t` use int8 activations (the block-quantised types).
bool uses_int8(TensorType t);

// The rows of x (T, C) as the kernels read them: the floats, and their int8 form (above),
// made by the first product with quantised weights after reset(). Not thread-safe; matmul()
// prepares it on the calling thread before the team starts.
class Activations {
public:
    // x (T, C) row-major, kept by pointer: it must stay alive and unchanged until the next reset.
    // C must be a multiple of 32 for products with quantised weights.
    void reset(const float* x, int T, int C);

    // Makes the int8 form if it is not there yet (the same values on every Isa).
    void quantize(Isa isa);

    int rows() const { return T_; }

    int cols() const { return C_; }

    const float* f32() const { return x_; }

    // The int8 form (valid after quantize) is stored by token tiles, so that a kernel reads a
    // tile with one pointer: the T rows are split into ceil(T / kTile) tiles of as equal sizes
    // as possible (tile_size), and a tile of n rows starting at row t0 holds, for each block b,
    // the n rows' 32 values of block b together: q8 at t0 C + (b n + j) 32, scale at
    // t0 C / 32 + b n + j, and the per-16 sums d * sum(q) of half-block h at
    // t0 C / 16 + h n + j, for row t0 + j. (Plus kTile floats of zeros after the sums.)
    static constexpr int kTile = 8;

    // Rows in the tile that starts at row t (t = 0, then t + tile_size(T, t), ... < T; T >= 1).
    static int tile_size(int T, int t) {
        const int tiles = (T + kTile - 1) / kTile, base = T / tiles, extra = T % tiles;
        return t < extra * (base + 1) ? base + 1 : base;
    }

    const int8_t* q8_tile(int t0) const { return q_.data() + static_cast<size_t>(t0) * C_; }

    const float* scale_tile(int t0) const { return d_.data() + static_cast<size_t>(t0) * C_ / 32; }

    const float* sums_tile(int t0) const { return sy_.data() + static_cast<size_t>(t0) * C_ / 16; }

    // Block b of row t (32 values), its scale and the sum of half-block h, from the tiles.
    const int8_t* q8_block(int t, int b) const;
    float scale(int t, int b) const;
    float sum(int t, int h) const;

private:
    const float* x_ = nullptr;
    int T_ = 0, C_ = 0;
    bool quantized_ = false;
    std::vector<int8_t> q_;
    std::vector<float> d_, sy_;
};

// out (T, R) = x W^T + bias (R floats, or null), T = x.rows(), x.cols() == w.cols; rows of W
// are split over `team` (null: this thread only) when the product is large enough. `w` must
// pass check(). RUVLLM_ASSERT on mismatched shapes or an Isa the CPU lacks.
void matmul(const Matrix& w,
            Activations& x,
            const float* bias,
            float* out,
            Team* team,
            Isa isa = best_isa());

}  // namespace ruvllm::qmm
