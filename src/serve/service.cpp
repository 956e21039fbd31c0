// service.cpp: the routing service (service.h) on cpp-httplib.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <ruvllm/dataset/dataset.h>
#include <ruvllm/serve/service.h>

#include <httplib.h>

namespace ruvllm {

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

    Impl(RouterModel m, ServiceConfig c) : model(std::move(m)), cfg(std::move(c)) {}

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
        j["uptime_s"] =
            std::round(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() *
                10) /
            10;
        return {200, dump(j)};
    }

    ServiceReply agents() const {
        Json j;
        j["agents"] = model.labels;
        j["tiers"] = {"haiku", "sonnet", "opus"};
        j["modes"] = {"hybrid", "keyword", "embedding"};
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
        const ServiceReply r = handle(req.method, req.path, req.body);
        res.status = r.status;
        if (!r.allow.empty()) {
            res.set_header("Allow", r.allow);
        }
        res.set_content(r.body, "application/json");
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
        ServiceReply r;
        if (too_large || (!ok && res.status == 413)) {
            impl_->requests++;
            impl_->errors++;
            r = too_large_reply(max);
        } else if (!ok) {
            impl_->requests++;
            impl_->errors++;
            r = error_reply(400, "invalid_request", "malformed or truncated request body");
        } else {
            r = handle(req.method, req.path, body);
        }
        res.status = r.status;
        if (!r.allow.empty()) {
            res.set_header("Allow", r.allow);
        }
        res.set_content(r.body, "application/json");
    };
    for (const char* pattern : {".*"}) {
        s.Get(pattern, handler);
        s.Options(pattern, handler);
        s.Post(pattern, body_handler);
        s.Put(pattern, body_handler);
        s.Patch(pattern, body_handler);
        s.Delete(pattern, body_handler);
    }
    // Errors httplib answers itself (413 over the body limit, 400 unparsable HTTP): JSON too.
    s.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) {
            return;  // our own error reply
        }
        impl_->requests++;
        impl_->errors++;
        const ServiceReply r =
            res.status == 413
                ? too_large_reply(impl_->cfg.max_body_bytes)
                : error_reply(res.status, "invalid_request", "malformed HTTP request");
        res.set_content(r.body, "application/json");
    });
    s.set_exception_handler(
        [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            impl_->errors++;
            const ServiceReply r = error_reply(500, "internal", "internal error");
            res.status = 500;
            res.set_content(r.body, "application/json");
        });
}

RouterService::~RouterService() = default;

ServiceReply RouterService::handle(std::string_view method,
                                   std::string_view path,
                                   std::string_view body) {
    impl_->requests++;
    ServiceReply r;
    const bool is_post = method == "POST", is_get = method == "GET" || method == "HEAD";
    if (path == "/route" || path == "/route/batch") {
        if (!is_post) {
            r = error_reply(405, "method_not_allowed", std::string(path) + " expects POST");
            r.allow = "POST";
        } else {
            const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
            if (j.is_discarded()) {
                r = error_reply(400, "invalid_json", "request body is not valid JSON (UTF-8)");
            } else if (!j.is_object()) {
                r = error_reply(400, "invalid_request", "expected a JSON object");
            } else {
                r = path == "/route" ? impl_->route_one(j) : impl_->route_batch(j);
            }
        }
    } else if (path == "/health" || path == "/agents" || path == "/version") {
        if (!is_get) {
            r = error_reply(405, "method_not_allowed", std::string(path) + " expects GET");
            r.allow = "GET, HEAD";
        } else if (path == "/version") {
            r = {200, dump(Json{{"version", RUVLLM_VERSION}}), ""};
        } else {
            r = path == "/health" ? impl_->health() : impl_->agents();
        }
    } else {
        r = error_reply(404,
                        "not_found",
                        "no such path, expected POST /route, POST /route/batch, GET /health, "
                        "GET /agents or GET /version");
    }
    if (r.status != 200) {
        impl_->errors++;
    }
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
