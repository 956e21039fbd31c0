// bpe_golden_test.cpp (label: interop): our BPE tokenizer against llama.cpp.
//   1. Reference tokenizations: models/ggml-vocab-*.gguf with their .inp / .out files, written
//      by llama.cpp's test-tokenizer-0 (add_special = false, parse_special = false). Every case
//      must give the same ids.
//   2. Differential: llama.cpp's own llama_tokenize / llama_token_to_piece (libllama from the
//      npm oracle, loaded with dlopen; the vocab GGUF loaded with vocab_only) on thousands of
//      random texts built from tricky pieces (contractions, Unicode whitespace, marks, digits of
//      other scripts, emoji, special-token texts, invalid and overlong UTF-8), all four
//      add_special / parse_special combinations.
// Skips with a message when the fixtures are not installed (scripts/fetch_oracles).
//
// Fixture format: <vocab>.gguf.inp holds the test texts, each followed by the line
// "__ggml_vocab_test__" (so texts are separated by "\n__ggml_vocab_test__\n", and may be empty
// or span lines); <vocab>.gguf.out holds one line per text: its ids, each preceded by a space.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/bpe.h>

#include "testutil.h"
#include <dlfcn.h>

namespace {

namespace fs = std::filesystem;
using ruvllm::BpeTokenizer;

struct Case {
    std::string text;
    std::vector<int32_t> ids;
};

fs::path vocab_dir() {
    return fs::path(RUVLLM_ORACLE_DIR) / "llama-vocab";
}

// The cases of ggml-vocab-<name>.gguf; fails the test (and returns nothing) on a malformed pair.
std::vector<Case> read_cases(const std::string& name) {
    const std::string inp = ruvllm::test::slurp(vocab_dir() / ("ggml-vocab-" + name + ".gguf.inp"));
    const std::string out = ruvllm::test::slurp(vocab_dir() / ("ggml-vocab-" + name + ".gguf.out"));
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<Case> cases;
    size_t pos = 0;
    while (pos < inp.size()) {
        const size_t next = inp.find(sep, pos);
        if (next == std::string::npos) {
            ADD_FAILURE() << name << ".inp: text after the last separator at byte " << pos;
            return {};
        }
        cases.push_back(Case{inp.substr(pos, next - pos), {}});
        pos = next + sep.size();
    }
    std::istringstream lines(out);
    std::string line;
    size_t i = 0;
    while (std::getline(lines, line)) {
        if (i == cases.size()) {
            ADD_FAILURE() << name << ".out: more lines than the " << cases.size() << " texts";
            return {};
        }
        std::istringstream ids(line);
        int64_t id = 0;
        while (ids >> id) {
            cases[i].ids.push_back(static_cast<int32_t>(id));
        }
        if (!ids.eof()) {
            ADD_FAILURE() << name << ".out:" << i + 1 << ": not a list of ids: " << line;
            return {};
        }
        i++;
    }
    if (i != cases.size()) {
        ADD_FAILURE() << name << ".out: " << i << " lines for " << cases.size() << " texts";
        return {};
    }
    return cases;
}

std::string join(const std::vector<int32_t>& ids) {
    std::string s;
    for (const int32_t id : ids) {
        s += " " + std::to_string(id);
    }
    return s;
}

// Tokenizes every case of a vocab and requires llama.cpp's ids for each; prints the tally.
void expect_all_cases(const std::string& name, size_t min_cases) {
    const fs::path gguf_path = vocab_dir() / ("ggml-vocab-" + name + ".gguf");
    if (!fs::exists(gguf_path)) {
        GTEST_SKIP() << "interop skipped: " << gguf_path
                     << " not found (run scripts/fetch_oracles)";
    }
    ruvllm::Result<ruvllm::gguf::File> file = ruvllm::gguf::read_file(gguf_path);
    ASSERT_TRUE(file) << file.error().message;
    ruvllm::Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(*file);
    ASSERT_TRUE(tok) << tok.error().message;

    const std::vector<Case> cases = read_cases(name);
    ASSERT_GE(cases.size(), min_cases);
    size_t n_same = 0;
    for (size_t i = 0; i < cases.size(); i++) {
        const std::vector<int32_t> got = tok->encode(cases[i].text, false, false);
        if (got == cases[i].ids) {
            n_same++;
        } else {
            ADD_FAILURE() << name << " case " << i << " '" << cases[i].text
                          << "'\n  llama.cpp:" << join(cases[i].ids)
                          << "\n  ours:     " << join(got);
        }
        EXPECT_EQ(tok->decode(got), cases[i].text) << name << " case " << i;
    }
    std::printf("[ golden   ] %s: %zu of %zu cases identical to llama.cpp\n",
                name.c_str(),
                n_same,
                cases.size());
    EXPECT_EQ(n_same, cases.size());
}

// llama.cpp's tokenizer through the C API of the prebuilt libllama (dlopen). The one struct we
// pass, llama_model_params, is taken from llama_model_default_params() and only its vocab_only
// flag is set; its offset is checked against the defaults of the pinned build (3.21.1).
class LlamaTokenizer {
public:
    explicit LlamaTokenizer(const fs::path& vocab) {
        const fs::path dir = fs::path(RUVLLM_ORACLE_DIR) / "llama-cpp-linux-x64/bins/linux-x64";
        void* ggml = open_lib(dir, "libggml.");
        void* llama = open_lib(dir, "libllama.");
        if (ggml == nullptr || llama == nullptr) {
            return;
        }
        using LogCallback = void (*)(int, const char*, void*);
        auto log_set = sym<void (*)(LogCallback, void*)>(llama, "llama_log_set");
        auto load_backends = sym<void (*)(const char*)>(ggml, "ggml_backend_load_all_from_path");
        auto default_params = sym<Params (*)()>(llama, "llama_model_default_params");
        auto load = sym<void* (*)(const char*, Params)>(llama, "llama_model_load_from_file");
        auto get_vocab = sym<const void* (*)(const void*)>(llama, "llama_model_get_vocab");
        tokenize_ = sym<Tokenize>(llama, "llama_tokenize");
        to_piece_ = sym<ToPiece>(llama, "llama_token_to_piece");
        if (!error.empty()) {
            return;
        }
        log_set([](int, const char*, void*) {}, nullptr);
        load_backends(dir.c_str());
        Params p = default_params();
        // vocab_only, check_tensors, use_extra_bufts: false, false, true by default.
        if (p.bytes[kVocabOnly] != 0 || p.bytes[kVocabOnly + 2] != 1) {
            error = "llama_model_params layout not recognised (another llama.cpp build?)";
            return;
        }
        p.bytes[kVocabOnly] = 1;
        model_ = load(vocab.c_str(), p);
        if (model_ == nullptr) {
            error = "llama.cpp could not load " + vocab.string();
            return;
        }
        vocab_ = get_vocab(model_);
    }

