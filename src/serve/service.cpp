// service.cpp: the routing service (service.h) on cpp-httplib.
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <ruvllm/dataset/dataset.h>
#include <ruvllm/serve/service.h>

#include <httplib.h>

namespace ruvllm {

extern const char* const kOpenApiJson;  // docs/openapi.json, compiled in (openapi.cpp.in)

namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ServiceReply error_reply(int status, const char* code, const std::string& message) {
    Json j;
    j["error"] = {{"code", code}, {"message", message}};
    return {status, dump(j)};
}

ServiceReply too_large_reply(size_t max_body_bytes) {
    return error_reply(
        413, "too_large", "request body over " + std::to_string(max_body_bytes) + " bytes");
}

// "/v1/route" -> "/route": every path is also served under the /v1 prefix.
std::string_view versionless(std::string_view path) {
    if (path.size() > 3 && path.substr(0, 4) == "/v1/") {
        path.remove_prefix(3);
    }
    return path;
}

// When the current worker's request started (set by the handlers, read by the access log).
thread_local std::optional<std::chrono::steady_clock::time_point> t_request_start;
thread_local size_t t_request_bytes = 0;  // the body read by the content reader

// One access-log line on stderr, written with one call so that lines of concurrent requests do
// not interleave: UTC time, client address:port, "METHOD path", status, response body bytes,
// request body bytes, milliseconds from the start of the handler ("-" when httplib answered
// itself, e.g. unparsable HTTP).
void access_log_line(const httplib::Request& req, const httplib::Response& res) {
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    char ms[32] = "-";
    if (t_request_start.has_value()) {
        std::snprintf(ms,
                      sizeof(ms),
                      "%.3f",
                      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                *t_request_start)
                          .count());
        t_request_start.reset();
    }
    std::string path = req.path;
    for (char& c : path) {
        c = (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == 0x7f) ? '?' : c;
    }
    const std::string line =
        std::string(when) + " " + req.remote_addr + ":" + std::to_string(req.remote_port) + " \"" +
        req.method + " " + path + "\" " + std::to_string(res.status) + " " +
        std::to_string(res.body.size()) + " " +
        std::to_string(std::max(req.body.size(), t_request_bytes)) + " " + ms + "ms\n";
    t_request_bytes = 0;
    std::fwrite(line.data(), 1, line.size(), stderr);
}

// The endpoints /metrics counts by: RouterService::routes() in its order, then "other" (a path a
// client invents).
constexpr std::array<const char*, 8> kEndpoints = {
    "route", "route_batch", "health", "agents", "version", "metrics", "openapi", "other"};
constexpr std::array<int, 7> kCodes = {200, 400, 404, 405, 413, 500, 503};  // + "other"
// Upper bounds (seconds) of the latency histogram's buckets, + Inf.
constexpr std::array<double, 12> kBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5};

size_t endpoint_index(std::string_view path) {
    const std::vector<ServiceRoute>& routes = RouterService::routes();
    for (size_t i = 0; i < routes.size() && i + 1 < kEndpoints.size(); i++) {
        if (path == routes[i].path) {
            return i;
        }
    }
    return kEndpoints.size() - 1;
}

