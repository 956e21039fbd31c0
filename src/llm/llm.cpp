// llm.cpp: the Anthropic Messages API client: libcurl for HTTP, nlohmann/json for the bodies,
// XXH64 of the canonical request for the cache key.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/core/log.h>
#include <ruvllm/llm/llm.h>

#include <curl/curl.h>
#include <xxhash.h>

namespace ruvllm {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::string_view kWhere = "Anthropic API: ";
constexpr std::string_view kRedacted = "[REDACTED]";
constexpr int kCacheVersion = 1;
constexpr size_t kSnippetChars = 200;  // bytes of a non-JSON body quoted in an error
constexpr size_t kMessageChars = 500;  // bytes of a server error message quoted in an error

std::string where(std::string_view what) {
    std::string s(kWhere);
    s += what;
    return s;
}

// Replaces every occurrence of `secret` in `text` with "[REDACTED]".
std::string redact(std::string text, const std::string& secret) {
    if (secret.empty()) {
        return text;
    }
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kRedacted.size())) {
        text.replace(pos, secret.size(), kRedacted);
    }
    return text;
}

// Printable ASCII only, at most `limit` bytes: safe to put in a one-line message.
std::string snippet(std::string_view text, size_t limit) {
    std::string out;
    for (const char c : text.substr(0, limit)) {
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (text.size() > limit) {
        out += "...";
    }
    return out;
}

bool has_control_chars(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
}

// ---- request ----

Status check_request(const LlmRequest& r) {
    if (!r.user.empty() && !r.messages.empty()) {
        return make_error(Errc::invalid_argument,
                          where("request has both 'user' and 'messages', expected one of them"));
    }
    if (r.user.empty() && r.messages.empty()) {
        return make_error(Errc::invalid_argument,
                          where("request has no message, expected 'user' or 'messages'"));
    }
    for (size_t i = 0; i < r.messages.size(); i++) {
        const LlmMessage& m = r.messages[i];
        const std::string at = "message " + std::to_string(i) + " ";
        if (m.role != "user" && m.role != "assistant") {
            return make_error(Errc::invalid_argument,
                              where(at + "has role '" + snippet(m.role, 40) +
                                    "', expected 'user' or 'assistant'"));
        }
        if (i == 0 && m.role != "user") {
            return make_error(Errc::invalid_argument,
                              where("the first message has role 'assistant', expected 'user'"));
        }
        if (m.content.empty()) {
            return make_error(Errc::invalid_argument, where(at + "is empty, expected some text"));
        }
    }
    if (r.max_tokens < 1) {
        return make_error(
            Errc::invalid_argument,
            where("max_tokens is " + std::to_string(r.max_tokens) + ", expected at least 1"));
    }
    if (!(r.temperature >= 0.0 && r.temperature <= 1.0)) {
        return make_error(Errc::invalid_argument,
                          where("temperature is " + std::to_string(r.temperature) +
                                ", expected a number in [0, 1]"));
    }
    return ok();
}

// The canonical request JSON: the body that is sent and the input of the cache key. nlohmann's
// json keeps object keys sorted, so the bytes depend only on the request and the model.
Result<std::string> request_json(const LlmRequest& r, const std::string& model) {
    if (Status s = check_request(r); !s) {
        return s.error();
    }
    json messages = json::array();
    if (r.messages.empty()) {
        messages.push_back({{"role", "user"}, {"content", r.user}});
    }
    for (const LlmMessage& m : r.messages) {
        messages.push_back({{"role", m.role}, {"content", m.content}});
    }
    json body = {{"model", model},
                 {"max_tokens", r.max_tokens},
                 {"temperature", r.temperature},
                 {"messages", std::move(messages)}};
    if (!r.system.empty()) {
        body["system"] = r.system;
    }
    try {
        return body.dump();
    } catch (const json::exception&) {  // type_error 316: a string is not valid UTF-8
        return make_error(Errc::invalid_argument,
                          where("request text is not valid UTF-8, expected UTF-8 text"));
    }
}

std::string cache_name(const std::string& canonical) {
    const XXH64_hash_t h = XXH64(canonical.data(), canonical.size(), 0);
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
    return std::string(hex) + ".json";
}

// ---- reply ----

// A non-negative integer field of `obj`; nullopt when absent, -1 when present but not one.
std::optional<int64_t> count_field(const json& obj, const char* name) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) {
        return std::nullopt;
    }
    if (it->is_number_unsigned() && it->get<uint64_t>() <= uint64_t{INT64_MAX}) {
        return static_cast<int64_t>(it->get<uint64_t>());
    }
    if (it->is_number_integer() && it->get<int64_t>() >= 0) {
        return it->get<int64_t>();
    }
    return -1;
}

