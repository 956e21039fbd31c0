// llm_test.cpp: the Anthropic Messages API client against a mock server on a loopback port
// (cpp-httplib, in-process). No network, no real sleeping: the retry waits go through the
// sleep hook, which records them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/core/rng.h>
#include <ruvllm/llm/llm.h>

#include "testutil.h"
#include <httplib.h>

namespace ruvllm {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kKey = "sk-ant-test-K3y-0123456789-SECRET";

struct Received {
    std::string path;
    httplib::Headers headers;
    std::string body;
};

// A mock Messages API. `handler(n, req, res)` answers the n-th request (1-based).
class MockServer {
public:
    using Handler = std::function<void(int n, const httplib::Request&, httplib::Response&)>;

    explicit MockServer(Handler handler) : handler_(std::move(handler)) {
        server_.Post("/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
            int n = 0;
            {
                std::lock_guard<std::mutex> lock(mu_);
                received_.push_back({req.path, req.headers, req.body});
                n = static_cast<int>(received_.size());
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
        release();
        server_.stop();
        thread_.join();
    }

    MockServer(const MockServer&) = delete;
    MockServer& operator=(const MockServer&) = delete;

    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

    int hits() const {
        std::lock_guard<std::mutex> lock(mu_);
        return static_cast<int>(received_.size());
    }

    Received request(size_t i) const {
        std::lock_guard<std::mutex> lock(mu_);
        return received_.at(i);
    }

    // Blocks a handler until release() (or 10 s): a server that never answers in time.
    void hang() {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
    }

    void release() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            released_ = true;
        }
        cv_.notify_all();
    }

private:
    Handler handler_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool released_ = false;
    std::vector<Received> received_;
};

std::string message_body(const std::string& text, int input_tokens, int output_tokens) {
    return json{{"id", "msg_01"},
                {"type", "message"},
                {"role", "assistant"},
                {"model", "claude-opus-4-5-20251101"},
                {"content", json::array({{{"type", "text"}, {"text", text}}})},
                {"stop_reason", "end_turn"},
                {"usage", {{"input_tokens", input_tokens}, {"output_tokens", output_tokens}}}}
        .dump();
}

std::string error_body(const std::string& type, const std::string& message) {
    return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
}

void reply(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json");
}

// Options for a client of the server at `base`, with the sleep hook recording into `sleeps`.
LlmOptions options_for(const std::string& base, std::vector<double>* sleeps) {
    ::setenv("NO_PROXY", "*", 1);  // never send loopback traffic to a proxy from the environment
    ::setenv("no_proxy", "*", 1);
    LlmOptions o;
    o.api_base = base;
    o.api_key = kKey;
    o.timeout_s = 5.0;
    o.backoff_base_s = 0.5;
    o.backoff_max_s = 4.0;
    o.sleep = [sleeps](double s) {
        sleeps->push_back(s);
    };
    return o;
}

LlmClient make_client(LlmOptions o) {
    Result<LlmClient> c = LlmClient::create(std::move(o));
    EXPECT_TRUE(c.ok()) << c.error().message;
    RUVLLM_ASSERT(c.ok());
    return std::move(*c);
}

LlmRequest simple_request(const std::string& user = "Give 3 tasks for a tester.") {
    LlmRequest r;
    r.system = "You write routing examples.";
    r.user = user;
    r.max_tokens = 256;
    r.temperature = 0.25;
    return r;
}

// Every file under `dir`, read whole.
std::vector<std::pair<fs::path, std::string>> files_under(const fs::path& dir) {
    std::vector<std::pair<fs::path, std::string>> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) {
            out.emplace_back(e.path(), test::slurp(e.path()));
        }
    }
    return out;
}

TEST(Llm, DefaultsMatchTheIssue) {
    const LlmOptions o;
    EXPECT_EQ(o.api_base, "https://api.anthropic.com");
    EXPECT_EQ(o.model, "claude-opus-4-5-20251101");
    EXPECT_EQ(o.anthropic_version, "2023-06-01");
    EXPECT_EQ(o.max_tokens_total, -1);
    EXPECT_EQ(o.max_response_bytes, size_t{16} << 20);
}