// A Prometheus label value: backslash, double quote and newline escaped.
std::string label_value(std::string_view v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// Counters behind GET /metrics, lock-free (relaxed atomics: each is exact, a scrape is not a
// snapshot of all of them at one instant).
class Metrics {
public:
    explicit Metrics(size_t labels)
        : labels_(labels), decisions_(new std::atomic<uint64_t>[(labels + 1) * kStages]()) {}

    void request(std::string_view path, int status, double seconds) {
        const size_t e = endpoint_index(path);
        size_t c = kCodes.size();
        for (size_t i = 0; i < kCodes.size(); i++) {
            c = status == kCodes[i] ? i : c;
        }
        counts_[e][c].fetch_add(1, std::memory_order_relaxed);
        size_t b = 0;
        while (b < kBuckets.size() && seconds > kBuckets[b]) {
            b++;
        }
        buckets_[e][b].fetch_add(1, std::memory_order_relaxed);
        nanos_[e].fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9),
                            std::memory_order_relaxed);
    }

    void decision(int32_t label, RouteStage stage) {
        const size_t a = label >= 0 && static_cast<size_t>(label) < labels_
                             ? static_cast<size_t>(label)
                             : labels_;
        decisions_[a * kStages + static_cast<size_t>(stage)].fetch_add(1,
                                                                       std::memory_order_relaxed);
    }

    std::string text(const std::vector<std::string>& labels, double uptime_s) const {
        std::string o;
        o += "# HELP ruvllm_requests_total HTTP requests answered, by endpoint and status code.\n"
             "# TYPE ruvllm_requests_total counter\n";
        for (size_t e = 0; e < kEndpoints.size(); e++) {
            for (size_t c = 0; c <= kCodes.size(); c++) {
                const uint64_t n = counts_[e][c].load(std::memory_order_relaxed);
                if (n > 0) {
                    o += std::string("ruvllm_requests_total{endpoint=\"") + kEndpoints[e] +
                         "\",code=\"" + (c < kCodes.size() ? std::to_string(kCodes[c]) : "other") +
                         "\"} " + std::to_string(n) + "\n";
                }
            }
        }
        o += "# HELP ruvllm_request_duration_seconds Time spent answering a request (the body "
             "read excluded), by endpoint.\n"
             "# TYPE ruvllm_request_duration_seconds histogram\n";
        for (size_t e = 0; e < kEndpoints.size(); e++) {
            uint64_t cumulative = 0;
            std::string lines;
            for (size_t b = 0; b <= kBuckets.size(); b++) {
                cumulative += buckets_[e][b].load(std::memory_order_relaxed);
                char le[32];
                if (b < kBuckets.size()) {
                    std::snprintf(le, sizeof(le), "%g", kBuckets[b]);
                } else {
                    std::snprintf(le, sizeof(le), "+Inf");
                }
                lines += std::string("ruvllm_request_duration_seconds_bucket{endpoint=\"") +
                         kEndpoints[e] + "\",le=\"" + le + "\"} " + std::to_string(cumulative) +
                         "\n";
            }
            if (cumulative == 0) {
                continue;
            }
            char sum[48];
            std::snprintf(sum,
                          sizeof(sum),
                          "%.9f",
                          static_cast<double>(nanos_[e].load(std::memory_order_relaxed)) / 1e9);
            o += lines;
            o += std::string("ruvllm_request_duration_seconds_sum{endpoint=\"") + kEndpoints[e] +
                 "\"} " + sum + "\n";
            o += std::string("ruvllm_request_duration_seconds_count{endpoint=\"") + kEndpoints[e] +
                 "\"} " + std::to_string(cumulative) + "\n";
        }
        o += "# HELP ruvllm_decisions_total Routing decisions, by agent (\"none\": abstained or "
             "deferred) and deciding stage.\n"
             "# TYPE ruvllm_decisions_total counter\n";
        uint64_t routed = 0;
        for (size_t a = 0; a <= labels_; a++) {
            for (size_t s = 0; s < kStages; s++) {
                const uint64_t n = decisions_[a * kStages + s].load(std::memory_order_relaxed);
                routed += n;
                if (n > 0) {
                    o += "ruvllm_decisions_total{agent=\"" +
                         (a < labels_ ? label_value(labels[a]) : std::string("none")) +
                         "\",stage=\"" + stage_name(static_cast<RouteStage>(s)) + "\"} " +
                         std::to_string(n) + "\n";
                }
            }
        }
        o += "# HELP ruvllm_tasks_routed_total Tasks routed (a batch counts each of its tasks).\n"
             "# TYPE ruvllm_tasks_routed_total counter\n"
             "ruvllm_tasks_routed_total " +
             std::to_string(routed) + "\n";
        char up[48];
        std::snprintf(up, sizeof(up), "%.3f", uptime_s);
        o += std::string(
                 "# HELP ruvllm_uptime_seconds Seconds since the service started.\n"
                 "# TYPE ruvllm_uptime_seconds gauge\n"
                 "ruvllm_uptime_seconds ") +
             up + "\n";
        o += "# HELP ruvllm_build_info The ruvllm version (value 1).\n"
             "# TYPE ruvllm_build_info gauge\n"
             "ruvllm_build_info{version=\"" RUVLLM_VERSION "\"} 1\n";
        return o;
    }

