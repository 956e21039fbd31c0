// ruvllm/dataset/augment.h: text augmentations that really change the text.
//
//   paraphrase   word-boundary-aware synonym rewrites (verbs, nouns, phrases; case preserved),
//                reordering of a trailing clause ("Add X in Y" -> "In Y, add X"), politeness
//                openers, prefixes and suffixes, dropped articles, and a typo at a small rate
//                (never one that spells another English word: "there" -> "three").
//   complexity   frames that restate a task at another complexity level, per seed category
//                ("Small change: ...", "... This spans several services, so ...").
// Domain transfer lives in the generator: it re-renders a template's domain-keyed placeholders.
//
// The vocabularies are data (lexicon/paraphrase.yaml, lexicon/complexity.yaml; docs/library.md).
//
// Usage:
//   ruvllm::Result<ruvllm::Lexicon> lex = ruvllm::load_lexicon("data/library/lexicon");
//   std::string out;
//   ruvllm::paraphrase(*lex, "Fix the login bug in the auth service", rng, out);
//   // out == "In the auth service, repair the login defect" (one possible rewrite)
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/dataset.h>

namespace ruvllm {

struct ComplexityFrames {
    std::vector<std::string> prefixes;  // "Small change: "
    std::vector<std::string> suffixes;  // "Keep the diff minimal."
};

// An open-addressing table from 64-bit phrase hashes (phrase_hash) to small values; the lexicon
// lookups on the paraphrase hot path go through it without building strings.
class PhraseTable {
public:
    // Inserts or keeps the existing value; returns the value stored for `hash`.
    uint32_t insert(uint64_t hash, uint32_t value);

    // nullptr if absent.
    const uint32_t* find(uint64_t hash) const {
        if (keys_.empty()) {
            return nullptr;
        }
        const uint64_t key = hash | 1;  // 0 marks an empty slot
        for (size_t i = key & mask_;; i = (i + 1) & mask_) {
            if (keys_[i] == key) {
                return &values_[i];
            }
            if (keys_[i] == 0) {
                return nullptr;
            }
        }
    }

    bool contains(uint64_t hash) const { return find(hash) != nullptr; }

    size_t size() const { return size_; }

private:
    void grow();
    std::vector<uint64_t> keys_;
    std::vector<uint32_t> values_;
    size_t mask_ = 0, size_ = 0;
};

struct Lexicon {
    // Synonym groups (verbs, nouns and phrases together); members are lower case unless they
    // must keep their case ("PR").
    std::vector<std::vector<std::string>> groups;
    PhraseTable member_group;   // hash of lower-case member -> group
    PhraseTable member_prefix;  // hashes of the word prefixes of multi-word members
    int max_member_words = 1;
    // Word sets, keyed by the hash of the lower-case word.
    PhraseTable verbs;  // first words of verb members (imperative detection)
    PhraseTable lowercase_starts;
    PhraseTable droppable;
    PhraseTable reorder_prepositions;
    std::vector<std::string> imperative_openers;  // contain "{task}"
    std::vector<std::string> prefixes;
    std::vector<std::string> suffixes;
    std::array<std::array<ComplexityFrames, kNumComplexities>, kNumCategories> frames;
    // English words (kSystemWords, Debian's wamerican): a typo must not spell one of them.
    // Without the list, typos are not checked (and datasets differ from those made with it;
    // the card says which).
    PhraseTable dictionary;
    bool has_dictionary = false;
};

// The word list load_lexicon reads when it is there (scripts/setup installs it).
inline constexpr const char* kSystemWords = "/usr/share/dict/words";

// Loads `dir`/paraphrase.yaml and `dir`/complexity.yaml. Errors name the file and line.
Result<Lexicon> load_lexicon(const std::filesystem::path& dir);

// Hash of a phrase, lower-cased on the fly (ASCII), whose words are separated by single spaces.
uint64_t phrase_hash(std::string_view phrase);

// Writes a paraphrase of `in` to `out` (cleared first) using one to three rewrites. Returns
// false if no rewrite applied (out is then a copy of in); the result may still equal `in` after
// normalisation in rare cases, which the caller checks.
bool paraphrase(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out);

// Writes `in` restated at complexity `level` for `category` with a prefix and/or a suffix frame
// to `out` (cleared first); with `prefix_only`, a prefix frame only (for a short task). false if
// the lexicon has no such frames for that cell.
bool complexity_frame(const Lexicon& lex,
                      Category category,
                      Complexity level,
                      std::string_view in,
                      Rng& rng,
                      std::string& out,
                      bool prefix_only = false);

// Lower-cases the first letter of `s` when its first word may start mid-sentence (a verb, or a
// word in lowercase_starts); names like "React" or "GraphQL" keep their case.
void lower_first_if_common(const Lexicon& lex, std::string& s);

// Writes `in` with one typo (swap, drop or double an inner letter of a lower-case word of 5+
// letters) to `out`, never one that spells a dictionary word; false if there is no candidate
// word or every try spelled one. The typo rewrite of paraphrase(), exposed for tests.
bool typo(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out);

// Whether `s` reads as an imperative: its first word is one of the lexicon's verbs (and not an
// all-capitals acronym).
bool starts_imperative(const Lexicon& lex, std::string_view s);

}  // namespace ruvllm
