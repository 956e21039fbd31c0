// recipe.cpp: `ruvllm train`'s recipe as one library call (recipe.h), step by step.
#include <algorithm>
#include <chrono>
#include <sstream>
#include <tuple>

#include <ruvllm/core/io.h>
#include <ruvllm/core/paths.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/library.h>
#include <ruvllm/embed/pretrain.h>
#include <ruvllm/router/calibrate.h>
#include <ruvllm/router/evaluate.h>
#include <ruvllm/router/heads.h>
#include <ruvllm/train/recipe.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

struct Data {
    LabeledSet train, val, test;
    size_t skipped = 0;
    // Provenance: ruvllm.train.data (+ val, test) with their XXH64, so anyone can check they
    // rebuild a router from the same files.
    std::vector<std::pair<std::string, gguf::Value>> files;
};

// The ruvllm.train.<key> and <key>_xxh64 entries of `paths`.
Status record_files(const std::string& key,
                    const std::vector<fs::path>& paths,
                    std::vector<std::pair<std::string, gguf::Value>>& out) {
    std::vector<std::string> names, sums;
    for (const fs::path& p : paths) {
        Result<uint64_t> h = file_xxh64(p);
        if (!h) {
            return h.error();
        }
        names.push_back(p.string());
        sums.push_back(hex64(*h));
    }
    out.emplace_back("ruvllm.train." + key, gguf::Array::of(names));
    out.emplace_back("ruvllm.train." + key + "_xxh64", gguf::Array::of(sums));
    return ok();
}

// 1. The training files (the first defines the labels), then val and test on those labels.
Result<Data> load_data(const TrainRouterConfig& cfg) {
    if (cfg.data.empty()) {
        return make_error(Errc::invalid_argument, "train: no training data, expected a file");
    }
    Data d;
    for (const fs::path& path : cfg.data) {
        size_t skipped = 0;
        const bool fixed = !d.train.labels.empty();
        Result<LabeledSet> part =
            load_labeled(path, cfg.data_options, d.train.labels, fixed, &skipped);
        if (!part) {
            return part.error();
        }
        d.skipped += skipped;
        d.train.labels = part->labels;
        for (LabeledExample& ex : part->rows) {
            d.train.rows.push_back(std::move(ex));
        }
    }
    // A dataset directory as --val / --test gives its validation / test split (labeled.h).
    DataOptions val_options = cfg.data_options, test_options = cfg.data_options;
    val_options.split = "validation";
    test_options.split = "test";
    const std::tuple<fs::path, LabeledSet*, const DataOptions*> held_out[] = {
        {cfg.val, &d.val, &val_options}, {cfg.test, &d.test, &test_options}};
    for (const auto& [path, dst, options] : held_out) {
        if (path.empty()) {
            continue;
        }
        Result<LabeledSet> part = load_labeled(path, *options, d.train.labels, true);
        if (!part) {
            return part.error();
        }
        *dst = std::move(*part);
    }
    // The files read (a directory's split files), with their checksums.
    auto files_of = [](const std::vector<fs::path>& paths,
                       const DataOptions& options) -> Result<std::vector<fs::path>> {
        std::vector<fs::path> out;
        for (const fs::path& p : paths) {
            Result<std::vector<fs::path>> f = labeled_files(p, options);
            if (!f) {
                return f.error();
            }
            out.insert(out.end(), f->begin(), f->end());
        }
        return out;
    };
    const std::tuple<std::string, std::vector<fs::path>, const DataOptions*> inputs[] = {
        {"data", cfg.data, &cfg.data_options},
        {"val",
         cfg.val.empty() ? std::vector<fs::path>{} : std::vector<fs::path>{cfg.val},
         &val_options},
        {"test",
         cfg.test.empty() ? std::vector<fs::path>{} : std::vector<fs::path>{cfg.test},
         &test_options}};
    for (const auto& [key, paths, options] : inputs) {
        if (paths.empty()) {
            continue;
        }
        Result<std::vector<fs::path>> files = files_of(paths, *options);
        if (!files) {
            return files.error();
        }
        if (Status s = record_files(key, *files, d.files); !s) {
            return s.error();
        }
    }
    return d;
}

// An output that is also an input would destroy it: refused before any work.
Status check_outputs(const TrainRouterConfig& cfg, const fs::path& stats) {
    std::vector<fs::path> inputs = cfg.data;
    inputs.insert(inputs.end(), {cfg.val, cfg.test, cfg.base, cfg.resume});
    return check_outputs_differ({cfg.out, stats}, inputs);
}

// 2. The base: --base, or the default subword base; a LoRA asks for enough layers.
Result<std::shared_ptr<const Base>> open_router_base(const TrainRouterConfig& cfg, const Log& log) {
    const int want = cfg.train.lora.layers;
    if (cfg.base.empty() && want > 0) {
        // The default base is the subword base: say so before pretraining it.
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(want) +
                              " needs a Qwen2 --base, expected a qwen2 GGUF (got the default "
                              "subword base)");
    }
    Result<std::shared_ptr<const Base>> base =
        cfg.base.empty() ? default_base(log) : open_base(cfg.base, cfg.base_options);
    if (!base) {
        return base.error();
    }
    const int have = (*base)->n_layers();
    if (want > 0 && have == 0) {
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(want) +
                              " needs a Qwen2 --base, expected a qwen2 GGUF (got " +
                              cfg.base.string() + ")");
    }
    if (want > have) {
        return make_error(Errc::invalid_argument,
                          "--lora-layers " + std::to_string(want) + ", expected 0 to the base's " +
                              std::to_string(have) + " layers");
    }
    return base;
}

