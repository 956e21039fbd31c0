// parquet.cpp: the Parquet writer of parquet.h (byte layout and Thrift field ids are there).
//
// Per leaf column the writer keeps the page in progress (levels + PLAIN bytes or dictionary
// indices) and the column chunk so far (finished pages with headers, compressed). A row group is
// written out, chunk after chunk, when it reaches row_group_size rows; the footer describes all
// row groups at close().
#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include <ruvllm/core/io.h>
#include <ruvllm/formats/parquet.h>

#include <snappy.h>
#include <xxhash.h>
#include <zstd.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace parquet {

// ---- encoding primitives ----

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

namespace {

// ---- parquet.thrift enums ----

enum PhysicalType : int32_t {
    kBoolean = 0,
    kInt32 = 1,
    kInt64 = 2,
    kFloat = 4,
    kDouble = 5,
    kByteArray = 6
};

enum Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum Encoding : int32_t { kPlain = 0, kRle = 3, kRleDictionary = 8 };

enum PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };

enum ConvertedType : int32_t { kUtf8 = 0, kListConverted = 3 };

int32_t physical_type(Type t) {
    switch (t) {
        case Type::boolean:
            return kBoolean;
        case Type::int32:
            return kInt32;
        case Type::int64:
            return kInt64;
        case Type::float32:
            return kFloat;
        case Type::float64:
            return kDouble;
        default:
            return kByteArray;
    }
}

int32_t codec_id(ParquetCompression c) {
    switch (c) {
        case ParquetCompression::snappy:
            return 1;
        case ParquetCompression::zstd:
            return 6;
        default:
            return 0;
    }
}

// ---- the per-chunk string dictionary ----

// Open addressing over entry indices; entries live in `plain`, which is already the PLAIN body
// of the dictionary page (u32 length + bytes per entry).
class Dictionary {
public:
    // The index of `v`, adding it if new (`added` is set then).
    uint32_t find_or_add(std::string_view v, bool& added) {
        if (slots_.empty()) {
            rehash(1024);
        }
        const uint64_t h = XXH3_64bits(v.data(), v.size());
        size_t s = h & mask_;
        while (slots_[s] != 0) {
            const uint32_t e = slots_[s] - 1;
            if (hashes_[e] == h && entry(e) == v) {
                added = false;
                return e;
            }
            s = (s + 1) & mask_;
        }
        const auto e = static_cast<uint32_t>(starts_.size());
        const auto len = static_cast<uint32_t>(v.size());
        char len_bytes[4];
        std::memcpy(len_bytes, &len, 4);
        plain_.append(len_bytes, 4);
        starts_.push_back(plain_.size());
        plain_.append(v);
        hashes_.push_back(h);
        slots_[s] = e + 1;
        if (starts_.size() * 2 > slots_.size()) {
            rehash(slots_.size() * 2);
        }
        added = true;
        return e;
    }

    std::string_view entry(uint32_t e) const {
        const size_t start = starts_[e];
        uint32_t len = 0;
        std::memcpy(&len, plain_.data() + start - 4, 4);
        return {plain_.data() + start, len};
    }

    size_t size() const { return starts_.size(); }

    size_t bytes() const { return plain_.size(); }

    const std::string& plain() const { return plain_; }

    void clear() {
        plain_.clear();
        starts_.clear();
        hashes_.clear();
        std::fill(slots_.begin(), slots_.end(), 0u);
    }

private:
    void rehash(size_t n_slots) {
        slots_.assign(n_slots, 0u);
        mask_ = n_slots - 1;
        for (size_t e = 0; e < hashes_.size(); e++) {
            size_t s = hashes_[e] & mask_;
            while (slots_[s] != 0) {
                s = (s + 1) & mask_;
            }
            slots_[s] = static_cast<uint32_t>(e + 1);
        }
    }

    std::string plain_;
    std::vector<size_t> starts_;
    std::vector<uint64_t> hashes_;
    std::vector<uint32_t> slots_;  // entry + 1; 0 = empty
    size_t mask_ = 0;
};

// ---- column statistics ----