Result<LlmResponse> parse_message(const std::string& body) {
    const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        return make_error(
            Errc::parse,
            where("reply is not JSON (" + std::to_string(body.size()) + " bytes: \"" +
                  snippet(body, kSnippetChars) + "\"), expected a Messages API response"));
    }
    const auto content = j.is_object() ? j.find("content") : j.end();
    if (!j.is_object() || content == j.end() || !content->is_array()) {
        return make_error(Errc::format,
                          where("reply has no 'content' array, expected a Messages API message"));
    }
    LlmResponse r;
    for (const json& block : *content) {
        if (!block.is_object() || block.value("type", json()) != "text") {
            continue;  // tool_use, thinking, ...: not text
        }
        const auto text = block.find("text");
        if (text == block.end() || !text->is_string()) {
            return make_error(Errc::format,
                              where("reply has a text block without a 'text' string, expected "
                                    "{\"type\": \"text\", \"text\": \"...\"}"));
        }
        r.text += text->get_ref<const std::string&>();
    }
    const auto usage = j.find("usage");
    std::optional<int64_t> in, out;
    if (usage != j.end() && usage->is_object()) {
        in = count_field(*usage, "input_tokens");
        out = count_field(*usage, "output_tokens");
    }
    if (!in || !out || *in < 0 || *out < 0) {
        return make_error(Errc::format,
                          where("reply has no valid 'usage' (input_tokens, output_tokens), "
                                "expected non-negative token counts"));
    }
    r.input_tokens = *in;
    r.output_tokens = *out;
    for (const char* extra : {"cache_creation_input_tokens", "cache_read_input_tokens"}) {
        if (const std::optional<int64_t> n = count_field(*usage, extra); n && *n > 0) {
            r.input_tokens += *n;
        }
    }
    const auto stop = j.find("stop_reason");
    if (stop != j.end() && stop->is_string()) {
        r.stop_reason = stop->get<std::string>();
    }
    return r;
}

// "401 authentication_error: invalid x-api-key", or "502 (body: \"<html>...\")".
std::string describe_status(long status, const std::string& body) {
    std::string s = std::to_string(status);
    const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    const auto err = j.is_object() ? j.find("error") : j.end();
    if (j.is_object() && err != j.end() && err->is_object()) {
        const json type = err->value("type", json());
        const json message = err->value("message", json());
        if (type.is_string()) {
            s += " " + snippet(type.get<std::string>(), kSnippetChars);
        }
        if (message.is_string()) {
            s += ": " + snippet(message.get<std::string>(), kMessageChars);
        }
        return s;
    }
    if (body.empty()) {
        return s + " (empty body)";
    }
    return s + " (body: \"" + snippet(body, kSnippetChars) + "\")";
}

bool retryable(long status) {
    return status == 429 || (status >= 500 && status <= 599);
}

// ---- cache ----

// The cached reply for `canonical`, or nullopt when the file is absent, unreadable, corrupt or
// answers another request.
std::optional<LlmResponse> read_cache(const fs::path& file, const std::string& canonical) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    Result<std::string> text = read_file(file);
    if (!text) {
        return std::nullopt;
    }
    const json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || j.value("version", json()) != kCacheVersion) {
        return std::nullopt;
    }
    const auto request = j.find("request");
    const auto response = j.find("response");
    if (request == j.end() || response == j.end() || !response->is_object()) {
        return std::nullopt;
    }
    try {
        if (request->dump() != canonical) {
            return std::nullopt;
        }
    } catch (const json::exception&) {
        return std::nullopt;
    }
    const json text_field = response->value("text", json());
    const json stop = response->value("stop_reason", json());
    const std::optional<int64_t> in = count_field(*response, "input_tokens");
    const std::optional<int64_t> out = count_field(*response, "output_tokens");
    if (!text_field.is_string() || !stop.is_string() || !in || !out || *in < 0 || *out < 0) {
        return std::nullopt;
    }
    LlmResponse r;
    r.text = text_field.get<std::string>();
    r.stop_reason = stop.get<std::string>();
    r.input_tokens = *in;
    r.output_tokens = *out;
    r.from_cache = true;
    return r;
}

