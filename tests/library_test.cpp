// library_test.cpp: loading the tiny fixture, template compilation and rendering, and one test
// per validation rule (each asserts the error code and the file:line in the message).
#include <gtest/gtest.h>

#include <ruvllm/dataset/library.h>

#include "testutil.h"

namespace fs = std::filesystem;

namespace {

// Copies the tiny library into a temp dir so a test can break one file.
fs::path copy_tiny(const ruvllm::test::TempDir& dir) {
    const fs::path dst = dir / "lib";
    fs::copy(ruvllm::test::tiny_library(), dst, fs::copy_options::recursive);
    return dst;
}

void replace_in(const fs::path& file, const std::string& from, const std::string& to) {
    std::string s = ruvllm::test::slurp(file);
    const size_t at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    ruvllm::test::spit(file, s);
}

}  // namespace

TEST(Library, LoadsTheTinyFixture) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    ASSERT_TRUE(lib) << lib.error().message;
    ASSERT_EQ(lib->agents.size(), 2u);
    EXPECT_EQ(lib->agents[0].name, "coder");  // sorted by name
    EXPECT_EQ(lib->agents[1].name, "tester");
    EXPECT_EQ(lib->agents[1].category, ruvllm::Category::reviewer);
    EXPECT_EQ(lib->agents[0].templates.size(), 3u);
    EXPECT_EQ(lib->agents[0].templates[1].id, "coder-002");
    EXPECT_EQ(lib->agents[0].templates[1].line, 20u);
    ASSERT_EQ(lib->agents[0].keywords.size(), 2u);
    EXPECT_EQ(lib->agents[0].keywords[1].text, "write a function");
    EXPECT_FLOAT_EQ(lib->agents[0].keywords[1].weight, 2.0f);
    EXPECT_EQ(lib->find_agent("tester"), 1);
    EXPECT_EQ(lib->find_agent("nobody"), -1);
}

TEST(Library, RendersWithChosenValues) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    ASSERT_TRUE(lib);
    const ruvllm::Template& t =
        lib->agents[0].templates[0];  // Implement {feature} in the {service}
    ASSERT_EQ(t.slots.size(), 3u);    // feature, service, language (context)
    ruvllm::Choices ch = {1, 2, 0};
    std::string out;
    ruvllm::render(*lib, t, t.text, t.domain, ch, out);
    EXPECT_EQ(out, "Implement CSV export in the order service");
    out.clear();
    ruvllm::render(*lib, t, t.context, t.domain, ch, out);
    EXPECT_EQ(out, "Use Rust");
    out.clear();
    ruvllm::render(*lib, t, t.variants[0], t.domain, ch, out);
    EXPECT_EQ(out, "Add a basic CSV export to the order service");
}

TEST(Library, ArticlesAgreeWithTheValue) {
    ruvllm::test::TempDir dir;
    const fs::path lib_dir = dir / "lib";
    fs::copy(ruvllm::test::tiny_library(), lib_dir, fs::copy_options::recursive);
    std::string values = ruvllm::test::slurp(lib_dir / "values.yaml");
    values += "thing: [Avro file, user table, SQL query, HTTP route, YAML file, unique key]\n";
    ruvllm::test::spit(lib_dir / "values.yaml", values);
    std::string agent = ruvllm::test::slurp(lib_dir / "agents/tester.yaml");
    agent +=
        "  - text: Add a {thing} and an {thing#2}\n    complexity: Simple\n    domain: Api\n"
        "    tags: [x]\n    quality: 0.9\n";
    ruvllm::test::spit(lib_dir / "agents/tester.yaml", agent);
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(lib_dir);
    ASSERT_TRUE(lib) << lib.error().message;
    const ruvllm::Template& t = lib->agents[1].templates.back();

    const struct {
        uint32_t a, b;
        const char* want;
    } cases[] = {
        {0, 1, "Add an Avro file and a user table"},
        {2, 3, "Add an SQL query and an HTTP route"},
        {4, 5, "Add a YAML file and a unique key"},
        {1, 0, "Add a user table and an Avro file"},
    };

    for (const auto& c : cases) {
        std::string out;
        ruvllm::render(*lib, t, t.text, t.domain, {c.a, c.b}, out);
        EXPECT_EQ(out, c.want);
    }
}

TEST(Library, SecondDrawDiffersFromFirst) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    ASSERT_TRUE(lib);
    const ruvllm::Template& t = lib->agents[0].templates[2];  // {language} to {language#2}
    ruvllm::Rng rng(1);
    for (int i = 0; i < 200; i++) {
        ruvllm::Choices ch;
        ruvllm::draw_choices(*lib, t, t.domain, rng, ch);
        ASSERT_EQ(ch.size(), 3u);
        EXPECT_NE(ch[1], ch[2]);
    }
}