// min/max over the non-null values of a chunk, as PLAIN bytes (strings without the length).
struct Stats {
    bool has = false;
    int64_t i_min = 0, i_max = 0;  // boolean, int32, int64
    double f_min = 0, f_max = 0;   // float32, float64 (NaN skipped)
    std::string s_min, s_max;      // string

    void add_int(int64_t v) {
        if (!has) {
            i_min = i_max = v;
            has = true;
        } else {
            i_min = std::min(i_min, v);
            i_max = std::max(i_max, v);
        }
    }

    void add_float(double v) {
        if (std::isnan(v)) {
            return;
        }
        if (!has) {
            f_min = f_max = v;
            has = true;
        } else {
            f_min = std::min(f_min, v);
            f_max = std::max(f_max, v);
        }
    }

    void add_string(std::string_view v) {
        if (!has) {
            s_min = s_max = v;
            has = true;
        } else if (v < s_min) {
            s_min = v;
        } else if (v > s_max) {
            s_max = v;
        }
    }
};

template <class T>
std::string le_bytes(T v) {
    std::string s(sizeof(T), '\0');
    std::memcpy(s.data(), &v, sizeof(T));
    return s;
}

// min_value / max_value bytes. The spec's signed-zero rule: a zero min is written as -0.0, a zero
// max as +0.0, so readers that compare with == on either zero keep the right rows.
std::pair<std::string, std::string> stats_bytes(const Stats& st, Type t) {
    switch (t) {
        case Type::boolean:
            return {std::string(1, static_cast<char>(st.i_min)),
                    std::string(1, static_cast<char>(st.i_max))};
        case Type::int32:
            return {le_bytes(static_cast<int32_t>(st.i_min)),
                    le_bytes(static_cast<int32_t>(st.i_max))};
        case Type::int64:
            return {le_bytes(st.i_min), le_bytes(st.i_max)};
        case Type::float32:
            return {le_bytes(st.f_min == 0 ? -0.0f : static_cast<float>(st.f_min)),
                    le_bytes(st.f_max == 0 ? 0.0f : static_cast<float>(st.f_max))};
        case Type::float64:
            return {le_bytes(st.f_min == 0 ? -0.0 : st.f_min),
                    le_bytes(st.f_max == 0 ? 0.0 : st.f_max)};
        default:
            return {st.s_min, st.s_max};
    }
}

// ---- leaf columns ----

struct ChunkMeta {
    int32_t type = 0;
    std::vector<int32_t> encodings;
    int64_t num_values = 0;
    int64_t uncompressed = 0, compressed = 0;  // page headers included
    int64_t data_page_offset = 0;
    int64_t dictionary_page_offset = -1;  // -1: no dictionary page
    int64_t null_count = 0;
    bool has_minmax = false;
    std::string min_value, max_value;
};

struct RowGroupMeta {
    int64_t num_rows = 0;
    int64_t file_offset = 0;
    std::vector<ChunkMeta> chunks;
};

struct Leaf {
    // schema
    std::vector<std::string> path;  // path_in_schema
    std::string dotted;             // the user-facing name: "metadata.tags"
    Type type = Type::string;       // value type (string for a list)
    bool is_list = false;
    bool optional = false;  // the leaf or the list may be null
    int max_def = 0, max_rep = 0;
    uint32_t def_null = 0;   // the leaf / list is null (its parents are present)
    uint32_t def_empty = 0;  // list: present and empty
    uint32_t def_elem_null = 0;
    uint32_t def_value = 0;

    // page in progress
    std::vector<uint32_t> def, rep;
    std::string values;             // PLAIN values
    std::vector<uint32_t> indices;  // dictionary mode: one index per non-null value
    size_t page_entries = 0;        // level entries (= num_values of the page header)
    size_t page_bools = 0;          // booleans packed into `values`

    // chunk in progress
    bool dict_mode = false;
    Dictionary dict;
    std::string pages;  // finished data pages (headers + bodies)
    int64_t chunk_entries = 0, chunk_values = 0;
    int64_t chunk_uncompressed = 0;
    bool used_plain = false, used_dict = false;
    Stats stats;

    uint64_t cells = 0;  // cells given so far (one per row)
};

}  // namespace

