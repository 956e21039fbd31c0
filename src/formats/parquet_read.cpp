// parquet_read.cpp: the Parquet reader of parquet_read.h.
//
// Three steps: the footer (FileMetaData, Thrift compact: parquet_encoding.h's CompactReader) is
// parsed into the few fields the reader needs; the schema is walked into leaf columns and the
// counts are cross-checked (file rows = sum of row-group rows = each flat chunk's values); then
// each wanted column chunk is read and its pages decoded: levels, then values, scattered into
// the column with nulls. Every number taken from the file is checked before it indexes,
// sizes or loops over anything.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <ruvllm/core/io.h>
#include <ruvllm/formats/parquet_encoding.h>
#include <ruvllm/formats/parquet_read.h>

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace ruvllm {

namespace fs = std::filesystem;

using parquet::CompactReader;

size_t ParquetColumn::size() const {
    switch (type) {
        case parquet::Type::string:
            return offsets.empty() ? 0 : offsets.size() - 1;
        case parquet::Type::float32:
        case parquet::Type::float64:
            return reals.size();
        default:
            return ints.size();
    }
}

double ParquetColumn::number(size_t row) const {
    if (type == parquet::Type::float32 || type == parquet::Type::float64) {
        return reals[row];
    }
    return static_cast<double>(ints[row]);
}

const ParquetColumn* ParquetTable::column(std::string_view name) const {
    for (const ParquetColumn& c : columns) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

namespace {

// ---- parquet.thrift numbers ----

enum : int32_t {
    kBoolean = 0,
    kInt32 = 1,
    kInt64 = 2,
    kInt96 = 3,
    kFloat = 4,
    kDouble = 5,
    kByteArray = 6,
    kFixedLenByteArray = 7
};

enum : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum : int32_t {
    kPlain = 0,
    kPlainDictionary = 2,
    kRle = 3,
    kBitPacked = 4,
    kDeltaBinaryPacked = 5,
    kDeltaLengthByteArray = 6,
    kDeltaByteArray = 7,
    kRleDictionary = 8,
    kByteStreamSplit = 9
};

enum : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

enum : int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };

const char* codec_name(int32_t c) {
    static const char* const names[] = {
        "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    return c >= 0 && c < 8 ? names[c] : "unknown";
}

std::string encoding_name(int32_t e) {
    static const char* const names[] = {"PLAIN",
                                        "GROUP_VAR_INT",
                                        "PLAIN_DICTIONARY",
                                        "RLE",
                                        "BIT_PACKED",
                                        "DELTA_BINARY_PACKED",
                                        "DELTA_LENGTH_BYTE_ARRAY",
                                        "DELTA_BYTE_ARRAY",
                                        "RLE_DICTIONARY",
                                        "BYTE_STREAM_SPLIT"};
    return e >= 0 && e < 10 ? names[e] : "encoding " + std::to_string(e);
}

const char* physical_name(int32_t t) {
    static const char* const names[] = {"BOOLEAN",
                                        "INT32",
                                        "INT64",
                                        "INT96",
                                        "FLOAT",
                                        "DOUBLE",
                                        "BYTE_ARRAY",
                                        "FIXED_LEN_BYTE_ARRAY"};
    return t >= 0 && t < 8 ? names[t] : "unknown";
}

parquet::Type value_type(int32_t physical) {
    switch (physical) {
        case kBoolean:
            return parquet::Type::boolean;
        case kInt32:
            return parquet::Type::int32;
        case kInt64:
            return parquet::Type::int64;
        case kFloat:
            return parquet::Type::float32;
        case kDouble:
            return parquet::Type::float64;
        default:
            return parquet::Type::string;
    }
}

// ---- the footer ----

struct SchemaNode {
    int32_t type = -1;  // physical type; -1: a group
    int32_t repetition = -1;
    std::string name;
    int32_t num_children = 0;
};

struct ChunkInfo {
    bool has_meta = false;
    bool external = false;  // file_path set: the chunk lives in another file
    int32_t type = -1;
    int32_t codec = 0;
    std::vector<std::string> path;
    int64_t num_values = -1;
    int64_t total_compressed = -1;
    int64_t data_page_offset = -1;
    int64_t dictionary_page_offset = -1;
};

struct RowGroupInfo {
    int64_t num_rows = -1;
    std::vector<ChunkInfo> chunks;
};

struct FileMeta {
    int64_t num_rows = -1;
    std::vector<SchemaNode> schema;
    std::vector<RowGroupInfo> row_groups;
};

void parse_schema_element(CompactReader& r, SchemaNode& n) {
    int16_t id = 0;
    uint8_t t = 0;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1:
                n.type = r.read_i32(t);
                break;
            case 3:
                n.repetition = r.read_i32(t);
                break;
            case 4:
                n.name = r.read_binary(t);
                break;
            case 5:
                n.num_children = r.read_i32(t);
                break;
            default:
                r.skip(t);
        }
    }
}

void parse_column_meta(CompactReader& r, ChunkInfo& c) {
    int16_t id = 0;
    uint8_t t = 0;
    c.has_meta = true;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1:
                c.type = r.read_i32(t);
                break;
            case 3: {
                uint8_t elem = 0;
                const size_t n = r.list_begin(t, elem);
                c.path.clear();
                for (size_t i = 0; i < n && r.ok(); i++) {
                    c.path.emplace_back(r.read_binary(elem));
                }
                break;
            }
            case 4:
                c.codec = r.read_i32(t);
                break;
            case 5:
                c.num_values = r.read_i64(t);
                break;
            case 7:
                c.total_compressed = r.read_i64(t);
                break;
            case 9:
                c.data_page_offset = r.read_i64(t);
                break;
            case 11:
                c.dictionary_page_offset = r.read_i64(t);
                break;
            default:
                r.skip(t);
        }
    }
}

void parse_column_chunk(CompactReader& r, ChunkInfo& c) {
    int16_t id = 0;
    uint8_t t = 0;
    while (r.next_field(id, t)) {
        if (id == 1) {
            c.external = !r.read_binary(t).empty();
        } else if (id == 3) {
            r.struct_begin(t);
            parse_column_meta(r, c);
        } else {
            r.skip(t);
        }
    }
}