TEST(Library, DomainKeyedTemplatesCanTransfer) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    ASSERT_TRUE(lib);
    // "Build a {widget} ..." (Web) can move to Mobile only; templates without keyed lists can't.
    EXPECT_EQ(lib->agents[0].templates[1].transfer_mask,
              1u << static_cast<int>(ruvllm::Domain::mobile));
    EXPECT_EQ(lib->agents[0].templates[0].transfer_mask, 0u);
}

TEST(Library, ValidationErrorsNameFileLineAndExpectation) {
    const struct {
        const char* file;
        const char* from;
        const char* to;
        ruvllm::Errc code;
        const char* fragment;
    } cases[] = {
        {"agents/coder.yaml",
         "Implement {feature}",
         "Implement {featur}",
         ruvllm::Errc::format,
         "agents/coder.yaml:11: unknown placeholder {featur}"},
        {"agents/coder.yaml",
         "Implement {feature}",
         "Implement {feature",
         ruvllm::Errc::format,
         "agents/coder.yaml:11: unbalanced brace"},
        {"agents/coder.yaml",
         "Build a {widget} for",
         "Implement {feature} in the {service}. For",
         ruvllm::Errc::format,
         ""},  // not a duplicate: different normalised text
        {"agents/tester.yaml",
         "Write unit tests for the {service}",
         "Implement {feature} in the {service}",
         ruvllm::Errc::format,
         "unknown placeholder {feature}"},  // agent-local lists are not shared
        {"agents/tester.yaml",
         "Write unit tests for the {service}",
         "implement {language} in the {service}!",
         ruvllm::Errc::format,
         ""},
        {"agents/coder.yaml",
         "category: coder",
         "category: wizard",
         ruvllm::Errc::format,
         "category 'wizard', expected coder, researcher"},
        {"agents/coder.yaml",
         "agent: coder",
         "agent: koder",
         ruvllm::Errc::format,
         "agent 'koder', expected 'coder'"},
        {"agents/coder.yaml",
         "confusable_with: [tester]",
         "confusable_with: [ghost]",
         ruvllm::Errc::format,
         "unknown agent 'ghost'"},
        {"agents/coder.yaml",
         "    complexity: Simple\n",
         "    complexity: Easy\n",
         ruvllm::Errc::format,
         "agents/coder.yaml:20: complexity"},
        {"agents/coder.yaml",
         "    domain: Api",
         "    domain: Cloud",
         ruvllm::Errc::format,
         "domain 'Cloud'"},
        {"agents/coder.yaml",
         "quality: 0.95",
         "quality: 1.5",
         ruvllm::Errc::format,
         "quality, expected a number in 0.80-1.0"},
        {"agents/coder.yaml",
         "    tags: [ui]\n",
         "    tagz: [ui]\n",
         ruvllm::Errc::format,
         "unknown template key 'tagz'"},
        {"agents/coder.yaml",
         "description:",
         "descripton:",
         ruvllm::Errc::format,
         "unknown key 'descripton'"},
        {"agents/coder.yaml",
         "      Simple: Add",
         "      Moderate: Add",
         ruvllm::Errc::format,
         "expected another complexity level"},
        {"values.yaml",
         "[Rust, Go, Python, Java, Kotlin, Ruby]",
         "[Rust, Go, Python]",
         ruvllm::Errc::format,
         "values.yaml:2: list 'language' has 3 distinct values, expected "
         "at least 6"},
        {"values.yaml",
         "[Rust, Go, Python, Java, Kotlin, Ruby]",
         "[Rust, Go, Python, Java, Kotlin, Rust]",
         ruvllm::Errc::format,
         "has 5 distinct values"},
        {"values.yaml",
         "[Rust, Go, Python, Java, Kotlin, Ruby]",
         "[Rust, Go, Python, Java, Kotlin, \"\"]",
         ruvllm::Errc::format,
         "empty value"},
        {"values.yaml", "  Mobile:", "  Moon:", ruvllm::Errc::format, "unknown domain 'Moon'"},
        {"values.yaml", "language: [Rust", "language: [Rust\n", ruvllm::Errc::format, ""},
        {"agents/tester.yaml",
         "templates:",
         "templates: [",
         ruvllm::Errc::parse,
         "agents/tester.yaml:"},
        // A repeated key would be silently ignored by yaml-cpp (#16).
        {"agents/coder.yaml",
         "category: coder",
         "category: coder\ncategory: tester",
         ruvllm::Errc::parse,
         "agents/coder.yaml:3: duplicate key 'category', expected each key once"},
        {"lexicon/paraphrase.yaml",
         "[bug, defect]",
         "[bug]",
         ruvllm::Errc::format,
         "lexicon/paraphrase.yaml:9: synonym group, expected a list of at least 2"},
        {"lexicon/paraphrase.yaml",
         "[bug, defect]",
         "[bug, build]",
         ruvllm::Errc::format,
         "'build' is already in another synonym group"},
        {"lexicon/paraphrase.yaml",
         "\"Please {task}\"",
         "\"Please\"",
         ruvllm::Errc::format,
         "expected it to contain {task}"},
        {"lexicon/complexity.yaml",
         "reviewer:",
         "wizard:",
         ruvllm::Errc::format,
         "lexicon/complexity.yaml:5: unknown category 'wizard'"},
    };

    for (const auto& c : cases) {
        ruvllm::test::TempDir dir;
        const fs::path lib_dir = copy_tiny(dir);
        replace_in(lib_dir / c.file, c.from, c.to);
        ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(lib_dir);
        if (std::string(c.fragment).empty()) {
            // Control cases: the edit is legal and the library still loads.
            EXPECT_TRUE(lib) << c.to << ": " << (lib ? "" : lib.error().message);
            continue;
        }
        ASSERT_FALSE(lib) << c.to;
        EXPECT_EQ(lib.error().code, c.code) << lib.error().message;
        EXPECT_NE(lib.error().message.find(c.fragment), std::string::npos)
            << "message: " << lib.error().message << "\nexpected fragment: " << c.fragment;
    }
}

