// parquet_test.cpp: the Parquet writer (parquet.h). Byte checks of the Thrift compact and RLE
// hybrid encoders worked out by hand from the specs, then whole files read back by the small
// reader below (footer, page headers, levels, PLAIN and dictionary pages, snappy and zstd),
// which must return exactly the rows written. The reader is written from parquet.thrift and
// Encodings.md, not from src/parquet.cpp; tests/parquet_interop_test.cpp repeats the round trips
// with independent readers (hyparquet, DuckDB).
#include <cstring>
#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/export_parquet.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/formats/parquet.h>

#include "testutil.h"
#include <snappy.h>
#include <zstd.h>

namespace fs = std::filesystem;
namespace pq = ruvllm::parquet;
using ordered_json = nlohmann::ordered_json;

namespace {

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int x : b) {
        s.push_back(static_cast<char>(x));
    }
    return s;
}

std::string hex(std::string_view s) {
    std::string out;
    char buf[4];
    for (unsigned char c : s) {
        std::snprintf(buf, sizeof(buf), "%02x ", c);
        out += buf;
    }
    return out;
}

// ---- a test-only Parquet reader ----

// A decoded Thrift compact value: ints (i16/i32/i64 and bytes), binary, bool, list, struct.
struct TValue {
    int64_t i = 0;
    bool b = false;
    std::string bin;
    std::vector<TValue> list;
    std::map<int16_t, TValue> fields;

    bool has(int16_t id) const { return fields.count(id) != 0; }

    const TValue& operator[](int16_t id) const {
        static const TValue empty;
        auto it = fields.find(id);
        return it == fields.end() ? empty : it->second;
    }
};

class CompactReader {
public:
    CompactReader(const char* p, size_t n)
        : p_(reinterpret_cast<const uint8_t*>(p)), end_(p_ + n) {}

    TValue read_struct() {
        TValue v;
        int16_t last = 0;
        while (true) {
            const uint8_t h = byte();
            if (h == 0 || failed) {
                return v;
            }
            const uint8_t type = h & 0x0F;
            const int delta = h >> 4;
            const auto id = static_cast<int16_t>(delta != 0 ? last + delta : zigzag_varint());
            last = id;
            if (type == 1 || type == 2) {
                v.fields[id].b = type == 1;
            } else {
                v.fields[id] = read_value(type);
            }
        }
    }

    size_t consumed(const char* base) const {
        return static_cast<size_t>(p_ - reinterpret_cast<const uint8_t*>(base));
    }

    bool failed = false;

private:
    uint8_t byte() {
        if (p_ >= end_) {
            failed = true;
            return 0;
        }
        return *p_++;
    }

    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const uint8_t b = byte();
            v |= static_cast<uint64_t>(b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        return v;
    }

    int64_t zigzag_varint() {
        const uint64_t u = varint();
        return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    }

    TValue read_value(uint8_t type) {
        TValue v;
        switch (type) {
            case 3:
                v.i = static_cast<int8_t>(byte());
                break;
            case 4:
            case 5:
            case 6:
                v.i = zigzag_varint();
                break;
            case 8: {
                const uint64_t n = varint();
                if (n > static_cast<uint64_t>(end_ - p_)) {
                    failed = true;
                    break;
                }
                v.bin.assign(reinterpret_cast<const char*>(p_), n);
                p_ += n;
                break;
            }
            case 9: {
                const uint8_t h = byte();
                uint64_t n = h >> 4;
                if (n == 15) {
                    n = varint();
                }
                for (uint64_t k = 0; k < n && !failed; k++) {
                    v.list.push_back(read_value(h & 0x0F));
                }
                break;
            }
            case 12:
                v = read_struct();
                break;
            default:
                failed = true;  // types the footer of a Parquet file does not use here
        }
        return v;
    }

    const uint8_t* p_;
    const uint8_t* end_;
};

