// adapter_test.cpp: export + merge gives back the same router (every parameter, every score),
// the layout is as documented, and corrupt or mismatched adapters are rejected.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/router/adapter.h>
#include <ruvllm/train/train.h>

#include "gradcheck.h"
#include "planted_router.h"
#include "testutil.h"

namespace {

ruvllm::SubwordBase base(uint64_t seed) {
    ruvllm::Rng rng(seed);
    return ruvllm::SubwordBase(ruvllm::SubwordConfig{8, 3, 4, 500},
                               {"fix", "deploy", "test"},
                               ruvllm::test::random_vec(rng, (3 + 500) * 8));
}

// The subword rows of a router on a subword base.
const std::vector<float>& rows_of(const ruvllm::RouterModel& m) {
    const auto* b = dynamic_cast<const ruvllm::SubwordBase*>(m.base.get());
    EXPECT_NE(b, nullptr);
    return b->rows();
}

ruvllm::RouterModel trained(const ruvllm::SubwordBase& b, bool attention = false) {
    ruvllm::LabeledSet data;
    data.labels = {"coder", "devops", "tester"};
    const char* texts[] = {"fix the login bug",
                           "deploy to production",
                           "test the parser",
                           "fix crash on start",
                           "deploy the helm chart",
                           "test coverage gaps"};
    for (int i = 0; i < 6; i++) {
        data.rows.push_back({texts[i], i % 3, -1, false, ""});
    }
    ruvllm::Rng rng(1);
    ruvllm::RouterModel m = ruvllm::RouterModel::init(
        std::make_shared<const ruvllm::SubwordBase>(b), data.labels, 6, rng);
    ruvllm::TrainConfig c;
    c.dim = 6;
    c.epochs = 5;
    c.batch = 3;
    c.adam.lr = 0.01f;
    c.attention_pooling = attention;
    EXPECT_TRUE(ruvllm::train(m, data, nullptr, c));
    m.keywords = ruvllm::KeywordStage({{"deploy", 1, 2.0f, 1.0f, 2}}, 3, ruvllm::KeywordConfig{});
    m.heads.E = 6;
    m.heads.complexity = ruvllm::test::random_vec(rng, 18);
    m.heads.tier = ruvllm::test::random_vec(rng, 18);
    m.heads.quality = ruvllm::test::random_vec(rng, 6);
    m.heads.quality_bias = 0.25f;
    ruvllm::SparseConfig sc;
    sc.bits = 10;
    sc.epochs = 5;
    ruvllm::Result<ruvllm::SparseModel> sparse = ruvllm::train_sparse(data, sc, ruvllm::Log{});
    EXPECT_TRUE(sparse);
    m.sparse = *sparse;
    m.sparse.set_alpha(0.4f);
    // Any 3-label n-gram model stands in for the tier head's.
    m.heads.tier_ngrams = *sparse;
    m.heads.tier_source = ruvllm::HeadSource::ngrams;
    m.heads.complexity_source = ruvllm::HeadSource::baseline;
    m.heads.complexity_prior = 2;
    return m;
}

}  // namespace

