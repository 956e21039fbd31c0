// planted_router.h: a tiny router whose answers are known without training, shared by the
// router, service and evaluation tests. Three words own three labels ("alpha" -> coder,
// "beta" -> reviewer, "gamma" -> tester): each prototype is its word's own routing embedding,
// so the word routes to its label with cosine 1. One keyword rule: "unit test" -> tester
// (weight 2, precision 0.97).
#pragma once

#include <ruvllm/embed/subword.h>
#include <ruvllm/router/model.h>

#include "gradcheck.h"

namespace ruvllm::test {

inline RouterModel planted_router(uint64_t seed) {
    Rng rng(seed);
    auto base = std::make_shared<const SubwordBase>(
        SubwordConfig{16, 3, 4, 2000},
        std::vector<std::string>{"alpha", "beta", "gamma", "unit", "test"},
        random_vec(rng, (5 + 2000) * 16));
    RouterModel m = RouterModel::init(base, {"coder", "reviewer", "tester"}, 16, rng);
    const char* words[] = {"alpha", "beta", "gamma"};
    for (int a = 0; a < 3; a++) {
        m.embed(words[a], m.protos.data() + static_cast<size_t>(a) * 16);
    }
    m.keywords = KeywordStage({{"unit test", 2, 2.0f, 0.97f, 10}}, 3, {});
    return m;
}

}  // namespace ruvllm::test
