// gguf_test.cpp: round trips of random files (bytes and mmap), golden bytes written by hand
// from the spec, and one test per corruption (the exact error code and a message fragment).
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include <ruvllm/core/rng.h>
#include <ruvllm/formats/gguf.h>

#include "testutil.h"

namespace gguf = ruvllm::gguf;
using ruvllm::TensorType;

namespace {

// ---- a little byte builder for hand-made files ----
struct Bytes {
    std::vector<uint8_t> b;

    template <class T>
    Bytes& num(T v) {
        const auto* p = reinterpret_cast<const uint8_t*>(&v);
        b.insert(b.end(), p, p + sizeof(T));
        return *this;
    }

    Bytes& str(const std::string& s) {
        num<uint64_t>(s.size());
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }

    Bytes& raw(std::initializer_list<uint8_t> v) {
        b.insert(b.end(), v);
        return *this;
    }

    Bytes& pad(size_t align) {
        b.resize((b.size() + align - 1) / align * align, 0);
        return *this;
    }
};

Bytes header(uint64_t n_tensors, uint64_t n_kv) {
    Bytes h;
    h.raw({'G', 'G', 'U', 'F'}).num<uint32_t>(3).num<uint64_t>(n_tensors).num<uint64_t>(n_kv);
    return h;
}

// A random file: every value type, nested and string arrays, tensors of several types.
gguf::File random_file(uint64_t seed) {
    ruvllm::Rng rng(seed);
    gguf::File f;
    f.set("general.architecture", std::string("ruvllm"));
    f.set("t.u8", static_cast<uint8_t>(rng.below(256)));
    f.set("t.i8", static_cast<int8_t>(-5));
    f.set("t.u16", static_cast<uint16_t>(rng.below(65536)));
    f.set("t.i16", static_cast<int16_t>(-300));
    f.set("t.u32", rng.next_u32());
    f.set("t.i32", static_cast<int32_t>(-7));
    f.set("t.f32", rng.uniform_f32());
    f.set("t.bool", true);
    f.set("t.u64", rng.next_u64());
    f.set("t.i64", static_cast<int64_t>(-1) << 40);
    f.set("t.f64", rng.uniform_f64());
    f.set("t.str", std::string("h\xc3\xa9llo \0 world", 14));
    f.set("t.arr_f32", gguf::Array::of(std::vector<float>{1.5f, -2.0f, rng.uniform_f32()}));
    f.set("t.arr_str", gguf::Array::of(std::vector<std::string>{"a", "", "coder"}));
    f.set("t.arr_i32", gguf::Array::of(std::vector<int32_t>{1, -2, 3}));
    f.set("t.arr_bool", gguf::Array::of(std::vector<bool>{true, false}));
    gguf::Array nested;
    nested.type = gguf::Type::array;
    nested.arrays = {gguf::Array::of(std::vector<uint16_t>{1, 2}),
                     gguf::Array::of(std::vector<uint16_t>{3})};
    f.set("t.nested", nested);
    const int n = 256 * (1 + static_cast<int>(rng.below(3)));
    std::vector<float> x(static_cast<size_t>(n) * 2);
    for (float& v : x) {
        v = rng.uniform_f32() * 2 - 1;
    }
    EXPECT_TRUE(f.add_tensor("a.f32", {static_cast<uint64_t>(n), 2}, x));
    EXPECT_TRUE(f.add_tensor("b.q8_0", {static_cast<uint64_t>(n), 2}, x, TensorType::q8_0));
    EXPECT_TRUE(f.add_tensor("c.q4_k", {static_cast<uint64_t>(n), 2}, x, TensorType::q4_k));
    EXPECT_TRUE(f.add_tensor("d.f16", {3}, std::vector<float>{1, 2, 3}, TensorType::f16));
    return f;
}

void expect_same(const gguf::File& a, const gguf::File& b) {
    ASSERT_EQ(a.metadata().size(), b.metadata().size());
    for (size_t i = 0; i < a.metadata().size(); i++) {
        EXPECT_EQ(a.metadata()[i].first, b.metadata()[i].first);
        EXPECT_TRUE(a.metadata()[i].second == b.metadata()[i].second) << a.metadata()[i].first;
    }
    ASSERT_EQ(a.tensors().size(), b.tensors().size());
    for (size_t i = 0; i < a.tensors().size(); i++) {
        const gguf::TensorInfo& x = a.tensors()[i];
        const gguf::TensorInfo& y = b.tensors()[i];
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.shape, y.shape);
        EXPECT_EQ(x.type, y.type);
        EXPECT_EQ(x.offset, y.offset);
        const auto bx = a.tensor_bytes(x);
        const auto by = b.tensor_bytes(y);
        EXPECT_TRUE(std::equal(bx.begin(), bx.end(), by.begin(), by.end())) << x.name;
    }
}

