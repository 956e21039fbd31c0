// pretrain_test.cpp: pretraining on a tiny corpus, checked against libfasttext itself (trained
// with the same settings and one thread), the subword base embedding and its GGUF round trip.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include <ruvllm/core/text.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/embed/pool.h>
#include <ruvllm/embed/pretrain.h>
#include <ruvllm/embed/subword.h>

#include "gradcheck.h"
#include "testutil.h"
#include <fasttext/fasttext.h>
#include <signal.h>

namespace {

// A small corpus: the generator's own task texts (a few thousand lines).
std::filesystem::path tiny_corpus(const ruvllm::test::TempDir& dir) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
    EXPECT_TRUE(lib);
    ruvllm::GenConfig cfg;
    cfg.per_agent = 40;
    ruvllm::Result<std::vector<ruvllm::Example>> ds = ruvllm::generate(*lib, cfg);
    const std::filesystem::path p = dir / "corpus.txt";
    std::ofstream out(p);
    out << "Package: demo\nDescription-md5: 0123\nDescription-en: a demo package for tests\n";
    for (const ruvllm::Example& e : *ds) {
        out << e.input << "\n";
    }
    return p;
}

ruvllm::PretrainConfig tiny_config() {
    ruvllm::PretrainConfig c;
    c.dim = 16;
    c.epochs = 2;
    c.bucket = 5000;
    c.min_count = 2;
    c.threads = 1;
    c.storage = ruvllm::TensorType::f32;
    return c;
}

}  // namespace

TEST(Pretrain, WordVectorsMatchLibfasttextExactly) {
    ruvllm::test::TempDir dir;
    const std::filesystem::path corpus = tiny_corpus(dir);
    const ruvllm::PretrainConfig cfg = tiny_config();
    ruvllm::PretrainReport rep;
    ruvllm::Result<ruvllm::gguf::File> f = ruvllm::pretrain(corpus, dir.path(), cfg, {}, &rep);
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_GT(rep.corpus_words, 10000u);
    EXPECT_EQ(rep.corpus_xxh64.size(), 16u);
    ruvllm::Result<ruvllm::SubwordBase> ours = ruvllm::SubwordBase::from_gguf(*f);
    ASSERT_TRUE(ours) << ours.error().message;

    // The oracle: libfasttext trained directly on the same tokenised corpus.
    const std::filesystem::path tok = dir / "tok.txt";
    {
        std::ifstream in(corpus);
        std::ofstream out(tok);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("Package:", 0) == 0 || line.rfind("Description-md5:", 0) == 0) {
                continue;
            }
            if (line.rfind("Description-en:", 0) == 0) {
                line = line.substr(15);
            }
            const std::string n = ruvllm::normalize_words(line);
            if (!n.empty()) {
                out << n << "\n";
            }
        }
    }
    fasttext::Args args;
    args.input = tok.string();
    args.model = fasttext::model_name::sg;
    args.loss = fasttext::loss_name::ns;
    args.dim = cfg.dim;
    args.epoch = cfg.epochs;
    args.minCount = cfg.min_count;
    args.minn = cfg.minn;
    args.maxn = cfg.maxn;
    args.bucket = cfg.bucket;
    args.ws = cfg.window;
    args.neg = cfg.negatives;
    args.lr = cfg.lr;
    args.thread = 1;
    args.seed = static_cast<int>(cfg.seed);
    args.verbose = 0;
    fasttext::FastText ft;
    ft.train(args);
    ASSERT_EQ(ft.getDictionary()->nwords(), static_cast<int32_t>(ours->words().size()));
    std::vector<float> v(static_cast<size_t>(cfg.dim));
    fasttext::Vector fv(cfg.dim);
    int checked = 0;
    for (const char* w : {"refactor", "the", "kubernetes", "flakyness", "zzqx", "c++", "api"}) {
        ours->word_vector(w, v.data());
        ft.getWordVector(fv, w);
        for (int d = 0; d < cfg.dim; d++) {
            ASSERT_NEAR(v[static_cast<size_t>(d)], fv[d], 1e-5f) << w << " dim " << d;
        }
        checked++;
    }
    EXPECT_EQ(checked, 7);
}

