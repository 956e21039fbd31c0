// hard_negatives_test.cpp: the reply parser, the validation rules and whole runs against a mock
// Anthropic Messages API on a loopback port (cpp-httplib, in-process). No network. The CLI
// test runs the ruvllm binary built beside this test against the same mock.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/llm/llm.h>
#include <ruvllm/train/hard_negatives.h>

#include "testutil.h"
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ruvllm {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Kind = ParsedLine::Kind;
using R = HardNegativeReject;

const std::string kKey = "sk-ant-test-HN-9876543210-SECRET";

std::string obj(const std::string& task,
                const std::string& pos,
                const std::string& neg,
                const std::string& reason = "because") {
    return json{{"task", task}, {"positive", pos}, {"negative", neg}, {"reason", reason}}.dump();
}

// ---- parser ----

struct ParseCase {
    const char* name;
    std::string line;
    Kind kind;
    std::string task, positive, negative, reason;
};

TEST(HardNegatives, ParseReplyLineTable) {
    const std::string good =
        R"({"task": "Rename x", "positive": "refactorer", "negative": "coder", "reason": "r"})";
    const std::vector<ParseCase> cases = {
        {"plain", good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"crlf", good + "\r", Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"indented", "   " + good + "  ", Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"blank", "", Kind::skip, "", "", "", ""},
        {"spaces", " \t ", Kind::skip, "", "", "", ""},
        {"fence", "```", Kind::skip, "", "", "", ""},
        {"fence_json", "```json", Kind::skip, "", "", "", ""},
        {"fence_tilde", "~~~", Kind::skip, "", "", "", ""},
        {"numbered_dot", "1. " + good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"numbered_paren", "12) " + good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"numbered_colon", "3:" + good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"numbered_parens", "(4) " + good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"dash", "- " + good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"star", "* " + good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"bullet", "\xE2\x80\xA2 " + good, Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"trailing_comma", good + ",", Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"array_open", "[" + good + ",", Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"array_close", good + "]", Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"backticks", "`" + good + "`", Kind::object, "Rename x", "refactorer", "coder", "r"},
        {"inline_fence",
         "```" + good + "```",
         Kind::object,
         "Rename x",
         "refactorer",
         "coder",
         "r"},
        {"no_reason",
         R"({"task": "t", "positive": "coder", "negative": "refactorer"})",
         Kind::object,
         "t",
         "coder",
         "refactorer",
         ""},
        {"extra_keys",
         R"({"id": 3, "task": "t", "positive": "a", "negative": "b", "reason": "c"})",
         Kind::object,
         "t",
         "a",
         "b",
         "c"},
        {"escapes",
         R"({"task": "Fix \"x\" \u00e9", "positive": "coder", "negative": "refactorer"})",
         Kind::object,
         "Fix \"x\" \xC3\xA9",
         "coder",
         "refactorer",
         ""},
        {"prose", "Here are 10 tasks:", Kind::malformed, "", "", "", ""},
        {"truncated",
         R"({"task": "Rename x", "positive": "refactorer", "neg)",
         Kind::malformed,
         "",
         "",
         "",
         ""},
        {"trailing_prose", good + " (nice one)", Kind::malformed, "", "", "", ""},
        {"two_objects", good + " " + good, Kind::malformed, "", "", "", ""},
        {"task_not_string",
         R"({"task": 5, "positive": "coder", "negative": "refactorer"})",
         Kind::malformed,
         "",
         "",
         "",
         ""},
        {"missing_negative",
         R"({"task": "t", "positive": "coder"})",
         Kind::malformed,
         "",
         "",
         "",
         ""},
        {"reason_not_string",
         R"({"task": "t", "positive": "coder", "negative": "refactorer", "reason": 1})",
         Kind::malformed,
         "",
         "",
         "",
         ""},
        {"array", R"(["t", "coder", "refactorer"])", Kind::malformed, "", "", "", ""},
        {"bare_number", "1.", Kind::malformed, "", "", "", ""},
        {"invalid_utf8",
         "{\"task\": \"caf\xC3 bar\", \"positive\": \"coder\", \"negative\": \"refactorer\"}",
         Kind::malformed,
         "",
         "",
         "",
         ""},
        {"lone_surrogate",
         R"({"task": "x \ud800 y", "positive": "coder", "negative": "refactorer"})",
         Kind::malformed,
         "",
         "",
         "",
         ""},
        {"too_long_line",
         obj(std::string(kHardNegativeMaxLineBytes, 'a'), "coder", "refactorer"),
         Kind::malformed,
         "",
         "",
         "",
         ""},
    };
    for (const ParseCase& c : cases) {
        SCOPED_TRACE(c.name);
        const ParsedLine p = parse_reply_line(c.line);
        EXPECT_EQ(static_cast<int>(p.kind), static_cast<int>(c.kind));
        if (c.kind == Kind::object) {
            EXPECT_EQ(p.line.task, c.task);
            EXPECT_EQ(p.line.positive, c.positive);
            EXPECT_EQ(p.line.negative, c.negative);
            EXPECT_EQ(p.line.reason, c.reason);
        }
    }
}

// ---- pairs and prompt ----

