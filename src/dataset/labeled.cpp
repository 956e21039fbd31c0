// labeled.cpp: labelled data in any of five formats or a dataset directory, and FACTS.md's
// confusable label pairs (see labeled.h).
#include <algorithm>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/core/text.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/formats/parquet_read.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

int32_t intern(std::vector<std::string>& labels, const std::string& l, bool fixed) {
    for (size_t i = 0; i < labels.size(); i++) {
        if (labels[i] == l) {
            return static_cast<int32_t>(i);
        }
    }
    if (fixed) {
        return -1;
    }
    labels.push_back(l);
    return static_cast<int32_t>(labels.size() - 1);
}

// A field by dotted path ("metadata.agent") as a string; nullptr if absent or not a string.
const nlohmann::json* field(const nlohmann::json& obj, const std::string& path) {
    const nlohmann::json* cur = &obj;
    size_t pos = 0;
    while (pos <= path.size()) {
        const size_t dot = std::min(path.find('.', pos), path.size());
        const std::string key = path.substr(pos, dot - pos);
        if (!cur->is_object()) {
            return nullptr;
        }
        auto it = cur->find(key);
        if (it == cur->end()) {
            return nullptr;
        }
        cur = &*it;
        pos = dot + 1;
    }
    return cur->is_string() ? cur : nullptr;
}

// "title,body" -> "'title' or 'body'", for errors.
std::string fields_named(const std::vector<std::string>& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); i++) {
        out += (i == 0 ? "'" : (i + 1 == fields.size() ? " or '" : ", '")) + fields[i] + "'";
    }
    return out;
}

// Splits one CSV record (RFC 4180 quoting; no embedded newlines).
bool split_csv(const std::string& line, std::vector<std::string>& out) {
    out.clear();
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); i++) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur.push_back('"');
                i++;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur.push_back(c);
            }
        } else if (c == '"' && cur.empty()) {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    out.push_back(std::move(cur));
    return !quoted;
}

DataFormat detect_format(const fs::path& path, const std::string& first) {
    if (path.extension() == ".csv") {
        return DataFormat::csv;
    }
    if (first.rfind("__label__", 0) == 0) {
        return DataFormat::fasttext;
    }
    nlohmann::json j = nlohmann::json::parse(first, nullptr, false);
    if (j.is_object() && j.contains("anchor")) {
        return DataFormat::triplets;
    }
    return DataFormat::dataset;
}

// The checks every example passes, whatever its format: text and label present, labels valid
// UTF-8 and known (with fixed labels), the negative another label. Interns the labels into
// `labels`; returns the problem, or "".
std::string admit(LabeledExample& ex,
                  const std::string& label,
                  const std::string& neg,
                  std::vector<std::string>& labels,
                  bool fixed_labels) {
    if (ex.text.empty() || label.empty()) {
        return "empty text or label";
    }
    if (utf8_invalid_at(label) != std::string_view::npos ||
        utf8_invalid_at(neg) != std::string_view::npos) {
        return "a label is not valid UTF-8";
    }
    ex.label = intern(labels, label, fixed_labels);
    if (ex.label < 0) {
        return "unknown label '" + label + "', expected one of the model's labels";
    }
    if (!neg.empty()) {
        ex.neg = intern(labels, neg, fixed_labels);
        if (ex.neg < 0) {
            return "unknown negative label '" + neg + "'";
        }
        if (ex.neg == ex.label) {
            return "negative equals positive ('" + neg + "')";
        }
    }
    return "";
}

int32_t tier_index(std::string_view tier) {
    return tier == "haiku" ? 0 : tier == "sonnet" ? 1 : tier == "opus" ? 2 : -1;
}

// ---- Parquet ----

std::string column_list(const ParquetTable& t) {
    std::string out;
    for (size_t i = 0; i < t.all.size() && i < 24; i++) {
        out += (i == 0 ? "" : ", ") + t.all[i];
    }
    return t.all.size() > 24 ? out + ", ..." : out;
}

