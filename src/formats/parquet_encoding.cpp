// parquet_encoding.cpp: varints, the Thrift compact protocol writer and reader, the RLE /
// bit-packing hybrid (both ways) and the DELTA_BINARY_PACKED decoder (parquet_encoding.h).
#include <algorithm>
#include <bit>
#include <climits>
#include <string>

#include <ruvllm/core/error.h>
#include <ruvllm/formats/parquet_encoding.h>

namespace ruvllm::parquet {

void append_uvarint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void CompactWriter::field_header(int16_t id, uint8_t type) {
    const int delta = id - last_id_;
    if (delta > 0 && delta <= 15) {
        out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
        out_.push_back(static_cast<char>(type));
        append_uvarint(out_, zigzag(id));
    }
    last_id_ = id;
}

void CompactWriter::field_i16(int16_t id, int16_t v) {
    field_header(id, kI16);
    append_uvarint(out_, zigzag(v));
}

void CompactWriter::field_i32(int16_t id, int32_t v) {
    field_header(id, kI32);
    append_uvarint(out_, zigzag(v));
}

void CompactWriter::field_i64(int16_t id, int64_t v) {
    field_header(id, kI64);
    append_uvarint(out_, zigzag(v));
}

void CompactWriter::field_binary(int16_t id, std::string_view v) {
    field_header(id, kBinary);
    list_binary(v);
}

void CompactWriter::field_bool(int16_t id, bool v) {
    field_header(id, v ? kTrue : kFalse);
}

void CompactWriter::field_struct(int16_t id) {
    field_header(id, kStruct);
    stack_.push_back(last_id_);
    last_id_ = 0;
}

void CompactWriter::field_list(int16_t id, uint8_t elem, size_t n) {
    field_header(id, kList);
    if (n < 15) {
        out_.push_back(static_cast<char>((n << 4) | elem));
    } else {
        out_.push_back(static_cast<char>(0xF0 | elem));
        append_uvarint(out_, n);
    }
}

void CompactWriter::list_i32(int32_t v) {
    append_uvarint(out_, zigzag(v));
}

void CompactWriter::list_binary(std::string_view v) {
    append_uvarint(out_, v.size());
    out_.append(v);
}

void CompactWriter::list_struct() {
    stack_.push_back(last_id_);
    last_id_ = 0;
}

void CompactWriter::struct_end() {
    RUVLLM_ASSERT(!stack_.empty());
    out_.push_back(0);
    last_id_ = stack_.back();
    stack_.pop_back();
}

void CompactWriter::message_end() {
    RUVLLM_ASSERT(stack_.empty());
    out_.push_back(0);
}

int bit_width(uint32_t max_value) {
    return static_cast<int>(std::bit_width(max_value));
}

namespace {

void emit_rle_run(std::string& out, uint32_t value, size_t count, int bw) {
    append_uvarint(out, static_cast<uint64_t>(count) << 1);
    for (int b = 0; b < (bw + 7) / 8; b++) {
        out.push_back(static_cast<char>((value >> (8 * b)) & 0xFF));
    }
}

// values.size() need not be a multiple of 8: the last group is padded with zeros.
void emit_bitpacked_run(std::string& out, std::span<const uint32_t> values, int bw) {
    const size_t groups = (values.size() + 7) / 8;
    append_uvarint(out, (static_cast<uint64_t>(groups) << 1) | 1);
    uint64_t acc = 0;
    int n_bits = 0;
    for (size_t i = 0; i < groups * 8; i++) {
        const uint64_t v = i < values.size() ? values[i] : 0;
        acc |= v << n_bits;
        n_bits += bw;
        while (n_bits >= 8) {
            out.push_back(static_cast<char>(acc & 0xFF));
            acc >>= 8;
            n_bits -= 8;
        }
    }
}

}  // namespace

void append_rle_hybrid(std::string& out, std::span<const uint32_t> values, int bit_width) {
    RUVLLM_ASSERT(bit_width >= 0 && bit_width <= 32);
    const size_t n = values.size();
    size_t lit_start = 0;  // literals pending: [lit_start, i)
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && values[j] == values[i]) {
            j++;
        }
        const size_t run = j - i;
        const size_t pending = i - lit_start;
        // Bit-packed runs hold whole groups of 8, so the pending literals borrow up to 7 values
        // of this run; what is left becomes an RLE run if it is still 8 or longer.
        const size_t pad = (8 - pending % 8) % 8;
        if (run >= pad + 8) {
            if (pending + pad > 0) {
                emit_bitpacked_run(out, values.subspan(lit_start, pending + pad), bit_width);
            }
            emit_rle_run(out, values[i], run - pad, bit_width);
            lit_start = j;
        }
        i = j;
    }
    if (lit_start < n) {
        emit_bitpacked_run(out, values.subspan(lit_start), bit_width);
    }
}

}  // namespace ruvllm::parquet

