// export_parquet.cpp: the dataset's Parquet schema and rows (export_parquet.h).
#include <charconv>
#include <cmath>

#include <ruvllm/dataset/export_parquet.h>

namespace ruvllm {

namespace fs = std::filesystem;

std::vector<parquet::Field> dataset_parquet_schema(bool with_style) {
    auto str = [](const char* name) {
        return parquet::Field{.name = name, .type = parquet::Type::string};
    };
    std::vector<parquet::Field> meta = {
        str("category"),
        str("complexity"),
        str("domain"),
        str("expected_model"),
        parquet::Field{.name = "quality_score", .type = parquet::Type::float64},
        parquet::Field{.name = "tags", .type = parquet::Type::list},
        str("agent"),
        str("template_id"),
        str("augmentation")};
    if (with_style) {
        meta.push_back(str("style"));
    }
    return {
        str("input"),
        str("context"),
        str("output_agent"),
        parquet::Field{.name = "metadata", .type = parquet::Type::group, .fields = meta},
    };
}

bool has_styles(const std::vector<Example>& examples) {
    for (const Example& e : examples) {
        if (e.metadata.style != Style::none) {
            return true;
        }
    }
    return false;
}

namespace {

// The double that the JSONL writer's text for `v` denotes: append_jsonl prints a score that is a
// whole number of hundredths as that decimal ("0.87"), anything else as the shortest float text.
double jsonl_number(float v) {
    const float k = std::round(v * 100.0f);
    if (k >= 0.0f && k <= 100.0f && static_cast<float>(static_cast<int>(k)) / 100.0f == v) {
        return static_cast<double>(static_cast<int>(k)) / 100.0;
    }
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof(buf), v);
    double d = v;
    std::from_chars(buf, res.ptr, d);
    return d;
}

}  // namespace

Status write_dataset_parquet(const fs::path& path,
                             const std::vector<Example>& examples,
                             const ParquetOptions& options) {
    const bool with_style = has_styles(examples);
    Result<parquet::Writer> w =
        parquet::Writer::open(path, dataset_parquet_schema(with_style), options);
    if (!w) {
        return w.error();
    }
    for (const Example& e : examples) {
        const TaskMetadata& m = e.metadata;
        w->put_string(0, e.input);
        w->put_string(1, e.context);
        w->put_string(2, e.output_agent);
        w->put_string(3, category_name(m.category));
        w->put_string(4, complexity_name(m.complexity));
        w->put_string(5, domain_name(m.domain));
        w->put_string(6, tier_name(m.expected_model));
        w->put_double(7, jsonl_number(m.quality_score));
        w->put_list(8, m.tags);
        w->put_string(9, m.agent);
        w->put_string(10, m.template_id);
        w->put_string(11, augmentation_name(m.augmentation));
        if (with_style) {
            w->put_string(12, style_name(m.style));
        }
        if (Status s = w->end_row(); !s) {
            return s;
        }
    }
    return w->close();
}

}  // namespace ruvllm
