// augment_test.cpp: paraphrase rewrites (word boundaries, case, reordering) and complexity frames
// on the tiny fixture lexicon.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include <ruvllm/dataset/augment.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/library.h>

#include "testutil.h"

namespace {

const ruvllm::Lexicon& lexicon() {
    static const ruvllm::Lexicon lex = [] {
        ruvllm::Result<ruvllm::Lexicon> l =
            ruvllm::load_lexicon(ruvllm::test::tiny_library() / "lexicon");
        EXPECT_TRUE(l) << l.error().message;
        return l ? *l : ruvllm::Lexicon{};
    }();
    return lex;
}

}  // namespace

TEST(Paraphrase, AlwaysChangesTheText) {
    ruvllm::Rng rng(11);
    const char* tasks[] = {"Implement dark mode in the user service",
                           "why is the web form snapshot test flaky?",
                           "Port the order service from Go to Rust",
                           "Node.js 502s on deploy",
                           "x"};
    std::string out;
    for (const char* task : tasks) {
        for (int i = 0; i < 50; i++) {
            ruvllm::paraphrase(lexicon(), task, rng, out);
            EXPECT_NE(out, task);
            EXPECT_FALSE(out.empty());
        }
    }
}

TEST(Paraphrase, SynonymsRespectWordBoundariesAndCase) {
    ruvllm::Rng rng(3);
    std::string out;
    // "bugfix" and "rebuild" contain lexicon words but are not those words.
    for (int i = 0; i < 200; i++) {
        ruvllm::paraphrase(lexicon(), "Bugfix: rebuild the SERVICE", rng, out);
        // Parts of words are never swapped (a typo may still touch them).
        EXPECT_EQ(out.find("efectfix"), std::string::npos) << out;
        EXPECT_EQ(out.find("recreate"), std::string::npos) << out;
        EXPECT_EQ(out.find("reimplement"), std::string::npos) << out;
        // If SERVICE was swapped, the replacement keeps the upper case.
        if (out.find("SERVICE") == std::string::npos && out.find("SERVCIE") == std::string::npos &&
            out.find("microservice") == std::string::npos) {
            EXPECT_NE(out.find("MICROSERVICE"), std::string::npos) << out;
        }
    }
}

TEST(Paraphrase, CapitalisedVerbStaysCapitalised) {
    ruvllm::Rng rng(5);
    std::string out;
    int swapped = 0;
    for (int i = 0; i < 200; i++) {
        ruvllm::paraphrase(lexicon(), "Implement caching", rng, out);
        if (out.rfind("Build caching", 0) == 0 || out.rfind("Create caching", 0) == 0) {
            swapped++;
        }
        // A swapped verb at the start of the sentence is never lower-cased.
        EXPECT_NE(out.rfind("build caching", 0), 0u) << out;
        EXPECT_NE(out.rfind("create caching", 0), 0u) << out;
    }
    EXPECT_GT(swapped, 10);  // the verb swap happens, with its capital kept
}

TEST(Paraphrase, ProducesEveryRewriteKind) {
    ruvllm::Rng rng(9);
    std::string out;
    bool synonym = false, reorder = false, opener = false, dropped = false;
    for (int i = 0; i < 500; i++) {
        ruvllm::paraphrase(lexicon(), "Implement dark mode in the user service", rng, out);
        synonym = synonym || out.find("microservice") != std::string::npos ||
                  out.find("uild dark") != std::string::npos;
        reorder = reorder || out.rfind("In the user service, implement", 0) == 0 ||
                  out.rfind("In user service, implement", 0) == 0;
        opener = opener || out.rfind("Please implement", 0) == 0 ||
                 out.rfind("Can you implement", 0) == 0;
        dropped = dropped || out.find("in user service") != std::string::npos;
    }
    EXPECT_TRUE(synonym);
    EXPECT_TRUE(reorder);
    EXPECT_TRUE(opener);
    EXPECT_TRUE(dropped);
}

TEST(Paraphrase, IsDeterministicForASeed) {
    std::string a, b;
    for (int seed = 0; seed < 20; seed++) {
        ruvllm::Rng r1(static_cast<uint64_t>(seed)), r2(static_cast<uint64_t>(seed));
        ruvllm::paraphrase(lexicon(), "Implement dark mode in the user service", r1, a);
        ruvllm::paraphrase(lexicon(), "Implement dark mode in the user service", r2, b);
        EXPECT_EQ(a, b);
    }
}

