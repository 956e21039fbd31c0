// recipe_test.cpp: train_router (train/recipe.h), the whole `ruvllm train` as one library call:
// the files it writes, the provenance keys and stats it records, same seed -> same bytes, and
// its refusals (an output that is an input, a LoRA on a base without layers).
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/router/model.h>
#include <ruvllm/router/sparse.h>
#include <ruvllm/train/recipe.h>

#include "base_file.h"
#include "gradcheck.h"
#include "testutil.h"

namespace {

namespace fs = std::filesystem;

// fastText lines: three labels, each with its own words.
void write_data(const fs::path& path, int per_label, int offset) {
    const char* words[3][4] = {{"fix", "bug", "crash", "login"},
                               {"test", "coverage", "unit", "flaky"},
                               {"deploy", "kubernetes", "helm", "release"}};
    const char* labels[3] = {"coder", "tester", "devops"};
    std::ofstream out(path);
    for (int i = 0; i < per_label; i++) {
        for (int a = 0; a < 3; a++) {
            out << "__label__" << labels[a] << " " << words[a][(i + offset) % 4] << " the "
                << words[a][(i + offset + 1) % 4] << " item " << i + offset << "\n";
        }
    }
}

struct TrainRun {
    ruvllm::test::TempDir dir;
    ruvllm::TrainRouterConfig cfg;
    std::vector<std::string> lines;
    ruvllm::Log log;

    TrainRun() {
        write_data(dir / "train.txt", 8, 0);
        write_data(dir / "val.txt", 2, 8);
        write_data(dir / "test.txt", 2, 10);
        EXPECT_TRUE(ruvllm::test::write_subword_base(
            dir / "base.gguf", {"fix", "bug", "test", "deploy", "the"}, 500, 1));
        cfg.data = {dir / "train.txt"};
        cfg.val = dir / "val.txt";
        cfg.test = dir / "test.txt";
        cfg.base = dir / "base.gguf";
        cfg.out = dir / "out/router.gguf";
        cfg.train.dim = 8;
        cfg.train.epochs = 3;
        cfg.train.batch = 4;
        cfg.train.adam.lr = 0.01f;
        cfg.train.seed = 7;
        cfg.checkpoint_every = 0;
        cfg.keywords_library = ruvllm::test::tiny_library();
        log.line = [this](const std::string& s) {
            lines.push_back(s);
        };
    }
};

bool has_key(const ruvllm::RouterModel& m, const std::string& key) {
    for (const auto& [k, v] : m.info) {
        if (k == key) {
            return true;
        }
    }
    return false;
}

TEST(TrainRouter, WritesTheRouterAndItsStatsWithTheirProvenance) {
    TrainRun r;
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, r.log);
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_EQ(rep->examples, 24u);
    EXPECT_EQ(rep->stats_path, fs::path(r.cfg.out.string() + ".stats.json"));
    ruvllm::Result<ruvllm::RouterModel> m = ruvllm::RouterModel::load(r.cfg.out);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->labels, (std::vector<std::string>{"coder", "tester", "devops"}));
    for (const char* k : {"ruvllm.train.seed",
                          "ruvllm.train.epochs",
                          "ruvllm.train.tune_embeddings",
                          "ruvllm.train.best_epoch",
                          "ruvllm.metrics.val_ece",
                          "ruvllm.metrics.test_accuracy",
                          "ruvllm.metrics.test_macro_f1"}) {
        EXPECT_TRUE(has_key(*m, k)) << k;
    }
    EXPECT_FALSE(has_key(*m, "ruvllm.train.lora_layers"));  // the base has no layers
    // Provenance: the files it trained on, with their checksums.
    for (const auto& [k, v] : m->info) {
        if (k == "ruvllm.train.data" || k == "ruvllm.train.data_xxh64") {
            const auto& arr = std::get<ruvllm::gguf::Array>(v);
            ASSERT_EQ(arr.strings.size(), 1u);
            EXPECT_EQ(arr.strings[0],
                      k == "ruvllm.train.data" ? r.cfg.data[0].string()
                                               : ruvllm::hex64(*ruvllm::file_xxh64(r.cfg.data[0])));
        }
    }
    EXPECT_TRUE(has_key(*m, "ruvllm.train.val_xxh64"));
    EXPECT_TRUE(has_key(*m, "ruvllm.train.test_xxh64"));
    const nlohmann::json stats = nlohmann::json::parse(ruvllm::test::slurp(rep->stats_path));
    EXPECT_EQ(stats["accuracy_on"], "validation");
    EXPECT_EQ(stats["history"].size(), stats["epochs_completed"].get<size_t>());
    EXPECT_TRUE(stats.contains("calibration"));
    EXPECT_EQ(stats["test"]["examples"], 6);
    EXPECT_EQ(stats["test"]["per_label"].size(), 3u);
    // The training split's examples per label, in the router's own label set (#17).
    EXPECT_EQ(stats["train_examples_per_label"],
              nlohmann::json::parse(R"({"coder": 8, "tester": 8, "devops": 8})"));
    // The sparse stage, the heads' sources and the hybrid's accuracy (#15).
    EXPECT_FALSE(m->sparse.empty());
    EXPECT_EQ(stats["sparse"]["alpha"].get<float>(), m->sparse.alpha());
    EXPECT_GE(stats["sparse"]["alpha"].get<double>(), 0.0);
    EXPECT_LE(stats["sparse"]["alpha"].get<double>(), 1.0);
    EXPECT_TRUE(stats["sparse"]["val_accuracy"].contains("blend"));
    EXPECT_GE(stats["test"]["hybrid_accuracy"].get<double>(), 0.0);
    EXPECT_LE(stats["test"]["hybrid_accuracy"].get<double>(), 1.0);
    EXPECT_GE(stats["total_seconds"].get<double>(), stats["train_seconds"].get<double>());
    // The summary lines of the CLI come from the library, through the Log.
    ASSERT_FALSE(r.lines.empty());
    EXPECT_EQ(r.lines.front().rfind("train: 24 examples, 3 labels, 0 skipped; subword base", 0), 0u)
        << r.lines.front();
    EXPECT_EQ(r.lines.back().rfind("train: ", 0), 0u);
}

