// model.cpp: the router model's forward pass and its GGUF file (see model.h).
#include <cmath>
#include <set>
#include <string_view>

#include <ruvllm/core/text.h>
#include <ruvllm/embed/pool.h>
#include <ruvllm/formats/quant.h>
#include <ruvllm/nn/loss.h>
#include <ruvllm/router/model.h>

namespace ruvllm {

int argmax(const float* v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
        if (v[i] > v[best]) {
            best = i;
        }
    }
    return best;
}

namespace {

// W near-identity (padded or truncated) plus small noise, b = 0, prototypes random: the head
// begins as the base embedding itself, which already separates many tasks.
void init_head(RouterModel& m, Rng& rng) {
    const int D = m.D(), E = m.E;
    m.w.assign(static_cast<size_t>(E) * D, 0.0f);
    m.b.assign(static_cast<size_t>(E), 0.0f);
    const float noise = 0.01f;
    for (int e = 0; e < E; e++) {
        for (int d = 0; d < D; d++) {
            m.w[static_cast<size_t>(e) * D + d] =
                (e == d ? 1.0f : 0.0f) + noise * (2 * rng.uniform_f32() - 1);
        }
    }
    m.protos.assign(static_cast<size_t>(m.A()) * E, 0.0f);
    for (float& p : m.protos) {
        p = 2 * rng.uniform_f32() - 1;
    }
}

}  // namespace

RouterModel RouterModel::init(std::shared_ptr<const Base> base,
                              std::vector<std::string> labels,
                              int E,
                              Rng& rng) {
    RUVLLM_ASSERT(base != nullptr);
    RouterModel m;
    m.base = std::move(base);
    m.E = E;
    m.labels = std::move(labels);
    init_head(m, rng);
    return m;
}

void RouterModel::embed(std::string_view text, float* z) const {
    const int D = this->D();
    // Reused per thread: routing one task allocates nothing.
    thread_local std::vector<float> x, h;
    x.resize(static_cast<size_t>(D));
    h.resize(static_cast<size_t>(E));
    base->embed(text, x.data());
    linear_forward(h.data(), x.data(), w.data(), b.data(), 1, D, E);
    float r = 0;
    l2norm_forward(z, &r, h.data(), 1, E);
}

void RouterModel::scores(std::string_view text, float* out) const {
    thread_local std::vector<float> z;
    z.resize(static_cast<size_t>(E));
    embed(text, z.data());
    scores_from_z(z.data(), out);
}

void RouterModel::scores_from_z(const float* z, float* out) const {
    for (int a = 0; a < A(); a++) {
        const float* p = protos.data() + static_cast<size_t>(a) * E;
        double dot = 0, nn = 0;
        for (int e = 0; e < E; e++) {
            dot += static_cast<double>(z[e]) * p[e];
            nn += static_cast<double>(p[e]) * p[e];
        }
        out[a] = nn > 0 ? static_cast<float>(dot / std::sqrt(nn)) : 0.0f;
    }
}

int RouterModel::predict(std::string_view text) const {
    std::vector<float> s(static_cast<size_t>(A()));
    scores(text, s.data());
    return argmax(s.data(), A());
}

int RouterModel::label_index(std::string_view label) const {
    for (int a = 0; a < A(); a++) {
        if (labels[static_cast<size_t>(a)] == label) {
            return a;
        }
    }
    return -1;
}

Result<gguf::File> RouterModel::to_gguf(TensorType storage) const {
    gguf::File f;
    f.set("general.architecture", std::string("ruvllm"));
    f.set("general.name", std::string("ruvllm router"));
    f.set("ruvllm.kind", std::string("router"));
    f.set("ruvllm.router.labels", gguf::Array::of(labels));
    f.set("ruvllm.router.dim", static_cast<uint32_t>(E));
    f.set("ruvllm.router.tau", tau);
    for (const auto& [k, v] : info) {
        f.set(k, v);
    }
    if (!keywords.empty()) {
        keywords.write_to(f);
    }
    const auto D64 = static_cast<uint64_t>(D());
    const auto E64 = static_cast<uint64_t>(E);
    Status s = heads.write_to(f);
    if (s) {
        s = sparse.write_to(f);
    }
    if (s) {
        s = base->write_to(f, storage);
    }
    if (s) {
        s = f.add_tensor("router.proj.weight", {D64, E64}, w);
    }
    if (s) {
        s = f.add_tensor("router.proj.bias", {E64}, b);
    }
    if (s) {
        s = f.add_tensor("router.prototypes", {E64, static_cast<uint64_t>(A())}, protos);
    }
    if (!s) {
        return s.error();
    }
    return f;
}

Status RouterModel::save(const std::filesystem::path& path, TensorType storage) const {
    Result<gguf::File> f = to_gguf(storage);
    if (!f) {
        return with_context(f.error(), path.string());
    }
    return gguf::write_file(*f, path);
}

Status check_labels(const std::vector<std::string>& labels, const std::string& where) {
    if (labels.size() < 2 || labels.size() > 65536) {
        return make_error(
            Errc::format,
            where + ": " + std::to_string(labels.size()) + " labels, expected 2 to 65536");
    }
    std::set<std::string_view> seen;
    for (size_t i = 0; i < labels.size(); i++) {
        const std::string& l = labels[i];
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (l.empty() || l.size() > 256) {
            return make_error(
                Errc::format,
                at + " has " + std::to_string(l.size()) + " bytes, expected 1 to 256");
        }
        if (const size_t bad = utf8_invalid_at(l); bad != std::string_view::npos) {
            return make_error(Errc::format,
                              at + " is not valid UTF-8 at byte " + std::to_string(bad));
        }
        if (!seen.insert(l).second) {
            return make_error(Errc::format, at + " repeats the label '" + l + "'");
        }
    }
    return ok();
}

