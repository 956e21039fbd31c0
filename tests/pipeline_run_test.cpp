// pipeline_run_test.cpp: run_pipeline (pipeline/run.h), the whole chain as library calls on
// the tiny library and a tiny base: every stage's outputs, resume (nothing reruns), --from
// (that stage and the later ones rerun), and a stage's error named with the stage.
#include <fstream>

#include <gtest/gtest.h>

#include <ruvllm/embed/subword.h>
#include <ruvllm/pipeline/run.h>

#include "base_file.h"
#include "gradcheck.h"
#include "testutil.h"

namespace {

namespace fs = std::filesystem;

struct Chain {
    ruvllm::test::TempDir dir;
    ruvllm::PipelineConfig c;
    ruvllm::test::LogCapture cap;

    Chain() {
        EXPECT_TRUE(ruvllm::test::write_subword_base(
            dir / "base.gguf", {"fix", "bug", "test", "write", "the", "add"}, 800, 3));
        c.out = (dir / "run").string();
        c.generate.library = ruvllm::test::tiny_library().string();
        c.generate.per_agent = 20;
        c.generate.format = "jsonl";
        c.generate.styles = "none";  // the tiny library has no lexicon/styles.yaml
        c.train.epochs = 2;
        c.train.dim = 8;
        c.train.base = (dir / "base.gguf").string();
        c.grpo.rounds = 1;
        c.grpo.group = 4;
        c.export_.enabled = true;
    }

    ruvllm::Result<ruvllm::PipelineSummary> run(ruvllm::PipelineRun r = {}) {
        return ruvllm::run_pipeline(c, r, cap.log());
    }
};

TEST(RunPipeline, EveryStageWritesItsOutputsThenResumeSkipsThem) {
    Chain ch;
    ruvllm::Result<ruvllm::PipelineSummary> s = ch.run();
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->ran,
              (std::vector<std::string>{
                  "generate", "triplets", "train", "grpo", "eval", "export", "report"}));
    EXPECT_EQ(s->skipped, std::vector<std::string>{"hard_negatives"});  // disabled
    const fs::path out = ch.c.out;
    for (const char* f : {"dataset/claude_training_train.jsonl",
                          "dataset/claude_training_test.triplets.jsonl",
                          "router.gguf",
                          "router.gguf.stats.json",
                          "router-grpo.gguf",
                          "router-grpo.gguf.grpo.json",
                          "eval.json",
                          "adapter/metadata.json",
                          "report.html"}) {
        EXPECT_TRUE(fs::exists(out / f)) << f;
    }
    // Run again: every output exists, nothing runs.
    ruvllm::Result<ruvllm::PipelineSummary> again = ch.run();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->ran.empty());
    // --from eval: eval and everything after it.
    ruvllm::PipelineRun from;
    from.from = "eval";
    ruvllm::Result<ruvllm::PipelineSummary> tail = ch.run(from);
    ASSERT_TRUE(tail);
    EXPECT_EQ(tail->ran, (std::vector<std::string>{"eval", "export", "report"}));
}

TEST(RunPipeline, AStageErrorNamesTheStage) {
    Chain ch;
    ch.c.train.base = (ch.dir / "missing.gguf").string();
    ruvllm::Result<ruvllm::PipelineSummary> s = ch.run();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message.rfind("pipeline: train: ", 0), 0u) << s.error().message;
    // An unknown --from is refused before anything runs.
    ruvllm::PipelineRun bad;
    bad.from = "deploy";
    ruvllm::Result<ruvllm::PipelineSummary> b = ch.run(bad);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code, ruvllm::Errc::invalid_argument);
}

}  // namespace
