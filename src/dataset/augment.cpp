// augment.cpp: paraphrase and complexity rewrites over a data lexicon (see augment.h).
#include <algorithm>
#include <cstdio>

#include <ruvllm/dataset/augment.h>

#include "core/yaml_internal.h"

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

inline bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

inline bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

inline char lower(char c) {
    return is_upper(c) ? static_cast<char>(c + 32) : c;
}

inline char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

inline bool is_token_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '\'' || c == '-' || c == '.' ||
           c == '/' || c == '+' || c == '#';
}

// FNV-1a over lower-cased bytes; done() applies a finaliser without changing the state, so a
// phrase can be extended word by word.
struct HashState {
    uint64_t h = 0xcbf29ce484222325ull;

    void add(char c) {
        h ^= static_cast<unsigned char>(lower(c));
        h *= 0x100000001b3ull;
    }

    void add(std::string_view s) {
        for (const char c : s) {
            add(c);
        }
    }

    uint64_t done() const {
        uint64_t x = h;
        x ^= x >> 31;
        x *= 0x94D049BB133111EBull;
        return x ^ (x >> 29);
    }
};

// A word of the text: [b, e) after stripping punctuation at both ends.
struct Token {
    uint32_t b = 0, e = 0;
    bool alpha = false;  // letters only: eligible for lexicon matches
};

void tokenize(std::string_view s, std::vector<Token>& out) {
    out.clear();
    size_t i = 0;
    while (i < s.size()) {
        if (!is_token_char(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < s.size() && is_token_char(s[j])) {
            j++;
        }
        size_t b = i;
        size_t e = j;
        while (b < e && !is_alpha(s[b]) && !is_digit(s[b])) {
            b++;
        }
        while (e > b && !is_alpha(s[e - 1]) && !is_digit(s[e - 1]) && s[e - 1] != '+' &&
               s[e - 1] != '#') {
            e--;
        }
        if (b < e) {
            Token t{static_cast<uint32_t>(b), static_cast<uint32_t>(e), true};
            for (size_t k = b; k < e; k++) {
                if (!is_alpha(s[k])) {
                    t.alpha = false;
                    break;
                }
            }
            out.push_back(t);
        }
        i = j;
    }
}

// Length of the leading run of letters of `s`.
size_t first_word_len(std::string_view s) {
    size_t e = 0;
    while (e < s.size() && is_alpha(s[e])) {
        e++;
    }
    return e;
}

bool is_dictionary_word(const Lexicon& lex, std::string_view word) {
    return lex.has_dictionary && lex.dictionary.contains(phrase_hash(word));
}

// The system word list (one word per line): lower-case words only (names are capitalised).
void load_dictionary(const fs::path& path, Lexicon& lex) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) {
        return;
    }
    char line[256];
    while (std::fgets(line, sizeof(line), f) != nullptr) {
        std::string_view w(line);
        while (!w.empty() && (w.back() == '\n' || w.back() == '\r')) {
            w.remove_suffix(1);
        }
        if (!w.empty() && w.find('\'') == std::string_view::npos && !(w[0] >= 'A' && w[0] <= 'Z')) {
            lex.dictionary.insert(phrase_hash(w), 1);
        }
    }
    std::fclose(f);
    lex.has_dictionary = lex.dictionary.size() > 0;
}

bool word_in(const PhraseTable& set, std::string_view word) {
    return !word.empty() && set.contains(phrase_hash(word));
}

bool first_word_in(const PhraseTable& set, std::string_view s) {
    return word_in(set, s.substr(0, first_word_len(s)));
}

bool first_word_all_caps(std::string_view s) {
    const size_t e = first_word_len(s);
    return e > 1 && std::all_of(s.begin(), s.begin() + static_cast<long>(e), is_upper);
}

struct Match {
    uint32_t b = 0, e = 0;  // bytes of the matched span
    uint32_t group = 0;
};

