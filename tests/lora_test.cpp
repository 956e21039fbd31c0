// lora_test.cpp: LoRA adapter GGUF round trip, merge arithmetic and Qwen2Model with an adapter
// (lora.h). llama.cpp itself is the oracle in lora_interop_test.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/formats/gguf.h>
#include <ruvllm/formats/quant.h>
#include <ruvllm/transformer/lora.h>
#include <ruvllm/transformer/qwen2.h>

#include "qwen2_testmodel.h"
#include "testutil.h"

namespace {

using ruvllm::test::cosine;

namespace gguf = ruvllm::gguf;
using ruvllm::Errc;
using ruvllm::LoraAdapter;
using ruvllm::LoraTensor;
using ruvllm::Qwen2Model;
using ruvllm::Qwen2Options;
using ruvllm::TensorType;
using ruvllm::test::TinyQwen2;

LoraAdapter small_adapter() {
    LoraAdapter ad;
    ad.alpha = 8.0f;
    // in 3, out 2, rank 2
    ad.tensors.push_back(LoraTensor{"blk.0.attn_q.weight", 2, {1, 2, 3, 4, 5, 6}, {7, 8, 9, 10}});
    ad.tensors.push_back(LoraTensor{"blk.1.attn_v.weight", 1, {0.5f, -0.25f}, {1, 2, 3}});
    return ad;
}

TEST(Lora, ScaleIsAlphaOverRankTimesUserScale) {
    EXPECT_FLOAT_EQ(ruvllm::lora_scale(8.0f, 4, 1.0f), 2.0f);
    EXPECT_FLOAT_EQ(ruvllm::lora_scale(8.0f, 4, 0.5f), 1.0f);
    EXPECT_FLOAT_EQ(ruvllm::lora_scale(0.0f, 4, 0.5f), 0.5f);  // llama.cpp: no alpha, no 1/rank
}

TEST(Lora, WriteReadRoundTripF32) {
    ruvllm::test::TempDir dir;
    const LoraAdapter ad = small_adapter();
    ASSERT_TRUE(ruvllm::write_lora_gguf(dir / "a.gguf", ad));

    // The keys and shapes llama.cpp's llama_adapter_lora_init expects.
    ruvllm::Result<gguf::File> f = gguf::read_file(dir / "a.gguf");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(*f->get<std::string>("general.architecture"), "qwen2");
    EXPECT_EQ(*f->get<std::string>("general.type"), "adapter");
    EXPECT_EQ(*f->get<std::string>("adapter.type"), "lora");
    EXPECT_EQ(*f->get<float>("adapter.lora.alpha"), 8.0f);
    ASSERT_EQ(f->tensors().size(), 4u);
    const gguf::TensorInfo* a = f->find_tensor("blk.0.attn_q.weight.lora_a");
    const gguf::TensorInfo* b = f->find_tensor("blk.0.attn_q.weight.lora_b");
    ASSERT_TRUE(a != nullptr && b != nullptr);
    EXPECT_EQ(a->shape, (std::vector<uint64_t>{3, 2}));  // {in, rank}
    EXPECT_EQ(b->shape, (std::vector<uint64_t>{2, 2}));  // {rank, out}
    EXPECT_EQ(a->type, TensorType::f32);
    const gguf::TensorInfo* b1 = f->find_tensor("blk.1.attn_v.weight.lora_b");
    ASSERT_NE(b1, nullptr);
    EXPECT_EQ(b1->shape, (std::vector<uint64_t>{1, 3}));

    ruvllm::Result<LoraAdapter> back = ruvllm::read_lora_gguf(dir / "a.gguf");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->alpha, 8.0f);
    EXPECT_EQ(back->architecture, "qwen2");
    ASSERT_EQ(back->tensors.size(), 2u);
    for (size_t i = 0; i < 2; i++) {
        EXPECT_EQ(back->tensors[i].base_name, ad.tensors[i].base_name);
        EXPECT_EQ(back->tensors[i].rank, ad.tensors[i].rank);
        EXPECT_EQ(back->tensors[i].a, ad.tensors[i].a);
        EXPECT_EQ(back->tensors[i].b, ad.tensors[i].b);
    }
}