TEST(Pretrain, OneThreadIsDeterministic) {
    ruvllm::test::TempDir dir;
    const std::filesystem::path corpus = tiny_corpus(dir);
    ruvllm::Result<ruvllm::gguf::File> a =
        ruvllm::pretrain(corpus, dir.path(), tiny_config(), {}, nullptr);
    ruvllm::Result<ruvllm::gguf::File> b =
        ruvllm::pretrain(corpus, dir.path(), tiny_config(), {}, nullptr);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(ruvllm::gguf::write(*a), ruvllm::gguf::write(*b));
}

// The tokenised corpus is a temp file gone when pretraining ends; the corpora left by a run that
// was killed (its pid no longer runs) are removed by the next run, a live process's are not.
TEST(Pretrain, LeavesNoCorpusAndRemovesDeadRunsCorpora) {
    ruvllm::test::TempDir dir;
    const std::filesystem::path corpus = tiny_corpus(dir);
    const pid_t dead = 4194303;  // above the default pid_max: never a running process
    ASSERT_NE(::kill(dead, 0), 0);
    for (const std::string name : {"pretrain-corpus-4194303.txt",
                                   "pretrain-corpus-4194303.txt.tmp-4194303-0",
                                   "pretrain-corpus-1.txt"}) {  // pid 1 always runs
        ruvllm::test::spit(dir / name, "old");
    }
    ASSERT_TRUE(ruvllm::pretrain(corpus, dir.path(), tiny_config(), {}, nullptr));
    std::vector<std::string> left;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        const std::string n = e.path().filename().string();
        if (n.rfind("pretrain-corpus-", 0) == 0) {
            left.push_back(n);
        }
    }
    EXPECT_EQ(left, std::vector<std::string>{"pretrain-corpus-1.txt"});
}

TEST(Pretrain, RejectsBadInput) {
    ruvllm::test::TempDir dir;
    ruvllm::PretrainConfig c = tiny_config();
    EXPECT_EQ(ruvllm::pretrain(dir / "missing.txt", dir.path(), c, {}, nullptr).error().code,
              ruvllm::Errc::io);
    ruvllm::test::spit(dir / "empty.txt", "...\n---\n");
    EXPECT_EQ(ruvllm::pretrain(dir / "empty.txt", dir.path(), c, {}, nullptr).error().code,
              ruvllm::Errc::format);
    c.maxn = 2;
    EXPECT_EQ(ruvllm::pretrain(dir / "empty.txt", dir.path(), c, {}, nullptr).error().code,
              ruvllm::Errc::invalid_argument);
    // The setting is named with its value; too many threads is refused before fastText starts.
    c = tiny_config();
    c.threads = 100000;
    auto r = ruvllm::pretrain(dir / "empty.txt", dir.path(), c, {}, nullptr);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "pretrain: threads 100000, expected 1-256");
    EXPECT_EQ(ruvllm::PretrainConfig{}.threads, 1);  // the default is the reproducible one
}

// ---- the embedder and pooling on a small hand-made table ----

namespace {

ruvllm::SubwordBase small_base(uint64_t seed) {
    ruvllm::Rng rng(seed);
    ruvllm::SubwordConfig cfg{6, 3, 4, 50};
    std::vector<std::string> words = {"fix", "the", "flaky", "test"};
    return ruvllm::SubwordBase(cfg, words, ruvllm::test::random_vec(rng, (4 + 50) * 6));
}

}  // namespace

TEST(Embedder, OutputIsUnitLengthAndZeroForNothing) {
    const ruvllm::SubwordBase e = small_base(1);
    std::vector<float> v(6);
    e.embed("Fix the flaky test, now!", v.data());
    double n = 0;
    for (float x : v) {
        n += x * x;
    }
    EXPECT_NEAR(n, 1.0, 1e-5);
    e.embed("", v.data());
    EXPECT_EQ(v, std::vector<float>(6, 0.0f));
}

TEST(Embedder, GgufRoundTripKeepsEveryRow) {
    const ruvllm::SubwordBase e = small_base(2);
    ruvllm::gguf::File f;
    ASSERT_TRUE(e.write_to(f, ruvllm::TensorType::f32));
    ruvllm::Result<ruvllm::gguf::File> back = ruvllm::gguf::read(ruvllm::gguf::write(f));
    ASSERT_TRUE(back);
    ruvllm::Result<ruvllm::SubwordBase> e2 = ruvllm::SubwordBase::from_gguf(*back);
    ASSERT_TRUE(e2) << e2.error().message;
    EXPECT_EQ(e2->rows(), e.rows());
    EXPECT_EQ(e2->words(), e.words());
    ruvllm::gguf::File bad;
    EXPECT_EQ(ruvllm::SubwordBase::from_gguf(bad).error().code, ruvllm::Errc::format);
}

