// bpe.cpp: byte-level BPE from GGUF metadata (see bpe.h). Layout of this file: GPT-2 byte map,
// merge table, loading, merging one word, special-token partitioning, encode / decode. UTF-8
// decoding and the pre-tokenizers are in bpe_pre_internal.h.
#include <algorithm>
#include <deque>
#include <functional>
#include <iterator>
#include <limits>
#include <mutex>
#include <unordered_map>

#include <ruvllm/transformer/bpe.h>

#include "transformer/bpe_pre_internal.h"

namespace ruvllm {

namespace {

using namespace bpe_pre;  // NOLINT(google-build-using-namespace): this module's own helpers

// ---- GPT-2 byte <-> code point map ----

constexpr uint32_t kNoByte = 0xFFFFFFFF;
constexpr size_t kByteCodePoints = 256 + 68;  // the largest symbol code point is U+0143

struct ByteMap {
    uint32_t cp_of[256] = {};
    uint32_t byte_of[kByteCodePoints] = {};  // kNoByte where a code point is no byte symbol

    ByteMap() {
        std::fill(std::begin(byte_of), std::end(byte_of), kNoByte);
        uint32_t next = 256;
        for (uint32_t b = 0; b < 256; b++) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
            cp_of[b] = printable ? b : next++;
            byte_of[cp_of[b]] = b;
        }
    }
};

const ByteMap& byte_map() {
    static const ByteMap m;
    return m;
}

// ---- merge table: (left id, right id) -> (rank, merged id), open addressing ----

struct Merge {
    int32_t rank = -1;
    int32_t merged = -1;
};

class PairMap {
public:
    void reserve(size_t n) {
        size_t cap = 16;
        bits_ = 4;
        while (cap * 3 < n * 5) {  // load factor <= 0.6
            cap *= 2;
            bits_++;
        }
        slots_.assign(cap, Slot{});
    }

    // Keeps the first value of a key (llama.cpp: the first rank of a repeated merge wins).
    void insert(int32_t left, int32_t right, Merge m) {
        const uint64_t key = pack(left, right);
        size_t i = slot(key);
        while (slots_[i].key != kEmpty) {
            if (slots_[i].key == key) {
                return;
            }
            i = (i + 1) & (slots_.size() - 1);
        }
        slots_[i] = Slot{key, m};
    }

    const Merge* find(int32_t left, int32_t right) const {
        const uint64_t key = pack(left, right);
        for (size_t i = slot(key);; i = (i + 1) & (slots_.size() - 1)) {
            if (slots_[i].key == key) {
                return &slots_[i].merge;
            }
            if (slots_[i].key == kEmpty) {
                return nullptr;
            }
        }
    }

private:
    static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are >= 0, so no key has bit 63

    struct Slot {  // key and value in one cache line: one miss per lookup
        uint64_t key = kEmpty;
        Merge merge;
    };

    static uint64_t pack(int32_t left, int32_t right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
               static_cast<uint32_t>(right);
    }

    size_t slot(uint64_t key) const {
        return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - bits_));
    }

    std::vector<Slot> slots_;
    int bits_ = 0;
};

struct StringHash {
    using is_transparent = void;

    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

// ---- the vocabulary ----

struct BpeTokenizer::Vocab {
    std::vector<std::string> tokens;
    std::vector<TokenType> types;
    // Symbols that merges or the byte map can form but that are no tokens (ids n_vocab + k); a
    // final symbol of this kind is emitted byte by byte. A deque: views into it stay valid.
    std::deque<std::string> extra;
    std::unordered_map<std::string_view, int32_t> ids;  // text -> id (tokens: the last id wins)
    int32_t byte_ids[256] = {};                         // byte -> its symbol
    PairMap merges;
    size_t n_merges = 0;
    std::vector<int32_t> specials;  // control / user-defined / unknown, longest text first
    int32_t bos = -1;
    int32_t eos = -1;
    bool add_bos = false;
    bool add_eos = false;
    PreTokenizer pre = PreTokenizer::qwen2;

