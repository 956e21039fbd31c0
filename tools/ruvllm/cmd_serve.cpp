// cmd_serve.cpp: `ruvllm serve`: the routing service (service.h) until SIGINT or SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <ruvllm/serve/service.h>

#include "cli.h"
#include <pthread.h>

namespace ruvllm::cli {

CLI::App* add_serve(CLI::App& app, ServeOptions& opt) {
    CLI::App* cmd = app.add_subcommand("serve", "serve routing decisions over HTTP (JSON)");
    cmd->footer(
        "Endpoints: POST /route {\"task\": \"...\", \"context\"?, \"id\"?}, POST /route/batch\n"
        "{\"tasks\": [\"...\" or {\"task\", \"context\"?, \"id\"?}, ...]},\n"
        "GET /health, GET /agents, GET /version, GET /metrics (Prometheus text),\n"
        "GET /openapi.json (the API's description); HEAD too; every path also under /v1\n"
        "(/v1/route), which clients should use. A request may override --mode,\n"
        "--top, --min-confidence, --tier-bias and --max-tier with the fields \"mode\", \"top\",\n"
        "\"min_confidence\", \"tier_bias\", \"max_tier\". Errors are HTTP 400/404/405/413/500\n"
        "with a JSON body "
        "{\"error\": {\"code\", \"message\"}}; the service keeps serving. Binds to loopback\n"
        "unless --host says otherwise; --port 0 takes any free port (printed on stderr).\n"
        "Stops cleanly on SIGINT/SIGTERM. Example:\n"
        "  curl -s localhost:8080/route -d '{\"task\": \"Fix the race condition in checkout\"}'");
    cmd->add_option("-m,--model", opt.model, "router model (GGUF)")->required();
    cmd->add_option("--host", opt.host, "address to listen on")->capture_default_str();
    cmd->add_option("--port", opt.port, "TCP port (0: any free port)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_option("--threads", opt.threads, "worker threads started up front")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    cmd->add_option("--max-connections",
                    opt.max_connections,
                    "open connections served at once (a worker each, started on demand; more "
                    "wait)")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    cmd->add_option("--max-body-bytes", opt.max_body_bytes, "largest request body (413 above)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--max-batch", opt.max_batch, "most tasks in one /route/batch request")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--max-task-bytes", opt.max_task_bytes, "longest task accepted, in bytes")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--mode", opt.mode, "default routing mode")
        ->check(CLI::IsMember({"hybrid", "keyword", "embedding"}))
        ->capture_default_str();
    cmd->add_option("--top", opt.top, "alternatives listed per decision")
        ->check(CLI::Range(0, 65536))
        ->capture_default_str();
    cmd->add_option("--min-confidence", opt.min_confidence, "abstain below this confidence")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--tier-bias", opt.tier_bias, "default model-tier bias (< 0 cheaper)")
        ->capture_default_str();
    cmd->add_option("--max-tier", opt.max_tier, "default budget ceiling for the model tier")
        ->check(CLI::IsMember({"haiku", "sonnet", "opus"}))
        ->capture_default_str();
    cmd->add_flag("--access-log",
                  opt.access_log,
                  "one line per request on stderr: time, client, \"METHOD path\", status, reply "
                  "bytes, request bytes, ms");
    return cmd;
}

Status run_serve(const ServeOptions& opt) {
    Result<RouteConfig> rc = route_config(
        opt.mode, opt.top, opt.min_confidence, opt.tier_bias, opt.max_tier, opt.max_task_bytes);
    if (!rc) {
        return rc.error();
    }
    Result<RouterModel> m = RouterModel::load(opt.model);
    if (!m) {
        return m.error();
    }
    const int labels = m->A();
    ServiceConfig cfg;
    cfg.host = opt.host;
    cfg.port = opt.port;
    cfg.threads = opt.threads;
    cfg.max_connections = opt.max_connections;
    cfg.max_body_bytes = opt.max_body_bytes;
    cfg.max_batch = opt.max_batch;
    cfg.route = *rc;
    cfg.model_name = opt.model;
    cfg.access_log = opt.access_log;

    // SIGINT/SIGTERM are blocked in every thread (the server's workers inherit the mask) and
    // taken by one waiter thread, which stops the server: no work in a signal handler.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up is not fatal

    RouterService service(std::move(*m), cfg);
    Result<int> port = service.bind();
    if (!port) {
        return port.error();
    }
    std::fprintf(
        stderr,
        "serve: listening on http://%s:%d (%d labels; POST /v1/route, POST /v1/route/batch, "
        "GET /v1/health, /v1/agents, /v1/version, /v1/metrics, /v1/openapi.json; "
        "Ctrl-C stops)\n",
        opt.host.c_str(),
        *port,
        labels);
    std::fflush(stderr);
    std::atomic<bool> done{false};
    std::thread waiter([&] {
        while (!done.load()) {
            int sig = 0;
            if (sigwait(&stop_signals, &sig) != 0 || done.load()) {
                break;
            }
            std::fprintf(stderr, "serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
            service.stop();
            break;
        }
    });
    const auto t0 = std::chrono::steady_clock::now();
    Status s = service.listen();
    done = true;
    pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if no signal came
    waiter.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr,
                 "serve: stopped after %.1f s, %llu requests (%llu errors)\n",
                 secs,
                 static_cast<unsigned long long>(service.requests()),
                 static_cast<unsigned long long>(service.errors()));
    return s;
}

}  // namespace ruvllm::cli