TEST(Pool, ForwardEqualsTheEmbedderBitForBit) {
    const ruvllm::SubwordBase e = small_base(3);
    for (const char* text : {"fix the flaky test", "unknown words only", "Test FIX", ""}) {
        std::vector<float> a(6), b(6);
        e.embed(text, a.data());
        ruvllm::PoolActs acts;
        ruvllm::pool_forward(b.data(), acts, ruvllm::text_rows(e, text), e.rows().data(), 6);
        EXPECT_EQ(a, b) << text;
    }
}

TEST(GradCheck, PoolIntoRows) {
    ruvllm::SubwordBase e = small_base(4);
    ruvllm::Rng rng(9);
    const ruvllm::TextRows t = ruvllm::text_rows(e, "fix the flaky flaky tests");
    std::vector<float> rows = e.rows();
    const std::vector<float> fw = ruvllm::test::random_vec(rng, 6);
    std::vector<float> x(6);
    ruvllm::PoolActs acts;
    auto loss = [&] {
        ruvllm::pool_forward(x.data(), acts, t, rows.data(), 6);
        return ruvllm::test::project(x, fw);
    };
    loss();
    std::vector<float> drows(rows.size(), 0.0f);
    std::vector<uint32_t> touched;
    ruvllm::pool_backward(drows.data(), touched, fw.data(), x.data(), acts, t, 6);
    EXPECT_FALSE(touched.empty());
    EXPECT_LT(ruvllm::test::max_rel_error(rows, drows, loss), 1e-2);
}

// With a learned query the embedder and pool_forward still agree bit for bit (the query's
// weights come from one function), including a word without a vector.
TEST(Pool, AttentionForwardEqualsTheEmbedderBitForBit) {
    ruvllm::SubwordBase e = small_base(3);
    ruvllm::Rng rng(5);
    ASSERT_TRUE(e.set_pool_query(ruvllm::test::random_vec(rng, 6, 2.0f)));
    for (const char* text : {"fix the flaky test", "unknown words only", "Test FIX", "x", ""}) {
        std::vector<float> a(6), b(6);
        e.embed(text, a.data());
        ruvllm::PoolActs acts;
        ruvllm::pool_forward(
            b.data(), acts, ruvllm::text_rows(e, text), e.rows().data(), 6, e.pool_query().data());
        EXPECT_EQ(a, b) << text;
    }
}

