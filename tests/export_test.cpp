// export_test.cpp: the dataset directory layout, its files agreeing with each other, and the
// card (the Hugging Face YAML read back with yaml-cpp); nothing left behind when the directory
// cannot be written or a split would be empty; the exported files read back by load_labeled
// (Parquet, the seed's and the Hugging Face directories).
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <ruvllm/dataset/export.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/formats/parquet_read.h>

#include "testutil.h"

namespace fs = std::filesystem;

namespace {

std::vector<ruvllm::Example> tiny_dataset() {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    EXPECT_TRUE(lib);
    ruvllm::GenConfig cfg;
    cfg.per_category = 10;
    ruvllm::Result<std::vector<ruvllm::Example>> r = ruvllm::generate(*lib, cfg);
    return r ? *r : std::vector<ruvllm::Example>{};
}

}  // namespace

TEST(Export, WritesTheSeedLayoutAndTheFilesAgree) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = tiny_dataset();
    ruvllm::ExportPlan plan;
    plan.folds = 3;
    plan.config = {{"seed", "42"}};
    ruvllm::Result<ruvllm::ExportSummary> s = ruvllm::export_dataset(dir / "out", ds, plan);
    ASSERT_TRUE(s) << s.error().message;
    for (const char* f : {"claude_training_full.jsonl",
                          "claude_training_full.json",
                          "claude_training_train.jsonl",
                          "claude_training_val.jsonl",
                          "claude_training_test.jsonl",
                          "claude_training_stats.json",
                          "README.md",
                          "claude_training_fold_1_of_3.jsonl",
                          "claude_training_fold_3_of_3.jsonl"}) {
        EXPECT_TRUE(fs::exists(dir / "out" / f)) << f;
    }
    // No temp files are left.
    for (const auto& e : fs::directory_iterator(dir / "out")) {
        EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
    }
    // The pretty array holds the same objects as the JSONL file, in order.
    ruvllm::Result<std::vector<ruvllm::Example>> full =
        ruvllm::read_jsonl(dir / "out/claude_training_full.jsonl");
    ASSERT_TRUE(full);
    ASSERT_EQ(full->size(), ds.size());
    const nlohmann::json arr =
        nlohmann::json::parse(ruvllm::test::slurp(dir / "out/claude_training_full.json"));
    ASSERT_EQ(arr.size(), ds.size());
    std::string line;
    ruvllm::append_jsonl(line, ds[0]);
    EXPECT_EQ(arr[0], nlohmann::json::parse(line));
    // Splits partition the dataset.
    size_t n = 0;
    for (const char* f : {"train", "val", "test"}) {
        ruvllm::Result<std::vector<ruvllm::Example>> part =
            ruvllm::read_jsonl(dir / "out" / (std::string("claude_training_") + f + ".jsonl"));
        ASSERT_TRUE(part);
        n += part->size();
    }
    EXPECT_EQ(n, ds.size());
    EXPECT_EQ(s->train + s->val + s->test, ds.size());
    const nlohmann::json stats =
        nlohmann::json::parse(ruvllm::test::slurp(dir / "out/claude_training_stats.json"));
    EXPECT_EQ(stats["total_examples"], ds.size());
    EXPECT_NE(ruvllm::test::slurp(dir / "out/README.md").find("| seed | 42 |"), std::string::npos);
}

TEST(Export, OverBalancingAppliesToTrainOnly) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = tiny_dataset();
    ruvllm::ExportPlan plan;
    ruvllm::Result<ruvllm::ExportSummary> plain = ruvllm::export_dataset(dir / "a", ds, plan);
    plan.balance = ruvllm::Balance::over;
    ruvllm::Result<ruvllm::ExportSummary> over = ruvllm::export_dataset(dir / "b", ds, plan);
    ASSERT_TRUE(plain);
    ASSERT_TRUE(over);
    EXPECT_GE(over->train, plain->train);
    EXPECT_EQ(over->val, plain->val);
    EXPECT_EQ(over->test, plain->test);
}