TEST(HardNegatives, ConfusingPairsAreFactsTable) {
    const std::vector<AgentPair>& p = confusing_agent_pairs();
    ASSERT_EQ(p.size(), 10u);
    EXPECT_EQ(p.front(), (AgentPair{"coder", "refactorer"}));
    EXPECT_EQ(p.back(), (AgentPair{"optimizer", "architect"}));
    for (const AgentPair& q : p) {
        EXPECT_NE(std::find(kAgentTypes.begin(), kAgentTypes.end(), q.a), kAgentTypes.end());
        EXPECT_NE(std::find(kAgentTypes.begin(), kAgentTypes.end(), q.b), kAgentTypes.end());
    }
}

TEST(HardNegatives, ParseAgentPairs) {
    Result<std::vector<AgentPair>> ok_pairs =
        parse_agent_pairs(" coder/refactorer , reviewer / tester,planner/devops");
    ASSERT_TRUE(ok_pairs.ok()) << ok_pairs.error().message;
    ASSERT_EQ(ok_pairs->size(), 3u);
    EXPECT_EQ((*ok_pairs)[1], (AgentPair{"reviewer", "tester"}));
    EXPECT_EQ((*ok_pairs)[2], (AgentPair{"planner", "devops"}));

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"coder", "expected <agent>/<agent>"},
        {"coder/janitor", "unknown agent 'janitor'"},
        {"coder/coder", "two different agents"},
        {"coder/refactorer,refactorer/coder", "listed twice"},
        {"coder/refactorer,", "expected <agent>/<agent>"},
        {"", "expected <agent>/<agent>"},
    };
    for (const auto& [spec, msg] : bad) {
        Result<std::vector<AgentPair>> r = parse_agent_pairs(spec);
        ASSERT_FALSE(r.ok()) << spec;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_NE(r.error().message.find(msg), std::string::npos) << r.error().message;
    }
}

TEST(HardNegatives, RequestAsksForExactlyNLinesOfThePair) {
    HardNegativeConfig cfg;
    cfg.count = 7;
    cfg.descriptions = {{"reviewer", "Reads code and judges it."}, {"coder", "unused"}};
    const LlmRequest r = hard_negative_request({"reviewer", "tester"}, cfg);
    EXPECT_NE(r.system.find("13 specialised agents: coder, researcher"), std::string::npos);
    EXPECT_NE(r.user.find("\"reviewer\" vs \"tester\""), std::string::npos);
    EXPECT_NE(r.user.find("- reviewer: Reads code and judges it."), std::string::npos);
    EXPECT_EQ(r.user.find("- tester:"), std::string::npos);  // no description given
    EXPECT_EQ(r.user.find("unused"), std::string::npos);     // not an agent of the pair
    EXPECT_NE(r.user.find("Answer with exactly 7 lines, one JSON object per line"),
              std::string::npos);
    EXPECT_NE(r.user.find(R"({"task": "...", "positive": )"), std::string::npos);
    EXPECT_EQ(r.max_tokens, 256 + 128 * 7);
    EXPECT_EQ(r.temperature, 1.0);
    const LlmRequest again = hard_negative_request({"reviewer", "tester"}, cfg);
    EXPECT_EQ(again.system, r.system);  // a stable cache key
    EXPECT_EQ(again.user, r.user);
    cfg.max_tokens = 999;
    EXPECT_EQ(hard_negative_request({"reviewer", "tester"}, cfg).max_tokens, 999);
}

// ---- validation ----

// A bag-of-words embedder over a fixed vocabulary: cosines are known in closed form.
class ToyEmbedder : public Base {
public:
    std::string_view kind() const override { return "toy"; }

    int dim() const override { return static_cast<int>(kVocab.size()); }

    std::string describe() const override { return "toy bag of words"; }

    Status write_to(gguf::File& /*f*/, TensorType /*storage*/) const override { return ok(); }

    void embed(std::string_view text, float* out) const override {
        std::fill(out, out + kVocab.size(), 0.0f);
        const std::string norm = normalize_text(text);
        size_t start = 0;
        while (start < norm.size()) {
            size_t end = norm.find(' ', start);
            end = end == std::string::npos ? norm.size() : end;
            const std::string word = norm.substr(start, end - start);
            for (size_t i = 0; i < kVocab.size(); i++) {
                out[i] += word == kVocab[i] ? 1.0f : 0.0f;
            }
            start = end + 1;
        }
    }

private:
    static constexpr std::array<std::string_view, 4> kVocab = {"alpha", "beta", "gamma", "delta"};
};

struct CheckCase {
    const char* name;
    HardNegativeLine line;
    bool accepted;
    R why;
};