    std::vector<int32_t> tokenize(const std::string& text, bool add_special, bool parse_special) {
        std::vector<int32_t> ids(text.size() + 8);
        const int32_t n = tokenize_(vocab_,
                                    text.data(),
                                    static_cast<int32_t>(text.size()),
                                    ids.data(),
                                    static_cast<int32_t>(ids.size()),
                                    add_special,
                                    parse_special);
        ids.resize(n < 0 ? 0 : static_cast<size_t>(n));
        return ids;
    }

    std::string detokenize(const std::vector<int32_t>& ids, bool special) {
        std::string out;
        char buf[256];
        for (const int32_t id : ids) {
            const int32_t n = to_piece_(vocab_, id, buf, sizeof(buf), 0, special);
            out.append(buf, n < 0 ? 0 : static_cast<size_t>(n));
        }
        return out;
    }

    std::string error;  // why llama.cpp is unavailable

private:
    static constexpr size_t kVocabOnly = 72;  // offsetof(llama_model_params, vocab_only)

    struct alignas(16) Params {  // larger than llama_model_params: returned and passed in memory
        unsigned char bytes[512];
    };

    using Tokenize = int32_t (*)(const void*, const char*, int32_t, int32_t*, int32_t, bool, bool);
    using ToPiece = int32_t (*)(const void*, int32_t, char*, int32_t, int32_t, bool);

