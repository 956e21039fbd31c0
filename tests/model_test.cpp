// model_test.cpp: the router file's jobs (model.h): quantize_router rewrites a router with its
// subword rows in another type, falling back as llama.cpp does, and says so.
#include <filesystem>

#include <gtest/gtest.h>

#include <ruvllm/router/model.h>

#include "planted_router.h"
#include "testutil.h"

namespace {

namespace fs = std::filesystem;
using ruvllm::Errc;
using ruvllm::QuantizeJob;
using ruvllm::QuantizeSummary;
using ruvllm::Result;
using ruvllm::TensorType;

TEST(QuantizeJob, RewritesTheRowsAndFallsBack) {
    ruvllm::test::TempDir dir;
    const ruvllm::RouterModel m = ruvllm::test::planted_router(9);
    ASSERT_TRUE(m.save(dir / "router.gguf", TensorType::f32));
    ruvllm::test::LogCapture cap;
    // Rows of 16 hold no whole Q8_0 block (32): F16, said first.
    const QuantizeJob job{dir / "router.gguf", dir / "q.gguf", "q8_0"};
    Result<QuantizeSummary> s = ruvllm::quantize_router(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->type, TensorType::f16);
    EXPECT_EQ(s->bytes_in, fs::file_size(job.model));
    EXPECT_EQ(s->bytes_out, fs::file_size(job.out));
    EXPECT_LT(s->bytes_out, s->bytes_in);
    ASSERT_EQ(cap.lines.size(), 2u);
    EXPECT_EQ(cap.lines[0], "quantize: rows of 16 are not a multiple of 32 for Q8_0; using F16");
    EXPECT_EQ(cap.lines[1].rfind("quantize: " + job.model.string() + " (", 0), 0u) << cap.lines[1];
    EXPECT_EQ(cap.lines[1].substr(cap.lines[1].size() - 10), " rows F16)") << cap.lines[1];
    Result<ruvllm::RouterModel> q = ruvllm::RouterModel::load(job.out);
    ASSERT_TRUE(q) << q.error().message;
    for (const char* t : {"alpha", "beta", "gamma"}) {
        EXPECT_EQ(q->predict(t), m.predict(t)) << t;
    }

    // A type the rows take: one line.
    cap.lines.clear();
    s = ruvllm::quantize_router({dir / "q.gguf", dir / "f32.gguf", "f32"}, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->type, TensorType::f32);
    ASSERT_EQ(cap.lines.size(), 1u);
}

TEST(QuantizeJob, BadTypeOrModelIsAnError) {
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(ruvllm::test::planted_router(9).save(dir / "router.gguf"));
    ruvllm::test::LogCapture cap;
    Result<QuantizeSummary> s =
        ruvllm::quantize_router({dir / "router.gguf", dir / "q.gguf", "q3_k"}, cap.log());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_EQ(s.error().message,
              "--type 'q3_k', expected f32, f16, bf16, q8_0, q5_0, q5_1, q4_0, q4_1, q4_k, q5_k "
              "or q6_k");
    s = ruvllm::quantize_router({dir / "nope.gguf", dir / "q.gguf", "q8_0"}, cap.log());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::io);
    EXPECT_NE(s.error().message.find("nope.gguf: cannot open"), std::string::npos)
        << s.error().message;
    EXPECT_TRUE(cap.lines.empty());
    EXPECT_FALSE(fs::exists(dir / "q.gguf"));
}

}  // namespace

// A router whose F16 subword rows hold a NaN (found by fuzz/router_fuzz: the rows are kept
// encoded, so the load used to accept them and only routing met the NaN) is refused on load,
// naming the tensor and the element.
TEST(RouterLoad, NonFiniteEncodedRowsAreRefused) {
    const Result<ruvllm::RouterModel> m =
        ruvllm::RouterModel::load(ruvllm::test::data_dir() / "router_nan_f16_rows.gguf");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::format);
    EXPECT_NE(m.error().message.find("tensor 'base.embeddings' holds NaN at element 37"),
              std::string::npos)
        << m.error().message;
}