TEST(Llm, SuccessSendsHeadersAndBody) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        json body = json::parse(message_body("", 12, 5));
        body["content"] = json::array({{{"type", "text"}, {"text", "Hello"}},
                                       {{"type", "tool_use"}, {"id", "t1"}, {"name", "x"}},
                                       {{"type", "text"}, {"text", ", world"}}});
        reply(res, 200, body.dump());
    });
    std::vector<double> sleeps;
    LlmClient client = make_client(options_for(server.base(), &sleeps));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->text, "Hello, world");
    EXPECT_EQ(r->stop_reason, "end_turn");
    EXPECT_EQ(r->input_tokens, 12);
    EXPECT_EQ(r->output_tokens, 5);
    EXPECT_FALSE(r->from_cache);
    EXPECT_EQ(client.stats().requests_sent, 1);
    EXPECT_EQ(client.stats().retries, 0);
    EXPECT_EQ(client.stats().tokens_used, 17);
    EXPECT_TRUE(sleeps.empty());

    ASSERT_EQ(server.hits(), 1);
    const Received got = server.request(0);
    EXPECT_EQ(got.path, "/v1/messages");
    auto header = [&](const std::string& name) {
        const auto it = got.headers.find(name);
        return it == got.headers.end() ? std::string("<absent>") : it->second;
    };
    EXPECT_EQ(header("x-api-key"), kKey);
    EXPECT_EQ(header("anthropic-version"), "2023-06-01");
    EXPECT_EQ(header("content-type"), "application/json");
    const json body = json::parse(got.body);
    EXPECT_EQ(body["model"], "claude-opus-4-5-20251101");
    EXPECT_EQ(body["max_tokens"], 256);
    EXPECT_EQ(body["temperature"].get<double>(), 0.25);
    EXPECT_EQ(body["system"], "You write routing examples.");
    EXPECT_EQ(body["messages"],
              json::parse(R"([{"role": "user", "content": "Give 3 tasks for a tester."}])"));
    EXPECT_EQ(body.size(), 5u);  // nothing else, in particular not the key
    EXPECT_EQ(got.body.find(kKey), std::string::npos);
}

TEST(Llm, ConversationAndNoSystemPrompt) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        reply(res, 200, message_body("ok", 1, 1));
    });
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.model = "claude-haiku-test";
    LlmClient client = make_client(std::move(o));
    LlmRequest req;
    req.messages = {{"user", "a"}, {"assistant", "b"}, {"user", "c"}};
    ASSERT_TRUE(client.complete(req).ok());
    const json body = json::parse(server.request(0).body);
    EXPECT_EQ(body["model"], "claude-haiku-test");
    EXPECT_FALSE(body.contains("system"));
    EXPECT_EQ(body["messages"], json::parse(R"([{"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}])"));
}

TEST(Llm, RateLimitHonoursRetryAfter) {
    MockServer server([](int n, const httplib::Request&, httplib::Response& res) {
        if (n == 1) {
            res.set_header("retry-after", "7");
            reply(res, 429, error_body("rate_limit_error", "slow down"));
        } else {
            reply(res, 200, message_body("after the wait", 3, 4));
        }
    });
    std::vector<double> sleeps;
    LlmClient client = make_client(options_for(server.base(), &sleeps));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->text, "after the wait");
    EXPECT_EQ(server.hits(), 2);
    EXPECT_EQ(sleeps, std::vector<double>{7.0});
    EXPECT_EQ(client.stats().requests_sent, 2);
    EXPECT_EQ(client.stats().retries, 1);
    EXPECT_EQ(client.stats().tokens_used, 7);
}