TEST(TrainRouter, SameSeedSameBytes) {
    TrainRun r;
    ASSERT_TRUE(ruvllm::train_router(r.cfg, {}));
    const std::string first = ruvllm::test::slurp(r.cfg.out);
    fs::remove(r.cfg.out);
    ASSERT_TRUE(ruvllm::train_router(r.cfg, {}));
    EXPECT_EQ(ruvllm::test::slurp(r.cfg.out), first);
}

TEST(TrainRouter, NoSparseStageWhenAskedNone) {
    TrainRun r;
    r.cfg.sparse = false;
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, r.log);
    ASSERT_TRUE(rep) << rep.error().message;
    ruvllm::Result<ruvllm::RouterModel> m = ruvllm::RouterModel::load(r.cfg.out);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_TRUE(m->sparse.empty());
    EXPECT_TRUE(m->heads.complexity_ngrams.empty());
    EXPECT_FALSE(rep->stats.contains("sparse"));
}

// A validation split of fewer than cross_fit_below examples: the blend is fitted on it and on
// one out-of-fold prediction of every training example (#15); otherwise on it alone, which the
// test recomputes from the saved router.
TEST(TrainRouter, ASmallValidationSplitCrossFitsTheBlend) {
    TrainRun r;
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, r.log);
    ASSERT_TRUE(rep) << rep.error().message;
    const nlohmann::json& sp = rep->stats["sparse"];
    ASSERT_TRUE(sp.contains("cross_fit")) << sp.dump();
    EXPECT_EQ(sp["cross_fit"]["folds"], 5);
    EXPECT_EQ(sp["cross_fit"]["rows"], 24);  // each training example scored once, out of fold
    bool said = false;
    for (const std::string& l : r.lines) {
        said = said || l.find("fitted on validation and 24 out-of-fold training predictions") !=
                           std::string::npos;
    }
    EXPECT_TRUE(said);

    for (const bool off : {true, false}) {
        TrainRun v;
        if (off) {
            v.cfg.cross_fit_folds = 0;
        } else {
            v.cfg.cross_fit_below = 6;  // the validation split has 6 examples: not fewer
        }
        ruvllm::Result<ruvllm::TrainRouterReport> w = ruvllm::train_router(v.cfg, {});
        ASSERT_TRUE(w) << w.error().message;
        EXPECT_FALSE(w->stats["sparse"].contains("cross_fit"));
        ruvllm::Result<ruvllm::RouterModel> m = ruvllm::RouterModel::load(v.cfg.out);
        ASSERT_TRUE(m) << m.error().message;
        ruvllm::Result<ruvllm::LabeledSet> val =
            ruvllm::load_labeled(v.cfg.val, {}, m->labels, true);
        ASSERT_TRUE(val) << val.error().message;
        const int A = m->A();
        std::vector<float> cos(val->rows.size() * A), logits(cos.size());
        std::vector<int32_t> labels;
        for (size_t i = 0; i < val->rows.size(); i++) {
            m->scores(val->rows[i].text, cos.data() + i * A);
            m->sparse.logits(val->rows[i].text, logits.data() + i * A);
            labels.push_back(val->rows[i].label);
        }
        const ruvllm::BlendFit fit = ruvllm::fit_blend(cos, m->tau, logits, labels, A);
        EXPECT_EQ(m->sparse.alpha(), fit.alpha);
        EXPECT_EQ(m->sparse.temperature(), fit.temperature);
    }
}

