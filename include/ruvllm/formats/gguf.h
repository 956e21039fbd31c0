// ruvllm/formats/gguf.h: GGUF v3 files, the llama.cpp ecosystem's model format. One parser over
// bytes, one serializer; every model ruvllm writes is one GGUF file.
//
// Byte layout (little-endian; docs/formats.md#gguf):
//   "GGUF" | u32 version (3; 2 is read too: same layout) | u64 n_tensors | u64 n_kv
//   | n_kv x (key: u64 len + bytes, u32 value type, value)
//   | n_tensors x (name: u64 len + bytes, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset)
//   | zero padding to `alignment` | tensor data (each tensor starts at a multiple of alignment)
// Value types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string (u64 len +
// bytes), 9 array (u32 element type + u64 count + elements), 10 u64, 11 i64, 12 f64.
// `general.alignment` (u32, a power of two) sets the alignment; 32 when absent.
// Shapes are in ggml order: ne[0] is the contiguous dimension, so a (rows, cols) row-major
// matrix is written with shape {cols, rows}.
//
// Usage:
//   ruvllm::Result<ruvllm::gguf::File> f = ruvllm::gguf::read_file("model.gguf");  // mmap
//   if (!f) { /* f.error().message: "model.gguf: tensor 'w' has offset 96, expected 64" */ }
//   ruvllm::Result<std::string> arch = f->get<std::string>("general.architecture");
//   const ruvllm::gguf::TensorInfo* w = f->find_tensor("router.centroids");
//   ruvllm::Result<std::vector<float>> values = f->tensor_f32(*w);  // dequantised
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/formats/quant.h>

namespace ruvllm::gguf {

enum class Type : uint32_t {
    u8 = 0,
    i8 = 1,
    u16 = 2,
    i16 = 3,
    u32 = 4,
    i32 = 5,
    f32 = 6,
    boolean = 7,
    string = 8,
    array = 9,
    u64 = 10,
    i64 = 11,
    f64 = 12,
};

const char* type_name(Type t);  // "u32", "string", ...

// A tensor shape (ggml order) as error messages write it: "{896, 4864}".
std::string shape_str(const std::vector<uint64_t>& shape);

constexpr uint32_t kVersion = 3;
constexpr uint32_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;

// An array value. Numeric and bool elements are kept packed as their on-disk bytes, so a
// 150,000-entry vocabulary round-trips without per-element objects; strings and nested arrays
// are kept as objects.
struct Array {
    Type type = Type::u8;              // element type
    std::vector<uint8_t> bytes;        // numeric / bool elements, little-endian
    std::vector<std::string> strings;  // type == string
    std::vector<Array> arrays;         // type == array (nested)

    size_t size() const;

    template <class T>
    static Array of(const std::vector<T>& values);  // T: a numeric type, bool or std::string

    // The elements as T; Errc::format unless `type` matches T exactly.
    template <class T>
    Result<std::vector<T>> values() const;

    bool operator==(const Array& o) const {
        return type == o.type && bytes == o.bytes && strings == o.strings && arrays == o.arrays;
    }
};

using Value = std::variant<uint8_t,
                           int8_t,
                           uint16_t,
                           int16_t,
                           uint32_t,
                           int32_t,
                           float,
                           bool,
                           std::string,
                           Array,
                           uint64_t,
                           int64_t,
                           double>;  // variant index == Type id

inline Type value_type(const Value& v) {
    return static_cast<Type>(v.index());
}

struct TensorInfo {
    std::string name;
    std::vector<uint64_t> shape;  // ggml order, 1 to 4 dims
    TensorType type = TensorType::f32;
    uint64_t offset = 0;  // from the start of the data section, a multiple of alignment
    uint64_t n_elements() const;
    uint64_t n_bytes() const;  // quant::row_size(type, shape[0]) * rows
};

class File {
public:
    uint32_t alignment() const;  // "general.alignment" or 32

    // Replaces the value of an existing key in place, else appends.
    void set(std::string key, Value value);
    bool remove(std::string_view key);              // false if absent
    const Value* find(std::string_view key) const;  // nullptr if absent

    // Typed getter: Errc::format if the key is absent or holds another type.
    template <class T>
    Result<T> get(std::string_view key) const;

    // Adds a tensor of `type` from float values (quantised here). Errc::invalid_argument for a
    // duplicate name, a bad shape, a size mismatch, or a row length that the type cannot hold.
    Status add_tensor(std::string name,
                      std::vector<uint64_t> shape,
                      std::span<const float> values,
                      TensorType type = TensorType::f32);
    // Adds a tensor from already-encoded bytes (n_bytes of the shape and type).
    Status add_tensor_raw(std::string name,
                          std::vector<uint64_t> shape,
                          TensorType type,
                          std::span<const uint8_t> bytes);

    const TensorInfo* find_tensor(std::string_view name) const;  // nullptr if absent
    std::span<const uint8_t> tensor_bytes(const TensorInfo& info) const;
    Result<std::vector<float>> tensor_f32(const TensorInfo& info) const;  // dequantised
    // The same, and Errc::format naming the tensor and the index of its first NaN or infinity:
    // what a model's parameters go through, so a crafted file cannot make routing answer NaN.
    Result<std::vector<float>> finite_tensor_f32(const TensorInfo& info) const;
    // The same check without keeping the values (a tensor kept encoded, e.g. F16 or Q8_0 rows
    // read from the memory map), by quant::find_non_finite: F16/BF16 by their exponent bits,
    // F32 directly, block types by their F16 scales (a bad block is dequantised to name its
    // first bad element). Ok, or finite_tensor_f32's error.
    Status check_finite(const TensorInfo& info) const;