// The file's bytes; nullopt if a string cannot be serialised (cannot happen for text that came
// through nlohmann's parser, which rejects invalid UTF-8).
std::optional<std::string> cache_entry(const std::string& canonical, const LlmResponse& r) {
    const json request = json::parse(canonical, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) {
        return std::nullopt;
    }
    const json entry = {{"version", kCacheVersion},
                        {"request", request},
                        {"response",
                         {{"text", r.text},
                          {"stop_reason", r.stop_reason},
                          {"input_tokens", r.input_tokens},
                          {"output_tokens", r.output_tokens}}}};
    try {
        return entry.dump(1) + "\n";
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

// ---- HTTP ----

struct HttpReply {
    std::string transport_error;  // non-empty: no HTTP status (refused, reset, timeout, ...)
    bool too_large = false;       // aborted at max_response_bytes
    long status = 0;
    std::string body;
    double retry_after_s = -1.0;  // -1: no usable retry-after header
};

struct BodySink {
    std::string* body;
    size_t limit;
    bool too_large;
};

size_t write_body(char* data, size_t size, size_t n, void* user) {
    auto* sink = static_cast<BodySink*>(user);
    const size_t len = size * n;
    if (len > sink->limit - sink->body->size()) {
        sink->too_large = true;
        return 0;  // makes curl abort the transfer with CURLE_WRITE_ERROR
    }
    sink->body->append(data, len);
    return len;
}

// Seconds from a retry-after header ("7", "1.5"); -1 for anything else (an HTTP date, junk).
double parse_retry_after(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
        v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) {
        v.remove_suffix(1);
    }
    double s = -1.0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(s) || s < 0.0) {
        return -1.0;
    }
    return std::min(s, kLlmMaxRetryAfterS);
}

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

using Headers = std::unique_ptr<curl_slist, SlistDeleter>;

Headers make_headers(const LlmOptions& o) {
    curl_slist* list = nullptr;
    for (const std::string& h : {"x-api-key: " + o.api_key,
                                 "anthropic-version: " + o.anthropic_version,
                                 std::string("content-type: application/json"),
                                 std::string("accept: application/json"),
                                 std::string("Expect:")}) {  // no 100-continue round trip
        curl_slist* next = curl_slist_append(list, h.c_str());
        if (next == nullptr) {
            curl_slist_free_all(list);
            return nullptr;
        }
        list = next;
    }
    return Headers(list);
}

HttpReply post(CURL* h,
               const std::string& url,
               const curl_slist* headers,
               const std::string& body,
               const LlmOptions& o) {
    HttpReply reply;
    BodySink sink{&reply.body, o.max_response_bytes, false};
    char errbuf[CURL_ERROR_SIZE] = {};
    const double ms = std::ceil(std::min(o.timeout_s, 1e6) * 1000.0);
    curl_easy_reset(h);  // keeps the connection cache
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(ms));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip etc.; the limit applies decoded
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ruvllm/" RUVLLM_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);  // errbuf goes out of scope
    if (sink.too_large) {
        reply.too_large = true;
        return reply;
    }
    if (rc != CURLE_OK) {
        reply.transport_error = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
        return reply;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_header* header = nullptr;
    if (curl_easy_header(h, "retry-after", 0, CURLH_HEADER, -1, &header) == CURLHE_OK &&
        header != nullptr && header->value != nullptr) {
        reply.retry_after_s = parse_retry_after(header->value);
    }
    return reply;
}

Status global_init() {
    static std::once_flag once;
    static CURLcode rc = CURLE_OK;
    std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (rc != CURLE_OK) {
        return make_error(
            Errc::io,
            where(std::string("libcurl initialisation failed (") + curl_easy_strerror(rc) + ")"));
    }
    return ok();
}