// Longest lexicon member starting at each token, left to right, whole words only.
void find_matches(const Lexicon& lex,
                  std::string_view s,
                  const std::vector<Token>& toks,
                  std::vector<Match>& out) {
    out.clear();
    for (size_t i = 0; i < toks.size();) {
        if (!toks[i].alpha || (toks[i].b > 0 && is_alpha(s[toks[i].b - 1]))) {
            i++;
            continue;
        }
        HashState h;
        size_t best_len = 0;
        uint32_t best_group = 0;
        for (size_t k = i; k < toks.size() && k < i + static_cast<size_t>(lex.max_member_words);
             k++) {
            if (k > i) {
                // Words of a phrase are separated by exactly one space.
                if (!toks[k].alpha || toks[k].b != toks[k - 1].e + 1 || s[toks[k - 1].e] != ' ') {
                    break;
                }
                h.add(' ');
            }
            h.add(s.substr(toks[k].b, toks[k].e - toks[k].b));
            const uint64_t hv = h.done();
            const bool at_boundary = toks[k].e >= s.size() || !is_alpha(s[toks[k].e]);
            if (at_boundary) {
                if (const uint32_t* g = lex.member_group.find(hv)) {
                    best_len = k - i + 1;
                    best_group = *g;
                }
            }
            if (!lex.member_prefix.contains(hv)) {
                break;
            }
        }
        if (best_len > 0) {
            out.push_back(Match{toks[i].b, toks[i + best_len - 1].e, best_group});
            i += best_len;
        } else {
            i++;
        }
    }
}

// Appends `member` in the case of `orig`. When `orig` is written exactly as a member of its
// group ("PR", "pull request"), the new member is used as written ("pull request", "PR"), with a
// capital only at the start of a sentence. Otherwise the case pattern of `orig` (UPPER or
// Capitalised) is carried over.
void append_with_case(std::string& out,
                      std::string_view orig,
                      std::string_view member,
                      const std::vector<std::string>& group,
                      bool sentence_start) {
    if (std::find(group.begin(), group.end(), orig) != group.end() ||
        (sentence_start && orig.size() > 1 && is_upper(orig[0]) && !is_upper(orig[1]))) {
        const size_t start = out.size();
        out.append(member);
        if (sentence_start && start < out.size()) {
            out[start] = upper(out[start]);
        }
        return;
    }
    const bool all_upper = orig.size() > 1 && std::all_of(orig.begin(), orig.end(), [](char c) {
                               return !is_alpha(c) || is_upper(c);
                           });
    const bool member_has_upper = std::any_of(member.begin(), member.end(), is_upper);
    if (all_upper && !member_has_upper) {
        for (const char c : member) {
            out.push_back(upper(c));
        }
        return;
    }
    const size_t start = out.size();
    out.append(member);
    if (!orig.empty() && is_upper(orig[0]) && start < out.size()) {
        out[start] = upper(out[start]);
    }
}

// Lower-cases out[pos] when the word starting there may start mid-sentence.
void lower_at_if_common(const Lexicon& lex, std::string& out, size_t pos) {
    std::string_view rest = std::string_view(out).substr(pos);
    if (rest.empty() || !is_upper(rest[0]) || first_word_all_caps(rest)) {
        return;
    }
    if (first_word_in(lex.verbs, rest) || first_word_in(lex.lowercase_starts, rest)) {
        out[pos] = lower(out[pos]);
    }
}

// ---- the rewrites ----

