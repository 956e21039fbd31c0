// qwen2_base.cpp: a Qwen2 GGUF as a router's base, with an embedding cache (qwen2_base.h);
// its LoRA feed is in qwen2_feed.cpp.
#include <algorithm>
#include <cstdio>

#include <ruvllm/core/io.h>
#include <ruvllm/embed/qwen2_base.h>

#include <xxhash.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

constexpr size_t kFingerprintBytes = size_t{8} << 20;
constexpr std::string_view kLoraPrefix = "lora.";

// Size and XXH64 of the first 8 MiB of a file.
Status fingerprint(const fs::path& path, uint64_t& bytes, uint64_t& hash) {
    Result<uint64_t> h = file_xxh64(path, kFingerprintBytes, &bytes);
    if (!h) {
        return h.error();
    }
    hash = *h;
    return ok();
}

}  // namespace

bool parse_pooling(std::string_view name, Pooling& out) {
    if (name == "mean") {
        out = Pooling::mean;
        return true;
    }
    if (name == "last") {
        out = Pooling::last;
        return true;
    }
    return false;
}

const char* pooling_name(Pooling p) {
    return p == Pooling::last ? "last" : "mean";
}

namespace {

Qwen2Options model_options(const Qwen2BaseOptions& options) {
    Qwen2Options qo;
    qo.pooling = options.pooling;
    qo.normalize = true;
    qo.n_threads = options.n_threads;
    qo.max_tokens = options.max_tokens;
    qo.adapter = options.adapter;
    return qo;
}

}  // namespace

Result<Qwen2Base> Qwen2Base::open(const fs::path& path, const Qwen2BaseOptions& options) {
    Result<Qwen2Model> m = Qwen2Model::load(path, model_options(options));
    if (!m) {
        return m.error();
    }
    Qwen2Base b;
    std::error_code ec;
    b.path_ = fs::absolute(path, ec);
    if (ec) {
        b.path_ = path;
    }
    Status s = fingerprint(path, b.bytes_, b.xxh64_);
    if (!s) {
        return s.error();
    }
    b.opts_ = options;
    b.model_ = std::make_shared<const Qwen2Model>(std::move(*m));
    b.cache_ = std::make_shared<Cache>();
    return b;
}

Result<Qwen2Base> Qwen2Base::from_router(const gguf::File& router,
                                         const fs::path& router_path,
                                         int n_threads) {
    const std::string where = router_path.string();
    Result<std::string> path = router.get<std::string>("ruvllm.base.qwen2.path");
    Result<uint64_t> bytes = router.get<uint64_t>("ruvllm.base.qwen2.bytes");
    Result<uint64_t> hash = router.get<uint64_t>("ruvllm.base.qwen2.xxh64");
    Result<std::string> pooling = router.get<std::string>("ruvllm.base.qwen2.pooling");
    Result<uint32_t> max_tokens = router.get<uint32_t>("ruvllm.base.qwen2.max_tokens");
    Qwen2BaseOptions o;
    o.n_threads = n_threads;
    if (!path || !bytes || !hash || !pooling || !max_tokens ||
        !parse_pooling(*pooling, o.pooling)) {
        return make_error(Errc::format,
                          where +
                              ": the ruvllm.base.qwen2.{path, bytes, xxh64, pooling, "
                              "max_tokens} keys are missing or of the wrong type");
    }
    o.max_tokens = static_cast<int>(*max_tokens);
    if (router.find("ruvllm.lora.alpha") != nullptr) {
        auto ad = std::make_shared<LoraAdapter>();
        Result<float> alpha = router.get<float>("ruvllm.lora.alpha");
        if (!alpha) {
            return make_error(Errc::format, where + ": ruvllm.lora.alpha: expected f32");
        }
        ad->alpha = *alpha;
        ad->architecture = "qwen2";
        Status s = read_lora_tensors(router, kLoraPrefix, where, *ad);
        if (s) {
            s = validate_lora(*ad);
        }
        if (!s) {
            return s.error();
        }
        o.adapter = std::move(ad);
    }
    // The recorded path, else the same file name beside the router.
    fs::path base = *path;
    std::error_code ec;
    if (!fs::exists(base, ec)) {
        const fs::path beside = router_path.parent_path() / base.filename();
        if (!fs::exists(beside, ec)) {
            return make_error(Errc::io,
                              where + ": its Qwen2 base '" + *path +
                                  "' is not there, nor beside the router (" + beside.string() +
                                  ")");
        }
        base = beside;
    }
    Result<Qwen2Base> b = open(base, o);
    if (!b) {
        return b;
    }
    if (b->bytes_ != *bytes || b->xxh64_ != *hash) {
        return make_error(Errc::format,
                          where + ": its base was " + *path + " (" + std::to_string(*bytes) +
                              " bytes), but " + base.string() + " (" + std::to_string(b->bytes_) +
                              " bytes) is a different file; a router needs the base it was "
                              "trained on");
    }
    return b;
}

