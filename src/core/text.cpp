// text.cpp: word tokenizer and fastText subword hashing (see text.h).
#include <ruvllm/core/text.h>

namespace ruvllm {

namespace {

inline bool word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80 || c == '+' || c == '#';
}

inline bool joiner(unsigned char c) {
    return c == '.' || c == '-' || c == '_' || c == '/';
}

}  // namespace

void tokenize_words(std::string_view text, std::vector<std::string>& out) {
    out.clear();
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        while (i < n && !word_char(static_cast<unsigned char>(text[i]))) {
            i++;
        }
        if (i == n) {
            break;
        }
        std::string w;
        while (i < n) {
            const auto c = static_cast<unsigned char>(text[i]);
            if (word_char(c)) {
                w.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32)
                                                 : static_cast<char>(c));
                i++;
            } else if (joiner(c) && i + 1 < n &&
                       word_char(static_cast<unsigned char>(text[i + 1])) && text[i + 1] != '+' &&
                       text[i + 1] != '#') {
                w.push_back(static_cast<char>(c));
                i++;
            } else {
                break;
            }
        }
        out.push_back(std::move(w));
    }
}

std::string normalize_words(std::string_view text) {
    std::vector<std::string> words;
    tokenize_words(text, words);
    std::string out;
    for (size_t i = 0; i < words.size(); i++) {
        if (i > 0) {
            out.push_back(' ');
        }
        out += words[i];
    }
    return out;
}

uint32_t fasttext_hash(std::string_view s) {
    uint32_t h = 2166136261u;
    for (const char c : s) {
        h = h ^ static_cast<uint32_t>(static_cast<int8_t>(c));
        h = h * 16777619u;
    }
    return h;
}

void subword_buckets(
    std::string_view word, int minn, int maxn, uint32_t bucket, std::vector<uint32_t>& out) {
    if (maxn <= 0 || bucket == 0) {
        return;
    }
    std::string w;
    w.reserve(word.size() + 2);
    w.push_back('<');
    w.append(word);
    w.push_back('>');
    const size_t len = w.size();
    std::string ngram;
    for (size_t i = 0; i < len; i++) {
        if ((static_cast<unsigned char>(w[i]) & 0xC0) == 0x80) {
            continue;  // not the first byte of a UTF-8 character
        }
        ngram.clear();
        size_t j = i;
        for (int n = 1; j < len && n <= maxn; n++) {
            ngram.push_back(w[j++]);
            while (j < len && (static_cast<unsigned char>(w[j]) & 0xC0) == 0x80) {
                ngram.push_back(w[j++]);
            }
            if (n >= minn && !(n == 1 && (i == 0 || j == len))) {
                out.push_back(fasttext_hash(ngram) % bucket);
            }
        }
    }
}

size_t utf8_invalid_at(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = 0;
        unsigned cp = 0, min = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;  // a continuation byte or 0xF8..0xFF as a lead byte
        }
        if (i + len > n) {
            return i;
        }
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return i;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

}  // namespace ruvllm