// What a checkpoint records so that --resume can refuse another run's: the base file (XXH64 of
// its first 8 MiB and its size: a subword base's rows are tuned in the checkpoint, so the file is
// what identifies it) and the settings that shape training (not --epochs, which a resumed run
// may extend).
std::string base_identity(const TrainRouterConfig& cfg) {
    const fs::path path = cfg.base.empty() ? default_base_path() : cfg.base;
    uint64_t bytes = 0;
    Result<uint64_t> h = file_xxh64(path, uint64_t{8} << 20, &bytes);
    return h ? hex64(*h) + "/" + std::to_string(bytes) : std::string("unknown");
}

std::string training_settings(const TrainConfig& tc) {
    return strformat(
        "dim=%d batch=%d lr=%g tau=%g margin=%g w_ce=%g w_triplet=%g w_nce=%g hard_ratio=%g "
        "tune_embeddings=%d word_dropout=%g attention_pooling=%d seed=%llu",
        tc.dim,
        tc.batch,
        static_cast<double>(tc.adam.lr),
        static_cast<double>(tc.tau),
        static_cast<double>(tc.margin),
        static_cast<double>(tc.w_ce),
        static_cast<double>(tc.w_triplet),
        static_cast<double>(tc.w_nce),
        static_cast<double>(tc.hard_ratio),
        tc.tune_embeddings ? 1 : 0,
        static_cast<double>(tc.word_dropout),
        tc.attention_pooling ? 1 : 0,
        static_cast<unsigned long long>(tc.seed));
}

// The string value of `key` in a model's info, or "" when absent.
std::string info_string(const RouterModel& m, const std::string& key) {
    for (const auto& [k, v] : m.info) {
        if (k == key && std::holds_alternative<std::string>(v)) {
            return std::get<std::string>(v);
        }
    }
    return "";
}

// 3a. A fresh router, or the --resume checkpoint (then the epochs left and its prototypes).
Result<RouterModel> init_or_resume(const TrainRouterConfig& cfg,
                                   std::shared_ptr<const Base> base,
                                   const LabeledSet& train,
                                   TrainConfig& tc,
                                   int& start_epoch,
                                   const Log& log) {
    Rng rng(tc.seed);
    RouterModel model = RouterModel::init(std::move(base), train.labels, tc.dim, rng);
    model.tau = tc.tau;
    start_epoch = 0;
    if (cfg.resume.empty()) {
        return model;
    }
    Result<RouterModel> ck = RouterModel::load(cfg.resume);
    if (!ck) {
        return ck.error();
    }
    if (ck->labels != train.labels || ck->E != tc.dim || ck->D() != model.D()) {
        return make_error(Errc::invalid_argument,
                          cfg.resume.string() +
                              ": checkpoint does not match this run (labels, --dim or base "
                              "differ), expected the same data and settings");
    }
    if (ck->base->describe() != model.base->describe()) {
        return make_error(Errc::invalid_argument,
                          cfg.resume.string() + ": checkpoint was trained on another base (" +
                              ck->base->describe() + "), expected this run's (" +
                              model.base->describe() + ")");
    }
    // The same base file and settings (checkpoints since #16 record them).
    const std::string ck_base = info_string(*ck, "ruvllm.train.checkpoint_base");
    const std::string run_base = ck_base.empty() ? "" : base_identity(cfg);
    if (!ck_base.empty() && ck_base != run_base) {
        return make_error(Errc::invalid_argument,
                          cfg.resume.string() + ": checkpoint was trained on another base file " +
                              "(xxh64/bytes " + ck_base + "), expected this run's " +
                              (cfg.base.empty() ? default_base_path() : cfg.base).string() + " (" +
                              run_base + ")");
    }
    const std::string ck_settings = info_string(*ck, "ruvllm.train.checkpoint_settings");
    if (!ck_settings.empty() && ck_settings != training_settings(tc)) {
        // Name the first setting that differs.
        std::istringstream a(ck_settings), b(training_settings(tc));
        std::string x, y;
        while (a >> x && b >> y && x == y) {
        }
        return make_error(Errc::invalid_argument,
                          cfg.resume.string() + ": checkpoint was trained with " + x +
                              ", this run has " + y + ", expected the same settings to resume");
    }
    bool is_checkpoint = false;
    for (const auto& [k, v] : ck->info) {
        if (k == "ruvllm.train.checkpoint_epoch" && std::holds_alternative<uint32_t>(v)) {
            start_epoch = static_cast<int>(std::get<uint32_t>(v));
            is_checkpoint = true;
        }
    }
    if (!is_checkpoint) {
        return make_error(Errc::invalid_argument,
                          cfg.resume.string() +
                              ": is not a checkpoint (no ruvllm.train.checkpoint_epoch), expected "
                              "an epoch-NNN.gguf from the checkpoint directory");
    }
    if (start_epoch > tc.epochs) {
        return make_error(Errc::invalid_argument,
                          cfg.resume.string() + ": checkpoint is at epoch " +
                              std::to_string(start_epoch) + ", expected at most --epochs " +
                              std::to_string(tc.epochs));
    }
    model = std::move(*ck);
    model.info.clear();
    tc.init_prototypes = false;
    tc.epochs -= start_epoch;
    // The last epoch's checkpoint (a run killed after its training loop, in calibration or the
    // stages after it): no epoch is left, the stages after the loop run on its parameters.
    log.say("train: resuming from " + cfg.resume.string() + " at epoch " +
            std::to_string(start_epoch) +
            (tc.epochs == 0 ? " (no epoch left: the stages after training run on it)" : ""));
    return model;
}

