// ruvllm/transformer/bpe.h: byte-level BPE tokenizer read from a GGUF model's `tokenizer.ggml.*`
// keys, token-for-token compatible with llama.cpp's (`llama_tokenize`) for Qwen2 and GPT-2 models.
//
// GGUF keys (tokenizer.ggml.*):
//   model = "gpt2" (byte-level BPE; required)   pre = the pre-tokenizer (required): "qwen2"
//   (also "deepseek-r1-qwen", llama.cpp's alias) or "gpt-2" (also "mpt", same expression)
//   tokens: string array (required; id = index)   merges: "left right" strings (required;
//   rank = index, the first occurrence of a pair wins)   token_type: i32 array (optional;
//   1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; all normal when absent)
//   bos_token_id, eos_token_id: integers (optional)   add_bos_token, add_eos_token: bool
//   (optional, false when absent)
//
// encode(text):
//   1. Special tokens are cut out of the raw bytes first, longest text first (llama.cpp's
//      special-token partitioning): user-defined tokens always, control and unknown tokens only
//      when parse_special is true. No lstrip/rstrip of the neighbouring text.
//   2. Every other span is split into words by the pre-tokenizer, over Unicode code points
//      (letters = general category L, numbers = N, whitespace = White_Space, from ICU):
//        qwen2: (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])
//               |[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+
//               |\s+(?!\S)|\s+          (first alternative wins, backtracking as in ECMAScript)
//        gpt-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   3. Each word's bytes become GPT-2 byte symbols (bytes 33-126, 161-172, 174-255 map to the
//      code point of the same value, the other 68 bytes to U+0100.. in order); adjacent symbols
//      are merged lowest rank first (leftmost first on ties) until no pair has a rank. A final
//      symbol that is not in the vocabulary is emitted byte by byte, as llama.cpp does.
//   Invalid UTF-8 (step 2 decodes by llama.cpp's rules, so the ids are llama.cpp's): a lead
//   byte followed by the continuation bytes its high bits ask for is one code point, without
//   checks for overlong forms or surrogates (C0 80 is U+0000 and tokenizes as "\0"; ED A0 80 is
//   U+D800 and keeps its bytes). Every other byte (a stray continuation byte, F8..FF, a
//   truncated sequence) becomes one U+FFFD, as in llama.cpp; so does each byte of a sequence
//   above U+10FFFF, where llama.cpp throws out of llama_tokenize. Encoding never fails.
//
// decode(ids): the inverse of step 3 for normal tokens (a code point outside the byte map is
// copied as UTF-8); control and unknown tokens give their text when `special` is true and
// nothing otherwise; user-defined tokens give their text; unused, byte and undefined tokens, and
// ids outside [0, n_vocab()), give nothing. decode(encode(x, false, false)) == x for valid UTF-8
// when the vocabulary holds all 256 byte symbols (every GPT-2-style vocabulary does).
// No clean-up of spaces before punctuation (llama.cpp's detokenize does that for gpt-2).
//
// Usage:
//   ruvllm::Result<ruvllm::gguf::File> f = ruvllm::gguf::read_file("qwen2.5-0.5b.gguf");
//   ruvllm::Result<ruvllm::BpeTokenizer> tok = ruvllm::BpeTokenizer::from_gguf(*f);
//   if (!tok) { /* tok.error().message: "tokenizer.ggml.pre 'falcon' is not supported, ..." */ }
//   std::vector<int32_t> ids = tok->encode("Hello world", /*add_special=*/false,
//                                          /*parse_special=*/false);  // {9707, 1879}
//   std::string text = tok->decode(ids);                               // "Hello world"
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

// llama.cpp's token types (tokenizer.ggml.token_type values).
enum class TokenType : int32_t {
    undefined = 0,
    normal = 1,
    unknown = 2,
    control = 3,
    user_defined = 4,
    unused = 5,
    byte = 6,
};

enum class PreTokenizer { qwen2, gpt2 };

struct BpeOptions {
    // Merged words kept in the shared word cache (raw word bytes -> ids); the cache is cleared
    // when full. 0 disables it.
    size_t cache_words = size_t{1} << 16;
};

class BpeTokenizer {
public:
    // Errc::format naming the key for a missing or mistyped key, a token_type array of another
    // length, a merge without a space, a bos/eos id outside the vocabulary, or add_bos_token /
    // add_eos_token set without the id (llama.cpp would fall back to id 11; we do not);
    // Errc::unsupported for another tokenizer.ggml.model or tokenizer.ggml.pre (a missing pre is
    // llama.cpp's "default" pre-tokenizer, which is not implemented either).
    static Result<BpeTokenizer> from_gguf(const gguf::File& file, const BpeOptions& options = {});

    // Token ids of `text`. add_special: prepend bos / append eos when the model asks for it
    // (add_bos_token / add_eos_token). parse_special: match control tokens in the text (see the
    // top of this file). Thread-safe; never fails.
    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

    // Text of `ids` (see the top of this file). Thread-safe.
    std::string decode(const std::vector<int32_t>& ids, bool special = true) const;

    // The pre-tokenizer's words of `text` (step 2 only: no special tokens). Their concatenation
    // is `text`, re-encoded from its code points as described above (unchanged if valid UTF-8).
    std::vector<std::string> pre_tokenize(std::string_view text) const;

    int32_t n_vocab() const;
    const std::string& token_text(int32_t id) const;  // id in [0, n_vocab())
    TokenType token_type(int32_t id) const;           // id in [0, n_vocab())
    int32_t find_token(std::string_view text) const;  // the last id with this text, or -1
    int32_t bos() const;                              // -1 if the model has none
    int32_t eos() const;                              // -1 if the model has none
    bool add_bos() const;
    bool add_eos() const;
    PreTokenizer pre_tokenizer() const;
    size_t n_merges() const;  // elements of tokenizer.ggml.merges

    struct Vocab;  // bpe.cpp
    struct Cache;  // bpe.cpp

private:
    BpeTokenizer() = default;

    std::shared_ptr<const Vocab> vocab_;  // immutable; shared by copies
    std::shared_ptr<Cache> cache_;        // guarded by its own mutex; shared by copies
};

}  // namespace ruvllm
