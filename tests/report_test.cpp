// report_test.cpp: the HTML report (report.h) on small hand-made runs: input discovery, a
// well-formed page with one <svg> per chart and the expected number of points, bars and cells,
// escaping of user strings, "not available" sections, and errors that name the file; and the
// honest numbers of #17: one basis for the modes, GRPO axes from 0 with task counts, the
// router's own label set, red flags, scores named for what they are.
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
    EXPECT_EQ(count(*html, "<svg"), 11u);
    const std::map<std::string, std::string> c = charts(*html);
    ASSERT_EQ(c.size(), 11u);
    EXPECT_EQ(count(c.at("loss"), "<circle class=\"point\""), 4u);      // 4 epochs
    EXPECT_EQ(count(c.at("accuracy"), "<circle class=\"point\""), 8u);  // train + val
    EXPECT_EQ(count(c.at("labels"), "<rect class=\"bar\""), 3u);        // the router's labels
    EXPECT_EQ(count(c.at("modes"), "<rect class=\"bar\""), 3u);         // 3 modes, one basis
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
    // every check passes on the fixture: no flag, and the page says what it checked
    EXPECT_EQ(count(*html, "class=\"flag"), 0u);
    EXPECT_NE(html->find("no red flags (3 checks"), std::string::npos);
    // the weak keyword rule is listed (escaped), the good one is not
    EXPECT_NE(html->find("<tr><td>fix &lt;b&gt;</td><td>coder</td><td>3 / 4</td><td>0.7500</td>"),
              std::string::npos);
    EXPECT_EQ(html->find("<td>review</td>"), std::string::npos);
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
        {"x.grpo.json",
         R"({"val_tasks": "many", "rounds": [{"round": 1}]})",
         ": val_tasks is string, expected a number"},
        {"eval.json",
         R"({"keyword_rules": [{"phrase": 3, "decided": 1, "right": 1}]})",
         ": keyword_rules[0].phrase is 3, expected a string"},
        {"eval.json",
         R"({"heads": {"tier_accuracy": 0.5, "tier_table_baseline_accuracy": "0.6"}})",
         ": heads.tier_table_baseline_accuracy is string, expected a number"},
        {"m.gguf.stats.json",
         R"({"labels": ["a"], "train_examples_per_label": {"a": -1}})",
         ": train_examples_per_label.a is -1, expected a count >= 0"},
        {"m.gguf.stats.json",
         R"({"labels": ["a", 2]})",
         ": labels[1] is number, expected a string"},
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

// ---- honest numbers (#17) ----