// 3b. train() with progress, the embedding summary and the checkpoints.
Result<TrainResult> run_training(const TrainRouterConfig& cfg,
                                 RouterModel& model,
                                 const Data& d,
                                 TrainConfig tc,
                                 int start_epoch,
                                 const Log& log) {
    const fs::path ck_dir = cfg.checkpoint_dir.empty() ? fs::path(cfg.out.string() + ".checkpoints")
                                                       : cfg.checkpoint_dir;
    auto embed_t0 = std::chrono::steady_clock::now();
    const bool lora = tc.lora.layers > 0;
    tc.on_embed = [&](size_t done, size_t total) {
        if (done <= 1) {
            embed_t0 = std::chrono::steady_clock::now();
        }
        log.count("embed", static_cast<double>(done), static_cast<double>(total), "texts");
        if (done == total) {
            // A progress bar is silent off a terminal: this long step still leaves one line.
            log.say(
                strformat("train: %zu texts through the base's %s in %.1f s",
                          total,
                          lora ? "frozen lower layers" : "layers",
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - embed_t0)
                              .count()));
        }
    };
    // Progress in examples: step s of an epoch of N examples in batches of B.
    const auto N = static_cast<int64_t>(d.train.rows.size());
    const auto B = static_cast<int64_t>(tc.batch);
    const int64_t steps_per_epoch = (N + B - 1) / B;
    const auto all_examples = static_cast<double>(N * tc.epochs);
    // Without --val, train() picks epochs on training accuracy (EpochStats::val_accuracy is it).
    const char* acc_name = cfg.val.empty() ? "train acc" : "val acc";
    int64_t epoch_now = 1;  // of this run, from 1
    int last_epoch = 0;     // the last finished one
    double last_acc = 0, last_loss = 0, last_done = 0;
    auto report = [&]() {
        std::string note = strformat("epoch %d/%d, loss %.4f",
                                     start_epoch + static_cast<int>(epoch_now),
                                     start_epoch + tc.epochs,
                                     last_loss);
        if (last_epoch > 0) {
            note += strformat(", %s %.3f", acc_name, last_acc);  // the last finished epoch's
        }
        log.count("train", last_done, all_examples, "examples", note);
    };
    Status checkpoint_status = ok();
    const std::string base_id = cfg.checkpoint_every > 0 ? base_identity(cfg) : "";
    // The settings before a resume shortened the epochs (not part of them).
    const std::string settings = training_settings(tc);
    Result<TrainResult> res = train(
        model,
        d.train,
        cfg.val.empty() ? nullptr : &d.val,
        tc,
        [&](int64_t step, int64_t, double loss) {
            const int64_t before = (step - 1) / steps_per_epoch;  // epochs before this step's
            epoch_now = before + 1;
            last_loss = loss;
            const int64_t in_epoch = std::min(N, (step - before * steps_per_epoch) * B);
            last_done = static_cast<double>(before * N + in_epoch);
            report();
        },
        [&](const EpochStats& st, const RouterModel& current) {
            last_epoch = st.epoch;
            last_acc = st.val_accuracy;
            report();  // the epoch's accuracy; the last epoch's ends the bar with it
            const int epoch = start_epoch + st.epoch;
            if (cfg.checkpoint_every > 0 && epoch % cfg.checkpoint_every == 0) {
                std::error_code ec;
                fs::create_directories(ck_dir, ec);
                RouterModel ck = current;
                ck.info = {{"ruvllm.train.checkpoint_epoch", static_cast<uint32_t>(epoch)},
                           {"ruvllm.train.seed", tc.seed},
                           {"ruvllm.train.checkpoint_base", base_id},
                           {"ruvllm.train.checkpoint_settings", settings}};
                checkpoint_status =
                    ck.save(ck_dir / strformat("epoch-%03d.gguf", epoch), TensorType::f32);
                if (!checkpoint_status) {
                    return false;
                }
                // Rotation: only the newest keep_checkpoints of this run's cadence stay.
                const int old = epoch - cfg.keep_checkpoints * cfg.checkpoint_every;
                if (cfg.keep_checkpoints > 0 && old > 0) {
                    fs::remove(ck_dir / strformat("epoch-%03d.gguf", old), ec);
                }
            }
            return true;
        });
    if (!res) {
        return res.error();
    }
    if (!checkpoint_status) {
        return checkpoint_status.error();
    }
    // Epochs numbered from the start of the whole training, not of this resumed part.
    for (EpochStats& e : res->history) {
        e.epoch += start_epoch;
    }
    res->best_epoch += start_epoch;
    res->epochs_completed += start_epoch;
    if (last_done < all_examples) {  // stopped early (patience): the step ends where it is
        log.count("train",
                  last_done,
                  last_done,
                  "examples",
                  strformat("stopped early after epoch %d, %s %.3f",
                            start_epoch + last_epoch,
                            acc_name,
                            last_acc));
    }
    return res;
}

struct Calibration {
    double ece_before = -1, ece_after = -1;
};