// Decodes `n` values of the RLE / bit-packing hybrid (Encodings.md) from [p, end).
bool decode_hybrid(const char*& p, const char* end, int bw, size_t n, std::vector<uint32_t>& out) {
    while (out.size() < n) {
        uint64_t h = 0;
        for (int shift = 0;; shift += 7) {
            if (p >= end) {
                return false;
            }
            const auto b = static_cast<uint8_t>(*p++);
            h |= static_cast<uint64_t>(b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if ((h & 1) != 0) {
            const size_t groups = h >> 1;
            const size_t nbytes = groups * static_cast<size_t>(bw);
            if (static_cast<size_t>(end - p) < nbytes) {
                return false;
            }
            for (size_t k = 0; k < groups * 8; k++) {
                uint32_t v = 0;
                for (int bit = 0; bit < bw; bit++) {
                    const size_t pos = k * static_cast<size_t>(bw) + static_cast<size_t>(bit);
                    v |= static_cast<uint32_t>((p[pos / 8] >> (pos % 8)) & 1) << bit;
                }
                if (out.size() < n) {
                    out.push_back(v);
                }
            }
            p += nbytes;
        } else {
            const size_t count = h >> 1;
            uint32_t v = 0;
            for (int k = 0; k < (bw + 7) / 8; k++) {
                if (p >= end) {
                    return false;
                }
                v |= static_cast<uint32_t>(static_cast<uint8_t>(*p++)) << (8 * k);
            }
            out.insert(out.end(), std::min(count, n - out.size()), v);
        }
    }
    return true;
}

int width_of(int max_level) {
    int w = 0;
    while ((1 << w) <= max_level) {
        w++;
    }
    return w;
}

struct LeafData {
    std::vector<std::string> path;
    int32_t type = 0;  // physical type
    int max_def = 0, max_rep = 0;
    std::vector<uint32_t> def, rep;
    std::vector<ordered_json> values;  // non-null values only
    std::vector<size_t> page_starts;   // level index where each data page starts
    std::vector<std::vector<int32_t>> page_encodings;
};

// One node of the schema tree (repetition 0 required, 1 optional, 2 repeated).
struct Node {
    std::string name;
    int32_t type = -1;  // physical type, -1 for groups
    int32_t repetition = 0;
    int32_t converted = -1;
    std::vector<Node> children;
};

struct ParquetFile {
    std::string error;
    TValue meta;
    Node root;
    std::vector<LeafData> leaves;  // concatenated over row groups
    ordered_json rows = ordered_json::array();
};

bool parse_schema(const std::vector<TValue>& elems, size_t& i, Node& node) {
    if (i >= elems.size()) {
        return false;
    }
    const TValue& e = elems[i++];
    node.name = e[4].bin;
    node.type = e.has(1) ? static_cast<int32_t>(e[1].i) : -1;
    node.repetition = static_cast<int32_t>(e[3].i);
    node.converted = e.has(6) ? static_cast<int32_t>(e[6].i) : -1;
    for (int64_t k = 0; k < e[5].i; k++) {
        node.children.emplace_back();
        if (!parse_schema(elems, i, node.children.back())) {
            return false;
        }
    }
    return true;
}

void collect_leaves(
    const Node& n, std::vector<std::string> path, int def, int rep, std::vector<LeafData>& out) {
    for (const Node& c : n.children) {
        std::vector<std::string> p = path;
        p.push_back(c.name);
        const int d = def + (c.repetition != 0 ? 1 : 0);
        const int r = rep + (c.repetition == 2 ? 1 : 0);
        if (c.type >= 0) {
            LeafData l;
            l.path = p;
            l.type = c.type;
            l.max_def = d;
            l.max_rep = r;
            out.push_back(l);
        } else {
            collect_leaves(c, p, d, r, out);
        }
    }
}

ordered_json plain_value(int32_t type, const char*& p, const char* end, size_t& bool_index) {
    auto take = [&](auto v) {
        if (static_cast<size_t>(end - p) < sizeof(v)) {
            p = end + 1;  // marks a failure for the caller
            return v;
        }
        std::memcpy(&v, p, sizeof(v));
        p += sizeof(v);
        return v;
    };
    switch (type) {
        case 0: {  // booleans: bit-packed, LSB first
            const bool b = ((static_cast<uint8_t>(p[bool_index / 8]) >> (bool_index % 8)) & 1) != 0;
            bool_index++;
            return b;
        }
        case 1:
            return take(int32_t{});
        case 2:
            return take(int64_t{});
        case 4:
            return static_cast<double>(take(float{}));
        case 5:
            return take(double{});
        default: {
            const uint32_t len = take(uint32_t{});
            if (p > end || static_cast<size_t>(end - p) < len) {
                p = end + 1;
                return nullptr;
            }
            std::string s(p, len);
            p += len;
            return s;
        }
    }
}

std::string decompress(int64_t codec, std::string_view in, size_t raw_size, std::string& error) {
    std::string out(raw_size, '\0');
    if (codec == 0) {
        return std::string(in);
    }
    if (codec == 1) {
        if (!snappy::RawUncompress(in.data(), in.size(), out.data())) {
            error = "snappy failed";
        }
        return out;
    }
    if (codec == 6) {
        const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
        if (ZSTD_isError(n) || n != raw_size) {
            error = "zstd failed";
        }
        return out;
    }
    error = "codec " + std::to_string(codec);
    return out;
}

// Reads one column chunk's pages into `leaf` (appending). Checks the chunk's sizes and counts.
std::string read_chunk(const std::string& file, const TValue& cm, LeafData& leaf) {
    const int64_t codec = cm[4].i;
    const int64_t start = cm.has(11) ? cm[11].i : cm[9].i;
    const int64_t total = cm[7].i;
    if (start < 4 || start + total > static_cast<int64_t>(file.size())) {
        return "chunk out of range";
    }
    std::vector<ordered_json> dict;
    int64_t pos = start, entries = 0, uncompressed = 0;
    while (pos < start + total) {
        CompactReader r(file.data() + pos, static_cast<size_t>(start + total - pos));
        const TValue ph = r.read_struct();
        if (r.failed) {
            return "bad page header";
        }
        const size_t hsize = r.consumed(file.data() + pos);
        const auto raw_size = static_cast<size_t>(ph[2].i);
        const auto stored = static_cast<size_t>(ph[3].i);
        pos += static_cast<int64_t>(hsize);
        if (pos + static_cast<int64_t>(stored) > start + total) {
            return "page past the chunk";
        }
        uncompressed += static_cast<int64_t>(hsize + raw_size);
        std::string err;
        const std::string body =
            decompress(codec, std::string_view(file.data() + pos, stored), raw_size, err);
        pos += static_cast<int64_t>(stored);
        if (!err.empty()) {
            return err;
        }
        const char* p = body.data();
        const char* end = p + body.size();
        size_t bool_index = 0;
        if (ph[1].i == 2) {  // dictionary page, PLAIN
            for (int64_t k = 0; k < ph[7][1].i; k++) {
                dict.push_back(plain_value(leaf.type, p, end, bool_index));
            }
            if (p != end) {
                return "dictionary page size mismatch";
            }
            continue;
        }
        if (ph[1].i != 0) {
            return "unexpected page type " + std::to_string(ph[1].i);
        }
        const TValue& dh = ph[5];
        const auto n = static_cast<size_t>(dh[1].i);
        leaf.page_starts.push_back(leaf.def.size() > 0 ? leaf.def.size() : leaf.values.size());
        leaf.page_encodings.push_back({static_cast<int32_t>(dh[2].i)});
        auto levels = [&](int max_level, std::vector<uint32_t>& out) {
            std::vector<uint32_t> v;
            if (max_level == 0) {
                v.assign(n, 0);
            } else {
                uint32_t len = 0;
                std::memcpy(&len, p, 4);
                p += 4;
                const char* lend = p + len;
                if (!decode_hybrid(p, lend, width_of(max_level), n, v) || p != lend) {
                    return false;
                }
            }
            out.insert(out.end(), v.begin(), v.end());
            return true;
        };
        const size_t first = leaf.def.size();
        if (!levels(leaf.max_rep, leaf.rep) || !levels(leaf.max_def, leaf.def)) {
            return "bad levels";
        }
        size_t n_values = 0;
        for (size_t k = first; k < leaf.def.size(); k++) {
            n_values += leaf.def[k] == static_cast<uint32_t>(leaf.max_def) ? 1 : 0;
        }
        if (dh[2].i == 0) {
            for (size_t k = 0; k < n_values; k++) {
                leaf.values.push_back(plain_value(leaf.type, p, end, bool_index));
            }
            if (leaf.type == 0) {
                p += (bool_index + 7) / 8;
            }
        } else if (dh[2].i == 8) {
            const int bw = static_cast<uint8_t>(*p++);
            std::vector<uint32_t> idx;
            if (!decode_hybrid(p, end, bw, n_values, idx)) {
                return "bad dictionary indices";
            }
            for (uint32_t k : idx) {
                if (k >= dict.size()) {
                    return "dictionary index out of range";
                }
                leaf.values.push_back(dict[k]);
            }
            p = end;  // the hybrid's last group may be padded
        } else {
            return "unexpected encoding " + std::to_string(dh[2].i);
        }
        if (p != end) {
            return "page body size mismatch";
        }
        entries += static_cast<int64_t>(n);
    }
    if (entries != cm[5].i) {
        return "num_values " + std::to_string(cm[5].i) + ", pages hold " + std::to_string(entries);
    }
    if (uncompressed != cm[6].i) {
        return "total_uncompressed_size mismatch";
    }
    return "";
}

// Assembles rows (one level of nesting: primitives, groups of primitives / lists, 3-level lists).
class Assembler {
public:
    explicit Assembler(std::vector<LeafData>& leaves) : leaves_(leaves), pos_(leaves.size()) {}

    ordered_json row(const Node& root) {
        ordered_json r = ordered_json::object();
        size_t leaf = 0;
        for (const Node& c : root.children) {
            r[c.name] = field(c, leaf, 0);
        }
        return r;
    }

private:
    struct Cursor {
        size_t level = 0, value = 0;
    };

    uint32_t def_at(size_t leaf) const {
        const LeafData& l = leaves_[leaf];
        return l.max_def == 0 ? 0 : l.def[pos_[leaf].level];
    }

    // A field whose parents are defined up to level `def_parent`.
    ordered_json field(const Node& n, size_t& leaf, uint32_t def_parent) {
        const uint32_t def_here = def_parent + (n.repetition != 0 ? 1 : 0);
        if (n.type >= 0) {  // primitive
            const size_t l = leaf++;
            const bool present = leaves_[l].max_def == 0 || def_at(l) >= def_here;
            pos_[l].level++;
            return present ? leaves_[l].values[pos_[l].value++] : ordered_json(nullptr);
        }
        if (n.converted == 3) {  // LIST: n { repeated group list { element } }
            const size_t l = leaf++;
            LeafData& d = leaves_[l];
            const uint32_t def = def_at(l);
            if (def < def_here) {
                pos_[l].level++;
                return nullptr;
            }
            ordered_json arr = ordered_json::array();
            const uint32_t def_elem = def_here + 1;
            const uint32_t def_value = static_cast<uint32_t>(d.max_def);
            if (def < def_elem) {
                pos_[l].level++;
                return arr;  // empty
            }
            do {
                const uint32_t de = def_at(l);
                arr.push_back(de == def_value ? d.values[pos_[l].value++] : ordered_json(nullptr));
                pos_[l].level++;
            } while (pos_[l].level < d.rep.size() && d.rep[pos_[l].level] == 1);
            return arr;
        }
        // A group: null when its first leaf says so.
        if (def_at(leaf) < def_here) {
            for (const Node& c : n.children) {
                (void)c;
                pos_[leaf++].level++;
            }
            return nullptr;
        }
        ordered_json obj = ordered_json::object();
        for (const Node& c : n.children) {
            obj[c.name] = field(c, leaf, def_here);
        }
        return obj;
    }

    std::vector<LeafData>& leaves_;
    std::vector<Cursor> pos_;
};

ParquetFile read_parquet(const fs::path& path) {
    ParquetFile f;
    const std::string file = ruvllm::test::slurp(path);
    if (file.size() < 12 || file.compare(0, 4, "PAR1") != 0 ||
        file.compare(file.size() - 4, 4, "PAR1") != 0) {
        f.error = "no PAR1 magic";
        return f;
    }
    uint32_t len = 0;
    std::memcpy(&len, file.data() + file.size() - 8, 4);
    if (len > file.size() - 12) {
        f.error = "footer length out of range";
        return f;
    }
    const char* footer = file.data() + file.size() - 8 - len;
    CompactReader r(footer, len);
    f.meta = r.read_struct();
    if (r.failed || r.consumed(footer) != len) {
        f.error = "footer does not parse to its length";
        return f;
    }
    size_t i = 0;
    if (!parse_schema(f.meta[2].list, i, f.root) || i != f.meta[2].list.size()) {
        f.error = "bad schema";
        return f;
    }
    collect_leaves(f.root, {}, 0, 0, f.leaves);
    int64_t rows = 0;
    for (const TValue& rg : f.meta[4].list) {
        if (rg[1].list.size() != f.leaves.size()) {
            f.error = "row group with " + std::to_string(rg[1].list.size()) + " columns";
            return f;
        }
        for (size_t c = 0; c < f.leaves.size(); c++) {
            const TValue& cm = rg[1].list[c][3];
            std::vector<std::string> in_schema;
            for (const TValue& p : cm[3].list) {
                in_schema.push_back(p.bin);
            }
            if (in_schema != f.leaves[c].path || cm[1].i != f.leaves[c].type) {
                f.error = "column metadata does not match the schema";
                return f;
            }
            if (std::string e = read_chunk(file, cm, f.leaves[c]); !e.empty()) {
                f.error = "row group column " + std::to_string(c) + ": " + e;
                return f;
            }
        }
        rows += rg[3].i;
    }
    if (rows != f.meta[3].i) {
        f.error = "row groups hold " + std::to_string(rows) + " rows, footer says " +
                  std::to_string(f.meta[3].i);
        return f;
    }
    Assembler a(f.leaves);
    for (int64_t k = 0; k < rows; k++) {
        f.rows.push_back(a.row(f.root));
    }
    return f;
}

// ---- fixtures ----

std::vector<ruvllm::Example> generated(int per_category) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    EXPECT_TRUE(lib);
    ruvllm::GenConfig cfg;
    cfg.per_category = per_category;
    ruvllm::Result<std::vector<ruvllm::Example>> r = ruvllm::generate(*lib, cfg);
    return r ? *r : std::vector<ruvllm::Example>{};
}

// Generated rows plus hand-made edge cases: empty strings and tags, quotes, control bytes, NUL,
// UTF-8, a score that is not a whole number of hundredths.
std::vector<ruvllm::Example> dataset() {
    std::vector<ruvllm::Example> ds = generated(6);
    ruvllm::Example e;
    e.input = "Fix the \"quoted\"\tbug\nin caf\xc3\xa9 \xe2\x9c\x93";
    e.input.push_back('\0');
    e.input += "after NUL";
    e.output_agent = "coder";
    e.metadata.quality_score = 0.123f;
    e.metadata.agent = "coder";
    e.metadata.template_id = "coder-999";
    e.metadata.augmentation = ruvllm::Augmentation::domain;
    ds.insert(ds.begin() + 3, e);
    e.input = "x";
    e.context = "some context";
    e.metadata.tags = {"", "a", "a"};
    e.metadata.quality_score = 1.0f;
    ds.push_back(e);
    return ds;
}

ordered_json jsonl_rows(const std::vector<ruvllm::Example>& ds) {
    ordered_json rows = ordered_json::array();
    for (const ruvllm::Example& e : ds) {
        std::string line;
        ruvllm::append_jsonl(line, e);
        ordered_json row = ordered_json::parse(line);
        // JSON has one number type: a score of 1 is written "1", which nlohmann reads as an
        // integer; the column is DOUBLE.
        row["metadata"]["quality_score"] = row["metadata"]["quality_score"].get<double>();
        rows.push_back(row);
    }
    return rows;
}

// The generic schema: every type, optional and required, a group and lists.
std::vector<pq::Field> generic_schema() {
    using pq::Field;
    using pq::Type;
    return {
        Field{.name = "id", .type = Type::int64},
        Field{.name = "n", .type = Type::int32, .optional = true},
        Field{.name = "f", .type = Type::float32, .optional = true},
        Field{.name = "d", .type = Type::float64},
        Field{.name = "ok", .type = Type::boolean, .optional = true},
        Field{.name = "s", .type = Type::string, .optional = true},
        Field{.name = "g",
              .type = Type::group,
              .optional = true,
              .fields = {Field{.name = "x", .type = Type::int32},
                         Field{.name = "y", .type = Type::string, .optional = true},
                         Field{.name = "l",
                               .type = Type::list,
                               .optional = true,
                               .element_optional = true}}},
        Field{.name = "tags", .type = Type::list},
    };
}

// Writes five rows covering nulls at every level; returns them as a reader should see them.
ordered_json write_generic(const fs::path& path, const ruvllm::ParquetOptions& opt) {
    ruvllm::Result<pq::Writer> w = pq::Writer::open(path, generic_schema(), opt);
    EXPECT_TRUE(w) << w.error().message;
    if (!w) {
        return nullptr;
    }
    EXPECT_EQ(w->n_columns(), 10);
    const int id = w->column("id"), n = w->column("n"), f = w->column("f"), d = w->column("d"),
              okc = w->column("ok"), s = w->column("s"), gx = w->column("g.x"),
              gy = w->column("g.y"), gl = w->column("g.l"), tags = w->column("tags");
    const int g = w->group("g");
    EXPECT_EQ(w->column("g"), -1);
    EXPECT_EQ(w->group("tags"), -1);
    using Opt = std::optional<std::string_view>;
    const std::vector<std::string> no_tags, two_tags = {"b", "a"};
    // row 0: everything present
    w->put_int64(id, int64_t{1} << 40);
    w->put_int32(n, -7);
    w->put_float(f, 1.5f);
    w->put_double(d, -0.0);
    w->put_bool(okc, true);
    w->put_string(s, "hello");
    w->put_int32(gx, 3);
    w->put_string(gy, "why");
    const std::vector<Opt> l0 = {Opt("p"), std::nullopt, Opt("q")};
    w->put_list(gl, l0);
    w->put_list(tags, two_tags);
    EXPECT_TRUE(w->end_row());
    // row 1: nulls at the leaves, the group's list empty
    w->put_int64(id, -2);
    w->put_null(n);
    w->put_null(f);
    w->put_double(d, 2.25);
    w->put_null(okc);
    w->put_null(s);
    w->put_int32(gx, -1);
    w->put_null(gy);
    w->put_list(gl, std::span<const Opt>());
    w->put_list(tags, no_tags);
    EXPECT_TRUE(w->end_row());
    // row 2: the whole group null
    w->put_int64(id, 0);
    w->put_int32(n, 2147483647);
    w->put_float(f, -0.25f);
    w->put_double(d, 1e300);
    w->put_bool(okc, false);
    w->put_string(s, "");
    w->put_null_group(g);
    w->put_list(tags, std::vector<std::string>{"c"});
    EXPECT_TRUE(w->end_row());
    // row 3: the list null inside a present group
    w->put_int64(id, 5);
    w->put_int32(n, -2147483647 - 1);
    w->put_null(f);
    w->put_double(d, 0.1);
    w->put_bool(okc, true);
    w->put_string(s, "hello");
    w->put_int32(gx, 0);
    w->put_string(gy, "");
    w->put_null(gl);
    w->put_list(tags, no_tags);
    EXPECT_TRUE(w->end_row());
    // row 4: one null element
    w->put_int64(id, 6);
    w->put_null(n);
    w->put_float(f, 3.0f);
    w->put_double(d, -1.5);
    w->put_bool(okc, false);
    w->put_string(s, "zz");
    w->put_int32(gx, 9);
    w->put_string(gy, "y");
    const std::vector<Opt> l4 = {std::nullopt};
    w->put_list(gl, l4);
    w->put_list(tags, std::vector<std::string>{"a", "a", "a"});
    EXPECT_TRUE(w->end_row());
    EXPECT_TRUE(w->close());
    return ordered_json::parse(R"([
      {"id":1099511627776,"n":-7,"f":1.5,"d":-0.0,"ok":true,"s":"hello",
       "g":{"x":3,"y":"why","l":["p",null,"q"]},"tags":["b","a"]},
      {"id":-2,"n":null,"f":null,"d":2.25,"ok":null,"s":null,
       "g":{"x":-1,"y":null,"l":[]},"tags":[]},
      {"id":0,"n":2147483647,"f":-0.25,"d":1e300,"ok":false,"s":"","g":null,"tags":["c"]},
      {"id":5,"n":-2147483648,"f":null,"d":0.1,"ok":true,"s":"hello",
       "g":{"x":0,"y":"","l":null},"tags":[]},
      {"id":6,"n":null,"f":3.0,"d":-1.5,"ok":false,"s":"zz",
       "g":{"x":9,"y":"y","l":[null]},"tags":["a","a","a"]}
    ])");
}