// The y-axis tick values of a chart (its right-aligned tick labels), lowest first.
std::vector<double> y_ticks(const std::string& svg) {
    std::vector<double> out;
    const std::string tag = "text-anchor=\"end\">";
    for (size_t at = svg.find(tag); at != std::string::npos; at = svg.find(tag, at + 1)) {
        out.push_back(std::stod(svg.substr(at + tag.size())));
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The text of the <p> (or <li>) that contains `what`, for messages.
std::string around(const std::string& html, const std::string& what) {
    const size_t at = html.find(what);
    return at == std::string::npos ? "(absent)" : html.substr(at > 80 ? at - 80 : 0, 240);
}

TEST(ReportHonest, ModesShareOneBasisAndCoverageIsSaidApart) {
    TempDir dir;
    spit(dir / "eval.json",
         R"({"examples": 400,
             "modes": {"keyword": {"accuracy": 0.2375, "coverage": 0.25,
                                   "accuracy_decided": 0.95, "macro_f1": 0.93},
                       "embedding": {"accuracy": 0.7, "coverage": 1, "accuracy_decided": 0.7,
                                     "macro_f1": 0.68},
                       "hybrid": {"accuracy": 0.75, "coverage": 1, "accuracy_decided": 0.75,
                                  "macro_f1": 0.74}}})");
    const Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(tag_problem(*html), "");
    const std::string modes = charts(*html).at("modes");
    // one bar per mode, all of them accuracy over all tasks, on an axis from 0 to 1
    EXPECT_EQ(count(modes, "<rect class=\"bar\""), 3u);
    EXPECT_EQ(count(modes, ", accuracy over all 400 tasks: "), 3u);
    EXPECT_NE(modes.find("keyword, accuracy over all 400 tasks: 0.237"), std::string::npos);
    EXPECT_NE(modes.find(">accuracy (share of all 400 tasks)</text>"), std::string::npos);
    EXPECT_EQ(y_ticks(modes).front(), 0.0);
    EXPECT_EQ(y_ticks(modes).back(), 1.0);
    // nothing on another basis in the chart: no macro-F1 over decided tasks, no coverage
    EXPECT_EQ(count(modes, "F1"), 0u);
    EXPECT_EQ(count(modes, "coverage"), 0u);
    // the keyword stage's coverage and precision are said beside it
    EXPECT_NE(html->find("<li>keyword stage: decided 25.0% of the tasks (100 of 400), 0.950 "
                         "precision when decided; the undecided tasks count as wrong"),
              std::string::npos)
        << around(*html, "keyword stage:");
    EXPECT_EQ(html->find("<li>embedding stage:"), std::string::npos);  // it decides every task
    EXPECT_NE(html->find("<th>accuracy (all tasks)</th><th>decided</th><th>precision when "
                         "decided</th><th>macro-F1 (decided tasks)</th>"),
              std::string::npos);
    EXPECT_NE(html->find("<tr><td>keyword</td><td>0.2375</td><td>25.0%</td><td>0.9500</td>"
                         "<td>0.9300</td></tr>"),
              std::string::npos);
}

TEST(ReportHonest, GrpoAxesStartAtZeroAndTheChangeIsCountedInTasks) {
    TempDir dir;
    spit(dir / "m.grpo.json",
         R"({"judge": "labels", "val_tasks": 500,
             "rounds": [{"round": 1, "val_reward_before": 1.10, "val_reward_after": 1.11,
                         "val_accuracy_before": 0.570, "val_accuracy_after": 0.572,
                         "kept": true}]})");
    const Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(tag_problem(*html), "");
    const std::map<std::string, std::string> c = charts(*html);
    // a difference of one task in 500 does not fill the plot: accuracy 0 to 1, reward from 0
    EXPECT_EQ(y_ticks(c.at("grpo-accuracy")).front(), 0.0);
    EXPECT_EQ(y_ticks(c.at("grpo-accuracy")).back(), 1.0);
    EXPECT_EQ(y_ticks(c.at("grpo-reward")).front(), 0.0);
    EXPECT_GE(y_ticks(c.at("grpo-reward")).back(), 1.11);
    EXPECT_NE(c.at("grpo-accuracy").find(">validation accuracy on 500 tasks</text>"),
              std::string::npos);
    EXPECT_NE(html->find("validation accuracy 0.5700 (285 of 500) -&gt; 0.5720 (286 of 500) "
                         "after 1 round (1 kept), on 500 validation tasks"),
              std::string::npos)
        << around(*html, "validation accuracy 0.5");
    EXPECT_NE(html->find("<td>0.5700 (285 of 500)</td><td>0.5720 (286 of 500)</td>"),
              std::string::npos);

    // A report without val_tasks (written before #17) says that the count is unknown; a
    // rolled-back last round leaves the model where it was.
    spit(dir / "m.grpo.json",
         R"({"rounds": [{"round": 1, "val_accuracy_before": 0.5, "val_accuracy_after": 0.6,
                         "kept": true},
                        {"round": 2, "val_accuracy_before": 0.6, "val_accuracy_after": 0.55,
                         "kept": false}]})");
    const Result<std::string> old = render_dir(dir.path());
    ASSERT_TRUE(old) << old.error().message;
    EXPECT_NE(old->find("validation accuracy 0.5000 -&gt; 0.6000 after 2 rounds (1 kept); the "
                        "number of validation tasks is not in this file"),
              std::string::npos)
        << around(*old, "validation accuracy 0.5");
    EXPECT_EQ(y_ticks(charts(*old).at("grpo-accuracy")).front(), 0.0);
}

// 13 agent labels in the router's stats, the generator's 5 categories in the dataset's.
constexpr const char* kAgents =
    R"(["tester", "api-docs", "security-architect", "researcher", "planner", "optimizer",
        "reviewer", "refactorer", "coder", "devops", "architect", "documenter", "debugger"])";

