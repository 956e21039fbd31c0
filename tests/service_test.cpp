// service_test.cpp: the routing service (service.h): a table of requests and the replies they
// must get (handle(), no sockets), then the real server on an ephemeral loopback port: routes,
// errors that leave it serving, the body limit, concurrent clients, clean stop.
#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/serve/service.h>

#include "planted_router.h"
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using Json = nlohmann::json;

ruvllm::RouterModel planted() {
    return ruvllm::test::planted_router(11);
}

ruvllm::ServiceConfig config() {
    ruvllm::ServiceConfig cfg;
    cfg.port = 0;
    cfg.threads = 4;
    cfg.max_batch = 4;
    cfg.max_body_bytes = 4096;
    cfg.route.max_task_bytes = 256;
    cfg.model_name = "planted";
    return cfg;
}

std::string error_code(const std::string& body) {
    const Json j = Json::parse(body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"]["code"].get<std::string>() : "";
}

}  // namespace

TEST(Service, RequestTable) {
    ruvllm::RouterService svc(planted(), config());

    struct Case {
        const char* method;
        const char* path;
        std::string body;
        int status;
        std::string code;     // expected error code ("" on success)
        std::string message;  // a substring of the error message
    };

    const std::vector<Case> cases = {
        {"POST", "/route", R"({"task": "alpha"})", 200, "", ""},
        {"POST", "/route", R"({"task": "alpha", "mode": "embedding", "top": 0})", 200, "", ""},
        {"POST", "/route", R"({"task": ""})", 400, "invalid_request", "empty task"},
        {"POST", "/route", R"({"task": 5})", 400, "invalid_request", "string field \"task\""},
        {"POST",
         "/route",
         R"({"input": "alpha"})",
         400,
         "invalid_request",
         "unknown field \"input\""},
        {"POST",
         "/route",
         R"({"task": "alpha", "mode": "fast"})",
         400,
         "invalid_request",
         "\"mode\""},
        {"POST", "/route", R"({"task": "alpha", "top": 4})", 400, "invalid_request", "0 to 3"},
        {"POST", "/route", R"({"task": "alpha", "top": -1})", 400, "invalid_request", "\"top\""},
        {"POST",
         "/route",
         R"({"task": "alpha", "min_confidence": 2})",
         400,
         "invalid_request",
         "0 to 1"},
        {"POST",
         "/route",
         R"({"task": "alpha", "max_tier": "gpt"})",
         400,
         "invalid_request",
         "max_tier"},
        {"POST",
         "/route",
         R"({"task": "alpha", "tier_bias": "x"})",
         400,
         "invalid_request",
         "tier_bias"},
        {"POST",
         "/route",
         "{\"task\": \"" + std::string(300, 'a') + "\"}",
         400,
         "invalid_request",
         "300 bytes, expected at most 256"},
        {"POST", "/route", "{\"task\": \"bad \xff byte\"}", 400, "invalid_json", "not valid JSON"},
        {"POST", "/route", "{\"task\": \"alpha\"", 400, "invalid_json", ""},
        {"POST", "/route", "", 400, "invalid_json", ""},
        {"POST", "/route", "[1, 2]", 400, "invalid_request", "JSON object"},
        {"POST", "/route/batch", R"({"tasks": ["alpha", "beta"]})", 200, "", ""},
        {"POST", "/route/batch", R"({"tasks": []})", 400, "invalid_request", "expected 1 to 4"},
        {"POST",
         "/route/batch",
         R"({"tasks": ["a", "b", "c", "d", "e"]})",
         400,
         "invalid_request",
         "5 items"},
        {"POST",
         "/route/batch",
         R"({"tasks": ["alpha", 3]})",
         400,
         "invalid_request",
         "tasks[1]: expected a string or {\"task\", ...}"},
        {"POST",
         "/route/batch",
         R"({"tasks": [{"task": "alpha", "priority": 1}]})",
         400,
         "invalid_request",
         "tasks[0]: unknown field \"priority\", expected task, context or id"},
        {"POST",
         "/route/batch",
         R"({"tasks": [{"context": "alpha"}]})",
         400,
         "invalid_request",
         "tasks[0]: expected a string field \"task\""},
        {"POST",
         "/route",
         R"({"task": "alpha", "context": 3})",
         400,
         "invalid_request",
         "\"context\""},
        {"POST",
         "/route/batch",
         R"({"tasks": ["alpha", " "]})",
         400,
         "invalid_request",
         "tasks[1]: empty task"},
        {"POST", "/route/batch", R"({"tasks": "alpha"})", 400, "invalid_request", "array"},
        {"GET", "/health", "", 200, "", ""},
        {"HEAD", "/health", "", 200, "", ""},
        {"GET", "/version", "", 200, "", ""},
        {"GET", "/agents", "", 200, "", ""},
        {"GET", "/route", "", 405, "method_not_allowed", "expects POST"},
        {"POST", "/health", "", 405, "method_not_allowed", "expects GET"},
        {"GET", "/", "", 404, "not_found", "POST /route"},
        {"DELETE", "/route/batch/x", "", 404, "not_found", ""},
    };
    for (const Case& c : cases) {
        const ruvllm::ServiceReply r = svc.handle(c.method, c.path, c.body);
        SCOPED_TRACE(std::string(c.method) + " " + c.path + " " + c.body.substr(0, 60));
        EXPECT_EQ(r.status, c.status) << r.body;
        const Json j = Json::parse(r.body, nullptr, false);
        ASSERT_TRUE(j.is_object()) << r.body;  // every reply is JSON
        EXPECT_EQ(error_code(r.body), c.code);
        if (!c.message.empty()) {
            EXPECT_NE(j["error"]["message"].get<std::string>().find(c.message), std::string::npos)
                << r.body;
        }
    }
    // A 405 says which methods the path takes; /version and /health say the version.
    EXPECT_EQ(svc.handle("GET", "/route", "").allow, "POST");
    EXPECT_EQ(svc.handle("POST", "/health", "").allow, "GET, HEAD");
    EXPECT_EQ(Json::parse(svc.handle("GET", "/version", "").body)["version"], RUVLLM_VERSION);
    EXPECT_EQ(Json::parse(svc.handle("GET", "/health", "").body)["version"], RUVLLM_VERSION);
    EXPECT_EQ(svc.requests(), cases.size() + 4);
    size_t failures = 0;
    for (const Case& c : cases) {
        failures += c.status != 200 ? 1 : 0;
    }
    EXPECT_EQ(svc.errors(), failures + 2);  // the two 405s above
}