// A server that keeps asking for retry-after: 999999 (clamped to 300 s) is waited for only up to
// max_wait_total_s in all, each wait said through on_wait first, then the call gives up saying
// why (#16: the client once slept 5 x 300 s without a word).
TEST(Llm, TotalWaitIsBoundedAndEachWaitIsSaid) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        res.set_header("retry-after", "999999");
        reply(res, 429, error_body("rate_limit_error", "slow down"));
    });
    std::vector<double> sleeps;
    std::vector<std::string> said;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.max_wait_total_s = 700;
    Log log;
    log.line = [&said](const std::string& s) {
        said.push_back(s);
    };
    LlmClient client = make_client(say_waits(o, log));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::io);
    EXPECT_NE(r.error().message.find("giving up: retry 3 would wait 300 s (the server's "
                                     "retry-after), past the 700 s this call may wait in all "
                                     "(600 s so far); last: 429 rate_limit_error: slow down"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(sleeps, (std::vector<double>{300.0, 300.0}));
    EXPECT_EQ(server.hits(), 3);
    ASSERT_EQ(said.size(), 2u);
    EXPECT_EQ(said[0].rfind("llm: 429 rate_limit_error: slow down", 0), 0u) << said[0];
    EXPECT_NE(said[0].find("; retry 1 of 5 in 300 s"), std::string::npos) << said[0];
    o.max_wait_total_s = -1;
    EXPECT_FALSE(LlmClient::create(o).ok());
}

TEST(Llm, RetryAfterFormats) {
    // An HTTP date is not seconds: backoff instead. Decimals are honoured; huge values clamped.
    MockServer server([](int n, const httplib::Request&, httplib::Response& res) {
        const char* values[] = {"Wed, 21 Oct 2015 07:28:00 GMT", "1.5", "100000"};
        if (n <= 3) {
            res.set_header("retry-after", values[n - 1]);
            reply(res, 529, error_body("overloaded_error", "Overloaded"));
        } else {
            reply(res, 200, message_body("ok", 1, 1));
        }
    });
    std::vector<double> sleeps;
    LlmClient client = make_client(options_for(server.base(), &sleeps));
    ASSERT_TRUE(client.complete(simple_request()).ok());
    ASSERT_EQ(sleeps.size(), 3u);
    EXPECT_GE(sleeps[0], 0.25);  // first retry: d = backoff_base_s = 0.5, wait in [d/2, d)
    EXPECT_LT(sleeps[0], 0.5);
    EXPECT_EQ(sleeps[1], 1.5);
    EXPECT_EQ(sleeps[2], kLlmMaxRetryAfterS);
    EXPECT_EQ(server.hits(), 4);
}

TEST(Llm, ServerErrorThenSuccess) {
    MockServer server([](int n, const httplib::Request&, httplib::Response& res) {
        if (n == 1) {
            reply(res, 500, error_body("api_error", "Internal server error"));
        } else {
            reply(res, 200, message_body("fine", 2, 2));
        }
    });
    std::vector<double> sleeps;
    LlmClient client = make_client(options_for(server.base(), &sleeps));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->text, "fine");
    EXPECT_EQ(server.hits(), 2);
    ASSERT_EQ(sleeps.size(), 1u);
    EXPECT_GE(sleeps[0], 0.25);
    EXPECT_LT(sleeps[0], 0.5);
}

TEST(Llm, BackoffIsExponentialCappedAndSeeded) {
    // Three 503s (one a non-JSON proxy page), then success.
    MockServer server([](int n, const httplib::Request&, httplib::Response& res) {
        if (n % 4 == 1) {
            reply(res, 503, "<html>upstream unavailable</html>");
        } else if (n % 4 != 0) {
            reply(res, 503, error_body("api_error", "busy"));
        } else {
            reply(res, 200, message_body("ok", 1, 1));
        }
    });
    auto run = [&](uint64_t seed) {
        std::vector<double> sleeps;
        LlmOptions o = options_for(server.base(), &sleeps);
        o.backoff_base_s = 0.1;
        o.backoff_max_s = 0.25;
        o.seed = seed;
        LlmClient client = make_client(std::move(o));
        EXPECT_TRUE(client.complete(simple_request()).ok());
        return sleeps;
    };
    const std::vector<double> a = run(7);
    const std::vector<double> b = run(7);
    EXPECT_EQ(server.hits(), 8);
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a, b);  // same seed, same waits
    // The documented rule, recomputed: d_k = min(0.25, 0.1 * 2^(k-1)), wait = d/2 + d/2 * u.
    Rng rng(7);
    const double d[] = {0.1, 0.2, 0.25};
    for (size_t k = 0; k < 3; k++) {
        EXPECT_DOUBLE_EQ(a[k], 0.5 * d[k] + 0.5 * d[k] * rng.uniform_f64()) << k;
        EXPECT_GE(a[k], d[k] / 2);
        EXPECT_LT(a[k], d[k]);
    }
}

TEST(Llm, GivesUpAfterMaxRetries) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        reply(res, 529, error_body("overloaded_error", "Overloaded"));
    });
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.max_retries = 2;
    LlmClient client = make_client(std::move(o));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::io);
    EXPECT_EQ(r.error().message,
              "Anthropic API: giving up after 3 tries (1 + 2 retries), last: 529 "
              "overloaded_error: Overloaded");
    EXPECT_EQ(server.hits(), 3);
    EXPECT_EQ(sleeps.size(), 2u);
    EXPECT_EQ(client.stats().retries, 2);
    EXPECT_EQ(client.stats().tokens_used, 0);
}

