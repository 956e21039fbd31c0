// export_dataset.cpp: the seed's dataset directory layout, written atomically (see export.h).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include <ruvllm/core/io.h>
#include <ruvllm/core/text.h>
#include <ruvllm/dataset/export.h>
#include <ruvllm/dataset/export_parquet.h>
#include <ruvllm/dataset/labeled.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

enum class Kind { jsonl, json_array, fasttext };

bool write_fasttext(OutBuffer& out, const std::vector<Example>& ex) {
    for (const Example& e : ex) {
        out.append("__label__");
        out.append(e.output_agent);
        out.push(' ');
        out.append(normalize_words(e.input));
        out.push('\n');
    }
    return out.flush();
}

// The train/val/test parts of `examples` (stratified, template-grouped; balanced sampling of
// the train part when the plan asks for it).
Status split_parts(const std::vector<Example>& examples,
                   const ExportPlan& plan,
                   std::vector<Example> (&parts)[3]) {
    Result<std::vector<int>> split = assign_splits(examples, plan.ratios, plan.seed);
    if (!split) {
        return split.error();
    }
    for (size_t i = 0; i < examples.size(); i++) {
        parts[(*split)[i]].push_back(examples[i]);
    }
    // Splits are grouped by template (split.h): a label with fewer templates than splits leaves
    // a split without it, and a library with one or two templates per label leaves a split
    // empty. An empty split the ratios ask for is refused (#17).
    const double ratio[3] = {plan.ratios.train, plan.ratios.val, plan.ratios.test};
    const char* split_name[3] = {"train", "validation", "test"};
    for (int k = 0; k < 3; k++) {
        if (ratio[k] > 0 && parts[k].empty() && !examples.empty()) {
            std::map<std::string, std::set<std::string>> groups;
            for (const Example& e : examples) {
                groups[e.output_agent].insert(e.metadata.template_id);
            }
            size_t most = 0;
            for (const auto& [label, g] : groups) {
                most = std::max(most, g.size());
            }
            return make_error(Errc::invalid_argument,
                              std::string("generate: the ") + split_name[k] +
                                  " split would be empty: splits are grouped by template and no "
                                  "label has more than " +
                                  std::to_string(most) +
                                  " template(s), expected at least 3 templates per label "
                                  "(docs/library.md), or a --split ratio of 0 for that split");
        }
    }
    parts[0] = balance(parts[0], plan.balance, plan.seed);
    return ok();
}

// "generate: warning: ..." lines for labels that a split the ratios ask for does not have.
std::vector<std::string> split_warnings(const std::vector<Example> (&parts)[3],
                                        const ExportPlan& plan) {
    const double ratio[3] = {plan.ratios.train, plan.ratios.val, plan.ratios.test};
    const char* split_name[3] = {"train", "validation", "test"};
    std::set<std::string> all;
    for (const std::vector<Example>& p : parts) {
        for (const Example& e : p) {
            all.insert(e.output_agent);
        }
    }
    std::vector<std::string> out;
    for (int k = 0; k < 3; k++) {
        if (ratio[k] <= 0) {
            continue;
        }
        std::set<std::string> have;
        for (const Example& e : parts[k]) {
            have.insert(e.output_agent);
        }
        std::string missing;
        size_t n_missing = 0;
        for (const std::string& l : all) {
            if (have.count(l) == 0) {
                missing += (n_missing++ == 0 ? "" : ", ") + l;
            }
        }
        if (n_missing > 0) {
            out.push_back(std::string("generate: warning: the ") + split_name[k] +
                          " split has no example of " + std::to_string(n_missing) + " label(s) (" +
                          missing +
                          "): each has fewer than 3 templates (docs/library.md: splits are "
                          "grouped by template)");
        }
    }
    return out;
}

Status write_examples(AtomicFile& f, const std::vector<Example>& ex, Kind kind) {
    OutBuffer out(f.stream());
    const bool ok_write = kind == Kind::jsonl      ? write_jsonl(out, ex)
                          : kind == Kind::fasttext ? write_fasttext(out, ex)
                                                   : write_json_array(out, ex);
    if (!ok_write) {
        return make_error(Errc::io, f.path().string() + ": write failed (disk full?)");
    }
    return f.close();
}

}  // namespace