const TValue& chunk_meta(const ParquetFile& f, size_t rg, size_t col) {
    return f.meta[4].list[rg][1].list[col][3];
}

std::vector<int64_t> encodings(const TValue& cm) {
    std::vector<int64_t> e;
    for (const TValue& v : cm[2].list) {
        e.push_back(v.i);
    }
    return e;
}

template <class T>
std::string le(T v) {
    std::string s(sizeof(T), '\0');
    std::memcpy(s.data(), &v, sizeof(T));
    return s;
}

}  // namespace

// ---- encoding primitives, checked against bytes worked out by hand ----

TEST(Encoding, VarintAndZigzag) {
    auto varint = [](uint64_t v) {
        std::string s;
        pq::append_uvarint(s, v);
        return s;
    };
    EXPECT_EQ(varint(0), bytes({0x00}));
    EXPECT_EQ(varint(1), bytes({0x01}));
    EXPECT_EQ(varint(127), bytes({0x7F}));
    EXPECT_EQ(varint(128), bytes({0x80, 0x01}));  // 7 low bits 0 + continuation, then 1
    // 300 = 0b10'0101100: 0101100 | 0x80 = 0xAC, then 0b10 = 0x02
    EXPECT_EQ(varint(300), bytes({0xAC, 0x02}));
    // 2^32 = 2^(7*4) * 16: four 0x80 continuation bytes, then 0x10
    EXPECT_EQ(varint(uint64_t{1} << 32), bytes({0x80, 0x80, 0x80, 0x80, 0x10}));
    EXPECT_EQ(pq::zigzag(0), 0u);
    EXPECT_EQ(pq::zigzag(-1), 1u);
    EXPECT_EQ(pq::zigzag(1), 2u);
    EXPECT_EQ(pq::zigzag(-2), 3u);
    EXPECT_EQ(pq::zigzag(2147483647), 4294967294u);
    EXPECT_EQ(pq::zigzag(-2147483648LL), 4294967295u);
    EXPECT_EQ(pq::zigzag(INT64_MIN), UINT64_MAX);
}

