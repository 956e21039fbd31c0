// cmd_inspect.cpp: `ruvllm inspect FILE.gguf`: a gguf-dump-like listing of a GGUF file's
// header, metadata and tensor table (no tensor data is read: the file is memory-mapped).
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

#include <ruvllm/formats/gguf.h>

#include "cli.h"

namespace ruvllm::cli {

CLI::App* add_inspect(CLI::App& app, InspectOptions& opt) {
    CLI::App* cmd = app.add_subcommand("inspect", "list a GGUF file's metadata and tensors");
    cmd->add_option("file", opt.file, "GGUF file")->required();
    cmd->add_flag("--kv", opt.kv, "list the key/value metadata (default: both lists)");
    cmd->add_flag("--tensors", opt.tensors, "list the tensors (default: both lists)");
    cmd->add_option("--max-array", opt.max_array, "array elements shown per key")
        ->capture_default_str();
    return cmd;
}

namespace {

std::string quoted(const std::string& s, size_t max = 60) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size() && i < max; i++) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + (s.size() > max ? "\"..." : "\"");
}

template <class T>
std::string number(T v) {
    if constexpr (std::is_floating_point_v<T>) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
        return buf;
    } else if constexpr (std::is_same_v<T, bool>) {
        return v ? "true" : "false";
    } else {
        return std::to_string(v);
    }
}

// Element i of a numeric/bool array as text.
std::string scalar_at(const gguf::Array& a, size_t i) {
    auto at = [&](auto zero) {
        decltype(zero) v{};
        std::memcpy(&v, a.bytes.data() + i * sizeof(v), sizeof(v));
        return number(v);
    };
    switch (a.type) {
        case gguf::Type::u8:
            return at(uint8_t{});
        case gguf::Type::i8:
            return at(int8_t{});
        case gguf::Type::u16:
            return at(uint16_t{});
        case gguf::Type::i16:
            return at(int16_t{});
        case gguf::Type::u32:
            return at(uint32_t{});
        case gguf::Type::i32:
            return at(int32_t{});
        case gguf::Type::f32:
            return at(float{});
        case gguf::Type::boolean:
            return a.bytes[i] != 0 ? "true" : "false";
        case gguf::Type::u64:
            return at(uint64_t{});
        case gguf::Type::i64:
            return at(int64_t{});
        case gguf::Type::f64:
            return at(double{});
        default:
            return "?";
    }
}

std::string array_text(const gguf::Array& a, int max) {
    std::string out =
        "[" + std::string(gguf::type_name(a.type)) + " x " + std::to_string(a.size()) + "]";
    if (a.size() == 0) {
        return out;
    }
    out += " [";
    const size_t shown = std::min(a.size(), static_cast<size_t>(std::max(max, 0)));
    for (size_t i = 0; i < shown; i++) {
        if (i > 0) {
            out += ", ";
        }
        switch (a.type) {
            case gguf::Type::string:
                out += quoted(a.strings[i], 24);
                break;
            case gguf::Type::array:
                out += array_text(a.arrays[i], 2);
                break;
            default:
                out += scalar_at(a, i);
        }
    }
    return out + (shown < a.size() ? ", ...]" : "]");
}

std::string value_text(const gguf::Value& v, int max_array) {
    return std::visit(
        [&](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return quoted(x);
            } else if constexpr (std::is_same_v<T, gguf::Array>) {
                return array_text(x, max_array);
            } else {
                return number(x);
            }
        },
        v);
}

}  // namespace

Status run_inspect(const InspectOptions& opt) {
    Result<gguf::File> f = gguf::read_file(opt.file);
    if (!f) {
        return f.error();
    }
    const bool both = !opt.kv && !opt.tensors;
    uint64_t data_bytes = 0;
    for (const gguf::TensorInfo& t : f->tensors()) {
        data_bytes += t.n_bytes();
    }
    std::printf(
        "%s: GGUF v%u, %zu key/value pairs, %zu tensors, alignment %u, data at byte %" PRIu64
        ", %.2f MiB of tensor data\n",
        opt.file.c_str(),
        f->version(),
        f->metadata().size(),
        f->tensors().size(),
        f->alignment(),
        f->data_offset(),
        static_cast<double>(data_bytes) / (1 << 20));
    if (both || opt.kv) {
        std::printf("\nmetadata:\n");
        int i = 0;
        for (const auto& [key, value] : f->metadata()) {
            std::printf("  %3d: %-7s %-40s = %s\n",
                        i++,
                        gguf::type_name(gguf::value_type(value)),
                        key.c_str(),
                        value_text(value, opt.max_array).c_str());
        }
    }
    if (both || opt.tensors) {
        std::printf("\ntensors:\n  %3s  %-40s %-5s %-24s %12s %12s\n",
                    "#",
                    "name",
                    "type",
                    "shape (ggml order)",
                    "offset",
                    "bytes");
        int i = 0;
        for (const gguf::TensorInfo& t : f->tensors()) {
            std::string shape;
            for (size_t d = 0; d < t.shape.size(); d++) {
                shape += (d > 0 ? " x " : "") + std::to_string(t.shape[d]);
            }
            std::printf("  %3d  %-40s %-5s %-24s %12" PRIu64 " %12" PRIu64 "\n",
                        i++,
                        t.name.c_str(),
                        std::string(quant::type_info(t.type).name).c_str(),
                        shape.c_str(),
                        t.offset,
                        t.n_bytes());
        }
    }
    return ok();
}

}  // namespace ruvllm::cli