TEST(Service, DecisionsMatchTheRouter) {
    const ruvllm::RouterModel m = planted();
    ruvllm::RouterService svc(planted(), config());
    // /route: the caller's id comes back first; the decision is route_task's.
    ruvllm::ServiceReply r = svc.handle("POST", "/route", R"({"id": "t-1", "task": "gamma"})");
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = Json::parse(r.body);
    EXPECT_EQ(nlohmann::ordered_json::parse(r.body).begin().key(), "id");
    EXPECT_EQ(j["id"], "t-1");
    EXPECT_EQ(j["agent"], "tester");
    EXPECT_EQ(j["stage"], "embedding");
    EXPECT_FALSE(j.contains("task"));
    // /route/batch keeps the order of the tasks.
    r = svc.handle("POST", "/route/batch", R"({"tasks": ["beta", "alpha unit test", "alpha"]})");
    ASSERT_EQ(r.status, 200) << r.body;
    j = Json::parse(r.body);
    ASSERT_EQ(j["decisions"].size(), 3u);
    EXPECT_EQ(j["decisions"][0]["agent"], "reviewer");
    EXPECT_EQ(j["decisions"][1]["agent"], "tester");
    EXPECT_EQ(j["decisions"][1]["stage"], "keyword");
    EXPECT_EQ(j["decisions"][2]["agent"], "coder");
    // Batch items may be objects with an id and a context; a context is routed before the task
    // (what route_task says for "context task").
    r = svc.handle("POST",
                   "/route/batch",
                   R"({"tasks": [{"id": 7, "task": "beta"}, "gamma",
                                 {"task": "unit test", "context": "alpha"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    j = Json::parse(r.body);
    EXPECT_EQ(j["decisions"][0]["id"], 7);
    EXPECT_EQ(j["decisions"][0]["agent"], "reviewer");
    EXPECT_FALSE(j["decisions"][1].contains("id"));
    const ruvllm::Result<ruvllm::Decision> joined =
        ruvllm::route_task(m, "alpha unit test", ruvllm::RouteConfig{});
    ASSERT_TRUE(joined);
    EXPECT_EQ(j["decisions"][2]["agent"], m.labels[static_cast<size_t>(joined->label)]);
    EXPECT_EQ(j["decisions"][2]["stage"], "keyword");
    r = svc.handle("POST", "/route", R"({"task": "unit test", "context": "alpha", "id": "c"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json::parse(r.body)["stage"], "keyword");
    EXPECT_EQ(Json::parse(r.body)["id"], "c");
    // Per-request options: keyword mode defers to null; min_confidence abstains.
    r = svc.handle("POST", "/route", R"({"task": "alpha", "mode": "keyword"})");
    EXPECT_TRUE(Json::parse(r.body)["agent"].is_null());
    r = svc.handle("POST", "/route", R"({"task": "alpha beta", "min_confidence": 1.0})");
    EXPECT_TRUE(Json::parse(r.body)["agent"].is_null());
    // /agents lists the model's labels in order.
    j = Json::parse(svc.handle("GET", "/agents", "").body);
    EXPECT_EQ(j["agents"], Json(m.labels));
}

// A small JSON Schema checker for what docs/openapi.json uses: $ref, allOf, oneOf, type,
// nullable, required, properties, additionalProperties false, items, enum, minItems. Returns
// "" or where the value breaks the schema.
std::string schema_error(const Json& doc,
                         const Json& schema,
                         const Json& v,
                         const std::string& at) {
    if (schema.contains("$ref")) {
        const std::string ref = schema["$ref"];
        return schema_error(doc, doc.at(Json::json_pointer(ref.substr(1))), v, at);
    }
    if (v.is_null() && schema.value("nullable", false)) {
        return "";
    }
    if (schema.contains("allOf")) {
        for (const Json& s : schema["allOf"]) {
            if (std::string e = schema_error(doc, s, v, at); !e.empty()) {
                return e;
            }
        }
    }
    if (schema.contains("oneOf")) {
        int matches = 0;
        for (const Json& s : schema["oneOf"]) {
            matches += schema_error(doc, s, v, at).empty() ? 1 : 0;
        }
        if (matches != 1) {
            return at + ": matches " + std::to_string(matches) + " of oneOf";
        }
    }
    if (schema.contains("type")) {
        const std::string t = schema["type"];
        const bool ok = (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
                        (t == "string" && v.is_string()) || (t == "number" && v.is_number()) ||
                        (t == "integer" && v.is_number_integer()) ||
                        (t == "boolean" && v.is_boolean());
        if (!ok) {
            return at + ": expected " + t + ", got " + v.dump();
        }
    }
    if (schema.contains("enum")) {
        bool found = false;
        for (const Json& e : schema["enum"]) {
            found = found || e == v;
        }
        if (!found) {
            return at + ": " + v.dump() + " not in enum";
        }
    }
    if (v.is_object()) {
        for (const Json& r : schema.value("required", Json::array())) {
            if (!v.contains(r.get<std::string>())) {
                return at + ": missing " + r.get<std::string>();
            }
        }
        const Json props = schema.value("properties", Json::object());
        for (const auto& [k, x] : v.items()) {
            if (props.contains(k)) {
                if (std::string e = schema_error(doc, props[k], x, at + "." + k); !e.empty()) {
                    return e;
                }
            } else if (schema.contains("additionalProperties") &&
                       schema["additionalProperties"] == false) {
                return at + ": unexpected " + k;
            }
        }
    }
    if (v.is_array()) {
        if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>()) {
            return at + ": too few items";
        }
        if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>()) {
            return at + ": too many items";
        }
        if (schema.contains("items")) {
            for (size_t i = 0; i < v.size(); i++) {
                const std::string where = at + "[" + std::to_string(i) + "]";
                if (std::string e = schema_error(doc, schema["items"], v[i], where); !e.empty()) {
                    return e;
                }
            }
        }
    }
    return "";
}

// The JSON schema of a documented response, resolving a response $ref.
Json response_schema(const Json& doc, const Json& op, int status) {
    Json resp = op["responses"][std::to_string(status)];
    if (resp.contains("$ref")) {
        resp = doc.at(Json::json_pointer(resp["$ref"].get<std::string>().substr(1)));
    }
    return resp["content"].contains("application/json")
               ? resp["content"]["application/json"]["schema"]
               : Json();
}

TEST(Service, OpenApiDescribesEveryRouteAndReply) {
    ruvllm::RouterService svc(planted(), config());
    const Json doc = Json::parse(ruvllm::RouterService::openapi_json());
    EXPECT_EQ(doc["info"]["version"], RUVLLM_VERSION);
    // The routes the service answers are exactly the documented operations.
    std::set<std::pair<std::string, std::string>> documented, served;
    for (const auto& [path, ops] : doc["paths"].items()) {
        for (const auto& [method, op] : ops.items()) {
            documented.insert({method, path});
        }
    }
    for (const ruvllm::ServiceRoute& r : ruvllm::RouterService::routes()) {
        std::string method(r.method);
        std::transform(method.begin(), method.end(), method.begin(), ::tolower);
        served.insert({method, std::string(r.path)});
    }
    EXPECT_EQ(documented, served);
    // Each operation, at the root and under /v1: its example (or no body) gets a 200 whose body
    // fits the documented schema; the other method gets a 405 that fits it too; a POST with a
    // body that is not an object gets a documented 400.
    for (const auto& [path, ops] : doc["paths"].items()) {
        for (const auto& [method, op] : ops.items()) {
            for (const std::string prefix : {"", "/v1"}) {
                SCOPED_TRACE(method + " " + prefix + path);
                std::string body;
                if (op.contains("requestBody")) {
                    const Json& media = op["requestBody"]["content"]["application/json"];
                    ASSERT_TRUE(media.contains("example"));
                    EXPECT_EQ(schema_error(doc, media["schema"], media["example"], "example"), "");
                    body = media["example"].dump();
                }
                const std::string upper = method == "post" ? "POST" : "GET";
                ruvllm::ServiceReply r = svc.handle(upper, prefix + path, body);
                ASSERT_EQ(r.status, 200) << r.body;
                const Json schema = response_schema(doc, op, 200);
                if (!schema.is_null()) {
                    EXPECT_EQ(schema_error(doc, schema, Json::parse(r.body), "reply"), "");
                } else {
                    EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
                }
                r = svc.handle(upper == "POST" ? "GET" : "POST", prefix + path, "");
                ASSERT_EQ(r.status, 405);
                EXPECT_EQ(
                    schema_error(doc, response_schema(doc, op, 405), Json::parse(r.body), "405"),
                    "");
                if (upper == "POST") {
                    r = svc.handle("POST", prefix + path, "[1]");
                    ASSERT_EQ(r.status, 400);
                    EXPECT_EQ(schema_error(
                                  doc, response_schema(doc, op, 400), Json::parse(r.body), "400"),
                              "");
                }
            }
        }
    }
    // The checker itself catches what it must (so that the checks above can fail).
    const Json decision = doc["components"]["schemas"]["Decision"];
    EXPECT_NE(schema_error(doc, decision, Json{{"agent", "coder"}}, "d"), "");
    EXPECT_NE(schema_error(doc,
                           decision,
                           Json::parse(R"({"agent": 3, "confidence": 1, "stage": "keyword",
                                           "top": [], "latency_us": 1})"),
                           "d"),
              "");
    EXPECT_NE(schema_error(doc,
                           decision,
                           Json::parse(R"({"agent": null, "confidence": 1, "stage": "magic",
                                           "top": [], "latency_us": 1})"),
                           "d"),
              "");
    EXPECT_EQ(schema_error(doc,
                           decision,
                           Json::parse(R"({"agent": null, "confidence": 1, "stage": "blend",
                                           "top": [["a", 0.5]], "latency_us": 1})"),
                           "d"),
              "");
    EXPECT_EQ(svc.handle("GET", "/v2/route", "").status, 404);
    EXPECT_EQ(svc.handle("GET", "/v1", "").status, 404);
}

