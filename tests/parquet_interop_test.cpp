// parquet_interop_test.cpp (label: interop): the files of parquet.h read by independent readers,
// hyparquet (pure JS) and DuckDB (C++, through @duckdb/node-api), via scripts/parquet_read.mjs.
// Each must return exactly our rows (the JSONL writer's objects for the dataset), our column
// types, and the statistics in the footer. Skips with a message when node or an oracle is
// missing (scripts/fetch_oracles installs them into .cache/oracles).
#include <cmath>
#include <cstdio>
#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/dataset/export_parquet.h>
#include <ruvllm/dataset/generator.h>
#include <ruvllm/formats/parquet.h>

#include "testutil.h"
#include <sys/wait.h>

namespace fs = std::filesystem;
namespace pq = ruvllm::parquet;
using ordered_json = nlohmann::ordered_json;

namespace {

using ruvllm::test::shell_quote;
using Run = ruvllm::test::CommandRun;

Run run(const std::string& cmd) {
    return ruvllm::test::run_command(cmd);
}

// Why `engine` cannot run here, or "".
std::string missing(const std::string& engine) {
    if (run("node --version >/dev/null 2>&1").status != 0) {
        return "node not found on PATH";
    }
    const fs::path dir = fs::path(RUVLLM_ORACLE_DIR) / engine / "node_modules";
    if (!fs::exists(dir)) {
        return dir.string() + " not found (run scripts/fetch_oracles)";
    }
    return "";
}

// The oracle's reading of `file`: {"types", "rows", "chunks"}; a failure is an error string.
std::variant<ordered_json, std::string> read_with(const std::string& engine, const fs::path& file) {
    const fs::path err = file.string() + ".stderr";
    const std::string cmd =
        "node " + shell_quote(std::string(RUVLLM_SOURCE_DIR) + "/scripts/parquet_read.mjs") +
        " --oracles " + shell_quote(RUVLLM_ORACLE_DIR) + " --engine " + engine + " " +
        shell_quote(file.string()) + " 2>" + shell_quote(err.string());
    const Run r = run(cmd);
    if (r.status != 0) {
        return "exit " + std::to_string(r.status) + ": " + ruvllm::test::slurp(err);
    }
    ordered_json j = ordered_json::parse(r.out, nullptr, false);
    if (j.is_discarded()) {
        return "output is not JSON: " + r.out.substr(0, 300);
    }
    return j;
}

// Equal values, keys in the same order. Numbers compare by value (JS has one number type; the
// types are checked apart), integers exactly, and -0 differs from +0.
bool same(const ordered_json& a, const ordered_json& b, std::string& where) {
    if (a.is_number() && b.is_number()) {
        if (a.is_number_integer() && b.is_number_integer()) {
            const bool ok = a.is_number_unsigned() || b.is_number_unsigned()
                                ? a.get<int64_t>() >= 0 && b.get<int64_t>() >= 0 &&
                                      a.get<uint64_t>() == b.get<uint64_t>()
                                : a.get<int64_t>() == b.get<int64_t>();
            if (!ok) {
                where = a.dump() + " != " + b.dump();
            }
            return ok;
        }
        const double x = a.get<double>(), y = b.get<double>();
        if (x != y || std::signbit(x) != std::signbit(y)) {
            where = a.dump() + " != " + b.dump();
            return false;
        }
        return true;
    }
    if (a.type() != b.type()) {
        where = a.dump() + " != " + b.dump();
        return false;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) {
            where = "array sizes " + std::to_string(a.size()) + " != " + std::to_string(b.size());
            return false;
        }
        for (size_t i = 0; i < a.size(); i++) {
            if (!same(a[i], b[i], where)) {
                where = "[" + std::to_string(i) + "]" + where;
                return false;
            }
        }
        return true;
    }
    if (a.is_object()) {
        auto ia = a.items().begin();
        auto ib = b.items().begin();
        for (; ia != a.items().end() && ib != b.items().end(); ++ia, ++ib) {
            if (ia.key() != ib.key()) {
                where = " key " + ia.key() + " != " + ib.key();
                return false;
            }
            if (!same(ia.value(), ib.value(), where)) {
                where = "." + ia.key() + ": " + where;
                return false;
            }
        }
        if (a.size() != b.size()) {
            where = " object sizes differ";
            return false;
        }
        return true;
    }
    if (a != b) {
        where = a.dump() + " != " + b.dump();
        return false;
    }
    return true;
}

