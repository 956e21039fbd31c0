// bpe_test.cpp (label: unit): the byte-level BPE tokenizer on hand-made tiny vocabularies:
// byte map, merge order, pre-tokenizer words, special tokens, bad metadata, invalid UTF-8.
// The real Qwen2 / GPT-2 vocabularies are tested against llama.cpp in bpe_golden_test.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/bpe.h>

namespace {

namespace gguf = ruvllm::gguf;
using ruvllm::BpeTokenizer;
using ruvllm::Errc;
using ruvllm::TokenType;
using Strings = std::vector<std::string>;
using Ids = std::vector<int32_t>;

std::string utf8(uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// GPT-2's bytes_to_unicode(), written out independently of bpe.cpp: printable Latin-1 bytes
// stand for themselves, the other 68 take U+0100.. in byte order.
Strings byte_symbols() {
    Strings s(256);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; b++) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        s[b] = utf8(printable ? b : next++);
    }
    return s;
}

struct Extra {
    std::string text;
    TokenType type = TokenType::normal;
};

// A GGUF with tokens 0..255 = the byte symbols of bytes 0..255, then `extra` tokens.
gguf::File make_file(const std::vector<Extra>& extra,
                     const Strings& merges,
                     const std::string& pre = "qwen2") {
    Strings tokens = byte_symbols();
    std::vector<int32_t> types(256, 1);
    for (const Extra& e : extra) {
        tokens.push_back(e.text);
        types.push_back(static_cast<int32_t>(e.type));
    }
    gguf::File f;
    f.set("tokenizer.ggml.model", std::string("gpt2"));
    f.set("tokenizer.ggml.pre", pre);
    f.set("tokenizer.ggml.tokens", gguf::Array::of(tokens));
    f.set("tokenizer.ggml.token_type", gguf::Array::of(types));
    f.set("tokenizer.ggml.merges", gguf::Array::of(merges));
    return f;
}

BpeTokenizer make(const std::vector<Extra>& extra,
                  const Strings& merges,
                  const std::string& pre = "qwen2") {
    ruvllm::Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(make_file(extra, merges, pre));
    if (!tok) {
        std::fprintf(stderr, "make: %s\n", tok.error().message.c_str());
        std::abort();
    }
    return std::move(*tok);
}

int32_t id(const BpeTokenizer& tok, const std::string& text) {
    const int32_t i = tok.find_token(text);
    EXPECT_GE(i, 0) << "no token '" << text << "'";
    return i;
}

Ids bytes_of(std::string_view s) {
    Ids ids;
    for (const char c : s) {
        ids.push_back(static_cast<uint8_t>(c));
    }
    return ids;
}

Errc load_error(const gguf::File& f, std::string* message = nullptr) {
    ruvllm::Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(f);
    EXPECT_FALSE(tok);
    if (tok) {
        return Errc::io;  // an Errc no check expects
    }
    if (message != nullptr) {
        *message = tok.error().message;
    }
    return tok.error().code;
}

}  // namespace

TEST(BpeByteMap, KnownSymbolsOfGpt2) {
    const Strings s = byte_symbols();
    EXPECT_EQ(s[' '], "\xC4\xA0");   // U+0120 'Ġ'
    EXPECT_EQ(s['\n'], "\xC4\x8A");  // U+010A 'Ċ'
    EXPECT_EQ(s['\t'], "\xC4\x89");  // U+0109 'ĉ'
    EXPECT_EQ(s[0], "\xC4\x80");     // U+0100 'Ā'
    EXPECT_EQ(s[0x7F], "\xC4\xA1");  // U+0121 'ġ'
    EXPECT_EQ(s[0xAD], "\xC5\x83");  // U+0143 'Ń', the last one
    EXPECT_EQ(s['A'], "A");
    EXPECT_EQ(s[0xE9], "\xC3\xA9");  // U+00E9 'é' stands for itself
}

TEST(BpeByteMap, EveryByteEncodesToItsSymbolAndBack) {
    const BpeTokenizer tok = make({}, {});
    EXPECT_EQ(tok.n_vocab(), 256);
    std::string all;
    for (int b = 0; b < 256; b++) {
        all += static_cast<char>(b);
        if (b < 0x80) {  // a lone byte >= 0x80 is not UTF-8
            EXPECT_EQ(tok.encode(std::string(1, static_cast<char>(b)), false, false), Ids{b});
        }
    }
    const std::string text = "\x01 a\t\x7F\xC3\xA9\xF0\x9F\x9A\x80";
    EXPECT_EQ(tok.encode(text, false, false), bytes_of(text));
    EXPECT_EQ(tok.decode(bytes_of(all)), all);  // decode maps every symbol back to its byte
}

