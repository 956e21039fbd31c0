// qwen2_lora_test.cpp (label: unit): the LoRA stack on the top layers of a Qwen2 model
// (qwen2_lora.h). Its pieces are gradient-checked one by one in qwen2_ops_test.cpp; here the
// whole stack is checked end to end against central differences; the untrained stack must
// reproduce Qwen2Model, a trained one must equal Qwen2Model running with its adapter, and
// thread counts must not change a bit.
//
// Gradient checks run the float forward and compare with tests/gradcheck.h's max_rel_error
// (|numeric - analytic| / max(1e-2, |numeric|, |analytic|)); eps is given per test. Observed
// worst errors (Release, g++ 12) are noted next to each bound.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/nn/optim.h>
#include <ruvllm/transformer/lora.h>
#include <ruvllm/transformer/qwen2.h>
#include <ruvllm/transformer/qwen2_lora.h>

#include "gradcheck.h"
#include "qwen2_testmodel.h"
#include "testutil.h"

namespace {

using ruvllm::test::cosine;

namespace gguf = ruvllm::gguf;
using ruvllm::Errc;
using ruvllm::LoraAdapter;
using ruvllm::LoraStackConfig;
using ruvllm::Pooling;
using ruvllm::Qwen2LoraStack;
using ruvllm::Qwen2Model;
using ruvllm::Qwen2Options;
using ruvllm::Rng;
using ruvllm::test::max_rel_error;
using ruvllm::test::project;
using ruvllm::test::random_vec;
using ruvllm::test::TinyQwen2;

// E 16, F 32, H 4, K 2 (D 4, K D 8), 2 layers: every coordinate can be checked.
TinyQwen2 small_spec() {
    TinyQwen2 s;
    s.E = 16;
    s.F = 32;
    s.H = 4;
    s.K = 2;
    s.layers = 2;
    s.seed = 11;
    return s;
}

Qwen2Model load(const gguf::File& f, const Qwen2Options& o = {}) {
    ruvllm::Result<Qwen2Model> m = Qwen2Model::from_gguf(f, o);
    EXPECT_TRUE(m) << m.error().message;
    return std::move(*m);
}

Qwen2LoraStack make_stack(const Qwen2Model& m, int k, const LoraStackConfig& c, uint64_t seed) {
    Rng rng(seed);
    ruvllm::Result<Qwen2LoraStack> st = Qwen2LoraStack::create(m, k, c, rng);
    EXPECT_TRUE(st) << st.error().message;
    return std::move(*st);
}

LoraStackConfig lora_config(int rank, bool ffn, int n_threads = 2) {
    LoraStackConfig c;
    c.rank = rank;
    c.alpha = 2.0f * static_cast<float>(rank);
    c.ffn = ffn;
    c.n_threads = n_threads;
    return c;
}

// Sets every LoRA value (B included) to uniform(-amp, amp): a trained-looking stack.
void randomize(Qwen2LoraStack& st, uint64_t seed, float amp) {
    Rng rng(seed);
    for (float& v : st.params()) {
        v = amp * (2 * rng.uniform_f32() - 1);
    }
}

// The residual stream below the stack for `text`.
std::vector<float> stack_input(const Qwen2Model& m, const Qwen2LoraStack& st, const char* text) {
    ruvllm::Result<std::vector<float>> x = m.forward_layers(m.tokenize(text), st.first_layer());
    EXPECT_TRUE(x) << x.error().message;
    return *x;
}

std::vector<float> stack_embed(const Qwen2LoraStack& st, const std::vector<float>& x) {
    std::vector<float> z(static_cast<size_t>(st.dim()));
    st.forward(x.data(), static_cast<int>(x.size()) / st.dim(), z.data(), nullptr);
    return z;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool all_finite(const std::vector<float>& v) {
    for (const float x : v) {
        if (!std::isfinite(x)) {
            return false;
        }
    }
    return true;
}

bool one_line(const ruvllm::Error& e) {
    return !e.message.empty() && e.message.find('\n') == std::string::npos;
}

const char* const kTexts[] = {
    "fix the flaky CI job", "a", "refactor the parser into two modules and add tests", "ab ab bb"};

}  // namespace

// ---- the whole stack ----

struct StackCase {
    int k;
    bool ffn;
    Pooling pooling;
};

// Every LoRA value and the input x, for k = 1 and 2, ffn on and off, both poolings; loss =
// dot(pooled, fixed random vector).
TEST(Qwen2LoraStack, GradientsMatchFiniteDifferences) {
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    for (const StackCase c : {StackCase{1, false, Pooling::mean},
                              StackCase{1, true, Pooling::last},
                              StackCase{2, false, Pooling::last},
                              StackCase{2, true, Pooling::mean}}) {
        SCOPED_TRACE("k " + std::to_string(c.k) + " ffn " + std::to_string(c.ffn) + " pooling " +
                     (c.pooling == Pooling::mean ? "mean" : "last"));
        Qwen2Options o;
        o.pooling = c.pooling;
        const Qwen2Model m = load(f, o);
        Qwen2LoraStack st = make_stack(m, c.k, lora_config(2, c.ffn), 21);
        randomize(st, 22, 0.3f);  // B != 0, else A gets no gradient
        std::vector<float> x = stack_input(m, st, "fix the CI job");
        const int T = static_cast<int>(x.size()) / st.dim();
        ASSERT_GE(T, 5);
        Rng rng(23);
        const std::vector<float> proj = random_vec(rng, static_cast<size_t>(st.dim()));

        Qwen2LoraStack::Tape tape;
        std::vector<float> z(static_cast<size_t>(st.dim())), grads, dx(x.size(), 0.0f);
        st.forward(x.data(), T, z.data(), &tape);
        st.backward(tape, proj.data(), grads, dx.data());
        ASSERT_EQ(grads.size(), st.n_params());
        double gnorm = 0;
        for (const float v : grads) {
            gnorm += double(v) * v;
        }
        EXPECT_GT(gnorm, 1e-6);

        auto loss = [&] {
            st.forward(x.data(), T, z.data(), nullptr);
            return project(z, proj);
        };
        // Observed (eps 1e-2), worst over the cases: params 9.2e-4, x 8.9e-4.
        EXPECT_LT(max_rel_error(st.params(), grads, loss, 1e-2), 1e-2);
        EXPECT_LT(max_rel_error(x, dx, loss, 1e-2), 1e-2);
    }
}

TEST(Qwen2LoraStack, UntrainedStackReproducesTheBaseModel) {
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    for (const Pooling pooling : {Pooling::mean, Pooling::last}) {
        for (const bool normalize : {true, false}) {
            Qwen2Options o;
            o.pooling = pooling;
            o.normalize = normalize;
            const Qwen2Model m = load(f, o);
            for (const int k : {1, 2}) {
                const Qwen2LoraStack st = make_stack(m, k, lora_config(4, true), 31);
                EXPECT_EQ(st.first_layer(), 2 - k);
                for (const char* text : kTexts) {
                    std::vector<float> want(static_cast<size_t>(m.dim()));
                    m.embed(text, want.data());
                    const std::vector<float> got = stack_embed(st, stack_input(m, st, text));
                    for (size_t i = 0; i < want.size(); i++) {
                        ASSERT_NEAR(got[i], want[i], 1e-5) << text << " k " << k << " i " << i;
                    }
                }
            }
        }
    }
}

TEST(Qwen2LoraStack, TrainedStackEqualsTheBaseWithItsAdapter) {
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    const Qwen2Model m = load(f);
    for (const bool ffn : {false, true}) {
        for (const int k : {1, 2}) {
            Qwen2LoraStack st = make_stack(m, k, lora_config(3, ffn), 41);
            randomize(st, 42, 0.2f);
            Qwen2Options o;
            o.adapter = std::make_shared<LoraAdapter>(st.to_adapter());
            const Qwen2Model adapted = load(f, o);
            for (const char* text : kTexts) {
                std::vector<float> want(static_cast<size_t>(m.dim()));
                adapted.embed(text, want.data());
                std::vector<float> base(want.size());
                m.embed(text, base.data());
                const std::vector<float> got = stack_embed(st, stack_input(m, st, text));
                EXPECT_GT(cosine(got, want), 0.99999) << text << " k " << k << " ffn " << ffn;
                EXPECT_LT(cosine(got, base), 0.9999) << "the adapter should matter: " << text;
            }
        }
    }
}

// 1, 2 and 3 threads give the same bits, forward and backward (shapes big enough to split).
TEST(Qwen2LoraStack, ThreadCountDoesNotChangeABit) {
    TinyQwen2 s;
    s.E = 128;
    s.F = 512;
    s.H = 4;
    s.K = 2;
    s.layers = 2;
    const gguf::File f = ruvllm::test::make_tiny_qwen2(s);
    const Qwen2Model m = load(f);
    std::vector<float> z_ref, g_ref, dx_ref;
    for (const int nt : {1, 2, 3}) {
        Qwen2LoraStack st = make_stack(m, 2, lora_config(4, true, nt), 51);
        randomize(st, 52, 0.1f);
        const std::vector<float> x =
            stack_input(m, st, "a somewhat longer text, so that the products use threads");
        const int T = static_cast<int>(x.size()) / st.dim();
        ASSERT_GE(T * int64_t{512} * 128, int64_t{1} << 18);
        Rng rng(53);
        const std::vector<float> dz = random_vec(rng, static_cast<size_t>(st.dim()));
        Qwen2LoraStack::Tape tape;
        std::vector<float> z(static_cast<size_t>(st.dim())), grads, dx(x.size(), 0.0f);
        st.forward(x.data(), T, z.data(), &tape);
        st.backward(tape, dz.data(), grads, dx.data());
        if (nt == 1) {
            z_ref = z, g_ref = grads, dx_ref = dx;
            continue;
        }
        EXPECT_TRUE(same_bits(z, z_ref)) << nt;
        EXPECT_TRUE(same_bits(grads, g_ref)) << nt;
        EXPECT_TRUE(same_bits(dx, dx_ref)) << nt;
    }
}

// Calls from several threads at once, with distinct tapes: one holds the stack's team, the
// others run on their own thread; every call gets the bits of a call made alone.
TEST(Qwen2LoraStack, ConcurrentCallsGiveTheSameBits) {
    TinyQwen2 s;
    s.E = 128;
    s.F = 512;
    const gguf::File f = ruvllm::test::make_tiny_qwen2(s);
    const Qwen2Model m = load(f);
    Qwen2LoraStack st = make_stack(m, 2, lora_config(4, true, 2), 55);
    randomize(st, 56, 0.1f);
    const std::vector<float> x =
        stack_input(m, st, "a somewhat longer text, so that the products use threads");
    const int T = static_cast<int>(x.size()) / st.dim();
    Rng rng(57);
    const std::vector<float> dz = random_vec(rng, static_cast<size_t>(st.dim()));
    auto run = [&](std::vector<float>& z, std::vector<float>& grads) {
        Qwen2LoraStack::Tape tape;
        z.assign(static_cast<size_t>(st.dim()), 0.0f);
        grads.clear();
        st.forward(x.data(), T, z.data(), &tape);
        st.backward(tape, dz.data(), grads);
    };
    std::vector<float> z_ref, g_ref;
    run(z_ref, g_ref);
    const int n = 4;
    std::vector<std::vector<float>> z(n), g(n);
    std::vector<int> same(n, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; i++) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 5; round++) {
                run(z[i], g[i]);
                same[i] += same_bits(z[i], z_ref) && same_bits(g[i], g_ref) ? 1 : 0;
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    EXPECT_EQ(same, std::vector<int>(n, 5));
}

TEST(Qwen2LoraStack, ShortAndDegenerateInputsStayFinite) {
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    const Qwen2Model m = load(f);
    Qwen2LoraStack st = make_stack(m, 2, lora_config(2, true), 61);
    randomize(st, 62, 0.3f);
    const auto E = static_cast<size_t>(st.dim());
    Qwen2LoraStack::Tape tape;
    std::vector<float> z(E, 1.0f), dz(E, 1.0f), grads;

    st.forward(nullptr, 0, z.data(), &tape);  // T == 0: zeros, backward adds nothing
    EXPECT_EQ(z, std::vector<float>(E, 0.0f));
    st.backward(tape, dz.data(), grads);
    EXPECT_EQ(grads, std::vector<float>(st.n_params(), 0.0f));

    for (const std::vector<float>& x :
         {stack_input(m, st, "a"), std::vector<float>(E, 0.0f), std::vector<float>(3 * E, 0.0f)}) {
        std::vector<float> dx(x.size(), 0.0f);
        st.forward(x.data(), static_cast<int>(x.size() / E), z.data(), &tape);
        st.backward(tape, dz.data(), grads, dx.data());
        EXPECT_TRUE(all_finite(z));
        EXPECT_TRUE(all_finite(grads));
        EXPECT_TRUE(all_finite(dx));
    }
}

TEST(Qwen2LoraStack, AdapterRoundTrip) {
    ruvllm::test::TempDir dir;
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    const Qwen2Model m = load(f);
    Qwen2LoraStack a = make_stack(m, 2, lora_config(2, true), 71);
    randomize(a, 72, 0.5f);
    const LoraAdapter ad = a.to_adapter();
    EXPECT_EQ(ad.architecture, "qwen2");
    EXPECT_EQ(ad.alpha, 4.0f);
    ASSERT_EQ(ad.tensors.size(), 14u);
    EXPECT_EQ(ad.tensors[0].base_name, "blk.0.attn_q.weight");
    EXPECT_EQ(ad.tensors[13].base_name, "blk.1.ffn_down.weight");
    EXPECT_EQ(ad.tensors[13].n_in(), 32);
    EXPECT_EQ(ad.tensors[13].n_out(), 16);
    ASSERT_TRUE(ruvllm::write_lora_gguf(dir / "a.gguf", ad));
    ruvllm::Result<LoraAdapter> back = ruvllm::read_lora_gguf(dir / "a.gguf");
    ASSERT_TRUE(back) << back.error().message;

    LoraStackConfig c = lora_config(2, true);
    c.alpha = 1.0f;
    Qwen2LoraStack b = make_stack(m, 2, c, 73);
    ASSERT_TRUE(b.set_from_adapter(*back));
    EXPECT_EQ(b.params(), a.params());
    EXPECT_EQ(b.lora_config().alpha, 4.0f);  // taken from the adapter
    const std::vector<float> x = stack_input(m, a, kTexts[0]);
    EXPECT_TRUE(same_bits(stack_embed(a, x), stack_embed(b, x)));
}

TEST(Qwen2LoraStack, CreateRejectsBadArguments) {
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    const Qwen2Model m = load(f);
    auto create = [&](int k, LoraStackConfig c) {
        Rng rng(1);
        return Qwen2LoraStack::create(m, k, c, rng);
    };
    const LoraStackConfig good = lora_config(2, false);
    EXPECT_TRUE(create(1, good));
    EXPECT_TRUE(create(2, lora_config(8, false)));  // rank = K D, the smallest side
    std::vector<std::pair<int, LoraStackConfig>> bad;
    bad.push_back({0, good});
    bad.push_back({3, good});
    bad.push_back({-1, good});
    bad.push_back({1, lora_config(0, false)});
    bad.push_back({1, lora_config(9, false)});  // > K D = 8
    for (const float alpha : {0.0f, -1.0f, NAN, INFINITY}) {
        LoraStackConfig c = good;
        c.alpha = alpha;
        bad.push_back({1, c});
    }
    LoraStackConfig c = good;
    c.n_threads = 0;
    bad.push_back({1, c});
    for (const auto& [k, cfg] : bad) {
        ruvllm::Result<Qwen2LoraStack> st = create(k, cfg);
        ASSERT_FALSE(st) << "k " << k << " rank " << cfg.rank << " alpha " << cfg.alpha;
        EXPECT_EQ(st.error().code, Errc::invalid_argument);
        EXPECT_TRUE(one_line(st.error())) << st.error().message;
    }
}

TEST(Qwen2LoraStack, SetFromAdapterRejectsMismatches) {
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    const Qwen2Model m = load(f);
    Qwen2LoraStack st = make_stack(m, 1, lora_config(2, false), 81);
    const std::vector<float> before = st.params();
    const LoraAdapter good = st.to_adapter();
    std::vector<LoraAdapter> bad;
    LoraAdapter a = good;
    a.tensors.pop_back();  // a target missing
    bad.push_back(a);
    a = good;
    a.tensors[1].base_name = a.tensors[0].base_name;  // duplicate (validate_lora)
    bad.push_back(a);
    a = good;
    a.tensors[0].base_name = "blk.1.ffn_up.weight";  // not a target of this stack
    bad.push_back(a);
    a = good;
    a.tensors.push_back(a.tensors[0]);  // one tensor too many
    a.tensors.back().base_name = "blk.1.ffn_gate.weight";
    bad.push_back(a);
    a = make_stack(m, 1, lora_config(4, false), 82).to_adapter();
    bad.push_back(a);  // rank 4
    a = make_stack(m, 2, lora_config(2, false), 83).to_adapter();
    bad.push_back(a);  // two layers
    a = good;
    a.tensors[2].a.resize(a.tensors[2].a.size() - 2);  // in 15
    bad.push_back(a);
    a = good;
    a.architecture = "llama";
    bad.push_back(a);
    a = good;
    a.alpha = 0.0f;
    bad.push_back(a);
    for (const LoraAdapter& b : bad) {
        ruvllm::Status s = st.set_from_adapter(b);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, Errc::invalid_argument) << s.error().message;
        EXPECT_TRUE(one_line(s.error())) << s.error().message;
        EXPECT_EQ(st.params(), before);
        EXPECT_EQ(st.lora_config().alpha, 4.0f);
    }
}