// ---- the writer ----

struct Writer::Impl {
    ParquetOptions opt;
    std::vector<Field> schema;
    std::vector<Leaf> leaves;
    std::vector<std::pair<std::string, std::vector<int>>> groups;  // top-level groups: leaves
    AtomicFile file;
    int64_t offset = 0;  // bytes written so far
    uint64_t n_rows = 0;
    uint64_t rows_in_group = 0;
    std::vector<RowGroupMeta> row_groups;
    ZSTD_CCtx* zstd = nullptr;
    std::string body, packed, header;  // scratch
    bool failed = false;
    bool closed = false;

    explicit Impl(AtomicFile f) : file(std::move(f)) {}

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;

    ~Impl() {
        if (zstd != nullptr) {
            ZSTD_freeCCtx(zstd);
        }
    }

    Leaf& leaf(int col) {
        RUVLLM_ASSERT(!closed && !failed);
        RUVLLM_ASSERT(col >= 0 && static_cast<size_t>(col) < leaves.size());
        return leaves[static_cast<size_t>(col)];
    }

    void begin_cell(Leaf& c);
    void add_levels(Leaf& c, uint32_t def, uint32_t rep);
    void add_string(Leaf& c, std::string_view v);
    void cut_page(Leaf& c);
    void compress(std::string_view raw);  // into `packed`
    void append_page(Leaf& c, int32_t type, std::string_view raw, int32_t n_values, int32_t enc);
    Status write(std::string_view bytes);
    Status flush_row_group();
    std::string footer() const;
};

void Writer::Impl::begin_cell(Leaf& c) {
    c.cells++;
    if (c.dict_mode && c.dict.bytes() > opt.dictionary_limit) {
        // Too many distinct values: the page so far keeps its indices, the rest is PLAIN.
        if (c.page_entries > 0) {
            cut_page(c);
        }
        c.dict_mode = false;
    } else if (c.page_entries > 0 &&
               c.values.size() + c.indices.size() + (c.def.size() + c.rep.size() + 3) / 4 >=
                   opt.page_size) {  // estimated body size: an index ~ 1 byte, a level ~ 2 bits
        cut_page(c);
    }
}

void Writer::Impl::add_levels(Leaf& c, uint32_t def, uint32_t rep) {
    if (c.max_def > 0) {
        c.def.push_back(def);
    }
    if (c.max_rep > 0) {
        c.rep.push_back(rep);
    }
    c.page_entries++;
}

void Writer::Impl::add_string(Leaf& c, std::string_view v) {
    c.chunk_values++;
    if (c.dict_mode) {
        bool added = false;
        c.indices.push_back(c.dict.find_or_add(v, added));
        if (added) {  // a repeated value cannot move min/max
            c.stats.add_string(v);
        }
        return;
    }
    const auto len = static_cast<uint32_t>(v.size());
    char len_bytes[4];
    std::memcpy(len_bytes, &len, 4);
    c.values.append(len_bytes, 4);
    c.values.append(v);
    c.stats.add_string(v);
}

void Writer::Impl::compress(std::string_view raw) {
    if (opt.compression == ParquetCompression::snappy) {
        packed.resize(snappy::MaxCompressedLength(raw.size()));
        size_t n = 0;
        snappy::RawCompress(raw.data(), raw.size(), packed.data(), &n);
        packed.resize(n);
    } else if (opt.compression == ParquetCompression::zstd) {
        if (zstd == nullptr) {
            zstd = ZSTD_createCCtx();
            RUVLLM_ASSERT(zstd != nullptr);
        }
        packed.resize(ZSTD_compressBound(raw.size()));
        const size_t n = ZSTD_compressCCtx(
            zstd, packed.data(), packed.size(), raw.data(), raw.size(), opt.zstd_level);
        RUVLLM_ASSERT(!ZSTD_isError(n));  // the bound is always large enough
        packed.resize(n);
    }
}

