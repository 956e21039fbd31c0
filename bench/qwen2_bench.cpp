// qwen2_bench.cpp: Qwen2 embedding speed and memory, ours next to llama.cpp's on the same model
// and texts (issue #7: tokens/s within 1.5x of llama.cpp's, peak RSS <= 1.5x). Each side runs
// in its own process so that /usr/bin/time sees its own peak RSS; scripts/bench_qwen2.sh runs
// them all and prints the table.
//   qwen2_bench --write MODEL            write the random model below (kept if MODEL exists)
//   qwen2_bench --tokenize MODEL IDS     the bench texts' token ids (our tokenizer, which gives
//                                        llama.cpp's ids: bpe_golden_test) to IDS
//   qwen2_bench --ours MODEL OUT         Qwen2Model::load + embed() of every text, 2 threads
//   qwen2_bench --llama MODEL IDS OUT    llama.cpp (libllama from .cache/oracles, dlopen,
//                                        tests/llama_embedder.h): mean-pooled embeddings of the
//                                        ids, 2 threads, one text per batch / sequence
//   qwen2_bench --cosine A B             cosine of each pair of embeddings in A and B
// --ours / --llama print one line "<side> texts N tokens N load_s S embed_s S tokens_per_s X"
// and write the (raw, not normalised) embeddings to OUT as floats. llama.cpp's load time is a
// call with no texts (load, context, free); its embedding time is the call with every text
// minus that. Our embed() includes tokenisation; llama.cpp gets the ids.
//
// The model: Qwen2.5-0.5B's exact shapes (24 layers, E 896, F 4864, 14 heads, 2 kv heads of
// 64, context 32768, RoPE base 1e6, RMS eps 1e-6, Q/K/V biases, tied embeddings: no
// output.weight), the real Qwen2 vocabulary (tokenizer keys of llama.cpp's
// ggml-vocab-qwen2.gguf, padded with unused [PADn] tokens to token_embd's 151,936 rows, as in
// the real model's GGUF) and llama.cpp's Q4_K_M type mix for it: K-quants need rows of a
// multiple of 256, which 896 is not, so llama.cpp falls back Q4_K -> Q5_0 and Q6_K -> Q8_0:
//   token_embd Q8_0; attn_q/k/output, ffn_gate/up Q5_0; attn_v Q8_0 in the use_more_bits
//   layers (i < n/8, i >= 7n/8 or (i - n/8) % 3 == 2), else Q5_0; ffn_down (rows of 4864 =
//   19 x 256) Q6_K in those layers, else Q4_K; norms and biases F32.
// Weights are uniform with standard deviation 0.02 (norm weights 1 +- 0.1), so activations
// stay in a realistic range through the 24 layers. About 392 MB.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>
#include <ruvllm/transformer/qmatmul.h>
#include <ruvllm/transformer/qwen2.h>

#include "llama_embedder.h"

namespace {

namespace fs = std::filesystem;
namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

constexpr uint64_t kLayers = 24, kE = 896, kF = 4864, kH = 14, kK = 2, kVocabRows = 151936;
constexpr int kThreads = 2;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "qwen2_bench: %s\n", msg.c_str());
    std::exit(1);
}

// llama.cpp's use_more_bits(i, n) (llama-quant.cpp).
bool use_more_bits(uint64_t i, uint64_t n) {
    return i < n / 8 || i >= 7 * n / 8 || (i >= n / 8 && (i - n / 8) % 3 == 2);
}

// The tokenizer keys of the Qwen2 vocabulary, tokens padded to `rows` like the real GGUF.
void add_padded_vocab(gguf::File& f, const gguf::File& vocab, uint64_t rows) {
    for (const auto& [key, value] : vocab.metadata()) {
        if (key.rfind("tokenizer.", 0) == 0) {
            f.set(key, value);
        }
    }
    ruvllm::Result<std::vector<std::string>> tokens =
        std::get<gguf::Array>(*f.find("tokenizer.ggml.tokens")).values<std::string>();
    ruvllm::Result<std::vector<int32_t>> types =
        std::get<gguf::Array>(*f.find("tokenizer.ggml.token_type")).values<int32_t>();
    if (!tokens || !types || tokens->size() > rows || types->size() != tokens->size()) {
        die("unexpected tokenizer arrays in the vocabulary file");
    }
    for (size_t i = tokens->size(); i < rows; i++) {
        tokens->push_back("[PAD" + std::to_string(i) + "]");
        types->push_back(5);  // unused
    }
    f.set("tokenizer.ggml.tokens", gguf::Array::of(*tokens));
    f.set("tokenizer.ggml.token_type", gguf::Array::of(*types));
}