TEST(HardNegatives, FilterRulesTable) {
    const std::vector<std::string> train = {"Add a login form to the settings page"};
    const std::vector<std::string> test = {"Split the OrderService god class into three services"};
    Result<HardNegativeFilter> f = HardNegativeFilter::create(train, test, nullptr, {});
    ASSERT_TRUE(f.ok()) << f.error().message;
    const AgentPair pair{"coder", "refactorer"};
    const std::string t500(500, 'x'), t501(501, 'y');
    const std::vector<CheckCase> cases = {
        {"good",
         {"Extract the retry loop into a helper", "refactorer", "coder", " why "},
         true,
         {}},
        {"either_direction", {"Write a CSV exporter", "coder", "refactorer", ""}, true, {}},
        {"case_and_space_in_agents",
         {"Port the parser to C++20", " Coder ", "REFACTORER", ""},
         true,
         {}},
        {"unknown_agent", {"Task one", "janitor", "coder", ""}, false, R::unknown_agent},
        {"unknown_agent_wins", {"", "coder", "janitor", ""}, false, R::unknown_agent},
        {"wrong_pair", {"Task two", "tester", "coder", ""}, false, R::wrong_pair},
        {"same_agent", {"Task three", "coder", "coder", ""}, false, R::wrong_pair},
        {"empty", {"", "coder", "refactorer", ""}, false, R::empty},
        {"whitespace", {" \t ", "coder", "refactorer", ""}, false, R::empty},
        {"punctuation", {"?!...", "coder", "refactorer", ""}, false, R::empty},
        {"max_length", {t500, "coder", "refactorer", ""}, true, {}},
        {"too_long", {t501, "coder", "refactorer", ""}, false, R::too_long},
        {"in_test_split",
         {"split the OrderService God-Class into three services!", "refactorer", "coder", ""},
         false,
         R::in_test_split},
        {"train_text",
         {"ADD a login form to the settings page.", "coder", "refactorer", ""},
         false,
         R::near_duplicate},
        {"duplicate",
         {"extract the retry loop, into a helper", "coder", "refactorer", ""},
         false,
         R::duplicate},
        {"duplicate_after_trim",
         {"  Write a CSV exporter  ", "refactorer", "coder", ""},
         false,
         R::duplicate},
    };
    size_t n_accepted = 0;
    for (const CheckCase& c : cases) {
        SCOPED_TRACE(c.name);
        Triplet t;
        R why = R::malformed;
        const bool acc = f->check(c.line, pair, t, why);
        EXPECT_EQ(acc, c.accepted);
        if (acc) {
            n_accepted++;
            EXPECT_TRUE(t.hard);
            EXPECT_EQ(t.anchor, std::string(c.line.task));
        } else {
            EXPECT_EQ(reject_name(why), reject_name(c.why));
        }
        EXPECT_EQ(f->n_accepted(), n_accepted);  // a rejection leaves the filter unchanged
    }
    Triplet t;
    R why = R::malformed;
    ASSERT_TRUE(f->check(
        {"Rename the helpers", " Refactorer", "coder ", " It only renames. "}, pair, t, why));
    EXPECT_EQ(t.positive, "refactorer");
    EXPECT_EQ(t.negative, "coder");
    EXPECT_EQ(t.reason, "It only renames.");
}

TEST(HardNegatives, NearDuplicateByEmbedding) {
    const ToyEmbedder emb;
    const std::vector<std::string> train = {"alpha beta"};
    const std::vector<std::string> test = {"delta"};
    const AgentPair pair{"tester", "debugger"};
    // cos("alpha beta gamma", "alpha beta") = 2 / sqrt(6) = 0.8165
    for (const auto& [threshold, accepted] :
         std::vector<std::pair<float, bool>>{{0.80f, false}, {0.85f, true}}) {
        Result<HardNegativeFilter> f =
            HardNegativeFilter::create(train, test, &emb, {.near_duplicate = threshold});
        ASSERT_TRUE(f.ok()) << f.error().message;
        Triplet t;
        R why = R::malformed;
        EXPECT_EQ(f->check({"alpha beta gamma", "tester", "debugger", ""}, pair, t, why), accepted)
            << threshold;
        if (!accepted) {
            EXPECT_EQ(why, R::near_duplicate);
        }
        // Same words, another order: the normalised texts differ, the embeddings do not.
        EXPECT_FALSE(f->check({"beta, alpha!", "tester", "debugger", ""}, pair, t, why));
        EXPECT_EQ(why, R::near_duplicate);
        // Close to a test text (cos = 1 / sqrt(2) with gamma delta; 1 with "delta delta").
        EXPECT_FALSE(f->check({"delta delta", "tester", "debugger", ""}, pair, t, why));
        EXPECT_EQ(why, R::near_duplicate);
        // Far from everything, and words the embedder does not know (zero vector).
        EXPECT_TRUE(f->check({"gamma", "tester", "debugger", ""}, pair, t, why));
        EXPECT_TRUE(f->check({"zzz qqq", "debugger", "tester", ""}, pair, t, why));
    }
}

TEST(HardNegatives, NearDuplicateWithSubwordEmbedder) {
    // The embedder the CLI uses (--model): a text vector is the mean of its word vectors, so
    // the same words in another order embed identically.
    const SubwordConfig cfg{.dim = 16, .minn = 3, .maxn = 5, .bucket = 64};
    const std::vector<std::string> words = {"refactor", "the", "parser", "billing", "invoices"};
    std::vector<float> rows((words.size() + cfg.bucket) * static_cast<size_t>(cfg.dim));
    Rng rng(7);
    for (float& v : rows) {
        v = rng.uniform_f32() - 0.5f;
    }
    const SubwordBase emb(cfg, words, rows);
    Result<HardNegativeFilter> f =
        HardNegativeFilter::create({"Refactor the parser"}, {}, &emb, {.near_duplicate = 0.95f});
    ASSERT_TRUE(f.ok()) << f.error().message;
    Triplet t;
    R why = R::malformed;
    EXPECT_FALSE(f->check(
        {"the parser: refactor", "coder", "refactorer", ""}, {"coder", "refactorer"}, t, why));
    EXPECT_EQ(why, R::near_duplicate);
    EXPECT_TRUE(
        f->check({"billing invoices", "coder", "refactorer", ""}, {"coder", "refactorer"}, t, why));
}