TEST(Export, UnwritableDirectoryIsAnIoErrorAndLeavesNothing) {
    ruvllm::test::TempDir dir;
    ruvllm::test::spit(dir / "file", "x");  // a file where the directory should go
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_dataset(dir / "file/sub", tiny_dataset(), ruvllm::ExportPlan{});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ruvllm::Errc::io);
    EXPECT_NE(s.error().message.find("file/sub"), std::string::npos);
}

TEST(Export, ParquetFilesArePublishedWithTheOthers) {
    ruvllm::test::TempDir dir;
    ruvllm::ExportPlan plan;
    plan.parquet = true;
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_dataset(dir / "out", tiny_dataset(), plan);
    ASSERT_TRUE(s) << s.error().message;
    for (const char* n : {"full", "train", "val", "test"}) {
        const auto p = dir / "out" / (std::string("claude_training_") + n + ".parquet");
        ASSERT_TRUE(std::filesystem::exists(p)) << p;
        const std::string bytes = ruvllm::test::slurp(p);
        EXPECT_EQ(bytes.substr(0, 4), "PAR1");
        EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
    }
    for (const auto& e : std::filesystem::directory_iterator(dir / "out")) {
        EXPECT_EQ(e.path().filename().string().find(".staging"), std::string::npos) << e.path();
    }
}

TEST(Export, HuggingFaceLayoutAndCard) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = tiny_dataset();
    ruvllm::ExportPlan plan;
    plan.config = {{"library", "built-in"}};
    ruvllm::Result<ruvllm::ExportSummary> s = ruvllm::export_hf_dataset(dir / "hf", ds, plan);
    ASSERT_TRUE(s) << s.error().message;
    for (const char* n : {"train", "validation", "test"}) {
        EXPECT_TRUE(
            std::filesystem::exists(dir / "hf/data" / (std::string(n) + "-00000-of-00001.parquet")))
            << n;
    }
    const std::string card = ruvllm::test::slurp(dir / "hf/README.md");
    ASSERT_EQ(card.substr(0, 4), "---\n");
    const size_t end = card.find("\n---\n", 4);
    ASSERT_NE(end, std::string::npos);
    const std::string yaml = card.substr(4, end - 4);
    for (const char* want :
         {"license: unknown\n",
          "- split: validation\n    path: data/validation-*",
          "  - name: output_agent\n    dtype:\n      class_label:\n        names:\n"
          "          '0': coder\n          '1': reviewer\n",
          "  - name: metadata\n    struct:\n    - name: category\n      dtype: string",
          "    - name: quality_score\n      dtype: float64",
          "    - name: tags\n      sequence: string",
          "  - name: train\n    num_bytes: "}) {
        EXPECT_NE(yaml.find(want), std::string::npos) << want;
    }
    EXPECT_NE(yaml.find("num_examples: " + std::to_string(s->train) + "\n"), std::string::npos);
    EXPECT_EQ(s->train + s->val + s->test, ds.size());
    EXPECT_NE(card.find("# ruvllm routing dataset", end), std::string::npos);  // the card follows
    EXPECT_EQ(card.find(dir.path().string()), std::string::npos);  // no path of this machine

    // The YAML as a YAML reader sees it: the HF `datasets` card structure.
    const YAML::Node y = YAML::Load(yaml);
    EXPECT_EQ(y["license"].as<std::string>(), "unknown");
    const YAML::Node info = y["dataset_info"];
    const YAML::Node agent = info["features"][2];
    EXPECT_EQ(agent["name"].as<std::string>(), "output_agent");
    EXPECT_EQ(agent["dtype"]["class_label"]["names"]["1"].as<std::string>(), "reviewer");
    uint64_t total = 0, files = 0;
    const char* names[3] = {"train", "validation", "test"};
    for (size_t k = 0; k < 3; k++) {
        const YAML::Node split = info["splits"][k];
        EXPECT_EQ(split["name"].as<std::string>(), names[k]);
        // num_bytes: the split's rows as Arrow holds them (hf_num_bytes), from the Parquet file.
        ruvllm::Result<ruvllm::ParquetTable> t = ruvllm::read_parquet(
            dir / "hf/data" / (std::string(names[k]) + "-00000-of-00001.parquet"));
        ASSERT_TRUE(t) << t.error().message;
        uint64_t arrow = 4 * 11;
        for (const ruvllm::ParquetColumn& c : t->columns) {
            for (size_t r = 0; r < c.size(); r++) {
                arrow += c.type == ruvllm::parquet::Type::string
                             ? (c.name == "output_agent" ? 8 : 4 + c.str(r).size())
                             : 8;
            }
        }
        for (size_t r = 0; r < t->n_rows; r++) {  // tags: the read skips lists; from the JSONL
            arrow += 4;
        }
        EXPECT_GT(split["num_bytes"].as<uint64_t>(), arrow - 1);
        EXPECT_EQ(split["num_examples"].as<uint64_t>(), t->n_rows);
        total += split["num_bytes"].as<uint64_t>();
        files += std::filesystem::file_size(dir / "hf/data" /
                                            (std::string(names[k]) + "-00000-of-00001.parquet"));
    }
    EXPECT_EQ(info["dataset_size"].as<uint64_t>(), total);
    EXPECT_EQ(info["download_size"].as<uint64_t>(), files);

    // --license: written as given; a value that is not a license id is refused first.
    plan.license = "cc-by-4.0";
    ASSERT_TRUE(ruvllm::export_hf_dataset(dir / "hf2", ds, plan));
    EXPECT_NE(ruvllm::test::slurp(dir / "hf2/README.md").find("\nlicense: cc-by-4.0\n"),
              std::string::npos);
    plan.license = "mit\nevil: yes";
    ruvllm::Result<ruvllm::ExportSummary> bad = ruvllm::export_hf_dataset(dir / "hf3", ds, plan);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ruvllm::Errc::invalid_argument);
    EXPECT_FALSE(std::filesystem::exists(dir / "hf3"));
}