TEST(Llm, TimeoutIsRetriedThenFails) {
    MockServer* self = nullptr;
    MockServer server([&](int, const httplib::Request&, httplib::Response& res) {
        self->hang();  // answers only after the client has given up
        reply(res, 200, message_body("too late", 1, 1));
    });
    self = &server;
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.timeout_s = 0.3;
    o.max_retries = 1;
    LlmClient client = make_client(std::move(o));
    const auto t0 = std::chrono::steady_clock::now();
    Result<LlmResponse> r = client.complete(simple_request());
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    server.release();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::io);
    EXPECT_NE(r.error().message.find("giving up after 2 tries"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
    EXPECT_EQ(server.hits(), 2);
    EXPECT_EQ(sleeps.size(), 1u);
    EXPECT_GE(elapsed, 0.55);  // two tries of 0.3 s each
    EXPECT_LT(elapsed, 5.0);   // the handler hangs 10 s: only the client timeout ends sooner
}

TEST(Llm, ConnectionRefusedIsRetried) {
    std::string base;
    {
        MockServer gone([](int, const httplib::Request&, httplib::Response&) {});
        base = gone.base();
    }  // the port is closed now
    std::vector<double> sleeps;
    LlmOptions o = options_for(base, &sleeps);
    o.max_retries = 1;
    LlmClient client = make_client(std::move(o));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::io);
    EXPECT_NE(r.error().message.find("giving up after 2 tries"), std::string::npos);
    EXPECT_NE(r.error().message.find("transport error"), std::string::npos) << r.error().message;
    EXPECT_EQ(sleeps.size(), 1u);
}

TEST(Llm, UnauthorizedIsOneRequestAndAClearError) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        reply(res, 401, error_body("authentication_error", "invalid x-api-key"));
    });
    std::vector<double> sleeps;
    LlmClient client = make_client(options_for(server.base(), &sleeps));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_EQ(r.error().message, "Anthropic API: 401 authentication_error: invalid x-api-key");
    EXPECT_EQ(server.hits(), 1);
    EXPECT_TRUE(sleeps.empty());
    EXPECT_EQ(client.stats().retries, 0);
}

TEST(Llm, ClientErrorsAreNotRetried) {
    for (const int status : {400, 403, 404, 413}) {
        MockServer server([status](int, const httplib::Request&, httplib::Response& res) {
            reply(res, status, status == 404 ? "Not Found" : error_body("x_error", "no"));
        });
        std::vector<double> sleeps;
        LlmClient client = make_client(options_for(server.base(), &sleeps));
        Result<LlmResponse> r = client.complete(simple_request());
        ASSERT_FALSE(r.ok()) << status;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_EQ(r.error().message.rfind("Anthropic API: " + std::to_string(status), 0), 0u)
            << r.error().message;
        EXPECT_EQ(server.hits(), 1) << status;
        EXPECT_TRUE(sleeps.empty());
    }
}

TEST(Llm, KeyEchoedByTheServerIsRedacted) {
    MockServer server([](int n, const httplib::Request& req, httplib::Response& res) {
        const std::string key = req.get_header_value("x-api-key");
        if (n == 1) {
            reply(res, 403, error_body("permission_error", "key " + key + " may not do this"));
        } else if (n == 2) {
            reply(res, 502, "bad gateway for " + key);
        } else {
            reply(res, 200, message_body("your key is " + key + ".", 1, 1));
        }
    });
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.max_retries = 0;
    test::TempDir dir;
    o.cache_dir = dir / "cache";
    LlmClient client = make_client(std::move(o));
    Result<LlmResponse> r1 = client.complete(simple_request("one"));
    ASSERT_FALSE(r1.ok());
    EXPECT_EQ(r1.error().message,
              "Anthropic API: 403 permission_error: key [REDACTED] may not do this");
    Result<LlmResponse> r2 = client.complete(simple_request("two"));
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().message.find(kKey), std::string::npos) << r2.error().message;
    EXPECT_NE(r2.error().message.find("[REDACTED]"), std::string::npos) << r2.error().message;
    Result<LlmResponse> r3 = client.complete(simple_request("three"));
    ASSERT_TRUE(r3.ok()) << r3.error().message;
    EXPECT_EQ(r3->text, "your key is [REDACTED].");
    const auto files = files_under(dir.path());
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].second.find(kKey), std::string::npos);
}

