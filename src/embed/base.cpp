// base.cpp: what every base can do by default, and the one place that decides which base a
// file holds (base.h).
#include <ruvllm/embed/base.h>
#include <ruvllm/embed/qwen2_base.h>
#include <ruvllm/embed/subword.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

Result<Qwen2Base> open_transformer(const fs::path& path, const BaseOptions& options) {
    Qwen2BaseOptions qo;
    if (!parse_pooling(options.pooling, qo.pooling)) {
        return make_error(Errc::invalid_argument,
                          "pooling '" + options.pooling + "', expected mean or last");
    }
    qo.max_tokens = options.max_tokens;
    qo.n_threads = options.n_threads;
    qo.cache_entries = options.cache_entries;
    return Qwen2Base::open(path, qo);
}

}  // namespace

void Base::embed_batch(const std::vector<std::string>& texts,
                       float* out,
                       const std::function<void(size_t, size_t)>& progress) const {
    const auto D = static_cast<size_t>(dim());
    for (size_t i = 0; i < texts.size(); i++) {
        embed(texts[i], out + i * D);
        if (progress) {
            progress(i + 1, texts.size());
        }
    }
}

Result<TensorType> Base::storage_type(TensorType /*wanted*/) const {
    return make_error(Errc::unsupported,
                      "the " + std::string(kind()) + " base stores no tensors in the router");
}

Result<std::unique_ptr<BaseFeed>> Base::make_feed(const std::shared_ptr<const Base>& self,
                                                  const FeedSpec& spec,
                                                  Rng& /*rng*/) const {
    if (spec.lora.layers > 0) {
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(spec.lora.layers) + ": the " +
                              std::string(kind()) + " base has no layers for a LoRA");
    }
    return make_fixed_feed(self, spec);
}

std::string base_kind(const gguf::File& file) {
    Result<std::string> arch = file.get<std::string>("general.architecture");
    if (!arch) {
        return "";
    }
    if (*arch != "ruvllm") {
        return *arch;
    }
    Result<std::string> kind = file.get<std::string>("ruvllm.base.kind");
    return kind ? *kind : "subword";
}

Result<std::shared_ptr<const Base>> open_base(const gguf::File& file,
                                              const fs::path& path,
                                              const BaseOptions& options) {
    const std::string where = path.string();
    auto located = [&](const Error& e) {
        return with_context(e, where);
    };
    Result<std::string> type = file.get<std::string>("general.type");
    if (type && *type == "adapter") {
        return located(make_error(Errc::invalid_argument,
                                  "is a LoRA adapter, expected a base model (a ruvllm base or a "
                                  "qwen2 GGUF)"));
    }
    const std::string kind = base_kind(file);
    Result<std::string> arch = file.get<std::string>("general.architecture");
    const bool ours = arch && *arch == "ruvllm";
    if (kind == "subword") {
        Result<SubwordBase> b = SubwordBase::from_gguf(file);
        if (!b) {
            return located(b.error());
        }
        return std::shared_ptr<const Base>(std::make_shared<const SubwordBase>(std::move(*b)));
    }
    if (kind == "qwen2") {
        Result<Qwen2Base> b = ours ? Qwen2Base::from_router(file, path, options.n_threads)
                                   : open_transformer(path, options);
        if (!b) {
            return located(b.error());
        }
        return std::shared_ptr<const Base>(std::make_shared<const Qwen2Base>(std::move(*b)));
    }
    return located(make_error(Errc::unsupported,
                              "general.architecture '" + kind +
                                  "' is not supported as a base, expected 'qwen2' or a ruvllm "
                                  "base"));
}

Result<std::shared_ptr<const Base>> open_base(const fs::path& path, const BaseOptions& options) {
    Result<gguf::File> f = gguf::read_file(path);
    if (!f) {
        return f.error();
    }
    return open_base(*f, path, options);
}

}  // namespace ruvllm