ruvllm::Error read_error(const std::vector<uint8_t>& bytes) {
    ruvllm::Result<gguf::File> f = gguf::read(bytes);
    EXPECT_FALSE(f);
    return f ? ruvllm::Error{} : f.error();
}

}  // namespace

TEST(Gguf, RoundTripRandomFilesFromBytes) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        const gguf::File f = random_file(seed);
        const std::vector<uint8_t> bytes = gguf::write(f);
        ruvllm::Result<gguf::File> back = gguf::read(bytes);
        ASSERT_TRUE(back) << back.error().message;
        expect_same(f, *back);
        EXPECT_EQ(gguf::write(*back), bytes);
    }
}

TEST(Gguf, RoundTripThroughAFileWithMmap) {
    ruvllm::test::TempDir dir;
    const gguf::File f = random_file(9);
    ASSERT_TRUE(gguf::write_file(f, dir / "m.gguf"));
    ruvllm::Result<gguf::File> back = gguf::read_file(dir / "m.gguf");
    ASSERT_TRUE(back) << back.error().message;
    expect_same(f, *back);
    // A copy of a mapped File stays valid, and adding a tensor detaches it from the mapping.
    gguf::File copy = *back;
    ASSERT_TRUE(copy.add_tensor("e.new", {2}, std::vector<float>{4, 5}));
    ruvllm::Result<std::vector<float>> e = copy.tensor_f32(*copy.find_tensor("e.new"));
    ASSERT_TRUE(e);
    EXPECT_EQ(*e, (std::vector<float>{4, 5}));
    expect_same(f, *back);
}

TEST(Gguf, TypedGettersAndTensorValues) {
    const gguf::File f = random_file(3);
    EXPECT_EQ(*f.get<std::string>("general.architecture"), "ruvllm");
    EXPECT_EQ(*f.get<int32_t>("t.i32"), -7);
    EXPECT_EQ((*f.get<std::vector<std::string>>("t.arr_str")),
              (std::vector<std::string>{"a", "", "coder"}));
    EXPECT_EQ(f.get<uint32_t>("t.i32").error().code, ruvllm::Errc::format);
    EXPECT_NE(f.get<uint32_t>("t.i32").error().message.find("is i32, expected u32"),
              std::string::npos);
    EXPECT_NE(f.get<float>("missing").error().message.find("'missing' not found"),
              std::string::npos);
    EXPECT_EQ(f.find("missing"), nullptr);
    EXPECT_EQ(f.find_tensor("missing"), nullptr);
    ruvllm::Result<std::vector<float>> d = f.tensor_f32(*f.find_tensor("d.f16"));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (std::vector<float>{1, 2, 3}));
}

TEST(Gguf, GoldenBytesWrittenByHandFromTheSpec) {
    gguf::File f;
    f.set("general.architecture", std::string("ruvllm"));
    f.set("ruvllm.n", static_cast<uint32_t>(7));
    ASSERT_TRUE(f.add_tensor("w", {2, 1}, std::vector<float>{1.0f, -2.0f}));
    Bytes g = header(1, 2);
    g.str("general.architecture").num<uint32_t>(8).str("ruvllm");
    g.str("ruvllm.n").num<uint32_t>(4).num<uint32_t>(7);
    g.str("w").num<uint32_t>(2).num<uint64_t>(2).num<uint64_t>(1).num<uint32_t>(0).num<uint64_t>(0);
    g.pad(32);
    g.num<float>(1.0f).num<float>(-2.0f).pad(32);
    EXPECT_EQ(gguf::write(f), g.b);
    EXPECT_EQ(g.b.size(), 192u);
}

