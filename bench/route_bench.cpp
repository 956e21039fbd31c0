// route_bench.cpp: routing speed on a trained model (one core), ours next to fastText's
// `predict` on the same tasks in the same run.
//   RUVLLM_BENCH_MODEL    router model      (default out/router-agents.gguf, from `make run`)
//   RUVLLM_BENCH_TASKS    one task per line (default: the "input" fields of
//                         out/dataset-agents/claude_training_test.jsonl)
//   RUVLLM_BENCH_FASTTEXT a fastText supervised .bin trained on the same split (optional;
//                         scripts/bench_route.sh trains one)
//   build/bin/route_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// BM_route_task: route_task (hybrid, heads) per task: the single-task latency.
// BM_route_batch_json: route_task + the JSON line `route --input` prints, per task: the batch
// throughput (items_per_second). BM_fasttext_predict: FastText::predictLine (k = 1) per task.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <ruvllm/router/router.h>

#include <fasttext/fasttext.h>

namespace {

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

const std::vector<std::string>& tasks() {
    static const std::vector<std::string> t = [] {
        std::vector<std::string> out;
        const char* path = std::getenv("RUVLLM_BENCH_TASKS");
        std::ifstream in(path != nullptr ? path : "out/dataset-agents/claude_training_test.jsonl");
        std::string line;
        while (std::getline(in, line)) {
            if (path != nullptr) {
                out.push_back(line);
                continue;
            }
            const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("input") && j["input"].is_string()) {
                out.push_back(j["input"].get<std::string>());
            }
        }
        return out;
    }();
    return t;
}

const ruvllm::RouterModel* model() {
    static const ruvllm::Result<ruvllm::RouterModel> m =
        ruvllm::RouterModel::load(env_or("RUVLLM_BENCH_MODEL", "out/router-agents.gguf"));
    return m ? &*m : nullptr;
}

bool ready(benchmark::State& state) {
    if (model() == nullptr || tasks().empty()) {
        state.SkipWithError("no model or tasks: run `make run` or set RUVLLM_BENCH_MODEL/TASKS");
        return false;
    }
    return true;
}

void BM_route_task(benchmark::State& state) {
    if (!ready(state)) {
        return;
    }
    const ruvllm::RouteConfig cfg;
    size_t i = 0;
    for (auto _ : state) {
        auto d = ruvllm::route_task(*model(), tasks()[i++ % tasks().size()], cfg);
        benchmark::DoNotOptimize(d);
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_route_task);

void BM_route_batch_json(benchmark::State& state) {
    if (!ready(state)) {
        return;
    }
    const ruvllm::RouteConfig cfg;
    size_t i = 0, bytes = 0;
    for (auto _ : state) {
        const std::string& t = tasks()[i++ % tasks().size()];
        auto d = ruvllm::route_task(*model(), t, cfg);
        const std::string line = ruvllm::decision_json(*model(), *d, &t).dump();
        bytes += line.size() + 1;
        benchmark::DoNotOptimize(line.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

BENCHMARK(BM_route_batch_json);

void BM_fasttext_predict(benchmark::State& state) {
    const std::string path = env_or("RUVLLM_BENCH_FASTTEXT", "");
    if (path.empty() || !std::ifstream(path) || tasks().empty()) {
        state.SkipWithError(
            "no fastText model: set RUVLLM_BENCH_FASTTEXT (scripts/bench_route.sh)");
        return;
    }
    static fasttext::FastText ft;
    static const bool loaded = [&] {
        ft.loadModel(path);
        return true;
    }();
    benchmark::DoNotOptimize(loaded);
    std::vector<std::pair<fasttext::real, std::string>> preds;
    size_t i = 0;
    for (auto _ : state) {
        std::istringstream in(tasks()[i++ % tasks().size()] + "\n");
        ft.predictLine(in, preds, 1, 0.0f);
        benchmark::DoNotOptimize(preds.data());
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_fasttext_predict);

}  // namespace

BENCHMARK_MAIN();
