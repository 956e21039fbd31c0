// make_router_seeds.cpp: writes the seed routers of router_fuzz into a folder: a tiny planted
// router (3 labels, 32-dim subword base with 64 buckets, one keyword rule) in F32, F16 and Q8_0
// rows, and one without keyword rules. Small, so that mutations reach every section.
//   make_router_seeds DIR
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ruvllm/core/rng.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/router/model.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_router_seeds DIR\n");
        return 1;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    ruvllm::Rng rng(7);
    const int dim = 32;  // a multiple of 32: rows fit Q8_0 blocks
    const uint32_t buckets = 64;
    const std::vector<std::string> words = {"alpha", "beta", "gamma", "unit", "test"};
    std::vector<float> rows((words.size() + buckets) * dim);
    for (float& x : rows) {
        x = 2 * rng.uniform_f32() - 1;
    }
    auto base = std::make_shared<const ruvllm::SubwordBase>(
        ruvllm::SubwordConfig{dim, 3, 4, buckets}, words, rows);
    ruvllm::RouterModel m =
        ruvllm::RouterModel::init(base, {"coder", "reviewer", "tester"}, 8, rng);
    const ruvllm::Status plain = m.save(dir / "plain-f32.gguf", ruvllm::TensorType::f32);
    m.keywords = ruvllm::KeywordStage({{"unit test", 2, 2.0f, 0.97f, 10}}, 3, {});
    for (const auto& [name, type] : {std::pair{"keywords-f32.gguf", ruvllm::TensorType::f32},
                                     std::pair{"keywords-f16.gguf", ruvllm::TensorType::f16},
                                     std::pair{"keywords-q8_0.gguf", ruvllm::TensorType::q8_0}}) {
        const ruvllm::Status s = m.save(dir / name, type);
        if (!s) {
            std::fprintf(stderr, "make_router_seeds: %s: %s\n", name, s.error().message.c_str());
            return 1;
        }
    }
    if (!plain) {
        std::fprintf(stderr, "make_router_seeds: %s\n", plain.error().message.c_str());
        return 1;
    }
    return 0;
}
