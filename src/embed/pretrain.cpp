// pretrain.cpp: corpus preparation and fastText skip-gram pretraining (see pretrain.h).
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>

#include <ruvllm/core/io.h>
#include <ruvllm/core/log.h>
#include <ruvllm/core/paths.h>
#include <ruvllm/core/text.h>
#include <ruvllm/embed/pretrain.h>

#include <fasttext/fasttext.h>
#include <signal.h>
#include <unistd.h>
#include <xxhash.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

Status check(const PretrainConfig& c) {
    auto bad = [](const std::string& what, double v, const char* expected) {
        return bad_setting("pretrain: " + what, v, expected);
    };
    if (c.dim < 2 || c.dim > 1024) {
        return bad("dim", c.dim, "2-1024");
    }
    if (c.epochs < 1) {
        return bad("epochs", c.epochs, ">= 1");
    }
    if (c.min_count < 1) {
        return bad("min_count", c.min_count, ">= 1");
    }
    if (c.minn < 1 || c.minn > 8) {
        return bad("minn", c.minn, "1-8");
    }
    if (c.maxn < c.minn || c.maxn > 8) {
        return bad("maxn", c.maxn, "minn-8");
    }
    if (c.bucket < 1) {
        return bad("bucket", c.bucket, ">= 1");
    }
    if (c.window < 1) {
        return bad("window", c.window, ">= 1");
    }
    if (c.negatives < 1) {
        return bad("negatives", c.negatives, ">= 1");
    }
    if (!(c.lr > 0) || !std::isfinite(c.lr)) {
        return bad("lr", c.lr, "a finite number > 0");
    }
    if (c.threads < 1 || c.threads > 256) {
        return bad("threads", c.threads, "1-256");
    }
    if (c.storage != TensorType::f32 && c.storage != TensorType::f16) {
        return make_error(Errc::invalid_argument, "pretrain: storage must be f32 or f16");
    }
    return ok();
}

// Removes "pretrain-corpus-<pid>.txt*" in `dir` whose process no longer runs: the tokenised
// corpus of a pretraining killed with SIGKILL (which no handler sees).
void remove_dead_corpora(const fs::path& dir) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const std::string prefix = "pretrain-corpus-";
        if (name.rfind(prefix, 0) != 0) {
            continue;
        }
        char* end = nullptr;
        const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
        if (pid > 0 && pid != ::getpid() && end != nullptr && std::strncmp(end, ".txt", 4) == 0 &&
            ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            std::error_code rm;
            fs::remove(it->path(), rm);
        }
    }
}

// Writes the tokenised corpus, one line per description line, into `out` (closed, not
// published: fastText reads its temp file, which goes when `out` does, or on SIGINT/SIGTERM).
// Debian Translation files are recognised by their "Package:" / "Description-md5:" fields.
Status prepare_corpus(const fs::path& in_path, AtomicFile* out, PretrainReport& rep) {
    std::ifstream in(in_path, std::ios::binary);
    if (!in) {
        return make_error(Errc::io, in_path.string() + ": cannot open corpus");
    }
    XXH64_state_t* hs = XXH64_createState();
    XXH64_reset(hs, 0);
    std::string line;
    std::vector<std::string> words;
    std::string joined;
    while (std::getline(in, line)) {
        rep.corpus_bytes += line.size() + 1;
        XXH64_update(hs, line.data(), line.size());
        XXH64_update(hs, "\n", 1);
        std::string_view v(line);
        if (v.rfind("Package:", 0) == 0 || v.rfind("Description-md5:", 0) == 0) {
            continue;
        }
        if (v.rfind("Description-", 0) == 0) {
            const size_t colon = v.find(':');
            v = colon == std::string_view::npos ? std::string_view() : v.substr(colon + 1);
        }
        tokenize_words(v, words);
        if (words.empty()) {
            continue;
        }
        joined.clear();
        for (size_t i = 0; i < words.size(); i++) {
            if (i > 0) {
                joined.push_back(' ');
            }
            joined += words[i];
        }
        joined.push_back('\n');
        std::fwrite(joined.data(), 1, joined.size(), out->stream());
        rep.corpus_lines++;
        rep.corpus_words += words.size();
    }
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(XXH64_digest(hs)));
    XXH64_freeState(hs);
    rep.corpus_xxh64 = hex;
    if (in.bad()) {
        return make_error(Errc::io, in_path.string() + ": read failed");
    }
    if (rep.corpus_words == 0) {
        return make_error(Errc::format, in_path.string() + ": corpus has no words, expected text");
    }
    return out->close();
}

}  // namespace