    void* open_lib(const fs::path& dir, const std::string& prefix) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            const std::string name = e.path().filename().string();
            if (name.rfind(prefix, 0) == 0 && name.size() > 3 &&
                name.compare(name.size() - 3, 3, ".so") == 0) {
                void* h = dlopen(e.path().c_str(), RTLD_NOW | RTLD_GLOBAL);
                if (h == nullptr) {
                    error = std::string("dlopen failed: ") + dlerror();
                }
                return h;
            }
        }
        error = "llama.cpp oracle not installed (" + dir.string() + "/" + prefix + "*.so)";
        return nullptr;
    }

    template <class F>
    F sym(void* lib, const char* name) {
        void* f = dlsym(lib, name);
        if (f == nullptr) {
            error += std::string("missing symbol ") + name + "; ";
        }
        return reinterpret_cast<F>(f);
    }

    void* model_ = nullptr;  // never freed: the test process ends
    const void* vocab_ = nullptr;
    Tokenize tokenize_ = nullptr;
    ToPiece to_piece_ = nullptr;
};

// Pieces that random test texts are made of.
const char* const kPieces[] = {
    "a",
    "b",
    "Z",
    "hello",
    " world",
    "3",
    "42",
    "!",
    "?",
    ".",
    ",",
    "(",
    ")",
    "-",
    "'",
    "'s",
    "'S",
    "'re",
    "'LL",
    "'ve",
    "'m",
    "'d",
    "'t",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\v",
    "\f",
    "\xC2\xA0",      // no-break space
    "\xE3\x80\x80",  // ideographic space
    "\xE2\x80\xA8",  // line separator
    "\xC2\x85",      // next line (C1 control, White_Space)
    "\xE2\x80\x8B",  // zero-width space (Cf, not White_Space)
    "\xCC\x81",
    "e\xCC\x81",  // combining acute (Mn)
    "\xC3\xA9",
    "\xE6\x97\xA5\xE6\x9C\xAC",
    "\xF0\x9F\x9A\x80",
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",  // emoji ZWJ sequence
    "\xE1\x9E\x80\xE1\x9E\xB6",                      // Khmer (letter + vowel sign)
    "\xD9\xA3",
    "\xC2\xB2",
    "\xE2\x85\xAB",
    "\xC2\xBD",  // Arabic-Indic 3, ², Ⅻ, ½
    "\xD0\x9F\xD1\x80\xD0\xB8",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "[PAD151650]",
    "<|im_start",
    "\x80",
    "\xC3",
    "\xFF",
    "\xE2\x82",
    "\xF0\x9F\x9A",  // invalid UTF-8
    "\xC0\x80",
    "\xC1\xBF",
    "\xED\xA0\x80",  // overlong forms, a surrogate
    "$",
    "+",
    "<",
    ">",
    "=",
    "^",
    "`",
    "|",
    "~",
    "_",
    "\\",
    "\"",
    "#",
    "%",
    "&",
    "*",
    "/",
    ":",
    ";",
    "@",
    "[",
    "]",
    "{",
    "}",
    "\xE2\x80\x94",
    "\xE2\x80\x9C",
    "\xC2\xAB",
    "\xC2\xA9",
    "\xE2\x82\xAC",
    "\xEF\xBC\x81",
    "\xE3\x80\x82",
    "\x01",
    "\x1F",
    "\x7F",
    "\xEF\xBF\xBD",
    "\xF3\xA0\x80\x81",
    "\xEE\x80\x80",
    "\xF0\x9D\x90\x80",
    "\xF0\x9F\x8F\xBB",
    "<|endoftext|",
    "<|endoftext|><|endoftext|>",
    "                ",
    "\n\n\n",
    " \n \n",
};

// Our ids and llama.cpp's for `n_texts` random texts (and decode against token_to_piece).
void expect_same_as_llama(const std::string& name, uint64_t seed, int n_texts) {
    const fs::path path = vocab_dir() / ("ggml-vocab-" + name + ".gguf");
    if (!fs::exists(path)) {
        GTEST_SKIP() << "interop skipped: " << path << " not found (run scripts/fetch_oracles)";
    }
    LlamaTokenizer llama(path);
    if (!llama.error.empty()) {
        GTEST_SKIP() << "interop skipped: " << llama.error;
    }
    ruvllm::Result<ruvllm::gguf::File> file = ruvllm::gguf::read_file(path);
    ASSERT_TRUE(file) << file.error().message;
    ruvllm::Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(*file);
    ASSERT_TRUE(tok) << tok.error().message;
    // The harness itself: llama.cpp reproduces its own reference file.
    for (const Case& c : read_cases(name)) {
        ASSERT_EQ(llama.tokenize(c.text, false, false), c.ids) << "harness broken on " << c.text;
    }
    ruvllm::Rng rng(seed);
    const auto n_pieces = static_cast<uint32_t>(std::size(kPieces));
    int n_same = 0;
    int n_reported = 0;
    for (int i = 0; i < n_texts; i++) {
        std::string text;
        for (uint32_t k = rng.below(16); k > 0; k--) {
            text += kPieces[rng.below(n_pieces)];
        }
        const bool add_special = rng.below(2) == 1;
        const bool parse_special = rng.below(2) == 1;
        const std::vector<int32_t> expected = llama.tokenize(text, add_special, parse_special);
        const std::vector<int32_t> got = tok->encode(text, add_special, parse_special);
        const bool special = rng.below(2) == 1;
        if (got == expected && tok->decode(got, special) == llama.detokenize(got, special)) {
            n_same++;
        } else if (n_reported++ < 10) {
            ADD_FAILURE() << name << " text '" << text << "' add_special " << add_special
                          << " parse_special " << parse_special
                          << "\n  llama.cpp:" << join(expected) << "\n  ours:     " << join(got);
        }
    }
    std::printf("[ llama    ] %s: %d of %d random texts identical to llama.cpp\n",
                name.c_str(),
                n_same,
                n_texts);
    EXPECT_EQ(n_same, n_texts);
}
}  // namespace