bool rewrite_synonyms(const Lexicon& lex,
                      std::string_view in,
                      const std::vector<Match>& matches,
                      Rng& rng,
                      std::string& out) {
    if (matches.empty()) {
        return false;
    }
    // Replace one match, or two when there are several.
    const uint32_t n = static_cast<uint32_t>(matches.size());
    uint32_t pick_a = rng.below(n);
    uint32_t pick_b = (n > 2 && rng.bernoulli(0.5)) ? rng.below(n) : pick_a;
    out.clear();
    uint32_t pos = 0;
    bool changed = false;
    for (uint32_t m = 0; m < n; m++) {
        const Match& mt = matches[m];
        out.append(in.substr(pos, mt.b - pos));
        std::string_view orig = in.substr(mt.b, mt.e - mt.b);
        if (m == pick_a || m == pick_b) {
            const std::vector<std::string>& g = lex.groups[mt.group];
            uint32_t k = rng.below(static_cast<uint32_t>(g.size()));
            if (phrase_hash(g[k]) == phrase_hash(orig)) {
                k = (k + 1) % static_cast<uint32_t>(g.size());
            }
            size_t p = mt.b;
            while (p > 0 && in[p - 1] == ' ') {
                p--;
            }
            const bool sentence_start = p == 0 || in[p - 1] == '.' || in[p - 1] == '?' ||
                                        in[p - 1] == '!' || in[p - 1] == ':';
            append_with_case(out, orig, g[k], g, sentence_start);
            changed = true;
        } else {
            out.append(orig);
        }
        pos = mt.e;
    }
    out.append(in.substr(pos));
    return changed;
}

bool rewrite_drop(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out) {
    out.clear();
    bool changed = false;
    size_t i = 0;
    while (i < in.size()) {
        if (is_alpha(in[i]) && (i == 0 || !is_token_char(in[i - 1]))) {
            size_t j = i;
            while (j < in.size() && is_alpha(in[j])) {
                j++;
            }
            const bool boundary = j == in.size() || in[j] == ' ';
            if (boundary && j < in.size() && i > 0 && word_in(lex.droppable, in.substr(i, j - i)) &&
                rng.bernoulli(0.7)) {
                i = j + 1;  // drop the word and its following space
                changed = true;
                continue;
            }
            out.append(in.substr(i, j - i));
            i = j;
            continue;
        }
        out.push_back(in[i]);
        i++;
    }
    return changed;
}

bool rewrite_reorder(const Lexicon& lex, std::string_view in, std::string& out) {
    if (in.empty() || in.back() == '?' || in.find_first_of(",:;()") != std::string_view::npos) {
        return false;
    }
    std::string_view body = in;
    const bool period = body.back() == '.';
    if (period) {
        body.remove_suffix(1);
    }
    // Only single-sentence imperatives, and never out of a relative clause: "Propose a model
    // that works across regions" must not become "Across regions, propose a model that works".
    if (!first_word_in(lex.verbs, body) || body.find_first_of(".?!") != std::string_view::npos ||
        body.find(" that ") != std::string_view::npos ||
        body.find(" which ") != std::string_view::npos ||
        body.find(" who ") != std::string_view::npos) {
        return false;
    }
    // Last " <prep> " that leaves at least two words before it and 2-7 words after it.
    size_t best = std::string_view::npos;
    for (size_t p = body.find(' '); p != std::string_view::npos; p = body.find(' ', p + 1)) {
        size_t q = body.find(' ', p + 1);
        if (q == std::string_view::npos) {
            break;
        }
        if (word_in(lex.reorder_prepositions, body.substr(p + 1, q - p - 1))) {
            best = p;
        }
    }
    if (best == std::string_view::npos) {
        return false;
    }
    std::string_view head = body.substr(0, best);
    std::string_view clause = body.substr(best + 1);
    const auto words = [](std::string_view s) {
        return 1 + std::count(s.begin(), s.end(), ' ');
    };
    if (words(head) < 2 || words(clause) < 2 || words(clause) > 7 ||
        clause.find_first_of(".?!:;") != std::string_view::npos) {
        return false;
    }
    out.clear();
    out.push_back(upper(clause[0]));
    out.append(clause.substr(1));
    out.append(", ");
    const size_t head_at = out.size();
    out.append(head);
    lower_at_if_common(lex, out, head_at);
    if (period) {
        out.push_back('.');
    }
    return true;
}

