// ruvllm/llm/llm.h: a small client for the Anthropic Messages API (POST {api_base}/v1/messages).
//
// It is what the LLM-powered hard negatives and the `--judge llm` GRPO judge talk through
// (issue #6). One call, `complete()`, sends one request and returns the concatenated text of
// the reply. Around that call the client adds what a long batch run needs:
//
//   - Key: `LlmOptions::api_key`, or ANTHROPIC_API_KEY read from the environment when the
//     client is created. The key is sent only in the `x-api-key` header. It never appears in
//     an error message, a cache file or anything else this module writes: every message that
//     could contain it (a server that echoes it back, a URL) has each occurrence replaced by
//     "[REDACTED]", and the same is done to the returned text.
//   - Retries: transport errors (refused connection, reset, timeout) and HTTP 429, 500-599
//     (including Anthropic's 529 "overloaded") are retried up to `max_retries` times. The wait
//     before retry k (k = 1, 2, ...) is the server's `retry-after` header when it holds a number
//     of seconds (clamped to [0, kLlmMaxRetryAfterS]); otherwise "equal jitter" exponential
//     backoff: d = min(backoff_max_s, backoff_base_s * 2^(k-1)), wait uniform in [d/2, d),
//     drawn from the client's own Rng(seed), so the same seed gives the same waits. Other
//     statuses (400, 401, 403, 404, 413, ...) are never retried: one request, one clear error.
//   - Token budget: `max_tokens_total` caps input + output tokens as reported in the replies'
//     `usage`. Before sending, a request is refused (Errc::exhausted, nothing is sent) when
//     tokens used so far + the request's max_tokens would pass the budget. The input tokens of
//     the request itself are unknown until the reply, so the total can overshoot the budget by
//     at most the input tokens of the last request.
//   - Cache: with a `cache_dir`, every successful reply is stored in
//     `<cache_dir>/<xxh64 of the canonical request JSON, 16 hex digits>.json`, written
//     atomically. The canonical request JSON is exactly the body that is sent: model, system,
//     messages, max_tokens and temperature, keys sorted, no whitespace; it contains neither the
//     key nor any header, so a cache made with one key serves another. A later identical request
//     (from this or any other client on the same directory) is answered from the file without a
//     network request. Cache hits are free: they do not count against `max_tokens_total` and
//     are served even when the budget is spent, so an interrupted run resumes without paying
//     twice. A cache file that cannot be read or parsed, or that belongs to a different request
//     (the file stores the request it answers, so a hash collision is a miss), is ignored and
//     overwritten after the next successful request: never an error, never a crash.
//   - Hostile servers: a body larger than `max_response_bytes` (16 MiB), a body that is not
//     JSON, or JSON without the Messages API fields gives an error, never a crash. Redirects
//     are not followed (they would carry the key to another URL); only http:// and https://
//     URLs are used.
//
// Error codes returned by complete():
//   Errc::invalid_argument  a bad request (empty conversation, max_tokens < 1, temperature
//                           outside [0, 1], invalid UTF-8), or a status that retrying cannot fix
//                           (400, 401, 403, 404, 413, any non-retryable status):
//                           "Anthropic API: 401 authentication_error: invalid x-api-key"
//   Errc::exhausted         the token budget would be passed; nothing was sent
//   Errc::io                still failing after 1 + max_retries tries:
//                           "Anthropic API: giving up after 3 tries (1 + 2 retries), last: 529
//                           overloaded_error: Overloaded"
//   Errc::parse             a 2xx reply whose body is not JSON
//   Errc::format            a 2xx reply without the fields of a message (content, usage), or a
//                           reply larger than max_response_bytes
// Parse and format errors are not retried: a server that answers garbage once will again.
//
// A client is not thread-safe: use one per thread (they can share a cache_dir: files are
// written atomically, and two writers of one key write the same content).
//
// Usage (designated initialisers work: every field has a default):
//   ruvllm::Result<ruvllm::LlmClient> client =
//       ruvllm::LlmClient::create({.max_tokens_total = 200000, .cache_dir = ".cache/llm"});
//   if (!client) { /* client.error().message: "... ANTHROPIC_API_KEY is not set ..." */ }
//   ruvllm::Result<ruvllm::LlmResponse> r = client->complete(
//       {.system = "You write routing examples.", .user = "Give 3 tasks for a tester."});
//   if (!r) { /* r.error().code, r.error().message */ }
//   // r->text, r->input_tokens, r->output_tokens, r->from_cache; client->stats().tokens_used
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/log.h>
#include <ruvllm/core/rng.h>