TEST(Adapter, ExportThenMergeRoutesIdentically) {
    ruvllm::test::TempDir dir;
    const ruvllm::SubwordBase b = base(3);
    const ruvllm::RouterModel m = trained(b);
    ruvllm::Result<ruvllm::AdapterSummary> s = ruvllm::export_adapter(m, b, dir / "ad", "ruvllm");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->total_rows, 503u);
    EXPECT_GT(s->changed_rows, 0u);
    EXPECT_LT(s->changed_rows, 503u);  // only the rows the training texts touched
    for (const char* f : {"adapter_weights.bin", "metadata.json", "merge_adapter.sh"}) {
        EXPECT_TRUE(std::filesystem::exists(dir / "ad" / f)) << f;
    }
    const nlohmann::json meta =
        nlohmann::json::parse(ruvllm::test::slurp(dir / "ad/metadata.json"));
    EXPECT_EQ(meta["labels"].size(), 3u);
    EXPECT_EQ(meta["layers"][0]["name"], "router.proj.weight");
    EXPECT_NE(ruvllm::test::slurp(dir / "ad/merge_adapter.sh").find("merge --base"),
              std::string::npos);
    ruvllm::Result<ruvllm::RouterModel> back = ruvllm::merge_adapter(b, dir / "ad");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->w, m.w);
    EXPECT_EQ(back->b, m.b);
    EXPECT_EQ(back->protos, m.protos);
    EXPECT_EQ(back->labels, m.labels);
    EXPECT_EQ(rows_of(*back), rows_of(m));
    EXPECT_EQ(back->keywords.rules().size(), m.keywords.rules().size());
    EXPECT_EQ(back->heads.tier, m.heads.tier);
    EXPECT_EQ(back->heads.complexity, m.heads.complexity);
    EXPECT_EQ(back->heads.quality, m.heads.quality);
    EXPECT_EQ(back->heads.quality_bias, m.heads.quality_bias);
    EXPECT_EQ(back->sparse.buckets(), m.sparse.buckets());
    EXPECT_EQ(back->sparse.weights(), m.sparse.weights());
    EXPECT_EQ(back->sparse.bias(), m.sparse.bias());
    EXPECT_EQ(back->sparse.alpha(), 0.4f);
    EXPECT_EQ(back->heads.tier_ngrams.weights(), m.heads.tier_ngrams.weights());
    EXPECT_TRUE(back->heads.complexity_ngrams.empty());
    EXPECT_EQ(back->heads.tier_source, ruvllm::HeadSource::ngrams);
    EXPECT_EQ(back->heads.complexity_source, ruvllm::HeadSource::baseline);
    EXPECT_EQ(back->heads.complexity_prior, 2);
    std::vector<float> s1(3), s2(3);
    for (const char* t : {"fix the deploy test", "something else entirely"}) {
        m.scores(t, s1.data());
        back->scores(t, s2.data());
        EXPECT_EQ(s1, s2) << t;
        m.sparse.logits(t, s1.data());
        back->sparse.logits(t, s2.data());
        EXPECT_EQ(s1, s2) << t;
    }
    // An adapter without the sparse stage (written before it existed) merges without one.
    nlohmann::json old = meta;
    old.erase("sparse");
    ASSERT_TRUE(ruvllm::write_file_atomic(dir / "ad/metadata.json", old.dump()));
    back = ruvllm::merge_adapter(b, dir / "ad");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_TRUE(back->sparse.empty());
    // A sparse stage whose buckets disagree with its tensor is refused.
    nlohmann::json bad = meta;
    bad["sparse"]["buckets"].erase(0);
    ASSERT_TRUE(ruvllm::write_file_atomic(dir / "ad/metadata.json", bad.dump()));
    back = ruvllm::merge_adapter(b, dir / "ad");
    ASSERT_FALSE(back);
    EXPECT_NE(back.error().message.find("sparse stage"), std::string::npos) << back.error().message;
}

// A router trained with attention pooling: training moved its query off zero, and the query
// travels through the adapter (a tensor of its own) so the merged router scores identically.
TEST(Adapter, AttentionPoolingQueryRoundTrips) {
    ruvllm::test::TempDir dir;
    const ruvllm::SubwordBase b = base(3);
    const ruvllm::RouterModel m = trained(b, true);
    const auto* mb = dynamic_cast<const ruvllm::SubwordBase*>(m.base.get());
    ASSERT_NE(mb, nullptr);
    ASSERT_EQ(mb->pool_query().size(), 8u);
    EXPECT_NE(mb->pool_query(), std::vector<float>(8, 0.0f));
    EXPECT_TRUE(b.pool_query().empty());  // the base given to training is not changed
    ASSERT_TRUE(ruvllm::export_adapter(m, b, dir / "ad", "ruvllm"));
    ruvllm::Result<ruvllm::RouterModel> back = ruvllm::merge_adapter(b, dir / "ad");
    ASSERT_TRUE(back) << back.error().message;
    const auto* bb = dynamic_cast<const ruvllm::SubwordBase*>(back->base.get());
    ASSERT_NE(bb, nullptr);
    EXPECT_EQ(bb->pool_query(), mb->pool_query());
    std::vector<float> s1(3), s2(3);
    for (const char* t : {"fix the deploy test", "something else entirely"}) {
        m.scores(t, s1.data());
        back->scores(t, s2.data());
        EXPECT_EQ(s1, s2) << t;
    }
    // Through the router file too.
    ruvllm::Result<ruvllm::gguf::File> f = m.to_gguf(ruvllm::TensorType::f32);
    ASSERT_TRUE(f);
    ruvllm::Result<ruvllm::RouterModel> loaded =
        ruvllm::RouterModel::from_gguf(*ruvllm::gguf::read(ruvllm::gguf::write(*f)), "mem");
    ASSERT_TRUE(loaded) << loaded.error().message;
    m.scores("fix the deploy test", s1.data());
    loaded->scores("fix the deploy test", s2.data());
    EXPECT_EQ(s1, s2);
}