// ---- reading ----

namespace ruvllm::parquet {

bool read_uvarint(std::span<const uint8_t> in, size_t& pos, uint64_t& v) {
    uint64_t out = 0;
    size_t p = pos;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= in.size()) {
            return false;
        }
        const uint8_t b = in[p++];
        if (shift == 63 && (b & 0x7E) != 0) {
            return false;  // more than 64 bits
        }
        out |= static_cast<uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
            v = out;
            pos = p;
            return true;
        }
    }
    return false;
}

void CompactReader::fail(const std::string& what) {
    if (error_.empty()) {
        error_ = what;
    }
    pos_ = in_.size();
}

uint8_t CompactReader::byte() {
    if (!ok()) {
        return 0;
    }
    if (pos_ >= in_.size()) {
        fail("thrift data ends early");
        return 0;
    }
    return in_[pos_++];
}

uint64_t CompactReader::varint() {
    if (!ok()) {
        return 0;
    }
    uint64_t v = 0;
    if (!read_uvarint(in_, pos_, v)) {
        fail("thrift varint is cut off or longer than 64 bits");
        return 0;
    }
    return v;
}

bool CompactReader::next_field(int16_t& id, uint8_t& type) {
    const uint8_t b = byte();
    if (!ok()) {
        return false;
    }
    if (b == 0) {  // stop: the end of the current struct
        if (!stack_.empty()) {
            last_id_ = stack_.back();
            stack_.pop_back();
        }
        return false;
    }
    type = b & 0x0F;
    const int delta = b >> 4;
    if (delta != 0) {
        id = static_cast<int16_t>(last_id_ + delta);
    } else {
        const int64_t v = unzigzag(varint());
        if (v < INT16_MIN || v > INT16_MAX) {
            fail("thrift field id out of range");
            return false;
        }
        id = static_cast<int16_t>(v);
    }
    if (type == 0 || type > kStruct) {
        fail("thrift field of unknown type " + std::to_string(type));
        return false;
    }
    last_id_ = id;
    return ok();
}

void CompactReader::struct_begin(uint8_t type) {
    if (!ok()) {
        return;
    }
    if (type != kStruct) {
        fail("thrift value of type " + std::to_string(type) + ", expected a struct");
        return;
    }
    if (stack_.size() >= static_cast<size_t>(kMaxDepth)) {
        fail("thrift structs nested deeper than " + std::to_string(kMaxDepth));
        return;
    }
    stack_.push_back(last_id_);
    last_id_ = 0;
}

size_t CompactReader::list_begin(uint8_t type, uint8_t& elem) {
    elem = 0;
    if (!ok()) {
        return 0;
    }
    if (type != kList && type != kSet) {
        fail("thrift value of type " + std::to_string(type) + ", expected a list");
        return 0;
    }
    const uint8_t h = byte();
    elem = h & 0x0F;
    uint64_t n = h >> 4;
    if (n == 15) {
        n = varint();
    }
    if (!ok()) {
        return 0;
    }
    if (n > in_.size() - pos_) {
        fail("thrift list of " + std::to_string(n) + " elements in " +
             std::to_string(in_.size() - pos_) + " bytes");
        return 0;
    }
    if (n > max_elements_ - elements_) {
        fail("thrift lists of more than " + std::to_string(max_elements_) + " elements in all");
        return 0;
    }
    elements_ += n;
    return static_cast<size_t>(n);
}

int64_t CompactReader::read_i64(uint8_t type) {
    if (!ok()) {
        return 0;
    }
    if (type == kByte) {
        return static_cast<int8_t>(byte());
    }
    if (type != kI16 && type != kI32 && type != kI64) {
        fail("thrift value of type " + std::to_string(type) + ", expected an integer");
        return 0;
    }
    return unzigzag(varint());
}

int32_t CompactReader::read_i32(uint8_t type) {
    if (type == kI64 && ok()) {
        fail("thrift i64 value where an i32 is expected");
        return 0;
    }
    const int64_t v = read_i64(type);
    if (v < INT32_MIN || v > INT32_MAX) {
        fail("thrift i32 value out of range");
        return 0;
    }
    return static_cast<int32_t>(v);
}

bool CompactReader::read_bool(uint8_t type) {
    if (!ok()) {
        return false;
    }
    if (type != kTrue && type != kFalse) {
        fail("thrift value of type " + std::to_string(type) + ", expected a bool");
        return false;
    }
    return type == kTrue;
}