TEST(Lora, WriteReadRoundTripF16) {
    ruvllm::test::TempDir dir;
    LoraAdapter ad = small_adapter();
    ad.tensors[0].a[0] = 1.0f / 3.0f;  // not exact in half precision
    ASSERT_TRUE(ruvllm::write_lora_gguf(dir / "a.gguf", ad, TensorType::f16));
    ruvllm::Result<LoraAdapter> back = ruvllm::read_lora_gguf(dir / "a.gguf");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_NEAR(back->tensors[0].a[0], 1.0f / 3.0f, 1e-3);
    EXPECT_NE(back->tensors[0].a[0], 1.0f / 3.0f);
    EXPECT_EQ(back->tensors[1].b, ad.tensors[1].b);
    ruvllm::Status q8 = ruvllm::write_lora_gguf(dir / "b.gguf", ad, TensorType::q8_0);
    ASSERT_FALSE(q8);
    EXPECT_EQ(q8.error().code, Errc::invalid_argument);
}

// The bytes of a known adapter (rank 1, alpha 2, A = [1 2], B = [3; 4] on a 2x2
// blk.0.attn_q.weight) are pinned by tests/data/lora_adapter.gguf (also the CLI tests' input,
// with tests/data/lora_base.gguf = two_by_two() below).
TEST(Lora, GoldenAdapterBytes) {
    ruvllm::test::TempDir dir;
    LoraAdapter ad;
    ad.alpha = 2.0f;
    ad.tensors.push_back(LoraTensor{"blk.0.attn_q.weight", 1, {1, 2}, {3, 4}});
    ASSERT_TRUE(ruvllm::write_lora_gguf(dir / "a.gguf", ad));
    const std::string golden = ruvllm::test::slurp(ruvllm::test::data_dir() / "lora_adapter.gguf");
    ASSERT_FALSE(golden.empty());
    EXPECT_EQ(ruvllm::test::slurp(dir / "a.gguf"), golden);
}

// A one-tensor "model": W (out 2, in 2) = identity, and another tensor left alone.
gguf::File two_by_two(TensorType type = TensorType::f32) {
    gguf::File f;
    f.set("general.architecture", std::string("qwen2"));
    f.set("some.key", static_cast<uint32_t>(42));
    EXPECT_TRUE(f.add_tensor("blk.0.attn_q.weight", {2, 2}, std::vector<float>{1, 0, 0, 1}, type));
    EXPECT_TRUE(f.add_tensor("other.weight", {3}, std::vector<float>{1, 2, 3}));
    return f;
}

TEST(Lora, MergeArithmeticTwoByTwo) {
    // rank 1: A = [1 2] (1 x 2), B = [3; 4] (2 x 1): B A = [[3, 6], [4, 8]].
    // alpha 2, rank 1, user scale 0.5: s = 0.5 * 2 / 1 = 1, W' = I + B A = [[4, 6], [4, 9]].
    LoraAdapter ad;
    ad.alpha = 2.0f;
    ad.tensors.push_back(LoraTensor{"blk.0.attn_q.weight", 1, {1, 2}, {3, 4}});
    ruvllm::Result<gguf::File> m = ruvllm::merge_lora(two_by_two(), ad, 0.5f);
    ASSERT_TRUE(m) << m.error().message;
    const gguf::TensorInfo* w = m->find_tensor("blk.0.attn_q.weight");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->type, TensorType::f32);
    EXPECT_EQ(*m->tensor_f32(*w), (std::vector<float>{4, 6, 4, 9}));
    EXPECT_EQ(*m->tensor_f32(*m->find_tensor("other.weight")), (std::vector<float>{1, 2, 3}));
    EXPECT_EQ(*m->get<uint32_t>("some.key"), 42u);
    EXPECT_EQ(*m->get<std::string>("general.architecture"), "qwen2");

    // F16 base: the type is kept, the values are exact halves.
    ruvllm::Result<gguf::File> h = ruvllm::merge_lora(two_by_two(TensorType::f16), ad, 0.5f);
    ASSERT_TRUE(h) << h.error().message;
    const gguf::TensorInfo* wh = h->find_tensor("blk.0.attn_q.weight");
    EXPECT_EQ(wh->type, TensorType::f16);
    EXPECT_EQ(*h->tensor_f32(*wh), (std::vector<float>{4, 6, 4, 9}));
}