void write_model(const fs::path& path) {
    if (fs::exists(path)) {
        std::printf("model: %s (cached)\n", path.c_str());
        return;
    }
    const fs::path vocab_path = fs::path(RUVLLM_ORACLE_DIR) / "llama-vocab/ggml-vocab-qwen2.gguf";
    ruvllm::Result<gguf::File> vocab = gguf::read_file(vocab_path);
    if (!vocab) {
        die(vocab.error().message + " (run scripts/fetch_oracles)");
    }
    const Clock::time_point t0 = Clock::now();
    gguf::File f;
    f.set("general.architecture", std::string("qwen2"));
    f.set("general.name", std::string("ruvllm-bench-qwen2.5-0.5b-shape"));
    f.set("general.file_type", static_cast<uint32_t>(15));  // LLAMA_FTYPE_MOSTLY_Q4_K_M
    f.set("qwen2.block_count", static_cast<uint32_t>(kLayers));
    f.set("qwen2.context_length", static_cast<uint32_t>(32768));
    f.set("qwen2.embedding_length", static_cast<uint32_t>(kE));
    f.set("qwen2.feed_forward_length", static_cast<uint32_t>(kF));
    f.set("qwen2.attention.head_count", static_cast<uint32_t>(kH));
    f.set("qwen2.attention.head_count_kv", static_cast<uint32_t>(kK));
    f.set("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
    f.set("qwen2.rope.freq_base", 1000000.0f);
    add_padded_vocab(f, *vocab, kVocabRows);

    ruvllm::Rng rng(20250705);
    const float amp = 0.02f * std::sqrt(3.0f);  // uniform with standard deviation 0.02
    std::vector<float> x;
    auto add = [&](const std::string& name,
                   std::vector<uint64_t> shape,
                   TensorType type,
                   float scale,
                   float offset) {
        size_t n = 1;
        for (const uint64_t d : shape) {
            n *= d;
        }
        x.resize(n);
        for (float& v : x) {
            v = offset + scale * (rng.uniform_f32() * 2 - 1);
        }
        ruvllm::Status s = f.add_tensor(name, std::move(shape), x, type);
        if (!s) {
            die(name + ": " + s.error().message);
        }
    };
    const uint64_t KD = kK * (kE / kH);
    add("token_embd.weight", {kE, kVocabRows}, TensorType::q8_0, amp, 0);
    for (uint64_t il = 0; il < kLayers; il++) {
        const std::string p = "blk." + std::to_string(il) + ".";
        const bool more = use_more_bits(il, kLayers);
        add(p + "attn_norm.weight", {kE}, TensorType::f32, 0.1f, 1.0f);
        add(p + "attn_q.weight", {kE, kE}, TensorType::q5_0, amp, 0);
        add(p + "attn_q.bias", {kE}, TensorType::f32, 0.1f, 0);
        add(p + "attn_k.weight", {kE, KD}, TensorType::q5_0, amp, 0);
        add(p + "attn_k.bias", {KD}, TensorType::f32, 0.1f, 0);
        add(p + "attn_v.weight", {kE, KD}, more ? TensorType::q8_0 : TensorType::q5_0, amp, 0);
        add(p + "attn_v.bias", {KD}, TensorType::f32, 0.1f, 0);
        add(p + "attn_output.weight", {kE, kE}, TensorType::q5_0, amp, 0);
        add(p + "ffn_norm.weight", {kE}, TensorType::f32, 0.1f, 1.0f);
        add(p + "ffn_gate.weight", {kE, kF}, TensorType::q5_0, amp, 0);
        add(p + "ffn_up.weight", {kE, kF}, TensorType::q5_0, amp, 0);
        add(p + "ffn_down.weight", {kF, kE}, more ? TensorType::q6_k : TensorType::q4_k, amp, 0);
    }
    add("output_norm.weight", {kE}, TensorType::f32, 0.1f, 1.0f);
    fs::create_directories(path.parent_path());
    ruvllm::Status s = gguf::write_file(f, path);
    if (!s) {
        die(s.error().message);
    }
    std::printf("model: wrote %s (%.0f MB) in %.1f s\n",
                path.c_str(),
                static_cast<double>(fs::file_size(path)) / 1e6,
                seconds_since(t0));
}

// 100 software-task sentences of 10 to 40 tokens, the same in every process.
std::vector<std::string> bench_texts() {
    const char* const verbs[] = {"Fix",
                                 "Refactor",
                                 "Add tests for",
                                 "Document",
                                 "Profile",
                                 "Review",
                                 "Migrate",
                                 "Debug",
                                 "Optimise",
                                 "Rewrite"};
    const char* const objects[] = {"the authentication middleware",
                                   "the flaky CI job on arm64",
                                   "the payment service's retry logic",
                                   "the GraphQL resolver for user profiles",
                                   "the Kubernetes deployment manifests",
                                   "the SQL query that lists overdue invoices",
                                   "the React component that renders the dashboard",
                                   "the Rust parser for config files",
                                   "the memory leak in the websocket handler",
                                   "the Terraform module for the staging VPC",
                                   "the Python data pipeline that ingests CSV exports"};
    const char* const tails[] = {" before Friday's release",
                                 " so that it handles timeouts and partial failures gracefully",
                                 " and make sure the p99 latency stays under 200 ms",
                                 " without breaking the public API or the existing clients",
                                 "; the logs show intermittent 502 errors since the last deploy",
                                 " and add a regression test that reproduces issue #4127",
                                 " using JWT tokens instead of server-side sessions",
                                 ", then open a pull request and ask the security team for a "
                                 "review of the changes to input validation"};
    const char* const contexts[] = {"",
                                    "",
                                    " The staging cluster runs Kubernetes 1.29.",
                                    " Keep the change small.",
                                    " Customers on the EU region are affected."};
    ruvllm::Rng rng(7);
    std::vector<std::string> out;
    for (int i = 0; i < 100; i++) {
        std::string s = verbs[rng.below(static_cast<uint32_t>(std::size(verbs)))];
        s += " ";
        s += objects[rng.below(static_cast<uint32_t>(std::size(objects)))];
        s += tails[rng.below(static_cast<uint32_t>(std::size(tails)))];
        s += ".";
        s += contexts[rng.below(static_cast<uint32_t>(std::size(contexts)))];
        out.push_back(std::move(s));
    }
    return out;
}

void write_floats(const fs::path& path, const std::vector<std::vector<float>>& rows) {
    std::ofstream out(path, std::ios::binary);
    for (const std::vector<float>& r : rows) {
        out.write(reinterpret_cast<const char*>(r.data()),
                  static_cast<std::streamsize>(r.size() * sizeof(float)));
    }
    if (!out) {
        die("cannot write " + path.string());
    }
}

std::vector<float> read_floats(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> v(bytes.size() / sizeof(float));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
    return v;
}

ruvllm::Qwen2Model load_ours(const fs::path& model) {
    ruvllm::Qwen2Options opts;
    opts.n_threads = kThreads;
    opts.normalize = false;  // raw pooled embeddings, as llama.cpp's
    ruvllm::Result<ruvllm::Qwen2Model> m = ruvllm::Qwen2Model::load(model, opts);
    if (!m) {
        die(m.error().message);
    }
    return std::move(*m);
}

void tokenize(const fs::path& model, const fs::path& ids_path) {
    const ruvllm::Qwen2Model m = load_ours(model);
    std::ofstream out(ids_path, std::ios::binary);
    size_t n = 0, lo = SIZE_MAX, hi = 0;
    for (const std::string& text : bench_texts()) {
        const std::vector<int32_t> ids = m.tokenize(text);
        const auto len = static_cast<int32_t>(ids.size());
        out.write(reinterpret_cast<const char*>(&len), sizeof(len));
        out.write(reinterpret_cast<const char*>(ids.data()),
                  static_cast<std::streamsize>(ids.size() * sizeof(int32_t)));
        n += ids.size();
        lo = std::min(lo, ids.size());
        hi = std::max(hi, ids.size());
    }
    std::printf("texts: %zu, %zu tokens (%zu to %zu per text)\n", bench_texts().size(), n, lo, hi);
}

std::vector<std::vector<int32_t>> read_ids(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::vector<int32_t>> out;
    int32_t len = 0;
    while (in.read(reinterpret_cast<char*>(&len), sizeof(len))) {
        std::vector<int32_t> ids(static_cast<size_t>(len));
        in.read(reinterpret_cast<char*>(ids.data()), static_cast<std::streamsize>(len * 4));
        out.push_back(std::move(ids));
    }
    if (out.empty()) {
        die("no token ids in " + path.string());
    }
    return out;
}

void report(const char* side, size_t texts, size_t tokens, double load_s, double embed_s) {
    std::printf("%s texts %zu tokens %zu load_s %.3f embed_s %.3f tokens_per_s %.1f\n",
                side,
                texts,
                tokens,
                load_s,
                embed_s,
                static_cast<double>(tokens) / embed_s);
}

void run_ours(const fs::path& model, const fs::path& out_path) {
    Clock::time_point t0 = Clock::now();
    const ruvllm::Qwen2Model m = load_ours(model);
    const double load_s = seconds_since(t0);
    const std::vector<std::string> texts = bench_texts();
    size_t tokens = 0;
    for (const std::string& t : texts) {
        tokens += m.tokenize(t).size();
    }
    std::vector<std::vector<float>> out(texts.size(), std::vector<float>(kE));
    t0 = Clock::now();
    for (size_t i = 0; i < texts.size(); i++) {
        m.embed(texts[i], out[i].data());
    }
    const double embed_s = seconds_since(t0);
    report("ours", texts.size(), tokens, load_s, embed_s);
    std::printf("  (kernels: %s)\n", ruvllm::qmm::isa_name(ruvllm::qmm::best_isa()));
    write_floats(out_path, out);
}

void run_llama(const fs::path& model, const fs::path& ids_path, const fs::path& out_path) {
    const std::vector<std::vector<int32_t>> ids = read_ids(ids_path);
    size_t tokens = 0;
    for (const auto& v : ids) {
        tokens += v.size();
    }
    ruvllm::test::LlamaEmbedder llama(static_cast<int32_t>(kE));
    if (!llama.error.empty()) {
        die("llama.cpp: " + llama.error);
    }
    Clock::time_point t0 = Clock::now();
    llama.embed(model, {}, 1);  // load, context, free
    const double load_s = seconds_since(t0);
    t0 = Clock::now();
    const std::vector<std::vector<float>> out = llama.embed(model, ids, 1);
    const double total_s = seconds_since(t0);
    if (out.size() != ids.size()) {
        die("llama.cpp returned no embeddings");
    }
    report("llama.cpp", ids.size(), tokens, load_s, total_s - load_s);
    write_floats(out_path, out);
}

void cosines(const fs::path& a_path, const fs::path& b_path) {
    const std::vector<float> a = read_floats(a_path), b = read_floats(b_path);
    if (a.size() != b.size() || a.empty() || a.size() % kE != 0) {
        die("embedding files differ in size");
    }
    const size_t n = a.size() / kE;
    auto cos = [&](const float* x, const float* y) {
        double xy = 0, xx = 0, yy = 0;
        for (size_t i = 0; i < kE; i++) {
            xy += double(x[i]) * y[i];
            xx += double(x[i]) * x[i];
            yy += double(y[i]) * y[i];
        }
        return xy / std::sqrt(xx * yy);
    };
    double lo = 1, sum = 0, other = -1;
    for (size_t i = 0; i < n; i++) {
        const double c = cos(&a[i * kE], &b[i * kE]);
        lo = std::min(lo, c);
        sum += c;
        other = std::max(other, cos(&a[i * kE], &b[((i + 1) % n) * kE]));
    }
    std::printf(
        "cosine ours vs llama.cpp: min %.6f mean %.6f over %zu texts (max %.4f between "
        "different texts)\n",
        lo,
        sum / static_cast<double>(n),
        n,
        other);
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 2 && a[0] == "--write") {
        write_model(a[1]);
    } else if (a.size() == 3 && a[0] == "--tokenize") {
        tokenize(a[1], a[2]);
    } else if (a.size() == 3 && a[0] == "--ours") {
        run_ours(a[1], a[2]);
    } else if (a.size() == 4 && a[0] == "--llama") {
        run_llama(a[1], a[2], a[3]);
    } else if (a.size() == 3 && a[0] == "--cosine") {
        cosines(a[1], a[2]);
    } else {
        std::fprintf(stderr,
                     "usage: qwen2_bench --write MODEL | --tokenize MODEL IDS | --ours MODEL OUT "
                     "| --llama MODEL IDS OUT | --cosine A B\n");
        return 2;
    }
    return 0;
}
