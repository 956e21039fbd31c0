// qmatmul_test.cpp (label: unit): products with encoded weights (qmatmul.h) against the exact
// product with the dequantised weights, for every weight type and every kernel path this CPU
// runs; x86 paths bit-identical to each other, the portable one within float rounding; results
// independent of the thread count, for qmatmul and for Qwen2Model::embed.
//
// Error bound of the int8 paths: each activation of block b is rounded to a multiple of
// d_b = max|x_b| / 127, so it moves by at most d_b / 2, and
//   |out - exact| <= sum_b (d_b / 2) sum_{i in b} |w_i|  (+ float rounding).
// The tests check that bound (plus 1e-4 of sum |w_i x_i| for the float sums) on every output,
// and that the typical error is far below it (rounding errors are not all of one sign).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/core/team.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/formats/quant.h>
#include <ruvllm/transformer/qmatmul.h>
#include <ruvllm/transformer/qwen2.h>

#include "qwen2_testmodel.h"

namespace {

namespace qmm = ruvllm::qmm;
using ruvllm::TensorType;

const TensorType kTypes[] = {TensorType::q4_0,
                             TensorType::q4_1,
                             TensorType::q5_0,
                             TensorType::q5_1,
                             TensorType::q8_0,
                             TensorType::q4_k,
                             TensorType::q5_k,
                             TensorType::q6_k,
                             TensorType::f32,
                             TensorType::f16,
                             TensorType::bf16};

std::vector<qmm::Isa> isas() {
    std::vector<qmm::Isa> out;
    for (qmm::Isa i : {qmm::Isa::scalar, qmm::Isa::avx2, qmm::Isa::avx512_vnni}) {
        if (qmm::isa_supported(i)) {
            out.push_back(i);
        }
    }
    return out;
}

// Values with a different scale per 32-block (as real activations), a few outliers, and
// the occasional all-zero block.
std::vector<float> random_values(ruvllm::Rng& rng, size_t n, float offset = 0) {
    std::vector<float> v(n);
    for (size_t b = 0; b < n; b += 32) {
        const float scale = 0.01f + 2.0f * rng.uniform_f32();
        const bool zero = rng.below(20) == 0;
        for (size_t i = b; i < std::min(n, b + 32); i++) {
            v[i] = zero ? 0.0f : offset + scale * (rng.uniform_f32() * 2 - 1);
            if (!zero && rng.below(64) == 0) {
                v[i] *= 8.0f;
            }
        }
    }
    return v;
}

struct Problem {
    TensorType type;
    int T, R, C;
    std::vector<uint8_t> w;  // encoded (R, C)
    std::vector<float> wf;   // dequantised (R, C)
    std::vector<float> x;    // (T, C)
    std::vector<float> bias;