std::string_view CompactReader::read_binary(uint8_t type) {
    if (!ok()) {
        return {};
    }
    if (type != kBinary) {
        fail("thrift value of type " + std::to_string(type) + ", expected binary");
        return {};
    }
    const uint64_t n = varint();
    if (!ok()) {
        return {};
    }
    if (n > in_.size() - pos_) {
        fail("thrift binary of " + std::to_string(n) + " bytes runs past the end");
        return {};
    }
    const std::string_view v(reinterpret_cast<const char*>(in_.data()) + pos_,
                             static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return v;
}

void CompactReader::skip(uint8_t type) {
    skip_value(type, static_cast<int>(stack_.size()));
}

void CompactReader::skip_value(uint8_t type, int depth) {
    if (!ok()) {
        return;
    }
    if (depth >= kMaxDepth) {
        fail("thrift values nested deeper than " + std::to_string(kMaxDepth));
        return;
    }
    switch (type) {
        case kTrue:
        case kFalse:
            return;  // a bool field: the value is in the type (list elements: see below)
        case kByte:
            byte();
            return;
        case kI16:
        case kI32:
        case kI64:
            varint();
            return;
        case kDouble:
            for (int i = 0; i < 8; i++) {
                byte();
            }
            return;
        case kBinary:
            read_binary(type);
            return;
        case kList:
        case kSet: {
            uint8_t elem = 0;
            const size_t n = list_begin(type, elem);
            for (size_t i = 0; i < n && ok(); i++) {
                if (elem == kTrue || elem == kFalse) {
                    byte();  // a bool element is one byte
                } else {
                    skip_value(elem, depth + 1);
                }
            }
            return;
        }
        case kMap: {
            const uint64_t n = varint();
            if (n == 0 || !ok()) {
                return;
            }
            if (n > in_.size() - pos_) {
                fail("thrift map of " + std::to_string(n) + " entries runs past the end");
                return;
            }
            const uint8_t kv = byte();
            const uint8_t kt = kv >> 4, vt = kv & 0x0F;
            for (uint64_t i = 0; i < n && ok(); i++) {
                for (uint8_t t : {kt, vt}) {
                    if (t == kTrue || t == kFalse) {
                        byte();
                    } else {
                        skip_value(t, depth + 1);
                    }
                }
            }
            return;
        }
        case kStruct: {
            uint8_t t = 0;
            for (;;) {
                const uint8_t b = byte();
                if (!ok() || b == 0) {
                    break;
                }
                t = b & 0x0F;
                if ((b >> 4) == 0) {
                    varint();
                }
                if (t == 0 || t > kStruct) {
                    fail("thrift field of unknown type " + std::to_string(t));
                    break;
                }
                skip_value(t, depth + 1);
            }
            return;
        }
        default:
            fail("thrift value of unknown type " + std::to_string(type));
            return;
    }
}

namespace {

// `w` (0..64) bits at bit offset `bit` of `base`, least significant bit first.
uint64_t read_bits(const uint8_t* base, uint64_t bit, int w) {
    uint64_t v = 0;
    int got = 0;
    size_t at = static_cast<size_t>(bit >> 3);
    int off = static_cast<int>(bit & 7);
    while (got < w) {
        const int take = std::min(8 - off, w - got);
        const uint64_t b = (static_cast<uint64_t>(base[at]) >> off) & ((1u << take) - 1);
        v |= b << got;
        got += take;
        off = 0;
        at++;
    }
    return v;
}

}  // namespace

int64_t decode_rle_hybrid(std::span<const uint8_t> in,
                          int bit_width,
                          size_t n,
                          std::vector<uint32_t>& out,
                          std::string& err) {
    if (bit_width < 0 || bit_width > 32) {
        err = "bit width " + std::to_string(bit_width) + ", expected 0 to 32";
        return -1;
    }
    const size_t value_bytes = static_cast<size_t>(bit_width + 7) / 8;
    size_t pos = 0, done = 0;
    while (done < n) {
        uint64_t h = 0;
        if (!read_uvarint(in, pos, h)) {
            err = "RLE run header past the end after " + std::to_string(done) + " of " +
                  std::to_string(n) + " values";
            return -1;
        }
        const uint64_t count = h >> 1;
        if ((h & 1) == 0) {  // RLE run: one value repeated
            if (count == 0) {
                err = "RLE run of 0 values";
                return -1;
            }
            if (value_bytes > in.size() - pos) {
                err = "RLE run value past the end";
                return -1;
            }
            uint32_t v = 0;
            for (size_t b = 0; b < value_bytes; b++) {
                v |= static_cast<uint32_t>(in[pos + b]) << (8 * b);
            }
            pos += value_bytes;
            if (bit_width < 32 && (v >> bit_width) != 0) {
                err = "RLE run value " + std::to_string(v) + " wider than " +
                      std::to_string(bit_width) + " bits";
                return -1;
            }
            const size_t take = static_cast<size_t>(std::min<uint64_t>(count, n - done));
            out.insert(out.end(), take, v);
            done += take;
        } else {  // bit-packed run: `count` groups of 8 values
            if (count == 0) {
                err = "bit-packed run of 0 groups";
                return -1;
            }
            const size_t avail = in.size() - pos;
            const size_t take = static_cast<size_t>(
                std::min<uint64_t>(count > UINT64_MAX / 8 ? UINT64_MAX : count * 8, n - done));
            const uint64_t need_bits =
                static_cast<uint64_t>(take) * static_cast<uint64_t>(bit_width);
            if ((need_bits + 7) / 8 > avail) {
                err = "bit-packed run of " + std::to_string(take) + " values past the end";
                return -1;
            }
            const uint8_t* base = in.data() + pos;
            for (size_t i = 0; i < take; i++) {
                out.push_back(static_cast<uint32_t>(read_bits(
                    base, static_cast<uint64_t>(i) * static_cast<uint64_t>(bit_width), bit_width)));
            }
            done += take;
            // The run's full size (its last group padded), as far as the input holds it.
            const uint64_t full =
                count > UINT64_MAX / 32 ? UINT64_MAX : count * static_cast<uint64_t>(bit_width);
            pos += static_cast<size_t>(std::min<uint64_t>(full, avail));
        }
    }
    return static_cast<int64_t>(pos);
}

int64_t decode_delta_binary_packed(std::span<const uint8_t> in,
                                   size_t n,
                                   std::vector<int64_t>& out,
                                   std::string& err) {
    size_t pos = 0;
    uint64_t block = 0, mini = 0, total = 0, first = 0;
    if (!read_uvarint(in, pos, block) || !read_uvarint(in, pos, mini) ||
        !read_uvarint(in, pos, total) || !read_uvarint(in, pos, first)) {
        err = "DELTA_BINARY_PACKED header past the end";
        return -1;
    }
    if (block == 0 || block % 128 != 0 || block > (uint64_t{1} << 24) || mini == 0 ||
        block % mini != 0 || (block / mini) % 32 != 0) {
        err = "DELTA_BINARY_PACKED blocks of " + std::to_string(block) + " values in " +
              std::to_string(mini) +
              " miniblocks, expected a multiple of 128 values in miniblocks of a multiple of 32";
        return -1;
    }
    if (total != n) {
        err = "DELTA_BINARY_PACKED holds " + std::to_string(total) + " values, expected " +
              std::to_string(n);
        return -1;
    }
    if (n == 0) {
        return static_cast<int64_t>(pos);
    }
    const uint64_t per_mini = block / mini;
    uint64_t value = static_cast<uint64_t>(unzigzag(first));
    out.push_back(static_cast<int64_t>(value));
    size_t done = 1;
    while (done < n) {
        uint64_t zz = 0;
        if (!read_uvarint(in, pos, zz)) {
            err = "DELTA_BINARY_PACKED block header past the end";
            return -1;
        }
        const uint64_t min_delta = static_cast<uint64_t>(unzigzag(zz));
        if (mini > in.size() - pos) {
            err = "DELTA_BINARY_PACKED miniblock bit widths past the end";
            return -1;
        }
        const uint8_t* widths = in.data() + pos;
        pos += static_cast<size_t>(mini);
        for (uint64_t m = 0; m < mini && done < n; m++) {
            const int w = widths[m];
            if (w > 64) {
                err = "DELTA_BINARY_PACKED bit width " + std::to_string(w) + ", expected 0 to 64";
                return -1;
            }
            const uint64_t take = std::min<uint64_t>(per_mini, n - done);
            const size_t avail = in.size() - pos;
            if ((take * static_cast<uint64_t>(w) + 7) / 8 > avail) {
                err = "DELTA_BINARY_PACKED miniblock past the end";
                return -1;
            }
            const uint8_t* base = in.data() + pos;
            for (uint64_t i = 0; i < take; i++) {
                value += min_delta + read_bits(base, i * static_cast<uint64_t>(w), w);
                out.push_back(static_cast<int64_t>(value));
            }
            done += static_cast<size_t>(take);
            pos += static_cast<size_t>(
                std::min<uint64_t>(per_mini * static_cast<uint64_t>(w) / 8, avail));
        }
    }
    return static_cast<int64_t>(pos);
}

}  // namespace ruvllm::parquet
