// ruvllm/core/rng.h: the project's only source of randomness.
//
// splitmix64 (Steele, Lea, Flood 2014): 64-bit state, period 2^64, passes BigCrush. We use our
// own generator and our own bounded/float conversions instead of std::*_distribution so that the
// same seed gives the same bytes on every standard library. Every random function takes an
// `Rng&` explicitly; there is no global generator.
//
// Usage:
//   ruvllm::Rng rng(42);
//   uint32_t i = rng.below(10);      // uniform in [0, 10), unbiased
//   float u = rng.uniform_f32();     // uniform in [0, 1)
#pragma once

#include <cstdint>

namespace ruvllm {

class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}

    uint64_t next_u64() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    uint32_t next_u32() { return static_cast<uint32_t>(next_u64() >> 32); }

    // Uniform integer in [0, n); n must be > 0. Lemire's multiply-shift with rejection: unbiased.
    uint32_t below(uint32_t n) {
        uint64_t m = static_cast<uint64_t>(next_u32()) * n;
        auto low = static_cast<uint32_t>(m);
        if (low < n) {
            const uint32_t threshold = (0u - n) % n;
            while (low < threshold) {
                m = static_cast<uint64_t>(next_u32()) * n;
                low = static_cast<uint32_t>(m);
            }
        }
        return static_cast<uint32_t>(m >> 32);
    }

    // Uniform in [0, 1) with 24 (f32) or 53 (f64) random bits.
    float uniform_f32() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }

    double uniform_f64() {
        return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
    }

    bool bernoulli(double p) { return uniform_f64() < p; }

    // An independent generator for sub-stream `stream` (e.g. one per agent), derived from this
    // generator's seed material without advancing it.
    Rng fork(uint64_t stream) const {
        Rng r(state_ ^ (stream * 0xD1B54A32D192ED03ull));
        r.next_u64();
        return r;
    }

    uint64_t state() const { return state_; }

private:
    uint64_t state_;
};

// Fisher-Yates shuffle of [first, first + n) with our Rng.
template <class It>
void shuffle(It first, uint32_t n, Rng& rng) {
    for (uint32_t i = n; i > 1; i--) {
        const uint32_t j = rng.below(i);
        using std::swap;
        swap(first[i - 1], first[j]);
    }
}

}  // namespace ruvllm