// One typo (swap, drop or double an inner letter) in a word of 5+ letters. A typo that spells
// another real word ("there" -> "three", "thee") is not a typo a reader sees as one: with a
// dictionary (Lexicon::dictionary), such results are rejected and another is tried.
bool rewrite_typo(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out) {
    // Candidate words: letters only, length >= 5, not capitalised (names keep their spelling).
    std::vector<std::pair<uint32_t, uint32_t>> words;
    size_t i = 0;
    while (i < in.size()) {
        if (is_alpha(in[i]) && (i == 0 || !is_token_char(in[i - 1]))) {
            size_t j = i;
            while (j < in.size() && is_alpha(in[j])) {
                j++;
            }
            if (j - i >= 5 && !is_upper(in[i]) && (j == in.size() || !is_token_char(in[j]))) {
                words.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j));
            }
            i = j;
        } else {
            i++;
        }
    }
    if (words.empty()) {
        return false;
    }
    for (int attempt = 0; attempt < 6; attempt++) {
        const auto [b, e] = words[rng.below(static_cast<uint32_t>(words.size()))];
        out.assign(in);
        const uint32_t len = e - b;
        uint32_t new_len = len;
        switch (rng.below(3)) {
            case 0: {  // swap two adjacent inner letters
                const uint32_t k = b + 1 + rng.below(len - 3);
                if (out[k] == out[k + 1]) {
                    out.erase(k, 1);
                    new_len--;
                } else {
                    std::swap(out[k], out[k + 1]);
                }
                break;
            }
            case 1:  // drop an inner letter
                out.erase(b + 1 + rng.below(len - 2), 1);
                new_len--;
                break;
            default: {  // double an inner letter
                const uint32_t k = b + 1 + rng.below(len - 2);
                out.insert(out.begin() + k, out[k]);
                new_len++;
            }
        }
        if (!is_dictionary_word(lex, std::string_view(out).substr(b, new_len))) {
            return true;
        }
    }
    return false;
}

void append_sentence_end(std::string& out, std::string_view suffix) {
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    const char last = out.empty() ? '.' : out.back();
    if (last == '.' || last == '?' || last == '!') {
        out.push_back(' ');
        const size_t at = out.size();
        out.append(suffix);
        out[at] = upper(out[at]);
    } else {
        out.append(", ");
        out.append(suffix);
    }
}

bool rewrite_frame(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out) {
    const bool imperative = first_word_in(lex.verbs, in) && !first_word_all_caps(in);
    const float w_open = imperative && !lex.imperative_openers.empty() ? 1.5f : 0.0f;
    const float w_pre = lex.prefixes.empty() ? 0.0f : 1.0f;
    const float w_suf = lex.suffixes.empty() ? 0.0f : 1.0f;
    const float total = w_open + w_pre + w_suf;
    if (total == 0.0f || in.empty()) {
        return false;
    }
    const float r = rng.uniform_f32() * total;
    out.clear();
    if (r < w_open) {
        const std::string& opener =
            lex.imperative_openers[rng.below(static_cast<uint32_t>(lex.imperative_openers.size()))];
        std::string_view task = in;
        if (task.back() == '.') {
            task.remove_suffix(1);
        }
        const size_t at = opener.find("{task}");
        out.append(opener, 0, at);
        out.push_back(lower(task[0]));
        out.append(task.substr(1));
        out.append(opener, at + 6);
    } else if (r < w_open + w_pre) {
        const std::string& prefix =
            lex.prefixes[rng.below(static_cast<uint32_t>(lex.prefixes.size()))];
        out.append(prefix);
        const size_t at = out.size();
        out.append(in);
        // "FYI, the build ..." but "Heads up: The build ...".
        if (prefix.size() >= 2 && prefix.compare(prefix.size() - 2, 2, ", ") == 0) {
            lower_at_if_common(lex, out, at);
        }
    } else {
        out.append(in);
        append_sentence_end(out,
                            lex.suffixes[rng.below(static_cast<uint32_t>(lex.suffixes.size()))]);
    }
    return true;
}

}  // namespace

uint64_t phrase_hash(std::string_view phrase) {
    HashState h;
    h.add(phrase);
    return h.done();
}