// A Thrift list<struct> into `out`, each element parsed by `parse` (stops at the first error).
template <class T, class Parse>
void read_struct_list(CompactReader& r, uint8_t t, std::vector<T>& out, Parse parse) {
    uint8_t elem = 0;
    const size_t n = r.list_begin(t, elem);
    out.clear();
    for (size_t i = 0; i < n && r.ok(); i++) {
        out.emplace_back();
        r.struct_begin(elem);
        parse(r, out.back());
    }
}

void parse_row_group(CompactReader& r, RowGroupInfo& g) {
    int16_t id = 0;
    uint8_t t = 0;
    while (r.next_field(id, t)) {
        if (id == 1) {
            read_struct_list(r, t, g.chunks, parse_column_chunk);
        } else if (id == 3) {
            g.num_rows = r.read_i64(t);
        } else {
            r.skip(t);
        }
    }
}

void parse_file_meta(CompactReader& r, FileMeta& m) {
    int16_t id = 0;
    uint8_t t = 0;
    while (r.next_field(id, t)) {
        if (id == 2) {
            read_struct_list(r, t, m.schema, parse_schema_element);
        } else if (id == 3) {
            m.num_rows = r.read_i64(t);
        } else if (id == 4) {
            read_struct_list(r, t, m.row_groups, parse_row_group);
        } else {
            r.skip(t);
        }
    }
}

struct PageHeader {
    int32_t type = -1;
    int32_t uncompressed = -1, compressed = -1;
    bool has_data = false;    // DataPageHeader or DataPageHeaderV2 present
    int32_t num_values = -1;  // data pages: level entries; dictionary pages: entries
    int32_t encoding = -1;
    int32_t def_encoding = kRle;       // v1
    int32_t def_len = 0, rep_len = 0;  // v2
    bool is_compressed = true;         // v2
};

void parse_data_header(CompactReader& r, PageHeader& h) {
    int16_t id = 0;
    uint8_t t = 0;
    h.has_data = true;
    while (r.next_field(id, t)) {
        if (id == 1) {
            h.num_values = r.read_i32(t);
        } else if (id == 2) {
            h.encoding = r.read_i32(t);
        } else if (id == 3) {
            h.def_encoding = r.read_i32(t);
        } else {
            r.skip(t);
        }
    }
}

void parse_data_header_v2(CompactReader& r, PageHeader& h) {
    int16_t id = 0;
    uint8_t t = 0;
    h.has_data = true;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1:
                h.num_values = r.read_i32(t);
                break;
            case 4:
                h.encoding = r.read_i32(t);
                break;
            case 5:
                h.def_len = r.read_i32(t);
                break;
            case 6:
                h.rep_len = r.read_i32(t);
                break;
            case 7:
                h.is_compressed = r.read_bool(t);
                break;
            default:
                r.skip(t);
        }
    }
}

void parse_dictionary_header(CompactReader& r, PageHeader& h) {
    int16_t id = 0;
    uint8_t t = 0;
    h.has_data = true;
    while (r.next_field(id, t)) {
        if (id == 1) {
            h.num_values = r.read_i32(t);
        } else if (id == 2) {
            h.encoding = r.read_i32(t);
        } else {
            r.skip(t);
        }
    }
}

void parse_page_header(CompactReader& r, PageHeader& h) {
    int16_t id = 0;
    uint8_t t = 0;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1:
                h.type = r.read_i32(t);
                break;
            case 2:
                h.uncompressed = r.read_i32(t);
                break;
            case 3:
                h.compressed = r.read_i32(t);
                break;
            case 5:
            case 7:
            case 8:
                // Only the header of the page's own type counts (a writer may add others).
                if ((id == 5 && h.type == kDataPage) || (id == 7 && h.type == kDictionaryPage) ||
                    (id == 8 && h.type == kDataPageV2)) {
                    r.struct_begin(t);
                    if (id == 5) {
                        parse_data_header(r, h);
                    } else if (id == 7) {
                        parse_dictionary_header(r, h);
                    } else {
                        parse_data_header_v2(r, h);
                    }
                } else {
                    r.skip(t);
                }
                break;
            default:
                r.skip(t);
        }
    }
}

// ---- the schema's leaf columns ----

struct Leaf {
    std::string dotted;
    std::vector<std::string> path;
    int32_t physical = -1;
    int max_def = 0;
    std::string why;  // not readable: the reason; "" = readable
};

// Walks the flattened schema (depth first, each group followed by its num_children children)
// without recursion, so a crafted depth cannot exhaust the stack. "" or the error.
std::string schema_leaves(const std::vector<SchemaNode>& schema, std::vector<Leaf>& leaves) {
    if (schema.empty()) {
        return "the schema is empty, expected a root element";
    }
    if (schema[0].num_children < 0) {
        return "the schema root has " + std::to_string(schema[0].num_children) +
               " children, expected a count >= 0";
    }

    struct Frame {
        int64_t remaining;
        std::vector<std::string> path;
        int def;
        bool repeated;
    };

    std::vector<Frame> stack;
    stack.push_back({schema[0].num_children, {}, 0, false});
    for (size_t i = 1; i < schema.size(); i++) {
        while (!stack.empty() && stack.back().remaining == 0) {
            stack.pop_back();
        }
        const SchemaNode& n = schema[i];
        if (stack.empty()) {
            return "schema element " + std::to_string(i) + " ('" + n.name +
                   "') is not a child of any group, expected " + std::to_string(i) +
                   " elements in all";
        }
        stack.back().remaining--;
        if (n.num_children < 0) {
            return "schema element '" + n.name + "' has " + std::to_string(n.num_children) +
                   " children, expected a count >= 0";
        }
        if (n.repetition < -1 || n.repetition > kRepeated) {
            return "schema element '" + n.name + "' has repetition " +
                   std::to_string(n.repetition) + ", expected REQUIRED, OPTIONAL or REPEATED";
        }
        std::vector<std::string> path = stack.back().path;
        path.push_back(n.name);
        const int def = stack.back().def + (n.repetition == kOptional || n.repetition == kRepeated);
        const bool repeated = stack.back().repeated || n.repetition == kRepeated;
        if (n.num_children > 0) {
            stack.push_back({n.num_children, std::move(path), def, repeated});
            continue;
        }
        if (n.type < 0 || n.type > kFixedLenByteArray) {
            return "schema leaf '" + n.name + "' has physical type " + std::to_string(n.type) +
                   ", expected 0 to 7";
        }
        Leaf leaf;
        for (const std::string& p : path) {
            leaf.dotted += (leaf.dotted.empty() ? "" : ".") + p;
        }
        leaf.path = std::move(path);
        leaf.physical = n.type;
        leaf.max_def = def;
        if (repeated) {
            leaf.why = "repeated (a list or map)";
        } else if (n.type == kInt96) {
            leaf.why = "INT96 (a legacy timestamp)";
        } else if (n.type == kFixedLenByteArray) {
            leaf.why = "FIXED_LEN_BYTE_ARRAY (a decimal, UUID or float16)";
        }
        leaves.push_back(std::move(leaf));
    }
    while (!stack.empty() && stack.back().remaining == 0) {
        stack.pop_back();
    }
    if (!stack.empty()) {
        return "the schema announces " + std::to_string(stack.back().remaining) +
               " more children than it holds, expected " + std::to_string(schema.size()) +
               " elements to be complete";
    }
    return "";
}

