// export_test.cpp: the dataset directory layout, its files agreeing with each other, and the
// card; nothing left behind when the directory cannot be written.
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/dataset/export.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/labeled.h>

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

TEST(Export, ParquetFilesArePublishedWithTheOthers) {
    ruvllm::test::TempDir dir;
    ruvllm::ExportPlan plan;
    plan.parquet = true;
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_dataset(dir / "out", tiny_dataset(), plan);
    ASSERT_TRUE(s) << s.error().message;
    for (const char* n : {"full", "train", "val", "test"}) {
        const auto p = dir / "out" / (std::string("claude_training_") + n + ".parquet");
        ASSERT_TRUE(std::filesystem::exists(p)) << p;
        const std::string bytes = ruvllm::test::slurp(p);
        EXPECT_EQ(bytes.substr(0, 4), "PAR1");
        EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
    }
    for (const auto& e : std::filesystem::directory_iterator(dir / "out")) {
        EXPECT_EQ(e.path().filename().string().find(".staging"), std::string::npos) << e.path();
    }
}

TEST(Export, HuggingFaceLayoutAndCard) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = tiny_dataset();
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_hf_dataset(dir / "hf", ds, ruvllm::ExportPlan{});
    ASSERT_TRUE(s) << s.error().message;
    for (const char* n : {"train", "validation", "test"}) {
        EXPECT_TRUE(
            std::filesystem::exists(dir / "hf/data" / (std::string(n) + "-00000-of-00001.parquet")))
            << n;
    }
    const std::string card = ruvllm::test::slurp(dir / "hf/README.md");
    ASSERT_EQ(card.substr(0, 4), "---\n");
    const size_t end = card.find("\n---\n", 4);
    ASSERT_NE(end, std::string::npos);
    const std::string yaml = card.substr(4, end - 4);
    for (const char* want :
         {"license: mit",
          "- split: validation\n    path: data/validation-*",
          "  - name: metadata\n    struct:\n    - name: category\n      dtype: string",
          "    - name: quality_score\n      dtype: float64",
          "    - name: tags\n      sequence: string",
          "  - name: train\n    num_bytes: "}) {
        EXPECT_NE(yaml.find(want), std::string::npos) << want;
    }
    EXPECT_NE(yaml.find("num_examples: " + std::to_string(s->train) + "\n"), std::string::npos);
    EXPECT_EQ(s->train + s->val + s->test, ds.size());
    EXPECT_NE(card.find("# ruvllm routing dataset", end), std::string::npos);  // the card follows
}

// Regenerating into a dataset directory replaces the dataset as a set (#16): the previous
// claude_training_* files (a fold count that no longer exists, triplets derived from the old
// split) are gone, other files stay, and no marker is left. A directory with the marker (a run
// killed while publishing) is refused by load_labeled.
TEST(Export, RegeneratingReplacesTheDatasetAsASet) {
    ruvllm::test::TempDir dir;
    ruvllm::ExportPlan plan;
    plan.folds = 5;
    ASSERT_TRUE(ruvllm::export_dataset(dir / "out", tiny_dataset(), plan));
    ruvllm::test::spit(dir / "out/claude_training_train.triplets.jsonl", "{}\n");
    ruvllm::test::spit(dir / "out/notes.txt", "mine\n");
    plan.folds = 3;
    plan.seed = 7;
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_dataset(dir / "out", tiny_dataset(), plan);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_GE(s->removed, 6u);  // at least the 5 folds and the triplets
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir / "out")) {
        names.insert(e.path().filename().string());
    }
    EXPECT_EQ(names.count("claude_training_fold_5_of_5.jsonl"), 0u);
    EXPECT_EQ(names.count("claude_training_train.triplets.jsonl"), 0u);
    EXPECT_EQ(names.count("claude_training_fold_3_of_3.jsonl"), 1u);
    EXPECT_EQ(names.count("notes.txt"), 1u);
    EXPECT_EQ(names.count(ruvllm::kIncompleteMarker), 0u);
    std::set<std::string> written;
    for (const std::string& f : s->files) {
        written.insert(fs::path(f).filename().string());
    }
    written.insert("notes.txt");
    EXPECT_EQ(names, written);
    ASSERT_TRUE(ruvllm::load_labeled(dir / "out/claude_training_train.jsonl", {}));
    ruvllm::test::spit(dir / "out" / ruvllm::kIncompleteMarker, "");
    ruvllm::Result<ruvllm::LabeledSet> r =
        ruvllm::load_labeled(dir / "out/claude_training_train.jsonl", {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("left incomplete by an interrupted generate"),
              std::string::npos);
}