// Closed forms: a zero query gives the mean's direction; a query along one word's vector, scaled
// up, makes the text embed as that word alone; the weights sum to one.
TEST(Pool, AttentionClosedForms) {
    ruvllm::SubwordBase e = small_base(6);
    const ruvllm::TextRows t = ruvllm::text_rows(e, "fix the flaky test");
    ASSERT_GE(t.words(), 3);
    std::vector<float> mean(6), att(6);
    ruvllm::PoolActs acts;
    ruvllm::pool_forward(mean.data(), acts, t, e.rows().data(), 6);
    const std::vector<float> zero(6, 0.0f);
    ruvllm::pool_forward(att.data(), acts, t, e.rows().data(), 6, zero.data());
    for (int d = 0; d < 6; d++) {
        EXPECT_NEAR(att[d], mean[d], 1e-6);
    }
    double sum = 0;
    for (const float a : acts.alpha) {
        EXPECT_NEAR(a, 1.0 / t.words(), 1e-6);
        sum += a;
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    // The query 50 * uhat_1 (word 1 of the text): its weight goes to ~1.
    std::vector<float> q(acts.uhat.begin() + 6, acts.uhat.begin() + 12);
    for (float& v : q) {
        v *= 50.0f;
    }
    ruvllm::pool_forward(att.data(), acts, t, e.rows().data(), 6, q.data());
    EXPECT_GT(acts.alpha[1], 0.99);
    for (int d = 0; d < 6; d++) {
        EXPECT_NEAR(att[d], acts.uhat[6 + d], 2e-2);
    }
}

// The attention backward against central differences, into the rows and into the query.
TEST(GradCheck, AttentionPoolIntoRowsAndQuery) {
    ruvllm::SubwordBase e = small_base(4);
    ruvllm::Rng rng(9);
    const ruvllm::TextRows t = ruvllm::text_rows(e, "fix the flaky flaky tests");
    std::vector<float> rows = e.rows();
    std::vector<float> q = ruvllm::test::random_vec(rng, 6, 1.5f);
    const std::vector<float> fw = ruvllm::test::random_vec(rng, 6);
    std::vector<float> x(6);
    ruvllm::PoolActs acts;
    auto loss = [&] {
        ruvllm::pool_forward(x.data(), acts, t, rows.data(), 6, q.data());
        return ruvllm::test::project(x, fw);
    };
    loss();
    std::vector<float> drows(rows.size(), 0.0f), dq(6, 0.0f);
    std::vector<uint32_t> touched;
    ruvllm::pool_backward(
        drows.data(), touched, fw.data(), x.data(), acts, t, 6, q.data(), dq.data());
    EXPECT_FALSE(touched.empty());
    EXPECT_LT(ruvllm::test::max_rel_error(rows, drows, loss), 1e-2);
    EXPECT_LT(ruvllm::test::max_rel_error(q, dq, loss), 1e-2);
    // Frozen rows: the query's gradient alone, the same values.
    std::vector<float> dq2(6, 0.0f);
    touched.clear();
    loss();
    ruvllm::pool_backward(nullptr, touched, fw.data(), x.data(), acts, t, 6, q.data(), dq2.data());
    EXPECT_TRUE(touched.empty());
    EXPECT_EQ(dq2, dq);
}

// Split into parts (one per thread), the backward gives every row the same bits as the whole
// pass: each part accumulates its rows (id % parts) in the same order; the query's gradient is
// whole in every part.
TEST(PoolBackward, PartsCoverTheRowsOnceWithTheSameBits) {
    ruvllm::SubwordBase e = small_base(4);
    ruvllm::Rng rng(21);
    const ruvllm::TextRows t = ruvllm::text_rows(e, "fix the flaky flaky tests in the parser");
    const std::vector<float> q = ruvllm::test::random_vec(rng, 6);
    const std::vector<float> fw = ruvllm::test::random_vec(rng, 6);
    for (const float* query : {static_cast<const float*>(nullptr), q.data()}) {
        std::vector<float> x(6);
        ruvllm::PoolActs acts;
        ruvllm::pool_forward(x.data(), acts, t, e.rows().data(), 6, query);
        std::vector<float> whole(e.rows().size(), 0.0f), dq(6, 0.0f);
        std::vector<uint32_t> touched_whole;
        // Twice: a row's second term is added onto its first, as over a batch.
        for (int rep = 0; rep < 2; rep++) {
            ruvllm::pool_backward(whole.data(),
                                  touched_whole,
                                  fw.data(),
                                  x.data(),
                                  acts,
                                  t,
                                  6,
                                  query,
                                  query != nullptr ? dq.data() : nullptr);
        }
        for (uint32_t parts : {2u, 3u}) {
            std::vector<float> split(e.rows().size(), 0.0f);
            std::vector<uint32_t> touched_all;
            for (uint32_t part = 0; part < parts; part++) {
                std::vector<uint32_t> touched;
                std::vector<float> dqp(6, 0.0f);
                for (int rep = 0; rep < 2; rep++) {
                    ruvllm::pool_backward(split.data(),
                                          touched,
                                          fw.data(),
                                          x.data(),
                                          acts,
                                          t,
                                          6,
                                          query,
                                          query != nullptr ? dqp.data() : nullptr,
                                          part,
                                          parts);
                }
                for (uint32_t id : touched) {
                    EXPECT_EQ(id % parts, part);
                }
                touched_all.insert(touched_all.end(), touched.begin(), touched.end());
                if (query != nullptr) {
                    EXPECT_EQ(dqp, dq);
                }
            }
            EXPECT_EQ(split, whole) << parts << " parts";
            std::sort(touched_all.begin(), touched_all.end());
            std::vector<uint32_t> sorted_whole = touched_whole;
            std::sort(sorted_whole.begin(), sorted_whole.end());
            EXPECT_EQ(touched_all, sorted_whole);
        }
    }
}

// The query travels with the base through GGUF; a wrong shape or a NaN is refused at load.
TEST(Embedder, PoolQueryRoundTripsAndIsValidated) {
    ruvllm::SubwordBase e = small_base(2);
    ruvllm::Rng rng(3);
    ASSERT_TRUE(e.set_pool_query(ruvllm::test::random_vec(rng, 6)));
    EXPECT_FALSE(e.set_pool_query(std::vector<float>(5, 0.0f)));
    EXPECT_FALSE(e.set_pool_query({1, 2, 3, 4, 5, NAN}));
    ruvllm::gguf::File f;
    ASSERT_TRUE(e.write_to(f, ruvllm::TensorType::f16));
    ruvllm::Result<ruvllm::SubwordBase> back =
        ruvllm::SubwordBase::from_gguf(*ruvllm::gguf::read(ruvllm::gguf::write(f)));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->pool_query(), e.pool_query());
    EXPECT_NE(back->describe().find("attention pooling"), std::string::npos);
    std::vector<float> a(6), b(6);
    e.embed("fix the flaky test", a.data());
    back->embed("fix the flaky test", b.data());
    for (int d = 0; d < 6; d++) {
        EXPECT_NEAR(a[d], b[d], 2e-3);  // F16 rows
    }
    for (const std::vector<float>& bad :
         {std::vector<float>{1, 2, 3}, std::vector<float>{1, 2, 3, 4, 5, INFINITY}}) {
        ruvllm::gguf::File g;
        ASSERT_TRUE(small_base(2).write_to(g, ruvllm::TensorType::f32));
        ASSERT_TRUE(g.add_tensor("base.pool_query", {bad.size()}, bad, ruvllm::TensorType::f32));
        ruvllm::Result<ruvllm::SubwordBase> r =
            ruvllm::SubwordBase::from_gguf(*ruvllm::gguf::read(ruvllm::gguf::write(g)));
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ruvllm::Errc::format);
        EXPECT_NE(r.error().message.find("pool_query"), std::string::npos) << r.error().message;
    }
}