    qmm::Matrix matrix() const { return {type, w.data(), R, C}; }
};

Problem make_problem(TensorType type, int T, int R, int C, uint64_t seed) {
    ruvllm::Rng rng(seed);
    Problem p{type, T, R, C, {}, {}, {}, {}};
    const std::vector<float> w = random_values(rng, static_cast<size_t>(R) * C);
    const size_t row = ruvllm::quant::row_size(type, C);
    p.w.resize(row * R);
    p.wf.resize(w.size());
    for (int r = 0; r < R; r++) {
        const size_t o = static_cast<size_t>(r) * C;
        EXPECT_TRUE(ruvllm::quant::quantize(type, w.data() + o, p.w.data() + row * r, C));
        EXPECT_TRUE(ruvllm::quant::dequantize(type, p.w.data() + row * r, p.wf.data() + o, C));
    }
    p.x = random_values(rng, static_cast<size_t>(T) * C, 0.3f);  // not zero-mean: offsets matter
    p.bias = random_values(rng, static_cast<size_t>(R));
    return p;
}

std::vector<float> run(const Problem& p, qmm::Isa isa, ruvllm::Team* team, bool bias = true) {
    qmm::Activations act;
    act.reset(p.x.data(), p.T, p.C);
    std::vector<float> out(static_cast<size_t>(p.T) * p.R, NAN);
    qmm::matmul(p.matrix(), act, bias ? p.bias.data() : nullptr, out.data(), team, isa);
    return out;
}

// Checks `out` against the exact product; returns the RMS error relative to the RMS output.
double check_against_exact(const Problem& p,
                           const std::vector<float>& out,
                           const std::string& what) {
    const bool int8 = qmm::uses_int8(p.type);
    double err2 = 0, ref2 = 0;
    int failures = 0;
    for (int t = 0; t < p.T; t++) {
        for (int r = 0; r < p.R; r++) {
            const float* x = p.x.data() + static_cast<size_t>(t) * p.C;
            const float* w = p.wf.data() + static_cast<size_t>(r) * p.C;
            double exact = p.bias[r], abs_sum = 0, bound = 0;
            const int n_blocks = int8 ? p.C / 32 : 1;
            for (int b = 0; b < n_blocks; b++) {
                const int i0 = int8 ? 32 * b : 0, i1 = int8 ? 32 * b + 32 : p.C;
                double amax = 0, wsum = 0;
                for (int i = i0; i < i1; i++) {
                    exact += double(w[i]) * x[i];
                    abs_sum += std::fabs(double(w[i]) * x[i]);
                    amax = std::max(amax, std::fabs(double(x[i])));
                    wsum += std::fabs(double(w[i]));
                }
                bound += int8 ? amax / 127 / 2 * wsum : 0;
            }
            bound += 1e-4 * abs_sum + 1e-6;
            const double got = out[static_cast<size_t>(t) * p.R + r];
            err2 += (got - exact) * (got - exact);
            ref2 += exact * exact;
            if (!(std::fabs(got - exact) <= bound) && failures++ < 5) {
                ADD_FAILURE() << what << " t " << t << " r " << r << ": " << got << " vs exact "
                              << exact << ", bound " << bound;
            }
        }
    }
    return std::sqrt(err2 / ref2);
}

std::string name_of(TensorType t, qmm::Isa isa) {
    return std::string(ruvllm::quant::type_info(t).name) + " " + qmm::isa_name(isa);
}

TEST(Qmatmul, EveryTypeAndPathMatchesTheExactProduct) {
    for (const TensorType type : kTypes) {
        // 37 rows and 13 tokens: odd counts, token tiles of 8 + 4 + 1.
        const Problem p = make_problem(type, 13, 37, 512, 11);
        for (const qmm::Isa isa : isas()) {
            const double rel = check_against_exact(p, run(p, isa, nullptr), name_of(type, isa));
            // int8 activations: ~0.2-0.5% RMS; float weights: float rounding only.
            EXPECT_LT(rel, qmm::uses_int8(type) ? 0.01 : 1e-6) << name_of(type, isa);
            EXPECT_GT(rel, qmm::uses_int8(type) ? 1e-4 : 0.0) << name_of(type, isa);
        }
    }
}

// sum_b max|w_b| sum_{i in b} |x_i| for output (t, r): the size of the partial sums the
// kernels form (the offset terms of the unsigned formats are of that order), for float
// rounding bounds.
double magnitude(const Problem& p, int t, int r) {
    const float* x = p.x.data() + static_cast<size_t>(t) * p.C;
    const float* w = p.wf.data() + static_cast<size_t>(r) * p.C;
    double m = 0;
    for (int b = 0; b < p.C; b += 32) {
        double wmax = 0, xsum = 0;
        for (int i = b; i < std::min(p.C, b + 32); i++) {
            wmax = std::max(wmax, std::fabs(double(w[i])));
            xsum += std::fabs(double(x[i]));
        }
        m += wmax * xsum;
    }
    return m;
}

TEST(Qmatmul, PathsAgree) {
    for (const TensorType type : kTypes) {
        const Problem p = make_problem(type, 11, 19, 768, 5);
        const std::vector<float> ref = run(p, qmm::Isa::scalar, nullptr);
        for (const qmm::Isa isa : isas()) {
            const std::vector<float> out = run(p, isa, nullptr);
            double worst = 0;  // the same int8 sums: float rounding alone
            for (int t = 0; t < p.T; t++) {
                for (int r = 0; r < p.R; r++) {
                    const size_t i = static_cast<size_t>(t) * p.R + r;
                    worst =
                        std::max(worst, std::fabs(double(out[i]) - ref[i]) / magnitude(p, t, r));
                }
            }
            EXPECT_LT(worst, 1e-6) << name_of(type, isa) << " vs scalar";
        }
        if (qmm::isa_supported(qmm::Isa::avx512_vnni)) {  // the same integer sums and float ops
            EXPECT_EQ(run(p, qmm::Isa::avx2, nullptr), run(p, qmm::Isa::avx512_vnni, nullptr))
                << ruvllm::quant::type_info(type).name;
        }
    }
}

TEST(Qmatmul, OddShapes) {
    for (const TensorType type : {TensorType::q5_0, TensorType::q4_k, TensorType::f32}) {
        for (const int T : {1, 2, 3, 5, 8, 9, 16, 23}) {
            for (const int R : {1, 3, 8}) {
                const int C = type == TensorType::q4_k ? 256 : 96;
                const Problem p = make_problem(type, T, R, C, 100 + T * 10 + R);
                for (const qmm::Isa isa : isas()) {
                    check_against_exact(p, run(p, isa, nullptr), name_of(type, isa));
                }
            }
        }
    }
    // F32 weights: any column count (no blocks), including a tail of < 8 values.
    const Problem p = make_problem(TensorType::f32, 5, 7, 45, 3);
    for (const qmm::Isa isa : isas()) {
        check_against_exact(p, run(p, isa, nullptr), name_of(TensorType::f32, isa));
    }
    // No bias.
    const Problem q = make_problem(TensorType::q8_0, 3, 5, 64, 4);
    const std::vector<float> with = run(q, qmm::best_isa(), nullptr, true);
    const std::vector<float> without = run(q, qmm::best_isa(), nullptr, false);
    for (int t = 0; t < 3; t++) {
        for (int r = 0; r < 5; r++) {
            EXPECT_NEAR(with[size_t(t) * 5 + r] - q.bias[r], without[size_t(t) * 5 + r], 1e-5);
        }
    }
}

TEST(Qmatmul, ActivationsQuantiseIdenticallyOnEveryPath) {
    ruvllm::Rng rng(9);
    const std::vector<float> x = random_values(rng, 5 * 256);
    qmm::Activations ref;
    ref.reset(x.data(), 5, 256);
    ref.quantize(qmm::Isa::scalar);
    for (int t = 0; t < 5; t++) {
        for (int b = 0; b < 8; b++) {
            const float* xb = x.data() + t * 256 + 32 * b;
            const int8_t* q = ref.q8_block(t, b);
            const float d = ref.scale(t, b);
            float amax = 0;
            int sum = 0;
            for (int i = 0; i < 32; i++) {
                amax = std::max(amax, std::fabs(xb[i]));
                EXPECT_LE(std::abs(q[i]), 127);
                EXPECT_LE(std::fabs(q[i] * d - xb[i]), d * 0.5001f);
                sum += i < 16 ? q[i] : 0;
            }
            EXPECT_EQ(d, amax / 127.0f);
            EXPECT_EQ(ref.sum(t, 2 * b), d * static_cast<float>(sum));
        }
    }
    for (const qmm::Isa isa : isas()) {
        qmm::Activations a;
        a.reset(x.data(), 5, 256);
        a.quantize(isa);
        EXPECT_EQ(0, std::memcmp(a.q8_tile(0), ref.q8_tile(0), x.size())) << qmm::isa_name(isa);
        EXPECT_EQ(0, std::memcmp(a.scale_tile(0), ref.scale_tile(0), x.size() / 32 * 4));
        EXPECT_EQ(0, std::memcmp(a.sums_tile(0), ref.sums_tile(0), x.size() / 16 * 4));
    }
}

TEST(Qmatmul, ResultsDoNotDependOnTheThreadCount) {
    for (const TensorType type : {TensorType::q5_0, TensorType::q6_k, TensorType::f16}) {
        const Problem p = make_problem(type, 13, 101, 512, 21);  // large enough for the team
        for (const qmm::Isa isa : isas()) {
            const std::vector<float> one = run(p, isa, nullptr);
            for (int n : {1, 2, 3}) {
                ruvllm::Team team(n);
                EXPECT_EQ(run(p, isa, &team), one) << name_of(type, isa) << ", " << n << " threads";
                EXPECT_EQ(run(p, isa, &team), one) << "team reused";
            }
        }
    }
}

TEST(Qmatmul, CheckRejectsBadMatrices) {
    const uint8_t byte = 0;
    EXPECT_TRUE(qmm::check({TensorType::q4_k, &byte, 2, 512}));
    EXPECT_TRUE(qmm::check({TensorType::f32, &byte, 2, 7}));
    const ruvllm::Status bad_cols = qmm::check({TensorType::q4_k, &byte, 2, 96});
    ASSERT_FALSE(bad_cols);
    EXPECT_EQ(bad_cols.error().code, ruvllm::Errc::invalid_argument);
    EXPECT_NE(bad_cols.error().message.find("multiple of 256"), std::string::npos);
    EXPECT_FALSE(qmm::check({TensorType::q8_0, &byte, 0, 32}));
    const ruvllm::Status bad_type = qmm::check({static_cast<TensorType>(99), &byte, 1, 32});
    ASSERT_FALSE(bad_type);
    EXPECT_EQ(bad_type.error().code, ruvllm::Errc::unsupported);
}

// Qwen2Model::embed gives the same bits with 1 and 2 threads (hidden 256, ffn 512: the
// products are large enough to use the team).
TEST(Qmatmul, Qwen2EmbedDoesNotDependOnTheThreadCount) {
    for (const TensorType type : {TensorType::q4_k, TensorType::q8_0, TensorType::f32}) {
        ruvllm::test::TinyQwen2 s;
        s.E = 256;
        s.F = 512;
        s.type = type;
        const ruvllm::gguf::File f = ruvllm::test::make_tiny_qwen2(s);
        ruvllm::Qwen2Options o1, o2;
        o1.n_threads = 1;
        o2.n_threads = 2;
        ruvllm::Result<ruvllm::Qwen2Model> m1 = ruvllm::Qwen2Model::from_gguf(f, o1);
        ruvllm::Result<ruvllm::Qwen2Model> m2 = ruvllm::Qwen2Model::from_gguf(f, o2);
        ASSERT_TRUE(m1 && m2);
        const std::string text = "refactor the flaky arm64 CI job, then add tests ab ab b";
        ASSERT_GE(m1->tokenize(text).size(), 20u);
        std::vector<float> a(256), b(256);
        m1->embed(text, a.data());
        m2->embed(text, b.data());
        EXPECT_EQ(a, b) << ruvllm::quant::type_info(type).name;
    }
}

}  // namespace