// Appends the rows of the Parquet file `path` to `out`; skipped rows are counted in `n_skipped`.
Status append_parquet(const fs::path& path,
                      const DataOptions& opt,
                      LabeledSet& out,
                      bool fixed_labels,
                      size_t& n_skipped) {
    const std::vector<std::string> tfields = text_fields(opt.text_field);
    ParquetReadOptions ro;
    ro.columns = {opt.label_field,
                  "anchor",
                  "positive",
                  "negative",
                  "isHard",
                  "is_hard",
                  "metadata.template_id",
                  "metadata.complexity",
                  "metadata.expected_model",
                  "metadata.quality_score"};
    ro.columns.insert(ro.columns.end(), tfields.begin(), tfields.end());
    Result<ParquetTable> t = read_parquet(path, ro);
    if (!t) {
        return t.error();
    }
    const std::string name = path.filename().string();
    const bool triplets = opt.format == DataFormat::triplets ||
                          (opt.format != DataFormat::dataset && t->column(tfields[0]) == nullptr &&
                           t->column("anchor") != nullptr && t->column("positive") != nullptr);
    // A column that must be there: strings, or (labels) integers.
    auto need = [&](const std::string& col,
                    const char* flag,
                    bool ints_too) -> Result<const ParquetColumn*> {
        const ParquetColumn* c = t->column(col);
        if (c == nullptr) {
            std::string why;
            for (const SkippedColumn& k : t->skipped) {
                if (k.name == col || k.name.rfind(col + ".", 0) == 0) {
                    why = " that can be read (it is " + k.why + ")";
                }
            }
            return make_error(Errc::format,
                              name + ": no column '" + col + "'" + why + ", expected one (see " +
                                  flag + "; columns: " + column_list(*t) + ")");
        }
        const bool is_int = c->type == parquet::Type::int32 || c->type == parquet::Type::int64;
        if (c->type != parquet::Type::string && !(ints_too && is_int)) {
            return make_error(Errc::format,
                              name + ": column '" + col + "' holds numbers, expected strings");
        }
        return c;
    };
    std::vector<const ParquetColumn*> texts;  // the text columns (anchor for triplets)
    for (const std::string& f : triplets ? std::vector<std::string>{"anchor"} : tfields) {
        Result<const ParquetColumn*> text = need(f, "--text-field", false);
        if (!text) {
            return text.error();
        }
        texts.push_back(*text);
    }
    Result<const ParquetColumn*> label =
        need(triplets ? "positive" : opt.label_field, "--label-field", !triplets);
    if (!label) {
        return label.error();
    }
    auto strings = [&](const char* col) {
        const ParquetColumn* c = t->column(col);
        return c != nullptr && c->type == parquet::Type::string ? c : nullptr;
    };
    const ParquetColumn* neg_col = triplets ? strings("negative") : nullptr;
    const ParquetColumn* hard_col = nullptr;
    for (const char* k : {"isHard", "is_hard"}) {
        if (const ParquetColumn* c = t->column(k);
            triplets && c != nullptr && c->type == parquet::Type::boolean) {
            hard_col = c;
        }
    }
    const ParquetColumn* group = triplets ? nullptr : strings("metadata.template_id");
    const ParquetColumn* complexity = triplets ? nullptr : strings("metadata.complexity");
    const ParquetColumn* tier = triplets ? nullptr : strings("metadata.expected_model");
    const ParquetColumn* quality = t->column("metadata.quality_score");
    if (triplets || (quality != nullptr && (quality->type == parquet::Type::string ||
                                            quality->type == parquet::Type::boolean))) {
        quality = nullptr;
    }
    const ParquetColumn& lc = **label;
    std::vector<std::string_view> parts;
    for (size_t r = 0; r < t->n_rows; r++) {
        LabeledExample ex;
        std::string lab, neg, problem;
        parts.clear();
        for (const ParquetColumn* c : texts) {
            if (!c->is_null(r)) {
                parts.push_back(c->str(r));
            }
        }
        if (parts.empty() || lc.is_null(r)) {
            problem = "null text or label";
        } else {
            ex.text = texts.size() == 1 ? std::string(parts[0]) : join_text_parts(parts);
            lab = lc.type == parquet::Type::string ? std::string(lc.str(r))
                                                   : std::to_string(lc.ints[r]);
            if (ex.text.size() > opt.max_line_bytes) {
                problem = "text over " + std::to_string(opt.max_line_bytes) +
                          " bytes, expected one example of at most that";
            } else if (utf8_invalid_at(ex.text) != std::string_view::npos) {
                problem = "text is not valid UTF-8";
            }
        }
        if (neg_col != nullptr && !neg_col->is_null(r)) {
            neg = neg_col->str(r);
        }
        if (hard_col != nullptr && !hard_col->is_null(r)) {
            ex.hard = hard_col->ints[r] != 0;
        }
        if (group != nullptr && !group->is_null(r)) {
            ex.group = group->str(r);
        }
        if (Complexity cx{}; complexity != nullptr && !complexity->is_null(r) &&
                             parse_complexity(complexity->str(r), cx)) {
            ex.complexity = static_cast<int32_t>(cx);
        }
        if (tier != nullptr && !tier->is_null(r)) {
            ex.tier = tier_index(tier->str(r));
        }
        if (quality != nullptr && !quality->is_null(r)) {
            ex.quality = static_cast<float>(quality->number(r));
        }
        if (problem.empty()) {
            problem = admit(ex, lab, neg, out.labels, fixed_labels);
        }
        if (!problem.empty()) {
            if (opt.skip_bad) {
                n_skipped++;
                continue;
            }
            return make_error(Errc::format,
                              name + ": row " + std::to_string(r + 1) + ": " + problem);
        }
        out.rows.push_back(std::move(ex));
    }
    return ok();
}

