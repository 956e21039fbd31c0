// qwen2_internal.h: Qwen2Model's weights as qwen2_loader.cpp reads them from the GGUF and
// qwen2.cpp's forward pass uses them. Shape letters: E embedding size, K kv heads, D head size.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/lora.h>
#include <ruvllm/transformer/qmatmul.h>
#include <ruvllm/transformer/qwen2.h>

namespace ruvllm {

// A 2-D layer weight: its file encoding (or, with Qwen2Weights::f32, the dequantised copy in
// `owned`), and the LoRA applied to it at run time (if any).
struct Qwen2Mat {
    qmm::Matrix m;
    std::vector<float> owned;
    const LoraTensor* lora = nullptr;
    float lora_scale = 0.0f;
};

struct Qwen2Layer {
    std::vector<float> attn_norm, ffn_norm;  // (E)
    std::vector<float> bq, bk, bv;           // (E), (K D), (K D); zeros where the file has none
    Qwen2Mat wq, wk, wv, wo, gate, up, down;
};

struct Qwen2Model::Weights {
    std::shared_ptr<const gguf::File> file;  // holds the encoded weights (its memory map)
    std::shared_ptr<const LoraAdapter> adapter;
    gguf::TensorInfo token_embd;
    std::span<const uint8_t> token_embd_bytes;
    size_t token_row_bytes = 0;
    std::vector<float> output_norm;  // (E)
    std::vector<Qwen2Layer> layers;
};

}  // namespace ruvllm
