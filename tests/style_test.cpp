// style_test.cpp: surface styles (dataset/style.h): the mix spec, draws in proportion, each
// style's rendering and its fallback, short forms in the library (and their word limit), and
// the generator with styles: every example styled, same seed -> same bytes, terse texts short,
// off by default.
#include <algorithm>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/dataset/style.h>

#include "testutil.h"

namespace {

using ruvllm::Style;

const ruvllm::Library& shipped() {
    static const ruvllm::Library lib = [] {
        ruvllm::Result<ruvllm::Library> l = ruvllm::load_library(ruvllm::default_library_dir());
        EXPECT_TRUE(l) << l.error().message;
        return std::move(*l);
    }();
    return lib;
}

TEST(StyleMix, ParsesNamesWeightsAndTheLibrarysMix) {
    ruvllm::StyleMix real;
    real.weight[static_cast<int>(Style::terse)] = 1;
    EXPECT_TRUE(ruvllm::parse_style_mix("none", real)->empty());
    EXPECT_TRUE(ruvllm::parse_style_mix("", real)->empty());
    EXPECT_EQ(ruvllm::parse_style_mix("real", real)->weight, real.weight);
    ruvllm::Result<ruvllm::StyleMix> m = ruvllm::parse_style_mix("terse=0.5,chat=1.5", real);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_FLOAT_EQ(m->weight[static_cast<int>(Style::terse)], 0.5f);
    EXPECT_FLOAT_EQ(m->weight[static_cast<int>(Style::chat)], 1.5f);
    EXPECT_EQ(ruvllm::style_mix_string(*m), "terse=0.50,chat=1.50");
    for (const char* bad : {"terse", "terse=-1", "snark=1", "none=1", "terse=0", "terse=1x"}) {
        ruvllm::Result<ruvllm::StyleMix> b = ruvllm::parse_style_mix(bad, real);
        ASSERT_FALSE(b) << bad;
        EXPECT_EQ(b.error().code, ruvllm::Errc::invalid_argument);
    }
    // "real" without a library mix is an error, not silently none.
    EXPECT_FALSE(ruvllm::parse_style_mix("real", ruvllm::StyleMix{}));
}

TEST(StyleMix, DrawsInProportionToTheWeights) {
    ruvllm::Result<ruvllm::StyleMix> m = ruvllm::parse_style_mix("terse=3,question=1", {});
    ruvllm::Rng rng(5);
    std::map<Style, int> n;
    for (int i = 0; i < 40000; i++) {
        n[ruvllm::draw_style(*m, rng)]++;
    }
    EXPECT_EQ(n.size(), 2u);
    EXPECT_NEAR(n[Style::terse] / 40000.0, 0.75, 0.01);
    EXPECT_EQ(ruvllm::draw_style(ruvllm::StyleMix{}, rng), Style::none);
}

TEST(RenderStyle, EachStyleAndItsFallback) {
    const ruvllm::Library& lib = shipped();
    ruvllm::Rng rng(1);
    std::string out;
    const std::string text = "Add a CSV export to the reports page so finance can reconcile.";
    const std::string shrt = "CSV export for reports";
    // terse: the short form; without one, a long text falls back to imperative.
    EXPECT_EQ(ruvllm::render_style(lib.lexicon, lib.styles, Style::terse, text, shrt, "", rng, out),
              Style::terse);
    EXPECT_EQ(out, shrt);
    EXPECT_EQ(ruvllm::render_style(lib.lexicon, lib.styles, Style::terse, text, "", "", rng, out),
              Style::imperative);
    EXPECT_EQ(out, text);
    // question / chat frame an imperative: the task inside, its first letter lower-cased.
    for (Style s : {Style::question, Style::chat}) {
        EXPECT_EQ(ruvllm::render_style(lib.lexicon, lib.styles, s, text, "", "", rng, out), s);
        EXPECT_NE(out.find("add a CSV export to the reports page"), std::string::npos) << out;
        EXPECT_EQ(out.find("reconcile."), std::string::npos) << out;  // no final period inside
    }
    // A phrase that is not an imperative keeps its wording inside an "any" frame.
    const std::string bug = "Login page crashes on Safari";
    EXPECT_EQ(ruvllm::render_style(lib.lexicon, lib.styles, Style::chat, bug, "", "", rng, out),
              Style::chat);
    EXPECT_NE(out.find(bug), std::string::npos) << out;
    // lowercase: no capitals, no punctuation but inside words.
    EXPECT_EQ(
        ruvllm::render_style(
            lib.lexicon, lib.styles, Style::lowercase, "Fix CI/CD in Node.js!", "", "", rng, out),
        Style::lowercase);
    EXPECT_EQ(out, "fix ci/cd in node.js");
    // context: the sentence first; without context, imperative.
    EXPECT_EQ(
        ruvllm::render_style(
            lib.lexicon, lib.styles, Style::context, text, "", "We use Postgres 15", rng, out),
        Style::context);
    EXPECT_EQ(out, "We use Postgres 15. " + text);
    EXPECT_EQ(ruvllm::render_style(lib.lexicon, lib.styles, Style::context, text, "", "", rng, out),
              Style::imperative);
    // A style that does not apply falls back to the short form when there is one.
    EXPECT_EQ(
        ruvllm::render_style(lib.lexicon, lib.styles, Style::context, text, shrt, "", rng, out),
        Style::terse);
    EXPECT_EQ(out, shrt);
}

TEST(Library, ShortFormsLoadAndTheirLengthIsChecked) {
    const ruvllm::Library& lib = shipped();
    size_t with_short = 0, total = 0;
    for (const ruvllm::Agent& a : lib.agents) {
        for (const ruvllm::Template& t : a.templates) {
            total++;
            with_short += t.shorts.empty() ? 0 : 1;
        }
    }
    EXPECT_GT(with_short, total / 2);  // the shipped library has short forms
    EXPECT_TRUE(lib.styles.loaded);
    EXPECT_FALSE(lib.styles.mix.empty());
    // A 9-word short form is a load error naming the file and line.
    ruvllm::test::TempDir dir;
    std::filesystem::copy(
        ruvllm::test::tiny_library(), dir.path(), std::filesystem::copy_options::recursive);
    const std::filesystem::path coder = dir / "agents/coder.yaml";
    std::string y = ruvllm::test::slurp(coder);
    const size_t at = y.find("  - text:");
    ASSERT_NE(at, std::string::npos);
    const size_t eol = y.find('\n', at);
    y.insert(eol + 1, "    short: \"one two three four five six seven eight nine\"\n");
    std::ofstream(coder) << y;
    ruvllm::Result<ruvllm::Library> bad = ruvllm::load_library(dir.path());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("has 9 words, expected at most 8"), std::string::npos)
        << bad.error().message;
    EXPECT_NE(bad.error().message.find("coder.yaml:"), std::string::npos);
}