Result<RouterModel> RouterModel::from_gguf(const gguf::File& f, const std::filesystem::path& path) {
    Result<std::string> kind = f.get<std::string>("ruvllm.kind");
    if (!kind || *kind != "router") {
        return make_error(Errc::format,
                          "gguf: not a ruvllm router model (ruvllm.kind is '" +
                              (kind ? *kind : std::string("absent")) + "'), expected 'router'");
    }
    Result<std::shared_ptr<const Base>> base = open_base(f, path);
    if (!base) {
        return base.error();
    }
    Result<std::vector<std::string>> labels =
        f.get<std::vector<std::string>>("ruvllm.router.labels");
    Result<uint32_t> E = f.get<uint32_t>("ruvllm.router.dim");
    Result<float> tau = f.get<float>("ruvllm.router.tau");
    if (!labels || !E || !tau) {
        return make_error(
            Errc::format,
            !labels ? labels.error().message : (!E ? E.error().message : tau.error().message));
    }
    if (!std::isfinite(*tau) || !(*tau > 0) || *tau > 100) {
        return bad_setting(
            "gguf: ruvllm.router.tau", *tau, "a finite temperature in (0, 100]", Errc::format);
    }
    if (*E < 1 || *E > 4096) {
        return bad_setting("gguf: ruvllm.router.dim", *E, "1-4096", Errc::format);
    }
    if (Status s = check_labels(*labels, "gguf: ruvllm.router.labels"); !s) {
        return s.error();
    }
    RouterModel m;
    m.base = std::move(*base);
    m.E = static_cast<int>(*E);
    m.labels = std::move(*labels);
    m.tau = *tau;
    const auto D = static_cast<uint64_t>(m.D());
    const auto E64 = static_cast<uint64_t>(m.E);

    const struct {
        const char* name;
        std::vector<uint64_t> shape;
        std::vector<float>* dst;
    } tensors[] = {
        {"router.proj.weight", {D, E64}, &m.w},
        {"router.proj.bias", {E64}, &m.b},
        {"router.prototypes", {E64, static_cast<uint64_t>(m.A())}, &m.protos},
    };

    for (const auto& t : tensors) {
        const gguf::TensorInfo* ti = f.find_tensor(t.name);
        if (ti == nullptr || ti->shape != t.shape) {
            return make_error(
                Errc::format,
                std::string("gguf: tensor '") + t.name + "' is missing or has the wrong shape");
        }
        Result<std::vector<float>> v = f.finite_tensor_f32(*ti);
        if (!v) {
            return v.error();
        }
        *t.dst = std::move(*v);
    }
    Result<KeywordStage> kw = KeywordStage::from_gguf(f, m.A());
    if (!kw) {
        return kw.error();
    }
    m.keywords = std::move(*kw);
    Result<Heads> heads = Heads::from_gguf(f, m.E);
    if (!heads) {
        return heads.error();
    }
    m.heads = std::move(*heads);
    Result<SparseModel> sparse = SparseModel::from_gguf(f, m.A());
    if (!sparse) {
        return sparse.error();
    }
    m.sparse = std::move(*sparse);
    for (const auto& [k, v] : f.metadata()) {
        if (k.rfind("ruvllm.train.", 0) == 0 || k.rfind("ruvllm.metrics.", 0) == 0 ||
            k.rfind("ruvllm.grpo.", 0) == 0) {
            m.info.emplace_back(k, v);
        }
    }
    return m;
}

Result<RouterModel> RouterModel::load(const std::filesystem::path& path) {
    Result<gguf::File> f = gguf::read_file(path);
    if (!f) {
        return f.error();
    }
    Result<RouterModel> m = from_gguf(*f, path);
    if (!m) {
        return with_context(m.error(), path.string());
    }
    return m;
}

Result<QuantizeSummary> quantize_router(const QuantizeJob& job, const Log& log) {
    TensorType type{};
    if (!quant::parse_type(job.type, type)) {
        return make_error(Errc::invalid_argument,
                          "--type '" + job.type +
                              "', expected f32, f16, bf16, q8_0, q5_0, q5_1, "
                              "q4_0, q4_1, q4_k, q5_k or q6_k");
    }
    Result<RouterModel> m = RouterModel::load(job.model);
    if (!m) {
        return m.error();
    }
    // The base says which type its stored rows can take (K types fall back as llama.cpp's
    // quantiser does), or that it stores none.
    Result<TensorType> fits = m->base->storage_type(type);
    if (!fits) {
        return with_context(fits.error(), job.model.string());
    }
    if (*fits != type) {
        log.say(strformat("quantize: rows of %d are not a multiple of %u for %s; using %s",
                          m->D(),
                          quant::type_info(type).block,
                          std::string(quant::type_info(type).name).c_str(),
                          std::string(quant::type_info(*fits).name).c_str()));
        type = *fits;
    }
    if (Status s = m->save(job.out, type); !s) {
        return s.error();
    }
    std::error_code ec;
    QuantizeSummary sum;
    sum.type = type;
    sum.bytes_in = std::filesystem::file_size(job.model, ec);
    sum.bytes_out = std::filesystem::file_size(job.out, ec);
    log.say(strformat("quantize: %s (%.1f MiB) -> %s (%.1f MiB, rows %s)",
                      job.model.string().c_str(),
                      static_cast<double>(sum.bytes_in) / (1 << 20),
                      job.out.string().c_str(),
                      static_cast<double>(sum.bytes_out) / (1 << 20),
                      std::string(quant::type_info(type).name).c_str()));
    return sum;
}

}  // namespace ruvllm