std::vector<ruvllm::Example> dataset(int per_category) {
    ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::test::tiny_library());
    EXPECT_TRUE(lib);
    ruvllm::GenConfig cfg;
    cfg.per_category = per_category;
    ruvllm::Result<std::vector<ruvllm::Example>> r = ruvllm::generate(*lib, cfg);
    std::vector<ruvllm::Example> ds = r ? *r : std::vector<ruvllm::Example>{};
    // Edge cases: quotes, control bytes, NUL, UTF-8, empty strings and tags, an odd score.
    ruvllm::Example e;
    e.input = "Fix the \"quoted\"\tbug\nin caf\xc3\xa9 \xe2\x9c\x93";
    e.input.push_back('\0');
    e.input += "after NUL";
    e.output_agent = "coder";
    e.metadata.quality_score = 0.123f;
    e.metadata.agent = "coder";
    e.metadata.template_id = "coder-999";
    ds.insert(ds.begin() + 2, e);
    e.input = "y";
    e.context = "ctx";
    e.metadata.tags = {"", "dup", "dup"};
    e.metadata.quality_score = 1.0f;
    ds.push_back(e);
    return ds;
}

ordered_json jsonl_rows(const std::vector<ruvllm::Example>& ds) {
    ordered_json rows = ordered_json::array();
    for (const ruvllm::Example& e : ds) {
        std::string line;
        ruvllm::append_jsonl(line, e);
        rows.push_back(ordered_json::parse(line));
    }
    return rows;
}

const char* const kStringLeaves[] = {"input",
                                     "context",
                                     "output_agent",
                                     "metadata.category",
                                     "metadata.complexity",
                                     "metadata.domain",
                                     "metadata.expected_model",
                                     "metadata.agent",
                                     "metadata.template_id",
                                     "metadata.augmentation"};

ordered_json expected_types(const std::string& engine) {
    if (engine == "duckdb") {
        const std::string v = "VARCHAR";
        return ordered_json{{"input", v},
                            {"context", v},
                            {"output_agent", v},
                            {"metadata",
                             "STRUCT(\"category\" VARCHAR, \"complexity\" VARCHAR, "
                             "\"domain\" VARCHAR, \"expected_model\" VARCHAR, "
                             "\"quality_score\" DOUBLE, \"tags\" VARCHAR[], \"agent\" VARCHAR, "
                             "\"template_id\" VARCHAR, \"augmentation\" VARCHAR)"}};
    }
    const std::string s = "required BYTE_ARRAY STRING";
    return ordered_json{
        {"input", s},
        {"context", s},
        {"output_agent", s},
        {"metadata",
         "required STRUCT<category: " + s + ", complexity: " + s + ", domain: " + s +
             ", expected_model: " + s + ", quality_score: required DOUBLE, tags: required LIST<" +
             s + ">, agent: " + s + ", template_id: " + s + ", augmentation: " + s + ">"}};
}

// The value of a dotted leaf in a JSONL row; tags: the array.
const ordered_json& leaf_of(const ordered_json& row, const std::string& dotted) {
    const size_t dot = dotted.find('.');
    return dot == std::string::npos ? row[dotted]
                                    : row[dotted.substr(0, dot)][dotted.substr(dot + 1)];
}

