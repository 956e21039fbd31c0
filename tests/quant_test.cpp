// quant_test.cpp: half precision against known bit patterns, every block type against blocks
// packed by hand from the ggml layouts, and quantise/dequantise error bounds.
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/quant.h>

using ruvllm::TensorType;
namespace q = ruvllm::quant;

namespace {

std::vector<float> deq(TensorType t, const std::vector<uint8_t>& block, int n) {
    std::vector<float> y(static_cast<size_t>(n));
    EXPECT_TRUE(q::dequantize(t, block.data(), y.data(), n));
    return y;
}

void set_f16(std::vector<uint8_t>& b, size_t at, uint16_t h) {
    b[at] = static_cast<uint8_t>(h & 0xFF);
    b[at + 1] = static_cast<uint8_t>(h >> 8);
}

std::vector<float> gaussian(ruvllm::Rng& rng, size_t n) {
    std::vector<float> x(n);
    for (float& v : x) {  // Box-Muller with our RNG
        const double u1 = std::max(rng.uniform_f64(), 1e-12), u2 = rng.uniform_f64();
        v = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }
    return x;
}

}  // namespace

TEST(Half, KnownBitPatterns) {
    EXPECT_EQ(q::f32_to_f16(1.0f), 0x3C00);
    EXPECT_EQ(q::f32_to_f16(-2.0f), 0xC000);
    EXPECT_EQ(q::f32_to_f16(0.0f), 0x0000);
    EXPECT_EQ(q::f32_to_f16(-0.0f), 0x8000);
    EXPECT_EQ(q::f32_to_f16(65504.0f), 0x7BFF);  // largest finite half
    EXPECT_EQ(q::f32_to_f16(65520.0f), 0x7C00);  // halfway: rounds to even = inf
    EXPECT_EQ(q::f32_to_f16(0.1f), 0x2E66);
    EXPECT_EQ(q::f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
    EXPECT_EQ(q::f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);         // halfway to 0: even
    EXPECT_EQ(q::f32_to_f16(std::ldexp(3.0f, -25)), 0x0002);         // 1.5 ulp -> 2
    EXPECT_EQ(q::f32_to_f16(std::ldexp(1.0f, -14)), 0x0400);         // smallest normal
    EXPECT_EQ(q::f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie -> even
    EXPECT_EQ(q::f32_to_f16(1.0f + std::ldexp(3.0f, -11)), 0x3C02);  // tie -> even (up)
    EXPECT_EQ(q::f32_to_f16(INFINITY), 0x7C00);
    EXPECT_TRUE(std::isnan(q::f16_to_f32(q::f32_to_f16(NAN))));
    EXPECT_EQ(q::f16_to_f32(0x3555), 0.333251953125f);
}

TEST(Half, EveryHalfRoundTripsThroughFloat) {
    for (uint32_t h = 0; h < 0x10000; h++) {
        const float f = q::f16_to_f32(static_cast<uint16_t>(h));
        if (std::isnan(f)) {
            continue;
        }
        ASSERT_EQ(q::f32_to_f16(f), h) << std::hex << h;
    }
}

TEST(BFloat16, RoundsToNearestEven) {
    EXPECT_EQ(q::f32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(q::bf16_to_f32(0x3F80), 1.0f);
    // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even (1.0).
    EXPECT_EQ(q::f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
    EXPECT_EQ(q::f32_to_bf16(1.0f + std::ldexp(3.0f, -8)), 0x3F82);
    EXPECT_TRUE(std::isnan(q::bf16_to_f32(q::f32_to_bf16(NAN))));
}

TEST(Quant, TypeTable) {
    EXPECT_EQ(q::row_size(TensorType::q8_0, 64), 68u);
    EXPECT_EQ(q::row_size(TensorType::q4_k, 512), 288u);
    EXPECT_EQ(q::row_size(TensorType::q6_k, 256), 210u);
    EXPECT_EQ(q::row_size(TensorType::q5_0, 32), 22u);
    EXPECT_EQ(q::row_size(TensorType::f16, 3), 6u);
    EXPECT_EQ(q::row_size(TensorType::q4_k, 896), 0u);  // not a multiple of 256
    EXPECT_EQ(q::type_info(99).bytes, 0u);
    TensorType t{};
    EXPECT_TRUE(q::parse_type("q4_k", t));
    EXPECT_EQ(t, TensorType::q4_k);
    EXPECT_TRUE(q::parse_type("BF16", t));
    EXPECT_FALSE(q::parse_type("q3_k", t));
    std::vector<float> x(33);
    std::vector<uint8_t> y(64);
    EXPECT_EQ(q::quantize(TensorType::q8_0, x.data(), y.data(), 33).error().code,
              ruvllm::Errc::invalid_argument);
}

// ---- blocks packed by hand from the layouts (independent of our quantisers) ----

TEST(Block, Q8_0ByHand) {
    std::vector<uint8_t> b(34, 0);
    set_f16(b, 0, 0x3800);  // d = 0.5
    b[2] = static_cast<uint8_t>(-3);
    b[3] = 127;
    b[33] = static_cast<uint8_t>(-128);
    const std::vector<float> y = deq(TensorType::q8_0, b, 32);
    EXPECT_EQ(y[0], -1.5f);
    EXPECT_EQ(y[1], 63.5f);
    EXPECT_EQ(y[2], 0.0f);
    EXPECT_EQ(y[31], -64.0f);
}

TEST(Block, Q4_0ByHand) {
    std::vector<uint8_t> b(18, 0x88);  // all q = 8 -> 0
    set_f16(b, 0, 0x4000);             // d = 2
    b[2] = 0x9F;                       // x0: q=15 -> 14; x16: q=9 -> 2
    const std::vector<float> y = deq(TensorType::q4_0, b, 32);
    EXPECT_EQ(y[0], 14.0f);
    EXPECT_EQ(y[16], 2.0f);
    EXPECT_EQ(y[1], 0.0f);
}

TEST(Block, Q4_1ByHand) {
    std::vector<uint8_t> b(20, 0);
    set_f16(b, 0, 0x3800);  // d = 0.5
    set_f16(b, 2, 0xBC00);  // m = -1
    b[4] = 0xA3;            // x0: 3 -> 0.5; x16: 10 -> 4
    const std::vector<float> y = deq(TensorType::q4_1, b, 32);
    EXPECT_EQ(y[0], 0.5f);
    EXPECT_EQ(y[16], 4.0f);
    EXPECT_EQ(y[5], -1.0f);
}

TEST(Block, Q5_0ByHand) {
    std::vector<uint8_t> b(22, 0);
    set_f16(b, 0, 0x3C00);                                    // d = 1
    const uint32_t qh = (1u << 0) | (1u << 16) | (1u << 31);  // high bits of x0, x16, x31
    std::memcpy(b.data() + 2, &qh, 4);
    b[6] = 0x21;   // x0 low 1, x16 low 2
    b[21] = 0xF0;  // x15 low 0, x31 low 15
    const std::vector<float> y = deq(TensorType::q5_0, b, 32);
    EXPECT_EQ(y[0], 1.0f);     // (1 | 16) - 16
    EXPECT_EQ(y[16], 2.0f);    // (2 | 16) - 16
    EXPECT_EQ(y[15], -16.0f);  // 0 - 16
    EXPECT_EQ(y[31], 15.0f);   // (15 | 16) - 16
    EXPECT_EQ(y[1], -16.0f);
}

TEST(Block, Q5_1ByHand) {
    std::vector<uint8_t> b(24, 0);
    set_f16(b, 0, 0x3800);  // d = 0.5
    set_f16(b, 2, 0x4000);  // m = 2
    const uint32_t qh = 1u << 17;
    std::memcpy(b.data() + 4, &qh, 4);
    b[9] = 0x30;  // x1 low 0 -> 0 -> 2; x17 low 3 | 16 = 19 -> 11.5
    const std::vector<float> y = deq(TensorType::q5_1, b, 32);
    EXPECT_EQ(y[1], 2.0f);
    EXPECT_EQ(y[17], 11.5f);
}

TEST(Block, Q4_KByHand) {
    std::vector<uint8_t> b(144, 0);
    set_f16(b, 0, 0x3800);  // d = 0.5
    set_f16(b, 2, 0x3400);  // dmin = 0.25
    // Sub-block 0: scale 2, min 1 (6-bit fields in bytes 0 and 4).
    b[4 + 0] = 2;
    b[4 + 4] = 1;
    // Sub-block 5: scale 33, min 17: low nibbles in byte 9, high 2 bits in bytes 1 and 5.
    b[4 + 9] = (33 & 0x0F) | ((17 & 0x0F) << 4);
    b[4 + 1] = static_cast<uint8_t>((33 >> 4) << 6);
    b[4 + 5] = static_cast<uint8_t>((17 >> 4) << 6);
    b[16 + 0] = 0x03;       // element 0 (sub-block 0, low nibble): q = 3
    b[16 + 64 + 0] = 0xA0;  // element 160 (sub-block 5, high nibble of byte 64): q = 10
    const std::vector<float> y = deq(TensorType::q4_k, b, 256);
    EXPECT_EQ(y[0], 0.5f * 2 * 3 - 0.25f * 1);
    EXPECT_EQ(y[1], -0.25f);
    EXPECT_EQ(y[160], 0.5f * 33 * 10 - 0.25f * 17);
    EXPECT_EQ(y[161], -0.25f * 17);
    EXPECT_EQ(y[128], 0.0f);  // sub-block 4: scale 0, min 0
}

TEST(Block, Q5_KByHand) {
    std::vector<uint8_t> b(176, 0);
    set_f16(b, 0, 0x3C00);  // d = 1
    set_f16(b, 2, 0x0000);  // dmin = 0
    b[4 + 0] = 1;           // sub-block 0 scale 1
    b[4 + 1] = 2;           // sub-block 1 scale 2
    b[16 + 0] = 0x03;       // qh[0]: bit 0 (element 0) and bit 1 (element 32)
    b[48 + 0] = 0x43;       // ql[0]: element 0 low 3, element 32 high 4
    const std::vector<float> y = deq(TensorType::q5_k, b, 256);
    EXPECT_EQ(y[0], 19.0f);   // 1 * (3 + 16)
    EXPECT_EQ(y[32], 40.0f);  // 2 * (4 + 16)
    EXPECT_EQ(y[64], 0.0f);
}

TEST(Block, Q6_KByHand) {
    std::vector<uint8_t> b(210, 0);
    set_f16(b, 208, 0x3C00);                // d = 1 (at the end of the block)
    b[192 + 0] = 2;                         // scale of elements 0..15
    b[192 + 3] = static_cast<uint8_t>(-1);  // scale of elements 48..63
    b[192 + 8] = 3;                         // scale of elements 128..143
    b[0] = 0x05;                            // element 0 low nibble 5
    b[128 + 0] = 0x02;                      // element 0 high bits 2: q = 37 - 32 = 5
    // element 48 = l + 32 with l = 16: ql[48] low nibble, qh[16] bits 2-3: q = 0 - 32
    b[64 + 0] = 0x0F;    // element 128: ql[64] low 15
    b[128 + 32] = 0x03;  // qh[32] bits 0-1 = 3: q = 63 - 32 = 31
    const std::vector<float> y = deq(TensorType::q6_k, b, 256);
    EXPECT_EQ(y[0], 10.0f);
    EXPECT_EQ(y[48], 32.0f);
    EXPECT_EQ(y[128], 93.0f);
    EXPECT_EQ(y[1], -64.0f);  // q = 0 - 32, scale 2
}

// ---- our quantisers: error bounds on Gaussian data, and exact values where they must be ----

TEST(Quant, RoundTripErrorWithinBoundsPerType) {
    const struct {
        TensorType t;
        double max_rel_rmse;
    } cases[] = {
        {TensorType::f32, 0.0},
        {TensorType::f16, 1e-3},
        {TensorType::bf16, 5e-3},
        {TensorType::q8_0, 0.01},
        {TensorType::q6_k, 0.03},
        {TensorType::q5_0, 0.06},
        {TensorType::q5_1, 0.06},
        {TensorType::q5_k, 0.06},
        {TensorType::q4_0, 0.12},
        {TensorType::q4_1, 0.12},
        {TensorType::q4_k, 0.12},
    };

    ruvllm::Rng rng(42);
    const std::vector<float> x = gaussian(rng, 4096);
    for (const auto& c : cases) {
        std::vector<uint8_t> buf(q::row_size(c.t, 4096));
        std::vector<float> y(4096);
        ASSERT_TRUE(q::quantize(c.t, x.data(), buf.data(), 4096));
        ASSERT_TRUE(q::dequantize(c.t, buf.data(), y.data(), 4096));
        double err = 0, norm = 0;
        for (size_t i = 0; i < x.size(); i++) {
            err += (x[i] - y[i]) * (x[i] - y[i]);
            norm += x[i] * x[i];
        }
        EXPECT_LE(std::sqrt(err / norm), c.max_rel_rmse) << q::type_info(c.t).name;
    }
}

TEST(Quant, SmallIntegersAreExactInQ8_0) {
    std::vector<float> x(32);
    for (int i = 0; i < 32; i++) {
        x[static_cast<size_t>(i)] = static_cast<float>(i - 16);  // amax 16: d = 16/127
    }
    x[0] = 127.0f;  // d = 1 exactly
    std::vector<uint8_t> b(34);
    ASSERT_TRUE(q::quantize(TensorType::q8_0, x.data(), b.data(), 32));
    EXPECT_EQ(b[0], 0x00);
    EXPECT_EQ(b[1], 0x3C);  // d = 1.0 as f16
    const std::vector<float> y = deq(TensorType::q8_0, b, 32);
    EXPECT_EQ(y, x);
}

TEST(Quant, ZeroBlocksStayZero) {
    for (TensorType t : {TensorType::q4_0,
                         TensorType::q4_1,
                         TensorType::q5_0,
                         TensorType::q5_1,
                         TensorType::q8_0,
                         TensorType::q4_k,
                         TensorType::q5_k,
                         TensorType::q6_k}) {
        std::vector<float> x(256, 0.0f), y(256, 1.0f);
        std::vector<uint8_t> b(q::row_size(t, 256));
        ASSERT_TRUE(q::quantize(t, x.data(), b.data(), 256));
        ASSERT_TRUE(q::dequantize(t, b.data(), y.data(), 256));
        for (float v : y) {
            ASSERT_EQ(v, 0.0f) << q::type_info(t).name;
        }
    }
}