// 4. The softmax temperature fitted on the validation split.
Calibration calibrate(RouterModel& model, const LabeledSet& val, const Log& log) {
    Calibration c;
    std::vector<float> scores(val.rows.size() * static_cast<size_t>(model.A()));
    std::vector<int32_t> labels;
    for (size_t i = 0; i < val.rows.size(); i++) {
        model.scores(val.rows[i].text, scores.data() + i * static_cast<size_t>(model.A()));
        labels.push_back(val.rows[i].label);
    }
    c.ece_before = ece(scores, labels, model.A(), model.tau);
    model.tau = fit_temperature(scores, labels, model.A());
    c.ece_after = ece(scores, labels, model.A(), model.tau);
    log.say(strformat("train: calibrated on validation: temperature %.4f, ECE %.4f -> %.4f",
                      model.tau,
                      c.ece_before,
                      c.ece_after));
    return c;
}

// The rows the blend is fitted on: cosines (N, A), sparse logits (N, A), labels (N).
struct BlendRows {
    std::vector<float> cos, logits;
    std::vector<int32_t> labels;

    // One text scored by `m`'s embedding stage (cosines times cos_scale) and by `sp`.
    void add(const RouterModel& m,
             const SparseModel& sp,
             const std::string& text,
             int32_t label,
             float cos_scale) {
        const size_t at = cos.size();
        const auto A = static_cast<size_t>(m.A());
        cos.resize(at + A);
        logits.resize(at + A);
        m.scores(text, cos.data() + at);
        for (size_t a = 0; a < A; a++) {
            cos[at + a] *= cos_scale;
        }
        sp.logits(text, logits.data() + at);
        labels.push_back(label);
    }
};

// Whether the blend is cross-fitted (TrainRouterConfig::cross_fit_folds).
bool cross_fit_applies(const TrainRouterConfig& cfg, const Data& d) {
    return cfg.cross_fit_folds >= 2 && !d.val.rows.empty() &&
           d.val.rows.size() < cfg.cross_fit_below &&
           d.train.rows.size() <= cfg.cross_fit_max_train &&
           d.train.rows.size() >= static_cast<size_t>(cfg.cross_fit_folds);
}

// 6b'. Out-of-fold rows for the blend fit (TrainRouterConfig::cross_fit_folds). The training
// rows are dealt to K folds, stratified: each label's rows in a seeded order, dealt round-robin
// with one counter across labels. Fold f is scored by an embedding stage (from the pretrained
// `base`, trained by train() with `tc`, the settings of the run from scratch, and the
// validation split, its temperature calibrated on that split) and a sparse stage, both trained
// on the other folds.
// Its cosines are scaled by tau / tau_f, so that the final router's temperature tau gives the
// fold router's calibrated softmax in blend_nll.
Status add_out_of_fold(const TrainRouterConfig& cfg,
                       const std::shared_ptr<const Base>& base,
                       const Data& d,
                       const TrainConfig& tc,
                       const SparseConfig& sc,
                       float tau,
                       BlendRows& rows,
                       const Log& log) {
    const LabeledSet& all = d.train;
    const int K = cfg.cross_fit_folds;
    const int A = static_cast<int>(all.labels.size());
    std::vector<std::vector<size_t>> by_label(static_cast<size_t>(A));
    for (size_t i = 0; i < all.rows.size(); i++) {
        const int32_t y = all.rows[i].label;
        if (y >= 0 && y < A) {
            by_label[static_cast<size_t>(y)].push_back(i);
        }
    }
    Rng rng(tc.seed ^ 0x63726f7373666974ull);    // "crossfit"
    std::vector<int> fold(all.rows.size(), -1);  // -1: in every fold's training part
    size_t dealt = 0;
    for (std::vector<size_t>& ids : by_label) {
        for (size_t i = ids.size(); i > 1; i--) {
            std::swap(ids[i - 1], ids[rng.below(static_cast<uint32_t>(i))]);
        }
        for (const size_t id : ids) {
            fold[id] = static_cast<int>(dealt++ % static_cast<size_t>(K));
        }
    }
    std::vector<float> scores(d.val.rows.size() * static_cast<size_t>(A));
    std::vector<int32_t> val_labels;
    for (const LabeledExample& ex : d.val.rows) {
        val_labels.push_back(ex.label);
    }
    log.count("cross-fit", 0, K, "folds");
    for (int f = 0; f < K; f++) {
        LabeledSet part;
        part.labels = all.labels;
        for (size_t i = 0; i < all.rows.size(); i++) {
            if (fold[i] != f) {
                part.rows.push_back(all.rows[i]);
            }
        }
        Rng init_rng(tc.seed);
        RouterModel m = RouterModel::init(base, all.labels, tc.dim, init_rng);
        m.tau = tc.tau;
        Result<TrainResult> res = train(m, part, &d.val, tc);
        if (!res) {
            return with_context(res.error(), strformat("train: cross-fit fold %d", f + 1));
        }
        for (size_t i = 0; i < d.val.rows.size(); i++) {
            m.scores(d.val.rows[i].text, scores.data() + i * static_cast<size_t>(A));
        }
        const float tau_f = fit_temperature(scores, val_labels, A);
        Result<SparseModel> sp = train_sparse(part, sc, Log{});
        if (!sp) {
            return with_context(sp.error(), strformat("train: cross-fit fold %d", f + 1));
        }
        for (size_t i = 0; i < all.rows.size(); i++) {
            if (fold[i] == f) {
                rows.add(m, *sp, all.rows[i].text, all.rows[i].label, tau / tau_f);
            }
        }
        log.count("cross-fit", f + 1, K, "folds");
    }
    return ok();
}