TEST(ReportHonest, TheLabelChartIsTheRoutersOwnLabelSet) {
    TempDir dir;
    spit(dir / "agents.gguf.stats.json",
         std::string(R"({"labels": )") + kAgents + R"(, "train_examples_per_label": {
             "tester": 130, "api-docs": 70, "security-architect": 90, "researcher": 120,
             "planner": 80, "optimizer": 60, "reviewer": 110, "refactorer": 75, "coder": 300,
             "devops": 95, "architect": 85, "documenter": 65, "debugger": 100}})");
    fs::create_directories(dir / "dataset");
    spit(dir / "dataset" / "claude_training_stats.json",
         R"({"examples_per_category": {"coder": 10, "researcher": 10, "security": 3,
                                       "architecture": 5, "reviewer": 5}})");
    const Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(tag_problem(*html), "");
    const std::string labels = charts(*html).at("labels");
    EXPECT_EQ(count(labels, "<rect class=\"bar\""), 13u);
    for (const char* l : {"tester",
                          "api-docs",
                          "security-architect",
                          "researcher",
                          "planner",
                          "optimizer",
                          "reviewer",
                          "refactorer",
                          "coder",
                          "devops",
                          "architect",
                          "documenter",
                          "debugger"}) {
        EXPECT_NE(labels.find(std::string("<title>") + l + ": "), std::string::npos) << l;
    }
    EXPECT_NE(labels.find("<title>coder: 300</title>"), std::string::npos);
    for (const char* category : {"<title>security: ", "<title>architecture: "}) {
        EXPECT_EQ(labels.find(category), std::string::npos) << category;
    }
    EXPECT_NE(html->find("Labels the router was trained on (its own 13 labels): training "
                         "examples per label"),
              std::string::npos);
    // the dataset's category table says that it is not this router's label distribution
    EXPECT_NE(html->find("by the generator&#39;s 5 categories; the router of " +
                         html_escape((dir / "agents.gguf.stats.json").string()) +
                         " (13 labels) was trained on other labels"),
              std::string::npos)
        << around(*html, "generator");

    // Stats written before the training counts were recorded: the test split's counts, named.
    spit(dir / "agents.gguf.stats.json",
         R"({"labels": ["a", "b"],
             "test": {"per_label": {"a": {"support": 4}, "b": {"support": 6}}}})");
    spit(dir / "dataset" / "claude_training_stats.json",
         R"({"examples_per_category": {"b": 1, "a": 1}})");
    Result<std::string> old = render_dir(dir.path());
    ASSERT_TRUE(old) << old.error().message;
    EXPECT_EQ(count(charts(*old).at("labels"), "<rect class=\"bar\""), 2u);
    EXPECT_NE(old->find("(its own 2 labels): held-out test examples per label (the training "
                        "split&#39;s counts are not in this file)"),
              std::string::npos);
    EXPECT_EQ(old->find("generator&#39;s"), std::string::npos);  // same label set: no note
    // Only the names: they are listed.
    spit(dir / "agents.gguf.stats.json", R"({"labels": ["a", "b"]})");
    old = render_dir(dir.path());
    ASSERT_TRUE(old) << old.error().message;
    EXPECT_EQ(charts(*old).count("labels"), 0u);
    EXPECT_NE(old->find("The router was trained on 2 labels: a, b (no per-label counts"),
              std::string::npos);
}

