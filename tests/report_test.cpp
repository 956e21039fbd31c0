// report_test.cpp: the HTML report (report.h) on small hand-made runs: input discovery, a
// well-formed page with one <svg> per chart and the expected number of points, bars and cells,
// escaping of user strings, "not available" sections, and errors that name the file.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/report/report.h>

#include "testutil.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;
using test::spit;
using test::TempDir;

size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) {
        n++;
    }
    return n;
}

// Empty when every tag we generate is closed in order; else what is wrong. Void elements
// (meta) and self-closing tags (<line/>) need no closing tag.
std::string tag_problem(const std::string& html) {
    std::vector<std::string> open;
    for (size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
        const size_t end = html.find('>', at);
        if (end == std::string::npos) {
            return "unterminated tag at byte " + std::to_string(at);
        }
        const std::string tag = html.substr(at + 1, end - at - 1);
        if (tag.rfind("!DOCTYPE", 0) == 0) {
            continue;
        }
        if (tag[0] == '/') {
            if (open.empty() || open.back() != tag.substr(1)) {
                return "</" + tag.substr(1) + "> closes <" + (open.empty() ? "" : open.back()) +
                       "> at byte " + std::to_string(at);
            }
            open.pop_back();
            continue;
        }
        const std::string name = tag.substr(0, tag.find_first_of(" \n/"));
        if (tag.back() == '/' || name == "meta") {
            continue;
        }
        open.push_back(name);
    }
    return open.empty() ? "" : "<" + open.back() + "> is never closed";
}

// The <svg> elements by their data-chart name (the first of each name).
std::map<std::string, std::string> charts(const std::string& html) {
    std::map<std::string, std::string> out;
    for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
        const size_t end = html.find("</svg>", at);
        const size_t name_at = html.find("data-chart=\"", at) + 12;
        const std::string name = html.substr(name_at, html.find('"', name_at) - name_at);
        out.emplace(name, html.substr(at, end - at));
    }
    return out;
}

Result<std::string> render_dir(const fs::path& dir) {
    Result<ReportInputs> in = find_report_inputs(dir);
    if (!in) {
        return in.error();
    }
    return render_report(*in);
}

