// subword.cpp: the subword base embedding (see subword.h).
#include <cmath>
#include <cstring>
#include <span>

#include <ruvllm/core/text.h>
#include <ruvllm/embed/pool.h>
#include <ruvllm/embed/subword.h>
#include <ruvllm/nn/loss.h>

namespace ruvllm {

SubwordBase::SubwordBase(SubwordConfig cfg, std::vector<std::string> words, std::vector<float> rows)
    : cfg_(cfg), words_(std::move(words)), rows_(std::move(rows)) {
    RUVLLM_ASSERT(rows_.size() == (words_.size() + cfg_.bucket) * static_cast<size_t>(cfg_.dim));
    build_index();
}

void SubwordBase::build_index() {
    index_.reserve(words_.size());
    for (size_t i = 0; i < words_.size(); i++) {
        index_.emplace(words_[i], static_cast<uint32_t>(i));
    }
}

const std::vector<float>& SubwordBase::rows() const {
    if (rows_.empty() && raw_ != nullptr) {
        const size_t n_rows = words_.size() + cfg_.bucket;
        const auto D = static_cast<size_t>(cfg_.dim);
        rows_.resize(n_rows * D);
        const Status s =
            quant::dequantize(raw_type_, raw_, rows_.data(), static_cast<int64_t>(n_rows * D));
        RUVLLM_ASSERT(s.ok());  // the type and size were checked when the model was loaded
    }
    return rows_;
}

std::vector<float>& SubwordBase::mutable_rows() {
    rows();
    raw_ = nullptr;  // from now on the float rows are the truth
    keep_.reset();
    return rows_;
}

void SubwordBase::add_row(uint32_t id, float* acc) const {
    const int D = cfg_.dim;
    if (!rows_.empty()) {
        const float* r = rows_.data() + static_cast<size_t>(id) * D;
        for (int d = 0; d < D; d++) {
            acc[d] += r[d];
        }
        return;
    }
    const uint8_t* row = raw_ + static_cast<size_t>(id) * row_bytes_;
    if (raw_type_ == TensorType::f16) {
        const float* table = quant::f16_table();
        for (int d = 0; d < D; d++) {
            acc[d] += table[static_cast<uint16_t>(row[2 * d] | (row[2 * d + 1] << 8))];
        }
        return;
    }
    thread_local std::vector<float> tmp;
    tmp.resize(static_cast<size_t>(D));
    const Status s = quant::dequantize(raw_type_, row, tmp.data(), D);
    RUVLLM_ASSERT(s.ok());
    for (int d = 0; d < D; d++) {
        acc[d] += tmp[static_cast<size_t>(d)];
    }
}

void SubwordBase::subword_rows(std::string_view word, std::vector<uint32_t>& out) const {
    out.clear();
    const auto it = index_.find(std::string(word));
    if (it != index_.end()) {
        out.push_back(it->second);
    }
    const size_t first = out.size();
    subword_buckets(word, cfg_.minn, cfg_.maxn, cfg_.bucket, out);
    const auto n_words = static_cast<uint32_t>(words_.size());
    for (size_t i = first; i < out.size(); i++) {
        out[i] += n_words;
    }
}

void SubwordBase::word_vector(std::string_view word, float* out) const {
    thread_local std::vector<uint32_t> ids;
    subword_rows(word, ids);
    const int D = cfg_.dim;
    std::fill(out, out + D, 0.0f);
    for (const uint32_t id : ids) {
        add_row(id, out);
    }
    if (!ids.empty()) {
        const float inv = 1.0f / static_cast<float>(ids.size());
        for (int d = 0; d < D; d++) {
            out[d] *= inv;
        }
    }
}

void SubwordBase::embed(std::string_view text, float* out) const {
    thread_local std::vector<std::string> words;
    thread_local std::vector<float> wv;
    const int D = cfg_.dim;
    tokenize_words(text, words);
    wv.resize(static_cast<size_t>(D));
    std::fill(out, out + D, 0.0f);
    if (!pool_query_.empty()) {
        embed_attention(words, out);
        return;
    }
    for (const std::string& w : words) {
        word_vector(w, wv.data());
        double norm = 0;
        for (int d = 0; d < D; d++) {
            norm += static_cast<double>(wv[d]) * wv[d];
        }
        if (norm > 0) {
            const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
            for (int d = 0; d < D; d++) {
                out[d] += wv[d] * inv;
            }
        }
    }
    double norm = 0;
    for (int d = 0; d < D; d++) {
        norm += static_cast<double>(out[d]) * out[d];
    }
    if (norm > 0) {
        const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
        for (int d = 0; d < D; d++) {
            out[d] *= inv;
        }
    }
}

void SubwordBase::embed_attention(const std::vector<std::string>& words, float* out) const {
    // pool_forward's arithmetic (pool.h, nn/loss.h's l2norm), so both give identical floats.
    thread_local std::vector<float> uhat, uinv, alpha;
    const int D = cfg_.dim;
    const int K = static_cast<int>(words.size());
    uhat.assign(static_cast<size_t>(K) * D, 0.0f);
    uinv.resize(static_cast<size_t>(K));
    alpha.resize(static_cast<size_t>(K));
    for (int k = 0; k < K; k++) {
        word_vector(words[static_cast<size_t>(k)], uhat.data() + static_cast<size_t>(k) * D);
    }
    l2norm_forward(uhat.data(), uinv.data(), uhat.data(), K, D);  // in place, row by row
    attend(uhat.data(), uinv.data(), K, D, pool_query_.data(), alpha.data(), out);
    float xinv = 0;
    l2norm_forward(out, &xinv, out, 1, D);
}

Status SubwordBase::set_pool_query(std::vector<float> q) {
    if (!q.empty() && q.size() != static_cast<size_t>(cfg_.dim)) {
        return make_error(Errc::invalid_argument,
                          "subword base: pooling query of " + std::to_string(q.size()) +
                              " values, expected " + std::to_string(cfg_.dim));
    }
    for (const float v : q) {
        if (!std::isfinite(v)) {
            return make_error(Errc::invalid_argument,
                              "subword base: pooling query holds a non-finite value");
        }
    }
    pool_query_ = std::move(q);
    return ok();
}

Result<SubwordBase> SubwordBase::load(const std::filesystem::path& path) {
    Result<gguf::File> f = gguf::read_file(path);
    if (!f) {
        return f.error();
    }
    Result<SubwordBase> e = from_gguf(*f);
    if (!e) {
        return with_context(e.error(), path.string());
    }
    return e;
}

Result<SubwordBase> SubwordBase::from_gguf(const gguf::File& file) {
    Result<uint32_t> dim = file.get<uint32_t>("ruvllm.base.dim");
    Result<uint32_t> minn = file.get<uint32_t>("ruvllm.base.minn");
    Result<uint32_t> maxn = file.get<uint32_t>("ruvllm.base.maxn");
    Result<uint32_t> bucket = file.get<uint32_t>("ruvllm.base.bucket");
    Result<std::vector<std::string>> words =
        file.get<std::vector<std::string>>("ruvllm.base.words");
    for (const Error* err : {dim ? nullptr : &dim.error(),
                             minn ? nullptr : &minn.error(),
                             maxn ? nullptr : &maxn.error(),
                             bucket ? nullptr : &bucket.error(),
                             words ? nullptr : &words.error()}) {
        if (err != nullptr) {
            return make_error(Errc::format, err->message + " (not a ruvllm base embedding model?)");
        }
    }
    const gguf::TensorInfo* t = file.find_tensor("base.embeddings");
    if (t == nullptr) {
        return make_error(Errc::format, "gguf: tensor 'base.embeddings' not found");
    }
    const uint64_t n_rows = words->size() + static_cast<uint64_t>(*bucket);
    if (*dim == 0 || t->shape.size() != 2 || t->shape[0] != *dim || t->shape[1] != n_rows) {
        return make_error(Errc::format,
                          "gguf: tensor 'base.embeddings' has the wrong shape, "
                          "expected {" +
                              std::to_string(*dim) + ", " + std::to_string(n_rows) + "}");
    }
    SubwordBase e2;
    e2.cfg_ = SubwordConfig{
        static_cast<int>(*dim), static_cast<int>(*minn), static_cast<int>(*maxn), *bucket};
    e2.words_ = std::move(*words);
    e2.build_index();
    for (const auto& [k, v] : file.metadata()) {
        if (k.rfind("ruvllm.base.pretrain.", 0) == 0) {
            e2.provenance.emplace_back(k, v);
        }
    }
    if (const gguf::TensorInfo* q = file.find_tensor("base.pool_query"); q != nullptr) {
        if (q->shape.size() != 1 || q->shape[0] != *dim) {
            return make_error(Errc::format,
                              "gguf: tensor 'base.pool_query' has shape " +
                                  gguf::shape_str(q->shape) + ", expected {" +
                                  std::to_string(*dim) + "}");
        }
        Result<std::vector<float>> qv = file.finite_tensor_f32(*q);
        if (!qv) {
            return qv.error();
        }
        e2.pool_query_ = std::move(*qv);
    }
    if (t->type != TensorType::f32) {
        // Checked once here, without decoding them for good (a crafted file found by
        // router_fuzz: NaN rows kept encoded, caught only when routing).
        if (Status s = file.check_finite(*t); !s) {
            return s.error();
        }
        // Keep the encoded rows where they are (in the file's memory map, or in a copy).
        const std::span<const uint8_t> bytes = file.tensor_bytes(*t);
        std::shared_ptr<const void> keep = file.mapping();
        if (keep == nullptr) {
            auto copy = std::make_shared<std::vector<uint8_t>>(bytes.begin(), bytes.end());
            e2.raw_ = copy->data();
            keep = std::move(copy);
        } else {
            e2.raw_ = bytes.data();
        }
        e2.raw_type_ = t->type;
        e2.row_bytes_ = quant::row_size(t->type, static_cast<int64_t>(*dim));
        e2.keep_ = std::move(keep);
        return e2;
    }
    Result<std::vector<float>> rows = file.finite_tensor_f32(*t);
    if (!rows) {
        return rows.error();
    }
    e2.rows_ = std::move(*rows);
    return e2;
}

Status SubwordBase::write_to(gguf::File& file, TensorType type) const {
    file.set("ruvllm.base.dim", static_cast<uint32_t>(cfg_.dim));
    file.set("ruvllm.base.minn", static_cast<uint32_t>(cfg_.minn));
    file.set("ruvllm.base.maxn", static_cast<uint32_t>(cfg_.maxn));
    file.set("ruvllm.base.bucket", cfg_.bucket);
    file.set("ruvllm.base.words", gguf::Array::of(words_));
    for (const auto& [k, v] : provenance) {
        file.set(k, v);
    }
    if (!pool_query_.empty()) {
        if (Status s = file.add_tensor(
                "base.pool_query", {static_cast<uint64_t>(cfg_.dim)}, pool_query_, TensorType::f32);
            !s) {
            return s;
        }
    }
    const std::vector<uint64_t> shape = {static_cast<uint64_t>(cfg_.dim),
                                         words_.size() + cfg_.bucket};
    if (rows_.empty() && raw_ != nullptr && type == raw_type_) {
        return file.add_tensor_raw("base.embeddings", shape, type, {raw_, row_bytes_ * shape[1]});
    }
    return file.add_tensor("base.embeddings", shape, rows(), type);
}

std::string SubwordBase::describe() const {
    return "subword base, dim " + std::to_string(cfg_.dim) + ", vocabulary " +
           std::to_string(words_.size()) + (pool_query_.empty() ? "" : ", attention pooling");
}

Result<TensorType> SubwordBase::storage_type(TensorType wanted) const {
    auto fits = [&](TensorType t) {
        return cfg_.dim % static_cast<int>(quant::type_info(t).block) == 0;
    };
    if (fits(wanted)) {
        return wanted;
    }
    // llama.cpp's quantiser: K types fall back for rows that are not a multiple of 256.
    TensorType fallback = wanted == TensorType::q6_k ? TensorType::q8_0 : TensorType::q5_0;
    if (quant::type_info(wanted).block == 32 || !fits(fallback)) {
        fallback = TensorType::f16;
    }
    return fallback;
}

}  // namespace ruvllm