// 6b. The sparse stage (sparse.h): trained on the training data, its blend weight fitted on
// the validation split (without one the blend weight stays 0.5), and on out-of-fold
// predictions of the training data when the validation split is small (add_out_of_fold, whose
// fold routers train with `tc`, the loop settings of a run from scratch). Returns the stats'
// "sparse".
Result<nlohmann::ordered_json> sparse_stage(const TrainRouterConfig& cfg,
                                            const std::shared_ptr<const Base>& base,
                                            RouterModel& model,
                                            const Data& d,
                                            const TrainConfig& tc,
                                            const Log& log) {
    const auto t0 = std::chrono::steady_clock::now();
    SparseConfig sc = cfg.sparse_config;
    sc.seed = cfg.train.seed;
    Result<SparseModel> sm = train_sparse(d.train, sc, log);
    if (!sm) {
        return sm.error();
    }
    model.sparse = std::move(*sm);
    nlohmann::ordered_json j;
    j["rows"] = model.sparse.rows();
    j["epochs"] = model.sparse.config().epochs;  // sparse_epochs(): more for small data
    j["lr"] = sc.lr;
    float alpha = 0.5f, temperature = 1.0f;
    if (!d.val.rows.empty()) {
        const int A = model.A();
        const size_t N = d.val.rows.size();
        BlendRows val;
        for (const LabeledExample& ex : d.val.rows) {
            val.add(model, model.sparse, ex.text, ex.label, 1.0f);
        }
        const std::vector<float>& cos = val.cos;
        const std::vector<float>& logits = val.logits;
        const std::vector<int32_t>& labels = val.labels;
        std::string fitted_on = "validation";
        BlendRows with_oof;  // validation plus out-of-fold training rows, when cross-fitted
        const BlendRows* fit_rows = &val;
        if (cross_fit_applies(cfg, d)) {
            const auto tc0 = std::chrono::steady_clock::now();
            log.say(
                strformat("train: cross-fitting the blend: validation has %zu examples, "
                          "fewer than %zu; %d routers on folds of the training data",
                          N,
                          cfg.cross_fit_below,
                          cfg.cross_fit_folds));
            with_oof = val;
            if (Status s = add_out_of_fold(cfg, base, d, tc, sc, model.tau, with_oof, log); !s) {
                return s.error();
            }
            fit_rows = &with_oof;
            const size_t oof = with_oof.labels.size() - N;
            j["cross_fit"] = {
                {"folds", cfg.cross_fit_folds},
                {"rows", oof},
                {"seconds",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - tc0).count()}};
            fitted_on = strformat("validation and %zu out-of-fold training predictions", oof);
        }
        const BlendFit fit =
            fit_blend(fit_rows->cos, model.tau, fit_rows->logits, fit_rows->labels, A);
        alpha = fit.alpha;
        temperature = fit.temperature;
        // Validation accuracy of each stage and of the blend (argmax; ties to the lower index).
        size_t ok_e = 0, ok_s = 0, ok_b = 0;
        std::vector<float> p(static_cast<size_t>(A));
        for (size_t i = 0; i < N; i++) {
            ok_e += argmax(cos.data() + i * A, A) == labels[i] ? 1 : 0;
            ok_s += argmax(logits.data() + i * A, A) == labels[i] ? 1 : 0;
            blend_probs(cos.data() + i * A,
                        model.tau,
                        logits.data() + i * A,
                        alpha,
                        A,
                        p.data(),
                        temperature);
            ok_b += argmax(p.data(), A) == labels[i] ? 1 : 0;
        }
        const auto n = static_cast<double>(N);
        j["val_accuracy"] = {{"embedding", static_cast<double>(ok_e) / n},
                             {"sparse", static_cast<double>(ok_s) / n},
                             {"blend", static_cast<double>(ok_b) / n}};
        j["val_nll"] = {
            {"embedding", blend_nll(cos, model.tau, logits, labels, A, 1.0f)},
            {"sparse", blend_nll(cos, model.tau, logits, labels, A, 0.0f)},
            {"blend", blend_nll(cos, model.tau, logits, labels, A, alpha, temperature)}};
        log.say(
            strformat("train: sparse stage: %zu n-gram rows; validation accuracy embedding "
                      "%.4f, sparse %.4f, blend %.4f (alpha %.2f, sparse temperature %g fitted "
                      "on %s)",
                      model.sparse.rows(),
                      static_cast<double>(ok_e) / n,
                      static_cast<double>(ok_s) / n,
                      static_cast<double>(ok_b) / n,
                      static_cast<double>(alpha),
                      static_cast<double>(temperature),
                      fitted_on.c_str()));
    } else {
        log.say(strformat("train: sparse stage: %zu n-gram rows; no --val, blend weight %.2f",
                          model.sparse.rows(),
                          static_cast<double>(alpha)));
    }
    model.sparse.set_alpha(alpha);
    model.sparse.set_temperature(temperature);
    j["alpha"] = alpha;
    j["temperature"] = temperature;
    j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return j;
}