Status check_options(const LlmOptions& o) {
    auto bad = [](const std::string& what) {
        return make_error(Errc::invalid_argument, where(what));
    };
    if (o.api_base.rfind("http://", 0) != 0 && o.api_base.rfind("https://", 0) != 0) {
        return bad("api_base '" + snippet(o.api_base, kSnippetChars) +
                   "' is not an http(s) URL, expected e.g. https://api.anthropic.com");
    }
    if (has_control_chars(o.api_key)) {
        return bad("the API key contains control characters, expected a single-line key");
    }
    if (o.model.empty()) {
        return bad("model is empty, expected a model id such as claude-opus-4-5-20251101");
    }
    if (o.anthropic_version.empty() || has_control_chars(o.anthropic_version)) {
        return bad(
            "anthropic_version is empty or has control characters, expected e.g. "
            "2023-06-01");
    }
    if (!(o.timeout_s > 0.0) || !std::isfinite(o.timeout_s)) {
        return bad("timeout_s is " + std::to_string(o.timeout_s) + ", expected > 0 seconds");
    }
    if (o.max_retries < 0) {
        return bad("max_retries is " + std::to_string(o.max_retries) + ", expected >= 0");
    }
    if (!(o.backoff_base_s >= 0.0) || !(o.backoff_max_s >= o.backoff_base_s) ||
        !std::isfinite(o.backoff_max_s)) {
        return bad("backoff is base " + std::to_string(o.backoff_base_s) + " s, max " +
                   std::to_string(o.backoff_max_s) + " s, expected 0 <= base <= max");
    }
    if (o.max_tokens_total < -1) {
        return bad("max_tokens_total is " + std::to_string(o.max_tokens_total) +
                   ", expected -1 (no limit) or a number of tokens");
    }
    if (!(o.max_wait_total_s >= 0.0) || !std::isfinite(o.max_wait_total_s)) {
        return bad("max_wait_total_s is " + std::to_string(o.max_wait_total_s) +
                   ", expected a finite number of seconds >= 0");
    }
    if (o.max_response_bytes == 0) {
        return bad("max_response_bytes is 0, expected a positive size");
    }
    return ok();
}

}  // namespace

LlmOptions say_waits(LlmOptions o, const Log& log) {
    o.on_wait = [log](double seconds, const std::string& why, int retry, int of) {
        log.say(strformat("llm: %s; retry %d of %d in %.0f s",
                          why.empty() ? "no reply" : why.c_str(),
                          retry,
                          of,
                          seconds));
    };
    return o;
}

// ---- LlmClient ----

struct LlmClient::Curl {
    CURL* handle = nullptr;

    Curl() = default;
    Curl(const Curl&) = delete;
    Curl& operator=(const Curl&) = delete;
    Curl(Curl&&) = delete;
    Curl& operator=(Curl&&) = delete;

    ~Curl() {
        if (handle != nullptr) {
            curl_easy_cleanup(handle);
        }
    }
};

LlmClient::LlmClient(LlmClient&& other) noexcept = default;
LlmClient& LlmClient::operator=(LlmClient&& other) noexcept = default;
LlmClient::~LlmClient() = default;

Result<LlmClient> LlmClient::create(LlmOptions options) {
    if (options.api_key.empty()) {
        if (const char* env = std::getenv("ANTHROPIC_API_KEY"); env != nullptr) {
            options.api_key = env;
        }
    }
    if (options.api_key.empty()) {
        return make_error(Errc::invalid_argument,
                          where("ANTHROPIC_API_KEY is not set, expected an API key in the "
                                "environment (or in LlmOptions::api_key)"));
    }
    if (Status s = check_options(options); !s) {
        return make_error(s.error().code, redact(s.error().message, options.api_key));
    }
    while (options.api_base.back() == '/') {
        options.api_base.pop_back();
    }
    if (!options.cache_dir.empty()) {
        std::error_code ec;
        fs::create_directories(options.cache_dir, ec);
        if (ec || !fs::is_directory(options.cache_dir)) {
            return make_error(
                Errc::io,
                redact(options.cache_dir.string() + ": cannot create the LLM cache directory (" +
                           ec.message() + "), expected a writable directory",
                       options.api_key));
        }
    }
    if (Status s = global_init(); !s) {
        return s.error();
    }
    LlmClient client;
    client.curl_ = std::make_unique<Curl>();
    client.curl_->handle = curl_easy_init();
    if (client.curl_->handle == nullptr) {
        return make_error(Errc::io, where("curl_easy_init failed, expected a usable libcurl"));
    }
    client.url_ = options.api_base + "/v1/messages";
    client.rng_ = Rng(options.seed);
    client.options_ = std::move(options);
    return client;
}