// A few AdamW steps pulling the embeddings of two texts together lower 1 - cos.
TEST(Qwen2LoraStack, AdamStepsPullTwoTextsTogether) {
    const gguf::File f = ruvllm::test::make_tiny_qwen2(small_spec());
    const Qwen2Model m = load(f);
    Qwen2LoraStack st = make_stack(m, 2, lora_config(4, true), 91);
    const std::vector<float> xa = stack_input(m, st, "fix the flaky CI job");
    const std::vector<float> xb = stack_input(m, st, "write the release notes");
    const int Ta = static_cast<int>(xa.size()) / st.dim();
    const int Tb = static_cast<int>(xb.size()) / st.dim();
    const auto E = static_cast<size_t>(st.dim());
    Qwen2LoraStack::Tape ta, tb;
    std::vector<float> za(E), zb(E), dza(E), dzb(E), grads;
    std::vector<float> mom(st.n_params(), 0.0f), vel(st.n_params(), 0.0f);
    ruvllm::AdamConfig ac;
    ac.lr = 1e-2f;
    ac.weight_decay = 0.0f;
    std::vector<double> losses;
    for (int step = 1; step <= 11; step++) {
        st.forward(xa.data(), Ta, za.data(), &ta);
        st.forward(xb.data(), Tb, zb.data(), &tb);
        double loss = 1.0;  // 1 - za . zb (unit vectors)
        for (size_t i = 0; i < E; i++) {
            loss -= double(za[i]) * zb[i];
            dza[i] = -zb[i];
            dzb[i] = -za[i];
        }
        losses.push_back(loss);
        std::fill(grads.begin(), grads.end(), 0.0f);
        st.backward(ta, dza.data(), grads);
        st.backward(tb, dzb.data(), grads);
        ruvllm::adamw_update(st.params().data(),
                             grads.data(),
                             mom.data(),
                             vel.data(),
                             static_cast<int64_t>(st.n_params()),
                             ac,
                             ac.lr,
                             step);
    }
    EXPECT_GT(losses.front(), 0.05);
    EXPECT_LT(losses.back(), 0.5 * losses.front()) << losses.front() << " -> " << losses.back();
}