// Checkpoints rotate (only the newest keep_checkpoints stay), and --resume takes a checkpoint,
// not a final router (which has no epoch to resume from).
TEST(TrainRouter, CheckpointsRotateAndResumeTakesOnlyACheckpoint) {
    TrainRun r;
    r.cfg.train.epochs = 6;
    r.cfg.checkpoint_every = 1;
    r.cfg.keep_checkpoints = 2;
    ASSERT_TRUE(ruvllm::train_router(r.cfg, {}));
    std::set<std::string> left;
    for (const auto& e :
         std::filesystem::directory_iterator(r.dir / "out/router.gguf.checkpoints")) {
        left.insert(e.path().filename().string());
    }
    // Early stopping may end before epoch 6: the two newest written are kept.
    ASSERT_EQ(left.size(), 2u);
    const int last = std::stoi(left.rbegin()->substr(6, 3));
    EXPECT_EQ(left,
              (std::set<std::string>{ruvllm::strformat("epoch-%03d.gguf", last - 1),
                                     ruvllm::strformat("epoch-%03d.gguf", last)}));
    r.cfg.resume = r.dir / "out/router.gguf";
    r.cfg.out = r.dir / "out/again.gguf";
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, {});
    ASSERT_FALSE(rep);
    EXPECT_NE(rep.error().message.find("is not a checkpoint"), std::string::npos)
        << rep.error().message;
    // A checkpoint resumed over another base (of the same dimension) is refused.
    ASSERT_TRUE(ruvllm::test::write_subword_base(
        r.dir / "other.gguf", {"fix", "bug", "test", "deploy", "the", "docs"}, 500, 2));
    r.cfg.base = r.dir / "other.gguf";
    r.cfg.resume = r.dir / "out/router.gguf.checkpoints" / *left.rbegin();
    rep = ruvllm::train_router(r.cfg, {});
    ASSERT_FALSE(rep);
    EXPECT_NE(rep.error().message.find("checkpoint was trained on another base (subword base, "
                                       "dim 16, vocabulary 5), expected this run's (subword "
                                       "base, dim 16, vocabulary 6)"),
              std::string::npos)
        << rep.error().message;
}