TEST(BpeMerge, LowestRankFirst) {
    const BpeTokenizer ab_first = make({{"ab"}, {"bc"}}, {"a b", "b c"});
    EXPECT_EQ(ab_first.encode("abc", false, false), (Ids{id(ab_first, "ab"), 'c'}));
    const BpeTokenizer bc_first = make({{"ab"}, {"bc"}}, {"b c", "a b"});
    EXPECT_EQ(bc_first.encode("abc", false, false), (Ids{'a', id(bc_first, "bc")}));
}

TEST(BpeMerge, LeftmostOnTiesAndChains) {
    const BpeTokenizer tok = make({{"aa"}, {"aaaa"}}, {"a a", "aa aa"});
    const int32_t aa = id(tok, "aa");
    const int32_t aaaa = id(tok, "aaaa");
    EXPECT_EQ(tok.encode("aaa", false, false), (Ids{aa, 'a'}));
    EXPECT_EQ(tok.encode("aaaaaaa", false, false), (Ids{aaaa, aa, 'a'}));
    EXPECT_EQ(tok.encode("aaaaaaaa", false, false), (Ids{aaaa, aaaa}));
}

TEST(BpeMerge, SpaceSymbolAndWholeWords) {
    const BpeTokenizer tok = make({{"he"}, {"ll"}, {"hell"}, {"hello"}, {"\xC4\xA0w"}},
                                  {"h e", "l l", "he ll", "hell o", "\xC4\xA0 w"});
    const int32_t hello = id(tok, "hello");
    EXPECT_EQ(tok.encode("hello", false, false), Ids{hello});
    EXPECT_EQ(tok.encode("hello world", false, false),
              (Ids{hello, id(tok, "\xC4\xA0w"), 'o', 'r', 'l', 'd'}));
    EXPECT_EQ(tok.encode("hellohello", false, false), (Ids{hello, hello}));
}

TEST(BpeMerge, SymbolsOutsideTheVocabulary) {
    // "xy" is no token: alone it is emitted byte by byte, but it can still merge into "xyz".
    const BpeTokenizer tok = make({{"xyz"}}, {"x y", "xy z"});
    EXPECT_EQ(tok.encode("xy", false, false), (Ids{'x', 'y'}));
    EXPECT_EQ(tok.encode("xyz", false, false), Ids{id(tok, "xyz")});
    EXPECT_EQ(tok.find_token("xy"), -1);
}

TEST(BpeMerge, LongWordsAreFastAndExact) {
    const BpeTokenizer tok = make({{"aa"}, {"aaaa"}}, {"a a", "aa aa"});
    const std::string text(200001, 'a');
    const Ids ids = tok.encode(text, false, false);
    ASSERT_EQ(ids.size(), 50001u);
    EXPECT_EQ(ids.back(), 'a');
    EXPECT_EQ(tok.decode(ids), text);
}