// Appends PageHeader + (compressed) body to the chunk. `enc` is the data page's value encoding;
// for a dictionary page it is PLAIN.
void Writer::Impl::append_page(
    Leaf& c, int32_t type, std::string_view raw, int32_t n_values, int32_t enc) {
    std::string_view stored = raw;
    if (opt.compression != ParquetCompression::none) {
        compress(raw);
        stored = packed;
    }
    header.clear();
    CompactWriter w(header);
    w.field_i32(1, type);
    w.field_i32(2, static_cast<int32_t>(raw.size()));
    w.field_i32(3, static_cast<int32_t>(stored.size()));
    if (type == kDataPage) {
        w.field_struct(5);
        w.field_i32(1, n_values);
        w.field_i32(2, enc);
        w.field_i32(3, kRle);
        w.field_i32(4, kRle);
        w.struct_end();
    } else {
        w.field_struct(7);
        w.field_i32(1, n_values);
        w.field_i32(2, kPlain);
        w.struct_end();
    }
    w.message_end();
    c.pages.append(header);
    c.pages.append(stored);
    c.chunk_uncompressed += static_cast<int64_t>(header.size() + raw.size());
}

// Closes the page in progress: [rep levels] [def levels] values.
void Writer::Impl::cut_page(Leaf& c) {
    auto append_levels = [&](const std::vector<uint32_t>& levels, int max_level) {
        const size_t at = body.size();
        body.append(4, '\0');
        append_rle_hybrid(body, levels, bit_width(static_cast<uint32_t>(max_level)));
        const auto len = static_cast<uint32_t>(body.size() - at - 4);
        std::memcpy(body.data() + at, &len, 4);
    };
    body.clear();
    if (c.max_rep > 0) {
        append_levels(c.rep, c.max_rep);
    }
    if (c.max_def > 0) {
        append_levels(c.def, c.max_def);
    }
    int32_t enc = kPlain;
    if (c.dict_mode && c.dict.size() > 0) {
        enc = kRleDictionary;
        const int bw = std::max(1, bit_width(static_cast<uint32_t>(c.dict.size() - 1)));
        body.push_back(static_cast<char>(bw));
        append_rle_hybrid(body, c.indices, bw);
        c.used_dict = true;
    } else {
        body.append(c.values);
        c.used_plain = true;
    }
    append_page(c, kDataPage, body, static_cast<int32_t>(c.page_entries), enc);
    c.chunk_entries += static_cast<int64_t>(c.page_entries);
    c.def.clear();
    c.rep.clear();
    c.values.clear();
    c.indices.clear();
    c.page_entries = 0;
    c.page_bools = 0;
}

Status Writer::Impl::write(std::string_view bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file.stream()) != bytes.size()) {
        failed = true;
        return make_error(Errc::io,
                          file.path().string() + ": write failed (" + std::strerror(errno) +
                              "), expected a writable file");
    }
    offset += static_cast<int64_t>(bytes.size());
    return ok();
}

Status Writer::Impl::flush_row_group() {
    RowGroupMeta rg;
    rg.num_rows = static_cast<int64_t>(rows_in_group);
    rg.file_offset = offset;
    for (Leaf& c : leaves) {
        if (c.page_entries > 0) {
            cut_page(c);
        }
        ChunkMeta m;
        m.type = physical_type(c.type);
        const int64_t start = offset;
        if (c.dict.size() > 0) {
            // The dictionary page goes first; append_page() adds to c.pages, so build it apart.
            std::string data_pages;
            data_pages.swap(c.pages);
            append_page(
                c, kDictionaryPage, c.dict.plain(), static_cast<int32_t>(c.dict.size()), kPlain);
            m.dictionary_page_offset = start;
            m.data_page_offset = start + static_cast<int64_t>(c.pages.size());
            c.pages.append(data_pages);
        } else {
            m.data_page_offset = start;
        }
        if (c.used_plain || c.dict.size() > 0) {
            m.encodings.push_back(kPlain);
        }
        if (c.max_def > 0 || c.max_rep > 0) {
            m.encodings.push_back(kRle);
        }
        if (c.used_dict) {
            m.encodings.push_back(kRleDictionary);
        }
        m.num_values = c.chunk_entries;
        m.uncompressed = c.chunk_uncompressed;
        m.compressed = static_cast<int64_t>(c.pages.size());
        m.null_count = c.chunk_entries - c.chunk_values;
        if (c.stats.has) {
            m.has_minmax = true;
            std::tie(m.min_value, m.max_value) = stats_bytes(c.stats, c.type);
        }
        if (Status s = write(c.pages); !s) {
            return s;
        }
        rg.chunks.push_back(std::move(m));
        c.pages.clear();
        c.chunk_entries = c.chunk_values = c.chunk_uncompressed = 0;
        c.used_plain = c.used_dict = false;
        c.stats = Stats{};
        c.dict.clear();
        c.dict_mode = opt.dictionary && c.type == Type::string;
    }
    row_groups.push_back(std::move(rg));
    rows_in_group = 0;
    return ok();
}