// Checks the oracle's view of the footer statistics against the rows of each row group.
void check_chunks(const ordered_json& chunks,
                  const ordered_json& rows,
                  size_t row_group_size,
                  const std::string& codec,
                  bool dict) {
    const size_t n_groups = (rows.size() + row_group_size - 1) / row_group_size;
    ASSERT_EQ(chunks.size(), n_groups * 12);
    for (const ordered_json& c : chunks) {
        const auto g = c["row_group"].get<size_t>();
        std::string path = c["path"].get<std::string>();
        SCOPED_TRACE("row group " + std::to_string(g) + " " + path);
        EXPECT_EQ(c["codec"], codec);
        std::string enc = c["encodings"].is_array() ? "" : c["encodings"].get<std::string>();
        if (c["encodings"].is_array()) {
            for (const auto& e : c["encodings"]) {
                enc += (enc.empty() ? "" : ", ") + e.get<std::string>();
            }
        }
        const size_t lo = g * row_group_size, hi = std::min(rows.size(), lo + row_group_size);
        if (path == "metadata.tags.list.element") {
            std::optional<std::string> mn, mx;
            int64_t n_values = 0, empty = 0;
            for (size_t i = lo; i < hi; i++) {
                const ordered_json& tags = rows[i]["metadata"]["tags"];
                empty += tags.empty() ? 1 : 0;
                n_values += static_cast<int64_t>(std::max<size_t>(tags.size(), 1));
                for (const auto& t : tags) {
                    const std::string s = t.get<std::string>();
                    mn = mn ? std::min(*mn, s) : s;
                    mx = mx ? std::max(*mx, s) : s;
                }
            }
            EXPECT_EQ(c["num_values"].get<int64_t>(), n_values);
            EXPECT_EQ(c["null_count"].get<int64_t>(), empty);  // empty lists count as nulls
            if (mn) {
                EXPECT_EQ(c["min"], *mn);
                EXPECT_EQ(c["max"], *mx);
            }
            continue;
        }
        EXPECT_EQ(c["num_values"].get<int64_t>(), static_cast<int64_t>(hi - lo));
        EXPECT_EQ(c["null_count"].get<int64_t>(), 0);
        if (path == "metadata.quality_score") {
            EXPECT_EQ(enc, "PLAIN");
            double mn = INFINITY, mx = -INFINITY;
            for (size_t i = lo; i < hi; i++) {
                const double q = rows[i]["metadata"]["quality_score"].get<double>();
                mn = std::min(mn, q);
                mx = std::max(mx, q);
            }
            // DuckDB prints the statistic as text, hyparquet as a number.
            auto num = [](const ordered_json& v) {
                return v.is_string() ? std::strtod(v.get<std::string>().c_str(), nullptr)
                                     : v.get<double>();
            };
            EXPECT_EQ(num(c["min"]), mn);
            EXPECT_EQ(num(c["max"]), mx);
            continue;
        }
        ASSERT_NE(std::find(std::begin(kStringLeaves), std::end(kStringLeaves), path),
                  std::end(kStringLeaves));
        std::string mn = leaf_of(rows[lo], path), mx = mn;
        for (size_t i = lo; i < hi; i++) {
            const std::string s = leaf_of(rows[i], path);
            mn = std::min(mn, s);
            mx = std::max(mx, s);
        }
        EXPECT_EQ(c["min"], mn);
        EXPECT_EQ(c["max"], mx);
        if (!dict) {
            EXPECT_EQ(enc, "PLAIN");
        } else if (path != "input") {
            EXPECT_EQ(enc, "PLAIN, RLE_DICTIONARY");
        }
    }
}

class ParquetInterop : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (std::string why = missing(GetParam()); !why.empty()) {
            GTEST_SKIP() << "interop skipped: " << why;
        }
    }

    ordered_json read(const fs::path& file) {
        auto r = read_with(GetParam(), file);
        if (const std::string* e = std::get_if<std::string>(&r)) {
            ADD_FAILURE() << GetParam() << " could not read " << file << ": " << *e;
            return nullptr;
        }
        return std::get<ordered_json>(r);
    }
};

}  // namespace

