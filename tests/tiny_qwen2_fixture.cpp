// tiny_qwen2_fixture OUT.gguf [LAYERS] [SEED]: writes a tiny random Qwen2 GGUF (hidden 64,
// 4 heads, 2 kv heads, ffn 128, a byte-level vocabulary; qwen2_testmodel.h) for the CLI tests
// of a router on a Qwen2 base (qwen2_cli.sh). No weights are downloaded anywhere.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "qwen2_testmodel.h"

int main(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        std::fprintf(stderr, "usage: tiny_qwen2_fixture OUT.gguf [LAYERS] [SEED]\n");
        return 2;
    }
    ruvllm::test::TinyQwen2 spec;
    if (argc > 2) {
        spec.layers = std::strtoull(argv[2], nullptr, 10);
    }
    if (argc > 3) {
        spec.seed = std::strtoull(argv[3], nullptr, 10);
    }
    const ruvllm::Status s = ruvllm::gguf::write_file(ruvllm::test::make_tiny_qwen2(spec), argv[1]);
    if (!s) {
        std::fprintf(stderr, "tiny_qwen2_fixture: %s\n", s.error().message.c_str());
        return 1;
    }
    return 0;
}