// The value of one sample line of Prometheus text ("name{labels} value"), or -1 when absent.
double metric(const std::string& text, const std::string& sample) {
    const size_t at = text.find("\n" + sample + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(text.substr(at + sample.size() + 2));
}

TEST(Service, MetricsCountRequestsDecisionsAndLatency) {
    ruvllm::RouterService svc(planted(), config());
    // Hand-counted traffic: 4 /route (3 ok: coder, tester by keyword, abstained; 1 empty
    // task: 400), 1 batch of 2 (reviewer, tester), 1 GET /nope (404), 2 /health.
    ASSERT_EQ(svc.handle("POST", "/v1/route", R"({"task": "alpha"})").status, 200);
    ASSERT_EQ(svc.handle("POST", "/route", R"({"task": "alpha unit test"})").status, 200);
    ASSERT_EQ(svc.handle("POST", "/route", R"({"task": "alpha beta", "min_confidence": 1})").status,
              200);
    ASSERT_EQ(svc.handle("POST", "/route", R"({"task": " "})").status, 400);
    ASSERT_EQ(
        svc.handle("POST", "/route/batch", R"({"tasks": ["beta", {"task": "gamma"}]})").status,
        200);
    ASSERT_EQ(svc.handle("GET", "/nope", "").status, 404);
    ASSERT_EQ(svc.handle("GET", "/health", "").status, 200);
    ASSERT_EQ(svc.handle("HEAD", "/v1/health", "").status, 200);
    const ruvllm::ServiceReply r = svc.handle("GET", "/metrics", "");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    const std::string t = "\n" + r.body;
    SCOPED_TRACE(r.body);
    EXPECT_EQ(metric(t, R"(ruvllm_requests_total{endpoint="route",code="200"})"), 3);
    EXPECT_EQ(metric(t, R"(ruvllm_requests_total{endpoint="route",code="400"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_requests_total{endpoint="route_batch",code="200"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_requests_total{endpoint="other",code="404"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_requests_total{endpoint="health",code="200"})"), 2);
    EXPECT_EQ(metric(t, R"(ruvllm_requests_total{endpoint="metrics",code="200"})"), -1);
    EXPECT_EQ(metric(t, R"(ruvllm_decisions_total{agent="coder",stage="embedding"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_decisions_total{agent="tester",stage="keyword"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_decisions_total{agent="none",stage="embedding"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_decisions_total{agent="reviewer",stage="embedding"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_decisions_total{agent="tester",stage="embedding"})"), 1);
    EXPECT_EQ(metric(t, R"(ruvllm_tasks_routed_total)"), 5);
    EXPECT_EQ(metric(t, R"(ruvllm_build_info{version=")" RUVLLM_VERSION R"("})"), 1);
    // Histogram: buckets cumulative, +Inf = count = the requests of the endpoint.
    EXPECT_EQ(metric(t, R"(ruvllm_request_duration_seconds_count{endpoint="route"})"), 4);
    EXPECT_EQ(metric(t, R"(ruvllm_request_duration_seconds_bucket{endpoint="route",le="+Inf"})"),
              4);
    EXPECT_LE(metric(t, R"(ruvllm_request_duration_seconds_bucket{endpoint="route",le="0.001"})"),
              metric(t, R"(ruvllm_request_duration_seconds_bucket{endpoint="route",le="0.01"})"));
    EXPECT_GT(metric(t, R"(ruvllm_request_duration_seconds_sum{endpoint="route"})"), 0);
    EXPECT_GE(metric(t, "ruvllm_uptime_seconds"), 0);
    // Every sample line is "name{...} value" or "name value" with a number; comments are HELP
    // or TYPE lines.
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("# ", 0) == 0) {
            EXPECT_TRUE(line.rfind("# HELP ruvllm_", 0) == 0 ||
                        line.rfind("# TYPE ruvllm_", 0) == 0)
                << line;
            continue;
        }
        const size_t sp = line.rfind(' ');
        ASSERT_NE(sp, std::string::npos) << line;
        size_t used = 0;
        const std::string value = line.substr(sp + 1);
        EXPECT_NO_THROW((void)std::stod(value, &used)) << line;
        EXPECT_EQ(used, value.size()) << line;
    }
    // /metrics itself is counted on the next scrape.
    EXPECT_EQ(metric("\n" + svc.handle("GET", "/metrics", "").body,
                     R"(ruvllm_requests_total{endpoint="metrics",code="200"})"),
              1);
}

