// rng_test.cpp: splitmix64 against its published reference values; bounded draws.
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>

TEST(Rng, MatchesSplitmix64ReferenceOutputs) {
    // Reference: Vigna's splitmix64.c with x = 0: the first three outputs.
    ruvllm::Rng rng(0);
    EXPECT_EQ(rng.next_u64(), 0xE220A8397B1DCDAFull);
    EXPECT_EQ(rng.next_u64(), 0x6E789E6AA1B965F4ull);
    EXPECT_EQ(rng.next_u64(), 0x06C45D188009454Full);
}

TEST(Rng, SameSeedSameSequenceDifferentSeedDifferent) {
    ruvllm::Rng a(42), b(42), c(43);
    bool any_diff = false;
    for (int i = 0; i < 100; i++) {
        const uint64_t x = a.next_u64();
        EXPECT_EQ(x, b.next_u64());
        any_diff = any_diff || x != c.next_u64();
    }
    EXPECT_TRUE(any_diff);
}

TEST(Rng, BelowStaysInRangeAndCoversEveryValue) {
    ruvllm::Rng rng(7);
    std::vector<int> hits(7, 0);
    for (int i = 0; i < 70000; i++) {
        const uint32_t v = rng.below(7);
        ASSERT_LT(v, 7u);
        hits[v]++;
    }
    for (int h : hits) {  // expected 10000 each; 5 sigma is about 450
        EXPECT_NEAR(h, 10000, 500);
    }
}

TEST(Rng, UniformF32IsInUnitInterval) {
    ruvllm::Rng rng(1);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        const float u = rng.uniform_f32();
        ASSERT_GE(u, 0.0f);
        ASSERT_LT(u, 1.0f);
        sum += u;
    }
    EXPECT_NEAR(sum / 100000.0, 0.5, 0.01);
}

TEST(Rng, ForkGivesIndependentStreamsWithoutAdvancing) {
    ruvllm::Rng rng(5);
    const uint64_t before = rng.state();
    ruvllm::Rng f1 = rng.fork(1), f2 = rng.fork(2);
    EXPECT_EQ(rng.state(), before);
    EXPECT_NE(f1.next_u64(), f2.next_u64());
}

TEST(Rng, ShuffleIsAPermutation) {
    ruvllm::Rng rng(3);
    std::vector<int> v(50);
    for (int i = 0; i < 50; i++) {
        v[i] = i;
    }
    ruvllm::shuffle(v.begin(), 50, rng);
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 50; i++) {
        EXPECT_EQ(sorted[i], i);
    }
    EXPECT_NE(v, sorted);
}