private:
    static constexpr size_t kStages = 4;  // RouteStage's values
    const size_t labels_;
    std::array<std::array<std::atomic<uint64_t>, kCodes.size() + 1>, kEndpoints.size()> counts_{};
    std::array<std::array<std::atomic<uint64_t>, kBuckets.size() + 1>, kEndpoints.size()>
        buckets_{};
    std::array<std::atomic<uint64_t>, kEndpoints.size()> nanos_{};
    std::unique_ptr<std::atomic<uint64_t>[]> decisions_;  // [(labels + 1) x stages]
};

// The workers: `min` threads from the start, one more (up to `max`) whenever a connection
// arrives and none is idle. A connection holds its worker while it is open (httplib serves a
// keep-alive connection on one thread), so a fixed pool stalls as soon as clients pool more
// connections than it has threads, or a few clients trickle bytes (slowloris); this one only
// queues beyond `max` open connections.
class GrowingPool final : public httplib::TaskQueue {
public:
    GrowingPool(size_t min, size_t max) : max_(std::max(min, max)) {
        std::lock_guard<std::mutex> lock(mu_);
        for (size_t i = 0; i < min; i++) {
            spawn();
        }
    }

    ~GrowingPool() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            jobs_.push_back(std::move(fn));
            if (idle_ < jobs_.size() && threads_.size() < max_) {
                spawn();
            }
        }
        cv_.notify_one();
    }

    void shutdown() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (stop_) {
                return;
            }
            stop_ = true;
        }
        cv_.notify_all();
        for (std::thread& t : threads_) {
            t.join();
        }
    }

private:
    void spawn() {  // mu_ held
        threads_.emplace_back([this] { work(); });
    }

    void work() {
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock<std::mutex> lock(mu_);
                idle_++;
                cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
                idle_--;
                if (jobs_.empty()) {
                    return;  // stopping, nothing left to serve
                }
                fn = std::move(jobs_.front());
                jobs_.pop_front();
            }
            fn();
        }
    }

    const size_t max_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    size_t idle_ = 0;
    bool stop_ = false;
};

// A task the router refused: the caller's fault (400), or the model's (500 model_error, e.g. a
// non-finite score).
ServiceReply route_error(const Error& e, const std::string& where = "") {
    return e.code == Errc::numeric ? error_reply(500, "model_error", where + e.message)
                                   : error_reply(400, "invalid_request", where + e.message);
}

// Reads the per-request options of `body` into `cfg`; `allowed` names the request's other
// fields. Returns an empty string or the reason the request is invalid.
std::string read_options(const nlohmann::json& body,
                         const RouterModel& model,
                         std::initializer_list<const char*> allowed,
                         RouteConfig& cfg) {
    for (const auto& [key, value] : body.items()) {
        bool known = false;
        for (const char* a : allowed) {
            known = known || key == a;
        }
        if (known) {
            continue;
        }
        if (key == "mode") {
            if (!value.is_string() || !parse_route_mode(value.get<std::string>(), cfg.mode)) {
                return "\"mode\" must be \"hybrid\", \"keyword\", \"embedding\" or \"sparse\"";
            }
        } else if (key == "top") {
            if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
                value.get<int64_t>() > model.A()) {
                return "\"top\" must be an integer from 0 to " + std::to_string(model.A());
            }
            cfg.top = value.get<int>();
        } else if (key == "min_confidence") {
            if (!value.is_number() || !(value.get<double>() >= 0.0 && value.get<double>() <= 1.0)) {
                return "\"min_confidence\" must be a number from 0 to 1";
            }
            cfg.min_confidence = value.get<double>();
        } else if (key == "tier_bias") {
            if (!value.is_number() || !std::isfinite(value.get<double>())) {
                return "\"tier_bias\" must be a finite number";
            }
            cfg.tier_bias = value.get<float>();
        } else if (key == "max_tier") {
            if (!value.is_string() || !parse_tier(value.get<std::string>(), cfg.max_tier)) {
                return "\"max_tier\" must be \"haiku\", \"sonnet\" or \"opus\"";
            }
        } else {
            std::string expected;
            for (const char* a : allowed) {
                expected += std::string(a) + ", ";
            }
            return "unknown field \"" + key + "\", expected " + expected +
                   "mode, top, min_confidence, tier_bias or max_tier";
        }
    }
    return {};
}

