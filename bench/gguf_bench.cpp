// gguf_bench.cpp: GGUF and quantisation throughput (one core).
//   build/bin/gguf_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// BM_read_file_metadata opens a ~400 MB model-shaped file (Qwen2.5-0.5B-like tensor table with a
// 150k-token vocabulary) with mmap: the cost is the metadata and tensor table, not the data.
#include <cstdio>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>

namespace {

namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

struct RemoveOnExit {
    std::filesystem::path path;

    ~RemoveOnExit() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

const std::filesystem::path& big_file() {
    static const RemoveOnExit cleanup{"/dev/shm/ruvllm_bench_400mb.gguf"};
    static const std::filesystem::path path = [] {
        std::filesystem::path p = cleanup.path;
        gguf::File f;
        f.set("general.architecture", std::string("qwen2"));
        std::vector<std::string> vocab;
        std::vector<float> scores;
        for (int i = 0; i < 151936; i++) {
            vocab.push_back("tok" + std::to_string(i));
            scores.push_back(static_cast<float>(i));
        }
        f.set("tokenizer.ggml.tokens", gguf::Array::of(vocab));
        f.set("tokenizer.ggml.scores", gguf::Array::of(scores));
        // 24 layers of Qwen2.5-0.5B-shaped tensors (zero bytes; the parser does not care).
        auto add = [&](const std::string& name, uint64_t ne0, uint64_t ne1, TensorType t) {
            gguf::TensorInfo probe{name, {ne0, ne1}, t, 0};
            std::vector<uint8_t> zeros(probe.n_bytes(), 0);
            if (!f.add_tensor_raw(name, {ne0, ne1}, t, zeros)) {
                std::abort();
            }
        };
        add("token_embd.weight", 896, 151936, TensorType::q8_0);
        for (int l = 0; l < 24; l++) {
            const std::string b = "blk." + std::to_string(l) + ".";
            add(b + "attn_q.weight", 896, 896, TensorType::q5_0);
            add(b + "attn_k.weight", 896, 128, TensorType::q5_0);
            add(b + "attn_v.weight", 896, 128, TensorType::q8_0);
            add(b + "attn_output.weight", 896, 896, TensorType::q5_0);
            add(b + "ffn_gate.weight", 896, 4864, TensorType::q5_0);
            add(b + "ffn_up.weight", 896, 4864, TensorType::q5_0);
            add(b + "ffn_down.weight", 4864, 896, TensorType::q6_k);
            add(b + "attn_norm.weight", 896, 1, TensorType::f32);
            add(b + "ffn_norm.weight", 896, 1, TensorType::f32);
        }
        if (!gguf::write_file(f, p)) {
            std::abort();
        }
        return p;
    }();
    return path;
}

void BM_read_file_metadata(benchmark::State& state) {
    const std::filesystem::path& p = big_file();
    for (auto _ : state) {
        ruvllm::Result<gguf::File> f = gguf::read_file(p);
        benchmark::DoNotOptimize(f);
    }
    state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(p)) / 1e6;
}

BENCHMARK(BM_read_file_metadata)->Unit(benchmark::kMillisecond);

void quant_bench(benchmark::State& state, TensorType t, bool dequant) {
    const int64_t n = 1 << 20;
    ruvllm::Rng rng(1);
    std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
    for (float& v : x) {
        v = rng.uniform_f32() * 2 - 1;
    }
    std::vector<uint8_t> q(ruvllm::quant::row_size(t, n));
    (void)ruvllm::quant::quantize(t, x.data(), q.data(), n);
    for (auto _ : state) {
        if (dequant) {
            (void)ruvllm::quant::dequantize(t, q.data(), y.data(), n);
            benchmark::DoNotOptimize(y.data());
        } else {
            (void)ruvllm::quant::quantize(t, x.data(), q.data(), n);
            benchmark::DoNotOptimize(q.data());
        }
    }
    state.SetBytesProcessed(state.iterations() * n * 4);  // float bytes in or out
}

void BM_quantize(benchmark::State& state) {
    quant_bench(state, static_cast<TensorType>(state.range(0)), false);
}

void BM_dequantize(benchmark::State& state) {
    quant_bench(state, static_cast<TensorType>(state.range(0)), true);
}

#define RUVLLM_QUANT_TYPES                                                                      \
    ->Arg(1)->Arg(2)->Arg(3)->Arg(6)->Arg(7)->Arg(8)->Arg(12)->Arg(13)->Arg(14)->Arg(30)->Unit( \
        benchmark::kMillisecond)
BENCHMARK(BM_quantize) RUVLLM_QUANT_TYPES;
BENCHMARK(BM_dequantize) RUVLLM_QUANT_TYPES;

}  // namespace

BENCHMARK_MAIN();
