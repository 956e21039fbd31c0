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

#include "formats/parquet_internal.h"
#include <snappy.h>
#include <xxhash.h>
#include <zstd.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace parquet {

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
