// serve_load.cpp: a small, bounded load client for `ruvllm serve` on loopback.
//   serve_load --port P [--host 127.0.0.1] [--connections 4] [--requests 20000]
//              [--max-seconds 60] [--batch 0] --tasks FILE
// Each connection is one thread with a keep-alive HTTP/1.1 client that POSTs /route (or
// /route/batch with --batch B tasks) in a loop, cycling through the task lines, until the
// request count or the time limit is reached. Prints requests/s (and tasks/s), latency p50/p99
// and the error count (a non-200 reply or a transport failure); exits 1 if any error occurred.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <httplib.h>

int main(int argc, char** argv) {
    std::string host = "127.0.0.1", tasks_path;
    int port = 0, connections = 4, batch = 0;
    long requests = 20000;
    double max_seconds = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--host") {
            host = v;
        } else if (k == "--port") {
            port = std::atoi(v.c_str());
        } else if (k == "--connections") {
            connections = std::max(1, std::atoi(v.c_str()));
        } else if (k == "--requests") {
            requests = std::max(1L, std::atol(v.c_str()));
        } else if (k == "--max-seconds") {
            max_seconds = std::atof(v.c_str());
        } else if (k == "--batch") {
            batch = std::max(0, std::atoi(v.c_str()));
        } else if (k == "--tasks") {
            tasks_path = v;
        } else {
            std::fprintf(stderr, "serve_load: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    std::vector<std::string> bodies;
    {
        std::ifstream in(tasks_path);
        std::vector<std::string> tasks;
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty()) {
                tasks.push_back(line);
            }
        }
        if (port <= 0 || tasks.empty()) {
            std::fprintf(stderr, "serve_load: expected --port P and --tasks FILE (text lines)\n");
            return 2;
        }
        for (size_t i = 0; i < tasks.size(); i++) {
            nlohmann::json j;
            if (batch == 0) {
                j["task"] = tasks[i];
            } else {
                j["tasks"] = nlohmann::json::array();
                for (int b = 0; b < batch; b++) {
                    j["tasks"].push_back(tasks[(i + static_cast<size_t>(b)) % tasks.size()]);
                }
            }
            bodies.push_back(j.dump());
        }
    }
    const char* path = batch == 0 ? "/route" : "/route/batch";
    std::atomic<long> next{0}, errors{0};
    std::mutex first_error_mu;
    std::string first_error;
    std::vector<std::vector<double>> lat(static_cast<size_t>(connections));
    const auto t0 = std::chrono::steady_clock::now();
    const auto deadline = t0 + std::chrono::duration<double>(max_seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; c++) {
        threads.emplace_back([&, c] {
            httplib::Client cli(host, port);
            cli.set_keep_alive(true);
            cli.set_tcp_nodelay(true);  // headers and body are separate writes
            cli.set_read_timeout(10, 0);
            for (;;) {
                const long i = next++;
                if (i >= requests || std::chrono::steady_clock::now() > deadline) {
                    break;
                }
                const auto s = std::chrono::steady_clock::now();
                auto res = cli.Post(
                    path, bodies[static_cast<size_t>(i) % bodies.size()], "application/json");
                const double ms =
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s)
                        .count();
                if (!res || res->status != 200) {
                    if (errors++ == 0) {
                        std::lock_guard<std::mutex> lock(first_error_mu);
                        first_error = res ? "HTTP " + std::to_string(res->status) + " " + res->body
                                          : "transport: " + httplib::to_string(res.error());
                    }
                } else {
                    lat[static_cast<size_t>(c)].push_back(ms);
                }
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> all;
    for (const auto& l : lat) {
        all.insert(all.end(), l.begin(), l.end());
    }
    std::sort(all.begin(), all.end());
    const size_t done = all.size() + static_cast<size_t>(errors.load());
    const double p50 = all.empty() ? 0 : all[all.size() / 2];
    const double p99 = all.empty() ? 0 : all[std::min(all.size() - 1, all.size() * 99 / 100)];
    std::printf("serve_load: %zu requests%s over %d connections in %.2f s: %.0f requests/s",
                done,
                batch > 0 ? (" of " + std::to_string(batch) + " tasks").c_str() : "",
                connections,
                secs,
                static_cast<double>(done) / secs);
    if (batch > 0) {
        std::printf(" (%.0f tasks/s)", static_cast<double>(done) * batch / secs);
    }
    std::printf(", latency p50 %.3f ms p99 %.3f ms, %ld errors\n", p50, p99, errors.load());
    if (!first_error.empty()) {
        std::printf("serve_load: first error: %s\n", first_error.c_str());
    }
    return errors.load() == 0 ? 0 : 1;
}
