// parquet_footer.cpp: the FileMetaData footer (Thrift compact) of the writer: the schema
// elements, row groups and column chunks (field ids in parquet.h).
#include "formats/parquet_internal.h"

namespace ruvllm::parquet {

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

}  // namespace ruvllm::parquet