    int32_t n_vocab() const { return static_cast<int32_t>(tokens.size()); }

    int32_t find(std::string_view text) const {
        const auto it = ids.find(text);
        return it == ids.end() ? -1 : it->second;
    }

    // The id of a symbol text: a token's, else an extra symbol's (added if new).
    int32_t intern(std::string_view text) {
        const int32_t id = find(text);
        if (id >= 0) {
            return id;
        }
        extra.emplace_back(text);
        const auto new_id = static_cast<int32_t>(tokens.size() + extra.size() - 1);
        ids.emplace(extra.back(), new_id);
        return new_id;
    }

    // Appends the tokens of a final symbol: itself, or for an extra symbol each of its bytes that
    // is a token on its own (llama.cpp's fallback; bytes of multi-byte symbols are dropped).
    void emit(int32_t id, std::vector<int32_t>& out) const {
        if (id < n_vocab()) {
            out.push_back(id);
            return;
        }
        for (const char c : extra[static_cast<size_t>(id - n_vocab())]) {
            const int32_t b = find(std::string_view(&c, 1));
            if (b >= 0 && b < n_vocab()) {
                out.push_back(b);
            }
        }
    }
};

struct BpeTokenizer::Cache {
    std::mutex mu;
    size_t capacity = 0;
    std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> words;
};

namespace {

using Vocab = BpeTokenizer::Vocab;

// Ids of tokens and extra symbols (at most 256 + 3 per merge) must fit int32_t.
constexpr size_t kMaxTokens = size_t{1} << 29;
constexpr size_t kMaxMerges = size_t{1} << 28;

// ---- loading ----

Error key_error(std::string_view key, const std::string& what) {
    return make_error(Errc::format, "bpe: key '" + std::string(key) + "' " + what);
}

// An integer key of any integer type as int64; `fallback` when absent.
Result<int64_t> get_integer(const gguf::File& f, std::string_view key, int64_t fallback) {
    const gguf::Value* v = f.find(key);
    if (v == nullptr) {
        return fallback;
    }
    return std::visit(
        [&](const auto& x) -> Result<int64_t> {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
                if constexpr (std::is_same_v<T, uint64_t>) {
                    if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
                        return key_error(key, "is too large, expected a token id");
                    }
                }
                return static_cast<int64_t>(x);
            } else {
                return key_error(key,
                                 std::string("is ") + gguf::type_name(gguf::value_type(*v)) +
                                     ", expected an integer");
            }
        },
        *v);
}

Result<bool> get_bool(const gguf::File& f, std::string_view key) {
    const gguf::Value* v = f.find(key);
    if (v == nullptr) {
        return false;
    }
    if (const bool* b = std::get_if<bool>(v)) {
        return *b;
    }
    return key_error(
        key, std::string("is ") + gguf::type_name(gguf::value_type(*v)) + ", expected bool");
}

template <class T>
Result<std::vector<T>> get_array(const gguf::File& f, std::string_view key, const char* expected) {
    const gguf::Value* v = f.find(key);
    if (v == nullptr) {
        return key_error(key, std::string("not found, expected ") + expected);
    }
    const gguf::Array* a = std::get_if<gguf::Array>(v);
    if (a == nullptr || a->type != gguf::detail::type_of<T>()) {
        return key_error(key,
                         std::string("is ") +
                             (a == nullptr ? gguf::type_name(gguf::value_type(*v))
                                           : std::string("an array of ") + type_name(a->type)) +
                             ", expected " + expected);
    }
    return a->values<T>();
}

