// sparse.cpp: the sparse n-gram stage and its blend with the embedding stage (see sparse.h).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_set>

#include <ruvllm/core/rng.h>
#include <ruvllm/core/text.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/router/sparse.h>

namespace ruvllm {

namespace {

constexpr uint32_t kMinBits = 8, kMaxBits = 26;
constexpr uint32_t kMaxN = 16;

Status check_config(const SparseConfig& c) {
    if (c.bits < kMinBits || c.bits > kMaxBits) {
        return make_error(Errc::invalid_argument,
                          "sparse: bits is " + std::to_string(c.bits) + ", expected 8..26");
    }
    if (c.word_ngrams < 1 || c.word_ngrams > 2) {
        return make_error(
            Errc::invalid_argument,
            "sparse: word_ngrams is " + std::to_string(c.word_ngrams) + ", expected 1 or 2");
    }
    if (c.minn > 0 && (c.maxn < c.minn || c.maxn > kMaxN)) {
        return make_error(Errc::invalid_argument,
                          "sparse: character n-grams " + std::to_string(c.minn) + ".." +
                              std::to_string(c.maxn) + ", expected minn <= maxn <= 16");
    }
    if (c.epochs < 1 || !(c.lr > 0.0f)) {
        return make_error(Errc::invalid_argument,
                          "sparse: epochs " + std::to_string(c.epochs) + " and lr " +
                              std::to_string(c.lr) + ", expected epochs >= 1 and lr > 0");
    }
    return ok();
}

// Softmax of v (n) into p; returns log of the normaliser relative to the max (for log p).
void softmax(const float* v, int n, float* p) {
    float mx = v[0];
    for (int i = 1; i < n; i++) {
        mx = std::max(mx, v[i]);
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
        p[i] = std::exp(v[i] - mx);
        sum += p[i];
    }
    for (int i = 0; i < n; i++) {
        p[i] = static_cast<float>(p[i] / sum);
    }
}

}  // namespace

void SparseModel::features(std::string_view text,
                           const SparseConfig& cfg,
                           std::vector<uint32_t>& out) {
    out.clear();
    thread_local std::vector<std::string> words;
    tokenize_words(text, words);
    const uint32_t mask = (uint32_t{1} << cfg.bits) - 1;
    uint64_t prev = 0;
    for (size_t i = 0; i < words.size(); i++) {
        const uint64_t h = fasttext_hash(words[i]);
        out.push_back(static_cast<uint32_t>(h) & mask);
        if (cfg.word_ngrams >= 2 && i > 0) {
            out.push_back(static_cast<uint32_t>(prev * 116049371ull + h) & mask);
        }
        if (cfg.minn > 0) {
            subword_buckets(
                words[i], static_cast<int>(cfg.minn), static_cast<int>(cfg.maxn), mask + 1, out);
        }
        prev = h;
    }
}

Result<SparseModel> SparseModel::make(SparseConfig cfg,
                                      int A,
                                      std::vector<uint32_t> buckets,
                                      std::vector<float> w,
                                      std::vector<float> b,
                                      float alpha) {
    auto bad = [](const std::string& what) {
        return make_error(Errc::format, "sparse stage: " + what);
    };
    if (Status s = check_config(cfg); !s) {
        return bad(s.error().message);
    }
    if (!(alpha >= 0.0f && alpha <= 1.0f)) {
        return bad("alpha is " + std::to_string(alpha) + ", expected 0..1");
    }
    for (size_t i = 0; i < buckets.size(); i++) {
        if (buckets[i] >> cfg.bits != 0) {
            return bad("bucket " + std::to_string(i) + " is " + std::to_string(buckets[i]) +
                       ", expected below 2^" + std::to_string(cfg.bits));
        }
        if (i > 0 && buckets[i] <= buckets[i - 1]) {
            return bad("buckets are not ascending at " + std::to_string(i));
        }
    }
    if (A < 2 || w.size() != buckets.size() * static_cast<size_t>(A) ||
        b.size() != static_cast<size_t>(A)) {
        return bad(std::to_string(w.size()) + " weights and " + std::to_string(b.size()) +
                   " biases for " + std::to_string(buckets.size()) + " buckets and " +
                   std::to_string(A) + " labels, expected buckets x labels and labels (>= 2)");
    }
    for (const std::vector<float>* v : {&w, &b}) {
        for (const float x : *v) {
            if (!std::isfinite(x)) {
                return bad("a weight is not finite");
            }
        }
    }
    SparseModel m;
    m.cfg_ = cfg;
    m.A_ = A;
    m.buckets_ = std::move(buckets);
    m.w_ = std::move(w);
    m.b_ = std::move(b);
    m.alpha_ = alpha;
    m.row_of_.assign(size_t{1} << cfg.bits, 0);
    for (size_t i = 0; i < m.buckets_.size(); i++) {
        m.row_of_[m.buckets_[i]] = static_cast<uint32_t>(i + 1);
    }
    return m;
}

void SparseModel::logits(std::string_view text, float* out) const {
    thread_local std::vector<uint32_t> F;
    features(text, cfg_, F);
    std::fill(out, out + A_, 0.0f);
    for (const uint32_t f : F) {
        const uint32_t r = row_of_[f];
        if (r == 0) {
            continue;  // an untrained bucket has weight 0 but still counts in |F|
        }
        const float* row = w_.data() + static_cast<size_t>(r - 1) * A_;
        for (int a = 0; a < A_; a++) {
            out[a] += row[a];
        }
    }
    const float inv = F.empty() ? 0.0f : 1.0f / static_cast<float>(F.size());
    for (int a = 0; a < A_; a++) {
        out[a] = b_[static_cast<size_t>(a)] + out[a] * inv;
    }
}

float sparse_forward(float* logits,
                     float* probs,
                     const float* W,
                     const float* b,
                     const uint32_t* F,
                     int nF,
                     int A,
                     int y) {
    std::fill(logits, logits + A, 0.0f);
    for (int i = 0; i < nF; i++) {
        const float* row = W + static_cast<size_t>(F[i]) * A;
        for (int a = 0; a < A; a++) {
            logits[a] += row[a];
        }
    }
    const float inv = nF > 0 ? 1.0f / static_cast<float>(nF) : 0.0f;
    for (int a = 0; a < A; a++) {
        logits[a] = b[a] + logits[a] * inv;
    }
    softmax(logits, A, probs);
    return -std::log(std::max(probs[y], 1e-30f));
}

void sparse_backward(float* dW,
                     float* db,
                     const float* probs,
                     const uint32_t* F,
                     int nF,
                     int A,
                     int y,
                     float scale) {
    const float inv = nF > 0 ? 1.0f / static_cast<float>(nF) : 0.0f;
    for (int a = 0; a < A; a++) {
        const float g = (probs[a] - (a == y ? 1.0f : 0.0f)) * scale;
        db[a] += g;
        for (int i = 0; i < nF; i++) {
            dW[static_cast<size_t>(F[i]) * A + a] += g * inv;
        }
    }
}

int sparse_epochs(const SparseConfig& cfg, size_t n) {
    constexpr uint64_t kMaxEpochs = 1000;
    if (cfg.min_steps == 0 || n == 0) {
        return cfg.epochs;
    }
    const uint64_t need = std::min<uint64_t>(kMaxEpochs, (cfg.min_steps + n - 1) / n);
    return std::max(cfg.epochs, static_cast<int>(need));
}

Result<SparseModel> train_sparse(const LabeledSet& data,
                                 const SparseConfig& asked,
                                 const Log& log) {
    SparseConfig cfg = asked;
    if (Status s = check_config(cfg); !s) {
        return s.error();
    }
    const int A = static_cast<int>(data.labels.size());
    // Each distinct (text, label) once: a dataset and its triplets repeat the same texts.
    std::vector<uint32_t> order;
    std::unordered_set<std::string> seen;
    for (uint32_t i = 0; i < data.rows.size(); i++) {
        const LabeledExample& ex = data.rows[i];
        if (ex.label >= 0 && ex.label < A &&
            seen.insert(std::to_string(ex.label) + '\t' + ex.text).second) {
            order.push_back(i);
        }
    }
    if (A < 2 || order.empty()) {
        return make_error(Errc::invalid_argument,
                          "sparse: no labelled example to train on (need at least 2 labels)");
    }
    cfg.epochs = sparse_epochs(cfg, order.size());
    // Features once per example.
    std::vector<std::vector<uint32_t>> feats(data.rows.size());
    std::vector<uint32_t> F;
    for (const uint32_t i : order) {
        SparseModel::features(data.rows[i].text, cfg, F);
        feats[i] = F;
    }
    const size_t n_buckets = size_t{1} << cfg.bits;
    std::vector<float> W(n_buckets * static_cast<size_t>(A), 0.0f);
    std::vector<float> b(static_cast<size_t>(A), 0.0f);
    std::vector<uint8_t> touched(n_buckets, 0);
    std::vector<float> logits(static_cast<size_t>(A)), probs(static_cast<size_t>(A));
    Rng rng(cfg.seed);
    const double total = static_cast<double>(cfg.epochs) * static_cast<double>(order.size());
    double step = 0;
    for (int e = 0; e < cfg.epochs; e++) {
        shuffle(order.begin(), static_cast<uint32_t>(order.size()), rng);
        double loss = 0;
        for (const uint32_t i : order) {
            const std::vector<uint32_t>& f = feats[i];
            const int y = data.rows[i].label;
            const int nF = static_cast<int>(f.size());
            loss +=
                sparse_forward(logits.data(), probs.data(), W.data(), b.data(), f.data(), nF, A, y);
            const auto lr = static_cast<float>(cfg.lr * (1.0 - step / total));
            step += 1;
            // SGD in place: the backward pass scaled by -lr, added straight into W and b.
            sparse_backward(W.data(), b.data(), probs.data(), f.data(), nF, A, y, -lr);
            for (const uint32_t k : f) {
                touched[k] = 1;
            }
        }
        log.count("sparse",
                  e + 1,
                  cfg.epochs,
                  "epochs",
                  strformat("loss %.4f", loss / static_cast<double>(order.size())));
    }
    std::vector<uint32_t> buckets;
    std::vector<float> w;
    for (size_t k = 0; k < n_buckets; k++) {
        if (touched[k] != 0) {
            buckets.push_back(static_cast<uint32_t>(k));
            w.insert(w.end(),
                     W.begin() + static_cast<ptrdiff_t>(k * A),
                     W.begin() + static_cast<ptrdiff_t>((k + 1) * A));
        }
    }
    return SparseModel::make(cfg, A, std::move(buckets), std::move(w), std::move(b), 1.0f);
}

void blend_probs(const float* cosines,
                 float tau,
                 const float* logits,
                 float alpha,
                 int A,
                 float* probs,
                 float temperature) {
    // log p and log q up to their (constant) normalisers, which cancel in the final softmax.
    float mc = cosines[0], ml = logits[0];
    for (int a = 1; a < A; a++) {
        mc = std::max(mc, cosines[a]);
        ml = std::max(ml, logits[a]);
    }
    double zc = 0, zl = 0;
    for (int a = 0; a < A; a++) {
        zc += std::exp((cosines[a] - mc) / tau);
        zl += std::exp((logits[a] - ml) / temperature);
    }
    const double lzc = std::log(zc), lzl = std::log(zl);
    for (int a = 0; a < A; a++) {
        const double lp = (cosines[a] - mc) / tau - lzc;
        const double lq = (logits[a] - ml) / temperature - lzl;
        probs[a] = static_cast<float>(alpha * lp + (1.0 - alpha) * lq);
    }
    softmax(probs, A, probs);
}

double blend_nll(const std::vector<float>& cosines,
                 float tau,
                 const std::vector<float>& logits,
                 const std::vector<int32_t>& labels,
                 int A,
                 float alpha,
                 float temperature) {
    std::vector<float> p(static_cast<size_t>(A));
    double nll = 0;
    for (size_t i = 0; i < labels.size(); i++) {
        blend_probs(
            cosines.data() + i * A, tau, logits.data() + i * A, alpha, A, p.data(), temperature);
        nll -= std::log(std::max(p[static_cast<size_t>(labels[i])], 1e-30f));
    }
    return labels.empty() ? 0.0 : nll / static_cast<double>(labels.size());
}

float fit_blend_alpha(const std::vector<float>& cosines,
                      float tau,
                      const std::vector<float>& logits,
                      const std::vector<int32_t>& labels,
                      int A) {
    float best = 1.0f;
    double best_nll = INFINITY;
    for (int k = 20; k >= 0; k--) {
        const float alpha = static_cast<float>(k) / 20.0f;
        const double nll = blend_nll(cosines, tau, logits, labels, A, alpha);
        if (nll < best_nll) {
            best_nll = nll;
            best = alpha;
        }
    }
    return best;
}

BlendFit fit_blend(const std::vector<float>& cosines,
                   float tau,
                   const std::vector<float>& logits,
                   const std::vector<int32_t>& labels,
                   int A) {
    BlendFit best;
    double best_nll = INFINITY;
    for (const float t : {1.0f, 0.5f, 2.0f, 0.25f, 4.0f, 8.0f}) {
        for (int k = 20; k >= 0; k--) {
            const float alpha = static_cast<float>(k) / 20.0f;
            const double nll = blend_nll(cosines, tau, logits, labels, A, alpha, t);
            if (nll < best_nll) {
                best_nll = nll;
                best = {alpha, t};
            }
        }
    }
    return best;
}

Status SparseModel::write_to(gguf::File& f, std::string_view name) const {
    if (empty()) {
        return ok();
    }
    const std::string key = "ruvllm.router." + std::string(name) + ".";
    const std::string tensor = "router." + std::string(name) + ".";
    f.set(key + "bits", cfg_.bits);
    f.set(key + "word_ngrams", cfg_.word_ngrams);
    f.set(key + "minn", cfg_.minn);
    f.set(key + "maxn", cfg_.maxn);
    f.set(key + "alpha", alpha_);
    if (temperature_ != 1.0f) {  // absent means 1: routers written before it are unchanged
        f.set(key + "temperature", temperature_);
    }
    f.set(key + "buckets", gguf::Array::of(buckets_));
    Status s = f.add_tensor(tensor + "weight",
                            {static_cast<uint64_t>(A_), static_cast<uint64_t>(buckets_.size())},
                            w_,
                            TensorType::f16);
    if (s) {
        s = f.add_tensor(tensor + "bias", {static_cast<uint64_t>(A_)}, b_);
    }
    return s;
}

Result<SparseModel> SparseModel::from_gguf(const gguf::File& f,
                                           int n_labels,
                                           std::string_view name) {
    const std::string key = "ruvllm.router." + std::string(name) + ".";
    const std::string tensor = "router." + std::string(name) + ".";
    if (f.find(key + "buckets") == nullptr) {
        return SparseModel{};
    }
    SparseConfig c;
    Result<uint32_t> bits = f.get<uint32_t>(key + "bits");
    Result<uint32_t> wn = f.get<uint32_t>(key + "word_ngrams");
    Result<uint32_t> minn = f.get<uint32_t>(key + "minn");
    Result<uint32_t> maxn = f.get<uint32_t>(key + "maxn");
    Result<float> alpha = f.get<float>(key + "alpha");
    Result<std::vector<uint32_t>> buckets = f.get<std::vector<uint32_t>>(key + "buckets");
    if (!bits || !wn || !minn || !maxn || !alpha || !buckets) {
        return make_error(Errc::format,
                          "gguf: " + key +
                              "{bits, word_ngrams, minn, maxn, alpha, buckets} missing or of the "
                              "wrong type");
    }
    c.bits = *bits;
    c.word_ngrams = *wn;
    c.minn = *minn;
    c.maxn = *maxn;
    const auto A = static_cast<uint64_t>(n_labels);
    const auto n = static_cast<uint64_t>(buckets->size());
    const gguf::TensorInfo* w = f.find_tensor(tensor + "weight");
    const gguf::TensorInfo* b = f.find_tensor(tensor + "bias");
    if (w == nullptr || b == nullptr || w->shape != std::vector<uint64_t>{A, n} ||
        b->shape != std::vector<uint64_t>{A}) {
        return make_error(Errc::format,
                          "gguf: tensors " + tensor + "weight {" + std::to_string(A) + ", " +
                              std::to_string(n) + "} and " + tensor + "bias {" + std::to_string(A) +
                              "} missing or of another shape");
    }
    Result<std::vector<float>> wv = f.finite_tensor_f32(*w);
    if (!wv) {
        return wv.error();
    }
    Result<std::vector<float>> bv = f.finite_tensor_f32(*b);
    if (!bv) {
        return bv.error();
    }
    Result<SparseModel> m =
        make(c, n_labels, std::move(*buckets), std::move(*wv), std::move(*bv), *alpha);
    if (!m) {
        return with_context(m.error(), "gguf: " + std::string(name));
    }
    if (f.find(key + "temperature") != nullptr) {
        Result<float> t = f.get<float>(key + "temperature");
        if (!t || !(*t >= 0.01f && *t <= 100.0f)) {
            return make_error(Errc::format,
                              "gguf: " + key + "temperature must be an f32 in 0.01..100");
        }
        m->set_temperature(*t);
    }
    return m;
}

}  // namespace ruvllm