TEST(ComplexityFrame, AddsAPrefixOrASuffixForTheLevel) {
    ruvllm::Rng rng(1);
    std::string out;
    for (int i = 0; i < 100; i++) {
        ASSERT_TRUE(ruvllm::complexity_frame(lexicon(),
                                             ruvllm::Category::coder,
                                             ruvllm::Complexity::complex,
                                             "Add retry to the client",
                                             rng,
                                             out));
        const bool prefix = out.rfind("Cross-cutting: add retry to the client", 0) == 0;
        const bool suffix =
            out.find("Add retry to the client. This spans several services") != std::string::npos;
        const bool both = out ==
                          "Cross-cutting: add retry to the client. This spans several "
                          "services and needs a migration plan.";
        EXPECT_TRUE(prefix || suffix || both) << out;
    }
    // No frames for a category the lexicon does not cover.
    EXPECT_FALSE(ruvllm::complexity_frame(
        lexicon(), ruvllm::Category::security, ruvllm::Complexity::simple, "Audit it", rng, out));
}

TEST(LowerFirst, OnlyForCommonWords) {
    std::string s = "Implement it";
    ruvllm::lower_first_if_common(lexicon(), s);
    EXPECT_EQ(s, "implement it");
    s = "React is slow";
    ruvllm::lower_first_if_common(lexicon(), s);
    EXPECT_EQ(s, "React is slow");
    s = "Why is it slow";
    ruvllm::lower_first_if_common(lexicon(), s);
    EXPECT_EQ(s, "why is it slow");
    s = "API docs";
    ruvllm::lower_first_if_common(lexicon(), s);
    EXPECT_EQ(s, "API docs");
}

namespace {

// The dictionary, read independently of the lexicon: the oracle of the typo checks.
const std::set<std::string>& english_words() {
    static const std::set<std::string> words = [] {
        std::set<std::string> w;
        std::ifstream in(ruvllm::kSystemWords);
        std::string line;
        while (std::getline(in, line)) {
            w.insert(line);
        }
        return w;
    }();
    return words;
}

// The words of `s` that are not words of `base` (the typo'd one).
std::vector<std::string> new_words(const std::string& base, const std::string& s) {
    auto split = [](const std::string& x) {
        std::vector<std::string> out;
        std::string cur;
        for (const char c : x) {
            if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
                cur.push_back(c);
            } else if (!cur.empty()) {
                out.push_back(cur);
                cur.clear();
            }
        }
        if (!cur.empty()) {
            out.push_back(cur);
        }
        return out;
    };
    const std::vector<std::string> a = split(base);
    std::vector<std::string> out;
    for (const std::string& w : split(s)) {
        if (std::find(a.begin(), a.end(), w) == a.end()) {
            out.push_back(w);
        }
    }
    return out;
}

}  // namespace

TEST(Typo, NeverSpellsAnotherEnglishWord) {
    // scripts/setup installs Debian's wamerican; without it the check cannot run.
    ASSERT_TRUE(lexicon().has_dictionary)
        << ruvllm::kSystemWords << " is missing (run scripts/setup)";
    ASSERT_GT(english_words().size(), 50000u);
    ruvllm::Rng rng(9);
    std::string out;
    // "there" -> "three" / "thee" / "here" are the classic real-word typos.
    for (int i = 0; i < 3000; i++) {
        if (ruvllm::typo(lexicon(), "there", rng, out)) {
            EXPECT_EQ(english_words().count(out), 0u) << out;
        }
    }
    // Every task text of the shipped library, typo'd: the changed word is never a word.
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
    ASSERT_TRUE(lib);
    size_t checked = 0;
    for (const ruvllm::Agent& a : lib->agents) {
        for (const ruvllm::Template& t : a.templates) {
            std::string text;
            ruvllm::Choices choices;
            ruvllm::draw_choices(*lib, t, t.domain, rng, choices);
            ruvllm::render(*lib, t, t.text, t.domain, choices, text);
            if (!ruvllm::typo(lexicon(), text, rng, out)) {
                continue;
            }
            for (const std::string& w : new_words(text, out)) {
                std::string lower = w;
                std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
                    return static_cast<char>(std::tolower(c));
                });
                EXPECT_EQ(english_words().count(lower), 0u) << text << " -> " << out;
                checked++;
            }
        }
    }
    EXPECT_GT(checked, 1000u);
}