// 7. The keyword stage: the library's agent keywords, pruned on the training data, then on the
// validation split's held-out templates when there is one.
Status keyword_stage(const TrainRouterConfig& cfg,
                     RouterModel& model,
                     const LabeledSet& train,
                     const LabeledSet& val,
                     const Log& log) {
    Result<Library> lib =
        load_library(cfg.keywords_library.empty() ? default_library_dir() : cfg.keywords_library);
    if (!lib) {
        return lib.error();
    }
    KeywordConfig kcfg = cfg.keyword_config;
    kcfg.min_support = std::max<uint32_t>(1, kcfg.min_support);
    const std::vector<KeywordRule> candidates = library_rules(*lib, train.labels);
    const std::vector<KeywordRule> kept = prune_rules(candidates, train, kcfg);
    std::vector<KeywordRule> rules = kept;
    if (!val.rows.empty()) {
        rules = prune_rules_held_out(kept, val, kcfg);
    }
    model.keywords = KeywordStage(rules, model.A(), kcfg);
    log.say(
        strformat("train: keyword stage: %zu of %zu library rules kept (precision >= %.2f "
                  "over >= %u training texts; %zu more dropped below it on validation)",
                  model.keywords.rules().size(),
                  candidates.size(),
                  kcfg.min_precision,
                  cfg.keyword_config.min_support,
                  kept.size() - rules.size()));
    return ok();
}

// 8a. The config the model was trained with, in its ruvllm.train.* keys, before what the
// later steps recorded (ruvllm.grpo.*).
void record_config(RouterModel& model,
                   const TrainConfig& tc,
                   const TrainResult& res,
                   const Data& d,
                   const Calibration& cal) {
    const Base& base = *model.base;
    const std::vector<std::pair<std::string, gguf::Value>> later = std::move(model.info);
    model.info = {
        {"ruvllm.train.seed", tc.seed},
        {"ruvllm.train.epochs", static_cast<uint32_t>(tc.epochs)},
        {"ruvllm.train.batch", static_cast<uint32_t>(tc.batch)},
        {"ruvllm.train.lr", tc.adam.lr},
        {"ruvllm.train.weight_decay", tc.adam.weight_decay},
        {"ruvllm.train.margin", tc.margin},
        {"ruvllm.train.tau", tc.tau},
        {"ruvllm.train.w_ce", tc.w_ce},
        {"ruvllm.train.w_triplet", tc.w_triplet},
        {"ruvllm.train.w_nce", tc.w_nce},
        {"ruvllm.train.hard_ratio", tc.hard_ratio},
        {"ruvllm.train.tune_embeddings", tc.tune_embeddings && base.has_rows()},
        {"ruvllm.train.word_dropout", base.has_rows() ? tc.word_dropout : 0.0f},
        {"ruvllm.train.attention_pooling", tc.attention_pooling && base.has_rows()},
        {"ruvllm.train.examples", static_cast<uint64_t>(d.train.rows.size())},
        {"ruvllm.train.best_epoch", static_cast<uint32_t>(res.best_epoch)},
        {"ruvllm.train.averaged_epochs", static_cast<uint32_t>(res.averaged_epochs)},
    };
    model.info.insert(model.info.end(), d.files.begin(), d.files.end());
    if (base.n_layers() > 0) {
        model.info.emplace_back("ruvllm.train.lora_layers", static_cast<uint32_t>(tc.lora.layers));
        if (tc.lora.layers > 0) {
            model.info.emplace_back("ruvllm.train.lora_rank", static_cast<uint32_t>(tc.lora.rank));
            model.info.emplace_back("ruvllm.train.lora_lr", tc.lora.lr);
            model.info.emplace_back("ruvllm.train.lora_ffn", tc.lora.ffn);
        }
    }
    model.info.insert(model.info.end(), later.begin(), later.end());
    if (cal.ece_after >= 0) {
        model.info.emplace_back("ruvllm.metrics.val_ece_uncalibrated",
                                static_cast<float>(cal.ece_before));
        model.info.emplace_back("ruvllm.metrics.val_ece", static_cast<float>(cal.ece_after));
    }
}

nlohmann::ordered_json metrics_json(const Metrics& m, const std::vector<std::string>& labels) {
    nlohmann::ordered_json j;
    j["examples"] = m.n;
    j["accuracy"] = m.accuracy;
    j["macro_f1"] = m.macro_f1;
    j["triplets"] = m.n_triplets;
    j["triplet_accuracy"] = m.triplet_accuracy;
    j["hard_negatives"] = m.n_hard;
    j["hard_negative_accuracy"] = m.hard_accuracy;
    j["per_label"] = per_label_json(m.per_label, labels);
    j["confusion"] = m.confusion;
    return j;
}