TEST(Library, DuplicateTemplateAcrossAgentsNamesBothPlaces) {
    ruvllm::test::TempDir dir;
    const fs::path lib_dir = copy_tiny(dir);
    replace_in(lib_dir / "agents/tester.yaml",
               "Write unit tests for the {service}",
               "implement   {language}; in the {service}");
    replace_in(lib_dir / "agents/coder.yaml",
               "Implement {feature} in the {service}",
               "Implement {language} in the {service}");
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(lib_dir);
    ASSERT_FALSE(lib);
    EXPECT_EQ(lib.error().code, ruvllm::Errc::format);
    EXPECT_NE(lib.error().message.find("agents/tester.yaml:6: duplicate template (same text as "
                                       "agents/coder.yaml:11)"),
              std::string::npos)
        << lib.error().message;
}

TEST(Library, MissingDirectoriesAreIoErrors) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library("/nonexistent/lib");
    ASSERT_FALSE(lib);
    EXPECT_EQ(lib.error().code, ruvllm::Errc::io);
    lib = ruvllm::load_library(ruvllm::test::tiny_library(), "/nonexistent/agents");
    ASSERT_FALSE(lib);
    EXPECT_EQ(lib.error().code, ruvllm::Errc::io);
    EXPECT_NE(lib.error().message.find("/nonexistent/agents"), std::string::npos);
}

TEST(Library, AgentsDirReplacesTheLibraryAgents) {
    ruvllm::test::TempDir dir;
    fs::create_directories(dir / "mine");
    fs::copy(ruvllm::test::tiny_library() / "agents/tester.yaml", dir / "mine/tester.yaml");
    ruvllm::Result<ruvllm::Library> lib =
        ruvllm::load_library(ruvllm::test::tiny_library(), dir / "mine");
    ASSERT_TRUE(lib) << lib.error().message;
    ASSERT_EQ(lib->agents.size(), 1u);
    EXPECT_EQ(lib->agents[0].name, "tester");
}

// The shipped library: the 13 agents, each with at least 100 templates (issue #2).
TEST(DefaultLibrary, HasThirteenAgentsWithAHundredTemplatesEach) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
    ASSERT_TRUE(lib) << lib.error().message;
    ASSERT_EQ(lib->agents.size(), 13u);
    size_t total = 0;
    for (const ruvllm::Agent& a : lib->agents) {
        EXPECT_NE(std::find(ruvllm::kAgentTypes.begin(), ruvllm::kAgentTypes.end(), a.name),
                  ruvllm::kAgentTypes.end())
            << a.name;
        EXPECT_GE(a.templates.size(), 100u) << a.name;
        EXPECT_GE(a.keywords.size(), 10u) << a.name;
        total += a.templates.size();
    }
    EXPECT_GE(total, 1300u);
}
