// qwen2_loader.cpp: reading a Qwen2 GGUF into a Qwen2Model (qwen2.h): the hyper-parameters,
// the checks of what we do not implement, the layer weights (kept encoded, or dequantised) with
// the options' LoRA, and layer_weights()'s F32 copies. The forward pass is qwen2.cpp's.
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "transformer/qwen2_internal.h"

namespace ruvllm {

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
    Result<std::vector<float>> v = f.finite_tensor_f32(**t);
    if (!v) {
        return with_context(v.error(), "qwen2");
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
        return with_context(s.error(), "qwen2: tensor '" + name + "'");
    }
    // Checked once at load: a NaN or infinite scale would make every embedding NaN.
    if (Status s = f.check_finite(t); !s) {
        return with_context(s.error(), "qwen2");
    }
    if (opts.weights == Qwen2Weights::f32) {
        Result<std::vector<float>> v = f.tensor_f32(t);
        if (!v) {
            return with_context(v.error(), "qwen2: tensor '" + name + "'");
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

}  // namespace

Result<Qwen2Model> Qwen2Model::load(const std::filesystem::path& path,
                                    const Qwen2Options& options) {
    Result<gguf::File> f = gguf::read_file(path);
    if (!f) {
        return f.error();
    }
    Result<Qwen2Model> m = from_gguf(*f, options);
    if (!m) {
        return with_context(m.error(), path.string());
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
            return with_context(s.error(), "qwen2");
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
    if (Status s = w->file->check_finite(*te); !s) {
        return with_context(s.error(), "qwen2");
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
        return with_context(tok.error(), "qwen2: tokenizer");
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

}  // namespace ruvllm