TEST(Encoding, ThriftCompactFieldHeaders) {
    std::string out;
    pq::CompactWriter w(out);
    w.field_i32(1, 2);         // delta 1, type 5: 0x15; zigzag(2) = 4
    w.field_i64(3, -1);        // delta 2, type 6: 0x26; zigzag(-1) = 1
    w.field_struct(5);         // delta 2, type 12: 0x2C; ids restart inside
    w.field_i32(1, 0);         // 0x15 0x00
    w.struct_end();            // 0x00
    w.field_i32(6, 1);         // delta 1 from the 5 before the struct: 0x15 0x02
    w.field_binary(22, "ab");  // delta 16 > 15: type byte 0x08, zigzag(22) = 44 = 0x2C; len 2
    w.field_bool(23, true);    // delta 1, type 1 (true): 0x11
    w.field_bool(24, false);   // delta 1, type 2 (false): 0x12
    w.field_i16(25, -3);       // delta 1, type 4: 0x14; zigzag(-3) = 5
    w.field_list(26, pq::CompactWriter::kI32, 3);      // 0x19; size 3 << 4 | 5 = 0x35
    w.list_i32(1);                                     // 0x02
    w.list_i32(-1);                                    // 0x01
    w.list_i32(64);                                    // zigzag 128: 0x80 0x01
    w.field_list(27, pq::CompactWriter::kBinary, 15);  // 0x19; size >= 15: 0xF8, varint 15
    for (int k = 0; k < 15; k++) {
        w.list_binary("");  // 0x00 each
    }
    w.field_list(28, pq::CompactWriter::kStruct, 1);  // 0x19; 0x1C
    w.list_struct();
    w.field_i32(4, 1);   // ids restart in a list element: delta 4: 0x45 0x02
    w.struct_end();      // 0x00
    w.field_i32(29, 7);  // delta 1 from 28: 0x15 0x0E
    w.field_i32(10, 7);  // going back (delta <= 0): 0x05, zigzag(10) = 20 = 0x14; 0x0E
    w.message_end();     // 0x00
    std::string expect =
        bytes({0x15, 0x04, 0x26, 0x01, 0x2C, 0x15, 0x00, 0x00, 0x15, 0x02, 0x08, 0x2C, 0x02, 'a',
               'b',  0x11, 0x12, 0x14, 0x05, 0x19, 0x35, 0x02, 0x01, 0x80, 0x01, 0x19, 0xF8, 0x0F});
    expect += std::string(15, '\0');
    expect += bytes({0x19, 0x1C, 0x45, 0x02, 0x00, 0x15, 0x0E, 0x05, 0x14, 0x0E, 0x00});
    EXPECT_EQ(hex(out), hex(expect));
}

