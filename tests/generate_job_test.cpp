// generate_job_test.cpp: `ruvllm generate` as one call (generate_job.h): the directory and the
// stream hold what the generator makes, the summary and the Log say it, and bad jobs fail
// before anything is written.
#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

#include <ruvllm/dataset/generate_job.h>

#include "testutil.h"

namespace {

namespace fs = std::filesystem;
using ruvllm::Errc;
using ruvllm::GenerateJob;
using ruvllm::GenerateSummary;
using ruvllm::Result;

GenerateJob tiny_job(const fs::path& out) {
    GenerateJob job;
    job.library = ruvllm::test::tiny_library();
    job.out = out;
    job.per_category = 5;
    return job;
}

// What the generator itself makes for `job`, as JSONL.
std::string expected_stream(const GenerateJob& job) {
    Result<ruvllm::Library> lib = ruvllm::load_library(job.library);
    EXPECT_TRUE(lib) << lib.error().message;
    ruvllm::GenConfig cfg;
    cfg.per_category = job.per_category;
    cfg.seed = job.seed;
    ruvllm::StreamGenerator gen(*lib, cfg);
    std::string out;
    for (int64_t i = 0; i < job.count; i++) {
        const ruvllm::Example* e = gen.next();
        EXPECT_NE(e, nullptr);
        ruvllm::append_jsonl(out, *e);
    }
    return out;
}

TEST(GenerateJob, WritesTheDatasetDirectory) {
    ruvllm::test::TempDir dir;
    ruvllm::test::LogCapture cap;
    GenerateJob job = tiny_job(dir / "ds");
    job.folds = 2;
    Result<GenerateSummary> s = ruvllm::generate_dataset(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->agents, 2u);
    EXPECT_EQ(s->templates, 6u);
    EXPECT_EQ(s->examples, s->counts.total());
    EXPECT_EQ(s->train + s->val + s->test, s->examples);
    ASSERT_FALSE(s->files.empty());
    for (const std::string& f : s->files) {
        EXPECT_TRUE(fs::exists(f)) << f;
    }
    EXPECT_TRUE(fs::exists(dir / "ds/claude_training_fold_2_of_2.jsonl"));
    EXPECT_TRUE(fs::exists(dir / "ds/README.md"));

    // The full file holds every example of the generator, in its order.
    Result<ruvllm::Library> lib = ruvllm::load_library(job.library);
    ASSERT_TRUE(lib);
    ruvllm::GenConfig cfg;
    cfg.per_category = 5;
    Result<std::vector<ruvllm::Example>> ds = ruvllm::generate(*lib, cfg);
    ASSERT_TRUE(ds);
    std::string full;
    for (const ruvllm::Example& e : *ds) {
        ruvllm::append_jsonl(full, e);
    }
    EXPECT_EQ(ruvllm::test::slurp(dir / "ds/claude_training_full.jsonl"), full);

    ASSERT_EQ(cap.lines.size(), 2u);
    EXPECT_EQ(cap.lines[0].rfind("generate: 2 agents, 6 templates; ", 0), 0u) << cap.lines[0];
    EXPECT_EQ(cap.lines[1],
              "generate: split train " + std::to_string(s->train) + " / val " +
                  std::to_string(s->val) + " / test " + std::to_string(s->test) + " -> " +
                  (dir / "ds").string());
    EXPECT_TRUE(cap.steps.empty());

    // The same job again: the same bytes.
    GenerateJob again = job;
    again.out = dir / "ds2";
    ASSERT_TRUE(ruvllm::generate_dataset(again, {}));
    for (const char* f : {"claude_training_full.jsonl",
                          "claude_training_train.jsonl",
                          "claude_training_stats.json",
                          "README.md"}) {
        EXPECT_EQ(ruvllm::test::slurp(dir / "ds" / f), ruvllm::test::slurp(dir / "ds2" / f)) << f;
    }
}

TEST(GenerateJob, StreamsToAFileOrAnOpenStream) {
    ruvllm::test::TempDir dir;
    ruvllm::test::LogCapture cap;
    GenerateJob job = tiny_job(dir / "stream.jsonl");
    job.stream = true;
    job.count = 25;
    Result<GenerateSummary> s = ruvllm::generate_dataset(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->examples, 25u);
    EXPECT_EQ(s->files, std::vector<std::string>{(dir / "stream.jsonl").string()});
    const std::string want = expected_stream(job);
    EXPECT_EQ(ruvllm::test::slurp(dir / "stream.jsonl"), want);
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_EQ(cap.lines[0].rfind("generate: 25 examples in ", 0), 0u) << cap.lines[0];
    EXPECT_NE(cap.lines[0].find("-> " + (dir / "stream.jsonl").string()), std::string::npos);
    ASSERT_FALSE(cap.steps.empty());
    EXPECT_EQ(cap.steps.back(), "generate 1.000000 25 examples");

    // To an open stream ("-" reads "stdout" in the summary line).
    job.out = "-";
    std::FILE* fp = std::tmpfile();
    ASSERT_NE(fp, nullptr);
    cap.lines.clear();
    s = ruvllm::stream_dataset(job, fp, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    std::string got(static_cast<size_t>(std::ftell(fp)), '\0');
    std::rewind(fp);
    ASSERT_EQ(std::fread(got.data(), 1, got.size(), fp), got.size());
    std::fclose(fp);
    EXPECT_EQ(got, want);
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_NE(cap.lines[0].find("-> stdout"), std::string::npos) << cap.lines[0];
}

TEST(GenerateJob, BadJobsFailBeforeWriting) {
    ruvllm::test::TempDir dir;

    const struct {
        const char* name;
        void (*edit)(GenerateJob&);
        Errc code;
        const char* message;  // a prefix
    } cases[] = {
        {"negative count", [](GenerateJob& j) { j.per_category = -3; }, Errc::invalid_argument, ""},
        {"labels",
         [](GenerateJob& j) { j.labels = "intents"; },
         Errc::invalid_argument,
         "generate: labels 'intents', expected categories or agents"},
        {"format",
         [](GenerateJob& j) { j.format = "csv"; },
         Errc::invalid_argument,
         "generate: format 'csv', expected jsonl, parquet or hf"},
        {"license",
         [](GenerateJob& j) { j.license = "mit license"; },
         Errc::invalid_argument,
         "generate: license 'mit license', expected a Hugging Face license id"},
        {"split",
         [](GenerateJob& j) { j.split = "0.5,0.3,0.3"; },
         Errc::invalid_argument,
         "--split '0.5,0.3,0.3'"},
        {"folds",
         [](GenerateJob& j) { j.folds = 1; },
         Errc::invalid_argument,
         "--folds 1, expected 0 (none) or >= 2"},
        {"count without stream",
         [](GenerateJob& j) { j.count = 5; },
         Errc::invalid_argument,
         "--count is for streaming"},
        {"library",
         [](GenerateJob& j) { j.library = "/nonexistent/lib"; },
         Errc::io,
         "/nonexistent/lib: library directory not found"},
        {"stream without count",
         [](GenerateJob& j) { j.stream = true; },
         Errc::invalid_argument,
         "--stream needs --count N"},
        {"stream to stdout",
         [](GenerateJob& j) {
             j.stream = true;
             j.count = 3;
             j.out = "-";
         },
         Errc::invalid_argument,
         "generate: out '-' is standard output"},
    };

    for (const auto& c : cases) {
        GenerateJob job = tiny_job(dir / "out");
        c.edit(job);
        ruvllm::test::LogCapture cap;
        Result<GenerateSummary> s = ruvllm::generate_dataset(job, cap.log());
        ASSERT_FALSE(s) << c.name;
        EXPECT_EQ(s.error().code, c.code) << c.name << ": " << s.error().message;
        EXPECT_EQ(s.error().message.rfind(c.message, 0), 0u) << c.name << ": " << s.error().message;
        EXPECT_TRUE(cap.lines.empty()) << c.name;
        EXPECT_FALSE(fs::exists(dir / "out")) << c.name;
    }
    // A batch job is not a stream.
    std::FILE* fp = std::tmpfile();
    Result<GenerateSummary> s = ruvllm::stream_dataset(tiny_job(dir / "out"), fp, {});
    std::fclose(fp);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
}

}  // namespace

// Splits are grouped by template (#17): an agent with one template has no validation or test
// examples (a warning line says so), and a library whose agents all have one template would
// leave those splits empty: refused before anything is written. The card names the library,
// never its path.
TEST(GenerateJob, TooFewTemplatesPerLabel) {
    ruvllm::test::TempDir dir;
    const fs::path lib = dir / "lib";
    fs::copy(ruvllm::test::tiny_library(), lib, fs::copy_options::recursive);
    const std::string one_template =
        "agent: tester\ncategory: reviewer\ndescription: Writes tests.\n"
        "keywords: [unit test]\ntemplates:\n"
        "  - text: Write unit tests for the {service}\n    complexity: Simple\n"
        "    domain: Api\n    tags: [testing]\n    quality: 0.93\n";
    ruvllm::test::spit(lib / "agents/tester.yaml", one_template);
    ruvllm::test::LogCapture cap;
    GenerateJob job = tiny_job(dir / "ds");
    job.library = lib;
    Result<GenerateSummary> s = ruvllm::generate_dataset(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    std::vector<std::string> warnings;
    for (const std::string& l : cap.lines) {
        if (l.rfind("generate: warning: ", 0) == 0) {
            warnings.push_back(l);
        }
    }
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_NE(warnings[1].find("the test split has no example of 1 label(s) (reviewer)"),
              std::string::npos)
        << warnings[1];
    const std::string card = ruvllm::test::slurp(dir / "ds/README.md");
    EXPECT_NE(card.find("| library | lib (a custom library) |"), std::string::npos) << card;
    EXPECT_EQ(card.find(dir.path().string()), std::string::npos);  // no path of this machine

    // Both agents with one template: the validation split would be empty.
    std::string coder = ruvllm::test::slurp(lib / "agents/coder.yaml");
    coder = coder.substr(0, coder.find("  - text: Build a"));
    ruvllm::test::spit(lib / "agents/coder.yaml", coder);
    job.out = dir / "refused";
    s = ruvllm::generate_dataset(job, {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_NE(s.error().message.find("generate: the validation split would be empty"),
              std::string::npos)
        << s.error().message;
    EXPECT_FALSE(fs::exists(dir / "refused"));
    job.split = "1,0,0";  // a train split only: asked for, so written
    ASSERT_TRUE(ruvllm::generate_dataset(job, {}));
}