TEST_P(ParquetInterop, DatasetRowsTypesAndStatistics) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = dataset(8);
    ASSERT_GT(ds.size(), 60u);
    const ordered_json expect = jsonl_rows(ds);
    const size_t rg = 23;  // several row groups, the last one short
    for (auto c : {ruvllm::ParquetCompression::none,
                   ruvllm::ParquetCompression::snappy,
                   ruvllm::ParquetCompression::zstd}) {
        for (bool dict : {false, true}) {
            const std::string name =
                std::string(ruvllm::parquet_compression_name(c)) + (dict ? "-dict" : "-plain");
            SCOPED_TRACE(GetParam() + " " + name);
            const fs::path file = dir / (name + ".parquet");
            ASSERT_TRUE(ruvllm::write_dataset_parquet(
                file, ds, {.compression = c, .dictionary = dict, .row_group_size = rg}));
            const ordered_json got = read(file);
            ASSERT_TRUE(got.is_object());
            EXPECT_EQ(got["types"], expected_types(GetParam()));
            ASSERT_EQ(got["rows"].size(), expect.size());
            for (size_t i = 0; i < expect.size(); i++) {
                std::string where;
                ASSERT_TRUE(same(got["rows"][i], expect[i], where)) << "row " << i << where;
            }
            const std::string codec = c == ruvllm::ParquetCompression::none     ? "UNCOMPRESSED"
                                      : c == ruvllm::ParquetCompression::snappy ? "SNAPPY"
                                                                                : "ZSTD";
            check_chunks(got["chunks"], expect, rg, codec, dict);
            if (GetParam() == "hyparquet") {
                EXPECT_EQ(got["num_rows"], ds.size());
                EXPECT_EQ(got["created_by"].get<std::string>().rfind("ruvllm ", 0), 0u);
            }
        }
    }
}

TEST_P(ParquetInterop, SmallPagesAndDictionaryFallback) {
    ruvllm::test::TempDir dir;
    const std::vector<ruvllm::Example> ds = dataset(30);
    const fs::path file = dir / "pages.parquet";
    ASSERT_TRUE(ruvllm::write_dataset_parquet(file,
                                              ds,
                                              {.compression = ruvllm::ParquetCompression::zstd,
                                               .row_group_size = 100,
                                               .page_size = 300,
                                               .dictionary_limit = 1500}));
    const ordered_json got = read(file);
    ASSERT_TRUE(got.is_object());
    const ordered_json expect = jsonl_rows(ds);
    ASSERT_EQ(got["rows"].size(), expect.size());
    for (size_t i = 0; i < expect.size(); i++) {
        std::string where;
        ASSERT_TRUE(same(got["rows"][i], expect[i], where)) << "row " << i << where;
    }
}

TEST_P(ParquetInterop, EmptyDataset) {
    ruvllm::test::TempDir dir;
    ASSERT_TRUE(ruvllm::write_dataset_parquet(dir / "empty.parquet", {}, {}));
    const ordered_json got = read(dir / "empty.parquet");
    ASSERT_TRUE(got.is_object());
    EXPECT_EQ(got["rows"], ordered_json::array());
    EXPECT_EQ(got["types"], expected_types(GetParam()));
}