TEST(Gguf, AlignmentKeyMovesTheData) {
    gguf::File f;
    f.set("general.alignment", static_cast<uint32_t>(64));
    ASSERT_TRUE(f.add_tensor("a", {3}, std::vector<float>{1, 2, 3}));
    ASSERT_TRUE(f.add_tensor("b", {1}, std::vector<float>{4}));
    EXPECT_EQ(f.find_tensor("b")->offset, 64u);
    const std::vector<uint8_t> bytes = gguf::write(f);
    ruvllm::Result<gguf::File> back = gguf::read(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->data_offset() % 64, 0u);
    EXPECT_EQ(bytes.size() % 64, 0u);
    EXPECT_EQ(*back->tensor_f32(*back->find_tensor("b")), std::vector<float>{4});
}

TEST(Gguf, AddTensorRejectsBadInput) {
    gguf::File f;
    EXPECT_EQ(f.add_tensor("x", {3}, std::vector<float>{1, 2}).error().code,
              ruvllm::Errc::invalid_argument);
    EXPECT_EQ(f.add_tensor("x", {}, std::vector<float>{}).error().code,
              ruvllm::Errc::invalid_argument);
    EXPECT_EQ(f.add_tensor("x", {1, 1, 1, 1, 1}, std::vector<float>{1}).error().code,
              ruvllm::Errc::invalid_argument);
    EXPECT_EQ(f.add_tensor("x", {100}, std::vector<float>(100), TensorType::q4_k).error().code,
              ruvllm::Errc::invalid_argument);
    EXPECT_EQ(f.add_tensor(std::string(64, 'n'), {1}, std::vector<float>{1}).error().code,
              ruvllm::Errc::invalid_argument);
    ASSERT_TRUE(f.add_tensor("x", {1}, std::vector<float>{1}));
    EXPECT_NE(f.add_tensor("x", {1}, std::vector<float>{1}).error().message.find("duplicate"),
              std::string::npos);
}

// ---- handcrafted corruptions (llama.cpp's HANDCRAFTED_* idea) ----