// ---- the bytes of the file ----

class Source {
public:
    Source(std::FILE* fp, uint64_t size) : fp_(fp), size_(size) {}

    explicit Source(std::string_view mem) : mem_(mem), size_(mem.size()) {}

    uint64_t size() const { return size_; }

    // [off, off + len) of the file (the caller checked it is inside), in `buf` or in place.
    bool read(uint64_t off, size_t len, std::string& buf, std::string_view& out) {
        if (fp_ == nullptr) {
            out = mem_.substr(static_cast<size_t>(off), len);
            return true;
        }
        buf.resize(len);
        if (fseeko(fp_, static_cast<off_t>(off), SEEK_SET) != 0 ||
            std::fread(buf.data(), 1, len, fp_) != len) {
            return false;
        }
        out = buf;
        return true;
    }

private:
    std::FILE* fp_ = nullptr;
    std::string_view mem_;
    uint64_t size_ = 0;
};

std::span<const uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// ---- values of one page ----

struct Values {
    std::vector<int64_t> ints;
    std::vector<double> reals;
    std::vector<std::string_view> strs;
};

uint32_t le32(const uint8_t* p) {
    uint32_t v = 0;
    std::memcpy(&v, p, 4);
    return v;
}

// n PLAIN values of `physical` from the front of `in` into `v`. "" or the error.
std::string decode_plain(std::span<const uint8_t> in, int32_t physical, size_t n, Values& v) {
    auto need = [&](uint64_t bytes) {
        return bytes > in.size() ? "PLAIN values need " + std::to_string(bytes) +
                                       " bytes, the page holds " + std::to_string(in.size())
                                 : std::string();
    };
    switch (physical) {
        case kBoolean: {
            if (std::string e = need((static_cast<uint64_t>(n) + 7) / 8); !e.empty()) {
                return e;
            }
            for (size_t i = 0; i < n; i++) {
                v.ints.push_back((in[i / 8] >> (i % 8)) & 1);
            }
            return "";
        }
        case kInt32:
        case kFloat: {
            if (std::string e = need(static_cast<uint64_t>(n) * 4); !e.empty()) {
                return e;
            }
            for (size_t i = 0; i < n; i++) {
                const uint32_t bits = le32(in.data() + 4 * i);
                if (physical == kInt32) {
                    v.ints.push_back(static_cast<int32_t>(bits));
                } else {
                    float f = 0;
                    std::memcpy(&f, &bits, 4);
                    v.reals.push_back(f);
                }
            }
            return "";
        }
        case kInt64:
        case kDouble: {
            if (std::string e = need(static_cast<uint64_t>(n) * 8); !e.empty()) {
                return e;
            }
            for (size_t i = 0; i < n; i++) {
                if (physical == kInt64) {
                    int64_t x = 0;
                    std::memcpy(&x, in.data() + 8 * i, 8);
                    v.ints.push_back(x);
                } else {
                    double d = 0;
                    std::memcpy(&d, in.data() + 8 * i, 8);
                    v.reals.push_back(d);
                }
            }
            return "";
        }
        default: {  // BYTE_ARRAY: u32 length + bytes
            size_t pos = 0;
            for (size_t i = 0; i < n; i++) {
                if (in.size() - pos < 4) {
                    return "PLAIN string " + std::to_string(i) + " of " + std::to_string(n) +
                           " runs past the end of the page";
                }
                const uint32_t len = le32(in.data() + pos);
                pos += 4;
                if (len > in.size() - pos) {
                    return "PLAIN string " + std::to_string(i) + " of " + std::to_string(len) +
                           " bytes runs past the end of the page (" +
                           std::to_string(in.size() - pos) + " bytes left)";
                }
                v.strs.emplace_back(reinterpret_cast<const char*>(in.data()) + pos, len);
                pos += len;
            }
            return "";
        }
    }
}

// ---- decompression ----

class Decompressor {
public:
    Decompressor() = default;
    Decompressor(const Decompressor&) = delete;
    Decompressor& operator=(const Decompressor&) = delete;
    Decompressor(Decompressor&&) = delete;
    Decompressor& operator=(Decompressor&&) = delete;

    ~Decompressor() {
        if (zstd_ != nullptr) {
            ZSTD_freeDCtx(zstd_);
        }
    }