// --resume refuses a checkpoint of another base file with the same shapes (what describe() cannot
// tell apart) and of other settings (naming the one that differs); a resumed run numbers its
// epochs from the start of the whole training.
TEST(TrainRouter, ResumeChecksBaseFileAndSettingsAndKeepsEpochNumbers) {
    TrainRun r;
    r.cfg.train.epochs = 6;
    r.cfg.train.patience = 0;
    r.cfg.checkpoint_every = 1;
    r.cfg.keep_checkpoints = 0;
    ASSERT_TRUE(ruvllm::train_router(r.cfg, {}));
    const fs::path ck = r.dir / "out/router.gguf.checkpoints/epoch-003.gguf";
    ASSERT_TRUE(fs::exists(ck));
    r.cfg.resume = ck;
    r.cfg.out = r.dir / "out/resumed.gguf";
    // Same vocabulary, dimension and buckets, other rows (seed 9): another file.
    ASSERT_TRUE(ruvllm::test::write_subword_base(
        r.dir / "twin.gguf", {"fix", "bug", "test", "deploy", "the"}, 500, 9));
    r.cfg.base = r.dir / "twin.gguf";
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, {});
    ASSERT_FALSE(rep);
    EXPECT_NE(rep.error().message.find("checkpoint was trained on another base file"),
              std::string::npos)
        << rep.error().message;
    r.cfg.base = r.dir / "base.gguf";
    r.cfg.train.batch = 8;
    rep = ruvllm::train_router(r.cfg, {});
    ASSERT_FALSE(rep);
    EXPECT_NE(rep.error().message.find("checkpoint was trained with batch=4, this run has batch=8"),
              std::string::npos)
        << rep.error().message;
    r.cfg.train.batch = 4;
    rep = ruvllm::train_router(r.cfg, {});
    ASSERT_TRUE(rep) << rep.error().message;
    const nlohmann::json stats = nlohmann::json::parse(ruvllm::test::slurp(rep->stats_path));
    ASSERT_EQ(stats["history"].size(), 3u);  // epochs 4, 5, 6
    EXPECT_EQ(stats["history"][0]["epoch"], 4);
    EXPECT_EQ(stats["history"][2]["epoch"], 6);
    EXPECT_EQ(stats["epochs_completed"], 6);
    EXPECT_GE(stats["best_epoch"].get<int>(), 4);
    // The last epoch's checkpoint (a run killed after its loop): no epoch left, the stages after
    // training still run and write a router.
    r.cfg.resume = r.dir / "out/router.gguf.checkpoints/epoch-006.gguf";
    r.cfg.out = r.dir / "out/finished.gguf";
    rep = ruvllm::train_router(r.cfg, {});
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_TRUE(ruvllm::RouterModel::load(r.cfg.out));
    EXPECT_EQ(nlohmann::json::parse(ruvllm::test::slurp(rep->stats_path))["epochs_completed"], 6);
}

TEST(TrainRouter, RefusesAnOutputThatIsAnInput) {
    TrainRun r;
    const std::string before = ruvllm::test::slurp(r.dir / "val.txt");
    r.cfg.out = r.dir / "val.txt";
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, {});
    ASSERT_FALSE(rep);
    EXPECT_EQ(rep.error().code, ruvllm::Errc::invalid_argument);
    EXPECT_NE(rep.error().message.find("is also an input"), std::string::npos);
    EXPECT_EQ(ruvllm::test::slurp(r.dir / "val.txt"), before);
    // The stats file too.
    r.cfg.out = r.dir / "r.gguf";
    r.cfg.stats = r.dir / "train.txt";
    EXPECT_FALSE(ruvllm::train_router(r.cfg, {}));
    // An unwritable stats path is refused before training, and an existing router is kept.
    ruvllm::test::spit(r.dir / "r.gguf", "old router");
    r.cfg.stats = "/proc/ruvllm-stats.json";
    r.lines.clear();
    rep = ruvllm::train_router(r.cfg, r.log);
    ASSERT_FALSE(rep);
    EXPECT_EQ(rep.error().code, ruvllm::Errc::io);
    EXPECT_TRUE(r.lines.empty());  // no work was done
    EXPECT_EQ(ruvllm::test::slurp(r.dir / "r.gguf"), "old router");
}

