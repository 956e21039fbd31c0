// triplets_test.cpp: `ruvllm triplets` as one call (build_triplets): one triplet per example in
// the seed's format, mined negatives with a model, and one-line errors for bad input.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/train/triplets.h>

#include "planted_router.h"
#include "testutil.h"

namespace {

namespace fs = std::filesystem;
using ruvllm::Errc;
using ruvllm::Result;
using ruvllm::TripletReport;
using ruvllm::TripletsJob;

// Six examples over planted_router.h's three labels.
fs::path write_data(const fs::path& dir) {
    const char* rows[][2] = {{"alpha one", "coder"},
                             {"alpha two", "coder"},
                             {"beta one", "reviewer"},
                             {"beta two", "reviewer"},
                             {"gamma one", "tester"},
                             {"unit test gamma", "tester"}};
    std::string s;
    for (const auto& r : rows) {
        s += nlohmann::json{{"input", r[0]}, {"output_agent", r[1]}}.dump() + "\n";
    }
    ruvllm::test::spit(dir / "data.jsonl", s);
    return dir / "data.jsonl";
}

TEST(TripletsJob, WritesOneTripletPerExample) {
    ruvllm::test::TempDir dir;
    ruvllm::test::LogCapture cap;
    TripletsJob job;
    job.data = write_data(dir.path());
    job.out = dir / "t.jsonl";
    Result<TripletReport> r = ruvllm::build_triplets(job, cap.log());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->total, 6u);
    EXPECT_EQ(r->mined, 0u);  // no model
    EXPECT_EQ(r->table + r->random, 6u);
    const std::string bytes = ruvllm::test::slurp(job.out);
    EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\n'), 6);
    const nlohmann::json first = nlohmann::json::parse(bytes.substr(0, bytes.find('\n')));
    EXPECT_EQ(first["anchor"], "alpha one");
    EXPECT_EQ(first["positive"], "coder");
    EXPECT_NE(first["negative"], "coder");
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_EQ(cap.lines[0],
              "triplets: 6 (0 hard mined, " + std::to_string(r->table) +
                  " hard from the confusing pairs, " + std::to_string(r->random) +
                  " random; 0 mined near-duplicates skipped) -> " + job.out.string());

    // Same job, same bytes; with a model, hard negatives are mined from it.
    ASSERT_TRUE(ruvllm::build_triplets(job, {}));
    EXPECT_EQ(ruvllm::test::slurp(job.out), bytes);
    ASSERT_TRUE(ruvllm::test::planted_router(3).save(dir / "router.gguf"));
    job.model = dir / "router.gguf";
    job.hard_ratio = 1.0f;
    job.near_duplicate = 1.5f;  // nothing is a near-duplicate
    r = ruvllm::build_triplets(job, {});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->mined, 6u);
}

TEST(TripletsJob, BadInputIsAnError) {
    ruvllm::test::TempDir dir;
    ruvllm::test::LogCapture cap;
    TripletsJob job;
    job.data = dir / "nope.jsonl";
    job.out = dir / "t.jsonl";
    Result<TripletReport> r = ruvllm::build_triplets(job, cap.log());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::io);
    EXPECT_NE(r.error().message.find("nope.jsonl: cannot open"), std::string::npos)
        << r.error().message;

    job.data = write_data(dir.path());
    job.hard_ratio = 1.5f;
    r = ruvllm::build_triplets(job, cap.log());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_EQ(r.error().message, "triplets: hard_ratio 1.5, expected 0 to 1");

    // A model whose labels do not cover the data's.
    job.hard_ratio = 0.5f;
    ruvllm::test::spit(dir / "other.jsonl",
                       R"({"input": "x", "output_agent": "devops"})"
                       "\n"
                       R"({"input": "y", "output_agent": "coder"})"
                       "\n");
    job.data = dir / "other.jsonl";
    ASSERT_TRUE(ruvllm::test::planted_router(3).save(dir / "router.gguf"));
    job.model = dir / "router.gguf";
    r = ruvllm::build_triplets(job, cap.log());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("'devops' is not a label of the model"), std::string::npos)
        << r.error().message;
    EXPECT_TRUE(cap.lines.empty());
    EXPECT_FALSE(fs::exists(job.out));
}

}  // namespace
