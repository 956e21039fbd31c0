// gguf.cpp: the GGUF v3 parser (bounds-checked, validating) and serializer (see gguf.h).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include <ruvllm/core/io.h>
#include <ruvllm/formats/gguf.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ruvllm::gguf {

namespace fs = std::filesystem;

std::string shape_str(const std::vector<uint64_t>& shape) {
    std::string out = "{";
    for (size_t i = 0; i < shape.size(); i++) {
        out += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return out + "}";
}

const char* type_name(Type t) {
    switch (t) {
        case Type::u8:
            return "u8";
        case Type::i8:
            return "i8";
        case Type::u16:
            return "u16";
        case Type::i16:
            return "i16";
        case Type::u32:
            return "u32";
        case Type::i32:
            return "i32";
        case Type::f32:
            return "f32";
        case Type::boolean:
            return "bool";
        case Type::string:
            return "string";
        case Type::array:
            return "array";
        case Type::u64:
            return "u64";
        case Type::i64:
            return "i64";
        case Type::f64:
            return "f64";
    }
    return "unknown";
}

namespace {

// Size on disk of one scalar of type t; 0 for string/array/unknown.
size_t scalar_size(Type t) {
    switch (t) {
        case Type::u8:
        case Type::i8:
        case Type::boolean:
            return 1;
        case Type::u16:
        case Type::i16:
            return 2;
        case Type::u32:
        case Type::i32:
        case Type::f32:
            return 4;
        case Type::u64:
        case Type::i64:
        case Type::f64:
            return 8;
        default:
            return 0;
    }
}

bool known_type(uint32_t t) {
    return t <= static_cast<uint32_t>(Type::f64);
}

constexpr int kMaxArrayDepth = 8;
constexpr size_t kMaxTensorName = 63;  // ggml's GGML_MAX_NAME - 1

uint64_t pad_to(uint64_t x, uint64_t align) {
    return (x + align - 1) / align * align;
}

}  // namespace

size_t Array::size() const {
    if (type == Type::string) {
        return strings.size();
    }
    if (type == Type::array) {
        return arrays.size();
    }
    const size_t s = scalar_size(type);
    return s == 0 ? 0 : bytes.size() / s;
}

uint64_t TensorInfo::n_elements() const {
    uint64_t n = 1;
    for (const uint64_t d : shape) {
        n *= d;
    }
    return n;
}

uint64_t TensorInfo::n_bytes() const {
    if (shape.empty()) {
        return 0;
    }
    const uint64_t rows = n_elements() / std::max<uint64_t>(shape[0], 1);
    return shape[0] == 0 ? 0 : quant::row_size(type, static_cast<int64_t>(shape[0])) * rows;
}

// ---- File ----

uint32_t File::alignment() const {
    const Value* v = find("general.alignment");
    if (v != nullptr) {
        if (const auto* a = std::get_if<uint32_t>(v); a != nullptr && *a != 0) {
            return *a;
        }
    }
    return kDefaultAlignment;
}

void File::set(std::string key, Value value) {
    for (auto& [k, v] : kv_) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    kv_.emplace_back(std::move(key), std::move(value));
}

bool File::remove(std::string_view key) {
    for (auto it = kv_.begin(); it != kv_.end(); ++it) {
        if (it->first == key) {
            kv_.erase(it);
            return true;
        }
    }
    return false;
}

const Value* File::find(std::string_view key) const {
    for (const auto& [k, v] : kv_) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
    for (const TensorInfo& t : tensors_) {
        if (t.name == name) {
            return &t;
        }
    }
    return nullptr;
}

namespace {

Status check_shape(const std::string& name, const std::vector<uint64_t>& shape, TensorType type) {
    if (name.empty() || name.size() > kMaxTensorName) {
        return make_error(Errc::invalid_argument,
                          "gguf: tensor name '" + name + "', expected 1 to 63 bytes");
    }
    if (shape.empty() || shape.size() > kMaxDims) {
        return make_error(Errc::invalid_argument,
                          "gguf: tensor '" + name + "' has " + std::to_string(shape.size()) +
                              " dims, expected 1 to 4");
    }
    const quant::TypeInfo ti = quant::type_info(type);
    if (ti.bytes == 0) {
        return make_error(Errc::unsupported, "gguf: tensor '" + name + "' has an unknown type");
    }
    if (shape[0] % ti.block != 0) {
        return make_error(Errc::invalid_argument,
                          "gguf: tensor '" + name + "' row of " + std::to_string(shape[0]) +
                              " elements, expected a multiple of " + std::to_string(ti.block) +
                              " for " + std::string(ti.name));
    }
    return ok();
}

}  // namespace

Status File::add_tensor_raw(std::string name,
                            std::vector<uint64_t> shape,
                            TensorType type,
                            std::span<const uint8_t> bytes) {
    Status s = check_shape(name, shape, type);
    if (!s) {
        return s;
    }
    if (find_tensor(name) != nullptr) {
        return make_error(Errc::invalid_argument, "gguf: duplicate tensor name '" + name + "'");
    }
    TensorInfo info{std::move(name), std::move(shape), type, 0};
    if (bytes.size() != info.n_bytes()) {
        return make_error(Errc::invalid_argument,
                          "gguf: tensor '" + info.name + "' has " + std::to_string(bytes.size()) +
                              " bytes, expected " + std::to_string(info.n_bytes()));
    }
    // Tensors added in memory live in owned_; a file read by mmap is first copied over.
    if (mapping_) {
        owned_.assign(mapped_, mapped_ + data_size_);
        mapping_.reset();
        mapped_ = nullptr;
    }
    const uint64_t align = alignment();
    info.offset = pad_to(owned_.size(), align);
    owned_.resize(info.offset, 0);
    owned_.insert(owned_.end(), bytes.begin(), bytes.end());
    data_size_ = owned_.size();
    tensors_.push_back(std::move(info));
    return ok();
}

Status File::add_tensor(std::string name,
                        std::vector<uint64_t> shape,
                        std::span<const float> values,
                        TensorType type) {
    Status s = check_shape(name, shape, type);
    if (!s) {
        return s;
    }
    uint64_t n = 1;
    for (const uint64_t d : shape) {
        n *= d;
    }
    if (values.size() != n) {
        return make_error(Errc::invalid_argument,
                          "gguf: tensor '" + name + "' has " + std::to_string(values.size()) +
                              " values, expected " + std::to_string(n));
    }
    std::vector<uint8_t> bytes(quant::row_size(type, static_cast<int64_t>(n)));
    s = quant::quantize(type, values.data(), bytes.data(), static_cast<int64_t>(n));
    if (!s) {
        return s;
    }
    return add_tensor_raw(std::move(name), std::move(shape), type, bytes);
}

std::span<const uint8_t> File::tensor_bytes(const TensorInfo& info) const {
    return {base() + info.offset, static_cast<size_t>(info.n_bytes())};
}

Result<std::vector<float>> File::tensor_f32(const TensorInfo& info) const {
    std::vector<float> out(static_cast<size_t>(info.n_elements()));
    Status s = quant::dequantize(
        info.type, base() + info.offset, out.data(), static_cast<int64_t>(out.size()));
    if (!s) {
        return s.error();
    }
    return out;
}

namespace {

Error not_finite(const std::string& name, bool nan, uint64_t i) {
    return make_error(Errc::format,
                      "gguf: tensor '" + name + "' holds " + (nan ? "NaN" : "an infinity") +
                          " at element " + std::to_string(i) + ", expected finite numbers");
}

}  // namespace

Status File::check_finite(const TensorInfo& info) const {
    const std::span<const uint8_t> bytes = tensor_bytes(info);
    const quant::TypeInfo ti = quant::type_info(info.type);
    const uint64_t n = info.n_elements();
    if (ti.bytes == 0 || ti.block == 0 || n % ti.block != 0 ||
        bytes.size() < n / ti.block * ti.bytes) {
        Result<std::vector<float>> v = finite_tensor_f32(info);  // its own error
        if (!v) {
            return v.error();
        }
        return ok();
    }
    Result<quant::NonFinite> bad =
        quant::find_non_finite(info.type, bytes.data(), static_cast<int64_t>(n));
    if (!bad) {
        return bad.error();
    }
    if (bad->index >= 0) {
        return not_finite(info.name, bad->nan, static_cast<uint64_t>(bad->index));
    }
    return ok();
}

Result<std::vector<float>> File::finite_tensor_f32(const TensorInfo& info) const {
    Result<std::vector<float>> v = tensor_f32(info);
    if (!v) {
        return v;
    }
    for (size_t i = 0; i < v->size(); i++) {
        if (!std::isfinite((*v)[i])) {
            return not_finite(info.name, (*v)[i] != (*v)[i], i);
        }
    }
    return v;
}

// ---- parsing ----

struct Parser {
    std::span<const uint8_t> in;
    size_t pos = 0;
    std::string where = "gguf";        // message prefix (the path for read_file)
    std::shared_ptr<const void> keep;  // the mmap the parsed File will point into

    Error fail(const std::string& what) const {
        return make_error(Errc::format, where + ": " + what + " at byte " + std::to_string(pos));
    }

    size_t left() const { return in.size() - pos; }

    template <class T>
    bool get(T& out) {
        if (left() < sizeof(T)) {
            return false;
        }
        std::memcpy(&out, in.data() + pos, sizeof(T));
        pos += sizeof(T);
        return true;
    }

    Result<std::string> string(const char* what) {
        uint64_t n = 0;
        if (!get(n)) {
            return fail(std::string("truncated ") + what + " length");
        }
        if (n > left()) {
            return fail(std::string(what) + " of " + std::to_string(n) +
                        " bytes, expected at most the " + std::to_string(left()) + " bytes left");
        }
        std::string s(reinterpret_cast<const char*>(in.data() + pos), static_cast<size_t>(n));
        pos += static_cast<size_t>(n);
        return s;
    }

    Result<Array> array(int depth) {
        if (depth > kMaxArrayDepth) {
            return fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth));
        }
        uint32_t et = 0;
        uint64_t n = 0;
        if (!get(et) || !get(n)) {
            return fail("truncated array header");
        }
        if (!known_type(et)) {
            return fail("unknown array element type " + std::to_string(et) + ", expected 0 to 12");
        }
        Array a;
        a.type = static_cast<Type>(et);
        const size_t es = scalar_size(a.type);
        // The smallest encoding of one element: its scalar size, 8 for a string (its length),
        // 12 for a nested array (type + count).
        const size_t min_size = es != 0 ? es : (a.type == Type::string ? 8 : 12);
        if (n > left() / min_size) {
            return fail("array of " + std::to_string(n) + " elements, expected at most " +
                        std::to_string(left() / min_size) + " in the bytes left");
        }
        if (es != 0) {
            a.bytes.assign(in.data() + pos, in.data() + pos + n * es);
            pos += static_cast<size_t>(n * es);
        } else if (a.type == Type::string) {
            a.strings.reserve(static_cast<size_t>(n));
            for (uint64_t i = 0; i < n; i++) {
                Result<std::string> s = string("array string");
                if (!s) {
                    return s.error();
                }
                a.strings.push_back(std::move(*s));
            }
        } else {
            for (uint64_t i = 0; i < n; i++) {
                Result<Array> sub = array(depth + 1);
                if (!sub) {
                    return sub.error();
                }
                a.arrays.push_back(std::move(*sub));
            }
        }
        return a;
    }

    Result<Value> value(uint32_t t) {
        auto scalar = [&](auto v) -> Result<Value> {
            if (!get(v)) {
                return fail("truncated value");
            }
            return Value(v);
        };
        switch (static_cast<Type>(t)) {
            case Type::u8:
                return scalar(uint8_t{});
            case Type::i8:
                return scalar(int8_t{});
            case Type::u16:
                return scalar(uint16_t{});
            case Type::i16:
                return scalar(int16_t{});
            case Type::u32:
                return scalar(uint32_t{});
            case Type::i32:
                return scalar(int32_t{});
            case Type::f32:
                return scalar(float{});
            case Type::boolean: {
                uint8_t b = 0;
                if (!get(b)) {
                    return fail("truncated value");
                }
                if (b > 1) {
                    return fail("bool value " + std::to_string(b) + ", expected 0 or 1");
                }
                return Value(b == 1);
            }
            case Type::string: {
                Result<std::string> s = string("string value");
                if (!s) {
                    return s.error();
                }
                return Value(std::move(*s));
            }
            case Type::array: {
                Result<Array> a = array(1);
                if (!a) {
                    return a.error();
                }
                return Value(std::move(*a));
            }
            case Type::u64:
                return scalar(uint64_t{});
            case Type::i64:
                return scalar(int64_t{});
            case Type::f64:
                return scalar(double{});
        }
        return fail("unknown value type " + std::to_string(t) + ", expected 0 to 12");
    }

    Result<File> parse(bool copy_data) {
        File f;
        if (in.size() < 4 || std::memcmp(in.data(), "GGUF", 4) != 0) {
            return fail("bad magic, expected \"GGUF\"");
        }
        pos = 4;
        uint32_t version = 0;
        uint64_t n_tensors = 0, n_kv = 0;
        if (!get(version)) {
            return fail("truncated header");
        }
        if (version != kVersion && version != 2) {
            pos -= 4;
            if (version == 1) {
                return fail(
                    "GGUF version 1 (32-bit counts) is not supported, expected version "
                    "2 or 3");
            }
            std::string hint;
            if ((version & 0xFFFF) == 0) {
                hint = " (a big-endian file?)";
            }
            return fail("GGUF version " + std::to_string(version) + hint + ", expected 3");
        }
        f.version_ = version;
        if (!get(n_tensors) || !get(n_kv)) {
            return fail("truncated header");
        }
        // Smallest possible encodings: a KV pair is 8 + 4 + 1 bytes, a tensor info 33.
        if (n_kv > left() / 13) {
            return fail("n_kv " + std::to_string(n_kv) + " is more than the file can hold");
        }
        if (n_tensors > left() / 33) {
            return fail("n_tensors " + std::to_string(n_tensors) +
                        " is more than the file can hold");
        }
        std::unordered_set<std::string> keys;
        for (uint64_t i = 0; i < n_kv; i++) {
            const size_t key_pos = pos;
            Result<std::string> key = string("key");
            if (!key) {
                return key.error();
            }
            if (key->empty()) {
                pos = key_pos;
                return fail("empty key, expected a name");
            }
            if (!keys.insert(*key).second) {
                pos = key_pos;
                return fail("duplicate key '" + *key + "'");
            }
            uint32_t t = 0;
            if (!get(t)) {
                return fail("truncated value type");
            }
            if (!known_type(t)) {
                pos -= 4;
                return fail("key '" + *key + "' has unknown value type " + std::to_string(t) +
                            ", expected 0 to 12");
            }
            Result<Value> v = value(t);
            if (!v) {
                return v.error();
            }
            f.kv_.emplace_back(std::move(*key), std::move(*v));
        }
        uint64_t align = kDefaultAlignment;
        if (const Value* a = f.find("general.alignment")) {
            const auto* u = std::get_if<uint32_t>(a);
            if (u == nullptr) {
                return fail(std::string("general.alignment is ") + type_name(value_type(*a)) +
                            ", expected u32");
            }
            if (*u == 0 || (*u & (*u - 1)) != 0) {
                return fail("general.alignment " + std::to_string(*u) +
                            ", expected a non-zero power of two");
            }
            align = *u;
        }
        std::unordered_set<std::string> names;
        uint64_t expected_offset = 0;
        for (uint64_t i = 0; i < n_tensors; i++) {
            const size_t info_pos = pos;
            Result<std::string> name = string("tensor name");
            if (!name) {
                return name.error();
            }
            if (name->empty() || name->size() > kMaxTensorName) {
                pos = info_pos;
                return fail("tensor name of " + std::to_string(name->size()) +
                            " bytes, expected 1 to 63");
            }
            if (!names.insert(*name).second) {
                pos = info_pos;
                return fail("duplicate tensor name '" + *name + "'");
            }
            TensorInfo ti;
            ti.name = std::move(*name);
            uint32_t n_dims = 0;
            if (!get(n_dims)) {
                return fail("truncated tensor info");
            }
            if (n_dims == 0 || n_dims > kMaxDims) {
                return fail("tensor '" + ti.name + "' has " + std::to_string(n_dims) +
                            " dims, expected 1 to 4");
            }
            uint64_t n_elements = 1;
            for (uint32_t d = 0; d < n_dims; d++) {
                uint64_t ne = 0;
                if (!get(ne)) {
                    return fail("truncated tensor shape");
                }
                if (ne > static_cast<uint64_t>(INT64_MAX)) {
                    return fail("tensor '" + ti.name + "' has a negative dimension");
                }
                if (ne != 0 && n_elements > static_cast<uint64_t>(INT64_MAX) / ne) {
                    return fail("tensor '" + ti.name + "' element count overflows");
                }
                n_elements *= ne;
                ti.shape.push_back(ne);
            }
            uint32_t type = 0;
            if (!get(type) || !get(ti.offset)) {
                return fail("truncated tensor info");
            }
            const quant::TypeInfo qi = quant::type_info(type);
            if (qi.bytes == 0) {
                return fail("tensor '" + ti.name + "' has unknown or unsupported type " +
                            std::to_string(type));
            }
            ti.type = static_cast<TensorType>(type);
            if (ti.shape[0] % qi.block != 0) {
                return fail("tensor '" + ti.name + "' row of " + std::to_string(ti.shape[0]) +
                            " elements, expected a multiple of " + std::to_string(qi.block) +
                            " for " + std::string(qi.name));
            }
            if (n_elements / qi.block > static_cast<uint64_t>(INT64_MAX) / qi.bytes) {
                return fail("tensor '" + ti.name + "' byte size overflows");
            }
            if (ti.offset != expected_offset) {
                return fail("tensor '" + ti.name + "' has offset " + std::to_string(ti.offset) +
                            ", expected " + std::to_string(expected_offset));
            }
            expected_offset = pad_to(ti.offset + ti.n_bytes(), align);
            f.tensors_.push_back(std::move(ti));
        }
        const uint64_t data_start = pad_to(pos, align);
        f.data_offset_ = data_start;
        const uint64_t data_avail = data_start <= in.size() ? in.size() - data_start : 0;
        for (const TensorInfo& ti : f.tensors_) {
            if (ti.offset + ti.n_bytes() > data_avail) {
                pos = in.size();
                return fail("data of tensor '" + ti.name + "' ends at " +
                            std::to_string(data_start + ti.offset + ti.n_bytes()) +
                            ", expected it within the file");
            }
        }
        if (data_start <= in.size()) {
            const uint8_t* d = in.data() + data_start;
            if (copy_data) {
                f.owned_.assign(d, d + data_avail);
            } else {
                f.mapped_ = d;
                f.mapping_ = keep;
            }
            f.data_size_ = data_avail;
        }
        return f;
    }
};