std::string dataset_card(const std::vector<Example>& examples,
                         const ExportPlan& plan,
                         const ExportSummary& summary) {
    const DatasetStats st = compute_stats(examples);
    std::ostringstream md;
    md << "# ruvllm routing dataset\n\n"
       << "Synthetic software-engineering tasks labelled with the agent that should take them, "
          "generated by `ruvllm generate` ("
       << plan.generator_version
       << ") from the agent and "
          "template library. Every text is rendered from a hand-written template; augmented "
          "examples (paraphrase, complexity, domain) are marked in `metadata.augmentation`.\n\n"
       << "## Generation\n\n| setting | value |\n|---|---|\n";
    for (const auto& [k, v] : plan.config) {
        md << "| " << k << " | " << v << " |\n";
    }
    md << "\n## Counts\n\n| split | examples |\n|---|---|\n"
       << "| train | " << summary.train << " |\n| validation | " << summary.val << " |\n"
       << "| test | " << summary.test << " |\n| **total** | " << st.total_examples << " |\n\n";
    std::map<std::string, size_t> labels, augment;
    for (const Example& e : examples) {
        labels[e.output_agent]++;
        augment[std::string(augmentation_name(e.metadata.augmentation))]++;
    }
    md << "| label (output_agent) | examples |\n|---|---|\n";
    for (const auto& [k, v] : labels) {
        md << "| " << k << " | " << v << " |\n";
    }
    md << "\n| augmentation | examples |\n|---|---|\n";
    for (const auto& [k, v] : augment) {
        md << "| " << k << " | " << v << " |\n";
    }
    md << "\n| complexity | examples |\n|---|---|\n";
    for (int i = 0; i < kNumComplexities; i++) {
        md << "| " << complexity_name(static_cast<Complexity>(i)) << " | " << st.per_complexity[i]
           << " |\n";
    }
    md << "\n| domain | examples |\n|---|---|\n";
    for (int i = 0; i < kNumDomains; i++) {
        md << "| " << domain_name(static_cast<Domain>(i)) << " | " << st.per_domain[i] << " |\n";
    }
    md << "\nAverage quality score: " << st.avg_quality_score << "\n\n"
       << "## Templates in the library\n\n| agent | templates |\n|---|---|\n";
    for (const auto& [k, v] : plan.templates_per_agent) {
        md << "| " << k << " | " << v << " |\n";
    }
    md << "\n## Splits\n\nStratified by label and grouped by template: all variants of one "
          "template are in the same split, so no paraphrase of a test task is in training.\n";
    return md.str();
}