bool is_parquet(const fs::path& path, const DataOptions& opt) {
    if (opt.format == DataFormat::parquet) {
        return true;
    }
    if (opt.format != DataFormat::detect && opt.format != DataFormat::dataset &&
        opt.format != DataFormat::triplets) {
        return false;
    }
    return path.extension() == ".parquet" || is_parquet_file(path);
}

// ---- dataset directories ----

// The files of split `split` in a dataset directory (labeled.h); an error naming the splits
// there when it has none.
Result<std::vector<fs::path>> split_files(const fs::path& dir, const std::string& split) {
    std::vector<std::string> names = {split};
    if (split == "validation") {
        names.emplace_back("val");
    } else if (split == "val") {
        names.emplace_back("validation");
    }
    std::set<std::string> splits;  // seen, for the message
    // The Parquet files of the split in `sub`: <split>.parquet, <split>-*.parquet.
    auto parquet_in = [&](const fs::path& sub) {
        std::vector<fs::path> files;
        std::error_code ec;
        if (!fs::is_directory(sub, ec)) {
            return files;
        }
        for (const fs::directory_entry& e : fs::directory_iterator(sub, ec)) {
            const std::string stem = e.path().stem().string();
            if (e.path().extension() != ".parquet" || !e.is_regular_file(ec) || stem.empty() ||
                stem[0] == '.' || stem.rfind("claude_training_", 0) == 0) {
                continue;
            }
            const std::string s = stem.substr(0, stem.find('-'));
            splits.insert(s);
            if (std::find(names.begin(), names.end(), s) != names.end()) {
                files.push_back(e.path());
            }
        }
        std::sort(files.begin(), files.end());
        return files;
    };
    if (std::vector<fs::path> files = parquet_in(dir / "data"); !files.empty()) {
        return files;
    }
    const std::string seed = split == "validation" ? "val" : split;
    std::error_code ec;
    if (const fs::path jsonl = dir / ("claude_training_" + seed + ".jsonl");
        fs::is_regular_file(jsonl, ec)) {
        return std::vector<fs::path>{jsonl};
    }
    if (std::vector<fs::path> files = parquet_in(dir); !files.empty()) {
        return files;
    }
    for (const char* s : {"train", "val", "test"}) {
        if (fs::is_regular_file(dir / ("claude_training_" + std::string(s) + ".jsonl"), ec)) {
            splits.insert(s);
        }
    }
    if (splits.empty()) {
        return make_error(Errc::format,
                          dir.string() +
                              ": is a directory without a dataset (no data/<split>-*.parquet or "
                              "claude_training_<split>.jsonl), expected a data file or a dataset "
                              "directory");
    }
    std::string have;
    for (const std::string& s : splits) {
        have += (have.empty() ? "" : ", ") + s;
    }
    return make_error(Errc::format,
                      dir.string() + ": a directory without split '" + split + "' (data/" + split +
                          "-*.parquet, or claude_training_" + seed +
                          ".jsonl), expected a dataset directory with it (splits there: " + have +
                          ")");
}