// Qwen2Weights::native (encoded weights, int8 activations) against Qwen2Weights::f32 (weights
// dequantised on load, float products): the same embeddings up to the activation rounding, and
// the same bits for an F32 model; layer_weights() is the dequantised tensor either way.
TEST(Qmatmul, Qwen2NativeAndF32WeightsAgree) {
    for (const TensorType type : {TensorType::q4_k,
                                  TensorType::q5_0,
                                  TensorType::q6_k,
                                  TensorType::q8_0,
                                  TensorType::f32}) {
        ruvllm::test::TinyQwen2 s;
        s.E = 256;
        s.F = 512;
        s.type = type;
        const ruvllm::gguf::File f = ruvllm::test::make_tiny_qwen2(s);
        ruvllm::Qwen2Options native, dense;
        dense.weights = ruvllm::Qwen2Weights::f32;
        ruvllm::Result<ruvllm::Qwen2Model> a = ruvllm::Qwen2Model::from_gguf(f, native);
        ruvllm::Result<ruvllm::Qwen2Model> b = ruvllm::Qwen2Model::from_gguf(f, dense);
        ASSERT_TRUE(a && b);
        const std::string name(ruvllm::quant::type_info(type).name);
        for (const char* text : {"fix the flaky CI job", "a", "ab ab b refactor the parser"}) {
            std::vector<float> x(256), y(256);
            a->embed(text, x.data());
            b->embed(text, y.data());
            if (type == TensorType::f32) {
                EXPECT_EQ(x, y) << text;
                continue;
            }
            double xy = 0;
            for (size_t i = 0; i < x.size(); i++) {
                xy += double(x[i]) * y[i];  // both L2-normalised
            }
            EXPECT_GT(xy, 0.999) << name << ": " << text;
            EXPECT_LT(xy, 1.0 - 1e-9) << name << ": int8 activations should differ a little";
        }
        ruvllm::Result<ruvllm::Qwen2LayerWeights> la = a->layer_weights(1);
        ruvllm::Result<ruvllm::Qwen2LayerWeights> lb = b->layer_weights(1);
        ruvllm::Result<std::vector<float>> want =
            f.tensor_f32(*f.find_tensor("blk.1.ffn_down.weight"));
        ASSERT_TRUE(la && lb && want);
        EXPECT_EQ(la->down, *want) << name;
        EXPECT_EQ(lb->down, *want) << name;
        EXPECT_EQ(la->wq, lb->wq) << name;
    }
}