TEST(BpePre, Qwen2Words) {
    const BpeTokenizer tok = make({}, {});
    const auto words = [&](std::string_view s) {
        return tok.pre_tokenize(s);
    };
    EXPECT_EQ(words("Hello world"), (Strings{"Hello", " world"}));
    EXPECT_EQ(words("   Hello"), (Strings{"  ", " Hello"}));
    EXPECT_EQ(words("I've 123"), (Strings{"I", "'ve", " ", "1", "2", "3"}));
    EXPECT_EQ(words("WE'LL 'S"), (Strings{"WE", "'LL", " '", "S"}));
    EXPECT_EQ(words("(normal) (x"), (Strings{"(normal", ")", " (", "x"}));
    EXPECT_EQ(words("x!!\n\ny"), (Strings{"x", "!!\n\n", "y"}));
    EXPECT_EQ(words("a\n\n b"), (Strings{"a", "\n\n", " b"}));
    EXPECT_EQ(words("a \t\n \nb"), (Strings{"a", " \t\n \n", "b"}));
    EXPECT_EQ(words("a  "), (Strings{"a", "  "}));
    EXPECT_EQ(words("a \tb"), (Strings{"a", " ", "\tb"}));
    EXPECT_EQ(words("\nb"), (Strings{"\n", "b"}));
    EXPECT_EQ(words("3.14"), (Strings{"3", ".", "1", "4"}));
    EXPECT_EQ(words(""), Strings{});
    // Unicode classes: letters (Ä, 日本語), numbers (½), whitespace (U+3000), symbols (🚀).
    EXPECT_EQ(words("\xC3\x84pfel \xC2\xBD"), (Strings{"\xC3\x84pfel", " ", "\xC2\xBD"}));
    EXPECT_EQ(words("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
              Strings{"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"});
    EXPECT_EQ(words("a\xE3\x80\x80"
                    "b"),
              (Strings{"a",
                       "\xE3\x80\x80"
                       "b"}));
    EXPECT_EQ(words("go \xF0\x9F\x9A\x80!\n"), (Strings{"go", " \xF0\x9F\x9A\x80!\n"}));
}

TEST(BpePre, Gpt2Words) {
    const BpeTokenizer tok = make({}, {}, "gpt-2");
    EXPECT_EQ(tok.pre_tokenizer(), ruvllm::PreTokenizer::gpt2);
    const auto words = [&](std::string_view s) {
        return tok.pre_tokenize(s);
    };
    EXPECT_EQ(words("I've 123 abc"), (Strings{"I", "'ve", " 123", " abc"}));
    EXPECT_EQ(words("'S"), (Strings{"'", "S"}));  // case-sensitive contractions
    EXPECT_EQ(words("   Hello"), (Strings{"  ", " Hello"}));
    EXPECT_EQ(words("a \n"), (Strings{"a", " \n"}));
    EXPECT_EQ(words("x!!\n\ny"), (Strings{"x", "!!", "\n", "\n", "y"}));  // no \s prefix
    EXPECT_EQ(words(" (normal)"), (Strings{" (", "normal", ")"}));
}

TEST(BpeSpecial, ControlOnlyWithParseSpecialUserDefinedAlways) {
    const BpeTokenizer tok =
        make({{"<|end|>", TokenType::control}, {"<tool>", TokenType::user_defined}}, {});
    const int32_t end = id(tok, "<|end|>");
    const int32_t tool = id(tok, "<tool>");
    EXPECT_EQ(tok.encode("a<|end|>b", false, true), (Ids{'a', end, 'b'}));
    EXPECT_EQ(tok.encode("a<|end|>b", false, false), bytes_of("a<|end|>b"));
    EXPECT_EQ(tok.encode("<tool>x<tool>", false, false), (Ids{tool, 'x', tool}));
    EXPECT_EQ(tok.encode("<tool>x<tool>", false, true), (Ids{tool, 'x', tool}));
    EXPECT_EQ(tok.decode({'a', end, tool}), "a<|end|><tool>");
    EXPECT_EQ(tok.decode({'a', end, tool}, /*special=*/false), "a<tool>");
}

TEST(BpeSpecial, LongestFirstAndSplitsWords) {
    const BpeTokenizer tok =
        make({{"<s>", TokenType::control}, {"<s>x", TokenType::control}, {"ab"}}, {"a b"});
    const int32_t s = id(tok, "<s>");
    const int32_t sx = id(tok, "<s>x");
    EXPECT_EQ(tok.encode("<s>x<s>", false, true), (Ids{sx, s}));
    // A special token splits the word around it: "a" and "b" are never merged across it.
    EXPECT_EQ(tok.encode("a<s>b", false, true), (Ids{'a', s, 'b'}));
    EXPECT_EQ(tok.encode("ab", false, true), Ids{id(tok, "ab")});
}

TEST(BpeSpecial, AddBosAndEosOnlyWhenAskedFor) {
    gguf::File f = make_file({{"<bos>", TokenType::control}, {"<eos>", TokenType::control}}, {});
    f.set("tokenizer.ggml.bos_token_id", uint32_t{256});
    f.set("tokenizer.ggml.eos_token_id", uint32_t{257});
    ruvllm::Result<BpeTokenizer> plain = BpeTokenizer::from_gguf(f);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(plain->bos(), 256);
    EXPECT_EQ(plain->eos(), 257);
    EXPECT_EQ(plain->encode("a", true, false), Ids{'a'});  // add_bos_token absent: false
    f.set("tokenizer.ggml.add_bos_token", true);
    f.set("tokenizer.ggml.add_eos_token", true);
    ruvllm::Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(f);
    ASSERT_TRUE(tok) << tok.error().message;
    EXPECT_EQ(tok->encode("a", true, false), (Ids{256, 'a', 257}));
    EXPECT_EQ(tok->encode("a", false, false), Ids{'a'});
    EXPECT_EQ(tok->encode("", true, false), (Ids{256, 257}));
}

TEST(BpeUtf8, InvalidBytesAreDecodedLikeLlamaCpp) {
    const BpeTokenizer tok = make({}, {});
    const std::string fffd = "\xEF\xBF\xBD";
    const std::pair<std::string, std::string> cases[] = {
        // Bytes that start no sequence: one U+FFFD each.
        {"\xFF", fffd},
        {"a\x80"
         "b",
         "a" + fffd + "b"},
        {"\xE2\x82"
         "A",
         fffd + fffd + "A"},  // truncated
        {"abc\xC3", "abc" + fffd},
        {"\xF8\x88\x80\x80\x80", fffd + fffd + fffd + fffd + fffd},
        {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF
        // Structurally valid sequences are decoded leniently, as llama.cpp does.
        {"\xC0\x80", std::string("\0", 1)},  // overlong NUL
        {"\xC1\xBF", "\x7F"},                // overlong DEL
        {"\xED\xA0\x80", "\xED\xA0\x80"},    // surrogate U+D800 keeps its bytes
        {std::string("\0x", 2), std::string("\0x", 2)},
    };
    for (const auto& [in, decoded] : cases) {
        const Ids ids = tok.encode(in, false, false);
        EXPECT_EQ(tok.decode(ids), decoded) << in;
        std::string joined;
        for (const std::string& w : tok.pre_tokenize(in)) {
            joined += w;
        }
        EXPECT_EQ(joined, decoded) << in;
    }
    // The symbols are those of the decoded bytes: U+FFFD is EF BF BD.
    EXPECT_EQ(tok.encode("\x80", false, false), (Ids{0xEF, 0xBF, 0xBD}));
    EXPECT_EQ(tok.encode("\xC1\xBF", false, false), Ids{0x7F});
}

TEST(BpeUtf8, RandomBytesNeverCrash) {
    const BpeTokenizer tok = make({{"ab"}, {"<s>", TokenType::control}}, {"a b"});
    ruvllm::Rng rng(7);
    const std::string alphabet = "ab <s>\n\t'\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9A\x80";
    for (int round = 0; round < 2000; round++) {
        std::string text;
        const uint32_t n = rng.below(40);
        for (uint32_t i = 0; i < n; i++) {
            text += rng.below(2) == 0 ? static_cast<char>(rng.below(256))
                                      : alphabet[rng.below(static_cast<uint32_t>(alphabet.size()))];
        }
        const Ids ids = tok.encode(text, true, rng.below(2) == 0);
        for (const int32_t i : ids) {
            ASSERT_GE(i, 0);
            ASSERT_LT(i, tok.n_vocab());
        }
        const std::string back = tok.decode(ids);
        std::string joined;
        for (const std::string& w : tok.pre_tokenize(back)) {
            joined += w;
        }
        EXPECT_EQ(joined, back);  // decoding again changes nothing
    }
}

TEST(BpeRoundTrip, DecodeEncodeIsIdentity) {
    const BpeTokenizer tok =
        make({{"he"}, {"ll"}, {"hell"}, {"hello"}, {"<x>", TokenType::user_defined}},
             {"h e", "l l", "he ll", "hell o"});
    const std::string texts[] = {
        "hello world",
        "  hello\n\n\tworld  ",
        "I've got 3.14 \xF0\x9F\x9A\x80 and \xC3\x84pfel",
        "tab\there <x> user-defined",
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x80\x80text",
        std::string("nul\0byte", 8),
        "",
    };
    for (const std::string& t : texts) {
        EXPECT_EQ(tok.decode(tok.encode(t, false, false)), t);
        EXPECT_EQ(tok.decode(tok.encode(t, false, true)), t);
    }
}

TEST(BpeCache, SameIdsWithAndWithoutCacheAcrossThreads) {
    gguf::File f =
        make_file({{"he"}, {"ll"}, {"hell"}, {"hello"}}, {"h e", "l l", "he ll", "hell o"});
    ruvllm::BpeOptions no_cache;
    no_cache.cache_words = 0;
    ruvllm::BpeOptions tiny_cache;
    tiny_cache.cache_words = 3;  // cleared often
    ruvllm::Result<BpeTokenizer> plain = BpeTokenizer::from_gguf(f, no_cache);
    ruvllm::Result<BpeTokenizer> cached = BpeTokenizer::from_gguf(f, tiny_cache);
    ASSERT_TRUE(plain && cached);
    const std::string text = "hello hell he hello shell hello\nhello, yellow hello";
    const Ids expected = plain->encode(text, false, false);
    std::vector<std::thread> threads;
    std::vector<int> same(4, 0);
    for (size_t t = 0; t < same.size(); t++) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; i++) {
                same[t] += cached->encode(text, false, false) == expected ? 1 : 0;
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    for (const int n : same) {
        EXPECT_EQ(n, 200);
    }
}

TEST(BpeLoad, MissingAndUnsupportedKeys) {
    std::string msg;
    gguf::File f = make_file({}, {});
    f.remove("tokenizer.ggml.model");
    EXPECT_EQ(load_error(f, &msg), Errc::format);
    EXPECT_NE(msg.find("tokenizer.ggml.model"), std::string::npos) << msg;

    f = make_file({}, {});
    f.set("tokenizer.ggml.model", std::string("llama"));
    EXPECT_EQ(load_error(f, &msg), Errc::unsupported);
    EXPECT_NE(msg.find("'llama'"), std::string::npos) << msg;

    f = make_file({}, {}, "falcon");
    EXPECT_EQ(load_error(f, &msg), Errc::unsupported);
    EXPECT_NE(msg.find("'falcon'"), std::string::npos) << msg;

    f = make_file({}, {});
    f.remove("tokenizer.ggml.pre");
    EXPECT_EQ(load_error(f, &msg), Errc::unsupported);
    EXPECT_NE(msg.find("tokenizer.ggml.pre"), std::string::npos) << msg;

    for (const char* key : {"tokenizer.ggml.tokens", "tokenizer.ggml.merges"}) {
        f = make_file({}, {});
        f.remove(key);
        EXPECT_EQ(load_error(f, &msg), Errc::format) << key;
        EXPECT_NE(msg.find(key), std::string::npos) << msg;
    }
}

TEST(BpeLoad, MalformedMetadata) {
    std::string msg;
    gguf::File f = make_file({}, {});
    f.set("tokenizer.ggml.tokens", uint32_t{3});
    EXPECT_EQ(load_error(f, &msg), Errc::format);
    EXPECT_NE(msg.find("tokenizer.ggml.tokens"), std::string::npos) << msg;

    f = make_file({}, {});
    f.set("tokenizer.ggml.token_type", gguf::Array::of(std::vector<int32_t>(10, 1)));
    EXPECT_EQ(load_error(f, &msg), Errc::format);
    EXPECT_NE(msg.find("tokenizer.ggml.token_type"), std::string::npos) << msg;

    f = make_file({}, {"ab"});
    EXPECT_EQ(load_error(f, &msg), Errc::format);
    EXPECT_NE(msg.find("tokenizer.ggml.merges"), std::string::npos) << msg;

    f = make_file({}, {});
    f.set("tokenizer.ggml.bos_token_id", uint32_t{256});
    EXPECT_EQ(load_error(f, &msg), Errc::format);
    EXPECT_NE(msg.find("tokenizer.ggml.bos_token_id"), std::string::npos) << msg;

    f = make_file({}, {});
    f.set("tokenizer.ggml.add_bos_token", true);
    EXPECT_EQ(load_error(f, &msg), Errc::format);
    EXPECT_NE(msg.find("add_bos_token"), std::string::npos) << msg;

    f = make_file({}, {});
    f.set("tokenizer.ggml.add_eos_token", uint32_t{1});
    EXPECT_EQ(load_error(f, &msg), Errc::format);

    // token_type is optional: every token is then normal.
    f = make_file({{"<s>", TokenType::control}}, {});
    f.remove("tokenizer.ggml.token_type");
    ruvllm::Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(f);
    ASSERT_TRUE(tok) << tok.error().message;
    EXPECT_EQ(tok->token_type(256), TokenType::normal);
    EXPECT_EQ(tok->encode("<s>", false, true), bytes_of("<s>"));
}