TEST(Llm, CacheHitOnRerunSendsNothing) {
    MockServer server([](int n, const httplib::Request&, httplib::Response& res) {
        reply(res, 200, message_body("answer " + std::to_string(n), 10, 20));
    });
    test::TempDir dir;
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.cache_dir = dir / "llm-cache";
    {
        LlmClient first = make_client(o);
        Result<LlmResponse> r = first.complete(simple_request());
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->text, "answer 1");
        EXPECT_FALSE(r->from_cache);
        EXPECT_EQ(first.stats().cache_hits, 0);
    }
    ASSERT_EQ(server.hits(), 1);
    // A second client (as after a restart), with another key: the key is not part of the cache.
    o.api_key = "sk-ant-other-key";
    LlmClient second = make_client(o);
    Result<LlmResponse> r = second.complete(simple_request());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->from_cache);
    EXPECT_EQ(r->text, "answer 1");
    EXPECT_EQ(r->stop_reason, "end_turn");
    EXPECT_EQ(r->input_tokens, 10);
    EXPECT_EQ(r->output_tokens, 20);
    EXPECT_EQ(server.hits(), 1);  // nothing reached the server
    EXPECT_EQ(second.stats().cache_hits, 1);
    EXPECT_EQ(second.stats().requests_sent, 0);
    EXPECT_EQ(second.stats().tokens_used, 0);  // cache hits are free

    // Any change to the request is another entry.
    LlmRequest other = simple_request();
    other.temperature = 0.5;
    Result<LlmResponse> r2 = second.complete(other);
    ASSERT_TRUE(r2.ok());
    EXPECT_FALSE(r2->from_cache);
    EXPECT_EQ(r2->text, "answer 2");
    EXPECT_EQ(server.hits(), 2);

    // One file per request, named by a 64-bit hash, holding the request that was sent.
    const auto files = files_under(dir.path());
    ASSERT_EQ(files.size(), 2u);
    for (const auto& [path, text] : files) {
        EXPECT_EQ(path.parent_path(), dir / "llm-cache");
        EXPECT_EQ(path.extension(), ".json");
        EXPECT_EQ(path.stem().string().size(), 16u);
        EXPECT_EQ(text.find(kKey), std::string::npos) << path;
        EXPECT_EQ(text.find("sk-ant-other-key"), std::string::npos) << path;
    }
    const json sent = json::parse(server.request(0).body);
    const bool any_holds_first = std::any_of(files.begin(), files.end(), [&](const auto& f) {
        return json::parse(f.second)["request"] == sent;
    });
    EXPECT_TRUE(any_holds_first);
}

TEST(Llm, CorruptCacheFileIsIgnoredAndOverwritten) {
    MockServer server([](int n, const httplib::Request&, httplib::Response& res) {
        reply(res, 200, message_body("fresh " + std::to_string(n), 1, 2));
    });
    test::TempDir dir;
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.cache_dir = dir.path();
    {
        LlmClient c = make_client(o);
        ASSERT_TRUE(c.complete(simple_request()).ok());
    }
    auto files = files_under(dir.path());
    ASSERT_EQ(files.size(), 1u);
    const fs::path file = files[0].first;
    json wrong_request = json::parse(files[0].second);
    wrong_request["request"]["max_tokens"] = 999;  // a valid entry, but for another request
    json bad_types = json::parse(files[0].second);
    bad_types["response"]["text"] = 5;
    const std::string corruptions[] = {
        "", "{not json", "[]", "\xff\xfe", wrong_request.dump(), bad_types.dump()};
    int expected_hits = 1;
    for (const std::string& junk : corruptions) {
        test::spit(file, junk);
        LlmClient c = make_client(o);
        Result<LlmResponse> r = c.complete(simple_request());
        ASSERT_TRUE(r.ok()) << r.error().message;
        expected_hits++;
        EXPECT_FALSE(r->from_cache) << junk;
        EXPECT_EQ(r->text, "fresh " + std::to_string(expected_hits));
        EXPECT_EQ(server.hits(), expected_hits);
        EXPECT_EQ(c.stats().cache_write_failures, 0);
        // Overwritten with a good entry: the next client hits it.
        LlmClient again = make_client(o);
        Result<LlmResponse> hit = again.complete(simple_request());
        ASSERT_TRUE(hit.ok());
        EXPECT_TRUE(hit->from_cache);
        EXPECT_EQ(hit->text, "fresh " + std::to_string(expected_hits));
    }
    EXPECT_EQ(files_under(dir.path()).size(), 1u);  // no temp files left behind
}

