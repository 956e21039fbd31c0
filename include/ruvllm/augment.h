// ruvllm/augment.h: text augmentations that really change the text.
//
//   paraphrase   word-boundary-aware synonym rewrites (verbs, nouns, phrases; case preserved),
//                reordering of a trailing clause ("Add X in Y" -> "In Y, add X"), politeness
//                openers, prefixes and suffixes, dropped articles, and a typo at a small rate.
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
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ruvllm/dataset.h>
#include <ruvllm/error.h>
#include <ruvllm/rng.h>

namespace ruvllm {

struct ComplexityFrames {
    std::vector<std::string> prefixes;  // "Small change: "
    std::vector<std::string> suffixes;  // "Keep the diff minimal."
};

struct Lexicon {
    // Synonym groups (verbs, nouns and phrases together); members are lower case unless they
    // must keep their case ("PR").
    std::vector<std::vector<std::string>> groups;
    std::unordered_map<uint64_t, uint32_t> member_group;  // hash of lower-case member -> group
    int max_member_words = 1;
    std::unordered_set<std::string> verbs;  // first words of verb members (imperative detection)
    std::unordered_set<std::string> lowercase_starts;
    std::unordered_set<std::string> droppable;
    std::unordered_set<std::string> reorder_prepositions;
    std::vector<std::string> imperative_openers;  // contain "{task}"
    std::vector<std::string> prefixes;
    std::vector<std::string> suffixes;
    std::array<std::array<ComplexityFrames, kNumComplexities>, kNumCategories> frames;
};

// Loads `dir`/paraphrase.yaml and `dir`/complexity.yaml. Errors name the file and line.
Result<Lexicon> load_lexicon(const std::filesystem::path& dir);

// Hash of a lower-case phrase whose words are separated by single spaces.
uint64_t phrase_hash(std::string_view lower_phrase);

// Writes a paraphrase of `in` to `out` (cleared first) using one to three rewrites. Returns
// false if no rewrite applied (out is then a copy of in); the result may still equal `in` after
// normalisation in rare cases, which the caller checks.
bool paraphrase(const Lexicon& lex, std::string_view in, Rng& rng, std::string& out);

// Writes `in` restated at complexity `level` for `category` with a prefix and/or a suffix frame
// to `out` (cleared first). false if the lexicon has no frames for that cell.
bool complexity_frame(const Lexicon& lex,
                      Category category,
                      Complexity level,
                      std::string_view in,
                      Rng& rng,
                      std::string& out);

// Lower-cases the first letter of `s` when its first word may start mid-sentence (a verb, or a
// word in lowercase_starts); names like "React" or "GraphQL" keep their case.
void lower_first_if_common(const Lexicon& lex, std::string& s);

}  // namespace ruvllm
