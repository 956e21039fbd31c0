// qwen2_testmodel.h: tiny random Qwen2 GGUF models and random LoRA adapters for the tests.
// The vocabulary is either copied from a real tokenizer GGUF (the tokenizer.* keys of
// llama.cpp's models/ggml-vocab-qwen2.gguf) or a byte-level one (256 byte tokens + 2 merges).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/lora.h>

namespace ruvllm::test {

struct TinyQwen2 {
    uint64_t E = 64, F = 128, H = 4, K = 2, layers = 2;
    float rope_base = 10000.0f;
    TensorType type = TensorType::f32;  // of the 2-D weights
    uint64_t seed = 7;
};

// GPT-2's byte -> code point map, as UTF-8.
inline std::string byte_symbol(int b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    int cp = b;
    if (!printable) {
        int n = 0;
        for (int c = 0; c < b; c++) {
            n += ((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174) ? 0 : 1;
        }
        cp = 256 + n;
    }
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// Copies the tokenizer.* keys of `vocab` into `f` (or a byte-level vocabulary when null);
// returns the number of tokens.
inline uint64_t add_vocab(gguf::File& f, const gguf::File* vocab) {
    if (vocab != nullptr) {
        uint64_t n = 0;
        for (const auto& [key, value] : vocab->metadata()) {
            if (key.rfind("tokenizer.", 0) == 0) {
                f.set(key, value);
            }
            if (key == "tokenizer.ggml.tokens") {
                n = std::get<gguf::Array>(value).size();
            }
        }
        return n;
    }
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; b++) {
        tokens.push_back(byte_symbol(b));
    }
    tokens.push_back("ab");
    tokens.push_back(byte_symbol(' ') + "b");
    f.set("tokenizer.ggml.model", std::string("gpt2"));
    f.set("tokenizer.ggml.pre", std::string("qwen2"));
    f.set("tokenizer.ggml.tokens", gguf::Array::of(tokens));
    f.set("tokenizer.ggml.merges",
          gguf::Array::of(std::vector<std::string>{"a b", byte_symbol(' ') + " b"}));
    return tokens.size();
}

// A random Qwen2 model (Q/K/V biases, no output.weight) with every 2-D weight in s.type.
inline gguf::File make_tiny_qwen2(const TinyQwen2& s, const gguf::File* vocab = nullptr) {
    gguf::File f;
    f.set("general.architecture", std::string("qwen2"));
    f.set("general.name", std::string("ruvllm-test-tiny"));
    f.set("qwen2.block_count", static_cast<uint32_t>(s.layers));
    f.set("qwen2.context_length", static_cast<uint32_t>(512));
    f.set("qwen2.embedding_length", static_cast<uint32_t>(s.E));
    f.set("qwen2.feed_forward_length", static_cast<uint32_t>(s.F));
    f.set("qwen2.attention.head_count", static_cast<uint32_t>(s.H));
    f.set("qwen2.attention.head_count_kv", static_cast<uint32_t>(s.K));
    f.set("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
    f.set("qwen2.rope.freq_base", s.rope_base);
    const uint64_t n_vocab = add_vocab(f, vocab);
    Rng rng(s.seed);
    auto add =
        [&](const std::string& name, std::vector<uint64_t> shape, float scale, float offset = 0) {
            size_t n = 1;
            for (const uint64_t d : shape) {
                n *= d;
            }
            std::vector<float> x(n);
            for (float& v : x) {
                v = offset + scale * (rng.uniform_f32() * 2 - 1);
            }
            const TensorType t = shape.size() == 2 ? s.type : TensorType::f32;
            Status st = f.add_tensor(name, std::move(shape), x, t);
            EXPECT_TRUE(st.ok()) << name << ": " << (st.ok() ? "" : st.error().message);
        };
    const uint64_t E = s.E, F = s.F, KD = s.K * (s.E / s.H);
    add("token_embd.weight", {E, n_vocab}, 1.0f);
    for (uint64_t il = 0; il < s.layers; il++) {
        const std::string p = "blk." + std::to_string(il) + ".";
        add(p + "attn_norm.weight", {E}, 0.2f, 1.0f);
        add(p + "attn_q.weight", {E, E}, 0.1f);
        add(p + "attn_q.bias", {E}, 0.3f);
        add(p + "attn_k.weight", {E, KD}, 0.1f);
        add(p + "attn_k.bias", {KD}, 0.3f);
        add(p + "attn_v.weight", {E, KD}, 0.1f);
        add(p + "attn_v.bias", {KD}, 0.3f);
        add(p + "attn_output.weight", {E, E}, 0.1f);
        add(p + "ffn_norm.weight", {E}, 0.2f, 1.0f);
        add(p + "ffn_gate.weight", {E, F}, 0.1f);
        add(p + "ffn_up.weight", {E, F}, 0.1f);
        add(p + "ffn_down.weight", {F, E}, 0.08f);
    }
    add("output_norm.weight", {E}, 0.2f, 1.0f);
    return f;
}

// A random LoRA of `rank` on `targets` (2-D tensors of `base`): A and B uniform in
// [-amp, amp] (B is not zero, unlike a freshly initialised LoRA, so the adapter matters).
inline LoraAdapter make_random_lora(const gguf::File& base,
                                    const std::vector<std::string>& targets,
                                    int rank,
                                    float alpha,
                                    float amp,
                                    uint64_t seed) {
    LoraAdapter ad;
    ad.alpha = alpha;
    Rng rng(seed);
    for (const std::string& name : targets) {
        const gguf::TensorInfo* t = base.find_tensor(name);
        EXPECT_NE(t, nullptr) << name;
        if (t == nullptr) {
            continue;
        }
        LoraTensor lt;
        lt.base_name = name;
        lt.rank = rank;
        lt.a.resize(static_cast<size_t>(rank) * t->shape[0]);
        lt.b.resize(static_cast<size_t>(rank) * t->shape[1]);
        for (float& v : lt.a) {
            v = amp * (rng.uniform_f32() * 2 - 1);
        }
        for (float& v : lt.b) {
            v = amp * (rng.uniform_f32() * 2 - 1);
        }
        ad.tensors.push_back(std::move(lt));
    }
    return ad;
}

// blk.N.attn_{q,k,v,output}.weight for every layer of `s`.
inline std::vector<std::string> attention_targets(const TinyQwen2& s) {
    std::vector<std::string> out;
    for (uint64_t il = 0; il < s.layers; il++) {
        for (const char* w : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
            out.push_back("blk." + std::to_string(il) + "." + w + ".weight");
        }
    }
    return out;
}

}  // namespace ruvllm::test