TEST(HardNegatives, FilterRejectsBadSettings) {
    for (float bad : {0.0f, -0.5f, 1.5f, std::nanf("")}) {
        Result<HardNegativeFilter> f =
            HardNegativeFilter::create({}, {}, nullptr, {.near_duplicate = bad});
        ASSERT_FALSE(f.ok());
        EXPECT_EQ(f.error().code, Errc::invalid_argument);
    }
    Result<HardNegativeFilter> f =
        HardNegativeFilter::create({}, {}, nullptr, {.max_task_bytes = 0});
    EXPECT_FALSE(f.ok());
}

TEST(HardNegatives, AcceptReplyCountsEveryLine) {
    Result<HardNegativeFilter> f =
        HardNegativeFilter::create({}, {"In the test split"}, nullptr, {});
    ASSERT_TRUE(f.ok());
    const AgentPair pair{"documenter", "api-docs"};
    const std::string reply =
        "Sure! Here they are:\n```json\n1. " +
        obj("Document the webhook payloads", "api-docs", "documenter") + ",\n\n2. " +
        obj("Write the onboarding guide", "documenter", "api-docs") + ",\n3. " +
        obj("Write the onboarding guide", "api-docs", "documenter") + "\n4. " +
        obj("In the test split", "api-docs", "documenter") + "\n5. " +
        obj("Describe the CLI", "coder", "documenter") +
        "\n6. {\"task\": \"cut off\", \"posi\n```\n";
    std::vector<Triplet> out;
    PairReport rep;
    accept_reply(reply, pair, *f, out, rep);
    EXPECT_EQ(rep.lines, 7u);  // prose + 6 numbered; blank and fence lines are not counted
    EXPECT_EQ(rep.accepted, 2u);
    EXPECT_EQ(rep.accepted_a, 1u);  // documenter
    EXPECT_EQ(rep.accepted_b, 1u);  // api-docs
    EXPECT_EQ(rep.rejected[static_cast<size_t>(R::malformed)], 2u);
    EXPECT_EQ(rep.rejected[static_cast<size_t>(R::duplicate)], 1u);
    EXPECT_EQ(rep.rejected[static_cast<size_t>(R::in_test_split)], 1u);
    EXPECT_EQ(rep.rejected[static_cast<size_t>(R::wrong_pair)], 1u);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].anchor, "Document the webhook payloads");
    EXPECT_EQ(out[1].positive, "documenter");
}

// ---- runs against a mock server ----

// A mock Messages API; `handler(n, req, res)` answers the n-th request (1-based).
class MockServer {
public:
    using Handler = std::function<void(int n, const httplib::Request&, httplib::Response&)>;

    explicit MockServer(Handler handler) : handler_(std::move(handler)) {
        server_.Post("/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
            int n = 0;
            {
                std::lock_guard<std::mutex> lock(mu_);
                n = ++hits_;
                if (req.get_header_value("x-api-key") != kKey) {
                    bad_key_ = true;
                }
            }
            handler_(n, req, res);
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    ~MockServer() {
        server_.stop();
        thread_.join();
    }

    MockServer(const MockServer&) = delete;
    MockServer& operator=(const MockServer&) = delete;

    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

    int hits() const {
        std::lock_guard<std::mutex> lock(mu_);
        return hits_;
    }

    bool bad_key() const {
        std::lock_guard<std::mutex> lock(mu_);
        return bad_key_;
    }

private:
    Handler handler_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    mutable std::mutex mu_;
    int hits_ = 0;
    bool bad_key_ = false;
};

const std::string kTrainText = "Add retries to the payment client";
const std::string kTestText = "Profile the slow checkout query";

// The reply of the mock for the pair named in the prompt. Per pair: 2 good lines, 2 malformed,
// 1 empty, 1 unknown agent, 1 wrong pair, 1 duplicate of the first line; plus, for the pair of
// index 0 a test-split text and a training text, for index 1 a copy of pair 0's first task, for
// index 2 a task that is too long. The key is echoed in a task (the client redacts it).
std::string mock_reply(const std::string& prompt) {
    size_t idx = 0;
    const std::vector<AgentPair>& pairs = confusing_agent_pairs();
    while (idx < pairs.size() && prompt.find("\"" + pairs[idx].a + "\" vs \"" + pairs[idx].b +
                                             "\"") == std::string::npos) {
        idx++;
    }
    RUVLLM_ASSERT(idx < pairs.size());
    const AgentPair& p = pairs[idx];
    std::string other;
    for (std::string_view a : kAgentTypes) {
        if (a != p.a && a != p.b) {
            other = std::string(a);
            break;
        }
    }
    const std::string first = "Task one for " + p.name();
    std::string r = "```json\n";
    r += "1. " + obj(first, p.a, p.b, "the first is better") + ",\n";
    r += "2. " + obj("Task two for " + p.name() + " " + kKey, p.b, p.a) + ",\n";
    r += "Note: these are varied.\n";
    r += R"(4. {"task": "Task four", "positive": )"
         "\n";
    r += obj("", p.a, p.b) + "\n";
    r += obj("Task six for " + p.name(), p.a, "janitor") + "\n";
    r += obj("Task seven for " + p.name(), other, p.b) + "\n";
    r += obj(first + "!", p.b, p.a) + "\n";
    if (idx == 0) {
        r += obj(kTestText, p.a, p.b) + "\n";
        r += obj(kTrainText, p.a, p.b) + "\n";
    } else if (idx == 1) {
        r += obj("Task one for coder/refactorer", p.a, p.b) + "\n";
    } else if (idx == 2) {
        r += obj(std::string(600, 'w'), p.a, p.b) + "\n";
    }
    r += "```\n";
    return r;
}

std::string message_body(const std::string& text) {
    return json{{"id", "msg_01"},
                {"type", "message"},
                {"role", "assistant"},
                {"content", json::array({{{"type", "text"}, {"text", text}}})},
                {"stop_reason", "end_turn"},
                {"usage", {{"input_tokens", 100}, {"output_tokens", 200}}}}
        .dump();
}

void answer(const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body);
    res.status = 200;
    res.set_content(message_body(mock_reply(body["messages"][0]["content"].get<std::string>())),
                    "application/json");
}

LlmOptions client_options(const std::string& base, const fs::path& cache) {
    ::setenv("NO_PROXY", "*", 1);  // never send loopback traffic to a proxy from the environment
    ::setenv("no_proxy", "*", 1);
    LlmOptions o;
    o.api_base = base;
    o.api_key = kKey;
    o.timeout_s = 5.0;
    o.max_retries = 0;
    o.cache_dir = cache;
    o.sleep = [](double) {
    };
    return o;
}

std::string all_files_text(const fs::path& dir) {
    std::string s;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) {
            s += test::slurp(e.path());
        }
    }
    return s;
}