uint32_t PhraseTable::insert(uint64_t hash, uint32_t value) {
    if ((size_ + 1) * 2 > keys_.size()) {
        grow();
    }
    const uint64_t key = hash | 1;
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
        if (keys_[i] == key) {
            return values_[i];
        }
        if (keys_[i] == 0) {
            keys_[i] = key;
            values_[i] = value;
            size_++;
            return value;
        }
    }
}

void PhraseTable::grow() {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<uint32_t> old_values = std::move(values_);
    const size_t cap = old_keys.empty() ? 64 : old_keys.size() * 2;
    keys_.assign(cap, 0);
    values_.assign(cap, 0);
    mask_ = cap - 1;
    for (size_t i = 0; i < old_keys.size(); i++) {
        if (old_keys[i] != 0) {
            for (size_t j = old_keys[i] & mask_;; j = (j + 1) & mask_) {
                if (keys_[j] == 0) {
                    keys_[j] = old_keys[i];
                    values_[j] = old_values[i];
                    break;
                }
            }
        }
    }
}

void lower_first_if_common(const Lexicon& lex, std::string& s) {
    lower_at_if_common(lex, s, 0);
}

bool typo(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out) {
    return rewrite_typo(lex, in, rng, out);
}

bool starts_imperative(const Lexicon& lex, std::string_view s) {
    return first_word_in(lex.verbs, s) && !first_word_all_caps(s);
}

bool paraphrase(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out) {
    thread_local std::vector<Token> toks;
    thread_local std::vector<Match> matches;
    thread_local std::string cur, tmp;
    tokenize(in, toks);
    find_matches(lex, in, toks, matches);

    enum Op { synonym, drop, reorder, typo, frame, n_ops };

    const float weights[n_ops] = {matches.empty() ? 0.0f : 4.0f, 1.0f, 1.5f, 0.4f, 2.0f};
    const uint32_t roll = rng.below(100);
    const int n_pick = roll < 45 ? 1 : (roll < 85 ? 2 : 3);
    bool chosen[n_ops] = {false, false, false, false, false};
    for (int k = 0; k < n_pick; k++) {
        float total = 0.0f;
        for (int o = 0; o < n_ops; o++) {
            total += chosen[o] ? 0.0f : weights[o];
        }
        float r = rng.uniform_f32() * total;
        for (int o = 0; o < n_ops; o++) {
            const float w = chosen[o] ? 0.0f : weights[o];
            if (r < w) {
                chosen[o] = true;
                break;
            }
            r -= w;
        }
    }
    cur.assign(in);
    bool changed = false;
    auto apply = [&](bool did) {
        if (did) {
            cur.swap(tmp);
            changed = true;
        }
    };
    if (chosen[synonym]) {
        apply(rewrite_synonyms(lex, cur, matches, rng, tmp));
    }
    if (chosen[drop]) {
        apply(rewrite_drop(lex, cur, rng, tmp));
    }
    if (chosen[reorder]) {
        apply(rewrite_reorder(lex, cur, tmp));
    }
    if (chosen[typo]) {
        apply(rewrite_typo(lex, cur, rng, tmp));
    }
    // A paraphrase must change something: fall back to a frame when the chosen rewrites found
    // nothing to rewrite.
    if (chosen[frame] || !changed) {
        apply(rewrite_frame(lex, cur, rng, tmp));
    }
    out.swap(cur);  // hand over the buffer instead of copying it
    return changed;
}