TEST(Report, FixtureRunHasEveryChart) {
    const Result<std::string> html = render_dir(test::data_dir() / "report_run");
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(tag_problem(*html), "");
    EXPECT_EQ(count(*html, "<svg"), 10u);
    const std::map<std::string, std::string> c = charts(*html);
    ASSERT_EQ(c.size(), 10u);
    EXPECT_EQ(count(c.at("loss"), "<circle class=\"point\""), 4u);      // 4 epochs
    EXPECT_EQ(count(c.at("accuracy"), "<circle class=\"point\""), 8u);  // train + val
    EXPECT_EQ(count(c.at("modes"), "<rect class=\"bar\""), 9u);         // 3 modes x 3 metrics
    EXPECT_EQ(count(c.at("confusion"), "<rect class=\"cell"), 9u);      // 3 x 3
    EXPECT_EQ(count(c.at("per-label"), "<rect class=\"bar\""), 6u);     // 3 labels x P/R
    EXPECT_EQ(count(c.at("tiers"), "<rect class=\"bar\""), 3u);
    EXPECT_EQ(count(c.at("latency"), "<rect class=\"bar\""), 22u);  // 21 edges + 1
    EXPECT_EQ(count(c.at("complexity"), "<rect class=\"bar\""), 3u);
    EXPECT_EQ(count(c.at("grpo-reward"), "<circle class=\"point\""), 4u);  // 2 rounds x 2
    EXPECT_EQ(count(c.at("grpo-accuracy"), "<circle class=\"point\""), 4u);
    EXPECT_EQ(count(*html, "not available"), 0u);
    // the fixture's label "<script>alert(1)</script>" only ever appears escaped
    EXPECT_EQ(count(*html, "<script"), 0u);
    EXPECT_GE(count(*html, "&lt;script&gt;alert(1)&lt;/script&gt;"), 5u);
    EXPECT_NE(html->find("<td class=\"kept\">kept</td>"), std::string::npos);
    EXPECT_NE(html->find("<td class=\"rolled\">rolled back</td>"), std::string::npos);
    // no network: the only URL is the SVG namespace
    EXPECT_EQ(count(*html, "http"), count(*html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST(Report, ConfusionCellsFollowTheMatrix) {
    TempDir dir;
    spit(dir / "eval.json",
         R"({"labels": ["a", "b"], "modes": {"hybrid": {"confusion": [[3, 1], [0, 4]]}}})");
    const Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    const std::string heat = charts(*html).at("confusion");
    EXPECT_EQ(count(heat, "<rect class=\"cell"), 4u);
    EXPECT_EQ(count(heat, "<rect class=\"cell diagonal\""), 2u);
    EXPECT_NE(heat.find("true a, predicted b: 1 (25.0% of the row)"), std::string::npos);
    // absent keys of a valid report: the other charts say what is missing
    EXPECT_NE(html->find("not available: latency histogram (expected latency_histogram in"),
              std::string::npos);
    EXPECT_NE(html->find("not available: tiers chosen"), std::string::npos);
}

TEST(Report, MissingSectionsSayNotAvailable) {
    TempDir dir;
    fs::create_directories(dir / "ds");
    spit(dir / "ds" / "claude_training_stats.json",
         R"({"total_examples": 3, "examples_per_complexity": {"Simple": 3}})");
    const Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(tag_problem(*html), "");
    const std::string run = html_escape(dir.path().string());
    EXPECT_NE(html->find("not available: training stats (expected " + run +
                         "/*.gguf.stats.json or --stats FILE)"),
              std::string::npos);
    EXPECT_NE(html->find("not available: evaluation report (expected " + run + "/eval*.json"),
              std::string::npos);
    EXPECT_NE(html->find("not available: GRPO report (expected " + run + "/*.grpo.json"),
              std::string::npos);
    EXPECT_NE(html->find("not available: examples per domain"), std::string::npos);
    EXPECT_EQ(count(*html, "<svg"), 1u);  // the complexity chart
}

TEST(Report, EveryStringIsEscaped) {
    TempDir dir;
    spit(dir / "eval-x.json",
         R"({"model": "a\"b'&c", "labels": ["<script>", "ok"],
             "modes": {"hybrid": {"confusion": [[1, 0], [0, 1]],
                                  "per_label": {"<script>": {"precision": 1, "recall": 1},
                                                "ok": {"precision": 1, "recall": 1}}}},
             "heads": {"tier_counts": {"<b>": 1}}})");
    const Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(tag_problem(*html), "");
    EXPECT_EQ(count(*html, "<script>"), 0u);
    EXPECT_EQ(count(*html, "<b>"), 0u);
    EXPECT_GE(count(*html, "&lt;script&gt;"), 4u);  // row, column, bar label, tooltips
    EXPECT_NE(html->find("a&quot;b&#39;&amp;c"), std::string::npos);
    EXPECT_EQ(html_escape("<a href='x'>&\"</a>"),
              "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

TEST(Report, GrpoRoundsInsideTrainingStats) {
    TempDir dir;
    spit(dir / "m.gguf.stats.json",
         R"({"history": [{"epoch": 1, "loss": 1.0}],
             "grpo": {"rounds": [{"round": 1, "val_reward_before": 1, "val_reward_after": 2,
                                  "kept": true}]}})");
    const Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_NE(html->find("m.gguf.stats.json (grpo)"), std::string::npos);
    EXPECT_EQ(count(charts(*html).at("grpo-reward"), "<circle class=\"point\""), 2u);
    EXPECT_EQ(html->find("not available: GRPO"), std::string::npos);
    // a missing val_accuracy is a gap, not a point
    EXPECT_EQ(count(charts(*html).at("accuracy"), "<circle class=\"point\""), 0u);
}

TEST(Report, DiscoveryPatterns) {
    TempDir dir;
    fs::create_directories(dir / "dataset");
    fs::create_directories(dir / "other");
    for (const char* f : {"b.gguf.stats.json",
                          "a.gguf.stats.json",
                          "eval.json",
                          "eval-2.json",
                          "m.grpo.json",
                          "notes.json",
                          "model.gguf",
                          "dataset/claude_training_stats.json",
                          "other/unrelated.json"}) {
        spit(dir / f, "{}");
    }
    const Result<ReportFiles> files = discover_report_files(dir.path());
    ASSERT_TRUE(files) << files.error().message;
    const auto names = [](const std::vector<fs::path>& v) {
        std::vector<std::string> out;
        for (const fs::path& p : v) {
            out.push_back(p.lexically_relative(p.parent_path().parent_path()).string());
        }
        return out;
    };
    const std::string d = dir.path().filename().string();
    EXPECT_EQ(names(files->stats),
              (std::vector<std::string>{d + "/a.gguf.stats.json", d + "/b.gguf.stats.json"}));
    EXPECT_EQ(names(files->evals),
              (std::vector<std::string>{d + "/eval-2.json", d + "/eval.json"}));
    EXPECT_EQ(names(files->grpo), (std::vector<std::string>{d + "/m.grpo.json"}));
    EXPECT_EQ(names(files->dataset_stats),
              (std::vector<std::string>{"dataset/claude_training_stats.json"}));
}

TEST(Report, EmptyOrMissingDirectoryIsAnError) {
    TempDir dir;
    spit(dir / "notes.json", "{}");
    const Result<ReportInputs> none = find_report_inputs(dir.path());
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::io);
    EXPECT_EQ(none.error().message,
              dir.path().string() +
                  ": no run outputs found, expected *.gguf.stats.json, eval*.json, "
                  "*/claude_training_stats.json or *.grpo.json");
    const Result<ReportInputs> missing = find_report_inputs(dir / "nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::io);
    EXPECT_NE(missing.error().message.find("nope: run directory not found"), std::string::npos);
    const Result<std::string> empty = render_report(ReportInputs{});
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::invalid_argument);
}

TEST(Report, MalformedJsonNamesTheFile) {
    TempDir dir;
    spit(dir / "eval.json", "{\"accuracy\": 0.5,\n \"labels\": [\"a\",, \"b\"]}\n");
    const Result<ReportInputs> in = find_report_inputs(dir.path());
    ASSERT_FALSE(in);
    EXPECT_EQ(in.error().code, Errc::parse);
    const std::string& msg = in.error().message;
    EXPECT_EQ(
        msg.rfind((dir / "eval.json").string() + ": not valid JSON: parse error at line 2", 0), 0u)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);

    spit(dir / "eval.json", "[1, 2]");
    const Result<ReportInputs> array = find_report_inputs(dir.path());
    ASSERT_FALSE(array);
    EXPECT_EQ(array.error().code, Errc::format);
    EXPECT_EQ(array.error().message,
              (dir / "eval.json").string() + ": top level is array, expected a JSON object");
}

TEST(Report, WrongTypesNameTheFileAndKey) {
    struct Case {
        const char* file;
        const char* json;
        const char* message;
    };

    const Case cases[] = {
        {"m.gguf.stats.json",
         R"({"history": [{"epoch": 1, "loss": 1}, {"epoch": 2, "loss": "low"}]})",
         ": history[1].loss is string, expected a number"},
        {"m.gguf.stats.json",
         R"({"history": [{"loss": 1}]})",
         ": history[0].epoch is missing, expected a number"},
        {"eval.json",
         R"({"labels": ["a", "b"], "modes": {"hybrid": {"confusion": [[1, 2], [3]]}}})",
         ": modes.hybrid.confusion is not a 2 x 2 matrix of counts, expected one row and one "
         "column per label"},
        {"eval.json",
         R"({"latency_histogram": {"edges_us": [1, 10], "counts": [1, 2]}})",
         ": latency_histogram has 2 edges and 2 counts, expected edges + 1 counts"},
        {"eval.json",
         R"({"heads": {"tier_counts": {"haiku": -1}}})",
         ": heads.tier_counts.haiku is -1, expected a count >= 0"},
        {"x.grpo.json",
         R"({"rounds": [{"round": 1, "kept": "yes"}]})",
         ": rounds[0].kept is string, expected true or false"},
    };
    for (const Case& c : cases) {
        TempDir dir;
        spit(dir / c.file, c.json);
        const Result<std::string> html = render_dir(dir.path());
        ASSERT_FALSE(html) << c.json;
        EXPECT_EQ(html.error().code, Errc::format);
        EXPECT_EQ(html.error().message, (dir / c.file).string() + c.message);
    }
}

// ---- write_report (`ruvllm report` as one call) ----

TEST(ReportJob, RunDirectoryAndExtraFilesMakeOnePage) {
    TempDir dir;
    const fs::path run = test::data_dir() / "report_run";
    spit(dir / "eval-extra.json", test::slurp(run / "eval.json"));
    ReportJob job;
    job.run = run;
    job.out = dir / "report.html";
    job.evals = {dir / "eval-extra.json"};
    test::LogCapture cap;
    const Result<ReportSummary> s = write_report(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->stats, 1u);
    EXPECT_EQ(s->evals, 2u);
    EXPECT_EQ(s->dataset_stats, 1u);
    EXPECT_EQ(s->grpo, 1u);
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_EQ(cap.lines[0],
              "report: 1 training stats, 2 eval reports, 1 dataset stats, 1 GRPO reports -> " +
                  job.out.string());
    // The page is the one render_report makes of the same inputs.
    Result<ReportFiles> files = discover_report_files(run);
    ASSERT_TRUE(files);
    files->evals.push_back(dir / "eval-extra.json");
    Result<ReportInputs> in = load_report_inputs(*files, run.string());
    ASSERT_TRUE(in);
    EXPECT_EQ(test::slurp(job.out), *render_report(*in));
}

TEST(ReportJob, NothingToReportIsAnError) {
    TempDir dir;
    ReportJob job;
    job.out = dir / "report.html";
    test::LogCapture cap;
    Result<ReportSummary> s = write_report(job, cap.log());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_EQ(s.error().message.rfind("report: nothing to report, expected --run DIR", 0), 0u);
    job.run = dir.path();  // exists, holds no run outputs
    s = write_report(job, cap.log());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::io);
    EXPECT_EQ(s.error().message,
              dir.path().string() +
                  ": no run outputs found, expected *.gguf.stats.json, eval*.json, "
                  "*/claude_training_stats.json or *.grpo.json");
    job.evals = {dir / "missing.json"};
    s = write_report(job, cap.log());
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("missing.json"), std::string::npos) << s.error().message;
    EXPECT_TRUE(cap.lines.empty());
    EXPECT_FALSE(fs::exists(job.out));
}

}  // namespace
}  // namespace ruvllm