size_t rejected(const HardNegativeReport& r, R why) {
    return r.rejected[static_cast<size_t>(why)];
}

void expect_full_run_counts(const HardNegativeReport& r) {
    ASSERT_EQ(r.pairs.size(), 10u);
    EXPECT_EQ(r.lines, 84u);  // 8 per pair + 2 + 1 + 1
    EXPECT_EQ(r.accepted, 20u);
    EXPECT_EQ(rejected(r, R::malformed), 20u);
    EXPECT_EQ(rejected(r, R::empty), 10u);
    EXPECT_EQ(rejected(r, R::unknown_agent), 10u);
    EXPECT_EQ(rejected(r, R::wrong_pair), 10u);
    EXPECT_EQ(rejected(r, R::duplicate), 11u);
    EXPECT_EQ(rejected(r, R::in_test_split), 1u);
    EXPECT_EQ(rejected(r, R::near_duplicate), 1u);
    EXPECT_EQ(rejected(r, R::too_long), 1u);
    for (const PairReport& p : r.pairs) {
        EXPECT_TRUE(p.requested);
        EXPECT_EQ(p.accepted, 2u);
        EXPECT_EQ(p.accepted_a, 1u);
        EXPECT_EQ(p.accepted_b, 1u);
    }
    EXPECT_EQ(r.pairs[0].lines, 10u);
    EXPECT_EQ(r.pairs[1].lines, 9u);
    EXPECT_EQ(r.pairs[3].lines, 8u);
    EXPECT_EQ(r.pairs_skipped, 0u);
}