TEST(GgufHandcrafted, EveryCorruptionGivesItsError) {
    const struct {
        const char* name;
        std::vector<uint8_t> bytes;
        const char* fragment;
    } cases[] = {
        {"bad magic", Bytes{}.raw({'G', 'G', 'U', 'X', 3, 0, 0, 0}).b, "bad magic"},
        {"empty", {}, "bad magic"},
        {"version 1",
         Bytes{}.raw({'G', 'G', 'U', 'F'}).num<uint32_t>(1).num<uint64_t>(0).num<uint64_t>(0).b,
         "version 1 (32-bit counts) is not supported"},
        {"version 4",
         Bytes{}.raw({'G', 'G', 'U', 'F'}).num<uint32_t>(4).num<uint64_t>(0).num<uint64_t>(0).b,
         "version 4, expected 3"},
        {"big endian",
         Bytes{}.raw({'G', 'G', 'U', 'F'}).num<uint32_t>(0x03000000).num<uint64_t>(0).b,
         "big-endian"},
        {"version 0", Bytes{}.raw({'G', 'G', 'U', 'F'}).num<uint32_t>(0).b, "expected 3"},
        {"truncated header",
         Bytes{}.raw({'G', 'G', 'U', 'F'}).num<uint32_t>(3).b,
         "truncated header"},
        {"lying n_kv", header(0, uint64_t{1} << 60).b, "n_kv 1152921504606846976 is more"},
        {"lying n_tensors", header(uint64_t{1} << 40, 0).b, "n_tensors"},
        {"huge key length",
         header(0, 1).num<uint64_t>(uint64_t{1} << 62).raw({1, 2, 3, 4, 5, 6}).b,
         "key of 4611686018427387904 bytes"},
        {"empty key", header(0, 1).str("").num<uint32_t>(0).num<uint8_t>(1).b, "empty key"},
        {"duplicate key",
         header(0, 2)
             .str("k")
             .num<uint32_t>(0)
             .num<uint8_t>(1)
             .str("k")
             .num<uint32_t>(0)
             .num<uint8_t>(2)
             .b,
         "duplicate key 'k'"},
        {"unknown value type",
         header(0, 1).str("k").num<uint32_t>(13).num<uint64_t>(0).b,
         "unknown value type 13"},
        {"truncated value",
         header(0, 1).str("k").num<uint32_t>(4).raw({1, 2}).b,
         "truncated value"},
        {"bad bool",
         header(0, 1)
             .str("k")
             .num<uint32_t>(7)
             .num<uint8_t>(2)
             .raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
             .b,
         "bool value 2"},
        {"huge string",
         header(0, 1).str("k").num<uint32_t>(8).num<uint64_t>(1000).raw({1, 2}).b,
         "string value of 1000 bytes"},
        {"huge array",
         header(0, 1)
             .str("k")
             .num<uint32_t>(9)
             .num<uint32_t>(6)
             .num<uint64_t>(uint64_t{1} << 61)
             .raw({0, 0, 0, 0})
             .b,
         "array of 2305843009213693952 elements"},
        {"array of unknown type",
         header(0, 1)
             .str("k")
             .num<uint32_t>(9)
             .num<uint32_t>(77)
             .num<uint64_t>(1)
             .raw({0, 0, 0, 0})
             .b,
         "unknown array element type 77"},
        {"alignment not u32",
         header(0, 1)
             .str("general.alignment")
             .num<uint32_t>(10)
             .num<uint64_t>(32)
             .raw({0, 0, 0, 0, 0, 0})
             .b,
         "general.alignment is u64, expected u32"},
        {"alignment 0",
         header(0, 1)
             .str("general.alignment")
             .num<uint32_t>(4)
             .num<uint32_t>(0)
             .raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
             .b,
         "non-zero power of two"},
        {"alignment 48",
         header(0, 1)
             .str("general.alignment")
             .num<uint32_t>(4)
             .num<uint32_t>(48)
             .raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
             .b,
         "general.alignment 48"},
    };

    for (const auto& c : cases) {
        const ruvllm::Error e = read_error(c.bytes);
        EXPECT_EQ(e.code, ruvllm::Errc::format) << c.name;
        EXPECT_NE(e.message.find(c.fragment), std::string::npos)
            << c.name << ": " << e.message << "\nexpected: " << c.fragment;
        EXPECT_EQ(e.message.rfind("gguf: ", 0), 0u) << e.message;
    }
}

namespace {

// One tensor info after a header with no KV pairs, then optional data.
Bytes one_tensor(const std::string& name,
                 std::vector<uint64_t> shape,
                 uint32_t type,
                 uint64_t offset) {
    Bytes b = header(1, 0);
    b.str(name).num<uint32_t>(static_cast<uint32_t>(shape.size()));
    for (uint64_t d : shape) {
        b.num<uint64_t>(d);
    }
    b.num<uint32_t>(type).num<uint64_t>(offset);
    return b;
}

}  // namespace

