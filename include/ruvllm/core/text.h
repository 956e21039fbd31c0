// ruvllm/core/text.h: the one tokenizer every model of ruvllm uses, and fastText's subword hashing.
//
// Words: the text is lower-cased (ASCII) and split on everything but letters, digits, bytes of
// UTF-8 sequences and the joiners '+', '#' (c++, c#); '.', '-', '_' and '/' are kept only between
// two word characters ("node.js", "ci/cd", "e-mail", "snake_case"). The pretraining corpus goes
// through the same function, so a task and the corpus agree on what a word is.
//   "Fix the flaky CI/CD job in Node.js!" -> fix the flaky ci/cd job in node.js
//
// Subwords are fastText's (Bojanowski et al. 2017): the character n-grams (minn..maxn, counted
// in UTF-8 characters) of "<word>", hashed with fastText's 32-bit FNV-1a variant into `bucket`
// rows after the vocabulary, so tables trained by libfasttext are used as they are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm {

// Appends the words of `text` to `out` (cleared first).
void tokenize_words(std::string_view text, std::vector<std::string>& out);

// The words joined by single spaces (the pretraining corpus line format).
std::string normalize_words(std::string_view text);

// First invalid byte offset of a UTF-8 string (overlong forms, surrogates and code points
// above U+10FFFF are invalid), or npos when it is valid.
size_t utf8_invalid_at(std::string_view s);

// fastText's Dictionary::hash: FNV-1a over the bytes taken as signed chars.
uint32_t fasttext_hash(std::string_view s);

// Appends to `out` the bucket indices (0 .. bucket-1) of the character n-grams of "<word>" with
// minn <= n <= maxn, in fastText's order. Single-character n-grams at a word boundary are
// skipped, as fastText does.
void subword_buckets(
    std::string_view word, int minn, int maxn, uint32_t bucket, std::vector<uint32_t>& out);

}  // namespace ruvllm
