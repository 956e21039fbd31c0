// gguf_fuzz.cpp: libFuzzer target for the GGUF parser. Whatever parses must also serialise,
// parse again and dequantise every tensor without crashing.
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DRUVLLM_FUZZ=ON
//   cmake --build build-fuzz --target gguf_fuzz
//   build-fuzz/bin/gguf_fuzz -max_total_time=300 -rss_limit_mb=2048 fuzz/corpus/
#include <cstddef>
#include <cstdint>

#include <ruvllm/formats/gguf.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ruvllm::Result<ruvllm::gguf::File> f = ruvllm::gguf::read({data, size});
    if (!f) {
        return 0;
    }
    for (const ruvllm::gguf::TensorInfo& t : f->tensors()) {
        if (t.n_elements() <= (1u << 20)) {
            ruvllm::Result<std::vector<float>> v = f->tensor_f32(t);
            (void)v;
        }
    }
    const std::vector<uint8_t> again = ruvllm::gguf::write(*f);
    ruvllm::Result<ruvllm::gguf::File> g = ruvllm::gguf::read(again);
    if (!g) {
        __builtin_trap();  // our own output must always parse
    }
    return 0;
}