Error LlmClient::fail(Errc code, const std::string& message) const {
    return make_error(code, redact(message, options_.api_key));
}

double LlmClient::retry_delay(int retry, double retry_after_s) {
    if (retry_after_s >= 0.0) {
        return retry_after_s;
    }
    const double d = std::min(options_.backoff_max_s,
                              std::ldexp(options_.backoff_base_s, std::min(retry - 1, 60)));
    return 0.5 * d + 0.5 * d * rng_.uniform_f64();
}

void LlmClient::wait(double seconds) const {
    if (options_.sleep) {
        options_.sleep(seconds);
    } else {
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    }
}

Result<LlmResponse> LlmClient::send(const std::string& body) {
    const Headers headers = make_headers(options_);
    if (!headers) {
        return fail(Errc::io, where("out of memory building the request headers"));
    }
    const int tries = 1 + options_.max_retries;
    std::string last;
    double retry_after_s = -1.0, waited_s = 0.0;
    for (int attempt = 0; attempt < tries; attempt++) {
        if (attempt > 0) {
            const double d = retry_delay(attempt, retry_after_s);
            if (waited_s + d > options_.max_wait_total_s) {
                return fail(
                    Errc::io,
                    where(strformat("giving up: retry %d would wait %.0f s (%s), past "
                                    "the %.0f s this call may wait in all (%.0f s so "
                                    "far); last: ",
                                    attempt,
                                    d,
                                    retry_after_s >= 0 ? "the server's retry-after" : "backoff",
                                    options_.max_wait_total_s,
                                    waited_s) +
                          last));
            }
            if (options_.on_wait) {
                options_.on_wait(d, last, attempt, options_.max_retries);
            }
            stats_.retries++;
            wait(d);
            waited_s += d;
        }
        stats_.requests_sent++;
        const HttpReply reply = post(curl_->handle, url_, headers.get(), body, options_);
        retry_after_s = -1.0;
        if (reply.too_large) {
            return fail(
                Errc::format,
                where("reply is larger than " + std::to_string(options_.max_response_bytes) +
                      " bytes, expected at most max_response_bytes"));
        }
        if (!reply.transport_error.empty()) {
            last = "transport error: " + snippet(reply.transport_error, kMessageChars);
            continue;
        }
        if (reply.status >= 200 && reply.status <= 299) {
            Result<LlmResponse> r = parse_message(reply.body);
            if (!r) {
                return fail(r.error().code, r.error().message);
            }
            r->text = redact(std::move(r->text), options_.api_key);
            return r;
        }
        const std::string what = describe_status(reply.status, reply.body);
        if (!retryable(reply.status)) {
            return fail(Errc::invalid_argument, where(what));
        }
        last = what;
        retry_after_s = reply.retry_after_s;
    }
    return fail(Errc::io,
                where("giving up after " + std::to_string(tries) + " tries (1 + " +
                      std::to_string(options_.max_retries) + " retries), last: " + last));
}

Result<LlmResponse> LlmClient::complete(const LlmRequest& request) {
    Result<std::string> canonical = request_json(request, options_.model);
    if (!canonical) {
        return fail(canonical.error().code, canonical.error().message);
    }
    fs::path cache_file;
    if (!options_.cache_dir.empty()) {
        cache_file = options_.cache_dir / cache_name(*canonical);
        if (std::optional<LlmResponse> hit = read_cache(cache_file, *canonical)) {
            stats_.cache_hits++;
            return *std::move(hit);
        }
    }
    if (options_.max_tokens_total >= 0 &&
        stats_.tokens_used + request.max_tokens > options_.max_tokens_total) {
        return fail(Errc::exhausted,
                    where("token budget of " + std::to_string(options_.max_tokens_total) +
                          " exhausted (" + std::to_string(stats_.tokens_used) +
                          " used, the request may use " + std::to_string(request.max_tokens) +
                          " more), expected a larger max_tokens_total"));
    }
    Result<LlmResponse> r = send(*canonical);
    if (!r) {
        return r;
    }
    stats_.tokens_used += r->input_tokens + r->output_tokens;
    if (!cache_file.empty()) {
        const std::optional<std::string> entry = cache_entry(*canonical, *r);
        if (!entry || !write_file_atomic(cache_file, redact(*entry, options_.api_key)).ok()) {
            stats_.cache_write_failures++;
        }
    }
    return r;
}

}  // namespace ruvllm
