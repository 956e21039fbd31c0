// pipeline_test.cpp: the pipeline config (pipeline.h): defaults, the repository's ruvllm.yaml
// (every key documented there parses to the defaults), and a table of bad files whose errors
// must name the line and key.
#include <gtest/gtest.h>

#include <ruvllm/pipeline/pipeline.h>

#include "testutil.h"

TEST(PipelineConfig, RepositoryConfigIsTheDefaults) {
    ruvllm::Result<ruvllm::PipelineConfig> c =
        ruvllm::load_pipeline_config(ruvllm::test::data_dir() / ".." / ".." / "ruvllm.yaml");
    ASSERT_TRUE(c) << c.error().message;
    const ruvllm::PipelineConfig d;
    EXPECT_EQ(c->out, d.out);
    EXPECT_EQ(c->seed, d.seed);
    EXPECT_EQ(c->generate.labels, d.generate.labels);
    EXPECT_EQ(c->generate.format, d.generate.format);
    EXPECT_EQ(c->generate.styles, d.generate.styles);
    EXPECT_EQ(c->train.epochs, d.train.epochs);
    EXPECT_FLOAT_EQ(c->train.lr, d.train.lr);
    EXPECT_EQ(c->grpo.rounds, d.grpo.rounds);
    EXPECT_EQ(c->grpo.judge, d.grpo.judge);
    EXPECT_EQ(c->hard_negatives.enabled, d.hard_negatives.enabled);
    EXPECT_EQ(c->export_.enabled, d.export_.enabled);
}

TEST(PipelineConfig, ValuesAreRead) {
    ruvllm::test::TempDir dir;
    ruvllm::test::spit(dir / "c.yaml",
                       "out: runs/a\nseed: 7\ngenerate:\n  labels: categories\n  folds: 5\n"
                       "train:\n  epochs: 3\n  lr: 0.01\n  pooling: last\n  lora_layers: 2\n"
                       "grpo:\n  enabled: false\neval:\n");
    ruvllm::Result<ruvllm::PipelineConfig> c = ruvllm::load_pipeline_config(dir / "c.yaml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->out, "runs/a");
    EXPECT_EQ(c->seed, 7u);
    EXPECT_EQ(c->generate.labels, "categories");
    EXPECT_EQ(c->generate.folds, 5);
    EXPECT_EQ(c->train.epochs, 3);
    EXPECT_FLOAT_EQ(c->train.lr, 0.01f);
    EXPECT_EQ(c->train.pooling, "last");
    EXPECT_EQ(c->train.lora_layers, 2);
    EXPECT_EQ(c->train.lora_rank, 8);  // the default
    EXPECT_FALSE(c->grpo.enabled);
    EXPECT_TRUE(c->eval.enabled);  // an empty section keeps its defaults
}

TEST(PipelineConfig, ErrorsNameTheLineAndKey) {
    struct Case {
        const char* yaml;
        ruvllm::Errc code;
        const char* message;
    };

    const Case cases[] = {
        {"train:\n  epoch: 3\n",
         ruvllm::Errc::format,
         "c.yaml:2: train.epoch: unknown key, expected one of enabled, epochs, dim, lr, base"},
        {"trian:\n  epochs: 3\n", ruvllm::Errc::format, "c.yaml:1: trian: unknown key"},
        {"train:\n  epochs: many\n",
         ruvllm::Errc::format,
         "c.yaml:2: train.epochs: expected an integer, got \"many\""},
        {"train:\n  epochs: 3.5\n", ruvllm::Errc::format, "train.epochs: expected an integer"},
        {"grpo:\n  enabled: yes\n",
         ruvllm::Errc::format,
         "c.yaml:2: grpo.enabled: expected true or false, got \"yes\""},
        {"generate:\n  format: csv\n",
         ruvllm::Errc::format,
         "c.yaml:2: generate.format: \"csv\" is not allowed, expected one of jsonl, parquet, hf"},
        {"seed: -1\n", ruvllm::Errc::format, "c.yaml:1: seed: expected a non-negative integer"},
        {"train:\n  pooling: max\n",
         ruvllm::Errc::format,
         "c.yaml:2: train.pooling: \"max\" is not allowed, expected one of mean, last"},
        {"train:\n  lora_layers: two\n",
         ruvllm::Errc::format,
         "c.yaml:2: train.lora_layers: expected an integer, got \"two\""},
        {"train: 3\n", ruvllm::Errc::format, "c.yaml:1: train: expected a mapping of keys"},
        {"train:\n  lr: [1, 2]\n",
         ruvllm::Errc::format,
         "c.yaml:2: train.lr: expected a number, got \"a collection\""},
        {"- a\n- b\n", ruvllm::Errc::format, "expected a mapping of sections"},
        {"train: {epochs: 3\n", ruvllm::Errc::parse, "c.yaml:"},
    };
    ruvllm::test::TempDir dir;
    for (const Case& c : cases) {
        ruvllm::test::spit(dir / "c.yaml", c.yaml);
        ruvllm::Result<ruvllm::PipelineConfig> r = ruvllm::load_pipeline_config(dir / "c.yaml");
        ASSERT_FALSE(r) << c.yaml;
        EXPECT_EQ(r.error().code, c.code) << c.yaml;
        EXPECT_NE(r.error().message.find(c.message), std::string::npos)
            << c.yaml << " -> " << r.error().message;
    }
    ruvllm::Result<ruvllm::PipelineConfig> missing = ruvllm::load_pipeline_config(dir / "no.yaml");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ruvllm::Errc::io);
}
