// base_file.h: a small subword base with random rows written as a base GGUF, for tests that
// train through the file interfaces (recipe, pipeline).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/embed/subword.h>
#include <ruvllm/formats/gguf.h>

#include "gradcheck.h"

namespace ruvllm::test {

// Writes a dim-16 subword base of `words` and `buckets` n-gram rows (random, from `seed`) to
// `path`; false if it cannot be written.
inline bool write_subword_base(const std::filesystem::path& path,
                               const std::vector<std::string>& words,
                               uint32_t buckets,
                               uint64_t seed) {
    Rng rng(seed);
    const SubwordBase base(SubwordConfig{16, 3, 4, buckets},
                           words,
                           random_vec(rng, static_cast<size_t>(words.size() + buckets) * 16));
    gguf::File f;
    f.set("general.architecture", std::string("ruvllm"));
    return base.write_to(f, TensorType::f32) && gguf::write_file(f, path);
}

}  // namespace ruvllm::test