TEST(Adapter, RejectsCorruptAndMismatchedInput) {
    ruvllm::test::TempDir dir;
    const ruvllm::SubwordBase b = base(3);
    const ruvllm::RouterModel m = trained(b);
    // Exporting against a base with another vocabulary is refused.
    const ruvllm::SubwordBase wrong(
        ruvllm::SubwordConfig{8, 3, 4, 500}, {"fix", "x", "y"}, std::vector<float>(503 * 8));
    EXPECT_EQ(ruvllm::export_adapter(m, wrong, dir / "x", "ruvllm").error().code,
              ruvllm::Errc::format);
    ASSERT_TRUE(ruvllm::export_adapter(m, b, dir / "ad", "ruvllm"));
    const std::string good = ruvllm::test::slurp(dir / "ad/adapter_weights.bin");

    const struct {
        const char* name;
        std::string bytes;
        const char* fragment;
    } cases[] = {
        {"bad magic", "XUVLLMAD" + good.substr(8), "bad magic"},
        {"truncated", good.substr(0, good.size() - 3), "does not match its shape"},
        {"trailing", good + "x", "trailing bytes"},
        {"empty", "", "bad magic"},
    };

    for (const auto& c : cases) {
        ruvllm::test::spit(dir / "ad/adapter_weights.bin", c.bytes);
        ruvllm::Result<ruvllm::RouterModel> r = ruvllm::merge_adapter(b, dir / "ad");
        ASSERT_FALSE(r) << c.name;
        EXPECT_EQ(r.error().code, ruvllm::Errc::format) << c.name;
        EXPECT_NE(r.error().message.find(c.fragment), std::string::npos)
            << c.name << ": " << r.error().message;
    }
    // The right bytes over another base: the router tensors do not fit its dimension.
    ruvllm::test::spit(dir / "ad/adapter_weights.bin", good);
    ruvllm::Rng rng(9);
    const ruvllm::SubwordBase other(
        ruvllm::SubwordConfig{16, 3, 4, 500}, {"fix"}, ruvllm::test::random_vec(rng, 501 * 16));
    EXPECT_EQ(ruvllm::merge_adapter(other, dir / "ad").error().code, ruvllm::Errc::format);

    // metadata.json values a router file could not hold are refused as its load would.
    const nlohmann::json meta =
        nlohmann::json::parse(ruvllm::test::slurp(dir / "ad/metadata.json"));

    const struct {
        const char* key;
        nlohmann::json value;
        const char* fragment;
    } metas[] = {
        {"tau", 0, "ruvllm.router.tau 0, expected a finite temperature"},
        {"tau", 1e300, "ruvllm.router.tau inf, expected"},
        {"labels", std::vector<std::string>(m.labels.size(), "coder"), "repeats the label"},
    };

    for (const auto& c : metas) {
        nlohmann::json edited = meta;
        edited[c.key] = c.value;
        ruvllm::test::spit(dir / "ad/metadata.json", edited.dump());
        ruvllm::Result<ruvllm::RouterModel> r = ruvllm::merge_adapter(b, dir / "ad");
        ASSERT_FALSE(r) << c.key;
        EXPECT_EQ(r.error().code, ruvllm::Errc::format);
        EXPECT_NE(r.error().message.find(c.fragment), std::string::npos) << r.error().message;
    }
}

// ---- export_router / merge_router (`ruvllm export`, `ruvllm merge` as one call each) ----

