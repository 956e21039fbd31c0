// bpe_pre_internal.h: the text side of the BPE tokenizer (bpe.h), not installed: UTF-8
// decoding by llama.cpp's rules with U+FFFD for invalid bytes, Unicode letter / number / whitespace
// classes from ICU, and the qwen2 and gpt-2 pre-tokenizers as hand-written matchers over code
// points (no std::regex).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/transformer/bpe.h>

#include <unicode/uchar.h>

namespace ruvllm::bpe_pre {

// ---- UTF-8 ----

constexpr uint32_t kReplacement = 0xFFFD;

inline void append_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Length of the UTF-8 sequence that starts at s[i] (its code point in *cp), or 0 when it is
// invalid. Structural, like llama.cpp's unicode_cpt_from_utf8: a lead byte and the continuation
// bytes its high bits ask for, without checking for overlong forms or surrogates (C0 80 is
// U+0000, ED A0 80 is U+D800). Invalid: a continuation byte, F8..FF, a truncated sequence, and
// (where llama.cpp throws out of llama_tokenize) a code point above U+10FFFF.
inline size_t utf8_decode(std::string_view s, size_t i, uint32_t* cp) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        n = 2;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4;
    } else {
        return 0;  // a continuation byte or F8..FF
    }
    if (n > s.size() - i) {
        return 0;
    }
    uint32_t c = b0 & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        const auto b = static_cast<uint8_t>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (b & 0x3F);
    }
    if (c > 0x10FFFF) {
        return 0;
    }
    *cp = c;
    return n;
}

// ---- code-point classes ----

enum Cls : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kSpace = 3 };

inline Cls classify(uint32_t c) {
    if (c < 0x80) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            return kLetter;
        }
        if (c >= '0' && c <= '9') {
            return kNumber;
        }
        return (c == ' ' || (c >= '\t' && c <= '\r')) ? kSpace : kOther;
    }
    const auto ch = static_cast<UChar32>(c);
    if (u_isUWhiteSpace(ch)) {
        return kSpace;
    }
    const uint32_t mask = U_GET_GC_MASK(ch);
    if ((mask & U_GC_L_MASK) != 0) {
        return kLetter;
    }
    return (mask & U_GC_N_MASK) != 0 ? kNumber : kOther;
}

// A text as code points, their classes, and the text re-encoded from the code points (`text`;
// off[i] is the byte offset of code point i in it, off[n] == text.size()). Every byte that starts
// no sequence (utf8_decode) becomes U+FFFD; valid UTF-8 comes out unchanged.
struct CodePoints {
    std::vector<uint32_t> cp;
    std::vector<uint8_t> cls;
    std::vector<size_t> off;
    std::string text;

    explicit CodePoints(std::string_view raw) {
        cp.reserve(raw.size());
        cls.reserve(raw.size());
        off.reserve(raw.size() + 1);
        text.reserve(raw.size());
        uint32_t c = 0;
        for (size_t i = 0; i < raw.size();) {
            const size_t n = utf8_decode(raw, i, &c);
            if (n == 0) {
                c = kReplacement;
            }
            i += std::max<size_t>(n, 1);
            cp.push_back(c);
            cls.push_back(classify(c));
            off.push_back(text.size());
            append_utf8(c, text);
        }
        off.push_back(text.size());
    }

    std::string_view word(size_t begin, size_t end) const {  // code points [begin, end)
        return std::string_view(text).substr(off[begin], off[end] - off[begin]);
    }

    size_t size() const { return cp.size(); }

    bool is(size_t i, Cls c) const { return i < cp.size() && cls[i] == c; }

    bool is_crlf(size_t i) const { return i < cp.size() && (cp[i] == '\r' || cp[i] == '\n'); }
};

inline bool is_ascii_ci(uint32_t cp, char lower) {
    return cp == static_cast<uint32_t>(lower) || cp == static_cast<uint32_t>(lower - 'a' + 'A');
}

// ---- pre-tokenizers: each returns the end of the word that starts at i (< t.size()) ----

// (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}
// | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
inline size_t next_word_qwen2(const CodePoints& t, size_t i) {
    const size_t n = t.size();
    if (t.cp[i] == '\'' && i + 1 < n) {
        const uint32_t a = t.cp[i + 1];
        if (is_ascii_ci(a, 's') || is_ascii_ci(a, 't') || is_ascii_ci(a, 'm') ||
            is_ascii_ci(a, 'd')) {
            return i + 2;
        }
        if (i + 2 < n) {
            const uint32_t b = t.cp[i + 2];
            if ((is_ascii_ci(a, 'r') && is_ascii_ci(b, 'e')) ||
                (is_ascii_ci(a, 'v') && is_ascii_ci(b, 'e')) ||
                (is_ascii_ci(a, 'l') && is_ascii_ci(b, 'l'))) {
                return i + 3;
            }
        }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    size_t j = i;
    if (!t.is(i, kLetter) && !t.is(i, kNumber) && !t.is_crlf(i) && t.is(i + 1, kLetter)) {
        j = i + 1;
    }
    if (t.is(j, kLetter)) {
        while (t.is(j, kLetter)) {
            j++;
        }
        return j;
    }
    if (t.is(i, kNumber)) {  // \p{N}
        return i + 1;
    }
    // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
    j = (t.cp[i] == ' ' && t.is(i + 1, kOther)) ? i + 1 : i;
    if (t.is(j, kOther)) {
        while (t.is(j, kOther)) {
            j++;
        }
        while (t.is_crlf(j)) {
            j++;
        }
        return j;
    }
    // t.cp[i] is whitespace. \s*[\r\n]+: \s* backtracks to the last \r or \n of the run.
    size_t end = i;
    while (t.is(end, kSpace)) {
        end++;
    }
    for (size_t k = end; k > i; k--) {
        if (t.is_crlf(k - 1)) {
            return k;
        }
    }
    if (end == n || end - i == 1) {  // \s+(?!\S) at the end of the text, else \s+
        return end;
    }
    return end - 1;  // \s+(?!\S): leave the last space to the word after it
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
inline size_t next_word_gpt2(const CodePoints& t, size_t i) {
    const size_t n = t.size();
    if (t.cp[i] == '\'' && i + 1 < n) {
        const uint32_t a = t.cp[i + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return i + 2;
        }
        if (i + 2 < n) {
            const uint32_t b = t.cp[i + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return i + 3;
            }
        }
    }
    const size_t j = (t.cp[i] == ' ' && i + 1 < n) ? i + 1 : i;
    for (const Cls c : {kLetter, kNumber, kOther}) {
        if (t.is(j, c)) {
            size_t k = j;
            while (t.is(k, c)) {
                k++;
            }
            return k;
        }
    }
    size_t end = i;
    while (t.is(end, kSpace)) {
        end++;
    }
    if (end - i > 1 && end < n) {
        return end - 1;  // \s+(?!\S)
    }
    return std::max(end, i + 1);
}

// Calls f(word) for the pre-tokenizer's words of t, in order.
template <class F>
void for_each_word(PreTokenizer pre, const CodePoints& t, F&& f) {
    for (size_t i = 0; i < t.size();) {
        const size_t end =
            pre == PreTokenizer::qwen2 ? next_word_qwen2(t, i) : next_word_gpt2(t, i);
        f(t.word(i, end));
        i = end;
    }
}

}  // namespace ruvllm::bpe_pre