TEST(Encoding, RleBitPackedHybrid) {
    auto enc = [](std::vector<uint32_t> v, int bw) {
        std::string s;
        pq::append_rle_hybrid(s, v, bw);
        return hex(s);
    };
    // 8 equal values: one RLE run, header 8 << 1 = 0x10, value in ceil(3/8) = 1 byte.
    EXPECT_EQ(enc({5, 5, 5, 5, 5, 5, 5, 5}, 3), hex(bytes({0x10, 0x05})));
    // Encodings.md's example: 0..7 at width 3 bit-packed (header 1 group << 1 | 1 = 0x03) is
    // 10001000 11000110 11111010.
    EXPECT_EQ(enc({0, 1, 2, 3, 4, 5, 6, 7}, 3), hex(bytes({0x03, 0x88, 0xC6, 0xFA})));
    // Fewer than 8 values: one zero-padded group; 1,1,0 LSB first = 0b011.
    EXPECT_EQ(enc({1, 1, 0}, 1), hex(bytes({0x03, 0x03})));
    EXPECT_EQ(enc({1, 0, 1}, 1), hex(bytes({0x03, 0x05})));
    // 1,2,3 then thirteen 7s: the literals borrow five 7s to fill a group (1 | 2 << 3 | 3 << 6
    // = 0xD1, then 0b11111110, 0xFF), the other eight 7s are an RLE run.
    EXPECT_EQ(enc({1, 2, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, 3),
              hex(bytes({0x03, 0xD1, 0xFE, 0xFF, 0x10, 0x07})));
    // 1,2,3 then twelve 7s: too short for a run after borrowing, so 15 literals in 2 groups
    // (header 0x05); the second group is 7 x 7 then the zero pad: 0xFF 0xFF 0x1F.
    EXPECT_EQ(enc({1, 2, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, 3),
              hex(bytes({0x05, 0xD1, 0xFE, 0xFF, 0xFF, 0xFF, 0x1F})));
    // RLE value 300 at width 9 takes 2 bytes, little-endian: 0x2C 0x01. 20 values: 20 << 1 = 40.
    EXPECT_EQ(enc(std::vector<uint32_t>(20, 300), 9), hex(bytes({0x28, 0x2C, 0x01})));
    // An RLE run then literals: eight 0s, then 1 at width 1.
    EXPECT_EQ(enc({0, 0, 0, 0, 0, 0, 0, 0, 1}, 1), hex(bytes({0x10, 0x00, 0x03, 0x01})));
    EXPECT_EQ(enc({}, 3), "");
    EXPECT_EQ(pq::bit_width(0), 0);
    EXPECT_EQ(pq::bit_width(1), 1);
    EXPECT_EQ(pq::bit_width(4), 3);
    EXPECT_EQ(pq::bit_width(255), 8);
    EXPECT_EQ(pq::bit_width(256), 9);
}

TEST(Encoding, HybridRoundTripsThroughTheReader) {
    ruvllm::Rng rng(3);
    for (int bw : {1, 2, 5, 8, 13, 32}) {
        std::vector<uint32_t> v;
        const uint32_t max = bw == 32 ? UINT32_MAX : (1u << bw) - 1;
        for (int k = 0; k < 1000; k++) {
            const uint32_t x = rng.next_u32() & max;
            const uint32_t repeat = rng.below(4) == 0 ? 1 + rng.below(30) : 1;
            v.insert(v.end(), repeat, x);
        }
        std::string s;
        pq::append_rle_hybrid(s, v, bw);
        std::vector<uint32_t> back;
        const char* p = s.data();
        ASSERT_TRUE(decode_hybrid(p, s.data() + s.size(), bw, v.size(), back)) << bw;
        EXPECT_EQ(back, v) << bw;
        EXPECT_EQ(p, s.data() + s.size()) << bw;
    }
}

// ---- whole files ----

TEST(File, MagicPageHeaderAndFooterLength) {
    ruvllm::test::TempDir dir;
    ruvllm::Result<pq::Writer> w =
        pq::Writer::open(dir / "a.parquet", {pq::Field{.name = "a", .type = pq::Type::int32}}, {});
    ASSERT_TRUE(w) << w.error().message;
    w->put_int32(0, 1);
    ASSERT_TRUE(w->end_row());
    w->put_int32(0, 2);
    ASSERT_TRUE(w->end_row());
    ASSERT_TRUE(w->close());
    const std::string file = ruvllm::test::slurp(dir / "a.parquet");
    ASSERT_GT(file.size(), 12u);
    // "PAR1", then the page header: type DATA_PAGE (0x15 0x00), uncompressed and compressed
    // size 8 (0x15 0x10, 0x15 0x10), data_page_header (delta 2, struct: 0x2C) { num_values 2
    // (0x15 0x04), encoding PLAIN (0x15 0x00), levels RLE (0x15 0x06) x 2, stop }, stop; then
    // the two int32s. A required column without nesting has no level bytes.
    const std::string head = "PAR1" + bytes({0x15, 0x00, 0x15, 0x10, 0x15, 0x10, 0x2C, 0x15, 0x04,
                                             0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00, 0x01,
                                             0,    0,    0,    0x02, 0,    0,    0});
    EXPECT_EQ(hex(file.substr(0, head.size())), hex(head));
    EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
    uint32_t len = 0;
    std::memcpy(&len, file.data() + file.size() - 8, 4);
    EXPECT_EQ(head.size() + len + 8, file.size());  // the footer follows the only chunk
    const ParquetFile f = read_parquet(dir / "a.parquet");
    ASSERT_EQ(f.error, "");
    EXPECT_EQ(f.meta[1].i, 2);
    EXPECT_EQ(f.meta[6].bin.rfind("ruvllm ", 0), 0u) << f.meta[6].bin;
    EXPECT_EQ(f.meta[7].list.size(), 1u);  // column_orders: TYPE_ORDER
    EXPECT_TRUE(f.meta[7].list[0].has(1));
    EXPECT_FALSE(f.meta[2].list[0].has(3));  // the root has no repetition_type
    const TValue& cm = chunk_meta(f, 0, 0);
    EXPECT_EQ(cm[9].i, 4);  // data_page_offset: right after the magic
    EXPECT_EQ(cm[7].i, static_cast<int64_t>(head.size() - 4));
    EXPECT_EQ(cm[12][6].bin, le<int32_t>(1));
    EXPECT_EQ(cm[12][5].bin, le<int32_t>(2));
    EXPECT_EQ(cm[12][3].i, 0);
    EXPECT_EQ(f.rows, ordered_json::parse(R"([{"a":1},{"a":2}])"));
}

TEST(File, GenericSchemaRoundTripsWithLevels) {
    ruvllm::test::TempDir dir;
    for (bool dict : {false, true}) {
        const ordered_json expect = write_generic(dir / "g.parquet", {.dictionary = dict});
        const ParquetFile f = read_parquet(dir / "g.parquet");
        ASSERT_EQ(f.error, "");
        EXPECT_EQ(f.rows.dump(), expect.dump());
        ASSERT_EQ(f.leaves.size(), 10u);
        // g.l: optional group g (1) > optional list (2) > repeated list (3) > optional element
        // (4). Rows: [p,null,q] / [] / g null / l null / [null].
        const LeafData& l = f.leaves[8];
        EXPECT_EQ(l.max_def, 4);
        EXPECT_EQ(l.max_rep, 1);
        EXPECT_EQ(l.def, (std::vector<uint32_t>{4, 3, 4, 2, 0, 1, 3}));
        EXPECT_EQ(l.rep, (std::vector<uint32_t>{0, 1, 1, 0, 0, 0, 0}));
        // tags: required list > repeated list (1) > required element; rows [b,a] [] [c] [] [a,a,a]
        const LeafData& t = f.leaves[9];
        EXPECT_EQ(t.max_def, 1);
        EXPECT_EQ(t.def, (std::vector<uint32_t>{1, 1, 0, 1, 0, 1, 1, 1}));
        EXPECT_EQ(t.rep, (std::vector<uint32_t>{0, 1, 0, 0, 0, 0, 1, 1}));
        // g.y: optional group (1) > optional leaf (2)
        EXPECT_EQ(f.leaves[7].def, (std::vector<uint32_t>{2, 1, 0, 2, 2}));
        // Statistics: min/max of the non-null values, null_count = level entries - values.
        const TValue& n = chunk_meta(f, 0, 1)[12];
        EXPECT_EQ(n[6].bin, le<int32_t>(-2147483647 - 1));
        EXPECT_EQ(n[5].bin, le<int32_t>(2147483647));
        EXPECT_EQ(n[3].i, 2);
        const TValue& s = chunk_meta(f, 0, 5)[12];
        EXPECT_EQ(s[6].bin, "");
        EXPECT_EQ(s[5].bin, "zz");
        EXPECT_EQ(s[3].i, 1);
        const TValue& d = chunk_meta(f, 0, 3)[12];  // -1.5 .. 1e300
        EXPECT_EQ(d[6].bin, le<double>(-1.5));
        EXPECT_EQ(d[5].bin, le<double>(1e300));
        const TValue& b = chunk_meta(f, 0, 4)[12];
        EXPECT_EQ(b[6].bin, bytes({0}));
        EXPECT_EQ(b[5].bin, bytes({1}));
        EXPECT_EQ(chunk_meta(f, 0, 8)[12][3].i, 5);  // g.l: 7 entries, 2 values
        EXPECT_EQ(encodings(chunk_meta(f, 0, 5)),
                  dict ? (std::vector<int64_t>{0, 3, 8}) : (std::vector<int64_t>{0, 3}));
        EXPECT_EQ(encodings(chunk_meta(f, 0, 0)), (std::vector<int64_t>{0}));  // int64: PLAIN
        EXPECT_EQ(chunk_meta(f, 0, 5).has(11), dict);
    }
}

TEST(File, FloatStatisticsSkipNaNAndSignZeros) {
    ruvllm::test::TempDir dir;
    ruvllm::Result<pq::Writer> w =
        pq::Writer::open(dir / "z.parquet",
                         {pq::Field{.name = "a", .type = pq::Type::float64},
                          pq::Field{.name = "b", .type = pq::Type::float32, .optional = true}},
                         {});
    ASSERT_TRUE(w);
    for (double v : {0.0, std::nan(""), 2.0}) {
        w->put_double(0, v);
        w->put_float(1, std::nanf(""));
        ASSERT_TRUE(w->end_row());
    }
    ASSERT_TRUE(w->close());
    const ParquetFile f = read_parquet(dir / "z.parquet");
    ASSERT_EQ(f.error, "");
    EXPECT_EQ(chunk_meta(f, 0, 0)[12][6].bin, le<double>(-0.0));  // a zero min is written as -0
    EXPECT_EQ(chunk_meta(f, 0, 0)[12][5].bin, le<double>(2.0));
    EXPECT_FALSE(chunk_meta(f, 0, 1)[12].has(5));  // only NaN: no min/max
    EXPECT_FALSE(chunk_meta(f, 0, 1)[12].has(6));
    EXPECT_EQ(chunk_meta(f, 0, 1)[12][3].i, 0);  // NaN is a value, not a null
}

TEST(Dataset, RoundTripsEveryEncodingAndCompression) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = dataset();
    ASSERT_GT(ds.size(), 50u);
    const ordered_json expect = jsonl_rows(ds);
    for (auto c : {ruvllm::ParquetCompression::none,
                   ruvllm::ParquetCompression::snappy,
                   ruvllm::ParquetCompression::zstd}) {
        for (bool dict : {false, true}) {
            SCOPED_TRACE(std::string(ruvllm::parquet_compression_name(c)) +
                         (dict ? " dictionary" : " plain"));
            const fs::path path = dir / "d.parquet";
            ASSERT_TRUE(
                ruvllm::write_dataset_parquet(path, ds, {.compression = c, .dictionary = dict}));
            const ParquetFile f = read_parquet(path);
            ASSERT_EQ(f.error, "");
            ASSERT_EQ(f.rows.size(), expect.size());
            for (size_t i = 0; i < expect.size(); i++) {
                ASSERT_EQ(f.rows[i].dump(), expect[i].dump()) << "row " << i;
            }
            const TValue& cm = chunk_meta(f, 0, 3);  // metadata.category
            const TValue& input = chunk_meta(f, 0, 0);
            EXPECT_EQ(cm[4].i,
                      c == ruvllm::ParquetCompression::none     ? 0
                      : c == ruvllm::ParquetCompression::snappy ? 1
                                                                : 6);
            EXPECT_EQ(encodings(cm),
                      dict ? (std::vector<int64_t>{0, 8}) : (std::vector<int64_t>{0}));
            if (c != ruvllm::ParquetCompression::none) {
                EXPECT_LT(input[7].i, input[6].i);  // compressed
            }
        }
    }
}

TEST(Dataset, SchemaMatchesTheJsonlKeysAndTypes) {
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(ruvllm::write_dataset_parquet(dir / "d.parquet", dataset(), {}));
    const ParquetFile f = read_parquet(dir / "d.parquet");
    ASSERT_EQ(f.error, "");
    std::vector<std::string> paths;
    for (const LeafData& l : f.leaves) {
        std::string p;
        for (const std::string& s : l.path) {
            p += (p.empty() ? "" : ".") + s + ":" + std::to_string(l.type);
        }
        paths.push_back(p);
    }
    // 6 BYTE_ARRAY, 5 DOUBLE
    EXPECT_EQ(paths,
              (std::vector<std::string>{"input:6",
                                        "context:6",
                                        "output_agent:6",
                                        "metadata:6.category:6",
                                        "metadata:6.complexity:6",
                                        "metadata:6.domain:6",
                                        "metadata:6.expected_model:6",
                                        "metadata:5.quality_score:5",
                                        "metadata:6.tags:6.list:6.element:6",
                                        "metadata:6.agent:6",
                                        "metadata:6.template_id:6",
                                        "metadata:6.augmentation:6"}));
    // Every string leaf carries UTF8 (converted type 0) and the STRING logical type; tags is a
    // LIST (converted 3, logical LIST).
    for (const TValue& e : f.meta[2].list) {
        if (e[1].i == 6 && e.has(1)) {
            EXPECT_EQ(e[6].i, 0) << e[4].bin;
            EXPECT_TRUE(e[10].has(1)) << e[4].bin;
        }
        if (e[4].bin == "tags") {
            EXPECT_EQ(e[6].i, 3);
            EXPECT_TRUE(e[10].has(3));
            EXPECT_EQ(e[5].i, 1);
        }
        if (e[4].bin == "list") {
            EXPECT_EQ(e[3].i, 2);  // REPEATED
        }
    }
}

TEST(Dataset, QualityScoreIsTheJsonlNumber) {
    ruvllm::test::TempDir dir;
    std::vector<ruvllm::Example> ds = dataset();
    ds.resize(10);
    const float odd[] = {0.87f, 0.8f, 0.123f, 1.0f / 3.0f, 0.0f, 0.96f};
    for (size_t i = 0; i < std::size(odd); i++) {
        ds[i].metadata.quality_score = odd[i];
    }
    ASSERT_TRUE(ruvllm::write_dataset_parquet(dir / "q.parquet", ds, {}));
    const ParquetFile f = read_parquet(dir / "q.parquet");
    ASSERT_EQ(f.error, "");
    for (size_t i = 0; i < ds.size(); i++) {
        std::string line;
        ruvllm::append_jsonl(line, ds[i]);
        const double want = ordered_json::parse(line)["metadata"]["quality_score"].get<double>();
        EXPECT_EQ(f.leaves[7].values[i].get<double>(), want) << line;
    }
    EXPECT_EQ(f.leaves[7].values[0].get<double>(), 0.87);
}

TEST(Dataset, SameInputSameBytes) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = dataset();
    for (auto c : {ruvllm::ParquetCompression::none, ruvllm::ParquetCompression::zstd}) {
        const ruvllm::ParquetOptions opt{.compression = c, .row_group_size = 17};
        ASSERT_TRUE(ruvllm::write_dataset_parquet(dir / "a.parquet", ds, opt));
        ASSERT_TRUE(ruvllm::write_dataset_parquet(dir / "b.parquet", ds, opt));
        const std::string a = ruvllm::test::slurp(dir / "a.parquet");
        EXPECT_GT(a.size(), 100u);
        EXPECT_EQ(a, ruvllm::test::slurp(dir / "b.parquet"));
    }
}

