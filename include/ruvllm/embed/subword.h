// ruvllm/embed/subword.h: the default base of a router (base.h): fastText-style word and
// character-n-gram vectors pretrained on software text (pretrain.h), stored in a GGUF file (a
// base file, or inside every router trained on it):
//   general.architecture = "ruvllm", ruvllm.kind = "base"
//   ruvllm.base.{dim, minn, maxn, bucket}: u32; ruvllm.base.words: string array
//   tensor "base.embeddings": shape {dim, n_words + bucket} (F32 or F16)
// A word's vector is the mean of its rows (its own row if in the vocabulary, plus its hashed
// character n-grams); a text's vector is the mean of its L2-normalised word vectors, L2-
// normalised again (fastText's sentence vector), or their attention-weighted sum when the base
// holds a learned pooling query (optional tensor "base.pool_query", F32 {dim}; pool.h). A text
// with no known subword embeds to zero.
// Training fine-tunes the rows (make_feed: pool.h's mean pooling with gradients, one sparse
// parameter group) unless FeedSpec::tune is false.
//
// Usage:
//   ruvllm::Result<ruvllm::SubwordBase> e = ruvllm::SubwordBase::load("base.gguf");
//   std::vector<float> v(e->dim());
//   e->embed("fix the flaky CI job", v.data());
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/embed/base.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

struct SubwordConfig {
    int dim = 0;
    int minn = 3, maxn = 5;
    uint32_t bucket = 0;
};

class SubwordBase : public Base {
public:
    // From a base (or a router model that embeds one) in GGUF. Errc::format with the missing or
    // inconsistent key / tensor named.
    static Result<SubwordBase> load(const std::filesystem::path& path);
    static Result<SubwordBase> from_gguf(const gguf::File& file);

    // Builds one in memory: `rows` is (words.size() + cfg.bucket, cfg.dim).
    SubwordBase(SubwordConfig cfg, std::vector<std::string> words, std::vector<float> rows);

    std::string_view kind() const override { return "subword"; }

    int dim() const override { return cfg_.dim; }

    void embed(std::string_view text, float* out) const override;

    std::string describe() const override;

    bool has_rows() const override { return true; }

    // F32, F16, BF16 or a block type whose rows hold whole blocks (after the fallbacks).
    Result<TensorType> storage_type(TensorType wanted) const override;

    // The subword feed (fine-tuned rows when spec.tune); Errc::invalid_argument for a LoRA.
    Result<std::unique_ptr<BaseFeed>> make_feed(const std::shared_ptr<const Base>& self,
                                                const FeedSpec& spec,
                                                Rng& rng) const override;

    // The mean of a word's subword rows (not normalised); zero if it has none.
    void word_vector(std::string_view word, float* out) const;
    // Row ids (into rows()) of a word: its vocabulary row, then its n-gram rows.
    void subword_rows(std::string_view word, std::vector<uint32_t>& out) const;

    const SubwordConfig& config() const { return cfg_; }

    // The learned attention query of the pooling (pool.h; tensor "base.pool_query", F32 {dim}),
    // or empty for the plain mean (fastText's sentence vector). Training creates it (zero, the
    // mean's direction) with TrainConfig::attention_pooling. Errc::invalid_argument for a size
    // other than dim or a non-finite value.
    const std::vector<float>& pool_query() const { return pool_query_; }

    std::vector<float>& mutable_pool_query() { return pool_query_; }  // for training

    Status set_pool_query(std::vector<float> q);

    // The base's `ruvllm.base.pretrain.*` keys (corpus checksum, settings, seed): read with the
    // base and written again with it, so every router records the corpus it stands on.
    std::vector<std::pair<std::string, gguf::Value>> provenance;

    const std::vector<std::string>& words() const { return words_; }

    // The rows as floats. A model loaded from an F16 or quantised (Q8_0, Q5_0, Q4_0...) file
    // keeps its rows encoded in the memory map and decodes only the rows a text needs (fast
    // load, small memory); the first
    // call to rows() / mutable_rows() converts the whole table (training does this). rows() is
    // not thread-safe on such a model until it has been called once.
    const std::vector<float>& rows() const;
    std::vector<float>& mutable_rows();  // for fine-tuning (train.h)

    // Adds the base's keys and tensor to `file` in `type` (any type whose block size divides
    // dim; Errc::invalid_argument naming the type otherwise).
    Status write_to(gguf::File& file, TensorType type) const override;

private:
    SubwordBase() = default;
    void build_index();
    void add_row(uint32_t id, float* acc) const;  // acc[0, dim) += row id
    void embed_attention(const std::vector<std::string>& words, float* out) const;

    SubwordConfig cfg_;
    std::vector<std::string> words_;
    std::unordered_map<std::string, uint32_t> index_;
    std::vector<float> pool_query_;    // (dim) or empty
    mutable std::vector<float> rows_;  // (n_words + bucket, dim), or empty while raw_ is used
    // Rows kept encoded (F16 or a block type) where they are: (n_words + bucket) rows of
    // row_bytes_ each, decoded one row at a time.
    const uint8_t* raw_ = nullptr;
    TensorType raw_type_ = TensorType::f16;
    size_t row_bytes_ = 0;
    std::shared_ptr<const void> keep_;  // what raw_ points into (a memory map or a copy)
};

}  // namespace ruvllm