TEST(Service, ServesOnAnEphemeralLoopbackPort) {
    ruvllm::RouterService svc(planted(), config());
    ruvllm::Result<int> port = svc.bind();
    ASSERT_TRUE(port) << port.error().message;
    ASSERT_GT(*port, 0);
    ruvllm::Status served = ruvllm::ok();
    std::thread server([&] { served = svc.listen(); });
    httplib::Client cli("127.0.0.1", *port);
    cli.set_read_timeout(5, 0);

    auto res = cli.Get("/health");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(Json::parse(res->body)["status"], "ok");
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");

    res = cli.Post("/route", R"({"task": "beta"})", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(Json::parse(res->body)["agent"], "reviewer");

    // Bad requests get JSON errors and the service keeps serving.
    res = cli.Post("/route", "{oops", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_EQ(error_code(res->body), "invalid_json");
    res = cli.Post("/route", std::string(8192, 'x'), "application/json");  // over max_body_bytes
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(error_code(res->body), "too_large");
    httplib::Client again("127.0.0.1", *port);
    res = again.Get("/health");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);

    // Concurrent clients, each on its own keep-alive connection, get the router's answers.
    const char* tasks[] = {"alpha", "beta", "gamma", "alpha unit test"};
    const char* expected[] = {"coder", "reviewer", "tester", "tester"};
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; t++) {
        clients.emplace_back([&, t] {
            httplib::Client c("127.0.0.1", *port);
            c.set_keep_alive(true);
            c.set_tcp_nodelay(true);  // else Nagle + delayed ACK cost ~40 ms per request
            for (int i = 0; i < 50; i++) {
                const int k = (t + i) % 4;
                const Json body = {{"task", tasks[k]}};
                auto r = c.Post("/route", body.dump(), "application/json");
                if (!r || r->status != 200 ||
                    Json::parse(r->body, nullptr, false).value("agent", "") != expected[k]) {
                    wrong[static_cast<size_t>(t)]++;
                }
            }
        });
    }
    for (std::thread& c : clients) {
        c.join();
    }
    EXPECT_EQ(wrong, std::vector<int>(4, 0));

    cli.stop();  // idle keep-alive connections would hold the workers up to 2 s
    again.stop();
    svc.stop();
    server.join();
    EXPECT_TRUE(served) << served.error().message;
    EXPECT_EQ(svc.requests(), 205u);  // 4 on the first client, 1 on the second, 200 concurrent
    EXPECT_EQ(svc.errors(), 2u);
    // Stopped: nothing answers any more.
    httplib::Client after("127.0.0.1", *port);
    after.set_connection_timeout(1, 0);
    EXPECT_FALSE(after.Get("/health"));
}