TEST(Generator, StylesOnEveryExampleStyledDeterministicAndTerseIsShort) {
    const ruvllm::Library& lib = shipped();
    ruvllm::GenConfig cfg;
    cfg.labels = ruvllm::Labels::agents;
    cfg.per_agent = 12;
    cfg.styles = *ruvllm::parse_style_mix("real", lib.styles.mix);
    ruvllm::Result<std::vector<ruvllm::Example>> a = ruvllm::generate(lib, cfg);
    ruvllm::Result<std::vector<ruvllm::Example>> b = ruvllm::generate(lib, cfg);
    ASSERT_TRUE(a && b);
    std::string ja, jb;
    for (const ruvllm::Example& e : *a) {
        ruvllm::append_jsonl(ja, e);
    }
    for (const ruvllm::Example& e : *b) {
        ruvllm::append_jsonl(jb, e);
    }
    EXPECT_EQ(ja, jb);
    std::map<Style, int> n;
    for (const ruvllm::Example& e : *a) {
        n[e.metadata.style]++;
        EXPECT_NE(e.metadata.style, Style::none);
        if (e.metadata.style == Style::terse &&
            e.metadata.augmentation != ruvllm::Augmentation::complexity) {
            EXPECT_LE(ruvllm::count_words(e.input), ruvllm::kMaxShortWords + 4) << e.input;
        }
        if (e.metadata.style == Style::context) {
            EXPECT_TRUE(e.context.empty());  // it went into the input
        }
    }
    EXPECT_GE(n.size(), 5u);  // most styles occur
    EXPECT_NE(ja.find("\"style\":\"terse\""), std::string::npos);
    // Off by default: no style anywhere.
    cfg.styles = {};
    ruvllm::Result<std::vector<ruvllm::Example>> plain = ruvllm::generate(lib, cfg);
    ASSERT_TRUE(plain);
    std::string jp;
    for (const ruvllm::Example& e : *plain) {
        ruvllm::append_jsonl(jp, e);
    }
    EXPECT_EQ(jp.find(",\"style\":\""), std::string::npos);
}

}  // namespace