TEST(GgufHandcrafted, TensorInfoCorruptions) {
    Bytes two = header(2, 0);
    two.str("w").num<uint32_t>(1).num<uint64_t>(1).num<uint32_t>(0).num<uint64_t>(0);
    two.str("w").num<uint32_t>(1).num<uint64_t>(1).num<uint32_t>(0).num<uint64_t>(32);
    Bytes misaligned = header(2, 0);
    misaligned.str("a").num<uint32_t>(1).num<uint64_t>(1).num<uint32_t>(0).num<uint64_t>(0);
    misaligned.str("b").num<uint32_t>(1).num<uint64_t>(1).num<uint32_t>(0).num<uint64_t>(4);
    misaligned.pad(32).raw({0, 0, 0, 0}).pad(32).raw({0, 0, 0, 0});

    const struct {
        const char* name;
        std::vector<uint8_t> bytes;
        const char* fragment;
    } cases[] = {
        {"duplicate tensor name",
         two.pad(32).raw({0, 0, 0, 0}).pad(32).raw({0, 0, 0, 0}).b,
         "duplicate tensor name 'w'"},
        {"5 dims", one_tensor("w", {1, 1, 1, 1, 1}, 0, 0).b, "has 5 dims, expected 1 to 4"},
        {"0 dims",
         one_tensor("w", {}, 0, 0).raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}).b,
         "has 0 dims"},
        {"negative dim", one_tensor("w", {uint64_t{1} << 63}, 0, 0).b, "negative dimension"},
        {"overflow",
         one_tensor("w", {uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0).b,
         "element count overflows"},
        {"byte size overflow", one_tensor("w", {uint64_t{1} << 62}, 0, 0).b, "byte size overflows"},
        {"unknown tensor type", one_tensor("w", {4}, 99, 0).b, "unknown or unsupported type 99"},
        {"row not a block multiple",
         one_tensor("w", {100}, 12, 0).b,
         "expected a multiple of 256 for Q4_K"},
        {"bad first offset", one_tensor("w", {1}, 0, 32).b, "has offset 32, expected 0"},
        {"misaligned offset", misaligned.b, "tensor 'b' has offset 4, expected 32"},
        {"data too short",
         one_tensor("w", {64}, 0, 0).pad(32).raw({1, 2, 3}).b,
         "data of tensor 'w' ends at"},
        {"long name", one_tensor(std::string(64, 'x'), {1}, 0, 0).b, "tensor name of 64 bytes"},
    };

    for (const auto& c : cases) {
        const ruvllm::Error e = read_error(c.bytes);
        EXPECT_EQ(e.code, ruvllm::Errc::format) << c.name;
        EXPECT_NE(e.message.find(c.fragment), std::string::npos)
            << c.name << ": " << e.message << "\nexpected: " << c.fragment;
    }
}

TEST(GgufHandcrafted, DeeplyNestedArraysAreRejected) {
    Bytes b = header(0, 1).str("k").num<uint32_t>(9);
    for (int i = 0; i < 20; i++) {
        b.num<uint32_t>(9).num<uint64_t>(1);
    }
    b.num<uint32_t>(0).num<uint64_t>(0);
    EXPECT_NE(read_error(b.b).message.find("nested deeper"), std::string::npos);
}

TEST(GgufHandcrafted, EveryTruncationIsAnErrorNotACrash) {
    const std::vector<uint8_t> bytes = gguf::write(random_file(2));
    // Cutting the final padding of the last tensor still leaves a readable file (llama.cpp
    // accepts that too); cutting into any header or tensor byte must fail cleanly.
    const gguf::File f = *gguf::read(bytes);
    const gguf::TensorInfo& last = f.tensors().back();
    const size_t needed = f.data_offset() + last.offset + last.n_bytes();
    for (size_t n = 0; n < bytes.size(); n++) {
        ruvllm::Result<gguf::File> r = gguf::read(std::span(bytes.data(), n));
        if (n >= needed) {
            EXPECT_TRUE(r) << n;
        } else {
            ASSERT_FALSE(r) << n;
            EXPECT_EQ(r.error().code, ruvllm::Errc::format);
        }
    }
}

TEST(GgufHandcrafted, RandomByteFlipsNeverCrash) {
    const std::vector<uint8_t> good = gguf::write(random_file(4));
    ruvllm::Rng rng(11);
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
        std::vector<uint8_t> bad = good;
        const int flips = 1 + static_cast<int>(rng.below(4));
        for (int k = 0; k < flips; k++) {
            // Mostly in the header and tensor infos, where the structure lives.
            const size_t at = rng.below(static_cast<uint32_t>(std::min<size_t>(bad.size(), 700)));
            bad[at] = static_cast<uint8_t>(rng.below(256));
        }
        ruvllm::Result<gguf::File> r = gguf::read(bad);
        rejected += r ? 0 : 1;
        if (r) {  // whatever parses must serialise and parse again
            EXPECT_TRUE(gguf::read(gguf::write(*r)));
        }
    }
    EXPECT_GT(rejected, 100);
}