Result<ExportSummary> export_dataset(const fs::path& dir,
                                     const std::vector<Example>& examples,
                                     const ExportPlan& plan) {
    // Everything that can be refused is checked before the directory is created.
    std::vector<std::vector<Example>> folds;
    if (plan.folds > 1) {
        Result<std::vector<int>> f = assign_folds(examples, plan.folds, plan.seed);
        if (!f) {
            return f.error();
        }
        folds.resize(static_cast<size_t>(plan.folds));
        for (size_t i = 0; i < examples.size(); i++) {
            folds[static_cast<size_t>((*f)[i])].push_back(examples[i]);
        }
    }
    std::vector<Example> parts[3];
    Status parted = split_parts(examples, plan, parts);
    if (!parted) {
        return parted.error();
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
        return make_error(Errc::io,
                          dir.string() + ": cannot create output directory (" + ec.message() +
                              "), expected a writable path");
    }
    ExportSummary summary{parts[0].size(), parts[1].size(), parts[2].size(), {}};
    summary.warnings = split_warnings(parts, plan);

    std::vector<AtomicFile> pending;
    auto open = [&](const std::string& name) -> Result<AtomicFile*> {
        Result<AtomicFile> f = AtomicFile::create(dir / name);
        if (!f) {
            return f.error();
        }
        pending.push_back(std::move(*f));
        summary.files.push_back((dir / name).string());
        return &pending.back();
    };
    pending.reserve(11 + static_cast<size_t>(plan.folds));

    struct Job {
        std::string name;
        const std::vector<Example>* data;
        Kind kind;
    };

    std::vector<Job> jobs = {
        {"claude_training_full.jsonl", &examples, Kind::jsonl},
        {"claude_training_full.json", &examples, Kind::json_array},
        {"claude_training_train.jsonl", &parts[0], Kind::jsonl},
        {"claude_training_val.jsonl", &parts[1], Kind::jsonl},
        {"claude_training_test.jsonl", &parts[2], Kind::jsonl},
    };
    if (plan.fasttext) {
        jobs.push_back({"claude_training_train.fasttext.txt", &parts[0], Kind::fasttext});
        jobs.push_back({"claude_training_val.fasttext.txt", &parts[1], Kind::fasttext});
        jobs.push_back({"claude_training_test.fasttext.txt", &parts[2], Kind::fasttext});
    }
    if (plan.folds > 1) {
        for (int k = 0; k < plan.folds; k++) {
            jobs.push_back({"claude_training_fold_" + std::to_string(k + 1) + "_of_" +
                                std::to_string(plan.folds) + ".jsonl",
                            &folds[static_cast<size_t>(k)],
                            Kind::jsonl});
        }
    }
    for (const Job& job : jobs) {
        Result<AtomicFile*> f = open(job.name);
        if (!f) {
            return f.error();
        }
        Status s = write_examples(**f, *job.data, job.kind);
        if (!s) {
            return s.error();
        }
    }

    // Parquet files are written (atomically) under hidden staging names, published below with
    // the others, and removed if anything fails first.
    struct Staged {
        std::filesystem::path staging, final_path;
    };

    std::vector<Staged> staged;

    struct Cleanup {
        std::vector<Staged>* s;
        bool armed = true;

        ~Cleanup() {
            for (const Staged& f : *s) {
                std::error_code ec;
                if (armed) {
                    std::filesystem::remove(f.staging, ec);
                }
            }
        }
    } cleanup{&staged};

    if (plan.parquet) {
        const std::pair<const char*, const std::vector<Example>*> pq[] = {
            {"claude_training_full.parquet", &examples},
            {"claude_training_train.parquet", &parts[0]},
            {"claude_training_val.parquet", &parts[1]},
            {"claude_training_test.parquet", &parts[2]}};
        for (const auto& [name, data] : pq) {
            const Staged st{dir / ("." + std::string(name) + ".staging"), dir / name};
            staged.push_back(st);
            Status s = write_dataset_parquet(st.staging, *data, plan.parquet_options);
            if (!s) {
                return s.error();
            }
            summary.files.push_back(st.final_path.string());
        }
    }
    const std::string texts[2] = {stats_to_json(compute_stats(examples)),
                                  dataset_card(examples, plan, summary)};
    const char* names[2] = {"claude_training_stats.json", "README.md"};
    for (int i = 0; i < 2; i++) {
        Result<AtomicFile*> f = open(names[i]);
        if (!f) {
            return f.error();
        }
        std::fwrite(texts[i].data(), 1, texts[i].size(), (*f)->stream());
        Status s = (*f)->close();
        if (!s) {
            return s.error();
        }
    }
    // Every file is complete: publish them all, as a set. The marker says the directory is being
    // replaced (readers refuse it, load_labeled in labeled.h); the previous dataset's files
    // (generator-named, claude_training_*, and what was derived from them beside them, such as
    // triplets) go first, so that a run killed half-way leaves a directory that says so, never
    // new splits beside old ones (a test row of one seed in the training split of another).
    if (Status s = write_file_atomic(dir / kIncompleteMarker,
                                     "generate was interrupted while it replaced this dataset; "
                                     "run it again\n");
        !s) {
        return s.error();
    }
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("claude_training_", 0) == 0 && name.find(".tmp-") == std::string::npos &&
            e.is_regular_file()) {
            std::error_code rm;
            fs::remove(e.path(), rm);
            if (!rm) {
                summary.removed++;
            }
        }
    }
    for (AtomicFile& f : pending) {
        Status s = f.rename_into_place();
        if (!s) {
            return s.error();
        }
    }
    for (const Staged& f : staged) {
        std::error_code rename_ec;
        std::filesystem::rename(f.staging, f.final_path, rename_ec);
        if (rename_ec) {
            return make_error(
                Errc::io,
                f.final_path.string() + ": cannot rename into place: " + rename_ec.message());
        }
    }
    cleanup.armed = false;
    fs::remove(dir / kIncompleteMarker, ec);
    return summary;
}