// One routing item: {"task": "...", "context"?: "...", "id"?: any}. The text routed is the
// context, then the task (the way the generator's context style writes a request), or the task
// alone. Returns an empty string or the reason the item is invalid.
std::string read_item(const nlohmann::json& item, std::string& text) {
    if (!item.contains("task") || !item["task"].is_string()) {
        return "expected a string field \"task\"";
    }
    text = item["task"].get<std::string>();
    if (item.contains("context")) {
        if (!item["context"].is_string()) {
            return "\"context\" must be a string";
        }
        const std::string& c = item["context"].get_ref<const std::string&>();
        if (!c.empty()) {
            text = c + " " + text;
        }
    }
    return {};
}

// The decision with the caller's id first when the item has one.
Json with_id(const nlohmann::json& item, Json decision) {
    if (!item.is_object() || !item.contains("id")) {
        return decision;
    }
    Json j;
    j["id"] = item["id"];
    j.update(decision);
    return j;
}

}  // namespace

struct RouterService::Impl {
    RouterModel model;
    ServiceConfig cfg;
    httplib::Server server;
    std::atomic<uint64_t> requests{0}, errors{0};
    std::atomic<bool> stop_requested{false};
    socket_t listen_fd = INVALID_SOCKET;  // the listening socket, once bound
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    Metrics metrics;

    Impl(RouterModel m, ServiceConfig c)
        : model(std::move(m)), cfg(std::move(c)), metrics(static_cast<size_t>(model.A())) {}

    double uptime_s() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }

    // Every answered request: the counters of /health and /metrics.
    void record(std::string_view path, int status, double seconds) {
        requests++;
        if (status != 200) {
            errors++;
        }
        metrics.request(path, status, seconds);
    }

    ServiceReply route_one(const nlohmann::json& body) {
        RouteConfig rc = cfg.route;
        const std::string bad = read_options(body, model, {"task", "context", "id"}, rc);
        if (!bad.empty()) {
            return error_reply(400, "invalid_request", bad);
        }
        std::string text;
        if (const std::string why = read_item(body, text); !why.empty()) {
            return error_reply(400, "invalid_request", why);
        }
        Result<Decision> d = route_task(model, text, rc);
        if (!d) {
            return route_error(d.error());
        }
        metrics.decision(d->label, d->stage);
        return {200, dump(with_id(body, decision_json(model, *d)))};
    }

    ServiceReply route_batch(const nlohmann::json& body) {
        const auto t0 = std::chrono::steady_clock::now();
        RouteConfig rc = cfg.route;
        const std::string bad = read_options(body, model, {"tasks"}, rc);
        if (!bad.empty()) {
            return error_reply(400, "invalid_request", bad);
        }
        if (!body.contains("tasks") || !body["tasks"].is_array()) {
            return error_reply(400, "invalid_request", "expected an array field \"tasks\"");
        }
        const nlohmann::json& tasks = body["tasks"];
        if (tasks.empty() || tasks.size() > cfg.max_batch) {
            return error_reply(400,
                               "invalid_request",
                               "\"tasks\" has " + std::to_string(tasks.size()) +
                                   " items, expected 1 to " + std::to_string(cfg.max_batch));
        }
        Json decisions = Json::array();
        for (size_t i = 0; i < tasks.size(); i++) {
            const std::string where = "tasks[" + std::to_string(i) + "]: ";
            const nlohmann::json& item = tasks[i];
            std::string text;
            if (item.is_string()) {
                text = item.get<std::string>();
            } else if (item.is_object()) {
                for (const auto& [key, value] : item.items()) {
                    if (key != "task" && key != "context" && key != "id") {
                        return error_reply(
                            400,
                            "invalid_request",
                            where + "unknown field \"" + key + "\", expected task, context or id");
                    }
                }
                if (const std::string why = read_item(item, text); !why.empty()) {
                    return error_reply(400, "invalid_request", where + why);
                }
            } else {
                return error_reply(
                    400, "invalid_request", where + "expected a string or {\"task\", ...}");
            }
            Result<Decision> d = route_task(model, text, rc);
            if (!d) {
                return route_error(d.error(), where);
            }
            metrics.decision(d->label, d->stage);
            decisions.push_back(with_id(item, decision_json(model, *d)));
        }
        Json j;
        j["decisions"] = std::move(decisions);
        const double us =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count();
        j["latency_us"] = std::round(us * 10) / 10;
        return {200, dump(j)};
    }

    ServiceReply health() const {
        Json j;
        j["status"] = "ok";
        j["version"] = RUVLLM_VERSION;
        j["model"] = cfg.model_name;
        j["labels"] = model.A();
        j["keyword_rules"] = model.keywords.rules().size();
        j["heads"] = !model.heads.empty();
        j["requests"] = requests.load();
        j["errors"] = errors.load();
        j["uptime_s"] = std::round(uptime_s() * 10) / 10;
        return {200, dump(j)};
    }

    ServiceReply agents() const {
        Json j;
        j["agents"] = model.labels;
        j["tiers"] = {"haiku", "sonnet", "opus"};
        j["modes"] = {"hybrid", "keyword", "embedding"};
        if (!model.sparse.empty()) {
            j["modes"].push_back("sparse");
        }
        return {200, dump(j)};
    }
};

