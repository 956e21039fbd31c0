// qmatmul_x86_internal.h: the x86 kernels of qmatmul, written once and included twice by
// qmatmul_x86.cpp: inside `#pragma GCC target("avx2,fma")` as namespace avx2 (QMM_VNNI 0) and
// inside the AVX-512 VNNI target as namespace avx512_vnni (QMM_VNNI 1). The only difference is
// the int8 dot product of a 32-byte block into 8 int32 lanes: maddubs + madd, or vpdpbusd; both
// are exact (no saturation: |q| <= 63 or, for signed quants, |w| <= 128, and |y| <= 127), so the
// two builds give bit-identical results. No pragma once: included once per target. Shape
// letters as in qmatmul_internal.h.
//
// Uses no standard-library templates (their instantiations must not pick up these targets).

namespace {

// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), as qmatmul.cpp's reduce8.
inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Lane j = hsum-like total of a[j]: the sums of eight accumulators at once.
inline __m256 sum8x8(const __m256* a) {
    const __m256 h0123 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    const __m256 h4567 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(h0123, h4567, 0x20),
                         _mm256_permute2f128_ps(h0123, h4567, 0x31));
}

inline int32_t hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

// Lane l = sum of u[4l + k] * s[4l + k], k < 4 (u unsigned, s signed bytes).
inline __m256i dot4(__m256i u, __m256i s) {
#if QMM_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

void quantize_row(const float* x, int C, int8_t* q, float* d, float* sums) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int b = 0; b < C / 32; b++) {
        const float* xb = x + 32 * b;
        const __m256 v0 = _mm256_loadu_ps(xb), v1 = _mm256_loadu_ps(xb + 8);
        const __m256 v2 = _mm256_loadu_ps(xb + 16), v3 = _mm256_loadu_ps(xb + 24);
        __m256 m = _mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1));
        m = _mm256_max_ps(m, _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const float db = _mm_cvtss_f32(h) / 127.0f;
        const __m256 id = _mm256_set1_ps(db != 0.0f ? 1.0f / db : 0.0f);
        // Rounds to nearest even (the default MXCSR mode), as std::nearbyint.
        const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, id));
        const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, id));
        const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, id));
        const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, id));
        const __m256i p =
            _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 32 * b),
                            _mm256_permutevar8x32_epi32(p, order));
        d[b] = db;
        sums[2 * b] = db * static_cast<float>(hsum_i32(_mm256_add_epi32(i0, i1)));
        sums[2 * b + 1] = db * static_cast<float>(hsum_i32(_mm256_add_epi32(i2, i3)));
    }
}

// The half at p as a float, from quant::f16_table().
float f16(const float* table, const uint8_t* p) {
    return table[static_cast<uint16_t>(p[0] | (p[1] << 8))];
}

void fill8(float* p, float v) {
    _mm256_storeu_ps(p, _mm256_set1_ps(v));
}

// Byte j of the result is 0xFF where bit j of the 32 bits at x is set (llama.cpp's
// bytes_from_bits_32).
inline __m256i bytes_from_bits_32(const uint8_t* x) {
    uint32_t x32;
    __builtin_memcpy(&x32, x, 4);
    const __m256i shuf = _mm256_set_epi64x(
        0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(x32)), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

void decode_q5_0(const uint8_t* src, int NB, detail::DecodedRow& out) {
    const float* table = quant::f16_table();
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    for (int b = 0; b < NB; b++) {
        const uint8_t* blk = src + 22 * static_cast<size_t>(b);
        const __m128i qs = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 6));
        const __m256i nib =
            _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(qs, 4), m4), _mm_and_si128(qs, m4));
        const __m256i q = _mm256_or_si256(nib, _mm256_and_si256(bytes_from_bits_32(blk + 2), bit4));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.q + 32 * b), q);
        const float d = f16(table, blk);
        fill8(out.scale + 8 * b, d);
        out.offset[2 * b] = out.offset[2 * b + 1] = -16.0f * d;
    }
}

void decode_q4_k(const uint8_t* src, int NS, detail::DecodedRow& out) {
    const float* table = quant::f16_table();
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int s = 0; s < NS; s++) {
        const uint8_t* blk = src + 144 * static_cast<size_t>(s);
        const float d = f16(table, blk), dmin = f16(table, blk + 2);
        const uint8_t* sc = blk + 4;
        for (int n = 0; n < 4; n++) {
            const __m256i v =
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 16 + 32 * n));
            uint8_t* q = out.q + 256 * s + 64 * n;
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), _mm256_and_si256(v, m4));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 32),
                                _mm256_and_si256(_mm256_srli_epi16(v, 4), m4));
        }
        for (int j = 0; j < 8; j++) {  // quant.cpp's scale_min_k4
            const int scale = j < 4 ? sc[j] & 63 : (sc[j + 4] & 0x0F) | ((sc[j - 4] >> 6) << 4);
            const int min = j < 4 ? sc[j + 4] & 63 : (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
            const int b = 8 * s + j;
            fill8(out.scale + 8 * b, d * static_cast<float>(scale));
            out.offset[2 * b] = out.offset[2 * b + 1] = -(dmin * static_cast<float>(min));
        }
    }
}

