// evaluate_test.cpp: `ruvllm eval` as one call (evaluate_router(EvalJob), eval_table) on
// planted_router.h's model, whose answers are known: the metrics, the files and the table.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/router/evaluate.h>

#include "planted_router.h"
#include "testutil.h"

namespace {

namespace fs = std::filesystem;
using ruvllm::Errc;
using ruvllm::EvalJob;
using ruvllm::EvalSummary;
using ruvllm::Result;

// Five labelled tasks; the last is labelled coder but routes to tester (a misroute).
EvalJob planted_job(const ruvllm::test::TempDir& dir) {
    EXPECT_TRUE(ruvllm::test::planted_router(7).save(dir / "router.gguf"));
    const char* rows[][2] = {{"alpha", "coder"},
                             {"beta", "reviewer"},
                             {"gamma", "tester"},
                             {"unit test", "tester"},
                             {"gamma gamma", "coder"}};
    std::string s;
    for (const auto& r : rows) {
        s += nlohmann::json{{"input", r[0]}, {"output_agent", r[1]}}.dump() + "\n";
    }
    ruvllm::test::spit(dir / "test.jsonl", s);
    EvalJob job;
    job.model = dir / "router.gguf";
    job.data = dir / "test.jsonl";
    return job;
}

TEST(EvalJob, MetricsFilesAndTable) {
    ruvllm::test::TempDir dir;
    EvalJob job = planted_job(dir);
    job.errors = dir / "errors.jsonl";
    job.report = dir / "eval.json";
    ruvllm::test::LogCapture cap;
    Result<EvalSummary> s = ruvllm::evaluate_router(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->report.n, 5u);
    EXPECT_DOUBLE_EQ(s->report.hybrid.accuracy, 0.8);
    EXPECT_EQ(s->report.keyword.decided, 1u);  // "unit test"
    EXPECT_EQ(s->labels, (std::vector<std::string>{"coder", "reviewer", "tester"}));
    EXPECT_EQ(s->n_rules, 1u);
    EXPECT_EQ(s->files, (std::vector<std::string>{job.errors.string(), job.report.string()}));
    EXPECT_TRUE(cap.lines.empty());  // the product is the table

    const std::string errors = ruvllm::test::slurp(job.errors);
    ASSERT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1);
    const nlohmann::json e = nlohmann::json::parse(errors);
    EXPECT_EQ(e["row"], 5);
    EXPECT_EQ(e["task"], "gamma gamma");
    EXPECT_EQ(e["expected"], "coder");
    EXPECT_EQ(e["agent"], "tester");

    const nlohmann::json r = nlohmann::json::parse(ruvllm::test::slurp(job.report));
    EXPECT_EQ(r["model"], job.model.string());
    EXPECT_EQ(r["examples"], 5);
    EXPECT_EQ(r["misrouted"], 1);
    EXPECT_DOUBLE_EQ(r["hybrid_accuracy"].get<double>(), 0.8);
    EXPECT_EQ(r["latency_histogram"]["counts"].size(), 22u);
    EXPECT_EQ(r["modes"]["hybrid"]["confusion"][0][2], 1);

    const std::string table = ruvllm::eval_table(job, *s);
    EXPECT_EQ(table.rfind(job.model.string() + " on " + job.data.string() +
                              ": 5 examples, 3 labels\n\nstage      ",
                          0),
              0u)
        << table;
    EXPECT_NE(table.find("\nhybrid" + std::string(8, ' ') + "0.8000 "), std::string::npos) << table;
    EXPECT_NE(table.find("(keyword stage: 1 rules;"), std::string::npos);
    EXPECT_NE(table.find("confusion matrix (hybrid; rows: true label, columns: predicted)\n" +
                         std::string(20, ' ') + "  coder review tester\ncoder" +
                         std::string(15, ' ') + "      1      0      1\n"),
              std::string::npos)
        << table;
    const std::string tail = "\n1 misrouted examples written to " + job.errors.string() + "\n";
    ASSERT_GE(table.size(), tail.size());
    EXPECT_EQ(table.substr(table.size() - tail.size()), tail);
}

TEST(EvalJob, PerRulePrecisionOnTheEvaluatedData) {
    ruvllm::test::TempDir dir;
    EvalJob job = planted_job(dir);
    // The one rule, "unit test" -> tester, decides all three; one of them is a coder task.
    ruvllm::test::spit(dir / "test.jsonl",
                       "{\"input\": \"unit test\", \"output_agent\": \"tester\"}\n"
                       "{\"input\": \"a unit test\", \"output_agent\": \"tester\"}\n"
                       "{\"input\": \"unit test alpha\", \"output_agent\": \"coder\"}\n"
                       "{\"input\": \"beta\", \"output_agent\": \"reviewer\"}\n");
    job.report = dir / "eval.json";
    Result<EvalSummary> s = ruvllm::evaluate_router(job, {});
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->report.rule_fired, std::vector<uint32_t>{3});
    EXPECT_EQ(s->report.rule_right, std::vector<uint32_t>{2});
    const nlohmann::json r = nlohmann::json::parse(ruvllm::test::slurp(job.report));
    ASSERT_EQ(r["keyword_rules"].size(), 1u);
    EXPECT_EQ(r["keyword_rules"][0]["phrase"], "unit test");
    EXPECT_EQ(r["keyword_rules"][0]["label"], "tester");
    EXPECT_EQ(r["keyword_rules"][0]["decided"], 3);
    EXPECT_EQ(r["keyword_rules"][0]["right"], 2);
    EXPECT_NEAR(r["keyword_rules"][0]["precision"].get<double>(), 2.0 / 3.0, 1e-12);
    const std::string table = ruvllm::eval_table(job, *s);
    EXPECT_NE(table.find("keyword rules that decided here: 1; below 0.90 precision: 1 "
                         "(\"unit test\" -> tester 2/3)\n"),
              std::string::npos)
        << table;
}

TEST(EvalJob, BadInputIsAnError) {
    ruvllm::test::TempDir dir;
    EvalJob job = planted_job(dir);
    job.report = dir / "eval.json";
    job.max_tier = "gpt";
    Result<EvalSummary> s = ruvllm::evaluate_router(job, {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_EQ(s.error().message, "unknown tier \"gpt\", expected haiku, sonnet or opus");

    // A label the model does not have.
    job.max_tier = "opus";
    ruvllm::test::spit(dir / "other.jsonl",
                       R"({"input": "alpha", "output_agent": "devops"})"
                       "\n");
    job.data = dir / "other.jsonl";
    s = ruvllm::evaluate_router(job, {});
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("devops"), std::string::npos) << s.error().message;

    // Not a router.
    job.model = job.data;
    s = ruvllm::evaluate_router(job, {});
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("other.jsonl"), std::string::npos) << s.error().message;
    EXPECT_FALSE(fs::exists(job.report));
}

}  // namespace