TEST(Service, BindFailsWithAClearError) {
    ruvllm::RouterService first(planted(), config());
    ruvllm::Result<int> port = first.bind();
    ASSERT_TRUE(port);
    ruvllm::ServiceConfig cfg = config();
    cfg.port = *port;  // taken
    ruvllm::RouterService second(planted(), cfg);
    ruvllm::Result<int> r = second.bind();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ruvllm::Errc::io);
    EXPECT_NE(r.error().message.find("cannot listen on 127.0.0.1:" + std::to_string(*port)),
              std::string::npos);
}

// ---- the transport under hostile or heavy use (raw sockets, so the bytes are exactly ours) ----

namespace {

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        return -1;
    }
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

// On one connection, sends each message (ignoring a reset once the server has answered) and
// reads its reply: the last reply's status line and body.
std::pair<std::string, std::string> http_exchange(int port,
                                                  const std::vector<std::string>& messages) {
    const int fd = connect_to(port);
    if (fd < 0) {
        return {"connect failed", ""};
    }
    std::string in, status, body;
    char buf[4096];
    for (const std::string& bytes : messages) {
        size_t sent = 0;
        while (sent < bytes.size()) {
            const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                break;  // the server answered early and closed: read what it said
            }
            sent += static_cast<size_t>(n);
        }
        status = "no reply";
        body.clear();
        for (;;) {
            const size_t head = in.find("\r\n\r\n");
            const size_t cl = in.find("Content-Length: ");
            if (head != std::string::npos && cl != std::string::npos && cl < head) {
                const size_t len = std::stoul(in.substr(cl + 16));
                if (in.size() >= head + 4 + len) {
                    status = in.substr(0, in.find("\r\n"));
                    body = in.substr(head + 4, len);
                    in.erase(0, head + 4 + len);
                    break;
                }
            }
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                break;
            }
            in.append(buf, static_cast<size_t>(n));
        }
    }
    ::close(fd);
    return {status, body};
}