TEST(Llm, TokenBudget) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        reply(res, 200, message_body("ok", 30, 20));
    });
    test::TempDir dir;
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.max_tokens_total = 100;
    o.cache_dir = dir.path();
    LlmClient client = make_client(o);
    LlmRequest req = simple_request("first");
    req.max_tokens = 60;
    ASSERT_TRUE(client.complete(req).ok());  // 0 + 60 <= 100
    EXPECT_EQ(client.stats().tokens_used, 50);

    LlmRequest second = simple_request("second");
    second.max_tokens = 60;  // 50 + 60 > 100
    Result<LlmResponse> refused = client.complete(second);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::exhausted);
    EXPECT_NE(refused.error().message.find("token budget of 100 exhausted"), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(server.hits(), 1);  // nothing was sent

    // A cached reply is served even now, and is free.
    Result<LlmResponse> cached = client.complete(req);
    ASSERT_TRUE(cached.ok());
    EXPECT_TRUE(cached->from_cache);
    EXPECT_EQ(client.stats().tokens_used, 50);

    second.max_tokens = 50;  // 50 + 50 <= 100: exactly at the budget is allowed
    ASSERT_TRUE(client.complete(second).ok());
    EXPECT_EQ(server.hits(), 2);
    EXPECT_EQ(client.stats().tokens_used, 100);
    second.user = "third";
    second.max_tokens = 1;
    EXPECT_EQ(client.complete(second).error().code, Errc::exhausted);
}

TEST(Llm, HostileRepliesGiveErrors) {
    struct Case {
        std::string body;
        Errc code;
        std::string in_message;
    };

    const std::vector<Case> cases = {
        {"this is not json {", Errc::parse, "reply is not JSON"},
        {"", Errc::parse, "reply is not JSON"},
        {"[1, 2, 3]", Errc::format, "no 'content' array"},
        {R"({"id": "msg"})", Errc::format, "no 'content' array"},
        {R"({"content": "text"})", Errc::format, "no 'content' array"},
        {R"({"content": [{"type": "text", "text": 7}], "usage": {}})",
         Errc::format,
         "without a 'text' string"},
        {R"({"content": [], "usage": {"input_tokens": 1}})", Errc::format, "no valid 'usage'"},
        {R"({"content": [], "usage": {"input_tokens": -1, "output_tokens": 2}})",
         Errc::format,
         "no valid 'usage'"},
        {R"({"content": [], "usage": {"input_tokens": "1", "output_tokens": 2}})",
         Errc::format,
         "no valid 'usage'"},
        {std::string(3000, '['), Errc::parse, "reply is not JSON"},
    };
    for (const Case& c : cases) {
        MockServer server(
            [&](int, const httplib::Request&, httplib::Response& res) { reply(res, 200, c.body); });
        std::vector<double> sleeps;
        LlmClient client = make_client(options_for(server.base(), &sleeps));
        Result<LlmResponse> r = client.complete(simple_request());
        ASSERT_FALSE(r.ok()) << c.body;
        EXPECT_EQ(r.error().code, c.code) << c.body;
        EXPECT_NE(r.error().message.find(c.in_message), std::string::npos) << r.error().message;
        EXPECT_EQ(server.hits(), 1);  // not retried
        EXPECT_EQ(client.stats().tokens_used, 0);
    }
}

TEST(Llm, OddButValidRepliesAreRead) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        reply(res,
              200,
              R"({"content": [1, "x", null, {"type": "thinking"}, {"type": "text", "text": "ok"}],
                  "stop_reason": null,
                  "usage": {"input_tokens": 4, "output_tokens": 6,
                            "cache_read_input_tokens": 100}})");
    });
    std::vector<double> sleeps;
    LlmClient client = make_client(options_for(server.base(), &sleeps));
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->text, "ok");
    EXPECT_EQ(r->stop_reason, "");
    EXPECT_EQ(r->input_tokens, 104);
    EXPECT_EQ(r->output_tokens, 6);
}