TEST(Dataset, ManyRowGroupsAndPages) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = dataset();
    const ordered_json expect = jsonl_rows(ds);
    const size_t rg = 7;
    for (size_t page_size : {size_t{1} << 20, size_t{1}}) {
        ASSERT_TRUE(ruvllm::write_dataset_parquet(
            dir / "m.parquet", ds, {.row_group_size = rg, .page_size = page_size}));
        const ParquetFile f = read_parquet(dir / "m.parquet");
        ASSERT_EQ(f.error, "");
        EXPECT_EQ(f.rows.dump(), expect.dump());
        const std::vector<TValue>& groups = f.meta[4].list;
        ASSERT_EQ(groups.size(), (ds.size() + rg - 1) / rg);
        int64_t prev_end = 4;
        for (size_t g = 0; g < groups.size(); g++) {
            EXPECT_EQ(groups[g][3].i, static_cast<int64_t>(std::min(rg, ds.size() - g * rg)));
            EXPECT_EQ(groups[g][7].i, static_cast<int64_t>(g));  // ordinal
            EXPECT_EQ(groups[g][5].i, prev_end);                 // chunks follow each other
            int64_t total = 0;
            for (const TValue& cc : groups[g][1].list) {
                const TValue& cm = cc[3];
                EXPECT_EQ(cc[2].i, cm.has(11) ? cm[11].i : cm[9].i);
                EXPECT_EQ(cm.has(11) ? cm[11].i : cm[9].i, prev_end + total);
                total += cm[7].i;
            }
            EXPECT_EQ(groups[g][6].i, total);
            prev_end += total;
        }
        // Pages close at row boundaries once past page_size (1: a page per row), so a list page
        // always starts a new row.
        const LeafData& tags = f.leaves[8];
        const LeafData& input = f.leaves[0];
        if (page_size == 1) {
            EXPECT_EQ(tags.page_starts.size(), ds.size());
            EXPECT_EQ(input.page_starts.size(), ds.size());
        } else {
            EXPECT_EQ(tags.page_starts.size(), groups.size());
            EXPECT_EQ(input.page_starts.size(), groups.size());
        }
        for (size_t start : tags.page_starts) {
            EXPECT_EQ(tags.rep[start], 0u);
        }
    }
}