TEST(HardNegatives, EndToEndAgainstMockServer) {
    test::TempDir dir;
    MockServer server(
        [](int, const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    const fs::path cache = dir / "cache", out = dir / "out" / "hn.jsonl";
    fs::create_directories(out.parent_path());
    HardNegativeConfig cfg;
    cfg.count = 4;

    std::string first_bytes;
    for (int run = 0; run < 2; run++) {
        SCOPED_TRACE(run);
        Result<LlmClient> client = LlmClient::create(client_options(server.base(), cache));
        ASSERT_TRUE(client.ok()) << client.error().message;
        Result<HardNegativeFilter> f =
            HardNegativeFilter::create({kTrainText}, {kTestText}, nullptr, {});
        ASSERT_TRUE(f.ok());
        std::vector<size_t> progress;
        Result<HardNegativeResult> r =
            generate_hard_negatives(*client, *f, cfg, [&](size_t i, size_t n, const PairReport& p) {
                EXPECT_EQ(n, 10u);
                EXPECT_EQ(p.pair, confusing_agent_pairs()[i]);
                EXPECT_EQ(p.from_cache, run == 1);
                progress.push_back(i);
            });
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(progress.size(), 10u);
        expect_full_run_counts(r->report);
        EXPECT_EQ(server.hits(), 10);  // the rerun is answered from the cache: no request
        EXPECT_EQ(r->report.llm.requests_sent, run == 0 ? 10 : 0);
        EXPECT_EQ(r->report.llm.cache_hits, run == 0 ? 0 : 10);
        EXPECT_EQ(r->report.llm.tokens_used, run == 0 ? 3000 : 0);
        ASSERT_TRUE(write_triplets(out, r->triplets).ok());
        const std::string report = hard_negative_report_json(r->report);
        ASSERT_TRUE(write_file_atomic(dir / "out" / "report.json", report).ok());

        const std::string bytes = test::slurp(out);
        if (run == 0) {
            first_bytes = bytes;
        } else {
            EXPECT_EQ(bytes, first_bytes);  // deterministic given the same replies
        }
        ASSERT_FALSE(bytes.empty());
        EXPECT_EQ(bytes.back(), '\n');
        size_t n_lines = 0, start = 0;
        while (start < bytes.size()) {
            const size_t end = bytes.find('\n', start);
            const json j = json::parse(bytes.substr(start, end - start));
            std::vector<std::string> keys;
            for (const auto& [k, v] : j.items()) {
                keys.push_back(k);
            }
            std::sort(keys.begin(), keys.end());
            EXPECT_EQ(
                keys,
                (std::vector<std::string>{"anchor", "isHard", "negative", "positive", "reason"}));
            EXPECT_EQ(bytes.compare(start, 11, "{\"anchor\":\""), 0);  // the seed's key order
            EXPECT_TRUE(j["isHard"].get<bool>());
            n_lines++;
            start = end + 1;
        }
        EXPECT_EQ(n_lines, 20u);
        const json first = json::parse(bytes.substr(0, bytes.find('\n')));
        EXPECT_EQ(first["anchor"], "Task one for coder/refactorer");
        EXPECT_EQ(first["positive"], "coder");
        EXPECT_EQ(first["negative"], "refactorer");
        EXPECT_EQ(first["reason"], "the first is better");

        const json rep = json::parse(report);
        EXPECT_EQ(rep["accepted"], 20);
        EXPECT_EQ(rep["rejected_total"], 64);
        EXPECT_EQ(rep["rejected"]["malformed"], 20);
        EXPECT_EQ(rep["pairs"][0]["pair"], "coder/refactorer");
        EXPECT_EQ(rep["pairs"][0]["accepted_by_positive"]["coder"], 1);
        EXPECT_EQ(rep["pairs"][0]["rejected"]["in_test_split"], 1);
        EXPECT_EQ(rep["cache_hits"], run == 0 ? 0 : 10);
    }
    EXPECT_FALSE(server.bad_key());
    const std::string written = all_files_text(dir.path());
    EXPECT_NE(written.find("Task two for coder/refactorer [REDACTED]"), std::string::npos);
    EXPECT_EQ(written.find(kKey), std::string::npos);
}

TEST(HardNegatives, TokenBudgetSkipsPairsAndRerunResumesFromCache) {
    test::TempDir dir;
    MockServer server(
        [](int, const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    HardNegativeConfig cfg;
    cfg.count = 4;  // max_tokens 768 per request; each reply uses 300 tokens
    LlmOptions o = client_options(server.base(), dir / "cache");
    o.max_tokens_total = 2000;  // pairs 1-5 fit (1200 + 768 <= 2000), pair 6 does not
    {
        Result<LlmClient> client = LlmClient::create(o);
        ASSERT_TRUE(client.ok());
        Result<HardNegativeFilter> f =
            HardNegativeFilter::create({kTrainText}, {kTestText}, nullptr, {});
        ASSERT_TRUE(f.ok());
        Result<HardNegativeResult> r = generate_hard_negatives(*client, *f, cfg);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->report.pairs_skipped, 5u);
        EXPECT_EQ(server.hits(), 5);
        for (size_t i = 0; i < 10; i++) {
            EXPECT_EQ(r->report.pairs[i].requested, i < 5) << i;
        }
        EXPECT_EQ(r->triplets.size(), 10u);
    }
    o.max_tokens_total = -1;
    Result<LlmClient> client = LlmClient::create(o);
    ASSERT_TRUE(client.ok());
    Result<HardNegativeFilter> f =
        HardNegativeFilter::create({kTrainText}, {kTestText}, nullptr, {});
    ASSERT_TRUE(f.ok());
    Result<HardNegativeResult> r = generate_hard_negatives(*client, *f, cfg);
    ASSERT_TRUE(r.ok()) << r.error().message;
    expect_full_run_counts(r->report);
    EXPECT_EQ(server.hits(), 10);  // only the 5 missing pairs were asked
    EXPECT_EQ(r->report.llm.cache_hits, 5);
}

TEST(HardNegatives, RequestErrorEndsTheRunWithoutTheKey) {
    test::TempDir dir;
    MockServer server([](int n, const httplib::Request& req, httplib::Response& res) {
        if (n == 1) {
            answer(req, res);
            return;
        }
        res.status = 401;
        res.set_content(
            json{{"type", "error"},
                 {"error",
                  {{"type", "authentication_error"}, {"message", "invalid x-api-key " + kKey}}}}
                .dump(),
            "application/json");
    });
    Result<LlmClient> client = LlmClient::create(client_options(server.base(), dir / "cache"));
    ASSERT_TRUE(client.ok());
    Result<HardNegativeFilter> f = HardNegativeFilter::create({}, {}, nullptr, {});
    ASSERT_TRUE(f.ok());
    Result<HardNegativeResult> r = generate_hard_negatives(*client, *f, {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_EQ(r.error().message.rfind("hard-negatives: researcher/architect: ", 0), 0u)
        << r.error().message;
    EXPECT_NE(r.error().message.find("401"), std::string::npos);
    EXPECT_EQ(r.error().message.find(kKey), std::string::npos);
    EXPECT_EQ(server.hits(), 2);  // no retry storm
}

TEST(HardNegatives, RejectsBadConfig) {
    test::TempDir dir;
    Result<LlmClient> client =
        LlmClient::create(client_options("http://127.0.0.1:9", dir / "cache"));
    ASSERT_TRUE(client.ok());
    Result<HardNegativeFilter> f = HardNegativeFilter::create({}, {}, nullptr, {});
    ASSERT_TRUE(f.ok());
    HardNegativeConfig cfg;
    cfg.count = 0;
    EXPECT_FALSE(generate_hard_negatives(*client, *f, cfg).ok());
    cfg.count = 1;
    cfg.pairs = {};
    EXPECT_FALSE(generate_hard_negatives(*client, *f, cfg).ok());
    cfg.pairs = {{"coder", "janitor"}};
    EXPECT_FALSE(generate_hard_negatives(*client, *f, cfg).ok());
    EXPECT_EQ(client->stats().requests_sent, 0);
}

// ---- the job (collect_hard_negatives: `ruvllm hard-negatives` as one call) ----

HardNegativesJob mock_job(const MockServer& server, const test::TempDir& dir) {
    test::spit(dir / "train.jsonl",
               json{{"input", kTrainText}, {"output_agent", "coder"}}.dump() + "\n");
    test::spit(dir / "test.jsonl",
               json{{"input", kTestText}, {"output_agent", "optimizer"}}.dump() + "\n");
    HardNegativesJob job;
    job.count = 4;
    job.data = dir / "train.jsonl";
    job.test = dir / "test.jsonl";
    job.out = dir / "deep" / "dir" / "hn.jsonl";
    job.report = dir / "reports" / "hn.json";
    job.library = test::tiny_library();
    job.llm = client_options(server.base(), dir / "cache");
    return job;
}

TEST(HardNegativesJob, WritesTripletsAndReportAndSaysSo) {
    test::TempDir dir;
    MockServer server(
        [](int, const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    const HardNegativesJob job = mock_job(server, dir);
    test::LogCapture cap;
    Result<HardNegativesSummary> s = collect_hard_negatives(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    expect_full_run_counts(s->report);
    EXPECT_EQ(s->out, job.out);
    const std::string bytes = test::slurp(job.out);
    EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\n'), 20);
    EXPECT_EQ(json::parse(test::slurp(job.report))["accepted"], 20);
    ASSERT_EQ(cap.steps.size(), 10u);
    EXPECT_EQ(cap.steps[0],
              "hard-negatives 0.100000 [1/10] coder/refactorer: 2 of 10 lines accepted (coder 1, "
              "refactorer 1), rejected: malformed 2, unknown_agent 1, wrong_pair 1, empty 1, "
              "duplicate 1, near_duplicate 1, in_test_split 1");
    ASSERT_EQ(cap.lines.size(), 3u);
    EXPECT_EQ(cap.lines[0],
              "hard-negatives: 20 triplets from 84 lines over 10 pairs -> " + job.out.string());
    EXPECT_EQ(cap.lines[1].rfind("  rejected 64: malformed 20, ", 0), 0u) << cap.lines[1];
    EXPECT_NE(cap.lines[2].find("10 requests (0 retries), 0 cache hits, 3000 tokens used"),
              std::string::npos)
        << cap.lines[2];
    EXPECT_EQ(server.hits(), 10);
    EXPECT_EQ(all_files_text(dir.path()).find(kKey), std::string::npos);
}

TEST(HardNegativesJob, SpentBudgetWritesWhatItHasAndFails) {
    test::TempDir dir;
    MockServer server(
        [](int, const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    HardNegativesJob job = mock_job(server, dir);
    job.pairs = "coder/debugger,tester/debugger";
    job.llm.max_tokens_total = 1000;
    test::LogCapture cap;
    Result<HardNegativesSummary> s = collect_hard_negatives(job, cap.log());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::exhausted);
    EXPECT_EQ(s.error().message,
              "hard-negatives: 1 of 2 pairs skipped, the token budget (--max-tokens-total 1000) "
              "is spent; the other pairs' triplets were written to " +
                  job.out.string() +
                  ", a rerun with a larger budget asks only for the skipped pairs");
    const std::string bytes = test::slurp(job.out);
    EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\n'), 2);
    ASSERT_EQ(cap.steps.size(), 2u);
    EXPECT_EQ(cap.steps[1],
              "hard-negatives 1.000000 [2/2] tester/debugger: skipped, the token budget is spent");
    EXPECT_FALSE(cap.lines.empty());  // the summary comes before the error
}

TEST(HardNegativesJob, BadJobsFailBeforeAnyFileOrRequest) {
    test::TempDir dir;
    MockServer server(
        [](int, const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    const HardNegativesJob good = mock_job(server, dir);

    const struct {
        const char* name;
        void (*edit)(HardNegativesJob&);
        const char* message;
    } cases[] = {
        {"no key",
         [](HardNegativesJob& j) { j.llm.api_key.clear(); },
         "hard-negatives: ANTHROPIC_API_KEY is not set, expected an Anthropic API key in the "
         "environment"},
        {"bad pairs",
         [](HardNegativesJob& j) { j.pairs = "coder/janitor"; },
         "--pairs: 'coder/janitor': unknown agent 'janitor', expected one of the 13 agent types"},
        {"model alone",
         [](HardNegativesJob& j) {
             j.model = "router.gguf";
             j.data.clear();
             j.test.clear();
         },
         "hard-negatives: --model compares with --data / --test, expected one of them"},
    };

    const char* env = std::getenv("ANTHROPIC_API_KEY");
    const std::string saved = env != nullptr ? env : "";
    ::unsetenv("ANTHROPIC_API_KEY");
    for (const auto& c : cases) {
        HardNegativesJob job = good;
        c.edit(job);
        test::LogCapture cap;
        Result<HardNegativesSummary> s = collect_hard_negatives(job, cap.log());
        ASSERT_FALSE(s) << c.name;
        EXPECT_EQ(s.error().code, Errc::invalid_argument) << c.name;
        EXPECT_EQ(s.error().message, c.message) << c.name;
        EXPECT_TRUE(cap.lines.empty() && cap.steps.empty()) << c.name;
        EXPECT_FALSE(fs::exists(dir / "deep")) << c.name;
        EXPECT_FALSE(fs::exists(dir / "cache")) << c.name;
    }
    if (env != nullptr) {
        ::setenv("ANTHROPIC_API_KEY", saved.c_str(), 1);
    }
    EXPECT_EQ(server.hits(), 0);
}

// ---- the CLI (the ruvllm binary built beside this test) ----

fs::path cli_binary() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : self.parent_path() / "ruvllm";
}

// Runs `args` through the shell with stdout and stderr captured; returns the exit status.
int run_cli(const std::string& args, const fs::path& dir, std::string& out, std::string& err) {
    const std::string cmd = cli_binary().string() + " " + args + " >" + (dir / "stdout").string() +
                            " 2>" + (dir / "stderr").string();
    const int status = std::system(cmd.c_str());
    out = test::slurp(dir / "stdout");
    err = test::slurp(dir / "stderr");
    fs::remove(dir / "stdout");
    fs::remove(dir / "stderr");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(HardNegativesCli, RunsAgainstMockServerAndNeverPrintsTheKey) {
    if (!fs::exists(cli_binary())) {
        GTEST_SKIP() << "no ruvllm binary beside the test (build the ruvllm-cli target)";
    }
    test::TempDir dir;
    MockServer server(
        [](int, const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    const fs::path io = dir / "io";
    fs::create_directories(io);
    test::spit(dir / "train.jsonl",
               json{{"input", kTrainText}, {"output_agent", "coder"}}.dump() + "\n");
    test::spit(dir / "test.jsonl",
               json{{"input", kTestText}, {"output_agent", "optimizer"}}.dump() + "\n");
    ::setenv("ANTHROPIC_API_KEY", kKey.c_str(), 1);
    ::setenv("NO_PROXY", "*", 1);
    ::setenv("no_proxy", "*", 1);
    const fs::path out = dir / "deep" / "dir" / "hn.jsonl";
    const auto args_for = [&](const fs::path& out_path, const fs::path& cache) {
        return "hard-negatives --count 4 --api-base " + server.base() + " --out " +
               out_path.string() + " --cache-dir " + cache.string() + " --data " +
               (dir / "train.jsonl").string() + " --test " + (dir / "test.jsonl").string() +
               " --report " + (dir / "report.json").string() + " --max-retries 0 --timeout 5";
    };
    const std::string args = args_for(out, dir / "cache");
    std::string sout, serr;
    ASSERT_EQ(run_cli(args, io, sout, serr), 0) << serr;
    EXPECT_EQ(sout, "");
    EXPECT_NE(serr.find("[1/10] coder/refactorer: 2 of 10 lines accepted (coder 1, refactorer 1), "
                        "rejected: malformed 2, unknown_agent 1, wrong_pair 1, empty 1, "
                        "duplicate 1, near_duplicate 1, in_test_split 1\n"),
              std::string::npos)
        << serr;
    EXPECT_NE(
        serr.find("hard-negatives: 20 triplets from 84 lines over 10 pairs -> " + out.string()),
        std::string::npos)
        << serr;
    EXPECT_NE(serr.find("10 requests (0 retries), 0 cache hits, 3000 tokens used"),
              std::string::npos)
        << serr;
    EXPECT_EQ(server.hits(), 10);
    const std::string bytes = test::slurp(out);
    EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\n'), 20);
    EXPECT_EQ(bytes.back(), '\n');
    EXPECT_EQ(json::parse(test::slurp(dir / "report.json"))["accepted"], 20);

    // Rerun, quiet: everything from the cache, same bytes.
    ASSERT_EQ(run_cli(args + " -q", io, sout, serr), 0) << serr;
    EXPECT_EQ(serr.find("[1/10]"), std::string::npos);
    EXPECT_NE(serr.find("0 requests (0 retries), 10 cache hits, 0 tokens used"), std::string::npos)
        << serr;
    EXPECT_EQ(server.hits(), 10);
    EXPECT_EQ(test::slurp(out), bytes);

    // A budget that is spent halfway: the file is written, the exit code says it is partial.
    const fs::path partial = dir / "partial.jsonl";
    ASSERT_EQ(run_cli(args_for(partial, dir / "cache2") +
                          " -q --pairs coder/debugger,tester/debugger --max-tokens-total 1000",
                      io,
                      sout,
                      serr),
              1);
    EXPECT_NE(serr.find("ruvllm: hard-negatives: 1 of 2 pairs skipped, the token budget "
                        "(--max-tokens-total 1000) is spent; the other pairs' triplets were "
                        "written to " +
                        partial.string()),
              std::string::npos)
        << serr;
    EXPECT_EQ(server.hits(), 11);
    const std::string partial_bytes = test::slurp(partial);
    EXPECT_EQ(std::count(partial_bytes.begin(), partial_bytes.end(), '\n'), 2);
    EXPECT_NE(partial_bytes.find("Task one for coder/debugger"), std::string::npos);

    // Bad flags fail before any request.
    ASSERT_EQ(run_cli(args + " --pairs coder/janitor", io, sout, serr), 1);
    EXPECT_NE(serr.find("ruvllm: --pairs: 'coder/janitor': unknown agent 'janitor'"),
              std::string::npos)
        << serr;
    EXPECT_EQ(server.hits(), 11);

    EXPECT_EQ(all_files_text(dir.path()).find(kKey), std::string::npos);
    ::unsetenv("ANTHROPIC_API_KEY");
}

}  // namespace
}  // namespace ruvllm