Result<PreTokenizer> parse_pre(const gguf::File& f) {
    const gguf::Value* v = f.find("tokenizer.ggml.pre");
    if (v == nullptr) {
        return make_error(Errc::unsupported,
                          "bpe: key 'tokenizer.ggml.pre' not found: llama.cpp's 'default' "
                          "pre-tokenizer is not supported, expected 'qwen2', 'gpt-2' or 'mpt'");
    }
    const std::string* pre = std::get_if<std::string>(v);
    if (pre == nullptr) {
        return key_error("tokenizer.ggml.pre",
                         "is not a string, expected 'qwen2', 'gpt-2' or 'mpt'");
    }
    if (*pre == "qwen2" || *pre == "deepseek-r1-qwen") {
        return PreTokenizer::qwen2;
    }
    if (*pre == "gpt-2" || *pre == "mpt") {  // llama.cpp gives MPT the GPT-2 expression
        return PreTokenizer::gpt2;
    }
    return make_error(Errc::unsupported,
                      "bpe: tokenizer.ggml.pre '" + *pre +
                          "' is not supported, expected 'qwen2', 'gpt-2' or 'mpt'");
}

Status check_model(const gguf::File& f) {
    const gguf::Value* v = f.find("tokenizer.ggml.model");
    if (v == nullptr) {
        return key_error("tokenizer.ggml.model", "not found, expected \"gpt2\"");
    }
    const std::string* model = std::get_if<std::string>(v);
    if (model == nullptr) {
        return key_error("tokenizer.ggml.model", "is not a string, expected \"gpt2\"");
    }
    if (*model != "gpt2") {
        return make_error(Errc::unsupported,
                          "bpe: tokenizer.ggml.model '" + *model +
                              "' is not supported, expected 'gpt2' (byte-level BPE)");
    }
    return ok();
}

// tokens, token_type, the text -> id map and the byte symbols.
Status load_tokens(const gguf::File& f, Vocab& v) {
    Result<std::vector<std::string>> tokens =
        get_array<std::string>(f, "tokenizer.ggml.tokens", "a string array");
    if (!tokens) {
        return tokens.error();
    }
    if (tokens->empty() || tokens->size() > kMaxTokens) {
        return key_error("tokenizer.ggml.tokens",
                         "has " + std::to_string(tokens->size()) + " tokens, expected 1 to " +
                             std::to_string(kMaxTokens));
    }
    v.tokens = std::move(*tokens);
    v.types.assign(v.tokens.size(), TokenType::normal);
    if (f.find("tokenizer.ggml.token_type") != nullptr) {
        Result<std::vector<int32_t>> types =
            get_array<int32_t>(f, "tokenizer.ggml.token_type", "an i32 array");
        if (!types) {
            return types.error();
        }
        if (types->size() != v.tokens.size()) {
            return key_error("tokenizer.ggml.token_type",
                             "has " + std::to_string(types->size()) + " elements, expected " +
                                 std::to_string(v.tokens.size()) + " (one per token)");
        }
        for (size_t i = 0; i < types->size(); i++) {
            const int32_t t = (*types)[i];
            v.types[i] = t >= 1 && t <= 6 ? static_cast<TokenType>(t) : TokenType::undefined;
        }
    }
    v.ids.reserve(v.tokens.size() * 2);
    for (size_t i = 0; i < v.tokens.size(); i++) {
        v.ids[v.tokens[i]] = static_cast<int32_t>(i);
    }
    std::string sym;
    for (uint32_t b = 0; b < 256; b++) {
        sym.clear();
        append_utf8(byte_map().cp_of[b], sym);
        v.byte_ids[b] = v.intern(sym);
    }
    return ok();
}

Status load_merges(const std::vector<std::string>& merges, Vocab& v) {
    if (merges.size() > kMaxMerges) {
        return key_error("tokenizer.ggml.merges",
                         "has " + std::to_string(merges.size()) + " merges, expected at most " +
                             std::to_string(kMaxMerges));
    }
    v.merges.reserve(merges.size());
    v.n_merges = merges.size();
    std::string joined;
    for (size_t r = 0; r < merges.size(); r++) {
        const std::string& m = merges[r];
        const size_t space = m.size() < 2 ? std::string::npos : m.find(' ', 1);
        if (space == std::string::npos) {
            return key_error("tokenizer.ggml.merges",
                             "element " + std::to_string(r) + " '" + m +
                                 "' has no space, expected 'left right'");
        }
        const std::string_view left(m.data(), space);
        const std::string_view right = std::string_view(m).substr(space + 1);
        joined.assign(left);
        joined.append(right);
        const int32_t l = v.intern(left);
        const int32_t rt = v.intern(right);
        v.merges.insert(l, rt, Merge{static_cast<int32_t>(r), v.intern(joined)});
    }
    return ok();
}