TEST(BpeGolden, Qwen2AllCasesMatchLlamaCpp) {
    expect_all_cases("qwen2", 40);
}

TEST(BpeGolden, Gpt2AllCasesMatchLlamaCpp) {
    expect_all_cases("gpt-2", 40);
}

// MPT's vocabulary (GPT-NeoX's) has 178 user-defined tokens, runs of spaces among them: this
// checks that they are cut out before pre-tokenization even without parse_special.
TEST(BpeGolden, MptAllCasesMatchLlamaCpp) {
    expect_all_cases("mpt", 40);
}

TEST(BpeGolden, Qwen2VocabularyAndSpecialTokens) {
    const fs::path path = vocab_dir() / "ggml-vocab-qwen2.gguf";
    if (!fs::exists(path)) {
        GTEST_SKIP() << "interop skipped: " << path << " not found (run scripts/fetch_oracles)";
    }
    ruvllm::Result<ruvllm::gguf::File> file = ruvllm::gguf::read_file(path);
    ASSERT_TRUE(file) << file.error().message;
    ruvllm::Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(*file);
    ASSERT_TRUE(tok) << tok.error().message;
    EXPECT_EQ(tok->n_vocab(), 151936);
    EXPECT_EQ(tok->n_merges(), 151387u);
    EXPECT_EQ(tok->pre_tokenizer(), ruvllm::PreTokenizer::qwen2);
    EXPECT_EQ(tok->bos(), 151643);
    EXPECT_EQ(tok->eos(), 151643);
    EXPECT_FALSE(tok->add_bos());  // no tokenizer.ggml.add_bos_token in this file

    const int32_t im_start = tok->find_token("<|im_start|>");
    const int32_t im_end = tok->find_token("<|im_end|>");
    ASSERT_GE(im_start, 0);
    ASSERT_GE(im_end, 0);
    EXPECT_EQ(tok->token_type(im_start), ruvllm::TokenType::control);
    const std::string chat = "<|im_start|>user\nHello world<|im_end|>";
    const std::vector<int32_t> parsed = tok->encode(chat, true, true);
    const std::vector<int32_t> body = tok->encode("user\nHello world", false, false);
    std::vector<int32_t> expected{im_start};
    expected.insert(expected.end(), body.begin(), body.end());
    expected.push_back(im_end);
    EXPECT_EQ(parsed, expected);
    EXPECT_EQ(tok->decode(parsed), chat);
    EXPECT_EQ(tok->decode(parsed, /*special=*/false), "user\nHello world");
    // Without parse_special the control token's text is ordinary text.
    const std::vector<int32_t> plain = tok->encode(chat, false, false);
    EXPECT_EQ(std::count(plain.begin(), plain.end(), im_start), 0);
    EXPECT_EQ(tok->decode(plain), chat);
}

TEST(BpeDifferential, Qwen2RandomTextsMatchLlamaTokenize) {
    expect_same_as_llama("qwen2", 1, 5000);
}

TEST(BpeDifferential, Gpt2RandomTextsMatchLlamaTokenize) {
    expect_same_as_llama("gpt-2", 2, 3000);
}

TEST(BpeDifferential, MptRandomTextsMatchLlamaTokenize) {
    expect_same_as_llama("mpt", 3, 3000);
}
