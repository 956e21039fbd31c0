// parquet_encoding.cpp: varints, the Thrift compact protocol writer and the RLE / bit-packing
// hybrid (parquet_encoding.h).
#include <bit>

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