namespace {

void write_schema_element(CompactWriter& w,
                          int32_t type,  // -1: a group
                          int32_t repetition,
                          std::string_view name,
                          int num_children,
                          int32_t converted,  // -1: none
                          int16_t logical) {  // LogicalType union member, 0: none
    w.list_struct();
    if (type >= 0) {
        w.field_i32(1, type);
    }
    w.field_i32(3, repetition);
    w.field_binary(4, name);
    if (num_children > 0) {
        w.field_i32(5, num_children);
    }
    if (converted >= 0) {
        w.field_i32(6, converted);
    }
    if (logical > 0) {
        w.field_struct(10);
        w.field_struct(logical);  // StringType / ListType: empty structs
        w.struct_end();
        w.struct_end();
    }
    w.struct_end();
}

int32_t repetition(bool optional) {
    return optional ? kOptional : kRequired;
}

void write_field(CompactWriter& w, const Field& f) {
    switch (f.type) {
        case Type::group:
            write_schema_element(
                w, -1, repetition(f.optional), f.name, static_cast<int>(f.fields.size()), -1, 0);
            for (const Field& child : f.fields) {
                write_field(w, child);
            }
            break;
        case Type::list:
            write_schema_element(w, -1, repetition(f.optional), f.name, 1, kListConverted, 3);
            write_schema_element(w, -1, kRepeated, "list", 1, -1, 0);
            write_schema_element(
                w, kByteArray, repetition(f.element_optional), "element", 0, kUtf8, 1);
            break;
        case Type::string:
            write_schema_element(w, kByteArray, repetition(f.optional), f.name, 0, kUtf8, 1);
            break;
        default:
            write_schema_element(
                w, physical_type(f.type), repetition(f.optional), f.name, 0, -1, 0);
            break;
    }
}

size_t count_elements(const std::vector<Field>& fields) {
    size_t n = 0;
    for (const Field& f : fields) {
        n += f.type == Type::list ? 3 : 1 + count_elements(f.fields);
    }
    return n;
}

}  // namespace