TEST(TrainRouter, ALoraNeedsABaseWithLayers) {
    TrainRun r;
    r.cfg.train.lora.layers = 1;
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, {});
    ASSERT_FALSE(rep);
    EXPECT_NE(rep.error().message.find("--lora-layers 1 needs a Qwen2 --base"), std::string::npos)
        << rep.error().message;
    EXPECT_FALSE(fs::exists(r.cfg.out));
}

TEST(TrainRouter, GrpoRoundsAreRecordedInTheModelAndTheStats) {
    TrainRun r;
    r.cfg.grpo.rounds = 1;
    r.cfg.grpo.config.group = 4;
    ruvllm::Result<ruvllm::TrainRouterReport> rep = ruvllm::train_router(r.cfg, {});
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_EQ(rep->stats["grpo"]["rounds"].size(), 1u);
    ruvllm::Result<ruvllm::RouterModel> m = ruvllm::RouterModel::load(r.cfg.out);
    ASSERT_TRUE(m);
    EXPECT_TRUE(has_key(*m, "ruvllm.grpo.rounds"));
    EXPECT_TRUE(has_key(*m, "ruvllm.grpo.judge"));
}

}  // namespace

namespace {

TEST(GrpoJob, WritesTheImprovedRouterAndItsReport) {
    TrainRun r;
    ASSERT_TRUE(ruvllm::train_router(r.cfg, {}));
    ruvllm::GrpoJob job;
    job.model = r.cfg.out;
    job.data = r.dir / "train.txt";
    job.val = r.dir / "val.txt";
    job.out = r.dir / "grpo/router-grpo.gguf";
    job.run.rounds = 2;
    job.run.config.group = 4;
    // Versions an earlier run left under the same name go; other files stay.
    fs::create_directories(job.out.parent_path());
    const std::vector<std::string> stale = {"router-grpo.round-7.gguf", "router-grpo.round-2.gguf"};
    const std::vector<std::string> others = {
        "router-grpo.round-x.gguf", "other.round-1.gguf", "router-grpo.round-3.txt"};
    for (const std::string& n : stale) {
        ruvllm::test::spit(job.out.parent_path() / n, "old");
    }
    for (const std::string& n : others) {
        ruvllm::test::spit(job.out.parent_path() / n, "keep");
    }
    ruvllm::test::LogCapture cap;
    ruvllm::Result<nlohmann::ordered_json> rep = ruvllm::grpo_job(job, cap.log());
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_TRUE(fs::exists(job.out));
    const nlohmann::json written =
        nlohmann::json::parse(ruvllm::test::slurp(job.out.string() + ".grpo.json"));
    EXPECT_EQ(written["judge"], "labels");
    EXPECT_EQ(written["rounds"].size(), 2u);
    EXPECT_EQ(written["val_tasks"], 6);  // what val_accuracy_* averages over (#17)
    EXPECT_EQ(written["model"], job.out.string());
    // Each round's version exists exactly when the round was kept; the stale ones are gone.
    for (const nlohmann::json& round : written["rounds"]) {
        const fs::path v =
            job.out.parent_path() /
            ("router-grpo.round-" + std::to_string(round["round"].get<int>()) + ".gguf");
        EXPECT_EQ(fs::exists(v), round["kept"].get<bool>()) << v;
        if (round["kept"].get<bool>()) {
            EXPECT_NE(ruvllm::test::slurp(v.string()), "old");
        }
    }
    EXPECT_FALSE(fs::exists(job.out.parent_path() / "router-grpo.round-7.gguf"));
    for (const std::string& n : others) {
        EXPECT_EQ(ruvllm::test::slurp((job.out.parent_path() / n).string()), "keep") << n;
    }
    // A line per round, one for the removed versions, then where it went.
    ASSERT_EQ(cap.lines.size(), 4u);
    EXPECT_NE(cap.lines[2].find("removed"), std::string::npos) << cap.lines[2];
    EXPECT_NE(cap.lines[2].find("router-grpo.round-7.gguf"), std::string::npos) << cap.lines[2];
    // A judge that does not exist.
    job.run.judge = "oracle";
    ruvllm::Result<nlohmann::ordered_json> bad = ruvllm::grpo_job(job, {});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ruvllm::Errc::invalid_argument);
}

}  // namespace