RouterService::RouterService(RouterModel model, ServiceConfig cfg)
    : impl_(std::make_unique<Impl>(std::move(model), std::move(cfg))) {
    httplib::Server& s = impl_->server;
    const size_t threads = static_cast<size_t>(std::max(1, impl_->cfg.threads));
    const size_t max_connections =
        std::max(threads, static_cast<size_t>(std::max(1, impl_->cfg.max_connections)));
    s.new_task_queue = [threads, max_connections] {
        return new GrowingPool(threads, max_connections);
    };
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second server
    // bind the same port and silently share its traffic.
    s.set_socket_options([this](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        impl_->listen_fd = sock;
    });
    s.set_tcp_nodelay(true);  // small JSON replies: no Nagle delay
    s.set_payload_max_length(impl_->cfg.max_body_bytes);
    // Keep-alive: many requests per connection, but an idle connection holds a worker and
    // delays shutdown, so it is closed after 2 s without a request.
    s.set_keep_alive_max_count(100000);
    s.set_keep_alive_timeout(2);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        t_request_start = std::chrono::steady_clock::now();
        const ServiceReply r = handle(req.method, req.path, req.body);
        res.status = r.status;
        if (!r.allow.empty()) {
            res.set_header("Allow", r.allow);
        }
        res.set_content(r.body, r.content_type.empty() ? "application/json" : r.content_type);
    };
    // Methods with a body read it through a content reader: the same limit for a chunked body
    // as for one with a Content-Length (httplib's own limit, which answers 413 after draining a
    // declared length, skips chunked bodies), and the raw bytes whatever the Content-Type
    // (httplib parses and caps a form body at 8 KiB, which is what curl -d sends without -H).
    // A chunked body over the limit is drained (up to 8 times the limit, so that the connection
    // stays in step for the next request) without being kept.
    auto body_handler = [this](const httplib::Request& req,
                               httplib::Response& res,
                               const httplib::ContentReader& read) {
        t_request_start = std::chrono::steady_clock::now();
        t_request_bytes = 0;
        const size_t max = impl_->cfg.max_body_bytes;
        std::string body;
        size_t drained = 0;
        bool too_large = false;
        // A request that declares no body (no Content-Length, not chunked) has none.
        const bool has_body =
            req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
        const bool ok = !has_body || read([&](const char* data, size_t n) {
            if (too_large || body.size() + n > max) {
                too_large = true;
                drained += n;
                return drained <= 8 * max;
            }
            body.append(data, n);
            return true;
        });
        t_request_bytes = body.size() + drained;
        ServiceReply r;
        if (too_large || (!ok && res.status == 413)) {
            r = too_large_reply(max);
            impl_->record(versionless(req.path), r.status, 0.0);
        } else if (!ok) {
            r = error_reply(400, "invalid_request", "malformed or truncated request body");
            impl_->record(versionless(req.path), r.status, 0.0);
        } else {
            r = handle(req.method, req.path, body);
        }
        res.status = r.status;
        if (!r.allow.empty()) {
            res.set_header("Allow", r.allow);
        }
        res.set_content(r.body, r.content_type.empty() ? "application/json" : r.content_type);
    };
    for (const char* pattern : {".*"}) {
        s.Get(pattern, handler);
        s.Options(pattern, handler);
        s.Post(pattern, body_handler);
        s.Put(pattern, body_handler);
        s.Patch(pattern, body_handler);
        s.Delete(pattern, body_handler);
    }
    if (impl_->cfg.access_log) {
        s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
            access_log_line(req, res);
        });
    }
    // Errors httplib answers itself (413 over the body limit, 400 unparsable HTTP): JSON too.
    s.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) {
            return;  // our own error reply
        }
        const ServiceReply r =
            res.status == 413
                ? too_large_reply(impl_->cfg.max_body_bytes)
                : error_reply(res.status, "invalid_request", "malformed HTTP request");
        impl_->record("", r.status, 0.0);
        res.set_content(r.body, "application/json");
    });
    s.set_exception_handler(
        [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            const ServiceReply r = error_reply(500, "internal", "internal error");
            impl_->record("", r.status, 0.0);
            res.status = 500;
            res.set_content(r.body, "application/json");
        });
}