// 8b. The stats JSON (without the test metrics).
nlohmann::ordered_json stats_json(const TrainResult& res,
                                  bool on_val,
                                  const RouterModel& model,
                                  const Calibration& cal,
                                  const LabeledSet& train,
                                  const nlohmann::ordered_json& grpo) {
    nlohmann::ordered_json stats;
    stats["epochs_completed"] = res.epochs_completed;
    stats["final_loss"] = res.final_loss;
    stats["final_accuracy"] = res.final_accuracy;
    stats["best_accuracy"] = res.best_accuracy;
    stats["best_epoch"] = res.best_epoch;
    stats["accuracy_on"] = on_val ? "validation" : "train";
    if (res.average_accuracy >= 0) {
        stats["average_accuracy"] = res.average_accuracy;  // the mean of the epochs
        stats["averaged_epochs"] = res.averaged_epochs;    // 0: the best epoch was kept
    }
    nlohmann::ordered_json hist = nlohmann::ordered_json::array();
    for (const EpochStats& st : res.history) {
        hist.push_back({{"epoch", st.epoch},
                        {"loss", st.loss},
                        {"train_accuracy", st.train_accuracy},
                        {"val_accuracy", st.val_accuracy},
                        {"seconds", st.seconds}});
    }
    stats["history"] = hist;
    stats["train_seconds"] = res.seconds;
    if (cal.ece_after >= 0) {
        stats["calibration"] = {{"temperature", model.tau},
                                {"val_ece_uncalibrated", cal.ece_before},
                                {"val_ece", cal.ece_after}};
    }
    stats["labels"] = train.labels;
    // What the router was trained on, in its own label set (the report's label chart, #17).
    std::vector<size_t> per_label(train.labels.size(), 0);
    for (const LabeledExample& ex : train.rows) {
        if (ex.label >= 0 && static_cast<size_t>(ex.label) < per_label.size()) {
            per_label[static_cast<size_t>(ex.label)]++;
        }
    }
    nlohmann::ordered_json counts = nlohmann::ordered_json::object();
    for (size_t a = 0; a < per_label.size(); a++) {
        counts[train.labels[a]] = per_label[a];
    }
    stats["train_examples_per_label"] = counts;
    if (!grpo.is_null()) {
        stats["grpo"] = grpo;
    }
    return stats;
}

// 8c. Held-out metrics: into the stats JSON and the model's ruvllm.metrics.* keys.
void test_metrics(RouterModel& model,
                  const LabeledSet& test,
                  nlohmann::ordered_json& stats,
                  const Log& log) {
    const Metrics m = evaluate(model, test);
    stats["test"] = metrics_json(m, test.labels);
    model.info.emplace_back("ruvllm.metrics.test_accuracy", static_cast<float>(m.accuracy));
    if (!model.heads.empty()) {
        const HeadReport hr = evaluate_heads(model, model.heads, test);
        stats["test"]["heads"] = {
            {"complexity_accuracy", hr.complexity_accuracy},
            {"complexity_prior_baseline_accuracy", hr.complexity_prior_accuracy},
            {"tier_accuracy", hr.tier_accuracy},
            {"tier_table_baseline_accuracy", hr.tier_table_accuracy},
            {"quality_mae", hr.quality_mae},
            {"examples", hr.n_tier}};
        if (hr.n_tier > 0) {
            log.say(
                strformat("train: held-out heads: complexity %.4f (majority-class baseline "
                          "%.4f), tier %.4f (tier-table baseline %.4f), quality MAE %.4f",
                          hr.complexity_accuracy,
                          hr.complexity_prior_accuracy,
                          hr.tier_accuracy,
                          hr.tier_table_accuracy,
                          hr.quality_mae));
        }
    }
    model.info.emplace_back("ruvllm.metrics.test_macro_f1", static_cast<float>(m.macro_f1));
    std::string line =
        strformat("train: held-out test: accuracy %.4f, macro-F1 %.4f (%zu examples)",
                  m.accuracy,
                  m.macro_f1,
                  m.n);
    // What `route` answers (keyword stage, then the blend): the hybrid's accuracy.
    Result<RouterReport> hybrid = evaluate_router(model, test, RouteConfig{});
    if (hybrid) {
        stats["test"]["hybrid_accuracy"] = hybrid->hybrid.accuracy;
        stats["test"]["hybrid_macro_f1"] = hybrid->hybrid.macro_f1;
        line += strformat("; hybrid (what route answers) %.4f", hybrid->hybrid.accuracy);
    }
    if (m.n_triplets > 0) {
        line += strformat("; triplet accuracy %.4f (%zu), hard-negative accuracy %.4f (%zu)",
                          m.triplet_accuracy,
                          m.n_triplets,
                          m.hard_accuracy,
                          m.n_hard);
    }
    log.say(line);
}

// How the base is trained, for the summary line.
std::string base_training(const Base& base, const TrainConfig& tc) {
    if (tc.lora.layers > 0) {
        return "LoRA rank " + std::to_string(tc.lora.rank) + " on the top " +
               std::to_string(tc.lora.layers) + " layers";
    }
    return base.has_rows() && tc.tune_embeddings ? "rows fine-tuned" : "frozen";
}

}  // namespace

TrainConfig router_training_defaults() {
    TrainConfig t;
    t.adam.lr = 5e-3f;
    t.patience = 5;
    // Measured on validation (the dev set only measured): 0 / 0.1 / 0.25 / 0.4 / 0.55 gave
    // 0.763 / 0.762 / 0.766 / 0.777 / 0.776 held-out embedding accuracy on make run's data.
    t.word_dropout = 0.4f;
    // Measured on validation (#15): the mean of 13 epochs 0.748 against the best epoch's 0.736.
    t.average_epochs = true;
    return t;
}