void decode_q6_k(const uint8_t* src, int NS, detail::DecodedRow& out) {
    const float* table = quant::f16_table();
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03);
    for (int s = 0; s < NS; s++) {
        const uint8_t* blk = src + 210 * static_cast<size_t>(s);
        for (int half = 0; half < 2; half++) {
            const auto* ql = reinterpret_cast<const __m256i*>(blk + 64 * half);
            const __m256i l0 = _mm256_loadu_si256(ql), l1 = _mm256_loadu_si256(ql + 1);
            const __m256i h =
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 128 + 32 * half));
            auto high = [&](int shift) {  // bits shift, shift + 1 of h, moved to bits 4, 5
                return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, shift), m2), 4);
            };
            auto* y = reinterpret_cast<__m256i*>(out.q + 256 * s + 128 * half);
            _mm256_storeu_si256(y, _mm256_or_si256(_mm256_and_si256(l0, m4), high(0)));
            _mm256_storeu_si256(y + 1, _mm256_or_si256(_mm256_and_si256(l1, m4), high(2)));
            _mm256_storeu_si256(
                y + 2, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), high(4)));
            _mm256_storeu_si256(
                y + 3, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), high(6)));
        }
        const auto* sc = reinterpret_cast<const int8_t*>(blk + 192);
        const float d = f16(table, blk + 208);
        for (int i = 0; i < 16; i++) {  // sub-block i: values 16 i .. 16 i + 15
            const float v = d * static_cast<float>(sc[i]);
            float* lanes = out.scale + 8 * (8 * s + i / 2) + 4 * (i % 2);
            _mm_storeu_ps(lanes, _mm_set1_ps(v));
            out.offset[16 * s + i] = -32.0f * v;
        }
    }
}

void decode(TensorType t, const uint8_t* src, int C, detail::DecodedRow& out) {
    switch (t) {
        case TensorType::q5_0:
            out.is_signed = false;
            out.has_offset = true;
            decode_q5_0(src, C / 32, out);
            return;
        case TensorType::q4_k:
            out.is_signed = false;
            out.has_offset = true;
            decode_q4_k(src, C / 256, out);
            return;
        case TensorType::q6_k:
            out.is_signed = false;
            out.has_offset = true;
            decode_q6_k(src, C / 256, out);
            return;
        default:
            detail::decode_row(t, src, C, out);  // portable code; cheap for Q8_0
    }
}

// out[(t0 + j) R + r] for the NT rows of x in the tile at t0 (NT <= 8) and the decoded row r.
template <int NT, bool kSigned>
void int8_tile(const detail::DecodedRow& row,
               const Activations& x,
               int t0,
               const float* bias,
               float* out,
               int R,
               int r) {
    const int NB = x.cols() / 32, NH = x.cols() / 16;
    const int8_t* y = x.q8_tile(t0);
    const float* dy = x.scale_tile(t0);
    const uint8_t* wq_ptr = row.q;
    const float* sc_ptr = row.scale;
    __m256 acc[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++) {
        acc[j] = _mm256_setzero_ps();
    }
    for (int b = 0; b < NB; b++) {
        const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq_ptr));
        const __m256i wu = kSigned ? _mm256_sign_epi8(wq, wq) : wq;
        const __m256 sc = _mm256_loadu_ps(sc_ptr);
#pragma GCC unroll 8
        for (int j = 0; j < NT; j++) {
            __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 32 * j));
            if (kSigned) {
                yv = _mm256_sign_epi8(yv, wq);
            }
            const __m256 f =
                _mm256_mul_ps(_mm256_cvtepi32_ps(dot4(wu, yv)), _mm256_broadcast_ss(dy + j));
            acc[j] = _mm256_fmadd_ps(f, sc, acc[j]);
        }
        wq_ptr += 32;
        sc_ptr += 8;
        y += 32 * NT;
        dy += NT;
    }
    // Lane j: row t0 + j (lanes >= NT are ignored).
    __m256 v = _mm256_add_ps(sum8x8(acc), _mm256_set1_ps(bias != nullptr ? bias[r] : 0.0f));
    if (!kSigned) {  // + sum_h offset_h d sum(q)_h, in four independent chains
        const float* sy = x.sums_tile(t0);
        __m256 o[4] = {
            _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        int h = 0;
        for (; h + 4 <= NH; h += 4) {
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                o[k] = _mm256_fmadd_ps(_mm256_broadcast_ss(row.offset + h + k),
                                       _mm256_loadu_ps(sy + (h + k) * NT),
                                       o[k]);
            }
        }
        for (; h < NH; h++) {
            o[0] = _mm256_fmadd_ps(
                _mm256_broadcast_ss(row.offset + h), _mm256_loadu_ps(sy + h * NT), o[0]);
        }
        v = _mm256_add_ps(v, _mm256_add_ps(_mm256_add_ps(o[0], o[1]), _mm256_add_ps(o[2], o[3])));
    }
    alignas(32) float res[8];
    _mm256_store_ps(res, v);
    float* o = out + static_cast<size_t>(t0) * R + r;
    for (int j = 0; j < NT; j++) {
        o[static_cast<size_t>(j) * R] = res[j];
    }
}

