// parquet_read_interop_test.cpp (label: interop): files that DuckDB writes (scripts/
// parquet_write.mjs: data page v1 and v2, uncompressed / snappy / gzip / zstd, dictionary, delta
// and byte-stream-split encodings, nulls, a struct and a list, three row groups), read by our
// reader (formats/parquet_read.h), which must return DuckDB's own rows value for value. Skips
// with a message when node or DuckDB is missing (scripts/fetch_oracles installs it).
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ruvllm/formats/parquet_read.h>

#include "testutil.h"
#include <sys/wait.h>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using ruvllm::test::shell_quote;

// Runs `cmd`; its standard output, and the exit status in `status`.
std::string run(const std::string& cmd, int& status) {
    ruvllm::test::CommandRun r = ruvllm::test::run_command(cmd);
    status = r.status;
    return r.out;
}

// Our reading of a leaf as DuckDB's JSON prints it (null for a null row).
json cell(const ruvllm::ParquetColumn& c, size_t r) {
    if (c.is_null(r)) {
        return nullptr;
    }
    switch (c.type) {
        case ruvllm::parquet::Type::string:
            return std::string(c.str(r));
        case ruvllm::parquet::Type::boolean:
            return c.ints[r] != 0;
        case ruvllm::parquet::Type::float32:
        case ruvllm::parquet::Type::float64:
            return c.reals[r];
        default:
            return c.ints[r];
    }
}

// DuckDB's value of a dotted leaf: null when the leaf or its struct is null.
json leaf_value(const json& row, const std::string& dotted) {
    const json* cur = &row;
    size_t pos = 0;
    while (pos <= dotted.size()) {
        const size_t dot = std::min(dotted.find('.', pos), dotted.size());
        if (cur->is_null()) {
            return nullptr;
        }
        cur = &(*cur)[dotted.substr(pos, dot - pos)];
        pos = dot + 1;
    }
    return *cur;
}

bool same(const json& ours, const json& theirs) {
    if (ours.is_number() && theirs.is_number()) {
        if (ours.is_number_float() || theirs.is_number_float()) {
            return ours.get<double>() == theirs.get<double>();
        }
        return ours.get<int64_t>() == theirs.get<int64_t>();
    }
    return ours == theirs;
}

}  // namespace

TEST(ParquetReadInterop, DuckDbFilesReadAsDuckDbReadsThem) {
    int status = 0;
    if (run("node --version >/dev/null 2>&1", status); status != 0) {
        GTEST_SKIP() << "interop skipped: node not found on PATH";
    }
    const fs::path oracle = fs::path(RUVLLM_ORACLE_DIR) / "duckdb" / "node_modules";
    if (!fs::exists(oracle)) {
        GTEST_SKIP() << "interop skipped: " << oracle << " not found (run scripts/fetch_oracles)";
    }
    ruvllm::test::TempDir dir;
    const std::string out =
        run("node " + shell_quote(std::string(RUVLLM_SOURCE_DIR) + "/scripts/parquet_write.mjs") +
                " --oracles " + shell_quote(RUVLLM_ORACLE_DIR) + " --out " +
                shell_quote(dir.path().string()),
            status);
    ASSERT_EQ(status, 0) << "scripts/parquet_write.mjs failed";
    const json got = json::parse(out, nullptr, false);
    ASSERT_TRUE(got.is_object()) << out.substr(0, 300);
    const json& rows = got["rows"];
    ASSERT_EQ(rows.size(), 5000u);
    const std::vector<std::string> leaves = {
        "i", "big", "f", "d", "ok", "label", "text", "maybe", "n", "flag", "meta.a", "meta.t"};
    ASSERT_EQ(got["files"].size(), 8u);
    for (const json& f : got["files"]) {
        const fs::path file = dir / f.get<std::string>();
        SCOPED_TRACE(file.filename().string());
        ruvllm::Result<ruvllm::ParquetTable> t = ruvllm::read_parquet(file);
        ASSERT_TRUE(t) << t.error().message;
        ASSERT_EQ(t->n_rows, rows.size());
        ASSERT_EQ(t->columns.size(), leaves.size());
        ASSERT_EQ(t->skipped.size(), 1u);
        EXPECT_EQ(t->skipped[0].name, "tags.list.element");
        for (const std::string& name : leaves) {
            const ruvllm::ParquetColumn* c = t->column(name);
            ASSERT_NE(c, nullptr) << name;
            ASSERT_EQ(c->size(), rows.size()) << name;
            for (size_t r = 0; r < rows.size(); r++) {
                const json want = leaf_value(rows[r], name);
                const json have = cell(*c, r);
                ASSERT_TRUE(same(have, want)) << name << " row " << r << ": ours " << have.dump()
                                              << ", DuckDB's " << want.dump();
            }
        }
        EXPECT_EQ(t->column("i")->type, ruvllm::parquet::Type::int32);
        EXPECT_EQ(t->column("big")->type, ruvllm::parquet::Type::int64);
        EXPECT_EQ(t->column("f")->type, ruvllm::parquet::Type::float32);
        EXPECT_EQ(t->column("meta.t")->optional, true);
        EXPECT_EQ(t->column("label")->optional, true);  // DuckDB writes every column OPTIONAL
        // Asking for two columns reads only those.
        ruvllm::Result<ruvllm::ParquetTable> two =
            ruvllm::read_parquet(file, {.columns = {"label", "meta.t", "tags"}});
        ASSERT_TRUE(two) << two.error().message;
        ASSERT_EQ(two->columns.size(), 2u);
        EXPECT_EQ(two->columns[0].name, "label");
        EXPECT_EQ(two->columns[1].name, "meta.t");
        EXPECT_EQ(two->column("tags"), nullptr);
    }
}