Result<TrainRouterReport> train_router(const TrainRouterConfig& cfg, const Log& log) {
    const auto t_start = std::chrono::steady_clock::now();
    TrainRouterReport rep;
    rep.out = cfg.out;
    rep.stats_path = cfg.stats.empty() ? fs::path(cfg.out.string() + ".stats.json") : cfg.stats;
    if (Status s = check_outputs(cfg, rep.stats_path); !s) {
        return s.error();
    }
    for (const fs::path& p : {cfg.out, rep.stats_path}) {  // before the work, not after
        if (Status s = check_writable(p); !s) {
            return s.error();
        }
    }
    TrainConfig tc = cfg.train;
    if (Status s = check_config(tc); !s) {  // before any data is read
        return s.error();
    }
    Result<Data> data = load_data(cfg);
    if (!data) {
        return data.error();
    }
    const Data& d = *data;
    rep.examples = d.train.rows.size();
    rep.skipped = d.skipped;
    tc.confusable = confusable_pairs(d.train.labels);
    const TrainConfig fresh = tc;  // a run from scratch, before --resume changes tc
    Result<std::shared_ptr<const Base>> base = open_router_base(cfg, log);
    if (!base) {
        return base.error();
    }
    int start_epoch = 0;
    Result<RouterModel> made = init_or_resume(cfg, *base, d.train, tc, start_epoch, log);
    if (!made) {
        return made.error();
    }
    RouterModel& model = *made;
    log.say(strformat("train: %zu examples, %zu labels, %zu skipped; %s, %s; %d epochs of batch %d",
                      d.train.rows.size(),
                      d.train.labels.size(),
                      d.skipped,
                      model.base->describe().c_str(),
                      base_training(*model.base, tc).c_str(),
                      tc.epochs,
                      tc.batch));
    Result<TrainResult> res = TrainResult{};
    if (tc.epochs > 0) {
        res = run_training(cfg, model, d, tc, start_epoch, log);
    } else {
        res->epochs_completed = res->best_epoch = start_epoch;
    }
    if (!res) {
        return res.error();
    }
    rep.result = *res;
    const Calibration cal = cfg.val.empty() ? Calibration{} : calibrate(model, d.val, log);
    // 5. The heads, when the data carries their targets.
    SparseConfig head_ngrams = cfg.head_ngrams;
    head_ngrams.seed = tc.seed;
    Result<Heads> heads = train_heads(
        model, d.train, cfg.head_epochs, cfg.head_lr, cfg.sparse ? &head_ngrams : nullptr);
    nlohmann::ordered_json head_sources;
    if (heads) {
        model.heads = std::move(*heads);
        if (!d.val.rows.empty()) {
            head_sources = select_heads(model, model.heads, d.val);
            log.say(strformat(
                "train: complexity, tier and quality heads trained; on validation complexity "
                "from %s (%s), tier from %s (%s)",
                head_source_name(model.heads.complexity_source),
                head_sources["complexity"].dump().c_str(),
                head_source_name(model.heads.tier_source),
                head_sources["tier"].dump().c_str()));
        } else {
            log.say("train: complexity, tier and quality heads trained (no --val: from z)");
        }
    } else {
        log.say("train: no heads (" + heads.error().message + ")");
    }
    // 6. GRPO rounds, each gated on the validation split.
    nlohmann::ordered_json grpo;
    if (cfg.grpo.rounds > 0) {
        if (cfg.val.empty()) {
            return make_error(Errc::invalid_argument,
                              "train: --grpo-rounds needs --val (every round is gated on it)");
        }
        GrpoRunConfig g = cfg.grpo;
        g.storage = cfg.storage;
        g.config.seed = tc.seed;
        Result<nlohmann::ordered_json> r = run_grpo_rounds(model, d.train, d.val, g, "", log);
        if (!r) {
            return r.error();
        }
        grpo = std::move(*r);
    }
    nlohmann::ordered_json sparse;
    if (cfg.sparse) {
        Result<nlohmann::ordered_json> sp = sparse_stage(cfg, *base, model, d, fresh, log);
        if (!sp) {
            return sp.error();
        }
        sparse = std::move(*sp);
    }
    if (cfg.keywords) {
        if (Status s = keyword_stage(cfg, model, d.train, d.val, log); !s) {
            return s.error();
        }
    }
    record_config(model, tc, *res, d, cal);
    rep.stats = stats_json(*res, !cfg.val.empty(), model, cal, d.train, grpo);
    if (!sparse.is_null()) {
        rep.stats["sparse"] = std::move(sparse);
    }
    if (!head_sources.is_null()) {
        rep.stats["heads"] = std::move(head_sources);
    }
    if (!cfg.test.empty()) {
        test_metrics(model, d.test, rep.stats, log);
    }
    rep.stats["total_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    // The model, then the stats; a failed stats write takes the model back.
    if (cfg.out.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(cfg.out.parent_path(), ec);
    }
    if (Status s = model.save(cfg.out, cfg.storage); !s) {
        return s.error();
    }
    if (Status s = write_file_atomic(rep.stats_path, rep.stats.dump(2) + "\n"); !s) {
        std::error_code ec;
        fs::remove(cfg.out, ec);
        return s.error();
    }
    const std::string chosen =
        res->averaged_epochs > 0
            ? strformat("the mean of %d epochs (validation accuracy %.4f; best epoch %d)",
                        res->averaged_epochs,
                        res->best_accuracy,
                        res->best_epoch)
            : strformat("best epoch %d (%s accuracy %.4f)",
                        res->best_epoch,
                        cfg.val.empty() ? "train" : "validation",
                        res->best_accuracy);
    log.say(strformat("train: %d epochs in %.1f s; %s -> %s, %s",
                      res->epochs_completed,
                      res->seconds,
                      chosen.c_str(),
                      cfg.out.c_str(),
                      rep.stats_path.c_str()));
    return rep;
}

}  // namespace ruvllm