Status load_specials(const gguf::File& f, Vocab& v) {
    const auto n = static_cast<int64_t>(v.tokens.size());
    for (const auto& [key, id_out] :
         {std::pair<const char*, int32_t*>{"tokenizer.ggml.bos_token_id", &v.bos},
          {"tokenizer.ggml.eos_token_id", &v.eos}}) {
        Result<int64_t> id = get_integer(f, key, -1);
        if (!id) {
            return id.error();
        }
        if (*id != -1 && (*id < 0 || *id >= n)) {
            return key_error(
                key,
                "is " + std::to_string(*id) + ", expected a token id below " + std::to_string(n));
        }
        *id_out = static_cast<int32_t>(*id);
    }
    for (const auto& [key, flag] :
         {std::pair<const char*, bool*>{"tokenizer.ggml.add_bos_token", &v.add_bos},
          {"tokenizer.ggml.add_eos_token", &v.add_eos}}) {
        Result<bool> b = get_bool(f, key);
        if (!b) {
            return b.error();
        }
        *flag = *b;
    }
    if ((v.add_bos && v.bos < 0) || (v.add_eos && v.eos < 0)) {
        return make_error(Errc::format,
                          std::string("bpe: key 'tokenizer.ggml.add_") +
                              (v.add_bos && v.bos < 0 ? "bos" : "eos") +
                              "_token' is true but the model has no such token id");
    }
    for (int32_t id = 0; id < v.n_vocab(); id++) {
        const TokenType t = v.types[static_cast<size_t>(id)];
        if ((t == TokenType::control || t == TokenType::user_defined || t == TokenType::unknown) &&
            !v.tokens[static_cast<size_t>(id)].empty()) {
            v.specials.push_back(id);
        }
    }
    std::stable_sort(v.specials.begin(), v.specials.end(), [&](int32_t a, int32_t b) {
        return v.tokens[static_cast<size_t>(a)].size() > v.tokens[static_cast<size_t>(b)].size();
    });
    return ok();
}

// ---- merging one word ----

struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;  // -1 at the ends
};

struct Candidate {
    int32_t rank;
    int32_t left;  // symbol positions
    int32_t right;
    int32_t left_id;  // the ids when the candidate was made (stale when they changed)
    int32_t right_id;
    int32_t merged;
};

// Heap order: lowest rank first, then leftmost.
struct After {
    bool operator()(const Candidate& a, const Candidate& b) const {
        return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
    }
};

void push_candidate(const Vocab& v,
                    const std::vector<Symbol>& syms,
                    int32_t left,
                    std::vector<Candidate>& heap) {
    if (left < 0) {
        return;
    }
    const int32_t right = syms[static_cast<size_t>(left)].next;
    if (right < 0) {
        return;
    }
    const int32_t l = syms[static_cast<size_t>(left)].id;
    const int32_t r = syms[static_cast<size_t>(right)].id;
    const Merge* m = v.merges.find(l, r);
    if (m == nullptr) {
        return;
    }
    heap.push_back(Candidate{m->rank, left, right, l, r, m->merged});
    std::push_heap(heap.begin(), heap.end(), After{});
}