TEST(Export, HfNumBytesCountsArrowsLayout) {
    ruvllm::Example e;
    e.input = "abc";           // 4 + 3
    e.context = "";            // 4
    e.output_agent = "coder";  // a class id: 8
    e.metadata.agent = "coder";
    e.metadata.template_id = "t1";
    e.metadata.tags = {"x", "yz"};
    const uint64_t fixed = 4 * 11;
    uint64_t meta = 0;
    for (std::string_view s : {ruvllm::category_name(e.metadata.category),
                               ruvllm::complexity_name(e.metadata.complexity),
                               ruvllm::domain_name(e.metadata.domain),
                               ruvllm::tier_name(e.metadata.expected_model),
                               std::string_view("coder"),
                               std::string_view("t1"),
                               ruvllm::augmentation_name(e.metadata.augmentation)}) {
        meta += 4 + s.size();
    }
    const uint64_t row = 7 + 4 + 8 + meta + 8 + 4 + (4 + 1) + (4 + 2);
    EXPECT_EQ(ruvllm::hf_num_bytes({e}, false), fixed + row);
    EXPECT_EQ(ruvllm::hf_num_bytes({e, e}, false), fixed + 2 * row);
    EXPECT_EQ(ruvllm::hf_num_bytes({}, false), fixed);
}

namespace {

// The tiny dataset with at most `per_label` templates for each label (all for the others).
std::vector<ruvllm::Example> with_templates(const std::map<std::string, size_t>& per_label) {
    std::map<std::string, std::set<std::string>> kept;
    std::vector<ruvllm::Example> out;
    for (const ruvllm::Example& e : tiny_dataset()) {
        auto it = per_label.find(e.output_agent);
        std::set<std::string>& k = kept[e.output_agent];
        if (it != per_label.end() && k.count(e.metadata.template_id) == 0 &&
            k.size() >= it->second) {
            continue;
        }
        k.insert(e.metadata.template_id);
        out.push_back(e);
    }
    return out;
}

}  // namespace