namespace ruvllm {

// The longest wait taken from a `retry-after` header, in seconds; larger values are clamped.
inline constexpr double kLlmMaxRetryAfterS = 300.0;

struct LlmOptions {
    // Base URL without the path; "/v1/messages" is appended (a trailing '/' is dropped). Any
    // server speaking the Messages API works, e.g. "http://127.0.0.1:8080" for a local one.
    std::string api_base = "https://api.anthropic.com";
    // Model id sent with every request (and part of the cache key). The default is Claude Opus
    // 4.5, the model the original README uses for hard negatives.
    std::string model = "claude-opus-4-5-20251101";
    // Empty: read ANTHROPIC_API_KEY from the environment in create().
    std::string api_key{};
    // Value of the `anthropic-version` header.
    std::string anthropic_version = "2023-06-01";
    // Limit for one HTTP request, connection included, in seconds (> 0). A request that takes
    // longer is aborted and counts as a transport error (retried).
    double timeout_s = 60.0;
    // Retries after the first try (>= 0): at most 1 + max_retries requests per complete().
    int max_retries = 5;
    // Exponential backoff between retries, in seconds (0 <= base, base <= max): see above.
    double backoff_base_s = 1.0;
    double backoff_max_s = 30.0;
    // Budget over input + output tokens of all replies received by this client; -1 = no limit.
    int64_t max_tokens_total = -1;
    // Directory of the response cache (created if missing); empty = no cache.
    std::filesystem::path cache_dir{};
    // Replies larger than this many bytes (after content decoding) are refused (> 0).
    size_t max_response_bytes = size_t{16} << 20;
    // Seed of the Rng that draws the backoff jitter.
    uint64_t seed = 42;
    // Called to wait `seconds` before a retry; empty = really sleep. Tests record the waits.
    std::function<void(double seconds)> sleep{};
    // Most seconds one complete() spends waiting between its retries (>= 0): a wait that would
    // go past it (a server asking for retry-after: 300 again and again) ends the call with an
    // error that says so, instead of a command that looks hung.
    double max_wait_total_s = 600.0;
    // Called before each wait: (seconds, why: "429 rate_limit_error: ...", retry number, retries
    // allowed), so the caller can say what the program waits for; may be empty.
    std::function<void(double seconds, const std::string& why, int retry, int of)> on_wait{};
};

// `o` with on_wait saying each wait on `log` (a copy is kept): "llm: 429 rate_limit_error: ...;
// retry 1 of 5 in 300 s".
LlmOptions say_waits(LlmOptions o, const Log& log);

struct LlmMessage {
    std::string role{};  // "user" or "assistant"
    std::string content{};
};

struct LlmRequest {
    std::string system{};  // system prompt; empty = none (the "system" field is then omitted)
    // A single user message. Use either `user` or `messages`, not both.
    std::string user{};
    // A whole conversation, in order; must start with a "user" message.
    std::vector<LlmMessage> messages{};
    int max_tokens = 1024;     // most output tokens of the reply (>= 1)
    double temperature = 1.0;  // in [0, 1]; always sent
};

struct LlmResponse {
    std::string text{};         // the reply's "text" content blocks, concatenated in order
    std::string stop_reason{};  // e.g. "end_turn", "max_tokens"; empty when the reply has none
    int64_t input_tokens = 0;   // usage.input_tokens (+ cache_creation/cache_read tokens if any)
    int64_t output_tokens = 0;  // usage.output_tokens
    bool from_cache = false;    // true: read from cache_dir, no request was sent
};

// Counters over the client's lifetime.
struct LlmStats {
    int64_t requests_sent = 0;         // HTTP requests attempted (first tries and retries)
    int64_t retries = 0;               // of which retries
    int64_t cache_hits = 0;            // complete() calls answered from cache_dir
    int64_t tokens_used = 0;           // input + output tokens of replies from the network
    int64_t cache_write_failures = 0;  // replies returned but not stored (e.g. disk full)
};

class LlmClient {
public:
    // Validates the options, reads the key, creates cache_dir. Errc::invalid_argument when no
    // key is set or an option is out of range; Errc::io when cache_dir cannot be created.
    static Result<LlmClient> create(LlmOptions options);

    LlmClient(LlmClient&& other) noexcept;
    LlmClient& operator=(LlmClient&& other) noexcept;
    LlmClient(const LlmClient&) = delete;
    LlmClient& operator=(const LlmClient&) = delete;
    ~LlmClient();

    // Answers `request` from the cache or the API (see the top of this file for the retry,
    // budget and cache rules and the error codes).
    Result<LlmResponse> complete(const LlmRequest& request);

    const LlmStats& stats() const { return stats_; }

    const std::string& model() const { return options_.model; }

private:
    struct Curl;  // the libcurl easy handle, reused across requests (keeps connections open)

    LlmClient() = default;

    Result<LlmResponse> send(const std::string& body);  // the retry loop over HTTP requests
    double retry_delay(int retry, double retry_after_s);
    void wait(double seconds) const;
    Error fail(Errc code, const std::string& message) const;  // make_error with the key redacted

    LlmOptions options_;  // api_key filled in; never printed
    std::string url_;
    std::unique_ptr<Curl> curl_;
    Rng rng_{0};
    LlmStats stats_;
};

}  // namespace ruvllm
