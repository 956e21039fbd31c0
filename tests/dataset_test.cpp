// dataset_test.cpp: vocabularies, the tier table, JSON writers (hand-computed bytes), the JSONL
// reader and text normalisation.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/dataset/dataset.h>

#include "testutil.h"

namespace {

ruvllm::Example sample() {
    ruvllm::Example e;
    e.input = "Implement authentication middleware";
    e.context = "JWT with RS256";
    e.output_agent = "coder";
    e.metadata.category = ruvllm::Category::coder;
    e.metadata.complexity = ruvllm::Complexity::moderate;
    e.metadata.domain = ruvllm::Domain::web;
    e.metadata.expected_model = ruvllm::Tier::sonnet;
    e.metadata.quality_score = 0.87f;
    e.metadata.tags = {"auth", "middleware"};
    e.metadata.agent = "coder";
    e.metadata.template_id = "coder-017";
    e.metadata.augmentation = ruvllm::Augmentation::base;
    return e;
}

}  // namespace

TEST(TierTable, MatchesTheReadme) {
    using ruvllm::Category;
    using ruvllm::Complexity;
    using ruvllm::Tier;

    const struct {
        Category c;
        Tier s, m, x;
    } rows[] = {
        {Category::coder, Tier::haiku, Tier::sonnet, Tier::opus},
        {Category::researcher, Tier::haiku, Tier::sonnet, Tier::sonnet},
        {Category::security, Tier::opus, Tier::opus, Tier::opus},
        {Category::architecture, Tier::sonnet, Tier::opus, Tier::opus},
        {Category::reviewer, Tier::haiku, Tier::sonnet, Tier::sonnet},
    };

    for (const auto& r : rows) {
        EXPECT_EQ(ruvllm::tier_for(r.c, Complexity::simple), r.s);
        EXPECT_EQ(ruvllm::tier_for(r.c, Complexity::moderate), r.m);
        EXPECT_EQ(ruvllm::tier_for(r.c, Complexity::complex), r.x);
    }
}

TEST(Vocabulary, SpellingsRoundTrip) {
    for (int i = 0; i < ruvllm::kNumDomains; i++) {
        ruvllm::Domain d{};
        ASSERT_TRUE(ruvllm::parse_domain(ruvllm::domain_name(static_cast<ruvllm::Domain>(i)), d));
        EXPECT_EQ(static_cast<int>(d), i);
    }
    ruvllm::Category c{};
    EXPECT_TRUE(ruvllm::parse_category("Security", c));
    EXPECT_EQ(c, ruvllm::Category::security);
    EXPECT_TRUE(ruvllm::parse_category("architecture", c));
    EXPECT_EQ(c, ruvllm::Category::architecture);
    EXPECT_FALSE(ruvllm::parse_category("Devops", c));
    EXPECT_EQ(ruvllm::kAgentTypes.size(), 13u);
}

TEST(JsonString, EscapesQuotesBackslashesAndControlBytes) {
    std::string out;
    ruvllm::append_json_string(out, "a\"b\\c\nd\te\x01 \xc3\xa9");
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\te\\u0001 \xc3\xa9\"");
    // nlohmann parses it back to the original bytes.
    EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), "a\"b\\c\nd\te\x01 \xc3\xa9");
}

TEST(Jsonl, LineMatchesTheSeedFormatByteForByte) {
    std::string out;
    ruvllm::append_jsonl(out, sample());
    EXPECT_EQ(out,
              "{\"input\":\"Implement authentication middleware\",\"context\":\"JWT with RS256\","
              "\"output_agent\":\"coder\",\"metadata\":{\"category\":\"Coder\",\"complexity\":"
              "\"Moderate\",\"domain\":\"Web\",\"expected_model\":\"sonnet\",\"quality_score\":"
              "0.87,\"tags\":[\"auth\",\"middleware\"],\"agent\":\"coder\",\"template_id\":"
              "\"coder-017\",\"augmentation\":\"base\"}}\n");
}

TEST(Json, PrettyObjectHasSerdeLayout) {
    std::string out;
    ruvllm::Example e = sample();
    e.metadata.tags = {"auth"};
    ruvllm::append_json_pretty(out, e, 2);
    EXPECT_EQ(out,
              "  {\n"
              "    \"input\": \"Implement authentication middleware\",\n"
              "    \"context\": \"JWT with RS256\",\n"
              "    \"output_agent\": \"coder\",\n"
              "    \"metadata\": {\n"
              "      \"category\": \"Coder\",\n"
              "      \"complexity\": \"Moderate\",\n"
              "      \"domain\": \"Web\",\n"
              "      \"expected_model\": \"sonnet\",\n"
              "      \"quality_score\": 0.87,\n"
              "      \"tags\": [\n"
              "        \"auth\"\n"
              "      ],\n"
              "      \"agent\": \"coder\",\n"
              "      \"template_id\": \"coder-017\",\n"
              "      \"augmentation\": \"base\"\n"
              "    }\n"
              "  }");
    // And an independent parser reads the same values as from the JSONL line.
    std::string line;
    ruvllm::append_jsonl(line, e);
    EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json::parse(line));
}

