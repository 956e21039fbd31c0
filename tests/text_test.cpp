// text_test.cpp: the tokenizer, and fastText's hash and subwords against values computed by an
// independent Python implementation of fastText's Dictionary::hash / computeSubwords.
#include <gtest/gtest.h>

#include <ruvllm/core/text.h>

TEST(Tokenize, LowerCasesAndKeepsJoinedTokens) {
    std::vector<std::string> w;
    ruvllm::tokenize_words("Fix the flaky CI/CD job in Node.js! (C++ and C#, e-mail, snake_case.)",
                           w);
    EXPECT_EQ(w,
              (std::vector<std::string>{"fix",
                                        "the",
                                        "flaky",
                                        "ci/cd",
                                        "job",
                                        "in",
                                        "node.js",
                                        "c++",
                                        "and",
                                        "c#",
                                        "e-mail",
                                        "snake_case"}));
    ruvllm::tokenize_words("...---", w);
    EXPECT_TRUE(w.empty());
    ruvllm::tokenize_words("Café résumé", w);
    EXPECT_EQ(w, (std::vector<std::string>{"café", "résumé"}));
    EXPECT_EQ(ruvllm::normalize_words("  Why does X  fail? "), "why does x fail");
}

TEST(FastTextHash, MatchesReferenceValues) {
    EXPECT_EQ(ruvllm::fasttext_hash(""), 2166136261u);
    EXPECT_EQ(ruvllm::fasttext_hash("a"), 3826002220u);
    EXPECT_EQ(ruvllm::fasttext_hash("<ci>"), 1358597303u);
    EXPECT_EQ(ruvllm::fasttext_hash("\xc3\xa9"), 1023043777u);  // bytes as signed chars
}

TEST(Subwords, FollowFastTextsNgramRules) {
    std::vector<uint32_t> b;
    ruvllm::subword_buckets("ci", 3, 5, 1000, b);
    EXPECT_EQ(b, (std::vector<uint32_t>{795, 303, 861}));  // "<ci", "<ci>", "ci>"
    b.clear();
    ruvllm::subword_buckets("abcdef", 3, 5, 1u << 30, b);
    // "<abcdef>" has 8 characters: 6 + 5 + 4 n-grams of length 3, 4 and 5.
    EXPECT_EQ(b.size(), 15u);
    b.clear();
    ruvllm::subword_buckets(
        "\xc3\xa9t\xc3\xa9", 3, 3, 1u << 30, b);  // "été": 3 chars -> 3 trigrams
    EXPECT_EQ(b.size(), 3u);
    b.clear();
    ruvllm::subword_buckets("x", 1, 1, 100, b);  // 1-grams at the boundaries are skipped
    EXPECT_EQ(b.size(), 1u);
}