namespace {

// The `datasets` dtype of a scalar Parquet column.
const char* hf_dtype(parquet::Type t) {
    switch (t) {
        case parquet::Type::boolean:
            return "bool";
        case parquet::Type::int32:
            return "int32";
        case parquet::Type::int64:
            return "int64";
        case parquet::Type::float32:
            return "float32";
        case parquet::Type::float64:
            return "float64";
        default:
            return "string";
    }
}

// `s` as a YAML scalar: plain when it cannot be read as anything but that string, else single
// quoted ('' for a quote).
std::string yaml_scalar(std::string_view s) {
    bool plain = !s.empty() && std::isalpha(static_cast<unsigned char>(s[0])) != 0;
    for (char c : s) {
        plain = plain && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                          c == '_' || c == '.');
    }
    std::string lower;
    for (char c : s) {
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    for (const char* word : {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}) {
        plain = plain && lower != word;
    }
    if (plain) {
        return std::string(s);
    }
    std::string q = "'";
    for (char c : s) {
        q += c == '\'' ? std::string("''") : std::string(1, c);
    }
    return q + "'";
}

void features_yaml(std::ostringstream& y,
                   const std::vector<parquet::Field>& fields,
                   int indent,
                   const std::vector<std::string>& label_names) {
    const std::string pad(static_cast<size_t>(indent), ' ');
    for (const parquet::Field& f : fields) {
        y << pad << "- name: " << f.name << "\n";
        if (f.type == parquet::Type::group) {
            y << pad << "  struct:\n";
            features_yaml(y, f.fields, indent + 2, {});
        } else if (f.type == parquet::Type::list) {
            y << pad << "  sequence: string\n";  // lists of strings (parquet.h)
        } else if (indent == 2 && f.name == "output_agent" && !label_names.empty()) {
            y << pad << "  dtype:\n" << pad << "    class_label:\n" << pad << "      names:\n";
            for (size_t i = 0; i < label_names.size(); i++) {
                y << pad << "        '" << i << "': " << yaml_scalar(label_names[i]) << "\n";
            }
        } else {
            y << pad << "  dtype: " << hf_dtype(f.type) << "\n";
        }
    }
}

// The bytes of one string (or list) cell in Arrow: a 4-byte offset and the data.
uint64_t arrow_string(std::string_view s) {
    return 4 + s.size();
}

}  // namespace

std::string hf_features_yaml(bool with_style, const std::vector<std::string>& label_names) {
    std::ostringstream y;
    features_yaml(y, dataset_parquet_schema(with_style), 2, label_names);
    return y.str();
}

uint64_t hf_num_bytes(const std::vector<Example>& examples, bool with_style) {
    // One extra offset per string and list column (Arrow keeps n + 1 offsets).
    uint64_t n = 4 * (with_style ? 12 : 11);
    for (const Example& e : examples) {
        const TaskMetadata& m = e.metadata;
        n += arrow_string(e.input) + arrow_string(e.context) + 8;  // output_agent: class id
        for (std::string_view s : {category_name(m.category),
                                   complexity_name(m.complexity),
                                   domain_name(m.domain),
                                   tier_name(m.expected_model),
                                   std::string_view(m.agent),
                                   std::string_view(m.template_id),
                                   augmentation_name(m.augmentation)}) {
            n += arrow_string(s);
        }
        n += 8 + 4;  // quality_score; the tags list's offset
        for (const std::string& t : m.tags) {
            n += arrow_string(t);
        }
        if (with_style) {
            n += arrow_string(style_name(m.style));
        }
    }
    return n;
}

