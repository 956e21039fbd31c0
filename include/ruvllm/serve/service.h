// ruvllm/serve/service.h: the routing service behind `ruvllm serve`, an HTTP/1.1 JSON API (Debian's
// cpp-httplib) for orchestrators such as Claude Flow.
//
//   POST /route        {"task": "...", "context"?: "...", "id"?: any, options...}
//                                                  -> a decision (router.h), "id" first if sent
//   POST /route/batch  {"tasks": [item, ...], options...}  -> {"decisions": [...] in order,
//                                                               "latency_us": total}
//                      an item is a task string or {"task", "context"?, "id"?}
// A "context" is routed before its task ("<context> <task>", the way the generator's context
// style writes a request). Any other field is an error naming it (a typo never goes unseen).
//   GET  /health       {"status": "ok", "version", "model", "labels", "keyword_rules", "heads",
//                       "requests", "errors", "uptime_s"}
//   GET  /version      {"version": "<ruvllm version>"}
//   GET  /agents       {"agents": [...labels], "tiers": ["haiku", "sonnet", "opus"],
//                       "modes": ["hybrid", "keyword", "embedding"(, "sparse")]}
//   GET  /metrics      Prometheus text (0.0.4): requests by endpoint and code, a latency
//                      histogram per endpoint, decisions by agent and stage, uptime, version
//   GET  /openapi.json the OpenAPI 3.0 description of all of this (docs/openapi.json, compiled in;
//                      service_test checks routes() and the replies against it)
// Every path is served at the root and under /v1 (/v1/route is /route): clients use /v1, the
// prefix a later incompatible API would change. HEAD is answered as GET without a body; a 405
// carries an Allow header.
// Options (each optional, overriding the service's defaults for this request): "mode",
// "top" (0..labels), "min_confidence" (0..1), "tier_bias" (number), "max_tier" (tier name).
// Decisions carry no "task" field (a batch keeps the order of "tasks").
//
// Errors are JSON, {"error": {"code": "...", "message": "..."}}, and never stop the service:
//   400 invalid_json / invalid_request: malformed JSON (including non-UTF-8 bytes), a field of
//       the wrong type, an unknown field, an empty, non-UTF-8 or over-long task (router.h),
//       an empty batch or one over `max_batch` ("tasks[3]: empty task" names the item);
//   404 not_found: another path;  405 method_not_allowed: a known path with another method;
//   413 too_large: a body over `max_body_bytes`.
// Requests are served concurrently: a keep-alive connection holds a worker while it is open and
// is closed after 2 s idle (so stop() waits at most that long for idle clients); `threads`
// workers start up front and more start on demand, one per open connection up to
// `max_connections` (beyond that, connections wait for a free worker). A body is limited to
// `max_body_bytes` however it is sent (Content-Length or chunked; a body over it is drained, not
// kept, and answered 413) and is read as JSON whatever its Content-Type. The model is
// read-only and shared. Binds to loopback by default.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/router/model.h>
#include <ruvllm/router/router.h>

namespace ruvllm {

struct ServiceConfig {
    std::string host = "127.0.0.1";
    int port = 8080;            // 0: any free port (bind() returns it)
    int threads = 8;            // workers started up front
    int max_connections = 256;  // workers at most: one per open connection, started on demand
    size_t max_body_bytes = 1 << 20;
    size_t max_batch = 1024;
    RouteConfig route;        // per-request defaults (and the task size limit)
    std::string model_name;   // shown by /health
    bool access_log = false;  // a line per request on stderr: time, client, "METHOD path", status,
                              // reply bytes, body bytes read, ms (listen() only, not handle())
};

// One route of the service: "POST" "/route", ... (without the /v1 prefix).
struct ServiceRoute {
    std::string_view method, path;
};

struct ServiceReply {
    int status = 200;
    std::string body;          // JSON
    std::string allow;         // a 405's Allow header: the methods the path takes
    std::string content_type;  // empty: application/json

    ServiceReply() = default;

    ServiceReply(int s, std::string b, std::string a = {})
        : status(s), body(std::move(b)), allow(std::move(a)) {}
};

class RouterService {
public:
    RouterService(RouterModel model, ServiceConfig cfg);
    ~RouterService();
    RouterService(const RouterService&) = delete;
    RouterService& operator=(const RouterService&) = delete;

    // Every route the service answers, in the order /openapi.json lists them.
    static const std::vector<ServiceRoute>& routes();
    // The OpenAPI document GET /openapi.json serves.
    static std::string_view openapi_json();

    // One request without sockets (the HTTP handlers call this; tests and fuzzing too).
    ServiceReply handle(std::string_view method, std::string_view path, std::string_view body);

    // Binds host:port; returns the bound port. Errc::io when the address cannot be bound.
    Result<int> bind();
    // Serves until stop(); call after bind(). Errc::io if the server fails.
    Status listen();
    // Thread-safe and idempotent: listen() returns once in-flight requests are answered.
    void stop();

    uint64_t requests() const;
    uint64_t errors() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ruvllm