// Splits are grouped by template: a label with fewer than 3 templates misses a split (a
// warning), and a split that every label misses is refused before anything is written (#17).
TEST(Export, EmptySplitsAreRefusedAndMissingLabelsWarned) {
    ruvllm::test::TempDir dir;
    ruvllm::ExportPlan plan;
    for (size_t n : {1u, 2u}) {
        const std::vector<ruvllm::Example> ds = with_templates({{"coder", n}, {"reviewer", n}});
        ASSERT_FALSE(ds.empty());
        ruvllm::Result<ruvllm::ExportSummary> s = ruvllm::export_dataset(dir / "one", ds, plan);
        ASSERT_FALSE(s) << n;
        EXPECT_EQ(s.error().code, ruvllm::Errc::invalid_argument);
        EXPECT_NE(s.error().message.find(n == 1 ? "the validation split would be empty"
                                                : "the test split would be empty"),
                  std::string::npos)
            << s.error().message;
        EXPECT_NE(s.error().message.find("no label has more than " + std::to_string(n) +
                                         " template(s), expected at least 3"),
                  std::string::npos)
            << s.error().message;
        EXPECT_FALSE(fs::exists(dir / "one"));
        EXPECT_FALSE(ruvllm::export_hf_dataset(dir / "one-hf", ds, plan));
        EXPECT_FALSE(fs::exists(dir / "one-hf"));
    }
    // One label short: written, with a warning per split it misses.
    const std::vector<ruvllm::Example> ds = with_templates({{"reviewer", 1}});
    ruvllm::Result<ruvllm::ExportSummary> s = ruvllm::export_dataset(dir / "some", ds, plan);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_EQ(s->warnings.size(), 2u);
    EXPECT_EQ(s->warnings[0].rfind("generate: warning: the validation split has no example of 1 "
                                   "label(s) (reviewer)",
                                   0),
              0u)
        << s->warnings[0];
    // Splits the ratios leave out are neither refused nor warned about.
    plan.ratios = {1.0, 0.0, 0.0};
    s = ruvllm::export_dataset(
        dir / "train-only", with_templates({{"coder", 1}, {"reviewer", 1}}), plan);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(s->warnings.empty());
    EXPECT_EQ(s->val + s->test, 0u);
}

// Parquet files and dataset directories read as the JSONL they stand for (load_labeled).
TEST(LoadLabeled, ParquetReadsAsItsJsonl) {
    ruvllm::test::TempDir dir;
    ruvllm::ExportPlan plan;
    plan.parquet = true;
    plan.parquet_options.compression = ruvllm::ParquetCompression::snappy;
    plan.parquet_options.row_group_size = 13;
    ASSERT_TRUE(ruvllm::export_dataset(dir / "out", tiny_dataset(), plan));
    for (const char* split : {"train", "val", "test", "full"}) {
        SCOPED_TRACE(split);
        const std::string base = std::string("out/claude_training_") + split;
        ruvllm::Result<ruvllm::LabeledSet> j = ruvllm::load_labeled(dir / (base + ".jsonl"), {});
        ruvllm::Result<ruvllm::LabeledSet> p = ruvllm::load_labeled(dir / (base + ".parquet"), {});
        ASSERT_TRUE(j) << j.error().message;
        ASSERT_TRUE(p) << p.error().message;
        EXPECT_EQ(p->labels, j->labels);
        ASSERT_EQ(p->rows.size(), j->rows.size());
        for (size_t i = 0; i < j->rows.size(); i++) {
            const ruvllm::LabeledExample &a = j->rows[i], &b = p->rows[i];
            ASSERT_EQ(b.text, a.text);
            ASSERT_EQ(b.label, a.label);
            ASSERT_EQ(b.group, a.group);
            ASSERT_EQ(b.complexity, a.complexity);
            ASSERT_EQ(b.tier, a.tier);
            ASSERT_EQ(b.quality, a.quality);
            ASSERT_FALSE(a.group.empty());
            ASSERT_GE(a.tier, 0);
        }
    }
    // The seed's directory: its train split, or the split asked for.
    ruvllm::Result<ruvllm::LabeledSet> d = ruvllm::load_labeled(dir / "out", {});
    ASSERT_TRUE(d) << d.error().message;
    ruvllm::Result<ruvllm::LabeledSet> train =
        ruvllm::load_labeled(dir / "out/claude_training_train.jsonl", {});
    EXPECT_EQ(d->rows.size(), train->rows.size());
    ruvllm::DataOptions val;
    val.split = "validation";
    ruvllm::Result<std::vector<fs::path>> files = ruvllm::labeled_files(dir / "out", val);
    ASSERT_TRUE(files) << files.error().message;
    EXPECT_EQ(*files, std::vector<fs::path>{dir / "out/claude_training_val.jsonl"});
}