std::pair<std::string, std::string> http_exchange(int port, const std::string& message) {
    return http_exchange(port, std::vector<std::string>{message});
}

std::string chunked(const std::string& body, size_t piece) {
    std::string out;
    for (size_t i = 0; i < body.size(); i += piece) {
        const std::string p = body.substr(i, piece);
        char len[32];
        std::snprintf(len, sizeof len, "%zx\r\n", p.size());
        out += len + p + "\r\n";
    }
    return out + "0\r\n\r\n";
}

}  // namespace

TEST(Service, BodyLimitHoldsHoweverTheBodyIsSentAndAnyContentTypeIsJson) {
    ruvllm::RouterService svc(planted(), config());  // max_body_bytes 4096
    ruvllm::Result<int> port = svc.bind();
    ASSERT_TRUE(port) << port.error().message;
    std::thread server([&] { (void)svc.listen(); });
    const std::string task = R"({"task": "beta"})";
    // Chunked: a small body routes, a 64 KiB one (once accepted whole) is refused.
    auto [st, body] =
        http_exchange(*port,
                      "POST /route HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                      "\r\n" +
                          chunked(task, 5));
    EXPECT_EQ(st, "HTTP/1.1 200 OK");
    EXPECT_EQ(Json::parse(body, nullptr, false).value("agent", ""), "reviewer");
    std::tie(st, body) =
        http_exchange(*port,
                      "POST /route HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          chunked(R"({"task": ")" + std::string(20000, 'x') + R"("})", 1000));
    EXPECT_EQ(st, "HTTP/1.1 413 Payload Too Large");
    EXPECT_EQ(error_code(body), "too_large");
    EXPECT_NE(body.find("over 4096 bytes"), std::string::npos);
    // The connection stays in step: the next request on it is served.
    std::tie(st, body) =
        http_exchange(*port,
                      {"POST /route HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           chunked(R"({"task": ")" + std::string(20000, 'x') + R"("})", 1000),
                       "GET /health HTTP/1.1\r\nHost: t\r\n\r\n"});
    EXPECT_EQ(st, "HTTP/1.1 200 OK");
    EXPECT_EQ(Json::parse(body, nullptr, false).value("status", ""), "ok");
    // A method with no body declared is not waited for: PUT /health is a plain 405.
    std::tie(st, body) = http_exchange(*port, "PUT /health HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(st, "HTTP/1.1 405 Method Not Allowed");
    EXPECT_EQ(error_code(body), "method_not_allowed");
    // A declared length over the limit.
    std::tie(st, body) = http_exchange(
        *port,
        "POST /route HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
    EXPECT_EQ(st, "HTTP/1.1 413 Payload Too Large");
    EXPECT_EQ(error_code(body), "too_large");
    // curl -d without -H sends a form Content-Type: the body is still read as JSON, whole
    // (httplib alone capped it at 8 KiB and parsed it as a form).
    std::tie(st, body) = http_exchange(*port,
                                       "POST /route HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                       "application/x-www-form-urlencoded\r\nContent-Length: " +
                                           std::to_string(task.size()) + "\r\n\r\n" + task);
    EXPECT_EQ(st, "HTTP/1.1 200 OK");
    EXPECT_EQ(Json::parse(body, nullptr, false).value("agent", ""), "reviewer");
    svc.stop();
    server.join();
}

TEST(Service, IdleAndTricklingConnectionsDoNotStallOthers) {
    ruvllm::ServiceConfig cfg = config();
    cfg.threads = 2;
    cfg.max_connections = 64;
    ruvllm::RouterService svc(planted(), cfg);
    ruvllm::Result<int> port = svc.bind();
    ASSERT_TRUE(port) << port.error().message;
    std::thread server([&] { (void)svc.listen(); });
    // 8 connections that sent half a request line (slowloris) and 8 idle ones: 8 times the
    // workers started up front.
    std::vector<int> held;
    for (int i = 0; i < 16; i++) {
        const int fd = connect_to(*port);
        ASSERT_GE(fd, 0);
        if (i < 8) {
            ASSERT_GT(::send(fd, "POST /rou", 9, MSG_NOSIGNAL), 0);
        }
        held.push_back(fd);
    }
    // A new client is still served (each exchange has a 5 s receive timeout).
    for (int i = 0; i < 3; i++) {
        auto [st, body] =
            http_exchange(*port, "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(st, "HTTP/1.1 200 OK") << "request " << i;
    }
    for (const int fd : held) {
        ::close(fd);
    }
    svc.stop();
    server.join();
}
