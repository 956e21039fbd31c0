// quant.cpp: half-precision conversion and ggml block quantisation (layouts in quant.h).
// The quantisers are our own (round-to-nearest per block, least-effort scale choice); the
// dequantisers follow the block layouts exactly, which is what interoperability needs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <ruvllm/formats/quant.h>

namespace ruvllm::quant {

namespace {

constexpr int kQK = 32;    // elements per block of the legacy types
constexpr int kQKK = 256;  // elements per super-block of the K types

uint32_t float_bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    return u;
}

float bits_float(uint32_t u) {
    float x;
    std::memcpy(&x, &u, 4);
    return x;
}

int nearest_int(float x) {
    return static_cast<int>(std::lround(x));
}

void put_f16(uint8_t* p, float x) {
    const uint16_t h = f32_to_f16(x);
    p[0] = static_cast<uint8_t>(h & 0xFF);
    p[1] = static_cast<uint8_t>(h >> 8);
}

float get_f16(const uint8_t* p) {
    return f16_to_f32(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

// ---- legacy 32-element blocks ----

// The element of largest magnitude, with its sign (the scale of the symmetric formats).
float signed_absmax(const float* x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; j++) {
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    return max;
}

void quantize_q4_0(const float* x, uint8_t* y) {
    const float d = signed_absmax(x, kQK) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_f16(y, d);
    for (int j = 0; j < kQK / 2; j++) {
        const int q0 = std::min(15, static_cast<int>(x[j] * id + 8.5f));
        const int q1 = std::min(15, static_cast<int>(x[j + 16] * id + 8.5f));
        y[2 + j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
}

void dequantize_q4_0(const uint8_t* b, float* y) {
    const float d = get_f16(b);
    for (int j = 0; j < kQK / 2; j++) {
        y[j] = static_cast<float>((b[2 + j] & 0x0F) - 8) * d;
        y[j + 16] = static_cast<float>((b[2 + j] >> 4) - 8) * d;
    }
}

// The affine formats (Q4_1, Q5_1): x = q d + m with m = min(x), d = (max - min) / levels.
// Writes d and m and returns m and 1/d (0 for a constant block).
void affine_scale(const float* x, float levels, uint8_t* y, float& mn, float& id) {
    mn = x[0];
    float mx = x[0];
    for (int j = 1; j < kQK; j++) {
        mn = std::min(mn, x[j]);
        mx = std::max(mx, x[j]);
    }
    const float d = (mx - mn) / levels;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    put_f16(y, d);
    put_f16(y + 2, mn);
}

void quantize_q4_1(const float* x, uint8_t* y) {
    float mn = 0, id = 0;
    affine_scale(x, 15.0f, y, mn, id);
    for (int j = 0; j < kQK / 2; j++) {
        const int q0 = std::min(15, static_cast<int>((x[j] - mn) * id + 0.5f));
        const int q1 = std::min(15, static_cast<int>((x[j + 16] - mn) * id + 0.5f));
        y[4 + j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
}

void dequantize_q4_1(const uint8_t* b, float* y) {
    const float d = get_f16(b);
    const float m = get_f16(b + 2);
    for (int j = 0; j < kQK / 2; j++) {
        y[j] = static_cast<float>(b[4 + j] & 0x0F) * d + m;
        y[j + 16] = static_cast<float>(b[4 + j] >> 4) * d + m;
    }
}

void quantize_q5_0(const float* x, uint8_t* y) {
    const float d = signed_absmax(x, kQK) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_f16(y, d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; j++) {
        const int q0 = std::min(31, static_cast<int>(x[j] * id + 16.5f));
        const int q1 = std::min(31, static_cast<int>(x[j + 16] * id + 16.5f));
        y[6 + j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
        qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
        qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + 16);
    }
    std::memcpy(y + 2, &qh, 4);
}

void dequantize_q5_0(const uint8_t* b, float* y) {
    const float d = get_f16(b);
    uint32_t qh;
    std::memcpy(&qh, b + 2, 4);
    for (int j = 0; j < kQK / 2; j++) {
        const int h0 = static_cast<int>(((qh >> j) << 4) & 0x10);
        const int h1 = static_cast<int>((qh >> (j + 12)) & 0x10);
        y[j] = static_cast<float>(((b[6 + j] & 0x0F) | h0) - 16) * d;
        y[j + 16] = static_cast<float>(((b[6 + j] >> 4) | h1) - 16) * d;
    }
}

void quantize_q5_1(const float* x, uint8_t* y) {
    float mn = 0, id = 0;
    affine_scale(x, 31.0f, y, mn, id);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; j++) {
        const int q0 = std::min(31, static_cast<int>((x[j] - mn) * id + 0.5f));
        const int q1 = std::min(31, static_cast<int>((x[j + 16] - mn) * id + 0.5f));
        y[8 + j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
        qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
        qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + 16);
    }
    std::memcpy(y + 4, &qh, 4);
}

void dequantize_q5_1(const uint8_t* b, float* y) {
    const float d = get_f16(b);
    const float m = get_f16(b + 2);
    uint32_t qh;
    std::memcpy(&qh, b + 4, 4);
    for (int j = 0; j < kQK / 2; j++) {
        const int h0 = static_cast<int>(((qh >> j) << 4) & 0x10);
        const int h1 = static_cast<int>((qh >> (j + 12)) & 0x10);
        y[j] = static_cast<float>((b[8 + j] & 0x0F) | h0) * d + m;
        y[j + 16] = static_cast<float>((b[8 + j] >> 4) | h1) * d + m;
    }
}

void quantize_q8_0(const float* x, uint8_t* y) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; j++) {
        amax = std::max(amax, std::fabs(x[j]));
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_f16(y, d);
    for (int j = 0; j < kQK; j++) {
        y[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(x[j] * id)));
    }
}

void dequantize_q8_0(const uint8_t* b, float* y) {
    const float d = get_f16(b);
    for (int j = 0; j < kQK; j++) {
        y[j] = static_cast<float>(static_cast<int8_t>(b[2 + j])) * d;
    }
}

// ---- K super-blocks ----

void pack_scale_min_k4(const int* ls, const int* lm, uint8_t* q) {
    std::memset(q, 0, 12);
    for (int j = 0; j < 8; j++) {
        if (j < 4) {
            q[j] = static_cast<uint8_t>(ls[j]);
            q[j + 4] = static_cast<uint8_t>(lm[j]);
        } else {
            q[j + 4] = static_cast<uint8_t>((ls[j] & 0x0F) | ((lm[j] & 0x0F) << 4));
            q[j - 4] = static_cast<uint8_t>(q[j - 4] | ((ls[j] >> 4) << 6));
            q[j] = static_cast<uint8_t>(q[j] | ((lm[j] >> 4) << 6));
        }
    }
}

// Shared by Q4_K (levels = 15) and Q5_K (levels = 31): per 32-element sub-block an affine
// map x = d sc q - dmin m with 6-bit sc and m. Writes d, dmin, the scales and L (0..levels).
void quantize_k_affine(const float* x, int levels, uint8_t* head, uint8_t* L) {
    float scales[8], mins[8];
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < 8; j++) {
        float mn = 0.0f, mx = x[32 * j];
        for (int l = 0; l < 32; l++) {
            mn = std::min(mn, x[32 * j + l]);
            mx = std::max(mx, x[32 * j + l]);
        }
        scales[j] = (mx - mn) / static_cast<float>(levels);
        mins[j] = -mn;
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    int ls[8], lm[8];
    for (int j = 0; j < 8; j++) {
        ls[j] = std::min(63, nearest_int(inv_scale * scales[j]));
        lm[j] = std::min(63, nearest_int(inv_min * mins[j]));
    }
    put_f16(head, max_scale / 63.0f);
    put_f16(head + 2, max_min / 63.0f);
    pack_scale_min_k4(ls, lm, head + 4);
    const float d = get_f16(head);
    const float dmin = get_f16(head + 2);
    for (int j = 0; j < 8; j++) {
        const float dq = d * static_cast<float>(ls[j]);
        const float dm = dmin * static_cast<float>(lm[j]);
        for (int l = 0; l < 32; l++) {
            const int q = dq != 0.0f ? nearest_int((x[32 * j + l] + dm) / dq) : 0;
            L[32 * j + l] = static_cast<uint8_t>(std::clamp(q, 0, levels));
        }
    }
}

void quantize_q4_k(const float* x, uint8_t* y) {
    uint8_t L[kQKK];
    quantize_k_affine(x, 15, y, L);
    uint8_t* qs = y + 16;
    for (int n = 0; n < kQKK; n += 64) {
        for (int l = 0; l < 32; l++) {
            qs[l] = static_cast<uint8_t>(L[n + l] | (L[n + l + 32] << 4));
        }
        qs += 32;
    }
}

void dequantize_q4_k(const uint8_t* b, float* y) {
    const float d = get_f16(b);
    const float dmin = get_f16(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* q = b + 16;
    for (int n = 0, is = 0; n < kQKK; n += 64, is += 2) {
        int sc = 0, m = 0;
        scale_min_k4(is, scales, sc, m);
        const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
        scale_min_k4(is + 1, scales, sc, m);
        const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
        for (int l = 0; l < 32; l++) {
            y[n + l] = d1 * static_cast<float>(q[l] & 0x0F) - m1;
            y[n + l + 32] = d2 * static_cast<float>(q[l] >> 4) - m2;
        }
        q += 32;
    }
}

void quantize_q5_k(const float* x, uint8_t* y) {
    uint8_t L[kQKK];
    quantize_k_affine(x, 31, y, L);
    uint8_t* qh = y + 16;
    uint8_t* ql = y + 48;
    std::memset(qh, 0, 32);
    uint8_t m1 = 1, m2 = 2;
    for (int n = 0; n < kQKK; n += 64) {
        for (int l = 0; l < 32; l++) {
            int l1 = L[n + l];
            int l2 = L[n + l + 32];
            if (l1 > 15) {
                l1 -= 16;
                qh[l] = static_cast<uint8_t>(qh[l] | m1);
            }
            if (l2 > 15) {
                l2 -= 16;
                qh[l] = static_cast<uint8_t>(qh[l] | m2);
            }
            ql[l] = static_cast<uint8_t>(l1 | (l2 << 4));
        }
        m1 = static_cast<uint8_t>(m1 << 2);
        m2 = static_cast<uint8_t>(m2 << 2);
        ql += 32;
    }
}

void dequantize_q5_k(const uint8_t* b, float* y) {
    const float d = get_f16(b);
    const float dmin = get_f16(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* qh = b + 16;
    const uint8_t* ql = b + 48;
    uint8_t u1 = 1, u2 = 2;
    for (int n = 0, is = 0; n < kQKK; n += 64, is += 2) {
        int sc = 0, m = 0;
        scale_min_k4(is, scales, sc, m);
        const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
        scale_min_k4(is + 1, scales, sc, m);
        const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
        for (int l = 0; l < 32; l++) {
            y[n + l] = d1 * static_cast<float>((ql[l] & 0x0F) + ((qh[l] & u1) ? 16 : 0)) - m1;
            y[n + l + 32] = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        }
        ql += 32;
        u1 = static_cast<uint8_t>(u1 << 2);
        u2 = static_cast<uint8_t>(u2 << 2);
    }
}

void quantize_q6_k(const float* x, uint8_t* y) {
    float scales[16];
    float max_scale = 0.0f;
    for (int j = 0; j < 16; j++) {
        float amax = 0.0f;
        for (int l = 0; l < 16; l++) {
            amax = std::max(amax, std::fabs(x[16 * j + l]));
        }
        scales[j] = amax / 31.0f;
        max_scale = std::max(max_scale, scales[j]);
    }
    uint8_t* ql = y;
    uint8_t* qh = y + 128;
    auto* sc = reinterpret_cast<int8_t*>(y + 192);
    const float iscale = max_scale > 0.0f ? 127.0f / max_scale : 0.0f;
    put_f16(y + 208, max_scale > 0.0f ? 1.0f / iscale : 0.0f);
    const float d = get_f16(y + 208);
    uint8_t L[kQKK];
    for (int j = 0; j < 16; j++) {
        sc[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[j])));
        const float dq = d * static_cast<float>(sc[j]);
        for (int l = 0; l < 16; l++) {
            const int q = dq != 0.0f ? nearest_int(x[16 * j + l] / dq) : 0;
            L[16 * j + l] = static_cast<uint8_t>(std::clamp(q, -32, 31) + 32);
        }
    }
    for (int n = 0; n < kQKK; n += 128) {
        for (int l = 0; l < 32; l++) {
            const int q1 = L[n + l] & 0x0F, q2 = L[n + l + 32] & 0x0F;
            const int q3 = L[n + l + 64] & 0x0F, q4 = L[n + l + 96] & 0x0F;
            ql[l] = static_cast<uint8_t>(q1 | (q3 << 4));
            ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
            qh[l] = static_cast<uint8_t>((L[n + l] >> 4) | ((L[n + l + 32] >> 4) << 2) |
                                         ((L[n + l + 64] >> 4) << 4) | ((L[n + l + 96] >> 4) << 6));
        }
        ql += 64;
        qh += 32;
    }
}

void dequantize_q6_k(const uint8_t* b, float* y) {
    const uint8_t* ql = b;
    const uint8_t* qh = b + 128;
    const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
    const float d = get_f16(b + 208);
    for (int n = 0; n < kQKK; n += 128) {
        for (int l = 0; l < 32; l++) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[n + l] = d * static_cast<float>(sc[is + 0] * q1);
            y[n + l + 32] = d * static_cast<float>(sc[is + 2] * q2);
            y[n + l + 64] = d * static_cast<float>(sc[is + 4] * q3);
            y[n + l + 96] = d * static_cast<float>(sc[is + 6] * q4);
        }
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

using BlockFn = void (*)(const float*, uint8_t*);
using DeblockFn = void (*)(const uint8_t*, float*);

struct Codec {
    TensorType type;
    TypeInfo info;
    BlockFn quantize;
    DeblockFn dequantize;
};

const Codec kCodecs[] = {
    {TensorType::f32, {"F32", 1, 4}, nullptr, nullptr},
    {TensorType::f16, {"F16", 1, 2}, nullptr, nullptr},
    {TensorType::q4_0, {"Q4_0", 32, 18}, quantize_q4_0, dequantize_q4_0},
    {TensorType::q4_1, {"Q4_1", 32, 20}, quantize_q4_1, dequantize_q4_1},
    {TensorType::q5_0, {"Q5_0", 32, 22}, quantize_q5_0, dequantize_q5_0},
    {TensorType::q5_1, {"Q5_1", 32, 24}, quantize_q5_1, dequantize_q5_1},
    {TensorType::q8_0, {"Q8_0", 32, 34}, quantize_q8_0, dequantize_q8_0},
    {TensorType::q4_k, {"Q4_K", 256, 144}, quantize_q4_k, dequantize_q4_k},
    {TensorType::q5_k, {"Q5_K", 256, 176}, quantize_q5_k, dequantize_q5_k},
    {TensorType::q6_k, {"Q6_K", 256, 210}, quantize_q6_k, dequantize_q6_k},
    {TensorType::bf16, {"BF16", 1, 2}, nullptr, nullptr},
};

const Codec* find_codec(TensorType t) {
    for (const Codec& c : kCodecs) {
        if (c.type == t) {
            return &c;
        }
    }
    return nullptr;
}

Status check_n(TensorType t, int64_t n, const Codec*& codec) {
    codec = find_codec(t);
    if (codec == nullptr) {
        return make_error(
            Errc::unsupported,
            "tensor type " + std::to_string(static_cast<uint32_t>(t)) + " is not supported");
    }
    if (n < 0 || n % codec->info.block != 0) {
        return make_error(Errc::invalid_argument,
                          std::string(codec->info.name) + ": " + std::to_string(n) +
                              " elements, expected a multiple of " +
                              std::to_string(codec->info.block));
    }
    return ok();
}

}  // namespace

void scale_min_k4(int j, const uint8_t* q, int& sc, int& m) {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

TypeInfo type_info(uint32_t type_id) {
    const Codec* c = find_codec(static_cast<TensorType>(type_id));
    return c != nullptr ? c->info : TypeInfo{};
}

bool parse_type(std::string_view name, TensorType& out) {
    for (const Codec& c : kCodecs) {
        if (c.info.name.size() != name.size()) {
            continue;
        }
        bool same = true;
        for (size_t i = 0; i < name.size() && same; i++) {
            const char a = c.info.name[i];
            const char b = name[i];
            same = a == b || (a >= 'A' && a <= 'Z' && a + 32 == b);
        }
        if (same) {
            out = c.type;
            return true;
        }
    }
    return false;
}

size_t row_size(TensorType t, int64_t n) {
    const Codec* c = find_codec(t);
    if (c == nullptr || n < 0 || n % c->info.block != 0) {
        return 0;
    }
    return static_cast<size_t>(n / c->info.block) * c->info.bytes;
}

bool can_quantize(TensorType t) {
    return find_codec(t) != nullptr;
}

uint16_t f32_to_f16(float x) {
    const uint32_t u = float_bits(x);
    const auto sign = static_cast<uint16_t>((u >> 16) & 0x8000);
    const uint32_t exp = (u >> 23) & 0xFF;
    uint32_t mant = u & 0x7FFFFF;
    if (exp == 0xFF) {  // inf or NaN (kept quiet)
        return static_cast<uint16_t>(sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >> 13) : 0));
    }
    const int e = static_cast<int>(exp) - 127 + 15;
    if (e >= 31) {
        return static_cast<uint16_t>(sign | 0x7C00);  // overflow to infinity
    }
    if (e <= 0) {  // subnormal half (or zero)
        const int shift = 14 - e;
        if (shift > 24) {
            return sign;
        }
        mant |= 0x800000;
        uint32_t h = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1);
        const uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) {
            h++;
        }
        return static_cast<uint16_t>(sign | h);
    }
    uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) {
        h++;  // a carry into the exponent is the correct rounding (up to infinity)
    }
    return static_cast<uint16_t>(sign | h);
}