// Appends the tokens of one word (raw bytes): merges lowest rank first, leftmost on ties.
void merge_word(const Vocab& v, std::string_view word, std::vector<int32_t>& out) {
    const auto n = static_cast<int32_t>(word.size());
    if (n == 1) {
        v.emit(v.byte_ids[static_cast<uint8_t>(word[0])], out);
        return;
    }
    std::vector<Symbol> syms(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++) {
        syms[static_cast<size_t>(i)] =
            Symbol{v.byte_ids[static_cast<uint8_t>(word[static_cast<size_t>(i)])],
                   i - 1,
                   i + 1 < n ? i + 1 : -1};
    }
    std::vector<Candidate> heap;
    heap.reserve(static_cast<size_t>(n));
    for (int32_t i = 0; i + 1 < n; i++) {
        push_candidate(v, syms, i, heap);
    }
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), After{});
        const Candidate c = heap.back();
        heap.pop_back();
        Symbol& left = syms[static_cast<size_t>(c.left)];
        Symbol& right = syms[static_cast<size_t>(c.right)];
        if (left.id != c.left_id || right.id != c.right_id || left.next != c.right) {
            continue;  // one side was merged since
        }
        left.id = c.merged;
        left.next = right.next;
        if (right.next >= 0) {
            syms[static_cast<size_t>(right.next)].prev = c.left;
        }
        right.id = -1;
        push_candidate(v, syms, left.prev, heap);
        push_candidate(v, syms, c.left, heap);
    }
    for (int32_t i = 0; i >= 0; i = syms[static_cast<size_t>(i)].next) {
        v.emit(syms[static_cast<size_t>(i)].id, out);
    }
}

// merge_word through the cache; `ids` is scratch space.
void merge_word_cached(const Vocab& v,
                       BpeTokenizer::Cache& cache,
                       std::string_view word,
                       std::vector<int32_t>& ids,
                       std::vector<int32_t>& out) {
    if (cache.capacity == 0) {
        merge_word(v, word, out);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(cache.mu);
        const auto it = cache.words.find(word);
        if (it != cache.words.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    ids.clear();
    merge_word(v, word, ids);
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard<std::mutex> lock(cache.mu);
    if (cache.words.size() >= cache.capacity) {
        cache.words.clear();
    }
    cache.words.emplace(word, ids);
}

// ---- special tokens ----

struct Fragment {
    int32_t token;  // -1 for text
    size_t begin;
    size_t end;
};

// Cuts the special tokens out of `text`, longest first (llama.cpp's tokenizer_st_partition).
std::vector<Fragment> partition(const Vocab& v, std::string_view text, bool parse_special) {
    std::vector<Fragment> frags{{-1, 0, text.size()}};
    if (v.specials.empty()) {
        return frags;
    }
    // Qwen2 has 293 special tokens: look only for those whose first byte occurs in the text.
    bool has_byte[256] = {};
    for (const char c : text) {
        has_byte[static_cast<uint8_t>(c)] = true;
    }
    std::vector<Fragment> next;
    for (const int32_t id : v.specials) {
        const std::string& s = v.tokens[static_cast<size_t>(id)];
        if (s.size() > text.size() || !has_byte[static_cast<uint8_t>(s[0])]) {
            continue;
        }
        const TokenType type = v.types[static_cast<size_t>(id)];
        if (!parse_special && type != TokenType::user_defined) {
            continue;
        }
        if (text.find(s) == std::string_view::npos) {
            continue;
        }
        next.clear();
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            size_t pos = f.begin;
            for (;;) {
                const size_t m = text.substr(0, f.end).find(s, pos);
                if (m == std::string_view::npos) {
                    break;
                }
                if (m > pos) {
                    next.push_back(Fragment{-1, pos, m});
                }
                next.push_back(Fragment{id, m, m + s.size()});
                pos = m + s.size();
            }
            if (pos < f.end) {
                next.push_back(Fragment{-1, pos, f.end});
            }
        }
        frags.swap(next);
    }
    return frags;
}

}  // namespace

// ---- BpeTokenizer ----

