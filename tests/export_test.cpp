// export_test.cpp: the dataset directory layout, its files agreeing with each other, and the
// card; nothing left behind when the directory cannot be written.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/export.h>
#include <ruvllm/generator.h>

#include "testutil.h"

namespace fs = std::filesystem;

namespace {

std::vector<ruvllm::Example> tiny_dataset() {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    EXPECT_TRUE(lib);
    ruvllm::GenConfig cfg;
    cfg.per_category = 10;
    ruvllm::Result<std::vector<ruvllm::Example>> r = ruvllm::generate(*lib, cfg);
    return r ? *r : std::vector<ruvllm::Example>{};
}

}  // namespace

TEST(Export, WritesTheSeedLayoutAndTheFilesAgree) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = tiny_dataset();
    ruvllm::ExportPlan plan;
    plan.folds = 3;
    plan.config = {{"seed", "42"}};
    ruvllm::Result<ruvllm::ExportSummary> s = ruvllm::export_dataset(dir / "out", ds, plan);
    ASSERT_TRUE(s) << s.error().message;
    for (const char* f : {"claude_training_full.jsonl",
                          "claude_training_full.json",
                          "claude_training_train.jsonl",
                          "claude_training_val.jsonl",
                          "claude_training_test.jsonl",
                          "claude_training_stats.json",
                          "README.md",
                          "claude_training_fold_1_of_3.jsonl",
                          "claude_training_fold_3_of_3.jsonl"}) {
        EXPECT_TRUE(fs::exists(dir / "out" / f)) << f;
    }
    // No temp files are left.
    for (const auto& e : fs::directory_iterator(dir / "out")) {
        EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
    }
    // The pretty array holds the same objects as the JSONL file, in order.
    ruvllm::Result<std::vector<ruvllm::Example>> full =
        ruvllm::read_jsonl(dir / "out/claude_training_full.jsonl");
    ASSERT_TRUE(full);
    ASSERT_EQ(full->size(), ds.size());
    const nlohmann::json arr =
        nlohmann::json::parse(ruvllm::test::slurp(dir / "out/claude_training_full.json"));
    ASSERT_EQ(arr.size(), ds.size());
    std::string line;
    ruvllm::append_jsonl(line, ds[0]);
    EXPECT_EQ(arr[0], nlohmann::json::parse(line));
    // Splits partition the dataset.
    size_t n = 0;
    for (const char* f : {"train", "val", "test"}) {
        ruvllm::Result<std::vector<ruvllm::Example>> part =
            ruvllm::read_jsonl(dir / "out" / (std::string("claude_training_") + f + ".jsonl"));
        ASSERT_TRUE(part);
        n += part->size();
    }
    EXPECT_EQ(n, ds.size());
    EXPECT_EQ(s->train + s->val + s->test, ds.size());
    const nlohmann::json stats =
        nlohmann::json::parse(ruvllm::test::slurp(dir / "out/claude_training_stats.json"));
    EXPECT_EQ(stats["total_examples"], ds.size());
    EXPECT_NE(ruvllm::test::slurp(dir / "out/README.md").find("| seed | 42 |"), std::string::npos);
}

TEST(Export, OverBalancingAppliesToTrainOnly) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = tiny_dataset();
    ruvllm::ExportPlan plan;
    ruvllm::Result<ruvllm::ExportSummary> plain = ruvllm::export_dataset(dir / "a", ds, plan);
    plan.balance = ruvllm::Balance::over;
    ruvllm::Result<ruvllm::ExportSummary> over = ruvllm::export_dataset(dir / "b", ds, plan);
    ASSERT_TRUE(plain);
    ASSERT_TRUE(over);
    EXPECT_GE(over->train, plain->train);
    EXPECT_EQ(over->val, plain->val);
    EXPECT_EQ(over->test, plain->test);
}

TEST(Export, UnwritableDirectoryIsAnIoErrorAndLeavesNothing) {
    ruvllm::test::TempDir dir;
    ruvllm::test::spit(dir / "file", "x");  // a file where the directory should go
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_dataset(dir / "file/sub", tiny_dataset(), ruvllm::ExportPlan{});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ruvllm::Errc::io);
    EXPECT_NE(s.error().message.find("file/sub"), std::string::npos);
}