TEST(Json, EmptyTagsPrintAsEmptyArray) {
    std::string out;
    ruvllm::Example e = sample();
    e.metadata.tags.clear();
    ruvllm::append_json_pretty(out, e, 0);
    EXPECT_NE(out.find("\"tags\": [],"), std::string::npos);
}

TEST(Jsonl, ParseExampleRoundTrips) {
    std::string line;
    ruvllm::append_jsonl(line, sample());
    ruvllm::Result<ruvllm::Example> e = ruvllm::parse_example(line, "x.jsonl:1");
    ASSERT_TRUE(e) << e.error().message;
    std::string again;
    ruvllm::append_jsonl(again, *e);
    EXPECT_EQ(again, line);
}

TEST(Jsonl, ParseErrorsNameTheLineAndField) {
    const struct {
        const char* line;
        ruvllm::Errc code;
        const char* fragment;
    } cases[] = {
        {"{not json", ruvllm::Errc::parse, "f.jsonl:3: not valid JSON"},
        {"[1,2]", ruvllm::Errc::format, "expected a JSON object"},
        {"{\"context\":\"x\",\"output_agent\":\"coder\"}",
         ruvllm::Errc::format,
         "missing field 'input'"},
        {"{\"input\":5,\"output_agent\":\"coder\"}",
         ruvllm::Errc::format,
         "field 'input' is number, expected a string"},
        {"{\"input\":\"x\",\"output_agent\":\"coder\",\"metadata\":{\"complexity\":\"Hard\"}}",
         ruvllm::Errc::format,
         "expected Simple, Moderate or Complex"},
    };

    for (const auto& c : cases) {
        ruvllm::Result<ruvllm::Example> e = ruvllm::parse_example(c.line, "f.jsonl:3");
        ASSERT_FALSE(e) << c.line;
        EXPECT_EQ(e.error().code, c.code) << c.line;
        EXPECT_NE(e.error().message.find(c.fragment), std::string::npos) << e.error().message;
    }
}

TEST(Jsonl, ReaderSkipsBlankLinesAndAcceptsMissingFinalNewline) {
    ruvllm::test::TempDir dir;
    std::string a, b;
    ruvllm::append_jsonl(a, sample());
    ruvllm::Example e2 = sample();
    e2.input = "Second";
    ruvllm::append_jsonl(b, e2);
    b.pop_back();  // no final newline
    ruvllm::test::spit(dir / "d.jsonl", a + "\n  \n" + b);
    ruvllm::Result<std::vector<ruvllm::Example>> r = ruvllm::read_jsonl(dir / "d.jsonl");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[1].input, "Second");
}

TEST(Jsonl, ReaderReportsFileAndLine) {
    ruvllm::test::TempDir dir;
    std::string a;
    ruvllm::append_jsonl(a, sample());
    ruvllm::test::spit(dir / "d.jsonl", a + a + "{broken\n");
    ruvllm::Result<std::vector<ruvllm::Example>> r = ruvllm::read_jsonl(dir / "d.jsonl");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("d.jsonl:3:"), std::string::npos) << r.error().message;
}

TEST(Stats, CountsAndAverageByHand) {
    std::vector<ruvllm::Example> ex(3, sample());
    ex[1].metadata.category = ruvllm::Category::security;
    ex[1].metadata.quality_score = 0.93f;
    ex[2].metadata.domain = ruvllm::Domain::api;
    ex[2].metadata.complexity = ruvllm::Complexity::complex;
    ex[2].metadata.quality_score = 0.80f;
    const ruvllm::DatasetStats s = ruvllm::compute_stats(ex);
    EXPECT_EQ(s.total_examples, 3u);
    EXPECT_EQ(s.per_category[0], 2u);
    EXPECT_EQ(s.per_category[2], 1u);
    EXPECT_EQ(s.per_complexity[1], 2u);
    EXPECT_EQ(s.per_domain[7], 1u);
    EXPECT_NEAR(s.avg_quality_score, (0.87 + 0.93 + 0.80) / 3, 1e-6);
    const nlohmann::json j = nlohmann::json::parse(ruvllm::stats_to_json(s));
    EXPECT_EQ(j["total_examples"], 3);
    EXPECT_EQ(j["examples_per_category"]["security"], 1);
    EXPECT_EQ(j["examples_per_complexity"]["Complex"], 1);
    EXPECT_EQ(j["examples_per_domain"]["Api"], 1);
    EXPECT_NEAR(j["avg_quality_score"].get<double>(), 0.8667, 1e-9);
}

TEST(Normalize, LowerCasesAndCollapsesPunctuation) {
    EXPECT_EQ(ruvllm::normalize_text("  Fix the  BUG!! (now) "), "fix the bug now");
    EXPECT_EQ(ruvllm::normalize_text("node.js"), "node js");
    EXPECT_EQ(ruvllm::normalized_hash("Fix the bug"), ruvllm::normalized_hash("fix  the bug."));
    EXPECT_NE(ruvllm::normalized_hash("fix the bug"), ruvllm::normalized_hash("fix a bug"));
}