Status check_complete(const fs::path& path) {
    if (std::error_code ec; fs::exists(path.parent_path() / kIncompleteMarker, ec)) {
        return make_error(Errc::format,
                          path.string() +
                              ": its directory was left incomplete by an interrupted generate "
                              "(" +
                              kIncompleteMarker +
                              "), expected a complete dataset: run generate "
                              "again");
    }
    return ok();
}

Result<LabeledSet> load_lines(const fs::path& path,
                              const DataOptions& opt,
                              std::vector<std::string> labels,
                              bool fixed_labels,
                              size_t* skipped);

}  // namespace

std::vector<std::string> text_fields(const std::string& spec) {
    std::vector<std::string> out;
    size_t at = 0;
    while (true) {
        const size_t comma = std::min(spec.find(',', at), spec.size());
        out.push_back(spec.substr(at, comma - at));
        if (comma == spec.size()) {
            return out;
        }
        at = comma + 1;
    }
}

std::string join_text_parts(const std::vector<std::string_view>& parts) {
    std::string out;
    for (std::string_view p : parts) {
        const size_t b = p.find_first_not_of(" \t\r\n");
        if (b == std::string_view::npos) {
            continue;
        }
        p = p.substr(b, p.find_last_not_of(" \t\r\n") - b + 1);
        out += out.empty() ? "" : ". ";
        out += p;
    }
    return out;
}

std::optional<std::string> json_text(const nlohmann::json& row,
                                     const std::vector<std::string>& fields) {
    if (fields.size() == 1) {
        const nlohmann::json* t = field(row, fields[0]);
        return t != nullptr ? std::optional<std::string>(t->get<std::string>()) : std::nullopt;
    }
    std::vector<std::string_view> parts;
    for (const std::string& f : fields) {
        if (const nlohmann::json* t = field(row, f)) {
            parts.push_back(t->get_ref<const std::string&>());
        }
    }
    if (parts.empty()) {
        return std::nullopt;
    }
    return join_text_parts(parts);
}

Result<std::vector<fs::path>> labeled_files(const fs::path& path, const DataOptions& opt) {
    if (std::error_code ec; fs::is_directory(path, ec)) {
        return split_files(path, opt.split);
    }
    return std::vector<fs::path>{path};
}

Result<LabeledSet> load_labeled(const fs::path& path,
                                const DataOptions& opt,
                                std::vector<std::string> labels,
                                bool fixed_labels,
                                size_t* skipped) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
        if (Status s = check_readable_file(path); !s) {
            return s.error();
        }
        if (Status s = check_complete(path); !s) {
            return s.error();
        }
        if (!is_parquet(path, opt)) {
            return load_lines(path, opt, std::move(labels), fixed_labels, skipped);
        }
    }
    Result<std::vector<fs::path>> files = labeled_files(path, opt);
    if (!files) {
        return files.error();
    }
    for (const fs::path& f : *files) {
        if (Status s = check_complete(f); !s) {
            return s.error();
        }
    }
    if (files->size() == 1 && !is_parquet((*files)[0], opt)) {  // the seed's JSONL split
        return load_lines((*files)[0], opt, std::move(labels), fixed_labels, skipped);
    }
    LabeledSet out;
    out.labels = std::move(labels);
    size_t n_skipped = 0;
    for (const fs::path& f : *files) {
        if (Status s = append_parquet(f, opt, out, fixed_labels, n_skipped); !s) {
            return s.error();
        }
    }
    if (skipped != nullptr) {
        *skipped = n_skipped;
    }
    if (out.rows.empty()) {
        return make_error(Errc::format,
                          path.filename().string() + ": no examples, expected labelled rows");
    }
    return out;
}