Result<gguf::File> pretrain(const fs::path& corpus,
                            const fs::path& work_dir,
                            const PretrainConfig& cfg,
                            const Log& log,
                            PretrainReport* report) {
    Status s = check(cfg);
    if (!s) {
        return s.error();
    }
    const auto t0 = std::chrono::steady_clock::now();
    PretrainReport rep;
    std::error_code ec;
    fs::create_directories(work_dir, ec);
    remove_dead_corpora(work_dir);
    std::optional<AtomicFile> token_file;
    {
        Result<AtomicFile> f = AtomicFile::create(
            work_dir / ("pretrain-corpus-" + std::to_string(::getpid()) + ".txt"));
        if (!f) {
            return f.error();
        }
        token_file.emplace(std::move(*f));
    }
    s = prepare_corpus(corpus, &*token_file, rep);
    if (!s) {
        return s.error();
    }
    const fs::path tokens = token_file->temp_path();
    fasttext::Args args;
    args.input = tokens.string();
    args.output = (work_dir / "unused").string();
    args.model = fasttext::model_name::sg;
    args.loss = fasttext::loss_name::ns;
    args.dim = cfg.dim;
    args.epoch = cfg.epochs;
    args.minCount = cfg.min_count;
    args.minn = cfg.minn;
    args.maxn = cfg.maxn;
    args.bucket = cfg.bucket;
    args.ws = cfg.window;
    args.neg = cfg.negatives;
    args.lr = cfg.lr;
    args.thread = cfg.threads;
    args.seed = static_cast<int>(cfg.seed & 0x7FFFFFFF);
    args.verbose = 0;
    fasttext::FastText ft;
    // fastText reports a fraction of its token count, never the end: the step's end is ours.
    // Its loss is -1 until a training thread ends: no note then. Every training thread reports:
    // one at a time to the log.
    const double words_read = static_cast<double>(rep.corpus_words) * cfg.epochs;
    auto note = [](float loss) {
        return loss < 0 ? std::string() : strformat("loss %.4f", loss);
    };
    float last_loss = -1;
    std::mutex log_mutex;
    try {
        ft.train(args, [&](float p, float loss, double, double, int64_t) {
            const std::lock_guard<std::mutex> lock(log_mutex);
            last_loss = loss;
            log.count("pretrain", p * words_read, words_read, "words", note(loss));
        });
    } catch (const std::exception& e) {
        return make_error(Errc::io, std::string("pretrain: fastText failed: ") + e.what());
    }
    token_file.reset();  // removes the tokenised corpus now
    log.count("pretrain", words_read, words_read, "words", note(last_loss));
    const std::shared_ptr<const fasttext::Dictionary> dict = ft.getDictionary();
    const std::shared_ptr<const fasttext::DenseMatrix> input = ft.getInputMatrix();
    std::vector<std::string> words;
    for (int32_t i = 0; i < dict->nwords(); i++) {
        words.push_back(dict->getWord(i));
    }
    const auto D = static_cast<size_t>(cfg.dim);
    std::vector<float> rows(static_cast<size_t>(input->rows()) * D);
    for (int64_t r = 0; r < input->rows(); r++) {
        for (size_t d = 0; d < D; d++) {
            rows[static_cast<size_t>(r) * D + d] = input->at(r, static_cast<int64_t>(d));
        }
    }
    rep.vocabulary = words.size();
    SubwordBase base(SubwordConfig{cfg.dim, cfg.minn, cfg.maxn, static_cast<uint32_t>(cfg.bucket)},
                     std::move(words),
                     std::move(rows));
    gguf::File f;
    f.set("general.architecture", std::string("ruvllm"));
    f.set("general.name", std::string("ruvllm subword base"));
    f.set("ruvllm.kind", std::string("base"));
    f.set("ruvllm.base.pretrain.corpus", corpus.filename().string());
    f.set("ruvllm.base.pretrain.corpus_xxh64", rep.corpus_xxh64);
    f.set("ruvllm.base.pretrain.corpus_words", rep.corpus_words);
    f.set("ruvllm.base.pretrain.epochs", static_cast<uint32_t>(cfg.epochs));
    f.set("ruvllm.base.pretrain.min_count", static_cast<uint32_t>(cfg.min_count));
    f.set("ruvllm.base.pretrain.window", static_cast<uint32_t>(cfg.window));
    f.set("ruvllm.base.pretrain.negatives", static_cast<uint32_t>(cfg.negatives));
    f.set("ruvllm.base.pretrain.lr", static_cast<float>(cfg.lr));
    f.set("ruvllm.base.pretrain.threads", static_cast<uint32_t>(cfg.threads));
    f.set("ruvllm.base.pretrain.seed", cfg.seed);
    s = base.write_to(f, cfg.storage);
    if (!s) {
        return s.error();
    }
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (report != nullptr) {
        *report = rep;
    }
    return f;
}

Result<PretrainReport> pretrain_base(const PretrainJob& job, const Log& log) {
    const fs::path corpus = job.corpus.empty() ? default_corpus_path() : job.corpus;
    const fs::path out = job.out.empty() ? default_base_path() : job.out;
    std::error_code ec;
    if (!fs::exists(corpus, ec)) {
        return make_error(Errc::io,
                          corpus.string() +
                              ": corpus not found, expected a text file "
                              "(scripts/fetch_corpus fetches the default)");
    }
    if (out.has_parent_path()) {
        fs::create_directories(out.parent_path(), ec);
    }
    PretrainReport rep;
    Result<gguf::File> model = pretrain(
        corpus, out.has_parent_path() ? out.parent_path() : fs::path("."), job.config, log, &rep);
    if (!model) {
        return model.error();
    }
    Status s = gguf::write_file(*model, out);
    if (!s) {
        return s.error();
    }
    log.say(
        strformat("pretrain: %llu words in %llu lines (xxh64 %s), vocabulary %zu, dim %d, "
                  "%.1f s -> %s",
                  static_cast<unsigned long long>(rep.corpus_words),
                  static_cast<unsigned long long>(rep.corpus_lines),
                  rep.corpus_xxh64.c_str(),
                  rep.vocabulary,
                  job.config.dim,
                  rep.seconds,
                  out.c_str()));
    return rep;
}

Result<std::shared_ptr<const Base>> default_base(const Log& log) {
    const fs::path path = default_base_path();
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        const fs::path corpus = default_corpus_path();
        if (!fs::exists(corpus, ec)) {
            return make_error(Errc::io,
                              corpus.string() +
                                  ": pretraining corpus not found, expected it "
                                  "(run scripts/fetch_corpus, or pass --base)");
        }
        log.say(
            "train: no base embedding yet; pretraining the default one (once, about 2 "
            "minutes) -> " +
            path.string());
        Result<PretrainReport> r = pretrain_base(PretrainJob{corpus, path, {}}, log);
        if (!r) {
            return r.error();
        }
    }
    return open_base(path);
}

}  // namespace ruvllm