TEST(Dataset, LargeDictionaryFallsBackToPlain) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = dataset();
    ASSERT_TRUE(ruvllm::write_dataset_parquet(dir / "f.parquet", ds, {.dictionary_limit = 600}));
    const ParquetFile f = read_parquet(dir / "f.parquet");
    ASSERT_EQ(f.error, "");
    EXPECT_EQ(f.rows.dump(), jsonl_rows(ds).dump());
    // input: distinct texts pass 600 bytes: dictionary pages first, then PLAIN pages.
    const LeafData& input = f.leaves[0];
    ASSERT_GE(input.page_encodings.size(), 2u);
    EXPECT_EQ(input.page_encodings.front()[0], 8);
    EXPECT_EQ(input.page_encodings.back()[0], 0);
    EXPECT_EQ(encodings(chunk_meta(f, 0, 0)), (std::vector<int64_t>{0, 8}));
    // category: 5 values, stays dictionary-encoded.
    for (const auto& e : f.leaves[3].page_encodings) {
        EXPECT_EQ(e[0], 8);
    }
    // min/max of the whole column, across dictionary and PLAIN pages.
    std::string lo = ds[0].input, hi = ds[0].input;
    for (const ruvllm::Example& e : ds) {
        lo = std::min(lo, e.input);
        hi = std::max(hi, e.input);
    }
    EXPECT_EQ(chunk_meta(f, 0, 0)[12][6].bin, lo);
    EXPECT_EQ(chunk_meta(f, 0, 0)[12][5].bin, hi);
}