TEST(LoadLabeled, HuggingFaceDirectoryBySplit) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = tiny_dataset();
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_hf_dataset(dir / "hf", ds, ruvllm::ExportPlan{});
    ASSERT_TRUE(s) << s.error().message;
    ruvllm::DataOptions opt;
    ruvllm::Result<ruvllm::LabeledSet> train = ruvllm::load_labeled(dir / "hf", opt);
    ASSERT_TRUE(train) << train.error().message;
    EXPECT_EQ(train->rows.size(), s->train);
    for (const auto& [split, n] :
         {std::pair{"validation", s->val}, std::pair{"val", s->val}, std::pair{"test", s->test}}) {
        opt.split = split;
        ruvllm::Result<ruvllm::LabeledSet> part =
            ruvllm::load_labeled(dir / "hf", opt, train->labels, true);
        ASSERT_TRUE(part) << part.error().message;
        EXPECT_EQ(part->rows.size(), n) << split;
    }
    // A split of several shards is read as one set, in name order.
    fs::copy_file(dir / "hf/data/test-00000-of-00001.parquet",
                  dir / "hf/data/test-00001-of-00002.parquet");
    opt.split = "test";
    ruvllm::Result<ruvllm::LabeledSet> two = ruvllm::load_labeled(dir / "hf", opt);
    ASSERT_TRUE(two) << two.error().message;
    EXPECT_EQ(two->rows.size(), 2 * s->test);
    opt.split = "dev";
    ruvllm::Result<ruvllm::LabeledSet> none = ruvllm::load_labeled(dir / "hf", opt);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, ruvllm::Errc::format);
    EXPECT_NE(none.error().message.find("without split 'dev'"), std::string::npos)
        << none.error().message;
    EXPECT_NE(none.error().message.find("splits there: test, train, validation"), std::string::npos)
        << none.error().message;
    ruvllm::Result<ruvllm::LabeledSet> empty = ruvllm::load_labeled(dir.path(), {});
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("is a directory without a dataset"), std::string::npos)
        << empty.error().message;
}