Status check_card_license(std::string_view license) {
    bool ok_chars = !license.empty() && license.size() <= 64;
    for (char c : license) {
        ok_chars = ok_chars && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                                c == '.' || c == '+' || c == '_');
    }
    if (!ok_chars) {
        return make_error(Errc::invalid_argument,
                          "generate: license '" + std::string(license) +
                              "', expected a Hugging Face license id such as mit, apache-2.0, "
                              "cc-by-4.0, other or unknown");
    }
    return ok();
}

Result<ExportSummary> export_hf_dataset(const std::filesystem::path& dir,
                                        const std::vector<Example>& examples,
                                        const ExportPlan& plan) {
    namespace fs = std::filesystem;
    if (Status s = check_card_license(plan.license); !s) {
        return s.error();
    }
    std::vector<Example> parts[3];
    Status parted = split_parts(examples, plan, parts);
    if (!parted) {
        return parted.error();
    }
    std::error_code ec;
    fs::create_directories(dir / "data", ec);
    if (ec) {
        return make_error(Errc::io,
                          (dir / "data").string() + ": cannot create directory (" + ec.message() +
                              "), expected a writable path");
    }
    ExportSummary summary{parts[0].size(), parts[1].size(), parts[2].size(), {}};
    summary.warnings = split_warnings(parts, plan);
    const char* names[3] = {"train", "validation", "test"};
    std::vector<std::pair<fs::path, fs::path>> staged;  // (staging, final)
    uintmax_t bytes[3] = {0, 0, 0};
    auto discard = [&] {
        for (const auto& [tmp, fin] : staged) {
            std::error_code e;
            fs::remove(tmp, e);
        }
    };
    for (int k = 0; k < 3; k++) {
        const std::string file = std::string(names[k]) + "-00000-of-00001.parquet";
        const fs::path fin = dir / "data" / file, tmp = dir / "data" / ("." + file + ".staging");
        staged.emplace_back(tmp, fin);
        Status s = write_dataset_parquet(tmp, parts[k], plan.parquet_options);
        if (!s) {
            discard();
            return s.error();
        }
        bytes[k] = fs::file_size(tmp, ec);
    }
    const bool with_style = has_styles(examples);
    std::set<std::string> label_set;
    for (const Example& e : examples) {
        label_set.insert(e.output_agent);
    }
    const std::vector<std::string> label_names(label_set.begin(), label_set.end());
    std::ostringstream y;
    y << "---\nlicense: " << plan.license
      << "\nlanguage:\n- en\ntask_categories:\n- text-classification\n"
      << "pretty_name: ruvllm routing dataset\ntags:\n- routing\n- agents\n- synthetic\n"
      << "configs:\n- config_name: default\n  data_files:\n";
    for (const char* n : names) {
        y << "  - split: " << n << "\n    path: data/" << n << "-*\n";
    }
    y << "dataset_info:\n  features:\n"
      << hf_features_yaml(with_style, label_names) << "  splits:\n";
    uint64_t dataset_size = 0;
    for (int k = 0; k < 3; k++) {
        const uint64_t n = hf_num_bytes(parts[k], with_style);
        dataset_size += n;
        y << "  - name: " << names[k] << "\n    num_bytes: " << n
          << "\n    num_examples: " << parts[k].size() << "\n";
    }
    y << "  download_size: " << bytes[0] + bytes[1] + bytes[2]
      << "\n  dataset_size: " << dataset_size << "\n---\n\n";
    const std::string card = y.str() + dataset_card(examples, plan, summary);
    Result<AtomicFile> readme = AtomicFile::create(dir / "README.md");
    if (!readme) {
        discard();
        return readme.error();
    }
    std::fwrite(card.data(), 1, card.size(), readme->stream());
    Status s = readme->close();
    if (!s) {
        discard();
        return s.error();
    }
    for (const auto& [tmp, fin] : staged) {
        fs::rename(tmp, fin, ec);
        if (ec) {
            discard();
            return make_error(Errc::io,
                              fin.string() + ": cannot rename into place: " + ec.message());
        }
        summary.files.push_back(fin.string());
    }
    s = readme->rename_into_place();
    if (!s) {
        return s.error();
    }
    summary.files.push_back((dir / "README.md").string());
    return summary;
}

}  // namespace ruvllm