std::string Writer::Impl::footer() const {
    std::string out;
    CompactWriter w(out);
    w.field_i32(1, 2);
    w.field_list(2, CompactWriter::kStruct, 1 + count_elements(schema));
    w.list_struct();  // the root: no repetition_type
    w.field_binary(4, "schema");
    w.field_i32(5, static_cast<int32_t>(schema.size()));
    w.struct_end();
    for (const Field& f : schema) {
        write_field(w, f);
    }
    w.field_i64(3, static_cast<int64_t>(n_rows));
    w.field_list(4, CompactWriter::kStruct, row_groups.size());
    for (size_t g = 0; g < row_groups.size(); g++) {
        const RowGroupMeta& rg = row_groups[g];
        int64_t total_uncompressed = 0, total_compressed = 0;
        w.list_struct();
        w.field_list(1, CompactWriter::kStruct, rg.chunks.size());
        for (size_t i = 0; i < rg.chunks.size(); i++) {
            const ChunkMeta& m = rg.chunks[i];
            total_uncompressed += m.uncompressed;
            total_compressed += m.compressed;
            w.list_struct();
            w.field_i64(
                2, m.dictionary_page_offset >= 0 ? m.dictionary_page_offset : m.data_page_offset);
            w.field_struct(3);
            w.field_i32(1, m.type);
            w.field_list(2, CompactWriter::kI32, m.encodings.size());
            for (int32_t e : m.encodings) {
                w.list_i32(e);
            }
            w.field_list(3, CompactWriter::kBinary, leaves[i].path.size());
            for (const std::string& p : leaves[i].path) {
                w.list_binary(p);
            }
            w.field_i32(4, codec_id(opt.compression));
            w.field_i64(5, m.num_values);
            w.field_i64(6, m.uncompressed);
            w.field_i64(7, m.compressed);
            w.field_i64(9, m.data_page_offset);
            if (m.dictionary_page_offset >= 0) {
                w.field_i64(11, m.dictionary_page_offset);
            }
            w.field_struct(12);
            w.field_i64(3, m.null_count);
            if (m.has_minmax) {
                w.field_binary(5, m.max_value);
                w.field_binary(6, m.min_value);
            }
            w.struct_end();  // Statistics
            w.struct_end();  // ColumnMetaData
            w.struct_end();  // ColumnChunk
        }
        w.field_i64(2, total_uncompressed);
        w.field_i64(3, rg.num_rows);
        w.field_i64(5, rg.file_offset);
        w.field_i64(6, total_compressed);
        if (g <= static_cast<size_t>(INT16_MAX)) {  // ordinal is an i16
            w.field_i16(7, static_cast<int16_t>(g));
        }
        w.struct_end();
    }
    w.field_binary(6, "ruvllm " RUVLLM_VERSION);
    w.field_list(7, CompactWriter::kStruct, leaves.size());
    for (size_t i = 0; i < leaves.size(); i++) {
        w.list_struct();
        w.field_struct(1);  // TYPE_ORDER: min/max compare by the column's type
        w.struct_end();
        w.struct_end();
    }
    w.message_end();
    return out;
}

namespace {

// Checks one field (top-level when `in_group` is false). Returns an error message or "".
std::string check_field(const Field& f, bool in_group) {
    const std::string where = "parquet schema: field '" + f.name + "'";
    if (f.name.empty() || f.name.find('.') != std::string::npos) {
        return "parquet schema: field name '" + f.name +
               "' is invalid, expected a non-empty name without '.'";
    }
    if (f.type == Type::group) {
        if (in_group) {
            return where + " is a group inside a group, expected one level of nesting";
        }
        if (f.fields.empty()) {
            return where + " is an empty group, expected at least one field";
        }
    } else if (!f.fields.empty()) {
        return where + " has member fields, expected them only on a group";
    }
    return "";
}

}  // namespace