TEST(LoadLabeled, SeveralTextFieldsJoinIntoOneText) {
    // The joining rule by hand: trimmed parts, the empty ones left out, ". " between.
    EXPECT_EQ(ruvllm::text_fields("title,body"), (std::vector<std::string>{"title", "body"}));
    EXPECT_EQ(ruvllm::text_fields("input"), (std::vector<std::string>{"input"}));
    EXPECT_EQ(ruvllm::join_text_parts({" Crash on save ", "\n", "Steps:\n1. open\n"}),
              "Crash on save. Steps:\n1. open");
    EXPECT_EQ(ruvllm::join_text_parts({"", " "}), "");
    const nlohmann::json row = nlohmann::json::parse(
        R"({"title": "Crash on save", "body": null, "meta": {"body": " It dies. "}, "n": 3})");
    EXPECT_EQ(ruvllm::json_text(row, {"title", "meta.body"}), "Crash on save. It dies.");
    EXPECT_EQ(ruvllm::json_text(row, {"title", "body"}), "Crash on save");  // null: left out
    EXPECT_EQ(ruvllm::json_text(row, {"n", "body"}), std::nullopt);         // no string at all
    EXPECT_EQ(ruvllm::json_text(row, {"meta.body"}), " It dies. ");         // one field: as it is

    ruvllm::test::TempDir dir;
    ruvllm::DataOptions opt;
    opt.text_field = "title,body";
    opt.label_field = "label";
    // JSONL: a row with the body missing keeps its title; one with neither is an error naming
    // both fields.
    ruvllm::test::spit(dir / "t.jsonl",
                       "{\"title\":\"Crash on save\",\"body\":\"It dies.\",\"label\":\"bug\"}\n"
                       "{\"title\":\"Dark mode?\",\"label\":\"question\"}\n");
    ruvllm::Result<ruvllm::LabeledSet> r = ruvllm::load_labeled(dir / "t.jsonl", opt);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->rows.size(), 2u);
    EXPECT_EQ(r->rows[0].text, "Crash on save. It dies.");
    EXPECT_EQ(r->rows[1].text, "Dark mode?");
    ruvllm::test::spit(dir / "bad.jsonl", "{\"subject\":\"x\",\"label\":\"bug\"}\n");
    r = ruvllm::load_labeled(dir / "bad.jsonl", opt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "bad.jsonl:1: missing string field 'title' or 'body'");
    // CSV: every named column must be in the header.
    ruvllm::test::spit(dir / "t.csv", "label,body,title\nbug,It dies.,Crash on save\n");
    r = ruvllm::load_labeled(dir / "t.csv", opt);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->rows.size(), 1u);
    EXPECT_EQ(r->rows[0].text, "Crash on save. It dies.");
    ruvllm::test::spit(dir / "h.csv", "label,title\nbug,Crash on save\n");
    r = ruvllm::load_labeled(dir / "h.csv", opt);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("CSV header has no 'body' column"), std::string::npos)
        << r.error().message;

    // Parquet: a null part is left out; a row whose parts are all null is skipped.
    namespace pq = ruvllm::parquet;
    {
        ruvllm::Result<pq::Writer> w = pq::Writer::open(
            dir / "t.parquet",
            {pq::Field{.name = "title", .type = pq::Type::string, .optional = true},
             pq::Field{.name = "body", .type = pq::Type::string, .optional = true},
             pq::Field{.name = "label", .type = pq::Type::string}},
            {});
        ASSERT_TRUE(w);
        const char* rows[3][3] = {{"Crash on save", "It dies.", "bug"},
                                  {"Dark mode?", nullptr, "question"},
                                  {nullptr, nullptr, "bug"}};
        for (const auto& row3 : rows) {
            for (int c = 0; c < 3; c++) {
                row3[c] != nullptr ? w->put_string(c, row3[c]) : w->put_null(c);
            }
            ASSERT_TRUE(w->end_row());
        }
        ASSERT_TRUE(w->close());
    }

    opt.skip_bad = true;
    size_t skipped = 0;
    r = ruvllm::load_labeled(dir / "t.parquet", opt, {}, false, &skipped);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(skipped, 1u);
    ASSERT_EQ(r->rows.size(), 2u);
    EXPECT_EQ(r->rows[0].text, "Crash on save. It dies.");
    EXPECT_EQ(r->rows[1].text, "Dark mode?");
    opt.text_field = "title,summary";
    r = ruvllm::load_labeled(dir / "t.parquet", opt);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no column 'summary'"), std::string::npos)
        << r.error().message;
}