bool complexity_frame(const Lexicon& lex,
                      Category category,
                      Complexity level,
                      std::string_view in,
                      Rng& rng,
                      std::string& out,
                      bool prefix_only) {
    const ComplexityFrames& f = lex.frames[static_cast<int>(category)][static_cast<int>(level)];
    if (prefix_only) {
        // A short task keeps its shape: "Quick one: fix the login typo".
        if (f.prefixes.empty()) {
            return false;
        }
        out.assign(f.prefixes[rng.below(static_cast<uint32_t>(f.prefixes.size()))]);
        const size_t at = out.size();
        out.append(in);
        lower_at_if_common(lex, out, at);
        return true;
    }
    if (f.prefixes.empty() && f.suffixes.empty()) {
        return false;
    }
    const uint32_t roll = rng.below(10);
    bool use_prefix = !f.prefixes.empty() && (roll < 4 || f.suffixes.empty());
    bool use_suffix = !f.suffixes.empty() && (roll >= 4 || f.prefixes.empty());
    if (roll >= 8 && !f.prefixes.empty() && !f.suffixes.empty()) {
        use_prefix = use_suffix = true;
    }
    out.clear();
    if (use_prefix) {
        out.append(f.prefixes[rng.below(static_cast<uint32_t>(f.prefixes.size()))]);
    }
    const size_t at = out.size();
    out.append(in);
    if (use_prefix) {
        lower_at_if_common(lex, out, at);
    }
    if (use_suffix) {
        std::string_view suffix = f.suffixes[rng.below(static_cast<uint32_t>(f.suffixes.size()))];
        const char last = out.empty() ? '.' : out.back();
        if (last != '.' && last != '?' && last != '!') {
            out.push_back('.');
        }
        out.push_back(' ');
        out.append(suffix);
    }
    return true;
}

// ---- loading ----

