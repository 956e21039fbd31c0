// report_inputs.cpp: the inputs of `ruvllm report` (report.h): which files of a run directory
// are read, and loading each one as a JSON object with errors that name the file (and, for
// malformed JSON, the line and column nlohmann stopped at).
#include <algorithm>
#include <utility>

#include <ruvllm/core/io.h>
#include <ruvllm/report/report.h>

namespace ruvllm {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

// Records the first parse error; every other event is accepted. nlohmann calls parse_error and
// stops without throwing when it returns false.
class ParseErrorSax : public nlohmann::json_sax<Json> {
public:
    std::string message;

    bool null() override { return true; }

    bool boolean(bool) override { return true; }

    bool number_integer(number_integer_t) override { return true; }

    bool number_unsigned(number_unsigned_t) override { return true; }

    bool number_float(number_float_t, const string_t&) override { return true; }

    bool string(string_t&) override { return true; }

    bool binary(binary_t&) override { return true; }

    bool start_object(std::size_t) override { return true; }

    bool key(string_t&) override { return true; }

    bool end_object() override { return true; }

    bool start_array(std::size_t) override { return true; }

    bool end_array() override { return true; }

    bool parse_error(std::size_t,
                     const std::string&,
                     const nlohmann::detail::exception& e) override {
        message = e.what();
        const size_t close = message.find("] ");
        if (message.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
            message.erase(0, close + 2);  // drop "[json.exception.parse_error.101] "
        }
        return false;
    }
};

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

const char* kExpectedFiles =
    "*.gguf.stats.json, eval*.json, */claude_training_stats.json or *.grpo.json";

}  // namespace

Result<ReportFiles> discover_report_files(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return make_error(Errc::io,
                          dir.string() + ": run directory not found, expected a directory with " +
                              kExpectedFiles);
    }
    ReportFiles files;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const fs::path& p = it->path();
        const std::string name = p.filename().string();
        std::error_code kind_ec;
        if (it->is_directory(kind_ec)) {
            const fs::path stats = p / "claude_training_stats.json";
            if (fs::is_regular_file(stats, kind_ec)) {
                files.dataset_stats.push_back(stats);
            }
        } else if (ends_with(name, ".grpo.json")) {
            files.grpo.push_back(p);
        } else if (ends_with(name, ".gguf.stats.json")) {
            files.stats.push_back(p);
        } else if (name.rfind("eval", 0) == 0 && ends_with(name, ".json")) {
            files.evals.push_back(p);
        }
    }
    if (ec) {
        return make_error(Errc::io, dir.string() + ": cannot list the directory: " + ec.message());
    }
    for (auto* v : {&files.stats, &files.evals, &files.dataset_stats, &files.grpo}) {
        std::sort(v->begin(), v->end());
    }
    return files;
}

Result<ReportDoc> load_report_doc(const fs::path& path) {
    Result<std::string> text = read_file(path);
    if (!text) {
        return text.error();
    }
    Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        ParseErrorSax sax;
        (void)Json::sax_parse(*text, &sax);
        return make_error(Errc::parse, path.string() + ": not valid JSON: " + sax.message);
    }
    if (!j.is_object()) {
        return make_error(
            Errc::format,
            path.string() + ": top level is " + j.type_name() + ", expected a JSON object");
    }
    return ReportDoc{path.string(), std::move(j)};
}

Result<ReportInputs> load_report_inputs(const ReportFiles& files, std::string title) {
    ReportInputs in;
    in.title = std::move(title);
    const std::pair<const std::vector<fs::path>*, std::vector<ReportDoc>*> kinds[] = {
        {&files.stats, &in.stats},
        {&files.evals, &in.evals},
        {&files.dataset_stats, &in.dataset_stats},
        {&files.grpo, &in.grpo}};
    for (const auto& [paths, docs] : kinds) {
        for (const fs::path& p : *paths) {
            Result<ReportDoc> d = load_report_doc(p);
            if (!d) {
                return d.error();
            }
            docs->push_back(std::move(*d));
        }
    }
    return in;
}

Result<ReportInputs> find_report_inputs(const fs::path& dir) {
    Result<ReportFiles> files = discover_report_files(dir);
    if (!files) {
        return files.error();
    }
    if (files->empty()) {
        return make_error(Errc::io,
                          dir.string() + ": no run outputs found, expected " + kExpectedFiles);
    }
    return load_report_inputs(*files, dir.string());
}

Result<ReportSummary> write_report(const ReportJob& job, const Log& log) {
    ReportFiles files;
    if (!job.run.empty()) {
        Result<ReportFiles> found = discover_report_files(job.run);
        if (!found) {
            return found.error();
        }
        files = std::move(*found);
    }
    const auto add = [](std::vector<fs::path>& to, const std::vector<fs::path>& paths) {
        to.insert(to.end(), paths.begin(), paths.end());
    };
    add(files.stats, job.stats);
    add(files.evals, job.evals);
    add(files.dataset_stats, job.dataset_stats);
    add(files.grpo, job.grpo);
    std::vector<fs::path> inputs;
    for (const auto* kind : {&files.stats, &files.evals, &files.dataset_stats, &files.grpo}) {
        add(inputs, *kind);
    }
    if (Status s = check_outputs_differ({job.out}, inputs); !s) {
        return s.error();
    }
    if (files.empty()) {
        if (job.run.empty()) {
            return make_error(Errc::invalid_argument,
                              "report: nothing to report, expected --run DIR or --stats, --eval, "
                              "--dataset-stats or --grpo FILE");
        }
        return make_error(Errc::io,
                          job.run.string() + ": no run outputs found, expected " + kExpectedFiles);
    }
    Result<ReportInputs> in = load_report_inputs(files, job.run.string());
    if (!in) {
        return in.error();
    }
    Result<std::string> html = render_report(*in);
    if (!html) {
        return html.error();
    }
    if (Status s = write_file_atomic(job.out, *html); !s) {
        return s.error();
    }
    const ReportSummary sum{
        in->stats.size(), in->evals.size(), in->dataset_stats.size(), in->grpo.size()};
    log.say(
        strformat("report: %zu training stats, %zu eval reports, %zu dataset stats, %zu GRPO "
                  "reports -> %s",
                  sum.stats,
                  sum.evals,
                  sum.dataset_stats,
                  sum.grpo,
                  job.out.string().c_str()));
    return sum;
}

}  // namespace ruvllm