RouterService::~RouterService() = default;

const std::vector<ServiceRoute>& RouterService::routes() {
    static const std::vector<ServiceRoute> all = {
        {"POST", "/route"},
        {"POST", "/route/batch"},
        {"GET", "/health"},
        {"GET", "/agents"},
        {"GET", "/version"},
        {"GET", "/metrics"},
        {"GET", "/openapi.json"},
    };
    return all;
}

std::string_view RouterService::openapi_json() {
    return kOpenApiJson;
}

ServiceReply RouterService::handle(std::string_view method,
                                   std::string_view path,
                                   std::string_view body) {
    const auto t0 = std::chrono::steady_clock::now();
    path = versionless(path);
    ServiceReply r;
    const ServiceRoute* route = nullptr;
    for (const ServiceRoute& x : routes()) {
        route = path == x.path ? &x : route;
    }
    const bool takes = route != nullptr &&
                       (method == route->method || (method == "HEAD" && route->method == "GET"));
    if (route == nullptr) {
        std::string expected;
        for (const ServiceRoute& x : routes()) {
            expected += std::string(expected.empty() ? "" : ", ") + std::string(x.method) + " " +
                        std::string(x.path);
        }
        r = error_reply(
            404, "not_found", "no such path, expected " + expected + " (or the same under /v1)");
    } else if (!takes) {
        r = error_reply(405,
                        "method_not_allowed",
                        std::string(path) + " expects " + std::string(route->method));
        r.allow = route->method == "GET" ? "GET, HEAD" : std::string(route->method);
    } else if (route->method == "POST") {
        const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
        if (j.is_discarded()) {
            r = error_reply(400, "invalid_json", "request body is not valid JSON (UTF-8)");
        } else if (!j.is_object()) {
            r = error_reply(400, "invalid_request", "expected a JSON object");
        } else {
            r = path == "/route" ? impl_->route_one(j) : impl_->route_batch(j);
        }
    } else if (path == "/version") {
        r = {200, dump(Json{{"version", RUVLLM_VERSION}})};
    } else if (path == "/metrics") {
        r = {200, impl_->metrics.text(impl_->model.labels, impl_->uptime_s())};
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    } else if (path == "/openapi.json") {
        r = {200, std::string(kOpenApiJson)};
    } else {
        r = path == "/health" ? impl_->health() : impl_->agents();
    }
    impl_->record(path,
                  r.status,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return r;
}

Result<int> RouterService::bind() {
    const ServiceConfig& c = impl_->cfg;
    int port = c.port;
    if (port == 0) {
        port = impl_->server.bind_to_any_port(c.host);
        if (port < 0) {
            port = 0;
        }
    } else if (!impl_->server.bind_to_port(c.host, port)) {
        port = 0;
    }
    if (port == 0) {
        return make_error(Errc::io,
                          "serve: cannot listen on " + c.host + ":" + std::to_string(c.port) +
                              " (address in use or not local?)");
    }
    // httplib listens with a backlog of 5: a burst of new connections (a client pool opening
    // 32 at once) would see some dropped and retried. Linux lets a second listen() raise it.
    if (impl_->listen_fd != INVALID_SOCKET) {
        ::listen(impl_->listen_fd, std::max(64, c.max_connections));
    }
    return port;
}

Status RouterService::listen() {
    if (impl_->stop_requested.load()) {
        return ok();
    }
    if (!impl_->server.listen_after_bind() && !impl_->stop_requested.load()) {
        return make_error(Errc::io, "serve: the server stopped unexpectedly");
    }
    return ok();
}

void RouterService::stop() {
    impl_->stop_requested = true;
    impl_->server.stop();
}

uint64_t RouterService::requests() const {
    return impl_->requests.load();
}

uint64_t RouterService::errors() const {
    return impl_->errors.load();
}

}  // namespace ruvllm
