// qwen2.cpp: the Qwen2 forward pass (qwen2.h). Shape letters: T tokens, E embedding size,
// F feed-forward size, H query heads, K kv heads, D head size, R rows / C cols of a matrix.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <ruvllm/core/team.h>
#include <ruvllm/transformer/qmatmul.h>
#include <ruvllm/transformer/qwen2.h>
#include <ruvllm/transformer/qwen2_ops.h>

namespace ruvllm {

namespace ops = qwen2_ops;

// A 2-D layer weight: its file encoding (or, with Qwen2Weights::f32, the dequantised copy in
// `owned`), and the LoRA applied to it at run time (if any).
struct Qwen2Mat {
    qmm::Matrix m;
    std::vector<float> owned;
    const LoraTensor* lora = nullptr;
    float lora_scale = 0.0f;
};

struct Qwen2Layer {
    std::vector<float> attn_norm, ffn_norm;  // (E)
    std::vector<float> bq, bk, bv;           // (E), (K D), (K D); zeros where the file has none
    Qwen2Mat wq, wk, wv, wo, gate, up, down;
};

struct Qwen2Model::Weights {
    std::shared_ptr<const gguf::File> file;  // holds the encoded weights (its memory map)
    std::shared_ptr<const LoraAdapter> adapter;
    gguf::TensorInfo token_embd;
    std::span<const uint8_t> token_embd_bytes;
    size_t token_row_bytes = 0;
    std::vector<float> output_norm;  // (E)
    std::vector<Qwen2Layer> layers;
};

namespace {

Error fmt_error(std::string msg) {
    return make_error(Errc::format, "qwen2: " + std::move(msg));
}

// An integer key of any integer type, or an error naming it.
Result<int64_t> get_int(const gguf::File& f, const std::string& key) {
    const gguf::Value* v = f.find(key);
    if (v == nullptr) {
        return fmt_error("key '" + key + "' not found, expected an integer");
    }
    if (const auto* x = std::get_if<uint32_t>(v)) {
        return static_cast<int64_t>(*x);
    }
    if (const auto* x = std::get_if<int32_t>(v)) {
        return static_cast<int64_t>(*x);
    }
    if (const auto* x = std::get_if<uint64_t>(v)) {
        return static_cast<int64_t>(*x);
    }
    if (const auto* x = std::get_if<int64_t>(v)) {
        return *x;
    }
    return fmt_error("key '" + key + "' is " + gguf::type_name(gguf::value_type(*v)) +
                     ", expected an integer");
}

Result<float> get_float(const gguf::File& f, const std::string& key, const float* fallback) {
    const gguf::Value* v = f.find(key);
    if (v == nullptr) {
        if (fallback != nullptr) {
            return *fallback;
        }
        return fmt_error("key '" + key + "' not found, expected a float");
    }
    if (const auto* x = std::get_if<float>(v)) {
        return *x;
    }
    if (const auto* x = std::get_if<double>(v)) {
        return static_cast<float>(*x);
    }
    return fmt_error("key '" + key + "' is " + gguf::type_name(gguf::value_type(*v)) +
                     ", expected f32");
}

// The tensor `name`, checked to have shape `shape` and a type quant.h decodes; null for an
// absent `optional` tensor.
Result<const gguf::TensorInfo*> find_tensor(const gguf::File& f,
                                            const std::string& name,
                                            const std::vector<uint64_t>& shape,
                                            bool optional = false) {
    const gguf::TensorInfo* t = f.find_tensor(name);
    if (t == nullptr) {
        if (optional) {
            return t;
        }
        return fmt_error("tensor '" + name + "' not found, expected shape " +
                         gguf::shape_str(shape));
    }
    if (t->shape != shape) {
        return fmt_error("tensor '" + name + "' has shape " + gguf::shape_str(t->shape) +
                         ", expected " + gguf::shape_str(shape));
    }
    if (quant::type_info(t->type).bytes == 0) {
        return make_error(Errc::unsupported,
                          "qwen2: tensor '" + name + "' has ggml type " +
                              std::to_string(static_cast<uint32_t>(t->type)) +
                              ", expected a type quant.h supports");
    }
    return t;
}

// The tensor `name` with shape `shape` as floats; `optional` tensors that are absent give {}.
Result<std::vector<float>> tensor(const gguf::File& f,
                                  const std::string& name,
                                  const std::vector<uint64_t>& shape,
                                  bool optional = false) {
    Result<const gguf::TensorInfo*> t = find_tensor(f, name, shape, optional);
    if (!t) {
        return t.error();
    }
    if (*t == nullptr) {
        return std::vector<float>{};
    }
    Result<std::vector<float>> v = f.tensor_f32(**t);
    if (!v) {
        return make_error(v.error().code, "qwen2: tensor '" + name + "': " + v.error().message);
    }
    return v;
}

// Keys that would change the computation in ways we do not implement: a head size other than
// E / H, partial RoPE, RoPE scaling (YaRN, linear).
Status check_unsupported(const gguf::File& f, const Qwen2Config& c) {
    for (const char* key : {"qwen2.attention.key_length",
                            "qwen2.attention.value_length",
                            "qwen2.rope.dimension_count"}) {
        if (f.find(key) == nullptr) {
            continue;
        }
        Result<int64_t> v = get_int(f, key);
        if (!v) {
            return v.error();
        }
        if (*v != c.head_dim()) {
            return make_error(Errc::unsupported,
                              "qwen2: " + std::string(key) + " is " + std::to_string(*v) +
                                  ", expected the head size " + std::to_string(c.head_dim()));
        }
    }
    if (f.find("qwen2.rope.scaling.type") != nullptr) {
        Result<std::string> t = f.get<std::string>("qwen2.rope.scaling.type");
        if (!t || *t != "none") {
            return make_error(Errc::unsupported,
                              "qwen2: qwen2.rope.scaling.type '" + (t ? *t : std::string("?")) +
                                  "' is not supported, expected 'none' or no key");
        }
    }
    return ok();
}

Result<Qwen2Config> read_config(const gguf::File& f) {
    Result<std::string> arch = f.get<std::string>("general.architecture");
    if (!arch) {
        return fmt_error("general.architecture missing, expected 'qwen2'");
    }
    if (*arch != "qwen2") {
        return make_error(
            Errc::unsupported,
            "qwen2: general.architecture '" + *arch + "' is not supported, expected 'qwen2'");
    }
    Qwen2Config c;
    const std::pair<const char*, int*> ints[] = {{"qwen2.block_count", &c.n_layer},
                                                 {"qwen2.embedding_length", &c.n_embd},
                                                 {"qwen2.feed_forward_length", &c.n_ff},
                                                 {"qwen2.attention.head_count", &c.n_head},
                                                 {"qwen2.context_length", &c.n_ctx}};
    for (const auto& [key, dst] : ints) {
        Result<int64_t> v = get_int(f, key);
        if (!v) {
            return v.error();
        }
        if (*v <= 0 || *v > (int64_t{1} << 24)) {
            return fmt_error(std::string(key) + " is " + std::to_string(*v) +
                             ", expected 1 to 2^24");
        }
        *dst = static_cast<int>(*v);
    }
    c.n_head_kv = c.n_head;
    if (f.find("qwen2.attention.head_count_kv") != nullptr) {
        Result<int64_t> v = get_int(f, "qwen2.attention.head_count_kv");
        if (!v) {
            return v.error();
        }
        if (*v <= 0 || *v > c.n_head || c.n_head % *v != 0) {
            return fmt_error("qwen2.attention.head_count_kv is " + std::to_string(*v) +
                             ", expected a divisor of head_count " + std::to_string(c.n_head));
        }
        c.n_head_kv = static_cast<int>(*v);
    }
    if (c.n_embd % c.n_head != 0 || c.head_dim() % 2 != 0) {
        return fmt_error("embedding_length " + std::to_string(c.n_embd) + " and head_count " +
                         std::to_string(c.n_head) + " give no even head size");
    }
    Result<float> eps = get_float(f, "qwen2.attention.layer_norm_rms_epsilon", nullptr);
    if (!eps) {
        return eps.error();
    }
    const float default_base = 10000.0f;
    Result<float> base = get_float(f, "qwen2.rope.freq_base", &default_base);
    if (!base) {
        return base.error();
    }
    if (!(*eps >= 0) || !(*base > 0)) {
        return fmt_error("layer_norm_rms_epsilon or rope.freq_base out of range");
    }
    c.rms_eps = *eps;
    c.rope_base = *base;
    Status extras = check_unsupported(f, c);
    if (!extras) {
        return extras.error();
    }
    return c;
}

// The 2-D weight `name` of shape {cols, rows}: encoded in the file (a view of `f`'s bytes) or
// dequantised (Qwen2Weights::f32), with the options' LoRA for it, if any.
Status read_matrix(const gguf::File& f,
                   const Qwen2Options& opts,
                   const std::string& name,
                   uint64_t cols,
                   uint64_t rows,
                   Qwen2Mat& out,
                   size_t& n_lora) {
    Result<const gguf::TensorInfo*> found = find_tensor(f, name, {cols, rows});
    if (!found) {
        return found.error();
    }
    const gguf::TensorInfo& t = **found;
    out.m = qmm::Matrix{
        t.type, f.tensor_bytes(t).data(), static_cast<int>(rows), static_cast<int>(cols)};
    if (Status s = qmm::check(out.m); !s) {
        return make_error(s.error().code, "qwen2: tensor '" + name + "': " + s.error().message);
    }
    if (opts.weights == Qwen2Weights::f32) {
        Result<std::vector<float>> v = f.tensor_f32(t);
        if (!v) {
            return make_error(v.error().code, "qwen2: tensor '" + name + "': " + v.error().message);
        }
        out.owned = std::move(*v);
        out.m = qmm::Matrix{TensorType::f32,
                            reinterpret_cast<const uint8_t*>(out.owned.data()),
                            static_cast<int>(rows),
                            static_cast<int>(cols)};
    }
    if (const LoraTensor* lt = opts.adapter ? opts.adapter->find(name) : nullptr) {
        out.lora = lt;
        out.lora_scale = lora_scale(opts.adapter->alpha, lt->rank, opts.adapter_scale);
        n_lora++;
    }
    return ok();
}

// Reads layer `il` of `f` (the model's own copy: the matrices point into it); counts the
// LoRA targets found.
Status read_layer(const gguf::File& f,
                  const Qwen2Config& c,
                  const Qwen2Options& opts,
                  int il,
                  Qwen2Layer& L,
                  size_t& n_lora) {
    const auto E = static_cast<uint64_t>(c.n_embd);
    const auto F = static_cast<uint64_t>(c.n_ff);
    const auto KD = static_cast<uint64_t>(c.n_head_kv * c.head_dim());
    const std::string p = "blk." + std::to_string(il) + ".";

    struct Vec {
        const char* name;
        uint64_t n;
        std::vector<float>* dst;
        bool optional;
    };

    const Vec vecs[] = {{"attn_norm.weight", E, &L.attn_norm, false},
                        {"attn_q.bias", E, &L.bq, true},
                        {"attn_k.bias", KD, &L.bk, true},
                        {"attn_v.bias", KD, &L.bv, true},
                        {"ffn_norm.weight", E, &L.ffn_norm, false}};
    for (const Vec& v : vecs) {
        Result<std::vector<float>> t = tensor(f, p + v.name, {v.n}, v.optional);
        if (!t) {
            return t.error();
        }
        *v.dst = t->empty() ? std::vector<float>(v.n, 0.0f) : std::move(*t);
    }

    struct Mat {
        const char* name;
        uint64_t cols, rows;
        Qwen2Mat* dst;
    };

    const Mat mats[] = {{"attn_q.weight", E, E, &L.wq},
                        {"attn_k.weight", E, KD, &L.wk},
                        {"attn_v.weight", E, KD, &L.wv},
                        {"attn_output.weight", E, E, &L.wo},
                        {"ffn_gate.weight", E, F, &L.gate},
                        {"ffn_up.weight", E, F, &L.up},
                        {"ffn_down.weight", F, E, &L.down}};
    for (const Mat& m : mats) {
        Status s = read_matrix(f, opts, p + m.name, m.cols, m.rows, *m.dst, n_lora);
        if (!s) {
            return s;
        }
    }
    return ok();
}

// W as F32 (R, C) with its LoRA folded in: W + s B A.
std::vector<float> dense(const Qwen2Mat& w) {
    const auto n = static_cast<size_t>(w.m.rows) * static_cast<size_t>(w.m.cols);
    std::vector<float> out(n);
    Status s = quant::dequantize(w.m.type, w.m.data, out.data(), static_cast<int64_t>(n));
    RUVLLM_ASSERT(s.ok());
    if (w.lora != nullptr) {
        apply_lora(*w.lora, w.lora_scale, out.data(), w.m.rows, w.m.cols);
    }
    return out;
}

// out (T, R) = x (T, C) W^T + bias, then += s B (A x) for W's LoRA (as llama.cpp applies an
// adapter: at run time, in F32).
void matmul(const Qwen2Mat& w, qmm::Activations& x, const float* bias, float* out, Team& team) {
    qmm::matmul(w.m, x, bias, out, &team);
    if (w.lora == nullptr) {
        return;
    }
    const LoraTensor& t = *w.lora;
    std::vector<float> u(static_cast<size_t>(x.rows()) * t.rank);
    ops::lora_forward(out,
                      u.data(),
                      x.f32(),
                      t.a.data(),
                      t.b.data(),
                      x.rows(),
                      x.cols(),
                      w.m.rows,
                      t.rank,
                      w.lora_scale,
                      &team);
}

}  // namespace

void rope_neox(float* v, int d, int pos, float base) {
    std::vector<float> c(static_cast<size_t>(d / 2)), s(static_cast<size_t>(d / 2));
    ops::rope_table(c.data(), s.data(), &pos, 1, d, base);
    ops::rope_forward(v, c.data(), s.data(), 1, 1, d);
}

Result<Qwen2Model> Qwen2Model::load(const std::filesystem::path& path,
                                    const Qwen2Options& options) {
    Result<gguf::File> f = gguf::read_file(path);
    if (!f) {
        return f.error();
    }
    Result<Qwen2Model> m = from_gguf(*f, options);
    if (!m) {
        return make_error(m.error().code, path.string() + ": " + m.error().message);
    }
    return m;
}

Result<Qwen2Model> Qwen2Model::from_gguf(const gguf::File& file, const Qwen2Options& options) {
    if (options.n_threads < 1 || options.max_tokens < 0) {
        return make_error(Errc::invalid_argument,
                          "qwen2: n_threads must be >= 1 and max_tokens >= 0");
    }
    Result<Qwen2Config> cfg = read_config(file);
    if (!cfg) {
        return cfg.error();
    }
    if (options.adapter) {
        Status s = validate_lora(*options.adapter);
        if (s) {
            s = check_lora_base(file, *options.adapter);
        }
        if (!s) {
            return make_error(s.error().code, "qwen2: " + s.error().message);
        }
        if (!std::isfinite(options.adapter_scale)) {
            return make_error(Errc::invalid_argument, "qwen2: adapter_scale is not finite");
        }
    }
    auto w = std::make_shared<Weights>();
    w->file = std::make_shared<const gguf::File>(file);  // shares the mapping of a mapped file
    w->adapter = options.adapter;
    const gguf::TensorInfo* te = w->file->find_tensor("token_embd.weight");
    if (te == nullptr) {
        return fmt_error("tensor 'token_embd.weight' not found");
    }
    if (te->shape.size() != 2 || te->shape[0] != static_cast<uint64_t>(cfg->n_embd) ||
        te->shape[1] == 0 || te->shape[1] > (uint64_t{1} << 24)) {
        return fmt_error("tensor 'token_embd.weight' has shape " + gguf::shape_str(te->shape) +
                         ", expected {" + std::to_string(cfg->n_embd) + ", n_vocab}");
    }
    if (quant::type_info(te->type).bytes == 0) {
        return make_error(Errc::unsupported,
                          "qwen2: tensor 'token_embd.weight' has a ggml type "
                          "quant.h does not support");
    }
    w->token_embd = *te;
    w->token_embd_bytes = w->file->tensor_bytes(*te);
    w->token_row_bytes = quant::row_size(te->type, cfg->n_embd);
    cfg->n_vocab = static_cast<int>(te->shape[1]);

    Result<std::vector<float>> on =
        tensor(file, "output_norm.weight", {static_cast<uint64_t>(cfg->n_embd)});
    if (!on) {
        return on.error();
    }
    w->output_norm = std::move(*on);
    w->layers.resize(static_cast<size_t>(cfg->n_layer));
    size_t n_lora = 0;
    for (int il = 0; il < cfg->n_layer; il++) {
        Status s =
            read_layer(*w->file, *cfg, options, il, w->layers[static_cast<size_t>(il)], n_lora);
        if (!s) {
            return s.error();
        }
    }
    if (options.adapter && n_lora != options.adapter->tensors.size()) {
        for (const LoraTensor& t : options.adapter->tensors) {
            const std::string& n = t.base_name;
            if (n.rfind("blk.", 0) != 0) {
                return make_error(Errc::invalid_argument,
                                  "qwen2: LoRA target '" + n +
                                      "' is not a layer weight, expected blk.N.attn_q/k/v/"
                                      "output or ffn_gate/up/down .weight");
            }
        }
        return make_error(Errc::invalid_argument,
                          "qwen2: " + std::to_string(options.adapter->tensors.size() - n_lora) +
                              " LoRA targets are not layer weights");
    }
    Result<BpeTokenizer> tok = BpeTokenizer::from_gguf(file);
    if (!tok) {
        return make_error(tok.error().code, "qwen2: tokenizer: " + tok.error().message);
    }
    if (tok->n_vocab() > cfg->n_vocab) {
        return fmt_error("the tokenizer has " + std::to_string(tok->n_vocab()) +
                         " tokens, expected at most the " + std::to_string(cfg->n_vocab) +
                         " rows of token_embd.weight");
    }
    Qwen2Model m;
    m.cfg_ = *cfg;
    m.opts_ = options;
    m.tok_ = std::make_shared<const BpeTokenizer>(std::move(*tok));
    m.w_ = std::move(w);
    return m;
}

std::vector<int32_t> Qwen2Model::tokenize(std::string_view text) const {
    std::vector<int32_t> ids = tok_->encode(text, true, false);
    size_t limit = static_cast<size_t>(cfg_.n_ctx);
    if (opts_.max_tokens > 0) {
        limit = std::min(limit, static_cast<size_t>(opts_.max_tokens));
    }
    if (ids.size() > limit) {
        ids.resize(limit);
    }
    return ids;
}

Result<std::vector<float>> Qwen2Model::forward(std::span<const int32_t> ids) const {
    Result<std::vector<float>> x = forward_layers(ids, cfg_.n_layer);
    if (!x) {
        return x;
    }
    const int T = static_cast<int>(ids.size());
    std::vector<float> n(x->size());
    ops::rmsnorm_forward(
        n.data(), nullptr, x->data(), w_->output_norm.data(), T, cfg_.n_embd, cfg_.rms_eps);
    return n;
}

Result<Qwen2LayerWeights> Qwen2Model::layer_weights(int il) const {
    if (il < 0 || il >= cfg_.n_layer) {
        return make_error(Errc::invalid_argument,
                          "qwen2: layer " + std::to_string(il) + ", expected 0 to " +
                              std::to_string(cfg_.n_layer - 1));
    }
    const Qwen2Layer& L = w_->layers[static_cast<size_t>(il)];
    Qwen2LayerWeights out;
    out.attn_norm = L.attn_norm;
    out.ffn_norm = L.ffn_norm;
    out.bq = L.bq;
    out.bk = L.bk;
    out.bv = L.bv;
    out.wq = dense(L.wq);
    out.wk = dense(L.wk);
    out.wv = dense(L.wv);
    out.wo = dense(L.wo);
    out.gate = dense(L.gate);
    out.up = dense(L.up);
    out.down = dense(L.down);
    return out;
}

const std::vector<float>& Qwen2Model::output_norm() const {
    return w_->output_norm;
}

const gguf::File& Qwen2Model::file() const {
    return *w_->file;
}

Result<std::vector<float>> Qwen2Model::forward_layers(std::span<const int32_t> ids,
                                                      int n_layers) const {
    const std::vector<int> starts(ids.size(), 0);
    return forward_packed(ids, starts, n_layers);
}

Result<std::vector<float>> Qwen2Model::forward_packed(std::span<const int32_t> ids,
                                                      std::span<const int> seq_start,
                                                      int n_layers) const {
    const int T = static_cast<int>(ids.size());
    RUVLLM_ASSERT(seq_start.size() == ids.size());
    const int E = cfg_.n_embd, F = cfg_.n_ff, H = cfg_.n_head, K = cfg_.n_head_kv;
    const int D = cfg_.head_dim();
    const int KD = K * D;
    if (n_layers < 0 || n_layers > cfg_.n_layer) {
        return make_error(Errc::invalid_argument,
                          "qwen2: " + std::to_string(n_layers) + " layers, expected 0 to " +
                              std::to_string(cfg_.n_layer));
    }
    for (int t = 0; t < T; t++) {
        const int st = seq_start[static_cast<size_t>(t)];
        if (st < 0 || st > t || t - st >= cfg_.n_ctx) {
            return make_error(Errc::invalid_argument,
                              "qwen2: a sequence longer than context_length " +
                                  std::to_string(cfg_.n_ctx) + " tokens, or a bad packing");
        }
    }
    const size_t TE = static_cast<size_t>(T) * E;
    std::vector<float> x(TE);
    for (int t = 0; t < T; t++) {
        const int32_t id = ids[static_cast<size_t>(t)];
        if (id < 0 || id >= cfg_.n_vocab) {
            return make_error(Errc::invalid_argument,
                              "qwen2: token id " + std::to_string(id) + " at " + std::to_string(t) +
                                  ", expected 0 to " + std::to_string(cfg_.n_vocab - 1));
        }
        const uint8_t* row = w_->token_embd_bytes.data() + w_->token_row_bytes * id;
        Status s = quant::dequantize(w_->token_embd.type, row, x.data() + size_t(t) * E, E);
        RUVLLM_ASSERT(s.ok());
    }
    // RoPE's angles at each token's position in its sequence, computed once for every layer
    // and head.
    std::vector<int> pos(static_cast<size_t>(T));
    for (int t = 0; t < T; t++) {
        pos[static_cast<size_t>(t)] = t - seq_start[static_cast<size_t>(t)];
    }
    std::vector<float> rope_cos(size_t(T) * D / 2), rope_sin(size_t(T) * D / 2);
    ops::rope_table(rope_cos.data(), rope_sin.data(), pos.data(), T, D, cfg_.rope_base);
    // This call's threads, reused by every product (none to start for an empty input).
    Team team(T > 0 && n_layers > 0 ? opts_.n_threads : 1);
    qmm::Activations act;
    std::vector<float> n(TE), q(TE), k(size_t(T) * KD), v(size_t(T) * KD), a(TE), o(TE);
    std::vector<float> g(size_t(T) * F), u(size_t(T) * F);
    for (int il = 0; il < n_layers; il++) {
        const Qwen2Layer& L = w_->layers[static_cast<size_t>(il)];
        ops::rmsnorm_forward(n.data(), nullptr, x.data(), L.attn_norm.data(), T, E, cfg_.rms_eps);
        act.reset(n.data(), T, E);
        matmul(L.wq, act, L.bq.data(), q.data(), team);
        matmul(L.wk, act, L.bk.data(), k.data(), team);
        matmul(L.wv, act, L.bv.data(), v.data(), team);
        ops::rope_forward(q.data(), rope_cos.data(), rope_sin.data(), T, H, D);
        ops::rope_forward(k.data(), rope_cos.data(), rope_sin.data(), T, K, D);
        team.run([&](int i) {  // heads split over the team (each head is one thread's)
            ops::attention_forward(a.data(),
                                   q.data(),
                                   k.data(),
                                   v.data(),
                                   seq_start.data(),
                                   T,
                                   H,
                                   K,
                                   D,
                                   i,
                                   team.size());
        });
        act.reset(a.data(), T, E);
        matmul(L.wo, act, nullptr, o.data(), team);
        for (size_t i = 0; i < TE; i++) {
            x[i] += o[i];
        }
        ops::rmsnorm_forward(n.data(), nullptr, x.data(), L.ffn_norm.data(), T, E, cfg_.rms_eps);
        act.reset(n.data(), T, E);
        matmul(L.gate, act, nullptr, g.data(), team);
        matmul(L.up, act, nullptr, u.data(), team);
        team.run([&](int i) {
            const size_t n_team = static_cast<size_t>(team.size());
            const size_t i0 = g.size() * i / n_team, i1 = g.size() * (i + 1) / n_team;
            ops::swiglu_forward(g.data() + i0, g.data() + i0, u.data() + i0, i1 - i0);
        });
        act.reset(g.data(), T, F);
        matmul(L.down, act, nullptr, o.data(), team);
        for (size_t i = 0; i < TE; i++) {
            x[i] += o[i];
        }
    }
    return x;
}

void Qwen2Model::pool(std::span<const float> hidden, float* out) const {
    const int E = cfg_.n_embd;
    const auto T = static_cast<int>(hidden.size() / static_cast<size_t>(E));
    ops::pool_forward(out, nullptr, hidden.data(), T, E, opts_.pooling, opts_.normalize);
}

void Qwen2Model::embed_many(const std::vector<std::string>& texts,
                            float* out,
                            int max_pass_tokens) const {
    const size_t E = static_cast<size_t>(cfg_.n_embd);
    size_t i = 0;
    while (i < texts.size()) {
        // Pack texts i..j-1 into one pass of at most max_pass_tokens tokens (at least one text).
        std::vector<int32_t> ids;
        std::vector<int> starts;
        std::vector<size_t> bounds = {0};
        size_t j = i;
        while (j < texts.size()) {
            std::vector<int32_t> t = tokenize(texts[j]);
            if (j > i && ids.size() + t.size() > static_cast<size_t>(max_pass_tokens)) {
                break;
            }
            const int st = static_cast<int>(ids.size());
            ids.insert(ids.end(), t.begin(), t.end());
            starts.insert(starts.end(), t.size(), st);
            bounds.push_back(ids.size());
            j++;
        }
        Result<std::vector<float>> x = forward_packed(ids, starts, cfg_.n_layer);
        RUVLLM_ASSERT(x.ok());  // tokenize() keeps ids in range and each text within n_ctx
        std::vector<float> h(x->size());
        ops::rmsnorm_forward(h.data(),
                             nullptr,
                             x->data(),
                             w_->output_norm.data(),
                             static_cast<int>(ids.size()),
                             cfg_.n_embd,
                             cfg_.rms_eps);
        for (size_t k = i; k < j; k++) {
            const size_t b0 = bounds[k - i], b1 = bounds[k - i + 1];
            pool(std::span<const float>(h.data() + b0 * E, (b1 - b0) * E), out + k * E);
        }
        i = j;
    }
}

void Qwen2Model::embed(std::string_view text, float* out) const {
    const std::vector<int32_t> ids = tokenize(text);
    Result<std::vector<float>> h = forward(ids);
    RUVLLM_ASSERT(h.ok());  // tokenize() keeps ids in range and within n_ctx
    pool(*h, out);
}

}  // namespace ruvllm