TEST(LoadLabeled, ParquetColumnsNullsAndTriplets) {
    ruvllm::test::TempDir dir;

    namespace pq = ruvllm::parquet;
    {
        ruvllm::Result<pq::Writer> w =
            pq::Writer::open(dir / "t.parquet",
                             {pq::Field{.name = "text", .type = pq::Type::string, .optional = true},
                              pq::Field{.name = "label", .type = pq::Type::int64}},
                             {});
        ASSERT_TRUE(w);
        const char* texts[] = {"fix the login bug", nullptr, "write the docs"};
        for (int i = 0; i < 3; i++) {
            texts[i] != nullptr ? w->put_string(0, texts[i]) : w->put_null(0);
            w->put_int64(1, i % 2);
            ASSERT_TRUE(w->end_row());
        }
        ASSERT_TRUE(w->close());
    }

    ruvllm::DataOptions opt;
    ruvllm::Result<ruvllm::LabeledSet> r = ruvllm::load_labeled(dir / "t.parquet", opt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "t.parquet: no column 'input', expected one (see --text-field; columns: text, "
              "label)");
    opt.text_field = "text";
    opt.label_field = "label";
    r = ruvllm::load_labeled(dir / "t.parquet", opt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "t.parquet: row 2: null text or label");
    opt.skip_bad = true;
    size_t skipped = 0;
    r = ruvllm::load_labeled(dir / "t.parquet", opt, {}, false, &skipped);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(skipped, 1u);
    ASSERT_EQ(r->rows.size(), 2u);
    EXPECT_EQ(r->labels, (std::vector<std::string>{"0"}));  // integer labels as their text
    EXPECT_EQ(r->rows[1].text, "write the docs");
    {
        ruvllm::Result<pq::Writer> w =
            pq::Writer::open(dir / "trip.parquet",
                             {pq::Field{.name = "anchor", .type = pq::Type::string},
                              pq::Field{.name = "positive", .type = pq::Type::string},
                              pq::Field{.name = "negative", .type = pq::Type::string},
                              pq::Field{.name = "isHard", .type = pq::Type::boolean}},
                             {});
        ASSERT_TRUE(w);
        w->put_string(0, "audit the auth flow");
        w->put_string(1, "security");
        w->put_string(2, "coder");
        w->put_bool(3, true);
        ASSERT_TRUE(w->end_row());
        ASSERT_TRUE(w->close());
    }
    r = ruvllm::load_labeled(dir / "trip.parquet", {});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->rows.size(), 1u);
    EXPECT_EQ(r->labels, (std::vector<std::string>{"security", "coder"}));
    EXPECT_EQ(r->rows[0].neg, 1);
    EXPECT_TRUE(r->rows[0].hard);
    // A file that is not Parquet inside: read_parquet's error, with the file's name.
    ruvllm::test::spit(dir / "bad.parquet", "PAR1 but not really PAR1");
    r = ruvllm::load_labeled(dir / "bad.parquet", {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ruvllm::Errc::format);
    EXPECT_NE(r.error().message.find("bad.parquet: footer"), std::string::npos)
        << r.error().message;
}

// Regenerating into a dataset directory replaces the dataset as a set (#16): the previous
// claude_training_* files (a fold count that no longer exists, triplets derived from the old
// split) are gone, other files stay, and no marker is left. A directory with the marker (a run
// killed while publishing) is refused by load_labeled.
TEST(Export, RegeneratingReplacesTheDatasetAsASet) {
    ruvllm::test::TempDir dir;
    ruvllm::ExportPlan plan;
    plan.folds = 5;
    ASSERT_TRUE(ruvllm::export_dataset(dir / "out", tiny_dataset(), plan));
    ruvllm::test::spit(dir / "out/claude_training_train.triplets.jsonl", "{}\n");
    ruvllm::test::spit(dir / "out/notes.txt", "mine\n");
    plan.folds = 3;
    plan.seed = 7;
    ruvllm::Result<ruvllm::ExportSummary> s =
        ruvllm::export_dataset(dir / "out", tiny_dataset(), plan);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_GE(s->removed, 6u);  // at least the 5 folds and the triplets
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir / "out")) {
        names.insert(e.path().filename().string());
    }
    EXPECT_EQ(names.count("claude_training_fold_5_of_5.jsonl"), 0u);
    EXPECT_EQ(names.count("claude_training_train.triplets.jsonl"), 0u);
    EXPECT_EQ(names.count("claude_training_fold_3_of_3.jsonl"), 1u);
    EXPECT_EQ(names.count("notes.txt"), 1u);
    EXPECT_EQ(names.count(ruvllm::kIncompleteMarker), 0u);
    std::set<std::string> written;
    for (const std::string& f : s->files) {
        written.insert(fs::path(f).filename().string());
    }
    written.insert("notes.txt");
    EXPECT_EQ(names, written);
    ASSERT_TRUE(ruvllm::load_labeled(dir / "out/claude_training_train.jsonl", {}));
    ruvllm::test::spit(dir / "out" / ruvllm::kIncompleteMarker, "");
    ruvllm::Result<ruvllm::LabeledSet> r =
        ruvllm::load_labeled(dir / "out/claude_training_train.jsonl", {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("left incomplete by an interrupted generate"),
              std::string::npos);
}