TEST(Embedder, F16ModelsEmbedFromTheMapAsFromFloats) {
    ruvllm::test::TempDir dir;
    const ruvllm::SubwordBase e = small_base(5);
    ruvllm::gguf::File f;
    ASSERT_TRUE(e.write_to(f, ruvllm::TensorType::f16));
    ASSERT_TRUE(ruvllm::gguf::write_file(f, dir / "b.gguf"));
    ruvllm::Result<ruvllm::SubwordBase> mapped = ruvllm::SubwordBase::load(dir / "b.gguf");
    ASSERT_TRUE(mapped) << mapped.error().message;
    std::vector<float> a(6), b(6);
    mapped->embed("fix the flaky test", a.data());  // rows read as halves from the map
    ruvllm::SubwordBase copy = *mapped;
    copy.mutable_rows();  // converted to floats
    copy.embed("fix the flaky test", b.data());
    EXPECT_EQ(a, b);
    // Writing an F16 model back keeps the exact halves.
    ruvllm::gguf::File again;
    ruvllm::Status w = mapped->write_to(again, ruvllm::TensorType::f16);
    ASSERT_TRUE(w) << w.error().message;
    const auto x = f.tensor_bytes(*f.find_tensor("base.embeddings"));
    const auto y = again.tensor_bytes(*again.find_tensor("base.embeddings"));
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end()));
}

TEST(Embedder, QuantisedRowsEmbedCloseToFloatRows) {
    ruvllm::test::TempDir dir;
    ruvllm::Rng rng(8);
    const ruvllm::SubwordBase e(ruvllm::SubwordConfig{32, 3, 4, 100},
                                {"fix", "the", "bug"},
                                ruvllm::test::random_vec(rng, (3 + 100) * 32));
    std::vector<float> ref(32), q(32);
    e.embed("fix the nasty bug", ref.data());
    for (ruvllm::TensorType t :
         {ruvllm::TensorType::q8_0, ruvllm::TensorType::q5_0, ruvllm::TensorType::q4_0}) {
        ruvllm::gguf::File f;
        ASSERT_TRUE(e.write_to(f, t));
        ASSERT_TRUE(ruvllm::gguf::write_file(f, dir / "q.gguf"));
        ruvllm::Result<ruvllm::SubwordBase> back = ruvllm::SubwordBase::load(dir / "q.gguf");
        ASSERT_TRUE(back) << back.error().message;
        back->embed("fix the nasty bug", q.data());
        double cos = 0;
        for (int d = 0; d < 32; d++) {
            cos += ref[static_cast<size_t>(d)] * q[static_cast<size_t>(d)];
        }
        EXPECT_GT(cos, t == ruvllm::TensorType::q8_0 ? 0.9999 : 0.99)
            << ruvllm::quant::type_info(t).name;
    }
}
