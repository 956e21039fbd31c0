// triplets.cpp: seed-format triplets with table and mined hard negatives (see triplets.h).
#include <cmath>
#include <cstdio>
#include <optional>

#include <ruvllm/core/io.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/train/triplets.h>

namespace ruvllm {

Result<std::vector<Triplet>> make_triplets(const LabeledSet& data,
                                           const RouterModel* model,
                                           const TripletConfig& cfg,
                                           TripletReport* report) {
    const int A = static_cast<int>(data.labels.size());
    if (A < 2) {
        return make_error(Errc::invalid_argument, "triplets: need at least 2 labels");
    }
    const size_t N = data.rows.size();
    std::vector<float> z;
    int E = 0;
    if (model != nullptr) {
        for (const std::string& l : data.labels) {
            if (model->label_index(l) < 0) {
                return make_error(Errc::invalid_argument,
                                  "triplets: label '" + l +
                                      "' is not a label of the model, "
                                      "expected the model's label set");
            }
        }
        E = model->E;
        z.resize(N * static_cast<size_t>(E));
        for (size_t i = 0; i < N; i++) {
            model->embed(data.rows[i].text, z.data() + i * static_cast<size_t>(E));
        }
    }
    std::vector<std::vector<int32_t>> partners(static_cast<size_t>(A));
    for (const auto& [a, b] : confusable_pairs(data.labels)) {
        partners[static_cast<size_t>(a)].push_back(b);
        partners[static_cast<size_t>(b)].push_back(a);
    }
    Rng rng(cfg.seed);
    TripletReport rep;
    std::vector<Triplet> out;
    out.reserve(N);
    for (size_t i = 0; i < N; i++) {
        const LabeledExample& ex = data.rows[i];
        Triplet t{ex.text, data.labels[static_cast<size_t>(ex.label)], "", false, "random"};
        int32_t neg = -1;
        if (rng.bernoulli(cfg.hard_ratio)) {
            if (model != nullptr) {
                // Nearest example with another label.
                float best = -2.0f;
                size_t best_j = N;
                const float* zi = z.data() + i * static_cast<size_t>(E);
                for (size_t j = 0; j < N; j++) {
                    if (data.rows[j].label == ex.label) {
                        continue;
                    }
                    const float* zj = z.data() + j * static_cast<size_t>(E);
                    float dot = 0;
                    for (int e = 0; e < E; e++) {
                        dot += zi[e] * zj[e];
                    }
                    if (dot > best) {
                        best = dot;
                        best_j = j;
                    }
                }
                if (best_j < N && best < cfg.near_duplicate) {
                    neg = data.rows[best_j].label;
                    char reason[48];
                    std::snprintf(reason, sizeof(reason), "mined:cos=%.3f", best);
                    t.reason = reason;
                    rep.mined++;
                } else if (best_j < N) {
                    rep.near_duplicates_skipped++;
                }
            }
            const std::vector<int32_t>& p = partners[static_cast<size_t>(ex.label)];
            if (neg < 0 && !p.empty()) {
                neg = p[rng.below(static_cast<uint32_t>(p.size()))];
                t.reason = "confusable-pair";
                rep.table++;
            }
            t.hard = neg >= 0;
        }
        if (neg < 0) {
            neg = static_cast<int32_t>(rng.below(static_cast<uint32_t>(A - 1)));
            neg += neg >= ex.label ? 1 : 0;
            t.reason = "random";
            rep.random++;
        }
        t.negative = data.labels[static_cast<size_t>(neg)];
        out.push_back(std::move(t));
    }
    rep.total = out.size();
    if (report != nullptr) {
        *report = rep;
    }
    return out;
}

Status write_triplets(const std::filesystem::path& path, const std::vector<Triplet>& triplets) {
    Result<AtomicFile> f = AtomicFile::create(path);
    if (!f) {
        return f.error();
    }
    std::string line;
    for (const Triplet& t : triplets) {
        line.clear();
        line += "{\"anchor\":";
        append_json_string(line, t.anchor);
        line += ",\"positive\":";
        append_json_string(line, t.positive);
        line += ",\"negative\":";
        append_json_string(line, t.negative);
        line += t.hard ? ",\"isHard\":true" : ",\"isHard\":false";
        line += ",\"reason\":";
        append_json_string(line, t.reason);
        line += "}\n";
        std::fwrite(line.data(), 1, line.size(), f->stream());
    }
    return f->commit();
}

Result<TripletReport> build_triplets(const TripletsJob& job, const Log& log) {
    if (Status s = check_outputs_differ({job.out}, {job.data, job.model}); !s) {
        return s.error();
    }
    if (!(job.hard_ratio >= 0.0f && job.hard_ratio <= 1.0f)) {
        return make_error(Errc::invalid_argument,
                          strformat("triplets: hard_ratio %g, expected 0 to 1",
                                    static_cast<double>(job.hard_ratio)));
    }
    DataOptions dopt;
    dopt.text_field = job.text_field;
    dopt.label_field = job.label_field;
    Result<LabeledSet> data = load_labeled(job.data, dopt);
    if (!data) {
        return data.error();
    }
    std::optional<RouterModel> model;
    if (!job.model.empty()) {
        Result<RouterModel> m = RouterModel::load(job.model);
        if (!m) {
            return m.error();
        }
        model.emplace(std::move(*m));
    }
    const TripletConfig cfg{job.hard_ratio, job.near_duplicate, job.seed};
    TripletReport rep;
    Result<std::vector<Triplet>> t = make_triplets(*data, model ? &*model : nullptr, cfg, &rep);
    if (!t) {
        return t.error();
    }
    if (Status s = write_triplets(job.out, *t); !s) {
        return s.error();
    }
    log.say(
        strformat("triplets: %zu (%zu hard mined, %zu hard from the confusing pairs, %zu "
                  "random; %zu mined near-duplicates skipped) -> %s",
                  rep.total,
                  rep.mined,
                  rep.table,
                  rep.random,
                  rep.near_duplicates_skipped,
                  job.out.string().c_str()));
    return rep;
}

}  // namespace ruvllm