namespace {

Result<LabeledSet> load_lines(const fs::path& path,
                              const DataOptions& opt,
                              std::vector<std::string> labels,
                              bool fixed_labels,
                              size_t* skipped) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(Errc::io, path.string() + ": cannot open");
    }
    LabeledSet out;
    out.labels = std::move(labels);
    const std::string name = path.filename().string();
    std::string line;
    size_t line_no = 0, n_skipped = 0;
    DataFormat fmt = opt.format;
    std::vector<std::string> header, cells;
    const std::vector<std::string> tfields = text_fields(opt.text_field);
    std::vector<int> text_cols;  // of tfields, in the CSV header
    int label_col = -1;
    bool too_long = false;
    while (getline_bounded(in, line, opt.max_line_bytes, too_long)) {
        line_no++;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.find_first_not_of(" \t") == std::string::npos && !too_long) {
            continue;
        }
        const std::string where = name + ":" + std::to_string(line_no);
        if (too_long) {
            const std::string problem = "line over " + std::to_string(opt.max_line_bytes) +
                                        " bytes, expected one example of at most that";
            if (!opt.skip_bad) {
                return make_error(Errc::format, where + ": " + problem);
            }
            n_skipped++;
            continue;
        }
        if (fmt == DataFormat::detect) {
            fmt = detect_format(path, line);
        }
        LabeledExample ex;
        std::string label, neg;
        std::string problem;
        if (fmt == DataFormat::csv && header.empty()) {
            split_csv(line, header);
            text_cols.assign(tfields.size(), -1);
            for (size_t i = 0; i < header.size(); i++) {
                for (size_t f = 0; f < tfields.size(); f++) {
                    text_cols[f] = header[i] == tfields[f] ? static_cast<int>(i) : text_cols[f];
                }
                label_col = header[i] == opt.label_field ? static_cast<int>(i) : label_col;
            }
            for (size_t f = 0; f <= tfields.size(); f++) {
                const bool text = f < tfields.size();
                if ((text ? text_cols[f] : label_col) < 0) {
                    return make_error(Errc::format,
                                      where + ": CSV header has no '" +
                                          (text ? tfields[f] : opt.label_field) +
                                          "' column, expected it (see --text-field / "
                                          "--label-field)");
                }
            }
            continue;
        }
        if (fmt == DataFormat::csv) {
            if (!split_csv(line, cells) || cells.size() != header.size()) {
                problem = "CSV row has " + std::to_string(cells.size()) + " fields, expected " +
                          std::to_string(header.size());
            } else {
                if (text_cols.size() == 1) {
                    ex.text = cells[static_cast<size_t>(text_cols[0])];
                } else {
                    std::vector<std::string_view> parts;
                    for (const int c : text_cols) {
                        parts.push_back(cells[static_cast<size_t>(c)]);
                    }
                    ex.text = join_text_parts(parts);
                }
                label = cells[static_cast<size_t>(label_col)];
            }
        } else if (fmt == DataFormat::fasttext) {
            if (line.rfind("__label__", 0) != 0) {
                problem = "expected a line starting with __label__";
            } else {
                const size_t sp = line.find(' ');
                label = line.substr(9, sp == std::string::npos ? std::string::npos : sp - 9);
                size_t rest = sp;
                // Further labels of a multi-label line are ignored; the text follows them.
                while (rest != std::string::npos && line.compare(rest + 1, 9, "__label__") == 0) {
                    rest = line.find(' ', rest + 1);
                }
                ex.text = rest == std::string::npos ? "" : line.substr(rest + 1);
            }
        } else {
            nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object()) {
                problem = "not a JSON object";
            } else if (fmt == DataFormat::triplets) {
                const nlohmann::json* a = field(j, "anchor");
                const nlohmann::json* p = field(j, "positive");
                const nlohmann::json* n = field(j, "negative");
                if (a == nullptr || p == nullptr) {
                    problem = "missing string field '" +
                              std::string(a == nullptr ? "anchor" : "positive") + "'";
                } else {
                    ex.text = a->get<std::string>();
                    label = p->get<std::string>();
                    neg = n != nullptr ? n->get<std::string>() : "";
                    for (const char* k : {"isHard", "is_hard"}) {
                        if (auto it = j.find(k); it != j.end() && it->is_boolean()) {
                            ex.hard = it->get<bool>();
                        }
                    }
                }
            } else {
                std::optional<std::string> t = json_text(j, tfields);
                const nlohmann::json* l = field(j, opt.label_field);
                if (!t || l == nullptr) {
                    problem = !t ? "missing string field " + fields_named(tfields)
                                 : "missing string field '" + opt.label_field + "'";
                } else {
                    ex.text = std::move(*t);
                    label = l->get<std::string>();
                    if (const nlohmann::json* g = field(j, "metadata.template_id")) {
                        ex.group = g->get<std::string>();
                    }
                    Complexity cx{};
                    if (const nlohmann::json* c = field(j, "metadata.complexity");
                        c != nullptr && parse_complexity(c->get<std::string>(), cx)) {
                        ex.complexity = static_cast<int32_t>(cx);
                    }
                    if (const nlohmann::json* em = field(j, "metadata.expected_model")) {
                        ex.tier = tier_index(em->get<std::string>());
                    }
                    if (auto m = j.find("metadata"); m != j.end() && m->is_object()) {
                        if (auto q = m->find("quality_score"); q != m->end() && q->is_number()) {
                            ex.quality = q->get<float>();
                        }
                    }
                }
            }
        }
        if (problem.empty()) {
            problem = admit(ex, label, neg, out.labels, fixed_labels);
        }
        if (!problem.empty()) {
            if (opt.skip_bad) {
                n_skipped++;
                continue;
            }
            return make_error(Errc::format, where + ": " + problem);
        }
        out.rows.push_back(std::move(ex));
    }
    if (skipped != nullptr) {
        *skipped = n_skipped;
    }
    if (out.rows.empty()) {
        return make_error(Errc::format, name + ": no examples, expected labelled lines");
    }
    return out;
}

}  // namespace