TEST(AdapterJobs, ExportThenMergeFromFiles) {
    ruvllm::test::TempDir dir;
    const ruvllm::RouterModel m = ruvllm::test::planted_router(5);
    ASSERT_TRUE(m.save(dir / "router.gguf", ruvllm::TensorType::f32));
    ruvllm::test::LogCapture cap;
    ruvllm::ExportJob x;
    x.model = dir / "router.gguf";
    x.out = dir / "ad";
    x.base = dir / "router.gguf";  // a router file holds its base
    x.ruvllm_path = "/opt/bin/ruvllm";
    ruvllm::Result<ruvllm::RouterExportSummary> e = ruvllm::export_router(x, cap.log());
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->adapter.total_rows, 2005u);
    EXPECT_EQ(e->adapter.changed_rows, 0u);
    EXPECT_EQ(e->lora_tensors, 0u);
    ASSERT_EQ(e->files.size(), 3u);
    for (const std::string& f : e->files) {
        EXPECT_TRUE(std::filesystem::exists(f)) << f;
    }
    EXPECT_NE(
        ruvllm::test::slurp(dir / "ad/merge_adapter.sh").find("RUVLLM=${RUVLLM:-/opt/bin/ruvllm}"),
        std::string::npos);
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_EQ(cap.lines[0].rfind("export: " + std::to_string(e->adapter.tensors) +
                                     " tensors, 0 of 2005 subword rows changed, ",
                                 0),
              0u)
        << cap.lines[0];
    EXPECT_NE(cap.lines[0].find(" MiB -> " + x.out.string() +
                                "/{adapter_weights.bin,metadata.json,merge_adapter.sh}"),
              std::string::npos)
        << cap.lines[0];

    cap.lines.clear();
    const ruvllm::MergeJob mj{dir / "router.gguf", dir / "ad", dir / "merged.gguf", "f32"};
    ruvllm::Result<ruvllm::RouterMergeSummary> g = ruvllm::merge_router(mj, cap.log());
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_FALSE(g->lora);
    EXPECT_EQ(g->labels, 3);
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_EQ(cap.lines[0],
              "merge: " + mj.base.string() + " + " + mj.adapter.string() + " -> " +
                  mj.out.string() + " (3 labels)");
    ruvllm::Result<ruvllm::RouterModel> back = ruvllm::RouterModel::load(mj.out);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->protos, m.protos);
    EXPECT_EQ(back->predict("beta"), 1);

    // A LoRA adapter GGUF is folded into its model (lora_merge at scale 1).
    cap.lines.clear();
    const ruvllm::MergeJob lj{ruvllm::test::data_dir() / "lora_base.gguf",
                              ruvllm::test::data_dir() / "lora_adapter.gguf",
                              dir / "lora-merged.gguf"};
    g = ruvllm::merge_router(lj, cap.log());
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_TRUE(g->lora);
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_NE(cap.lines[0].find("(1 tensors, alpha 2, scale 1) -> "), std::string::npos)
        << cap.lines[0];
}

TEST(AdapterJobs, BadJobsAreErrors) {
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(ruvllm::test::planted_router(5).save(dir / "router.gguf"));
    ruvllm::test::LogCapture cap;
    ruvllm::ExportJob x;
    x.model = dir / "router.gguf";
    ruvllm::Result<ruvllm::RouterExportSummary> e = ruvllm::export_router(x, cap.log());
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, ruvllm::Errc::invalid_argument);
    EXPECT_EQ(e.error().message,
              "export: expected -o DIR (a router on a subword base) or --lora FILE (a router on a "
              "Qwen2 base)");
    x.lora = dir / "lora.gguf";  // a subword router has none
    e = ruvllm::export_router(x, cap.log());
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, ruvllm::Errc::invalid_argument);
    EXPECT_EQ(e.error().message.rfind(x.model.string() + ": the router has no LoRA (its base: ", 0),
              0u)
        << e.error().message;
    EXPECT_FALSE(std::filesystem::exists(x.lora));

    const ruvllm::MergeJob mj{dir / "router.gguf", dir / "nowhere", dir / "merged.gguf"};
    ruvllm::Result<ruvllm::RouterMergeSummary> g = ruvllm::merge_router(mj, cap.log());
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().message.find("nowhere"), std::string::npos) << g.error().message;
    EXPECT_NE(g.error().message.find("cannot open"), std::string::npos) << g.error().message;
    g = ruvllm::merge_router({dir / "router.gguf", dir / "nowhere", dir / "m.gguf", "q8_0"}, {});
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, ruvllm::Errc::invalid_argument);
    EXPECT_EQ(g.error().message, "merge: storage 'q8_0', expected f16 or f32");
    EXPECT_TRUE(cap.lines.empty());
    EXPECT_FALSE(std::filesystem::exists(mj.out));
}