    // `in` decompressed with `codec` into `out`, which must come to exactly `size` bytes.
    // "" or the error.
    std::string run(int32_t codec, std::string_view in, size_t size, std::string& out) {
        out.resize(size);
        switch (codec) {
            case kSnappy: {
                size_t n = 0;
                if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
                    return "snappy data is corrupt (no length header)";
                }
                if (n != size) {
                    return "snappy data holds " + std::to_string(n) + " bytes, expected " +
                           std::to_string(size) + " (the page header's uncompressed size)";
                }
                if (!snappy::RawUncompress(in.data(), in.size(), out.data())) {
                    return "snappy data is corrupt";
                }
                return "";
            }
            case kZstd: {
                if (zstd_ == nullptr) {
                    zstd_ = ZSTD_createDCtx();
                    if (zstd_ == nullptr) {
                        return "zstd: out of memory";
                    }
                }
                char dummy = 0;
                const size_t n = ZSTD_decompressDCtx(
                    zstd_, size > 0 ? out.data() : &dummy, size, in.data(), in.size());
                if (ZSTD_isError(n)) {
                    return std::string(
                               "zstd data is corrupt or larger than the page header "
                               "says (") +
                           ZSTD_getErrorName(n) + ")";
                }
                if (n != size) {
                    return "zstd data holds " + std::to_string(n) + " bytes, expected " +
                           std::to_string(size) + " (the page header's uncompressed size)";
                }
                return "";
            }
            case kGzip: {
                z_stream z{};
                if (inflateInit2(&z, 15 + 32) != Z_OK) {
                    return "gzip: cannot start zlib";
                }
                char dummy = 0;
                z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
                z.avail_in = static_cast<uInt>(in.size());
                z.next_out = reinterpret_cast<Bytef*>(size > 0 ? out.data() : &dummy);
                z.avail_out = static_cast<uInt>(size);
                const int rc = inflate(&z, Z_FINISH);
                const size_t n = size - z.avail_out;
                inflateEnd(&z);
                if (rc != Z_STREAM_END) {
                    return n == size ? "gzip data is larger than the page header says (" +
                                           std::to_string(size) + " bytes)"
                                     : "gzip data is corrupt or cut off";
                }
                if (n != size) {
                    return "gzip data holds " + std::to_string(n) + " bytes, expected " +
                           std::to_string(size) + " (the page header's uncompressed size)";
                }
                return "";
            }
            default:
                return "";
        }
    }

private:
    ZSTD_DCtx* zstd_ = nullptr;
};

// ---- one column chunk ----

struct Budget {
    uint64_t used = 0, max = 0;

    bool charge(uint64_t n) {
        used += n;
        return used <= max;
    }
};

class ChunkReader {
public:
    ChunkReader(const Leaf& leaf,
                ParquetColumn& col,
                Budget& budget,
                Decompressor& dec,
                const ParquetReadOptions& opt)
        : leaf_(leaf), col_(col), budget_(budget), dec_(dec), opt_(opt) {}

    // Decodes the chunk's pages (`bytes`) until `rows` rows are read. Sets `code` and returns
    // the error text (without its place), or "".
    std::string read(std::string_view bytes, int32_t codec, int64_t rows, Errc& code);

    int page() const { return page_; }

private:
    std::string dictionary_page(const PageHeader& h, std::string_view payload, int32_t codec);
    std::string data_page(const PageHeader& h, std::string_view payload, int32_t codec);
    std::string values(int32_t encoding, std::span<const uint8_t> in, size_t n, Values& v);
    std::string scatter(const std::vector<uint32_t>& defs, size_t n_levels, const Values& v);
    std::string over_budget() const;

    const Leaf& leaf_;
    ParquetColumn& col_;
    Budget& budget_;
    Decompressor& dec_;
    const ParquetReadOptions& opt_;
    int page_ = 0;
    int64_t rows_left_ = 0;
    bool has_dict_ = false, seen_data_ = false;
    std::string dict_buf_;  // the decompressed dictionary page (dict_.strs point into it)
    Values dict_;
    uint64_t dict_charge_ = 0;
    std::string page_buf_, arena_;
    std::vector<uint32_t> defs_, idx_;
    std::vector<int64_t> lens_;
    Errc code_ = Errc::format;
};

std::string ChunkReader::over_budget() const {
    return "the decoded table passes " + std::to_string(budget_.max) +
           " bytes (ParquetReadOptions::max_bytes), expected a smaller table";
}

std::string ChunkReader::read(std::string_view bytes, int32_t codec, int64_t rows, Errc& code) {
    rows_left_ = rows;
    size_t pos = 0;
    std::string err;
    while (rows_left_ > 0) {
        if (pos >= bytes.size()) {
            err = "the column chunk ends with " + std::to_string(rows_left_) +
                  " rows of the row group still to come, expected pages for all of them";
            break;
        }
        PageHeader h;
        CompactReader r(as_bytes(bytes.substr(pos)));
        parse_page_header(r, h);
        if (!r.ok()) {
            err = "page header: " + r.error();
            break;
        }
        pos += r.pos();
        if (h.compressed < 0 || h.uncompressed < 0) {
            err = "page sizes " + std::to_string(h.compressed) + " / " +
                  std::to_string(h.uncompressed) + ", expected sizes >= 0";
            break;
        }
        if (static_cast<uint64_t>(h.compressed) > bytes.size() - pos) {
            err = "page of " + std::to_string(h.compressed) +
                  " bytes runs past the column chunk (" + std::to_string(bytes.size() - pos) +
                  " bytes left)";
            break;
        }
        if (static_cast<uint64_t>(h.uncompressed) > opt_.max_page_bytes) {
            err = "page of " + std::to_string(h.uncompressed) +
                  " bytes uncompressed, expected at most " + std::to_string(opt_.max_page_bytes) +
                  " (ParquetReadOptions::max_page_bytes)";
            break;
        }
        const std::string_view payload = bytes.substr(pos, static_cast<size_t>(h.compressed));
        pos += static_cast<size_t>(h.compressed);
        if (h.type == kDictionaryPage) {
            err = dictionary_page(h, payload, codec);
        } else if (h.type == kDataPage || h.type == kDataPageV2) {
            err = data_page(h, payload, codec);
        } else if (h.type != kIndexPage) {
            err = "page type " + std::to_string(h.type) +
                  ", expected DATA_PAGE, DATA_PAGE_V2, DICTIONARY_PAGE or INDEX_PAGE";
        }
        if (!err.empty()) {
            break;
        }
        page_++;
    }
    budget_.used -= std::min(budget_.used, dict_charge_);
    code = code_;
    return err;
}