    const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }

    const std::vector<TensorInfo>& tensors() const { return tensors_; }

    uint64_t data_offset() const { return data_offset_; }  // of the file this was read from

    // The memory map behind tensor_bytes() when the file was read with read_file (tensor
    // bytes stay valid while it is held), else null (the bytes live in this File).
    std::shared_ptr<const void> mapping() const { return mapping_; }

    // 3, or 2 for a version-2 file that was read (same layout; kept so it round-trips).
    uint32_t version() const { return version_; }

private:
    friend struct Parser;  // gguf.cpp

    std::vector<std::pair<std::string, Value>> kv_;  // insertion order is file order
    std::vector<TensorInfo> tensors_;

    // Tensor data: owned_ (added in memory, or copied by read()), or an mmap shared by copies
    // of this File (read_file). Computed, not cached, so copies stay valid.
    const uint8_t* base() const { return mapping_ ? mapped_ : owned_.data(); }

    std::vector<uint8_t> owned_;
    std::shared_ptr<const void> mapping_;
    const uint8_t* mapped_ = nullptr;  // start of the data section inside the mapping
    uint64_t data_size_ = 0;
    uint64_t data_offset_ = 0;
    uint32_t version_ = kVersion;
};

// Parses and validates a whole file image; tensor data is copied. Errc::format with
// "gguf: <what> at byte <n>, expected <what>" for every malformed or hostile input; never reads
// out of bounds or allocates more than the input can describe.
Result<File> read(std::span<const uint8_t> bytes);

// Memory-maps `path` and parses it without copying tensor data. Messages start with the path.
Result<File> read_file(const std::filesystem::path& path);

// Serialises `file` (metadata, tensor infos with offsets recomputed, aligned data).
std::vector<uint8_t> write(const File& file);

// write() to a temp file, then rename onto `path`.
Status write_file(const File& file, const std::filesystem::path& path);

// ---- template implementations ----

namespace detail {

template <class T>
constexpr Type type_of() {
    if constexpr (std::is_same_v<T, uint8_t>) {
        return Type::u8;
    } else if constexpr (std::is_same_v<T, int8_t>) {
        return Type::i8;
    } else if constexpr (std::is_same_v<T, uint16_t>) {
        return Type::u16;
    } else if constexpr (std::is_same_v<T, int16_t>) {
        return Type::i16;
    } else if constexpr (std::is_same_v<T, uint32_t>) {
        return Type::u32;
    } else if constexpr (std::is_same_v<T, int32_t>) {
        return Type::i32;
    } else if constexpr (std::is_same_v<T, float>) {
        return Type::f32;
    } else if constexpr (std::is_same_v<T, bool>) {
        return Type::boolean;
    } else if constexpr (std::is_same_v<T, std::string>) {
        return Type::string;
    } else if constexpr (std::is_same_v<T, uint64_t>) {
        return Type::u64;
    } else if constexpr (std::is_same_v<T, int64_t>) {
        return Type::i64;
    } else {
        static_assert(std::is_same_v<T, double>, "not a GGUF value type");
        return Type::f64;
    }
}

template <class T>
struct is_vector : std::false_type {};

template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

}  // namespace detail

template <class T>
Array Array::of(const std::vector<T>& values) {
    Array a;
    a.type = detail::type_of<T>();
    if constexpr (std::is_same_v<T, std::string>) {
        a.strings = values;
    } else if constexpr (std::is_same_v<T, bool>) {
        for (const bool b : values) {
            a.bytes.push_back(b ? 1 : 0);
        }
    } else {
        a.bytes.resize(values.size() * sizeof(T));
        std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
    }
    return a;
}

template <class T>
Result<std::vector<T>> Array::values() const {
    if (type != detail::type_of<T>()) {
        return make_error(Errc::format,
                          std::string("gguf: array of ") + type_name(type) +
                              ", expected an array of " + type_name(detail::type_of<T>()));
    }
    if constexpr (std::is_same_v<T, std::string>) {
        return strings;
    } else if constexpr (std::is_same_v<T, bool>) {
        std::vector<bool> out;
        for (const uint8_t b : bytes) {
            out.push_back(b != 0);
        }
        return out;
    } else {
        std::vector<T> out(bytes.size() / sizeof(T));
        std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
        return out;
    }
}

template <class T>
Result<T> File::get(std::string_view key) const {
    const Value* v = find(key);
    if (v == nullptr) {
        return make_error(Errc::format, "gguf: key '" + std::string(key) + "' not found");
    }
    if constexpr (detail::is_vector<T>::value) {
        const Array* a = std::get_if<Array>(v);
        if (a == nullptr) {
            return make_error(Errc::format,
                              "gguf: key '" + std::string(key) + "' is " +
                                  type_name(value_type(*v)) + ", expected an array");
        }
        Result<T> r = a->template values<typename T::value_type>();
        if (!r) {
            return make_error(
                Errc::format,
                "gguf: key '" + std::string(key) + "': " + r.error().message.substr(6));
        }
        return r;
    } else {
        const T* x = std::get_if<T>(v);
        if (x == nullptr) {
            return make_error(Errc::format,
                              "gguf: key '" + std::string(key) + "' is " +
                                  type_name(value_type(*v)) + ", expected " +
                                  type_name(detail::type_of<T>()));
        }
        return *x;
    }
}

}  // namespace ruvllm::gguf
