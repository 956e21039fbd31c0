// grpo_rounds.cpp: GRPO rounds as one job (grpo_rounds.h).
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <ruvllm/core/io.h>
#include <ruvllm/llm/llm.h>
#include <ruvllm/train/grpo_rounds.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

// Removes <out stem>.round-K.gguf beside `out` for every K this run did not keep: versions an
// earlier run with the same output left, which would pass for this run's (a run that keeps no
// round would otherwise leave the last run's versions beside its report). Other files stay.
void remove_stale_versions(const fs::path& out, const std::set<int>& kept, const Log& log) {
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    const std::string prefix = out.stem().string() + ".round-";
    std::error_code ec;
    std::vector<std::string> removed;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code kind;  // its own: an unreadable entry must not end the listing
        if (name.size() <= prefix.size() + 5 || name.compare(0, prefix.size(), prefix) != 0 ||
            name.compare(name.size() - 5, 5, ".gguf") != 0) {
            continue;
        }
        const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - 5);
        if (digits.size() > 9 ||
            !std::all_of(
                digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            kept.count(std::stoi(digits)) != 0 || !it->is_regular_file(kind)) {
            continue;
        }
        std::error_code rm;
        if (fs::remove(it->path(), rm)) {
            removed.push_back(name);
        }
    }
    if (!removed.empty()) {
        std::sort(removed.begin(), removed.end());
        std::string list;
        for (const std::string& n : removed) {
            list += (list.empty() ? "" : ", ") + n;
        }
        log.say("grpo: removed " + std::to_string(removed.size()) +
                " round version(s) an earlier run left beside " + out.string() + ": " + list);
    }
}

nlohmann::ordered_json round_json(const GrpoRoundReport& r, int k, const std::string& version) {
    return {{"round", k},
            {"tasks", r.tasks},
            {"mean_reward", r.mean_reward},
            {"zero_variance_groups", r.groups_zero_variance},
            {"zero_variance_share", r.zero_variance_share},
            {"loss_first_epoch", r.loss_first},
            {"loss_last_epoch", r.loss_last},
            {"val_reward_before", r.val_before},
            {"val_reward_after", r.val_after},
            {"val_accuracy_before", r.val_accuracy_before},
            {"val_accuracy_after", r.val_accuracy_after},
            {"kept", r.kept},
            {"model", version},
            {"seconds", r.seconds}};
}

std::string round_line(const GrpoRoundReport& r, int k) {
    return strformat(
        "grpo: round %d: %zu tasks, mean reward %.4f, zero-variance groups %.1f%%, loss %.4f -> "
        "%.4f; validation reward %.4f -> %.4f, accuracy %.4f -> %.4f: %s (%.1f s)",
        k,
        r.tasks,
        r.mean_reward,
        100.0 * r.zero_variance_share,
        r.loss_first,
        r.loss_last,
        r.val_before,
        r.val_after,
        r.val_accuracy_before,
        r.val_accuracy_after,
        r.kept ? "kept" : "rolled back",
        r.seconds);
}

}  // namespace