std::string ChunkReader::dictionary_page(const PageHeader& h,
                                         std::string_view payload,
                                         int32_t codec) {
    if (!h.has_data) {
        return "dictionary page without its DictionaryPageHeader";
    }
    if (has_dict_) {
        return "a second dictionary page, expected one per column chunk";
    }
    if (seen_data_) {
        return "a dictionary page after data pages, expected it first in the column chunk";
    }
    if (h.num_values < 0) {
        return "dictionary of " + std::to_string(h.num_values) + " entries, expected >= 0";
    }
    if (h.encoding != kPlain && h.encoding != kPlainDictionary) {
        return "dictionary page encoding " + encoding_name(h.encoding) + ", expected PLAIN";
    }
    std::string_view raw = payload;
    if (codec != kUncompressed) {
        if (std::string e =
                dec_.run(codec, payload, static_cast<size_t>(h.uncompressed), dict_buf_);
            !e.empty()) {
            return e;
        }
        raw = dict_buf_;
    } else if (h.uncompressed != h.compressed) {
        return "uncompressed page of " + std::to_string(h.compressed) + " bytes says it holds " +
               std::to_string(h.uncompressed) + ", expected the same";
    } else {
        dict_buf_.assign(payload);
        raw = dict_buf_;
    }
    const auto n = static_cast<size_t>(h.num_values);
    // Every PLAIN entry takes at least one bit (booleans) or byte: a count the page cannot
    // hold is refused before anything is allocated for it.
    if (n > raw.size() * 8) {
        return "dictionary of " + std::to_string(n) + " entries in " + std::to_string(raw.size()) +
               " bytes";
    }
    if (std::string e = decode_plain(as_bytes(raw), leaf_.physical, n, dict_); !e.empty()) {
        return "dictionary: " + e;
    }
    dict_charge_ = 16 * static_cast<uint64_t>(n);
    if (!budget_.charge(dict_charge_)) {
        return over_budget();
    }
    has_dict_ = true;
    return "";
}

std::string ChunkReader::values(int32_t encoding,
                                std::span<const uint8_t> in,
                                size_t n,
                                Values& v) {
    const int32_t t = leaf_.physical;
    std::string err;
    switch (encoding) {
        case kPlain:
            return decode_plain(in, t, n, v);
        case kPlainDictionary:
        case kRleDictionary: {
            if (!has_dict_) {
                return "dictionary-encoded page without a dictionary page before it";
            }
            if (n == 0) {
                return "";
            }
            if (in.empty()) {
                return "dictionary indices missing, expected a bit width byte";
            }
            idx_.clear();
            if (parquet::decode_rle_hybrid(in.subspan(1), in[0], n, idx_, err) < 0) {
                return "dictionary indices: " + err;
            }
            const size_t size = t == kByteArray               ? dict_.strs.size()
                                : t == kFloat || t == kDouble ? dict_.reals.size()
                                                              : dict_.ints.size();
            for (uint32_t i : idx_) {
                if (i >= size) {
                    return "dictionary index " + std::to_string(i) + ", expected < " +
                           std::to_string(size) + " (the dictionary's entries)";
                }
                if (t == kByteArray) {
                    v.strs.push_back(dict_.strs[i]);
                } else if (t == kFloat || t == kDouble) {
                    v.reals.push_back(dict_.reals[i]);
                } else {
                    v.ints.push_back(dict_.ints[i]);
                }
            }
            return "";
        }
        case kRle: {
            if (t != kBoolean) {
                break;
            }
            if (in.size() < 4) {
                return "RLE booleans without their 4-byte length";
            }
            const uint32_t len = le32(in.data());
            if (len > in.size() - 4) {
                return "RLE booleans of " + std::to_string(len) + " bytes run past the page";
            }
            idx_.clear();
            if (parquet::decode_rle_hybrid(in.subspan(4, len), 1, n, idx_, err) < 0) {
                return "RLE booleans: " + err;
            }
            for (uint32_t b : idx_) {
                v.ints.push_back(b);
            }
            return "";
        }
        case kDeltaBinaryPacked: {
            if (t != kInt32 && t != kInt64) {
                break;
            }
            if (parquet::decode_delta_binary_packed(in, n, v.ints, err) < 0) {
                return err;
            }
            if (t == kInt32) {
                for (int64_t& x : v.ints) {
                    x = static_cast<int32_t>(static_cast<uint32_t>(x));
                }
            }
            return "";
        }
        case kDeltaLengthByteArray:
        case kDeltaByteArray: {
            if (t != kByteArray) {
                break;
            }
            size_t pos = 0;
            std::vector<int64_t> prefix;
            if (encoding == kDeltaByteArray) {
                const int64_t used = parquet::decode_delta_binary_packed(in, n, prefix, err);
                if (used < 0) {
                    return "prefix lengths: " + err;
                }
                pos = static_cast<size_t>(used);
            }
            lens_.clear();
            const int64_t used =
                parquet::decode_delta_binary_packed(in.subspan(pos), n, lens_, err);
            if (used < 0) {
                return "lengths: " + err;
            }
            pos += static_cast<size_t>(used);
            // Offsets into `in` (DELTA_LENGTH) or into arena_ (DELTA_BYTE_ARRAY), then views.
            std::vector<std::pair<size_t, size_t>> spans;
            arena_.clear();
            for (size_t i = 0; i < n; i++) {
                const int64_t len = lens_[i];
                if (len < 0 || static_cast<uint64_t>(len) > in.size() - pos) {
                    return "string " + std::to_string(i) + " of length " + std::to_string(len) +
                           " runs past the page (" + std::to_string(in.size() - pos) +
                           " bytes left)";
                }
                const auto ulen = static_cast<size_t>(len);
                if (encoding == kDeltaLengthByteArray) {
                    spans.emplace_back(pos, ulen);
                } else {
                    const int64_t p = prefix[i];
                    const size_t prev = i == 0 ? 0 : spans.back().second;
                    if (p < 0 || static_cast<uint64_t>(p) > prev) {
                        return "string " + std::to_string(i) + " shares a prefix of " +
                               std::to_string(p) + " bytes, expected at most " +
                               std::to_string(prev) + " (the previous string's length)";
                    }
                    if (!budget_.charge(static_cast<uint64_t>(p) + ulen)) {
                        return over_budget();
                    }
                    const size_t start = arena_.size();
                    if (p > 0) {
                        const std::string shared =
                            arena_.substr(spans.back().first, static_cast<size_t>(p));
                        arena_ += shared;
                    }
                    arena_.append(reinterpret_cast<const char*>(in.data()) + pos, ulen);
                    spans.emplace_back(start, arena_.size() - start);
                }
                pos += ulen;
            }
            if (encoding == kDeltaByteArray) {
                budget_.used -= std::min<uint64_t>(budget_.used, arena_.size());
            }
            const char* base = encoding == kDeltaLengthByteArray
                                   ? reinterpret_cast<const char*>(in.data())
                                   : arena_.data();
            for (const auto& [off, len] : spans) {
                v.strs.emplace_back(base + off, len);
            }
            return "";
        }
        case kByteStreamSplit: {
            const size_t w = t == kInt32 || t == kFloat ? 4 : t == kInt64 || t == kDouble ? 8 : 0;
            if (w == 0) {
                break;
            }
            if (in.size() != n * w) {
                return "BYTE_STREAM_SPLIT values take " + std::to_string(in.size()) +
                       " bytes, expected " + std::to_string(n * w) + " (" + std::to_string(n) +
                       " values)";
            }
            for (size_t i = 0; i < n; i++) {
                uint8_t b[8] = {};
                for (size_t k = 0; k < w; k++) {
                    b[k] = in[k * n + i];
                }
                if (t == kInt32 || t == kFloat) {
                    const uint32_t bits = le32(b);
                    if (t == kInt32) {
                        v.ints.push_back(static_cast<int32_t>(bits));
                    } else {
                        float f = 0;
                        std::memcpy(&f, &bits, 4);
                        v.reals.push_back(f);
                    }
                } else if (t == kInt64) {
                    int64_t x = 0;
                    std::memcpy(&x, b, 8);
                    v.ints.push_back(x);
                } else {
                    double d = 0;
                    std::memcpy(&d, b, 8);
                    v.reals.push_back(d);
                }
            }
            return "";
        }
        default:
            code_ = Errc::unsupported;
            return "value encoding " + encoding_name(encoding) + " is not supported";
    }
    return "value encoding " + encoding_name(encoding) + " for a " + physical_name(t) +
           " column, expected an encoding of that type";
}