// Timing at Qwen2.5-0.5B shapes (E 896, F 4864, H 14, K 2), top 2 layers, 24 tokens. Run by
// hand: qwen2_lora_test --gtest_also_run_disabled_tests --gtest_filter='*Timing*'
TEST(Qwen2LoraStack, DISABLED_TimingQwen25Shapes) {
    TinyQwen2 s;
    s.E = 896;
    s.F = 4864;
    s.H = 14;
    s.K = 2;
    s.layers = 2;
    const Qwen2Model m = load(ruvllm::test::make_tiny_qwen2(s));
    for (const auto& [ffn, nt] : {std::pair{false, 1}, {false, 2}, {true, 2}}) {
        Qwen2LoraStack st = make_stack(m, 2, lora_config(8, ffn, nt), 101);
        randomize(st, 102, 0.02f);
        std::vector<int32_t> ids(24);
        Rng rng(103);
        for (int32_t& id : ids) {
            id = static_cast<int32_t>(rng.below(256));
        }
        const std::vector<float> x = *m.forward_layers(ids, 0);
        const auto E = static_cast<size_t>(st.dim());
        std::vector<float> z(E), dz = random_vec(rng, E), grads;
        Qwen2LoraStack::Tape tape;
        using clock = std::chrono::steady_clock;
        const int reps = 10;
        st.forward(x.data(), 24, z.data(), &tape);  // warm-up
        st.backward(tape, dz.data(), grads);
        auto t0 = clock::now();
        for (int i = 0; i < reps; i++) {
            st.forward(x.data(), 24, z.data(), &tape);
        }
        auto t1 = clock::now();
        for (int i = 0; i < reps; i++) {
            st.forward(x.data(), 24, z.data(), &tape);
            st.backward(tape, dz.data(), grads);
        }
        auto t2 = clock::now();
        const double fwd = std::chrono::duration<double, std::milli>(t1 - t0).count() / reps;
        const double both = std::chrono::duration<double, std::milli>(t2 - t1).count() / reps;
        std::printf("ffn %d, %d threads: forward %.1f ms, forward+backward %.1f ms (%zu params)\n",
                    ffn ? 1 : 0,
                    nt,
                    fwd,
                    both,
                    st.n_params());
    }
}