Result<nlohmann::ordered_json> run_grpo_rounds(RouterModel& model,
                                               const LabeledSet& train,
                                               const LabeledSet& val,
                                               const GrpoRunConfig& run,
                                               const fs::path& out,
                                               const Log& log) {
    std::optional<LlmClient> client;
    const GrpoJudge labels = labels_judge(model.labels);
    GrpoJudge judge = labels;
    if (run.judge == "llm") {
        LlmOptions lo;
        lo.api_base = run.api_base;
        if (!run.llm_model.empty()) {
            lo.model = run.llm_model;
        }
        lo.max_tokens_total = run.max_tokens_total;
        lo.cache_dir = run.cache_dir;
        lo.seed = run.config.seed;
        Result<LlmClient> c = LlmClient::create(say_waits(lo, log));
        if (!c) {
            return c.error();
        }
        client.emplace(std::move(*c));
        judge = llm_judge(*client, model.labels);
    } else if (run.judge != "labels") {
        return make_error(Errc::invalid_argument,
                          "grpo: judge '" + run.judge + "', expected labels or llm");
    }
    const GrpoConfig& cfg = run.config;
    nlohmann::ordered_json rounds = nlohmann::ordered_json::array();
    // What the model scores on validation as it stands: each round's before is the last one's
    // after (kept) or before (rolled back), so it is computed once.
    std::optional<std::pair<double, double>> now;
    std::set<int> kept;
    for (int k = 1; k <= run.rounds; k++) {
        Result<GrpoRoundReport> r =
            grpo_round(model, train, val, judge, labels, cfg, k, now ? &*now : nullptr);
        if (!r) {
            return with_context(r.error(), "grpo: round " + std::to_string(k));
        }
        now = r->kept ? std::pair{r->val_after, r->val_accuracy_after}
                      : std::pair{r->val_before, r->val_accuracy_before};
        log.say(round_line(*r, k));
        std::string version;
        if (r->kept && !out.empty()) {
            fs::path v = out;
            v.replace_extension(".round-" + std::to_string(k) + ".gguf");
            Status s = model.save(v, run.storage);
            if (!s) {
                return s.error();
            }
            version = v.string();
        }
        rounds.push_back(round_json(*r, k, version));
        if (!version.empty()) {
            kept.insert(k);
        }
    }
    if (!out.empty()) {
        remove_stale_versions(out, kept, log);
    }
    nlohmann::ordered_json rep;
    rep["judge"] = run.judge;
    rep["config"] = {{"group", cfg.group},
                     {"epochs", cfg.epochs},
                     {"batch", cfg.batch},
                     {"lr", cfg.lr},
                     {"clip", cfg.clip},
                     {"kl", cfg.kl},
                     {"scale_std", cfg.scale_std},
                     {"tasks_per_round", cfg.tasks_per_round},
                     {"seed", cfg.seed}};
    // The denominator of val_accuracy_*: what one task more or less right weighs (#17).
    size_t val_tasks = 0;
    for (const LabeledExample& ex : val.rows) {
        val_tasks += ex.label >= 0 && ex.label < model.A() ? 1 : 0;
    }
    rep["val_tasks"] = val_tasks;
    rep["rounds"] = rounds;
    if (client) {
        const LlmStats st = client->stats();
        rep["llm"] = {{"requests", st.requests_sent},
                      {"cache_hits", st.cache_hits},
                      {"tokens", st.tokens_used}};
    }
    model.info.emplace_back("ruvllm.grpo.rounds", static_cast<uint32_t>(run.rounds));
    model.info.emplace_back("ruvllm.grpo.judge", run.judge);
    return rep;
}

Result<nlohmann::ordered_json> grpo_job(const GrpoJob& job, const Log& log) {
    Result<RouterModel> m = RouterModel::load(job.model);
    if (!m) {
        return m.error();
    }
    DataOptions dopt;
    Result<LabeledSet> train = load_labeled(job.data, dopt, m->labels, true);
    if (!train) {
        return train.error();
    }
    Result<LabeledSet> val = load_labeled(job.val, dopt, m->labels, true);
    if (!val) {
        return val.error();
    }
    // The round versions go beside `out`: its folder first.
    if (job.out.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(job.out.parent_path(), ec);
    }
    Result<nlohmann::ordered_json> rep = run_grpo_rounds(*m, *train, *val, job.run, job.out, log);
    if (!rep) {
        return rep.error();
    }
    Status s = m->save(job.out, job.run.storage);
    if (!s) {
        return s.error();
    }
    const fs::path report =
        job.report.empty() ? fs::path(job.out.string() + ".grpo.json") : job.report;
    (*rep)["model"] = job.out.string();
    s = write_file_atomic(report, rep->dump(2) + "\n");
    if (!s) {
        return s.error();
    }
    log.say("grpo: -> " + job.out.string() + ", " + report.string());
    return rep;
}

}  // namespace ruvllm