// lora_merge (`ruvllm lora-merge` as one call) on the golden adapter and lora_base.gguf (=
// two_by_two()): the arithmetic above, from files to a file.
TEST(LoraMergeJob, MergesFilesAndSaysSo) {
    ruvllm::test::TempDir dir;
    const ruvllm::LoraMergeJob job{ruvllm::test::data_dir() / "lora_adapter.gguf",
                                   ruvllm::test::data_dir() / "lora_base.gguf",
                                   dir / "merged.gguf",
                                   0.5f};
    ruvllm::test::LogCapture cap;
    ruvllm::Result<ruvllm::LoraMergeSummary> s = ruvllm::lora_merge(job, cap.log());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->tensors, 1u);
    EXPECT_EQ(s->alpha, 2.0f);
    ruvllm::Result<gguf::File> m = gguf::read_file(job.out);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(*m->tensor_f32(*m->find_tensor("blk.0.attn_q.weight")),
              (std::vector<float>{4, 6, 4, 9}));
    ASSERT_EQ(cap.lines.size(), 1u);
    EXPECT_EQ(cap.lines[0],
              "lora-merge: " + job.base.string() + " + " + job.lora.string() +
                  " (1 tensors, alpha 2, scale 0.5) -> " + job.out.string());
}

TEST(LoraMergeJob, WrongBaseIsAnErrorNamingIt) {
    ruvllm::test::TempDir dir;
    ruvllm::LoraMergeJob job{ruvllm::test::data_dir() / "lora_adapter.gguf",
                             ruvllm::test::data_dir() / "tiny.gguf",
                             dir / "merged.gguf"};
    ruvllm::test::LogCapture cap;
    ruvllm::Result<ruvllm::LoraMergeSummary> s = ruvllm::lora_merge(job, cap.log());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_EQ(s.error().message,
              job.base.string() +
                  ": lora: adapter architecture 'qwen2' does not match the base model's 'ruvllm'");
    // Not an adapter.
    job.lora = ruvllm::test::data_dir() / "lora_base.gguf";
    s = ruvllm::lora_merge(job, cap.log());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::format);
    EXPECT_NE(s.error().message.find("general.type"), std::string::npos) << s.error().message;
    EXPECT_TRUE(cap.lines.empty());
    EXPECT_FALSE(std::filesystem::exists(job.out));
}

// The merged tensors against base + s B A computed here, re-encoded in the base's type.
void expect_merged(TensorType type) {
    TinyQwen2 spec;
    spec.type = type;
    const gguf::File base = ruvllm::test::make_tiny_qwen2(spec);
    const LoraAdapter ad = ruvllm::test::make_random_lora(
        base, ruvllm::test::attention_targets(spec), 4, 8.0f, 0.3f, 11);
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(ruvllm::merge_lora(base, ad, 0.75f, dir / "m.gguf"));
    ruvllm::Result<gguf::File> m = gguf::read_file(dir / "m.gguf");
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_EQ(m->tensors().size(), base.tensors().size());
    EXPECT_EQ(m->metadata().size(), base.metadata().size());
    int n_changed = 0;
    for (const gguf::TensorInfo& t : base.tensors()) {
        const gguf::TensorInfo* mt = m->find_tensor(t.name);
        ASSERT_NE(mt, nullptr) << t.name;
        EXPECT_EQ(mt->type, t.type) << t.name;
        EXPECT_EQ(mt->shape, t.shape) << t.name;
        const std::span<const uint8_t> before = base.tensor_bytes(t);
        const std::span<const uint8_t> after = m->tensor_bytes(*mt);
        const LoraTensor* lt = ad.find(t.name);
        if (lt == nullptr) {
            EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin(), after.end()))
                << t.name;
            continue;
        }
        n_changed++;
        std::vector<float> want = *base.tensor_f32(t);
        // W' = W + 0.75 * (8 / 4) * B A, written out naively.
        const int I = lt->n_in(), O = lt->n_out(), R = lt->rank;
        for (int o = 0; o < O; o++) {
            for (int i = 0; i < I; i++) {
                double ba = 0;
                for (int r = 0; r < R; r++) {
                    ba += double(lt->b[size_t(o) * R + r]) * lt->a[size_t(r) * I + i];
                }
                want[size_t(o) * I + i] += static_cast<float>(1.5 * ba);
            }
        }
        std::vector<uint8_t> enc(before.size());
        ASSERT_TRUE(ruvllm::quant::quantize(type, want.data(), enc.data(), int64_t(want.size())));
        std::vector<float> want_enc(want.size());
        ASSERT_TRUE(
            ruvllm::quant::dequantize(type, enc.data(), want_enc.data(), int64_t(want.size())));
        const std::vector<float> got = *m->tensor_f32(*mt);
        double max_err = 0;
        for (size_t k = 0; k < got.size(); k++) {
            max_err = std::max(max_err, std::abs(double(got[k]) - want_enc[k]));
        }
        // Only the summation order differs from apply_lora; a quantisation step may flip.
        const double tol = type == TensorType::f32 ? 1e-5 : 0.02;
        EXPECT_LE(max_err, tol) << t.name;
        EXPECT_FALSE(std::equal(before.begin(), before.end(), after.begin(), after.end()))
            << t.name;
    }
    EXPECT_EQ(n_changed, 8);
}