TEST(Dataset, EmptyDatasetIsAValidFile) {
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(ruvllm::write_dataset_parquet(dir / "e.parquet", {}, {}));
    const ParquetFile f = read_parquet(dir / "e.parquet");
    ASSERT_EQ(f.error, "");
    EXPECT_EQ(f.meta[3].i, 0);
    EXPECT_TRUE(f.meta[4].list.empty());
    EXPECT_EQ(f.leaves.size(), 12u);
}

// ---- bad input ----

TEST(BadInput, UnwritablePathNamesIt) {
    ruvllm::test::TempDir dir;
    const fs::path path = dir / "missing-dir" / "x.parquet";
    ruvllm::Status s = ruvllm::write_dataset_parquet(path, dataset(), {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ruvllm::Errc::io);
    EXPECT_NE(s.error().message.find(path.string()), std::string::npos) << s.error().message;
    EXPECT_FALSE(fs::exists(path));
    // A directory in the way: nothing is written, no temp file is left.
    fs::create_directories(dir / "taken.parquet");
    s = ruvllm::write_dataset_parquet(dir / "taken.parquet", dataset(), {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ruvllm::Errc::io);
    EXPECT_NE(s.error().message.find("taken.parquet"), std::string::npos) << s.error().message;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
    }
}

TEST(BadInput, OptionsAndSchemaErrors) {
    ruvllm::test::TempDir dir;
    ruvllm::Status s = ruvllm::write_dataset_parquet(dir / "x.parquet", {}, {.row_group_size = 0});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ruvllm::Errc::invalid_argument);
    using pq::Field;
    using pq::Type;
    auto open_err = [&](std::vector<Field> schema) {
        ruvllm::Result<pq::Writer> w = pq::Writer::open(dir / "s.parquet", schema, {});
        return w ? std::string("ok") : w.error().message;
    };
    EXPECT_NE(open_err({}).find("no fields"), std::string::npos);
    EXPECT_NE(open_err({Field{.name = "a"}, Field{.name = "a"}}).find("'a' appears twice"),
              std::string::npos);
    EXPECT_NE(open_err({Field{.name = "a.b"}}).find("'a.b'"), std::string::npos);
    EXPECT_NE(open_err({Field{.name = "g", .type = Type::group}}).find("empty group"),
              std::string::npos);
    EXPECT_NE(
        open_err({Field{.name = "g",
                        .type = Type::group,
                        .fields = {Field{
                            .name = "h", .type = Type::group, .fields = {Field{.name = "x"}}}}}})
            .find("one level of nesting"),
        std::string::npos);
    EXPECT_NE(
        open_err({Field{.name = "s", .fields = {Field{.name = "x"}}}}).find("only on a group"),
        std::string::npos);
    EXPECT_FALSE(fs::exists(dir / "s.parquet"));
    EXPECT_TRUE(ruvllm::parse_parquet_compression("zstd"));
    ruvllm::Result<ruvllm::ParquetCompression> c = ruvllm::parse_parquet_compression("gzip");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("expected none, snappy or zstd"), std::string::npos);
}

TEST(BadInput, WriterNotClosedLeavesNothing) {
    ruvllm::test::TempDir dir;
    {
        ruvllm::Result<pq::Writer> w = pq::Writer::open(
            dir / "n.parquet", {pq::Field{.name = "a", .type = pq::Type::int32}}, {});
        ASSERT_TRUE(w);
        w->put_int32(0, 1);
        ASSERT_TRUE(w->end_row());
    }
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(BadInputDeathTest, MissingCellIsABug) {
    ruvllm::test::TempDir dir;
    EXPECT_DEATH(
        {
            ruvllm::Result<pq::Writer> w =
                pq::Writer::open(dir / "x.parquet",
                                 {pq::Field{.name = "a", .type = pq::Type::int32},
                                  pq::Field{.name = "b", .type = pq::Type::int32}},
                                 {});
            w->put_int32(0, 1);
            (void)w->end_row();
        },
        "column 'b' got 0 cells");
    EXPECT_DEATH(
        {
            ruvllm::Result<pq::Writer> w = pq::Writer::open(
                dir / "x.parquet", {pq::Field{.name = "a", .type = pq::Type::int32}}, {});
            w->put_null(0);
        },
        "assertion failed: c.optional");
}