std::string ChunkReader::data_page(const PageHeader& h, std::string_view payload, int32_t codec) {
    if (!h.has_data) {
        return "data page without its DataPageHeader";
    }
    seen_data_ = true;
    if (h.num_values < 0 || h.num_values > rows_left_) {
        return "data page of " + std::to_string(h.num_values) + " values, expected 0 to " +
               std::to_string(rows_left_) + " (the rows left in the row group)";
    }
    const auto n_levels = static_cast<size_t>(h.num_values);
    const int bw = parquet::bit_width(static_cast<uint32_t>(leaf_.max_def));
    std::string err;
    defs_.clear();
    std::span<const uint8_t> vals;
    if (h.type == kDataPage) {
        std::string_view raw = payload;
        if (codec != kUncompressed) {
            if (std::string e =
                    dec_.run(codec, payload, static_cast<size_t>(h.uncompressed), page_buf_);
                !e.empty()) {
                return e;
            }
            raw = page_buf_;
        } else if (h.uncompressed != h.compressed) {
            return "uncompressed page of " + std::to_string(h.compressed) +
                   " bytes says it holds " + std::to_string(h.uncompressed) + ", expected the same";
        }
        std::span<const uint8_t> in = as_bytes(raw);
        if (leaf_.max_def > 0) {
            if (h.def_encoding == kBitPacked) {
                code_ = Errc::unsupported;
                return "definition levels in the deprecated BIT_PACKED encoding are not "
                       "supported";
            }
            if (h.def_encoding != kRle) {
                return "definition level encoding " + encoding_name(h.def_encoding) +
                       ", expected RLE";
            }
            if (in.size() < 4) {
                return "definition levels without their 4-byte length";
            }
            const uint32_t len = le32(in.data());
            if (len > in.size() - 4) {
                return "definition levels of " + std::to_string(len) +
                       " bytes run past the page (" + std::to_string(in.size() - 4) +
                       " bytes left)";
            }
            if (parquet::decode_rle_hybrid(in.subspan(4, len), bw, n_levels, defs_, err) < 0) {
                return "definition levels: " + err;
            }
            in = in.subspan(4 + len);
        }
        vals = in;
    } else {
        if (h.def_len < 0 || h.rep_len < 0 ||
            static_cast<uint64_t>(h.def_len) + static_cast<uint64_t>(h.rep_len) > payload.size() ||
            int64_t{h.def_len} + int64_t{h.rep_len} > int64_t{h.uncompressed}) {
            return "levels of " + std::to_string(h.rep_len) + " + " + std::to_string(h.def_len) +
                   " bytes, expected them inside the page's " + std::to_string(payload.size()) +
                   " bytes";
        }
        if (h.rep_len != 0) {
            return "repetition levels in a column that is not repeated";
        }
        const std::span<const uint8_t> all = as_bytes(payload);
        if (leaf_.max_def > 0) {
            if (parquet::decode_rle_hybrid(
                    all.subspan(0, static_cast<size_t>(h.def_len)), bw, n_levels, defs_, err) < 0) {
                return "definition levels: " + err;
            }
        }
        const std::string_view rest = payload.substr(static_cast<size_t>(h.def_len));
        const auto size = static_cast<size_t>(h.uncompressed - h.def_len);
        if (codec != kUncompressed && h.is_compressed) {
            if (std::string e = dec_.run(codec, rest, size, page_buf_); !e.empty()) {
                return e;
            }
            vals = as_bytes(page_buf_);
        } else {
            if (rest.size() != size) {
                return "uncompressed values of " + std::to_string(rest.size()) +
                       " bytes, the page header says " + std::to_string(size);
            }
            vals = as_bytes(rest);
        }
    }
    size_t n_values = n_levels;
    if (leaf_.max_def > 0) {
        n_values = 0;
        for (uint32_t d : defs_) {
            if (d > static_cast<uint32_t>(leaf_.max_def)) {
                return "definition level " + std::to_string(d) + ", expected at most " +
                       std::to_string(leaf_.max_def);
            }
            n_values += d == static_cast<uint32_t>(leaf_.max_def);
        }
    }
    Values v;
    if (std::string e = values(h.encoding, vals, n_values, v); !e.empty()) {
        return e;
    }
    const size_t got = col_.type == parquet::Type::string ? v.strs.size()
                       : col_.type == parquet::Type::float32 || col_.type == parquet::Type::float64
                           ? v.reals.size()
                           : v.ints.size();
    if (got != n_values) {  // the decoders give exactly n values; kept as a guard
        return "decoded " + std::to_string(got) + " values, expected " + std::to_string(n_values);
    }
    if (std::string e = scatter(defs_, n_levels, v); !e.empty()) {
        return e;
    }
    rows_left_ -= h.num_values;
    return "";
}