TEST(GgufFile, MissingAndEmptyFiles) {
    ruvllm::test::TempDir dir;
    ruvllm::Result<gguf::File> r = gguf::read_file(dir / "nope.gguf");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ruvllm::Errc::io);
    EXPECT_NE(r.error().message.find("nope.gguf: cannot open"), std::string::npos);
    ruvllm::test::spit(dir / "empty.gguf", "");
    r = gguf::read_file(dir / "empty.gguf");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("empty file"), std::string::npos);
    ruvllm::test::spit(dir / "text.gguf", "hello world, this is not a model");
    r = gguf::read_file(dir / "text.gguf");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("text.gguf: bad magic"), std::string::npos);
}

// check_finite finds a NaN or an infinity in a tensor however it is stored (F32, F16 and BF16 by
// their bits, block types by their F16 scales), at the same element finite_tensor_f32 names
// through full dequantisation (the oracle), and passes finite tensors.
TEST(Gguf, CheckFiniteInEveryStorageType) {
    using ruvllm::TensorType;
    for (const TensorType type : {TensorType::f32,
                                  TensorType::f16,
                                  TensorType::bf16,
                                  TensorType::q8_0,
                                  TensorType::q4_0,
                                  TensorType::q4_1,
                                  TensorType::q5_0,
                                  TensorType::q5_1,
                                  TensorType::q4_k,
                                  TensorType::q5_k,
                                  TensorType::q6_k}) {
        // Where each block type keeps its F16 scales (quant.h's layouts, written out here).
        std::vector<size_t> scales = {0};
        if (type == TensorType::q4_1 || type == TensorType::q5_1 || type == TensorType::q4_k ||
            type == TensorType::q5_k) {
            scales = {0, 2};
        } else if (type == TensorType::q6_k) {
            scales = {208};
        }
        for (const float bad : {0.0f,
                                std::numeric_limits<float>::infinity(),
                                -std::numeric_limits<float>::infinity(),
                                std::numeric_limits<float>::quiet_NaN()})
            for (const size_t scale : scales) {
                SCOPED_TRACE(std::string(ruvllm::quant::type_info(type).name) + " " +
                             std::to_string(bad) + " scale at byte " + std::to_string(scale));
                std::vector<float> v(256 * 5);
                for (size_t i = 0; i < v.size(); i++) {
                    v[i] = 0.01f * static_cast<float>(i % 17) - 0.05f;
                }
                ruvllm::gguf::File f;
                const ruvllm::quant::TypeInfo ti = ruvllm::quant::type_info(type);
                if (ti.block == 1) {
                    v[700] = bad == 0.0f ? v[700] : bad;
                    ASSERT_TRUE(f.add_tensor("t", {256, 5}, v, type));
                } else {
                    // A block type cannot hold a NaN value, only a non-finite scale: one F16 scale
                    // of the block of element 700.
                    std::vector<uint8_t> raw(ruvllm::quant::row_size(type, 256) * 5);
                    ASSERT_TRUE(ruvllm::quant::quantize(type, v.data(), raw.data(), 256 * 5));
                    if (bad != 0.0f) {
                        const uint16_t h = ruvllm::quant::f32_to_f16(bad);
                        const size_t at = (700 / ti.block) * ti.bytes + scale;
                        raw[at] = static_cast<uint8_t>(h & 0xFF);
                        raw[at + 1] = static_cast<uint8_t>(h >> 8);
                    }
                    ASSERT_TRUE(f.add_tensor_raw("t", {256, 5}, type, raw));
                }
                const ruvllm::Result<ruvllm::gguf::File> g =
                    ruvllm::gguf::read(ruvllm::gguf::write(f));
                ASSERT_TRUE(g);
                const ruvllm::Status s = g->check_finite(*g->find_tensor("t"));
                const ruvllm::Result<std::vector<float>> full =
                    g->finite_tensor_f32(*g->find_tensor("t"));
                if (bad == 0.0f) {
                    EXPECT_TRUE(s) << s.error().message;
                    EXPECT_TRUE(full);
                    continue;
                }
                ASSERT_FALSE(s);
                ASSERT_FALSE(full);
                // A block type spreads a bad scale over its block: the first bad element is the
                // block's; both checks name the same one.
                EXPECT_EQ(s.error().message, full.error().message);
                EXPECT_NE(s.error().message.find("tensor 't' holds"), std::string::npos);
            }
    }
}