namespace {

Status load_groups(const YAML::Node& seq, const std::string& file, bool verbs, Lexicon& lex) {
    if (!seq.IsSequence()) {
        return make_error(Errc::format,
                          yaml::where(file, seq) + ": expected a list of synonym groups");
    }
    for (const YAML::Node& g : seq) {
        std::vector<std::string> members;
        YAML::Node bad;
        if (!yaml::string_list(g, members, bad) || members.size() < 2) {
            return make_error(Errc::format,
                              yaml::where(file, g) +
                                  ": synonym group, expected a list of at least "
                                  "2 words or phrases");
        }
        const auto gi = static_cast<uint32_t>(lex.groups.size());
        for (const std::string& m : members) {
            if (m.empty() || m.front() == ' ' || m.back() == ' ' ||
                m.find("  ") != std::string::npos) {
                return make_error(Errc::format,
                                  yaml::where(file, g) + ": member '" + m +
                                      "', expected words separated by one space");
            }
            if (lex.member_group.insert(phrase_hash(m), gi) != gi) {
                return make_error(Errc::format,
                                  yaml::where(file, g) + ": '" + m +
                                      "' is already in another synonym group, "
                                      "expected each word in one group");
            }
            lex.max_member_words = std::max(
                lex.max_member_words, 1 + static_cast<int>(std::count(m.begin(), m.end(), ' ')));
            if (verbs) {
                lex.verbs.insert(phrase_hash(m.substr(0, m.find(' '))), 1);
            }
            for (size_t sp = m.find(' '); sp != std::string::npos; sp = m.find(' ', sp + 1)) {
                lex.member_prefix.insert(phrase_hash(m.substr(0, sp)), 1);
            }
        }
        lex.groups.push_back(std::move(members));
    }
    return ok();
}

Status load_string_set(const YAML::Node& n, const std::string& file, PhraseTable& out) {
    std::vector<std::string> v;
    YAML::Node bad;
    if (!yaml::string_list(n, v, bad)) {
        return make_error(Errc::format, yaml::where(file, bad) + ": expected a list of words");
    }
    for (const std::string& s : v) {
        out.insert(phrase_hash(s), 1);
    }
    return ok();
}

Status load_paraphrase(const fs::path& path, Lexicon& lex) {
    const std::string file = "lexicon/paraphrase.yaml";
    Result<YAML::Node> doc = yaml::load(path, file);
    if (!doc) {
        return doc.error();
    }
    if (!doc->IsMap()) {
        return make_error(Errc::format, file + ":1: expected a mapping at the top level");
    }
    for (const auto& kv : *doc) {
        const std::string key = kv.first.Scalar();
        const YAML::Node& v = kv.second;
        Status s = ok();
        YAML::Node bad;
        if (key == "verbs" || key == "nouns" || key == "phrases") {
            s = load_groups(v, file, key == "verbs", lex);
        } else if (key == "imperative_openers" || key == "prefixes" || key == "suffixes") {
            std::vector<std::string>& dst =
                key == "prefixes" ? lex.prefixes
                                  : (key == "suffixes" ? lex.suffixes : lex.imperative_openers);
            if (!yaml::string_list(v, dst, bad)) {
                return make_error(
                    Errc::format,
                    yaml::where(file, bad) + ": " + key + ", expected a list of strings");
            }
            if (key == "imperative_openers") {
                for (const std::string& o : dst) {
                    if (o.find("{task}") == std::string::npos) {
                        return make_error(Errc::format,
                                          yaml::where(file, v) + ": opener '" + o +
                                              "', expected it to contain {task}");
                    }
                }
            }
        } else if (key == "droppable") {
            s = load_string_set(v, file, lex.droppable);
        } else if (key == "reorder_prepositions") {
            s = load_string_set(v, file, lex.reorder_prepositions);
        } else if (key == "lowercase_starts") {
            s = load_string_set(v, file, lex.lowercase_starts);
        } else {
            return make_error(Errc::format,
                              yaml::where(file, kv.first) + ": unknown key '" + key +
                                  "', expected verbs, nouns, phrases, imperative_openers, "
                                  "prefixes, suffixes, droppable, reorder_prepositions or "
                                  "lowercase_starts");
        }
        if (!s) {
            return s;
        }
    }
    return ok();
}

Status load_complexity(const fs::path& path, Lexicon& lex) {
    const std::string file = "lexicon/complexity.yaml";
    Result<YAML::Node> doc = yaml::load(path, file);
    if (!doc) {
        return doc.error();
    }
    if (!doc->IsMap()) {
        return make_error(Errc::format, file + ":1: expected a mapping at the top level");
    }
    for (const auto& kv : *doc) {
        Category cat{};
        if (!parse_category(kv.first.Scalar(), cat)) {
            return make_error(Errc::format,
                              yaml::where(file, kv.first) + ": unknown category '" +
                                  kv.first.Scalar() +
                                  "', expected coder, researcher, security, "
                                  "architecture or reviewer");
        }
        if (!kv.second.IsMap()) {
            return make_error(
                Errc::format,
                yaml::where(file, kv.second) + ": expected a mapping of complexity levels");
        }
        for (const auto& lv : kv.second) {
            Complexity level{};
            if (!parse_complexity(lv.first.Scalar(), level)) {
                return make_error(Errc::format,
                                  yaml::where(file, lv.first) + ": unknown level '" +
                                      lv.first.Scalar() +
                                      "', expected Simple, Moderate or Complex");
            }
            ComplexityFrames& f = lex.frames[static_cast<int>(cat)][static_cast<int>(level)];
            if (!lv.second.IsMap()) {
                return make_error(
                    Errc::format,
                    yaml::where(file, lv.second) + ": expected {prefixes: [...], suffixes: [...]}");
            }
            for (const auto& part : lv.second) {
                const std::string k = part.first.Scalar();
                YAML::Node bad;
                std::vector<std::string>* dst =
                    k == "prefixes" ? &f.prefixes : (k == "suffixes" ? &f.suffixes : nullptr);
                if (dst == nullptr) {
                    return make_error(Errc::format,
                                      yaml::where(file, part.first) + ": unknown key '" + k +
                                          "', expected prefixes or suffixes");
                }
                if (!yaml::string_list(part.second, *dst, bad)) {
                    return make_error(Errc::format,
                                      yaml::where(file, bad) + ": expected a list of strings");
                }
            }
        }
    }
    return ok();
}

}  // namespace

Result<Lexicon> load_lexicon(const fs::path& dir) {
    Lexicon lex;
    load_dictionary(kSystemWords, lex);
    Status s = load_paraphrase(dir / "paraphrase.yaml", lex);
    if (!s) {
        return s.error();
    }
    s = load_complexity(dir / "complexity.yaml", lex);
    if (!s) {
        return s.error();
    }
    return lex;
}

}  // namespace ruvllm