TEST(ReportHonest, AHeadBelowItsBaselineIsARedFlag) {
    const auto page = [](const std::string& heads) {
        TempDir dir;
        spit(dir / "eval.json", R"({"heads": )" + heads + "}");
        const Result<std::string> html = render_dir(dir.path());
        if (!html) {
            ADD_FAILURE() << html.error().message;
            return std::string();
        }
        EXPECT_EQ(tag_problem(*html), "");
        return *html;
    };
    const std::string below = page(
        R"({"tier_accuracy": 0.5605, "tier_table_baseline_accuracy": 0.6009,
            "complexity_accuracy": 0.55, "complexity_prior_baseline_accuracy": 0.43})");
    EXPECT_EQ(count(below, "<p class=\"flag\">"), 1u);
    EXPECT_NE(below.find("<p class=\"flag\">red flag: tier head below its baseline: accuracy "
                         "0.5605 vs 0.6009 for the tier table (category x complexity) on the "
                         "same tasks</p>"),
              std::string::npos)
        << around(below, "red flag");
    EXPECT_NE(below.find("<div class=\"flags\"><strong>1 red flag</strong>"), std::string::npos);
    const std::string both = page(
        R"({"tier_accuracy": 0.5, "tier_table_baseline_accuracy": 0.6,
            "complexity_accuracy": 0.40, "complexity_prior_baseline_accuracy": 0.43})");
    EXPECT_EQ(count(both, "<p class=\"flag\">"), 2u);
    EXPECT_NE(both.find("red flag: complexity head below its baseline: accuracy 0.4000 vs "
                        "0.4300 for always the majority class"),
              std::string::npos);
    EXPECT_NE(both.find("<strong>2 red flags</strong>"), std::string::npos);
    // at or above the baselines: no flag, and the page says so
    const std::string above = page(
        R"({"tier_accuracy": 0.6452, "tier_table_baseline_accuracy": 0.6291,
            "complexity_accuracy": 0.43, "complexity_prior_baseline_accuracy": 0.43})");
    EXPECT_EQ(count(above, "class=\"flag"), 0u);
    EXPECT_NE(above.find("no red flags (2 checks"), std::string::npos);

    // The held-out heads of training stats, when they were measured.
    TempDir dir;
    spit(dir / "m.gguf.stats.json",
         R"({"test": {"heads": {"tier_accuracy": 0.55, "tier_table_baseline_accuracy": 0.6,
                                "examples": 200}}})");
    Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(count(*html, "<p class=\"flag\">red flag: tier head below its baseline"), 1u);
    spit(dir / "m.gguf.stats.json",
         R"({"test": {"heads": {"tier_accuracy": 0, "tier_table_baseline_accuracy": 0,
                                "examples": 0}}})");
    html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_EQ(count(*html, "class=\"flag"), 0u);
}

TEST(ReportHonest, KeywordPrecisionBelow090IsARedFlag) {
    const auto page = [](const std::string& keyword) {
        TempDir dir;
        spit(dir / "eval.json", R"({"examples": 200, "modes": {"keyword": )" + keyword + "}}");
        const Result<std::string> html = render_dir(dir.path());
        if (!html) {
            ADD_FAILURE() << html.error().message;
            return std::string();
        }
        return *html;
    };
    const std::string low =
        page(R"({"accuracy": 0.17, "coverage": 0.2, "accuracy_decided": 0.85})");
    EXPECT_NE(low.find("<p class=\"flag\">red flag: keyword rules: 0.8500 precision on the 40 of "
                       "200 tasks (20.0%) that the keyword stage decided, below 0.90</p>"),
              std::string::npos)
        << around(low, "red flag");
    const std::string good =
        page(R"({"accuracy": 0.19, "coverage": 0.2, "accuracy_decided": 0.95})");
    EXPECT_EQ(count(good, "class=\"flag"), 0u);
    EXPECT_NE(good.find("no red flags (1 check of"), std::string::npos);
    // a stage that decided nothing has no precision to judge
    const std::string none = page(R"({"accuracy": 0, "coverage": 0, "accuracy_decided": 0})");
    EXPECT_EQ(count(none, "class=\"flag"), 0u);
    EXPECT_EQ(none.find("no red flags"), std::string::npos);
}

TEST(ReportHonest, ScoresAreNamedForWhatTheyAre) {
    TempDir dir;
    spit(dir / "eval.json",
         R"({"temperature": 0.048, "ece": 0.05,
             "modes": {"embedding": {"accuracy": 0.7}, "hybrid": {"accuracy": 0.75}}})");
    Result<std::string> html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_NE(html->find("<code>confidence</code> is a calibrated probability when the embedding "
                         "stage decides (softmax of the cosines / 0.0480)"),
              std::string::npos)
        << around(*html, "confidence");
    EXPECT_NE(html->find("the matched rule's precision on the training data when the keyword "
                         "stage decides"),
              std::string::npos);
    EXPECT_NE(html->find("<code>top</code> lists raw cosine similarities (-1 to 1, not "
                         "probabilities)"),
              std::string::npos);
    EXPECT_NE(html->find("<th>ECE of the calibrated probability</th><td>0.0500</td>"),
              std::string::npos);
    // with a sparse stage, top ranks blended probabilities
    spit(dir / "eval.json",
         R"({"modes": {"embedding": {"accuracy": 0.7}, "sparse": {"accuracy": 0.7},
                       "hybrid": {"accuracy": 0.75}}})");
    html = render_dir(dir.path());
    ASSERT_TRUE(html) << html.error().message;
    EXPECT_NE(html->find("<code>top</code> lists blended probabilities"), std::string::npos)
        << around(*html, "<code>top</code>");
    EXPECT_EQ(html->find("raw cosine similarities (-1 to 1"), std::string::npos);
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