float f16_to_f32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1F;
    const uint32_t mant = h & 0x3FF;
    if (exp == 0) {
        const float v = std::ldexp(static_cast<float>(mant), -24);
        return sign != 0 ? -v : v;
    }
    if (exp == 31) {
        return bits_float(sign | 0x7F800000 | (mant << 13));
    }
    return bits_float(sign | ((exp + 112) << 23) | (mant << 13));
}

const float* f16_table() {
    // 256 KiB: loading a model's f16 tables becomes one lookup per element.
    static const std::vector<float> table = [] {
        std::vector<float> tb(65536);
        for (uint32_t h = 0; h < 65536; h++) {
            tb[h] = f16_to_f32(static_cast<uint16_t>(h));
        }
        return tb;
    }();
    return table.data();
}

uint16_t f32_to_bf16(float x) {
    const uint32_t u = float_bits(x);
    if ((u & 0x7FFFFFFF) > 0x7F800000) {
        return static_cast<uint16_t>((u >> 16) | 64);  // quiet NaN
    }
    return static_cast<uint16_t>((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}

float bf16_to_f32(uint16_t h) {
    return bits_float(static_cast<uint32_t>(h) << 16);
}

Status dequantize(TensorType t, const void* src, float* dst, int64_t n) {
    const Codec* c = nullptr;
    Status s = check_n(t, n, c);
    if (!s) {
        return s;
    }
    const auto* p = static_cast<const uint8_t*>(src);
    switch (t) {
        case TensorType::f32:
            std::memcpy(dst, p, static_cast<size_t>(n) * 4);
            return ok();
        case TensorType::f16: {
            const float* table = f16_table();
            for (int64_t i = 0; i < n; i++) {
                dst[i] = table[static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8))];
            }
            return ok();
        }
        case TensorType::bf16:
            for (int64_t i = 0; i < n; i++) {
                dst[i] = bf16_to_f32(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
            }
            return ok();
        default:
            for (int64_t i = 0; i < n / c->info.block; i++) {
                c->dequantize(p + i * c->info.bytes, dst + i * c->info.block);
            }
            return ok();
    }
}

namespace {

// Byte offsets of a block's F16 scales (-1: none); the layouts in quant.h.
std::pair<int, int> scale_offsets(TensorType t) {
    switch (t) {
        case TensorType::q4_0:
        case TensorType::q5_0:
        case TensorType::q8_0:
            return {0, -1};
        case TensorType::q4_1:
        case TensorType::q5_1:
        case TensorType::q4_k:
        case TensorType::q5_k:
            return {0, 2};
        case TensorType::q6_k:
            return {208, -1};
        default:
            return {-1, -1};
    }
}

bool half_finite(const uint8_t* p) {
    return (static_cast<uint16_t>(p[0] | (p[1] << 8)) & 0x7C00) != 0x7C00;
}

}  // namespace

Result<NonFinite> find_non_finite(TensorType t, const void* src, int64_t n) {
    const Codec* c = nullptr;
    if (Status s = check_n(t, n, c); !s) {
        return s.error();
    }
    const auto* p = static_cast<const uint8_t*>(src);
    const int64_t block = c->info.block, bytes = c->info.bytes;
    const std::pair<int, int> off = scale_offsets(t);
    std::vector<float> buf(static_cast<size_t>(block));
    for (int64_t b = 0; b < n / block; b++) {
        const uint8_t* q = p + b * bytes;
        bool finite = true;
        if (t == TensorType::f32) {
            float x = 0;
            std::memcpy(&x, q, 4);
            finite = std::isfinite(x);
        } else if (t == TensorType::f16) {
            finite = half_finite(q);
        } else if (t == TensorType::bf16) {
            finite = (static_cast<uint16_t>(q[0] | (q[1] << 8)) & 0x7F80) != 0x7F80;
        } else {
            finite = half_finite(q + off.first) && (off.second < 0 || half_finite(q + off.second));
        }
        if (finite) {
            continue;
        }
        if (Status s = dequantize(t, q, buf.data(), block); !s) {
            return s.error();
        }
        for (int64_t i = 0; i < block; i++) {
            if (!std::isfinite(buf[static_cast<size_t>(i)])) {
                return NonFinite{b * block + i,
                                 buf[static_cast<size_t>(i)] != buf[static_cast<size_t>(i)]};
            }
        }
    }
    return NonFinite{};
}

Status quantize(TensorType t, const float* src, void* dst, int64_t n) {
    const Codec* c = nullptr;
    Status s = check_n(t, n, c);
    if (!s) {
        return s;
    }
    auto* p = static_cast<uint8_t*>(dst);
    switch (t) {
        case TensorType::f32:
            std::memcpy(p, src, static_cast<size_t>(n) * 4);
            return ok();
        case TensorType::f16:
        case TensorType::bf16:
            for (int64_t i = 0; i < n; i++) {
                const uint16_t h = t == TensorType::f16 ? f32_to_f16(src[i]) : f32_to_bf16(src[i]);
                p[2 * i] = static_cast<uint8_t>(h & 0xFF);
                p[2 * i + 1] = static_cast<uint8_t>(h >> 8);
            }
            return ok();
        default:
            for (int64_t i = 0; i < n / c->info.block; i++) {
                c->quantize(src + i * c->info.block, p + i * c->info.bytes);
            }
            return ok();
    }
}

}  // namespace ruvllm::quant