Result<File> read(std::span<const uint8_t> bytes) {
    Parser p{bytes, 0, "gguf", nullptr};
    return p.parse(true);
}

Result<File> read_file(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(Errc::io, path.string() + ": cannot open (" + std::strerror(errno) + ")");
    }

    struct stat st {};

    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(Errc::io, path.string() + ": not a regular file");
    }
    const auto size = static_cast<size_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        return make_error(Errc::format, path.string() + ": empty file, expected a GGUF model");
    }
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
        return make_error(Errc::io, path.string() + ": mmap failed (" + std::strerror(errno) + ")");
    }
    std::shared_ptr<const void> keep(
        map, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
    Parser p{{static_cast<const uint8_t*>(map), size}, 0, path.string(), std::move(keep)};
    return p.parse(false);
}

// ---- writing ----

namespace {

template <class T>
void put(std::vector<uint8_t>& out, T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof(T));
}

void put_string(std::vector<uint8_t>& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

void put_array(std::vector<uint8_t>& out, const Array& a) {
    put<uint32_t>(out, static_cast<uint32_t>(a.type));
    put<uint64_t>(out, a.size());
    if (a.type == Type::string) {
        for (const std::string& s : a.strings) {
            put_string(out, s);
        }
    } else if (a.type == Type::array) {
        for (const Array& sub : a.arrays) {
            put_array(out, sub);
        }
    } else {
        out.insert(out.end(), a.bytes.begin(), a.bytes.end());
    }
}

void put_value(std::vector<uint8_t>& out, const Value& v) {
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                put_string(out, x);
            } else if constexpr (std::is_same_v<T, Array>) {
                put_array(out, x);
            } else if constexpr (std::is_same_v<T, bool>) {
                put<uint8_t>(out, x ? 1 : 0);
            } else {
                put<T>(out, x);
            }
        },
        v);
}

}  // namespace