TEST(Llm, ReplyLargerThanTheLimitIsRefused) {
    const std::string big = message_body(std::string(5000, 'a'), 1, 1);
    MockServer server(
        [&](int, const httplib::Request&, httplib::Response& res) { reply(res, 200, big); });
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.max_response_bytes = 1000;
    LlmClient client = make_client(o);
    Result<LlmResponse> r = client.complete(simple_request());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::format);
    EXPECT_NE(r.error().message.find("larger than 1000 bytes"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(server.hits(), 1);
    // Just under the limit is fine.
    o.max_response_bytes = big.size();
    LlmClient roomy = make_client(o);
    Result<LlmResponse> ok = roomy.complete(simple_request());
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->text.size(), 5000u);
}

TEST(Llm, BadRequestsAreRefusedBeforeSending) {
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        reply(res, 200, message_body("ok", 1, 1));
    });
    std::vector<double> sleeps;
    LlmClient client = make_client(options_for(server.base(), &sleeps));
    std::vector<LlmRequest> bad(7, simple_request());
    bad[0].max_tokens = 0;
    bad[1].user.clear();
    bad[2].temperature = 1.5;
    bad[3].user = "caf\xe9";            // Latin-1, not UTF-8
    bad[4].messages = {{"user", "x"}};  // both user and messages
    bad[5].user.clear();
    bad[5].messages = {{"assistant", "x"}};
    bad[6].user.clear();
    bad[6].messages = {{"user", "x"}, {"system", "y"}};
    for (size_t i = 0; i < bad.size(); i++) {
        Result<LlmResponse> r = client.complete(bad[i]);
        ASSERT_FALSE(r.ok()) << i;
        EXPECT_EQ(r.error().code, Errc::invalid_argument) << i;
    }
    EXPECT_EQ(server.hits(), 0);
}

TEST(Llm, KeyFromTheEnvironment) {
    const char* saved = std::getenv("ANTHROPIC_API_KEY");
    const std::optional<std::string> old = saved ? std::optional<std::string>(saved) : std::nullopt;
    MockServer server([](int, const httplib::Request&, httplib::Response& res) {
        reply(res, 200, message_body("ok", 1, 1));
    });
    std::vector<double> sleeps;
    LlmOptions o = options_for(server.base(), &sleeps);
    o.api_key.clear();

    ::unsetenv("ANTHROPIC_API_KEY");
    Result<LlmClient> none = LlmClient::create(o);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, Errc::invalid_argument);
    EXPECT_NE(none.error().message.find("ANTHROPIC_API_KEY is not set"), std::string::npos);

    ::setenv("ANTHROPIC_API_KEY", "sk-ant-from-env", 1);
    Result<LlmClient> from_env = LlmClient::create(o);
    ASSERT_TRUE(from_env.ok()) << from_env.error().message;
    ASSERT_TRUE(from_env->complete(simple_request()).ok());
    EXPECT_EQ(server.request(0).headers.find("x-api-key")->second, "sk-ant-from-env");

    if (old) {
        ::setenv("ANTHROPIC_API_KEY", old->c_str(), 1);
    } else {
        ::unsetenv("ANTHROPIC_API_KEY");
    }
}

TEST(Llm, BadOptions) {
    LlmOptions base;
    base.api_key = kKey;
    auto code_of = [](const LlmOptions& o) {
        Result<LlmClient> c = LlmClient::create(o);
        EXPECT_FALSE(c.ok());
        if (c.ok()) {
            return Errc::io;
        }
        EXPECT_EQ(c.error().message.find(kKey), std::string::npos) << c.error().message;
        return c.error().code;
    };
    LlmOptions o = base;
    o.api_base = "ftp://example.com/" + kKey;
    EXPECT_EQ(code_of(o), Errc::invalid_argument);
    o = base;
    o.timeout_s = 0;
    EXPECT_EQ(code_of(o), Errc::invalid_argument);
    o = base;
    o.max_retries = -1;
    EXPECT_EQ(code_of(o), Errc::invalid_argument);
    o = base;
    o.backoff_max_s = 0.1;  // below backoff_base_s
    EXPECT_EQ(code_of(o), Errc::invalid_argument);
    o = base;
    o.max_tokens_total = -2;
    EXPECT_EQ(code_of(o), Errc::invalid_argument);
    o = base;
    o.api_key = "sk-ant\r\nx-evil: 1";
    EXPECT_EQ(code_of(o), Errc::invalid_argument);
    test::TempDir dir;
    test::spit(dir / "file", "x");
    o = base;
    o.cache_dir = dir / "file" / "sub";  // under a regular file
    EXPECT_EQ(code_of(o), Errc::io);
}

}  // namespace
}  // namespace ruvllm