std::string ChunkReader::scatter(const std::vector<uint32_t>& defs,
                                 size_t n_levels,
                                 const Values& v) {
    const bool optional = leaf_.max_def > 0;
    const auto full = static_cast<uint32_t>(leaf_.max_def);
    const uint64_t per_row = 8 + (optional ? 1 : 0);
    if (!budget_.charge(per_row * n_levels)) {
        return over_budget();
    }
    size_t k = 0;
    for (size_t i = 0; i < n_levels; i++) {
        const bool present = !optional || defs[i] == full;
        if (optional) {
            col_.valid.push_back(present ? 1 : 0);
        }
        switch (col_.type) {
            case parquet::Type::string:
                if (present) {
                    const std::string_view s = v.strs[k++];
                    if (!budget_.charge(s.size())) {
                        return over_budget();
                    }
                    col_.bytes.append(s);
                }
                col_.offsets.push_back(col_.bytes.size());
                break;
            case parquet::Type::float32:
            case parquet::Type::float64:
                col_.reals.push_back(present ? v.reals[k++] : 0.0);
                break;
            default:
                col_.ints.push_back(present ? v.ints[k++] : 0);
                break;
        }
    }
    return "";
}

// ---- the file ----

Result<ParquetTable> read_source(Source& src,
                                 const std::string& name,
                                 const ParquetReadOptions& opt) {
    auto bad = [&](const std::string& what) {
        return make_error(Errc::format, name + ": " + what);
    };
    std::string buf;
    std::string_view head, tail;
    const uint64_t size = src.size();
    if (size < 12) {
        return bad("file of " + std::to_string(size) +
                   " bytes, expected a Parquet file (at least 12 bytes: PAR1 ... PAR1)");
    }
    if (!src.read(0, 4, buf, head)) {
        return make_error(Errc::io, name + ": read failed (" + std::strerror(errno) + ")");
    }
    const std::string magic(head);
    std::string tail_buf;
    if (!src.read(size - 8, 8, tail_buf, tail)) {
        return make_error(Errc::io, name + ": read failed (" + std::strerror(errno) + ")");
    }
    if (magic != "PAR1") {
        return bad("no PAR1 magic at the start, expected a Parquet file");
    }
    if (tail.substr(4) == "PARE") {
        return make_error(Errc::unsupported, name + ": an encrypted Parquet file is not supported");
    }
    if (tail.substr(4) != "PAR1") {
        return bad("no PAR1 magic at the end, expected a complete Parquet file (cut off?)");
    }
    const uint32_t footer_len = le32(reinterpret_cast<const uint8_t*>(tail.data()));
    if (footer_len > size - 12) {
        return bad("footer of " + std::to_string(footer_len) + " bytes, expected at most " +
                   std::to_string(size - 12) + " (the file's size less its magic and length)");
    }
    if (footer_len > opt.max_bytes) {
        return bad("footer of " + std::to_string(footer_len) + " bytes, expected at most " +
                   std::to_string(opt.max_bytes) + " (ParquetReadOptions::max_bytes)");
    }
    const uint64_t footer_start = size - 8 - footer_len;
    std::string footer_buf;
    std::string_view footer;
    if (!src.read(footer_start, footer_len, footer_buf, footer)) {
        return make_error(Errc::io, name + ": read failed (" + std::strerror(errno) + ")");
    }
    FileMeta meta;
    {
        CompactReader r(as_bytes(footer));
        // A parsed list element (schema element, column chunk, path part) takes about 100
        // bytes at most: the footer's structures stay near max_bytes whatever its lists claim.
        r.limit_elements(opt.max_bytes / 256);
        parse_file_meta(r, meta);
        if (!r.ok()) {
            return bad("footer: " + r.error());
        }
    }
    std::vector<Leaf> leaves;
    if (std::string e = schema_leaves(meta.schema, leaves); !e.empty()) {
        return bad("footer: " + e);
    }
    if (meta.num_rows < 0) {
        return bad("footer: " + std::to_string(meta.num_rows) + " rows, expected a count >= 0");
    }
    int64_t rg_rows = 0;
    for (size_t g = 0; g < meta.row_groups.size(); g++) {
        const RowGroupInfo& rg = meta.row_groups[g];
        if (rg.num_rows < 0 || rg.num_rows > meta.num_rows - rg_rows) {
            return bad("row group " + std::to_string(g) + ": " + std::to_string(rg.num_rows) +
                       " rows, expected 0 to " + std::to_string(meta.num_rows - rg_rows) +
                       " (the file's rows not in earlier row groups)");
        }
        rg_rows += rg.num_rows;
        if (rg.chunks.size() != leaves.size()) {
            return bad("row group " + std::to_string(g) + ": " + std::to_string(rg.chunks.size()) +
                       " column chunks, expected " + std::to_string(leaves.size()) +
                       " (the schema's leaf columns)");
        }
    }
    if (rg_rows != meta.num_rows) {
        return bad("footer: " + std::to_string(meta.num_rows) + " rows, but its row groups hold " +
                   std::to_string(rg_rows) + ", expected the same count");
    }

    ParquetTable table;
    table.n_rows = static_cast<uint64_t>(meta.num_rows);
    std::vector<size_t> wanted;  // leaf indices, schema order
    for (size_t i = 0; i < leaves.size(); i++) {
        const Leaf& l = leaves[i];
        table.all.push_back(l.dotted);
        if (!l.why.empty()) {
            table.skipped.push_back({l.dotted, l.why});
            continue;
        }
        if (opt.columns.empty() ||
            std::find(opt.columns.begin(), opt.columns.end(), l.dotted) != opt.columns.end()) {
            wanted.push_back(i);
        }
    }
    uint64_t per_row = 0;
    for (size_t i : wanted) {
        per_row += 8 + (leaves[i].max_def > 0 ? 1 : 0);
    }
    if (per_row > 0 && table.n_rows > opt.max_bytes / per_row) {
        return bad(std::to_string(table.n_rows) + " rows of " + std::to_string(wanted.size()) +
                   " columns pass " + std::to_string(opt.max_bytes) +
                   " bytes (ParquetReadOptions::max_bytes), expected a smaller table");
    }
    for (size_t i : wanted) {
        ParquetColumn c;
        c.name = leaves[i].dotted;
        c.type = value_type(leaves[i].physical);
        c.optional = leaves[i].max_def > 0;
        if (c.type == parquet::Type::string) {
            c.offsets.push_back(0);
        }
        table.columns.push_back(std::move(c));
    }

    Budget budget{0, opt.max_bytes};
    Decompressor dec;
    std::string chunk_buf;
    for (size_t g = 0; g < meta.row_groups.size(); g++) {
        const RowGroupInfo& rg = meta.row_groups[g];
        for (size_t w = 0; w < wanted.size(); w++) {
            const Leaf& leaf = leaves[wanted[w]];
            const ChunkInfo& c = rg.chunks[wanted[w]];
            const std::string where =
                name + ": column " + leaf.dotted + ", row group " + std::to_string(g);
            auto fail = [&](Errc code, const std::string& what) {
                return make_error(code, where + ": " + what);
            };
            if (!c.has_meta) {
                return fail(Errc::format, "no ColumnMetaData, expected one");
            }
            if (c.external) {
                return fail(Errc::unsupported, "the chunk is in another file (file_path)");
            }
            if (c.type != leaf.physical) {
                return fail(Errc::format,
                            std::string("chunk of type ") + physical_name(c.type) +
                                ", expected the schema's " + physical_name(leaf.physical));
            }
            if (c.path != leaf.path) {
                std::string p;
                for (const std::string& s : c.path) {
                    p += (p.empty() ? "" : ".") + s;
                }
                return fail(Errc::format,
                            "chunk path '" + p + "', expected '" + leaf.dotted +
                                "' (chunks in schema order)");
            }
            if (c.num_values != rg.num_rows) {
                return fail(Errc::format,
                            std::to_string(c.num_values) + " values, expected " +
                                std::to_string(rg.num_rows) + " (the row group's rows)");
            }
            if (c.codec != kUncompressed && c.codec != kSnappy && c.codec != kGzip &&
                c.codec != kZstd) {
                return fail(Errc::unsupported,
                            std::string("compression ") + codec_name(c.codec) + " (" +
                                std::to_string(c.codec) +
                                ") is not supported, expected UNCOMPRESSED, SNAPPY, GZIP or ZSTD");
            }
            int64_t start = c.data_page_offset;
            if (c.dictionary_page_offset > 0 && c.dictionary_page_offset < start) {
                start = c.dictionary_page_offset;
            }
            if (start < 4 || c.total_compressed < 0 ||
                static_cast<uint64_t>(start) > footer_start ||
                static_cast<uint64_t>(c.total_compressed) >
                    footer_start - static_cast<uint64_t>(start)) {
                return fail(Errc::format,
                            "chunk at byte " + std::to_string(start) + " of " +
                                std::to_string(c.total_compressed) +
                                " bytes, expected it between the magic and the footer (bytes 4 "
                                "to " +
                                std::to_string(footer_start) + ")");
            }
            std::string_view bytes;
            if (!src.read(static_cast<uint64_t>(start),
                          static_cast<size_t>(c.total_compressed),
                          chunk_buf,
                          bytes)) {
                return make_error(Errc::io, name + ": read failed (" + std::strerror(errno) + ")");
            }
            ChunkReader reader(leaf, table.columns[w], budget, dec, opt);
            Errc code = Errc::format;
            if (std::string e = reader.read(bytes, c.codec, rg.num_rows, code); !e.empty()) {
                return make_error(code,
                                  where + ", page " + std::to_string(reader.page()) + ": " + e);
            }
        }
    }
    return table;
}

}  // namespace

Result<ParquetTable> read_parquet(const fs::path& path, const ParquetReadOptions& options) {
    if (Status s = check_readable_file(path); !s) {
        return s.error();
    }
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr) {
        return make_error(Errc::io, path.string() + ": cannot open (" + std::strerror(errno) + ")");
    }
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(fp, std::fclose);
    std::error_code ec;
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) {
        return make_error(Errc::io,
                          path.string() + ": cannot read its size (" + ec.message() + ")");
    }
    Source src(fp, size);
    return read_source(src, path.string(), options);
}

Result<ParquetTable> read_parquet_bytes(std::string_view bytes,
                                        const std::string& name,
                                        const ParquetReadOptions& options) {
    Source src(bytes);
    return read_source(src, name, options);
}

bool is_parquet_file(const fs::path& path) {
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr) {
        return false;
    }
    char magic[4] = {};
    const bool ok = std::fread(magic, 1, 4, fp) == 4 && std::memcmp(magic, "PAR1", 4) == 0;
    std::fclose(fp);
    return ok;
}

}  // namespace ruvllm