std::vector<std::pair<int32_t, int32_t>> confusable_pairs(const std::vector<std::string>& labels) {
    auto index = [&](const std::string& l) {
        for (size_t i = 0; i < labels.size(); i++) {
            if (labels[i] == l) {
                return static_cast<int32_t>(i);
            }
        }
        return int32_t{-1};
    };
    // Seed categories as labels: map each agent to its category. Otherwise agent names.
    const bool categories = std::all_of(labels.begin(), labels.end(), [](const std::string& l) {
        return l == "coder" || l == "researcher" || l == "security" || l == "architecture" ||
               l == "reviewer";
    });
    std::set<std::pair<int32_t, int32_t>> out;
    for (const auto& [pa, pb] : confusing_agent_names()) {
        Category ca{}, cb{};
        label_category(pa, ca);
        label_category(pb, cb);
        const int32_t a = index(categories ? std::string(category_label(ca)) : pa);
        const int32_t b = index(categories ? std::string(category_label(cb)) : pb);
        if (a >= 0 && b >= 0 && a != b) {
            out.insert({std::min(a, b), std::max(a, b)});
        }
    }
    return {out.begin(), out.end()};
}

Status write_labeled_fasttext(const LabeledSet& data, const fs::path& path) {
    std::string out;
    for (const LabeledExample& ex : data.rows) {
        if (ex.label < 0 || static_cast<size_t>(ex.label) >= data.labels.size()) {
            continue;
        }
        out += "__label__";
        out += data.labels[static_cast<size_t>(ex.label)];
        out += ' ';
        out += normalize_words(ex.text);
        out += '\n';
    }
    return write_file_atomic(path, out);
}

Result<size_t> convert_labeled(const ConvertJob& job, const Log& log) {
    if (job.to != "fasttext" && job.to != "jsonl") {
        return make_error(Errc::invalid_argument,
                          "convert: --to '" + job.to + "', expected fasttext or jsonl");
    }
    if (Status s = check_outputs_differ({job.out}, {job.in}); !s) {
        return s.error();
    }
    size_t skipped = 0;
    Result<LabeledSet> data = load_labeled(job.in, job.data, {}, false, &skipped);
    if (!data) {
        return data.error();
    }
    Status s = ok();
    if (job.to == "fasttext") {
        s = write_labeled_fasttext(*data, job.out);
    } else {
        std::string out;
        for (const LabeledExample& ex : data->rows) {
            out += "{\"input\":";
            append_json_string(out, ex.text);
            out += ",\"output_agent\":";
            append_json_string(out, data->labels[static_cast<size_t>(ex.label)]);
            out += "}\n";
        }
        s = write_file_atomic(job.out, out);
    }
    if (!s) {
        return s.error();
    }
    log.say(strformat(
        "convert: %zu examples (%zu skipped) -> %s", data->rows.size(), skipped, job.out.c_str()));
    return data->rows.size();
}

}  // namespace ruvllm
