// qmatmul.cpp: products with encoded weights (qmatmul.h): dispatch, activation quantisation,
// row decoding and the portable kernels. The x86 kernels are in qmatmul_x86.cpp. Shape letters:
// T tokens, R rows / C columns of W, NB = C / 32, NH = C / 16.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "transformer/qmatmul_internal.h"

namespace ruvllm::qmm {

namespace detail {

namespace {

float f16(const uint8_t* p) {
    return quant::f16_table()[static_cast<uint16_t>(p[0] | (p[1] << 8))];
}

uint32_t u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// Scale and offset of the 32-block `b` when one scale and one offset cover it.
void set_block(DecodedRow& out, int b, float scale, float offset) {
    std::fill(out.scale + 8 * b, out.scale + 8 * b + 8, scale);
    out.offset[2 * b] = offset;
    out.offset[2 * b + 1] = offset;
}

// Legacy 32-blocks: q = low nibble (element j) / high nibble (element j + 16) of qs, plus bit
// j / j + 16 of qh as bit 4 for the 5-bit types (qh null for the 4-bit ones).
void unpack_legacy(const uint8_t* qs, const uint8_t* qh, uint8_t* q) {
    const uint32_t h = qh != nullptr ? u32(qh) : 0;
    for (int j = 0; j < 16; j++) {
        q[j] = static_cast<uint8_t>((qs[j] & 0x0F) | (((h >> j) & 1) << 4));
        q[j + 16] = static_cast<uint8_t>((qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4));
    }
}

void decode_k4(const uint8_t* blk, bool five_bits, uint8_t* q, DecodedRow& out, int b0) {
    const float d = f16(blk), dmin = f16(blk + 2);
    const uint8_t* scales = blk + 4;
    const uint8_t* qh = blk + 16;
    const uint8_t* ql = blk + (five_bits ? 48 : 16);
    for (int n = 0; n < 4; n++) {
        for (int l = 0; l < 32; l++) {
            const uint8_t v = ql[32 * n + l];
            int lo = v & 0x0F, hi = v >> 4;
            if (five_bits) {
                lo |= ((qh[l] >> (2 * n)) & 1) << 4;
                hi |= ((qh[l] >> (2 * n + 1)) & 1) << 4;
            }
            q[64 * n + l] = static_cast<uint8_t>(lo);
            q[64 * n + 32 + l] = static_cast<uint8_t>(hi);
        }
        for (int k = 0; k < 2; k++) {
            int sc = 0, m = 0;
            quant::scale_min_k4(2 * n + k, scales, sc, m);
            set_block(
                out, b0 + 2 * n + k, d * static_cast<float>(sc), -(dmin * static_cast<float>(m)));
        }
    }
}

void decode_q6_k(const uint8_t* blk, uint8_t* q, DecodedRow& out, int b0) {
    const auto* sc = reinterpret_cast<const int8_t*>(blk + 192);
    const float d = f16(blk + 208);
    for (int half = 0; half < 2; half++) {
        const uint8_t* ql = blk + 64 * half;
        const uint8_t* qh = blk + 128 + 32 * half;
        uint8_t* y = q + 128 * half;
        for (int l = 0; l < 32; l++) {
            y[l] = static_cast<uint8_t>((ql[l] & 0x0F) | ((qh[l] & 3) << 4));
            y[l + 32] = static_cast<uint8_t>((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4));
            y[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
            y[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
        }
    }
    for (int i = 0; i < 16; i++) {  // sub-block i: values 16 i .. 16 i + 15
        const float s = d * static_cast<float>(sc[i]);
        float* lanes = out.scale + 8 * (b0 + i / 2) + 4 * (i % 2);
        std::fill(lanes, lanes + 4, s);
        out.offset[2 * b0 + i] = -32.0f * s;
    }
}

}  // namespace

void decode_row(TensorType t, const uint8_t* src, int C, DecodedRow& out) {
    const int NB = C / 32;
    out.is_signed = t == TensorType::q8_0;
    out.has_offset = !out.is_signed;
    switch (t) {
        case TensorType::q4_0:
        case TensorType::q5_0: {
            const bool five = t == TensorType::q5_0;
            const int bytes = five ? 22 : 18;
            for (int b = 0; b < NB; b++) {
                const uint8_t* blk = src + static_cast<size_t>(b) * bytes;
                const float d = f16(blk);
                unpack_legacy(blk + (five ? 6 : 2), five ? blk + 2 : nullptr, out.q + 32 * b);
                set_block(out, b, d, (five ? -16.0f : -8.0f) * d);
            }
            return;
        }
        case TensorType::q4_1:
        case TensorType::q5_1: {
            const bool five = t == TensorType::q5_1;
            const int bytes = five ? 24 : 20;
            for (int b = 0; b < NB; b++) {
                const uint8_t* blk = src + static_cast<size_t>(b) * bytes;
                unpack_legacy(blk + (five ? 8 : 4), five ? blk + 4 : nullptr, out.q + 32 * b);
                set_block(out, b, f16(blk), f16(blk + 2));
            }
            return;
        }
        case TensorType::q8_0:
            for (int b = 0; b < NB; b++) {
                const uint8_t* blk = src + static_cast<size_t>(b) * 34;
                std::memcpy(out.q + 32 * b, blk + 2, 32);
                std::fill(out.scale + 8 * b, out.scale + 8 * b + 8, f16(blk));
            }
            return;
        case TensorType::q4_k:
        case TensorType::q5_k: {
            const bool five = t == TensorType::q5_k;
            for (int s = 0; s < C / 256; s++) {
                decode_k4(src + static_cast<size_t>(s) * (five ? 176 : 144),
                          five,
                          out.q + 256 * s,
                          out,
                          8 * s);
            }
            return;
        }
        case TensorType::q6_k:
            for (int s = 0; s < C / 256; s++) {
                decode_q6_k(src + static_cast<size_t>(s) * 210, out.q + 256 * s, out, 8 * s);
            }
            return;
        default:
            RUVLLM_ASSERT(!"decode_row: not a block-quantised type");
    }
}

void widen_row(TensorType t, const uint8_t* src, int C, float* out) {
    Status s = quant::dequantize(t, src, out, C);
    RUVLLM_ASSERT(s.ok());
}

namespace {

// The eight lanes summed in a fixed order.
float reduce8(const float* l) {
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

// sum_i a[i] b[i] over n values in 8 lanes (lane i % 8), reduced as reduce8.
float dot_lanes(const float* a, const float* b, int n) {
    float l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        l[i % 8] += a[i] * b[i];
    }
    return reduce8(l);
}

void quantize_row_scalar(const float* x, int C, int8_t* q, float* d, float* sums) {
    for (int b = 0; b < C / 32; b++) {
        const float* xb = x + 32 * b;
        float amax = 0.0f;
        for (int i = 0; i < 32; i++) {
            amax = std::max(amax, std::fabs(xb[i]));
        }
        const float db = amax / 127.0f;
        const float id = db != 0.0f ? 1.0f / db : 0.0f;
        int sum[2] = {0, 0};
        for (int i = 0; i < 32; i++) {
            const int v = static_cast<int>(std::nearbyint(xb[i] * id));  // ties to even
            q[32 * b + i] = static_cast<int8_t>(v);
            sum[i / 16] += v;
        }
        d[b] = db;
        sums[2 * b] = db * static_cast<float>(sum[0]);
        sums[2 * b + 1] = db * static_cast<float>(sum[1]);
    }
}

void int8_rows_scalar(const Matrix& w,
                      const Activations& x,
                      const float* bias,
                      float* out,
                      int r0,
                      int r1,
                      const Scratch& buf) {
    const int C = w.cols, R = w.rows, T = x.rows(), NB = C / 32, NH = C / 16;
    const size_t row_bytes = quant::row_size(w.type, C);
    DecodedRow row{buf.q, buf.scale, buf.offset};
    const uint8_t* q = row.q;
    const float* scale = row.scale;
    for (int r = r0; r < r1; r++) {
        decode_row(w.type, w.data + row_bytes * static_cast<size_t>(r), C, row);
        for (int t0 = 0, n = 0; t0 < T; t0 += n) {
            n = Activations::tile_size(T, t0);
            for (int j = 0; j < n; j++) {
                float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
                for (int b = 0; b < NB; b++) {
                    const int8_t* y = x.q8_tile(t0) + (static_cast<size_t>(b) * n + j) * 32;
                    const float dy = x.scale_tile(t0)[b * n + j];
                    for (int l = 0; l < 8; l++) {
                        int32_t s = 0;
                        for (int i = 4 * l; i < 4 * l + 4; i++) {
                            const uint8_t qi = q[32 * b + i];
                            s += (row.is_signed ? static_cast<int8_t>(qi) : qi) * y[i];
                        }
                        lanes[l] += static_cast<float>(s) * dy * scale[8 * b + l];
                    }
                }
                float v = reduce8(lanes);
                if (row.has_offset) {
                    float o = 0.0f;
                    for (int h = 0; h < NH; h++) {
                        o += row.offset[h] * x.sums_tile(t0)[h * n + j];
                    }
                    v += o;
                }
                out[static_cast<size_t>(t0 + j) * R + r] = v + (bias != nullptr ? bias[r] : 0.0f);
            }
        }
    }
}

void float_rows_scalar(const Matrix& w,
                       const Activations& x,
                       const float* bias,
                       float* out,
                       int r0,
                       int r1,
                       const Scratch& buf) {
    const int C = w.cols, R = w.rows, T = x.rows();
    const size_t row_bytes = quant::row_size(w.type, C);
    for (int r = r0; r < r1; r++) {
        const uint8_t* src = w.data + row_bytes * static_cast<size_t>(r);
        const float* wr = reinterpret_cast<const float*>(src);
        if (w.type != TensorType::f32) {
            widen_row(w.type, src, C, buf.wide);
            wr = buf.wide;
        }
        for (int t = 0; t < T; t++) {
            const float v = dot_lanes(wr, x.f32() + static_cast<size_t>(t) * C, C);
            out[static_cast<size_t>(t) * R + r] = v + (bias != nullptr ? bias[r] : 0.0f);
        }
    }
}

}  // namespace

const Kernels& scalar_kernels() {
    static const Kernels k{quantize_row_scalar, int8_rows_scalar, float_rows_scalar};
    return k;
}

}  // namespace detail

namespace {

bool cpu_has(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    switch (isa) {
        case Isa::scalar:
            return true;
        case Isa::avx2:
            return avx2 && detail::avx2_kernels() != nullptr;
        case Isa::avx512_vnni:
            return avx2 && __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vnni") && detail::avx512_vnni_kernels() != nullptr;
    }
    return false;
#else
    return isa == Isa::scalar;
#endif
}

const detail::Kernels& kernels(Isa isa) {
    RUVLLM_ASSERT(isa_supported(isa));
    switch (isa) {
        case Isa::avx2:
            return *detail::avx2_kernels();
        case Isa::avx512_vnni:
            return *detail::avx512_vnni_kernels();
        case Isa::scalar:
            break;
    }
    return detail::scalar_kernels();
}

}  // namespace

bool isa_supported(Isa isa) {
    static const bool avx2 = cpu_has(Isa::avx2), vnni = cpu_has(Isa::avx512_vnni);
    return isa == Isa::scalar || (isa == Isa::avx2 && avx2) || (isa == Isa::avx512_vnni && vnni);
}

Isa best_isa() {
    static const Isa best = [] {
        const char* want = std::getenv("RUVLLM_QMM_ISA");
        for (const Isa i : {Isa::scalar, Isa::avx2, Isa::avx512_vnni}) {
            if (want != nullptr && std::strcmp(want, isa_name(i)) == 0 && isa_supported(i)) {
                return i;
            }
        }
        return isa_supported(Isa::avx512_vnni) ? Isa::avx512_vnni
               : isa_supported(Isa::avx2)      ? Isa::avx2
                                               : Isa::scalar;
    }();
    return best;
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::avx2:
            return "avx2";
        case Isa::avx512_vnni:
            return "avx512_vnni";
        case Isa::scalar:
            break;
    }
    return "scalar";
}

bool uses_int8(TensorType t) {
    return t != TensorType::f32 && t != TensorType::f16 && t != TensorType::bf16;
}

Status check(const Matrix& w) {
    const quant::TypeInfo info = quant::type_info(w.type);
    if (info.bytes == 0) {
        return make_error(Errc::unsupported,
                          "qmatmul: ggml type " + std::to_string(static_cast<uint32_t>(w.type)) +
                              " is not supported");
    }
    const int block = uses_int8(w.type) ? std::max<int>(32, static_cast<int>(info.block)) : 1;
    if (w.rows <= 0 || w.cols <= 0 || w.cols % block != 0) {
        return make_error(Errc::invalid_argument,
                          "qmatmul: " + std::string(info.name) + " matrix of " +
                              std::to_string(w.rows) + " x " + std::to_string(w.cols) +
                              ", expected rows > 0 and columns a multiple of " +
                              std::to_string(block));
    }
    return ok();
}

void Activations::reset(const float* x, int T, int C) {
    x_ = x;
    T_ = T;
    C_ = C;
    quantized_ = false;
}

void Activations::quantize(Isa isa) {
    if (quantized_) {
        return;
    }
    RUVLLM_ASSERT(C_ % 32 == 0);
    const size_t size = static_cast<size_t>(T_) * C_;
    q_.resize(size);
    d_.resize(size / 32);
    sy_.assign(size / 16 + kTile, 0.0f);
    const int NB = C_ / 32, NH = C_ / 16;
    std::vector<int8_t> q(static_cast<size_t>(C_));
    std::vector<float> d(static_cast<size_t>(NB)), sums(static_cast<size_t>(NH));
    const detail::QuantizeRowFn f = kernels(isa).quantize_row;
    for (int t0 = 0, n = 0; t0 < T_; t0 += n) {
        n = tile_size(T_, t0);
        int8_t* tile_q = q_.data() + static_cast<size_t>(t0) * C_;
        float* tile_d = d_.data() + static_cast<size_t>(t0) * NB;
        float* tile_s = sy_.data() + static_cast<size_t>(t0) * NH;
        for (int j = 0; j < n; j++) {
            f(x_ + static_cast<size_t>(t0 + j) * C_, C_, q.data(), d.data(), sums.data());
            for (int b = 0; b < NB; b++) {
                std::memcpy(tile_q + (static_cast<size_t>(b) * n + j) * 32, q.data() + 32 * b, 32);
                tile_d[b * n + j] = d[static_cast<size_t>(b)];
            }
            for (int h = 0; h < NH; h++) {
                tile_s[h * n + j] = sums[static_cast<size_t>(h)];
            }
        }
    }
    quantized_ = true;
}

namespace {

// The first row of the tile that holds row t, and that tile's size.
void find_tile(int T, int t, int& t0, int& n) {
    t0 = 0;
    while (t >= t0 + Activations::tile_size(T, t0)) {
        t0 += Activations::tile_size(T, t0);
    }
    n = Activations::tile_size(T, t0);
}

}  // namespace

const int8_t* Activations::q8_block(int t, int b) const {
    int t0 = 0, n = 0;
    find_tile(T_, t, t0, n);
    return q8_tile(t0) + (static_cast<size_t>(b) * n + (t - t0)) * 32;
}

float Activations::scale(int t, int b) const {
    int t0 = 0, n = 0;
    find_tile(T_, t, t0, n);
    return scale_tile(t0)[b * n + (t - t0)];
}

float Activations::sum(int t, int h) const {
    int t0 = 0, n = 0;
    find_tile(T_, t, t0, n);
    return sums_tile(t0)[h * n + (t - t0)];
}

void matmul(const Matrix& w, Activations& x, const float* bias, float* out, Team* team, Isa isa) {
    RUVLLM_ASSERT(x.cols() == w.cols && w.rows > 0);
    const int T = x.rows(), R = w.rows;
    if (T == 0) {
        return;
    }
    const detail::Kernels& k = kernels(isa);
    const bool int8 = uses_int8(w.type);
    if (int8) {
        x.quantize(isa);
    }
    const detail::RowsFn rows = int8 ? k.int8_rows : k.float_rows;
    const size_t C = static_cast<size_t>(w.cols);
    auto part = [&](int r0, int r1) {
        std::vector<uint8_t> q(int8 ? C : 0);
        std::vector<float> f(int8 ? C / 4 + C / 16 : C);
        rows(w,
             x,
             bias,
             out,
             r0,
             r1,
             detail::Scratch{q.data(), f.data(), f.data() + C / 4, f.data()});
    };
    // Below ~2^18 multiply-adds a product is not worth waking the team.
    const int64_t work = int64_t{T} * R * w.cols;
    const int n = team == nullptr || work < (int64_t{1} << 18) ? 1 : std::min(team->size(), R);
    if (n == 1) {
        part(0, R);
        return;
    }
    // Rows are handed out in chunks (about 8 per thread), so that a thread that the OS delays
    // does not hold the others up; which thread computes a row does not change its result.
    const int chunk = std::max(1, R / (8 * n));
    std::atomic<int> next{0};
    team->run([&](int) {
        for (int r0 = next.fetch_add(chunk); r0 < R; r0 = next.fetch_add(chunk)) {
            part(r0, std::min(R, r0 + chunk));
        }
    });
}

}  // namespace ruvllm::qmm