Result<Writer> Writer::open(const fs::path& path,
                            const std::vector<Field>& schema,
                            const ParquetOptions& options) {
    if (options.row_group_size == 0) {
        return make_error(Errc::invalid_argument,
                          path.string() + ": row_group_size is 0, expected at least 1 row");
    }
    if (schema.empty()) {
        return make_error(Errc::invalid_argument,
                          "parquet schema: no fields, expected at least one column");
    }
    std::vector<Leaf> leaves;
    std::vector<std::pair<std::string, std::vector<int>>> groups;
    auto add_leaf = [&](const Field& f, const Field* parent) {
        Leaf c;
        const uint32_t def_parent = parent != nullptr && parent->optional ? 1 : 0;
        if (parent != nullptr) {
            c.path.push_back(parent->name);
            groups.back().second.push_back(static_cast<int>(leaves.size()));
        }
        c.path.push_back(f.name);
        c.dotted = parent != nullptr ? parent->name + "." + f.name : f.name;
        c.optional = f.optional;
        c.def_null = def_parent;
        if (f.type == Type::list) {
            c.path.emplace_back("list");
            c.path.emplace_back("element");
            c.is_list = true;
            c.type = Type::string;
            c.def_empty = def_parent + (f.optional ? 1 : 0);
            c.def_elem_null = c.def_empty + 1;
            c.def_value = c.def_elem_null + (f.element_optional ? 1 : 0);
            c.max_rep = 1;
        } else {
            c.type = f.type;
            c.def_value = def_parent + (f.optional ? 1 : 0);
        }
        c.max_def = static_cast<int>(c.def_value);
        c.dict_mode = options.dictionary && c.type == Type::string;
        leaves.push_back(std::move(c));
    };
    for (size_t i = 0; i < schema.size(); i++) {
        const Field& f = schema[i];
        for (size_t j = 0; j < i; j++) {
            if (schema[j].name == f.name) {
                return make_error(
                    Errc::invalid_argument,
                    "parquet schema: field '" + f.name + "' appears twice, expected unique names");
            }
        }
        if (std::string msg = check_field(f, false); !msg.empty()) {
            return make_error(Errc::invalid_argument, msg);
        }
        if (f.type == Type::group) {
            groups.emplace_back(f.name, std::vector<int>{});
            for (size_t k = 0; k < f.fields.size(); k++) {
                const Field& m = f.fields[k];
                if (std::string msg = check_field(m, true); !msg.empty()) {
                    return make_error(Errc::invalid_argument, msg);
                }
                for (size_t j = 0; j < k; j++) {
                    if (f.fields[j].name == m.name) {
                        return make_error(Errc::invalid_argument,
                                          "parquet schema: field '" + f.name + "." + m.name +
                                              "' appears twice, expected unique names");
                    }
                }
                add_leaf(m, &f);
            }
        } else {
            add_leaf(f, nullptr);
        }
    }
    Result<AtomicFile> file = AtomicFile::create(path);
    if (!file) {
        return file.error();
    }
    auto impl = std::make_unique<Impl>(std::move(*file));
    impl->opt = options;
    impl->schema = schema;
    impl->leaves = std::move(leaves);
    impl->groups = std::move(groups);
    if (Status s = impl->write("PAR1"); !s) {
        return s.error();
    }
    return Writer(std::move(impl));
}

Writer::Writer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Writer::Writer(Writer&& other) noexcept = default;
Writer& Writer::operator=(Writer&& other) noexcept = default;
Writer::~Writer() = default;

int Writer::column(std::string_view dotted_path) const {
    for (size_t i = 0; i < impl_->leaves.size(); i++) {
        if (impl_->leaves[i].dotted == dotted_path) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Writer::group(std::string_view name) const {
    for (size_t i = 0; i < impl_->groups.size(); i++) {
        if (impl_->groups[i].first == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Writer::n_columns() const {
    return static_cast<int>(impl_->leaves.size());
}

uint64_t Writer::n_rows() const {
    return impl_->n_rows;
}

void Writer::put_string(int col, std::string_view v) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.type == Type::string && !c.is_list);
    impl_->begin_cell(c);
    impl_->add_levels(c, c.def_value, 0);
    impl_->add_string(c, v);
}

namespace {

template <class T>
void put_plain(Leaf& c, T v) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    c.values.append(bytes, sizeof(T));
    c.chunk_values++;
}

}  // namespace

void Writer::put_int32(int col, int32_t v) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.type == Type::int32);
    impl_->begin_cell(c);
    impl_->add_levels(c, c.def_value, 0);
    put_plain(c, v);
    c.stats.add_int(v);
}

void Writer::put_int64(int col, int64_t v) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.type == Type::int64);
    impl_->begin_cell(c);
    impl_->add_levels(c, c.def_value, 0);
    put_plain(c, v);
    c.stats.add_int(v);
}

void Writer::put_float(int col, float v) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.type == Type::float32);
    impl_->begin_cell(c);
    impl_->add_levels(c, c.def_value, 0);
    put_plain(c, v);
    c.stats.add_float(v);
}

void Writer::put_double(int col, double v) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.type == Type::float64);
    impl_->begin_cell(c);
    impl_->add_levels(c, c.def_value, 0);
    put_plain(c, v);
    c.stats.add_float(v);
}

void Writer::put_bool(int col, bool v) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.type == Type::boolean);
    impl_->begin_cell(c);
    impl_->add_levels(c, c.def_value, 0);
    if (c.page_bools % 8 == 0) {
        c.values.push_back('\0');
    }
    if (v) {
        c.values.back() = static_cast<char>(c.values.back() | (1 << (c.page_bools % 8)));
    }
    c.page_bools++;
    c.chunk_values++;
    c.stats.add_int(v ? 1 : 0);
}