template <bool kSigned>
void int8_row(const detail::DecodedRow& row,
              const Activations& x,
              const float* bias,
              float* out,
              int R,
              int r) {
    const int T = x.rows();
    for (int t0 = 0, n = 0; t0 < T; t0 += n) {
        n = Activations::tile_size(T, t0);
        switch (n) {
            case 8:
                int8_tile<8, kSigned>(row, x, t0, bias, out, R, r);
                break;
            case 7:
                int8_tile<7, kSigned>(row, x, t0, bias, out, R, r);
                break;
            case 6:
                int8_tile<6, kSigned>(row, x, t0, bias, out, R, r);
                break;
            case 5:
                int8_tile<5, kSigned>(row, x, t0, bias, out, R, r);
                break;
            case 4:
                int8_tile<4, kSigned>(row, x, t0, bias, out, R, r);
                break;
            case 3:
                int8_tile<3, kSigned>(row, x, t0, bias, out, R, r);
                break;
            case 2:
                int8_tile<2, kSigned>(row, x, t0, bias, out, R, r);
                break;
            default:
                int8_tile<1, kSigned>(row, x, t0, bias, out, R, r);
        }
    }
}

void int8_rows(const Matrix& w,
               const Activations& x,
               const float* bias,
               float* out,
               int r0,
               int r1,
               const detail::Scratch& buf) {
    const size_t row_bytes = quant::row_size(w.type, w.cols);
    detail::DecodedRow row{buf.q, buf.scale, buf.offset};
    for (int r = r0; r < r1; r++) {
        decode(w.type, w.data + row_bytes * static_cast<size_t>(r), w.cols, row);
        // Q8_0 alone has signed quants and no offsets (decode_row sets both flags).
        if (row.is_signed) {
            int8_row<true>(row, x, bias, out, w.rows, r);
        } else {
            int8_row<false>(row, x, bias, out, w.rows, r);
        }
    }
}

template <int NT>
void float_tile(
    const float* wr, const Activations& x, int t0, const float* bias, float* out, int R, int r) {
    const int C = x.cols();
    const float* xt = x.f32() + static_cast<size_t>(t0) * C;
    __m256 acc[NT];
#pragma GCC unroll 8
    for (int j = 0; j < NT; j++) {
        acc[j] = _mm256_setzero_ps();
    }
    int i = 0;
    for (; i + 8 <= C; i += 8) {
        const __m256 wv = _mm256_loadu_ps(wr + i);
#pragma GCC unroll 8
        for (int j = 0; j < NT; j++) {
            acc[j] =
                _mm256_fmadd_ps(wv, _mm256_loadu_ps(xt + static_cast<size_t>(j) * C + i), acc[j]);
        }
    }
    for (int j = 0; j < NT; j++) {
        if (i < C) {
            alignas(32) float l[8];
            _mm256_store_ps(l, acc[j]);
            for (int k = i; k < C; k++) {
                l[k % 8] = __builtin_fmaf(wr[k], xt[static_cast<size_t>(j) * C + k], l[k % 8]);
            }
            acc[j] = _mm256_load_ps(l);
        }
        out[static_cast<size_t>(t0 + j) * R + r] =
            hsum(acc[j]) + (bias != nullptr ? bias[r] : 0.0f);
    }
}

void float_rows(const Matrix& w,
                const Activations& x,
                const float* bias,
                float* out,
                int r0,
                int r1,
                const detail::Scratch& buf) {
    const int C = w.cols, T = x.rows();
    const size_t row_bytes = quant::row_size(w.type, C);
    for (int r = r0; r < r1; r++) {
        const uint8_t* src = w.data + row_bytes * static_cast<size_t>(r);
        const float* wr = reinterpret_cast<const float*>(src);
        if (w.type != TensorType::f32) {
            detail::widen_row(w.type, src, C, buf.wide);
            wr = buf.wide;
        }
        int t = 0;
        for (; t + 8 <= T; t += 8) {
            float_tile<8>(wr, x, t, bias, out, w.rows, r);
        }
        if (T - t >= 4) {
            float_tile<4>(wr, x, t, bias, out, w.rows, r);
            t += 4;
        }
        if (T - t >= 2) {
            float_tile<2>(wr, x, t, bias, out, w.rows, r);
            t += 2;
        }
        if (T - t >= 1) {
            float_tile<1>(wr, x, t, bias, out, w.rows, r);
        }
    }
}

}  // namespace