Result<BpeTokenizer> BpeTokenizer::from_gguf(const gguf::File& file, const BpeOptions& options) {
    if (Status s = check_model(file); !s) {
        return s.error();
    }
    Result<PreTokenizer> pre = parse_pre(file);
    if (!pre) {
        return pre.error();
    }
    auto v = std::make_shared<Vocab>();
    v->pre = *pre;
    if (Status s = load_tokens(file, *v); !s) {
        return s.error();
    }
    Result<std::vector<std::string>> merges =
        get_array<std::string>(file, "tokenizer.ggml.merges", "a string array of 'left right'");
    if (!merges) {
        return merges.error();
    }
    if (Status s = load_merges(*merges, *v); !s) {
        return s.error();
    }
    if (Status s = load_specials(file, *v); !s) {
        return s.error();
    }
    BpeTokenizer tok;
    tok.vocab_ = std::move(v);
    tok.cache_ = std::make_shared<Cache>();
    tok.cache_->capacity = options.cache_words;
    return tok;
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text,
                                          bool add_special,
                                          bool parse_special) const {
    const Vocab& v = *vocab_;
    std::vector<int32_t> out;
    if (add_special && v.add_bos) {
        out.push_back(v.bos);
    }
    std::vector<int32_t> ids;
    for (const Fragment& f : partition(v, text, parse_special)) {
        if (f.token >= 0) {
            out.push_back(f.token);
            continue;
        }
        const CodePoints t(text.substr(f.begin, f.end - f.begin));
        for_each_word(v.pre, t, [&](std::string_view word) {
            merge_word_cached(v, *cache_, word, ids, out);
        });
    }
    if (add_special && v.add_eos) {
        out.push_back(v.eos);
    }
    return out;
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids, bool special) const {
    const Vocab& v = *vocab_;
    const ByteMap& bm = byte_map();
    std::string out;
    for (const int32_t id : ids) {
        if (id < 0 || id >= v.n_vocab()) {
            continue;
        }
        const std::string& text = v.tokens[static_cast<size_t>(id)];
        switch (v.types[static_cast<size_t>(id)]) {
            case TokenType::control:
            case TokenType::unknown:
                if (special) {
                    out += text;
                }
                break;
            case TokenType::user_defined:
                out += text;
                break;
            case TokenType::normal:
                for (size_t i = 0; i < text.size();) {
                    uint32_t cp = 0;
                    const size_t n = utf8_decode(text, i, &cp);
                    if (n == 0) {  // a malformed token text: copy the byte
                        out += text[i++];
                        continue;
                    }
                    if (cp < kByteCodePoints && bm.byte_of[cp] != kNoByte) {
                        out += static_cast<char>(bm.byte_of[cp]);
                    } else {
                        out.append(text, i, n);
                    }
                    i += n;
                }
                break;
            default:
                break;
        }
    }
    return out;
}

std::vector<std::string> BpeTokenizer::pre_tokenize(std::string_view text) const {
    const CodePoints t(text);
    std::vector<std::string> words;
    for_each_word(vocab_->pre, t, [&](std::string_view word) { words.emplace_back(word); });
    return words;
}

int32_t BpeTokenizer::n_vocab() const {
    return vocab_->n_vocab();
}

const std::string& BpeTokenizer::token_text(int32_t id) const {
    RUVLLM_ASSERT(id >= 0 && id < n_vocab());
    return vocab_->tokens[static_cast<size_t>(id)];
}

TokenType BpeTokenizer::token_type(int32_t id) const {
    RUVLLM_ASSERT(id >= 0 && id < n_vocab());
    return vocab_->types[static_cast<size_t>(id)];
}

int32_t BpeTokenizer::find_token(std::string_view text) const {
    const int32_t id = vocab_->find(text);
    return id < n_vocab() ? id : -1;
}

int32_t BpeTokenizer::bos() const {
    return vocab_->bos;
}

int32_t BpeTokenizer::eos() const {
    return vocab_->eos;
}

bool BpeTokenizer::add_bos() const {
    return vocab_->add_bos;
}

bool BpeTokenizer::add_eos() const {
    return vocab_->add_eos;
}

PreTokenizer BpeTokenizer::pre_tokenizer() const {
    return vocab_->pre;
}

size_t BpeTokenizer::n_merges() const {
    return vocab_->n_merges;
}

}  // namespace ruvllm
