// train_slow_test.cpp (label: slow): the known-parameter-recovery gate. A base pretrained on
// generated task text and a router trained on the generator's train split must route the
// held-out test split (unseen templates) well above chance.
#include <fstream>

#include <gtest/gtest.h>

#include <ruvllm/dataset/export.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/split.h>
#include <ruvllm/embed/pretrain.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/train/train.h>

#include "testutil.h"

TEST(TrainGate, HeldOutTemplatesAreRoutedWell) {
    ruvllm::test::TempDir dir;
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
    ASSERT_TRUE(lib);
    ruvllm::GenConfig gcfg;
    gcfg.per_agent = 40;
    gcfg.labels = ruvllm::Labels::agents;
    ruvllm::Result<std::vector<ruvllm::Example>> ds = ruvllm::generate(*lib, gcfg);
    ASSERT_TRUE(ds);
    ruvllm::Result<std::vector<int>> split = ruvllm::assign_splits(*ds, {0.8, 0.0, 0.2}, 42);
    ASSERT_TRUE(split);
    ruvllm::LabeledSet train_set, test_set;
    std::ofstream corpus(dir / "corpus.txt");
    for (size_t i = 0; i < ds->size(); i++) {
        const ruvllm::Example& e = (*ds)[i];
        ruvllm::LabeledSet& dst = (*split)[i] == 0 ? train_set : test_set;
        int32_t label = -1;
        for (size_t a = 0; a < ruvllm::kAgentTypes.size(); a++) {
            label = ruvllm::kAgentTypes[a] == e.output_agent ? static_cast<int32_t>(a) : label;
        }
        dst.rows.push_back({e.input, label, -1, false, e.metadata.template_id});
        if ((*split)[i] == 0) {
            corpus << e.input << "\n";  // the base sees training text only
        }
    }
    corpus.close();
    train_set.labels = test_set.labels = {ruvllm::kAgentTypes.begin(), ruvllm::kAgentTypes.end()};
    ruvllm::PretrainConfig pcfg;
    pcfg.dim = 32;
    pcfg.epochs = 5;
    pcfg.bucket = 20000;
    pcfg.min_count = 1;
    pcfg.threads = 1;
    ruvllm::Result<ruvllm::gguf::File> base_file =
        ruvllm::pretrain(dir / "corpus.txt", dir.path(), pcfg, {}, nullptr);
    ASSERT_TRUE(base_file) << base_file.error().message;
    ruvllm::Result<ruvllm::SubwordBase> base = ruvllm::SubwordBase::from_gguf(*base_file);
    ASSERT_TRUE(base);
    ruvllm::Rng rng(42);
    ruvllm::RouterModel m = ruvllm::RouterModel::init(
        std::make_shared<const ruvllm::SubwordBase>(std::move(*base)), train_set.labels, 32, rng);
    ruvllm::TrainConfig cfg;
    cfg.dim = 32;
    cfg.epochs = 10;
    cfg.adam.lr = 5e-3f;
    cfg.confusable = ruvllm::confusable_pairs(train_set.labels);
    ruvllm::Result<ruvllm::TrainResult> r = ruvllm::train(m, train_set, nullptr, cfg);
    ASSERT_TRUE(r) << r.error().message;
    const ruvllm::Metrics mt = ruvllm::evaluate(m, test_set);
    std::printf("held-out accuracy %.4f macro-F1 %.4f on %zu examples (13 labels, chance 0.077)\n",
                mt.accuracy,
                mt.macro_f1,
                mt.n);
    EXPECT_GE(mt.accuracy, 0.45);
}