std::vector<uint8_t> write(const File& file) {
    std::vector<uint8_t> out;
    const uint64_t align = file.alignment();
    out.insert(out.end(), {'G', 'G', 'U', 'F'});
    put<uint32_t>(out, file.version());
    put<uint64_t>(out, file.tensors().size());
    put<uint64_t>(out, file.metadata().size());
    for (const auto& [k, v] : file.metadata()) {
        put_string(out, k);
        put<uint32_t>(out, static_cast<uint32_t>(value_type(v)));
        put_value(out, v);
    }
    uint64_t offset = 0;
    for (const TensorInfo& t : file.tensors()) {
        put_string(out, t.name);
        put<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
        for (const uint64_t d : t.shape) {
            put<uint64_t>(out, d);
        }
        put<uint32_t>(out, static_cast<uint32_t>(t.type));
        put<uint64_t>(out, offset);
        offset = pad_to(offset + t.n_bytes(), align);
    }
    if (file.tensors().empty()) {
        return out;  // metadata-only files (vocabularies) end after the KV pairs, as gguf-py's
    }
    out.resize(pad_to(out.size(), align), 0);
    for (const TensorInfo& t : file.tensors()) {
        const std::span<const uint8_t> b = file.tensor_bytes(t);
        out.insert(out.end(), b.begin(), b.end());
        out.resize(pad_to(out.size(), align), 0);  // each tensor padded, as llama.cpp does
    }
    return out;
}

Status write_file(const File& file, const fs::path& path) {
    const std::vector<uint8_t> bytes = write(file);
    return write_file_atomic(
        path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace ruvllm::gguf