TEST(Lora, MergeF32Base) {
    expect_merged(TensorType::f32);
}

TEST(Lora, MergeQ8_0BaseKeepsType) {
    expect_merged(TensorType::q8_0);
}

std::vector<float> embed(const Qwen2Model& m, const std::string& text) {
    std::vector<float> v(static_cast<size_t>(m.dim()));
    m.embed(text, v.data());
    return v;
}

void expect_adapter_equals_merged(TensorType type, double threshold) {
    TinyQwen2 spec;
    spec.type = type;
    const gguf::File base = ruvllm::test::make_tiny_qwen2(spec);
    auto ad = std::make_shared<LoraAdapter>(ruvllm::test::make_random_lora(
        base, ruvllm::test::attention_targets(spec), 4, 8.0f, 0.3f, 5));
    ruvllm::Result<gguf::File> merged = ruvllm::merge_lora(base, *ad, 0.5f);
    ASSERT_TRUE(merged) << merged.error().message;
    Qwen2Options with;
    with.adapter = ad;
    with.adapter_scale = 0.5f;
    ruvllm::Result<Qwen2Model> a = Qwen2Model::from_gguf(base, with);
    ruvllm::Result<Qwen2Model> m = Qwen2Model::from_gguf(*merged);
    ruvllm::Result<Qwen2Model> plain = Qwen2Model::from_gguf(base);
    ASSERT_TRUE(a && m && plain);
    double worst = 1, changed = -1;
    for (const char* text : {"ab ab b", "a b c", "hello world", "bbb aaa ab"}) {
        const std::vector<float> ea = embed(*a, text);
        worst = std::min(worst, cosine(ea, embed(*m, text)));
        changed = std::max(changed, cosine(ea, embed(*plain, text)));
    }
    EXPECT_GE(worst, threshold);
    EXPECT_LT(changed, 0.99);  // the adapter changes the embeddings
    std::printf("[ lora     ] %s: adapter vs merged min cosine %.8f, vs base max %.4f\n",
                std::string(ruvllm::quant::type_info(type).name).c_str(),
                worst,
                changed);
}

TEST(Lora, Qwen2WithAdapterEqualsMergedF32) {
    expect_adapter_equals_merged(TensorType::f32, 0.99999);
}

TEST(Lora, Qwen2WithAdapterEqualsMergedQ8_0) {
    // The merged weights are re-quantised, the adapter is applied after dequantisation.
    expect_adapter_equals_merged(TensorType::q8_0, 0.999);
}

TEST(Lora, ErrorsOnBadAdapters) {
    const gguf::File base = two_by_two();
    LoraAdapter ad;
    ad.alpha = 2.0f;
    ad.tensors.push_back(LoraTensor{"blk.0.attn_q.weight", 2, {1, 2, 3}, {3, 4}});  // 3 % 2
    ruvllm::Result<gguf::File> r = ruvllm::merge_lora(base, ad, 1.0f);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("rank 2"), std::string::npos) << r.error().message;

    // Rank 1 but in 3: does not match the base's {2, 2}.
    ad.tensors[0] = LoraTensor{"blk.0.attn_q.weight", 1, {1, 2, 3}, {3, 4}};
    r = ruvllm::merge_lora(base, ad, 1.0f);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("{2, 2}"), std::string::npos) << r.error().message;

    ad.tensors[0] = LoraTensor{"blk.0.attn_z.weight", 1, {1, 2}, {3, 4}};
    r = ruvllm::merge_lora(base, ad, 1.0f);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("blk.0.attn_z.weight"), std::string::npos);

    ad.tensors[0] = LoraTensor{"blk.0.attn_q.weight", 1, {1, 2}, {3, 4}};
    ad.architecture = "llama";
    r = ruvllm::merge_lora(base, ad, 1.0f);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("'llama'"), std::string::npos) << r.error().message;

    ad.architecture = "qwen2";
    ad.alpha = 0.0f;
    EXPECT_EQ(ruvllm::validate_lora(ad).error().code, Errc::invalid_argument);
    ad.alpha = 1.0f;
    ad.tensors[0].b[0] = NAN;
    EXPECT_EQ(ruvllm::validate_lora(ad).error().code, Errc::numeric);
    ad.tensors[0] = LoraTensor{"token_embd.weight", 1, {1, 2}, {3, 4}};
    EXPECT_EQ(ruvllm::validate_lora(ad).error().code, Errc::unsupported);
    ad.tensors[0] = LoraTensor{"blk.0.attn_q.weight", 0, {}, {}};
    EXPECT_EQ(ruvllm::validate_lora(ad).error().code, Errc::invalid_argument);
}