void Writer::put_list(int col, std::span<const std::string> items) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.is_list);
    impl_->begin_cell(c);
    if (items.empty()) {
        impl_->add_levels(c, c.def_empty, 0);
        return;
    }
    for (size_t i = 0; i < items.size(); i++) {
        impl_->add_levels(c, c.def_value, i == 0 ? 0 : 1);
        impl_->add_string(c, items[i]);
    }
}

void Writer::put_list(int col, std::span<const std::optional<std::string_view>> items) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.is_list);
    impl_->begin_cell(c);
    if (items.empty()) {
        impl_->add_levels(c, c.def_empty, 0);
        return;
    }
    for (size_t i = 0; i < items.size(); i++) {
        const uint32_t rep = i == 0 ? 0 : 1;
        if (items[i]) {
            impl_->add_levels(c, c.def_value, rep);
            impl_->add_string(c, *items[i]);
        } else {
            RUVLLM_ASSERT(c.def_elem_null < c.def_value);  // element_optional
            impl_->add_levels(c, c.def_elem_null, rep);
        }
    }
}

void Writer::put_null(int col) {
    Leaf& c = impl_->leaf(col);
    RUVLLM_ASSERT(c.optional);
    impl_->begin_cell(c);
    impl_->add_levels(c, c.def_null, 0);
}

void Writer::put_null_group(int g) {
    RUVLLM_ASSERT(g >= 0 && static_cast<size_t>(g) < impl_->groups.size());
    for (int col : impl_->groups[static_cast<size_t>(g)].second) {
        Leaf& c = impl_->leaf(col);
        RUVLLM_ASSERT(c.def_null > 0);  // the group is optional
        impl_->begin_cell(c);
        impl_->add_levels(c, 0, 0);
    }
}

Status Writer::end_row() {
    RUVLLM_ASSERT(!impl_->closed && !impl_->failed);
    for (const Leaf& c : impl_->leaves) {
        if (c.cells != impl_->n_rows + 1) {
            std::fprintf(stderr,
                         "parquet: column '%s' got %llu cells by row %llu\n",
                         c.dotted.c_str(),
                         static_cast<unsigned long long>(c.cells),
                         static_cast<unsigned long long>(impl_->n_rows + 1));
            RUVLLM_ASSERT(c.cells == impl_->n_rows + 1);
        }
    }
    impl_->n_rows++;
    impl_->rows_in_group++;
    if (impl_->rows_in_group == impl_->opt.row_group_size) {
        return impl_->flush_row_group();
    }
    return ok();
}

Status Writer::close() {
    RUVLLM_ASSERT(!impl_->closed);
    if (impl_->failed) {
        impl_->closed = true;
        return make_error(Errc::io, impl_->file.path().string() + ": an earlier write failed");
    }
    impl_->closed = true;
    if (impl_->rows_in_group > 0) {
        if (Status s = impl_->flush_row_group(); !s) {
            return s;
        }
    }
    const std::string meta = impl_->footer();
    const auto len = static_cast<uint32_t>(meta.size());
    char tail[8];
    std::memcpy(tail, &len, 4);
    std::memcpy(tail + 4, "PAR1", 4);
    if (Status s = impl_->write(meta); !s) {
        return s;
    }
    if (Status s = impl_->write(std::string_view(tail, 8)); !s) {
        return s;
    }
    return impl_->file.commit();
}

}  // namespace parquet

std::string_view parquet_compression_name(ParquetCompression c) {
    switch (c) {
        case ParquetCompression::snappy:
            return "snappy";
        case ParquetCompression::zstd:
            return "zstd";
        default:
            return "none";
    }
}

Result<ParquetCompression> parse_parquet_compression(std::string_view s) {
    for (ParquetCompression c :
         {ParquetCompression::none, ParquetCompression::snappy, ParquetCompression::zstd}) {
        if (s == parquet_compression_name(c)) {
            return c;
        }
    }
    return make_error(
        Errc::invalid_argument,
        "parquet compression '" + std::string(s) + "' is unknown, expected none, snappy or zstd");
}

}  // namespace ruvllm