TEST_P(ParquetInterop, EveryTypeAndNullLevel) {
    ruvllm::test::TempDir dir;
    using pq::Field;
    using pq::Type;
    const std::vector<Field> schema = {
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
                         Field{.name = "l",
                               .type = Type::list,
                               .optional = true,
                               .element_optional = true}}},
        Field{.name = "tags", .type = Type::list},
    };
    for (bool dict : {false, true}) {
        SCOPED_TRACE(dict ? "dictionary" : "plain");
        const fs::path file = dir / "all.parquet";
        ruvllm::Result<pq::Writer> w = pq::Writer::open(
            file, schema, {.compression = ruvllm::ParquetCompression::snappy, .dictionary = dict});
        ASSERT_TRUE(w) << w.error().message;
        using Opt = std::optional<std::string_view>;
        const std::vector<Opt> l0 = {Opt("p"), std::nullopt, Opt("q")}, l3 = {std::nullopt};
        const std::vector<std::string> none, ab = {"b", "a"};
        // row 0: all present; 1: leaf nulls, empty lists; 2: group null; 3: list [null]
        w->put_int64(0, int64_t{9007199254740993});  // 2^53 + 1: not a double
        w->put_int32(1, -7);
        w->put_float(2, 1.5f);
        w->put_double(3, -0.0);
        w->put_bool(4, true);
        w->put_string(5, "h\xc3\xa9llo");
        w->put_int32(6, 3);
        w->put_list(7, l0);
        w->put_list(8, ab);
        ASSERT_TRUE(w->end_row());
        w->put_int64(0, -2);
        w->put_null(1);
        w->put_null(2);
        w->put_double(3, 2.25);
        w->put_null(4);
        w->put_null(5);
        w->put_int32(6, -1);
        w->put_list(7, std::span<const Opt>());
        w->put_list(8, none);
        ASSERT_TRUE(w->end_row());
        w->put_int64(0, INT64_MIN);
        w->put_int32(1, 2147483647);
        w->put_float(2, -0.25f);
        w->put_double(3, 1e300);
        w->put_bool(4, false);
        w->put_string(5, "");
        w->put_null_group(0);
        w->put_list(8, std::vector<std::string>{"c"});
        ASSERT_TRUE(w->end_row());
        w->put_int64(0, 5);
        w->put_int32(1, -2147483647 - 1);
        w->put_null(2);
        w->put_double(3, 0.1);
        w->put_bool(4, true);
        w->put_string(5, "h\xc3\xa9llo");
        w->put_int32(6, 0);
        w->put_list(7, l3);
        w->put_list(8, none);
        ASSERT_TRUE(w->end_row());
        ASSERT_TRUE(w->close());
        const ordered_json got = read(file);
        ASSERT_TRUE(got.is_object());
        const ordered_json expect = ordered_json::parse(R"([
          {"id":9007199254740993,"n":-7,"f":1.5,"d":-0.0,"ok":true,"s":"h\u00e9llo",
           "g":{"x":3,"l":["p",null,"q"]},"tags":["b","a"]},
          {"id":-2,"n":null,"f":null,"d":2.25,"ok":null,"s":null,"g":{"x":-1,"l":[]},"tags":[]},
          {"id":-9223372036854775808,"n":2147483647,"f":-0.25,"d":1e300,"ok":false,"s":"",
           "g":null,"tags":["c"]},
          {"id":5,"n":-2147483648,"f":null,"d":0.1,"ok":true,"s":"h\u00e9llo",
           "g":{"x":0,"l":[null]},"tags":[]}
        ])");
        std::string where;
        EXPECT_TRUE(same(got["rows"], expect, where)) << where << "\n" << got["rows"].dump();
        ordered_json types;
        if (GetParam() == "duckdb") {
            types = {{"id", "BIGINT"},
                     {"n", "INTEGER"},
                     {"f", "FLOAT"},
                     {"d", "DOUBLE"},
                     {"ok", "BOOLEAN"},
                     {"s", "VARCHAR"},
                     {"g", "STRUCT(\"x\" INTEGER, \"l\" VARCHAR[])"},
                     {"tags", "VARCHAR[]"}};
        } else {
            types = {{"id", "required INT64"},
                     {"n", "optional INT32"},
                     {"f", "optional FLOAT"},
                     {"d", "required DOUBLE"},
                     {"ok", "optional BOOLEAN"},
                     {"s", "optional BYTE_ARRAY STRING"},
                     {"g",
                      "optional STRUCT<x: required INT32, l: optional LIST<optional BYTE_ARRAY "
                      "STRING>>"},
                     {"tags", "required LIST<required BYTE_ARRAY STRING>"}};
        }
        EXPECT_EQ(got["types"], types);
        // Statistics of n: min/max over the non-null values, one null.
        const ordered_json& n = got["chunks"][1];
        EXPECT_EQ(n["path"], "n");
        EXPECT_EQ(n["null_count"].get<int64_t>(), 1);
        auto as_int = [](const ordered_json& v) {
            return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>();
        };
        EXPECT_EQ(as_int(n["min"]), -2147483648LL);
        EXPECT_EQ(as_int(n["max"]), 2147483647LL);
    }
}

INSTANTIATE_TEST_SUITE_P(Readers,
                         ParquetInterop,
                         ::testing::Values("hyparquet", "duckdb"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });
