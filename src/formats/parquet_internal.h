// parquet_internal.h: the writer's private state, shared by parquet.cpp (pages, row groups,
// the public Writer) and parquet_footer.cpp (the FileMetaData footer). Not installed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <ruvllm/core/io.h>
#include <ruvllm/formats/parquet.h>

#include <xxhash.h>
#include <zstd.h>

namespace ruvllm::parquet {

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

inline int32_t physical_type(Type t) {
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

inline int32_t codec_id(ParquetCompression c) {
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
inline std::string le_bytes(T v) {
    std::string s(sizeof(T), '\0');
    std::memcpy(s.data(), &v, sizeof(T));
    return s;
}

// min_value / max_value bytes. The spec's signed-zero rule: a zero min is written as -0.0, a zero
// max as +0.0, so readers that compare with == on either zero keep the right rows.
inline std::pair<std::string, std::string> stats_bytes(const Stats& st, Type t) {
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

}  // namespace ruvllm::parquet