TEST(Lora, Qwen2RejectsBadAdapters) {
    const TinyQwen2 spec;
    const gguf::File base = ruvllm::test::make_tiny_qwen2(spec);
    Qwen2Options o;
    auto ad = std::make_shared<LoraAdapter>(
        ruvllm::test::make_random_lora(base, {"blk.0.attn_q.weight"}, 4, 8.0f, 0.3f, 1));
    o.adapter = ad;
    ad->architecture = "llama";
    ruvllm::Result<Qwen2Model> m = Qwen2Model::from_gguf(base, o);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::invalid_argument);

    ad->architecture = "qwen2";
    ad->tensors[0].base_name = "blk.0.attn_k.weight";  // {64, 32}: wrong shape for these A, B
    m = Qwen2Model::from_gguf(base, o);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::invalid_argument);
    EXPECT_NE(m.error().message.find("blk.0.attn_k.weight"), std::string::npos);

    ad->tensors[0].base_name = "blk.9.attn_q.weight";
    m = Qwen2Model::from_gguf(base, o);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::invalid_argument);
    EXPECT_NE(m.error().message.find("not found"), std::string::npos) << m.error().message;

    // A tensor of the file that the embedder does not use (the LM head): refused, not ignored.
    gguf::File with_head = base;
    const uint64_t V = base.find_tensor("token_embd.weight")->shape[1];
    ASSERT_TRUE(
        with_head.add_tensor("output.weight", {spec.E, V}, std::vector<float>(spec.E * V, 0.01f)));
    o.adapter = std::make_shared<LoraAdapter>(
        ruvllm::test::make_random_lora(with_head, {"output.weight"}, 2, 4.0f, 0.3f, 1));
    m = Qwen2Model::from_gguf(with_head, o);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Errc::invalid_argument);
    EXPECT_NE(m.error().message.find("'output.weight' is not a layer weight"), std::string::npos)
        << m.error().message;
}

TEST(Lora, ReadRejectsMalformedFiles) {
    ruvllm::test::TempDir dir;
    int n_files = 0;
    auto expect_format = [&](const gguf::File& f, const std::string& what) {
        const std::string name = "bad" + std::to_string(n_files++) + ".gguf";
        ASSERT_TRUE(gguf::write_file(f, dir / name));
        ruvllm::Result<LoraAdapter> r = ruvllm::read_lora_gguf(dir / name);
        ASSERT_FALSE(r) << what;
        EXPECT_EQ(r.error().code, Errc::format) << what;
        EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    };
    gguf::File good;
    good.set("general.architecture", std::string("qwen2"));
    good.set("general.type", std::string("adapter"));
    good.set("adapter.type", std::string("lora"));
    good.set("adapter.lora.alpha", 4.0f);

    gguf::File model = good;
    model.set("general.type", std::string("model"));
    expect_format(model, "'adapter'");
    gguf::File no_alpha = good;
    no_alpha.remove("adapter.lora.alpha");
    expect_format(no_alpha, "adapter.lora.alpha");

    gguf::File unpaired = good;
    ASSERT_TRUE(
        unpaired.add_tensor("blk.0.attn_q.weight.lora_a", {2, 1}, std::vector<float>{1, 2}));
    expect_format(unpaired, "lacks its lora_b");

    gguf::File ranks = unpaired;  // lora_a rank 1, lora_b rank 2
    ASSERT_TRUE(
        ranks.add_tensor("blk.0.attn_q.weight.lora_b", {2, 2}, std::vector<float>{1, 2, 3, 4}));
    expect_format(ranks, "expected {in, rank} and {rank, out}");

    gguf::File suffix = good;
    ASSERT_TRUE(suffix.add_tensor("blk.0.attn_q.weight", {2}, std::vector<float>{1, 2}));
    expect_format(suffix, "unexpected suffix");
}

}  // namespace
