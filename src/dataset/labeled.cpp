// labeled.cpp: labelled data in any of four formats, and FACTS.md's confusable label pairs
// (see labeled.h).
#include <algorithm>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include <ruvllm/core/io.h>
#include <ruvllm/core/text.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/labeled.h>

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

}  // namespace

Result<LabeledSet> load_labeled(const fs::path& path,
                                const DataOptions& opt,
                                std::vector<std::string> labels,
                                bool fixed_labels,
                                size_t* skipped) {
    if (Status s = check_readable_file(path); !s) {
        return s.error();
    }
    if (std::error_code ec; fs::exists(path.parent_path() / kIncompleteMarker, ec)) {
        return make_error(Errc::format,
                          path.string() +
                              ": its directory was left incomplete by an interrupted generate "
                              "(" +
                              kIncompleteMarker +
                              "), expected a complete dataset: run generate "
                              "again");
    }
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
    int text_col = -1, label_col = -1;
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
            for (size_t i = 0; i < header.size(); i++) {
                text_col = header[i] == opt.text_field ? static_cast<int>(i) : text_col;
                label_col = header[i] == opt.label_field ? static_cast<int>(i) : label_col;
            }
            if (text_col < 0 || label_col < 0) {
                return make_error(Errc::format,
                                  where + ": CSV header has no '" +
                                      (text_col < 0 ? opt.text_field : opt.label_field) +
                                      "' column, expected it (see --text-field / "
                                      "--label-field)");
            }
            continue;
        }
        if (fmt == DataFormat::csv) {
            if (!split_csv(line, cells) || cells.size() != header.size()) {
                problem = "CSV row has " + std::to_string(cells.size()) + " fields, expected " +
                          std::to_string(header.size());
            } else {
                ex.text = cells[static_cast<size_t>(text_col)];
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
                const nlohmann::json* t = field(j, opt.text_field);
                const nlohmann::json* l = field(j, opt.label_field);
                if (t == nullptr || l == nullptr) {
                    problem = "missing string field '" +
                              (t == nullptr ? opt.text_field : opt.label_field) + "'";
                } else {
                    ex.text = t->get<std::string>();
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
                        const std::string tier = em->get<std::string>();
                        ex.tier = tier == "haiku"    ? 0
                                  : tier == "sonnet" ? 1
                                  : tier == "opus"   ? 2
                                                     : -1;
                    }
                    if (auto m = j.find("metadata"); m != j.end() && m->is_object()) {
                        if (auto q = m->find("quality_score"); q != m->end() && q->is_number()) {
                            ex.quality = q->get<float>();
                        }
                    }
                }
            }
        }
        if (problem.empty() && (ex.text.empty() || label.empty())) {
            problem = "empty text or label";
        } else if (problem.empty() && (utf8_invalid_at(label) != std::string_view::npos ||
                                       utf8_invalid_at(neg) != std::string_view::npos)) {
            problem = "a label is not valid UTF-8";
        }
        if (problem.empty()) {
            ex.label = intern(out.labels, label, fixed_labels);
            if (ex.label < 0) {
                problem = "unknown label '" + label + "', expected one of the model's labels";
            }
        }
        if (problem.empty() && !neg.empty()) {
            ex.neg = intern(out.labels, neg, fixed_labels);
            if (ex.neg < 0) {
                problem = "unknown negative label '" + neg + "'";
            } else if (ex.neg == ex.label) {
                problem = "negative equals positive ('" + neg + "')";
            }
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