Result<Qwen2Base> Qwen2Base::with_adapter(std::shared_ptr<const LoraAdapter> adapter) const {
    // The same mapped file: no second read, no second checksum.
    Qwen2Base b = *this;
    b.opts_.adapter = std::move(adapter);
    Result<Qwen2Model> m = Qwen2Model::from_gguf(model_->file(), model_options(b.opts_));
    if (!m) {
        return with_context(m.error(), path_.string());
    }
    b.model_ = std::make_shared<const Qwen2Model>(std::move(*m));
    b.cache_ = std::make_shared<Cache>();
    return b;
}

void Qwen2Base::embed(std::string_view text, float* out) const {
    const uint64_t h = XXH3_64bits(text.data(), text.size());
    {
        std::lock_guard<std::mutex> lock(cache_->mu);
        auto it = cache_->map.find(h);
        if (it != cache_->map.end()) {
            for (const auto& [t, v] : it->second) {
                if (t == text) {
                    std::copy(v.begin(), v.end(), out);
                    return;
                }
            }
        }
    }
    model_->embed(text, out);
    prime(text, out);
}

void Qwen2Base::prime(std::string_view text, const float* out) const {
    const size_t D = static_cast<size_t>(dim());
    const uint64_t h = XXH3_64bits(text.data(), text.size());
    std::vector<float> v(out, out + D);
    std::lock_guard<std::mutex> lock(cache_->mu);
    if (cache_->n >= opts_.cache_entries) {
        return;
    }
    auto& bucket = cache_->map[h];
    for (const auto& entry : bucket) {
        if (entry.first == text) {
            return;  // another thread embedded it meanwhile
        }
    }
    bucket.emplace_back(std::string(text), std::move(v));
    cache_->n++;
}

void Qwen2Base::embed_batch(const std::vector<std::string>& texts,
                            float* out,
                            const std::function<void(size_t, size_t)>& progress) const {
    const size_t D = static_cast<size_t>(dim());
    // The unique texts not cached yet: the progress total.
    std::unordered_map<std::string_view, bool> todo_set;
    {
        std::lock_guard<std::mutex> lock(cache_->mu);
        for (const std::string& t : texts) {
            if (todo_set.count(t) != 0) {
                continue;
            }
            bool have = false;
            auto it = cache_->map.find(XXH3_64bits(t.data(), t.size()));
            if (it != cache_->map.end()) {
                for (const auto& entry : it->second) {
                    have = have || entry.first == t;
                }
            }
            todo_set.emplace(t, !have);
        }
    }
    size_t todo = 0;
    for (const auto& [t, needed] : todo_set) {
        todo += needed ? 1 : 0;
    }
    // The uncached texts go through the model in packed passes (Qwen2Model::embed_many), 32
    // texts per call between progress reports; then every text is read from the cache (or,
    // past its capacity, embedded again).
    std::vector<std::string> batch;
    std::vector<float> vecs;
    size_t done = 0;
    auto flush = [&] {
        vecs.resize(batch.size() * D);
        model_->embed_many(batch, vecs.data());
        for (size_t b = 0; b < batch.size(); b++) {
            prime(batch[b], vecs.data() + b * D);
        }
        done += batch.size();
        batch.clear();
        if (progress) {
            progress(done, todo);
        }
    };
    for (const std::string& t : texts) {
        auto it = todo_set.find(t);
        if (it->second) {
            it->second = false;
            batch.push_back(t);
            if (batch.size() == 32) {
                flush();
            }
        }
    }
    if (!batch.empty()) {
        flush();
    }
    for (size_t i = 0; i < texts.size(); i++) {
        embed(texts[i], out + i * D);
    }
}

size_t Qwen2Base::cached() const {
    std::lock_guard<std::mutex> lock(cache_->mu);
    return cache_->n;
}

Status Qwen2Base::write_to(gguf::File& f, TensorType /*storage*/) const {
    f.set("ruvllm.base.kind", std::string("qwen2"));
    f.set("ruvllm.base.qwen2.path", path_.string());
    f.set("ruvllm.base.qwen2.bytes", bytes_);
    f.set("ruvllm.base.qwen2.xxh64", xxh64_);
    f.set("ruvllm.base.qwen2.pooling", std::string(pooling_name(opts_.pooling)));
    f.set("ruvllm.base.qwen2.max_tokens", static_cast<uint32_t>(opts_.max_tokens));
    if (opts_.adapter) {
        f.set("ruvllm.lora.alpha", opts_.adapter->alpha);
        return add_lora_tensors(f, *opts_.adapter, kLoraPrefix, TensorType::f32);
    }
    return ok();
}

std::string Qwen2Base::describe() const {
    const Qwen2Config& c = model_->config();
    return "Qwen2 base " + path_.string() + " (" + std::to_string(c.n_layer) + " layers, dim " +
           std::to_string(c.n_embd) + ", " + pooling_name(opts_.pooling) + " pooling)";
}

Result<TensorType> Qwen2Base::storage_type(TensorType /*wanted*/) const {
    return make_error(Errc::unsupported,
                      "the router stands on a Qwen2 base (" + path_.string() +
                          ") and has no subword rows to quantize; the base's own types are "
                          "kept (quantize it with llama.cpp's llama-quantize)");
}

}  // namespace ruvllm
