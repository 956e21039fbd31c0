// grpo.cpp: GRPO feedback rounds on the router's prototypes and tier head (grpo.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/llm/llm.h>
#include <ruvllm/nn/loss.h>
#include <ruvllm/nn/optim.h>
#include <ruvllm/router/router.h>
#include <ruvllm/train/grpo.h>

namespace ruvllm {

GrpoJudge labels_judge(const std::vector<std::string>& labels, LabelsJudgeConfig cfg) {
    std::vector<int> category(labels.size(), -1);
    for (size_t a = 0; a < labels.size(); a++) {
        Category c{};
        if (label_category(labels[a], c)) {
            category[a] = static_cast<int>(c);
        }
    }
    return [category, cfg](const LabeledExample& ex,
                           const std::vector<GrpoCandidate>& cands) -> Result<std::vector<float>> {
        std::vector<float> r;
        r.reserve(cands.size());
        const int n = static_cast<int>(category.size());
        for (const GrpoCandidate& c : cands) {
            if (c.agent < 0 || c.agent >= n || ex.label < 0 || ex.label >= n) {
                return make_error(Errc::invalid_argument, "labels judge: label out of range");
            }
            float reward = 0.0f;
            if (c.agent == ex.label) {
                reward = 1.0f;
            } else if (category[static_cast<size_t>(c.agent)] >= 0 &&
                       category[static_cast<size_t>(c.agent)] ==
                           category[static_cast<size_t>(ex.label)]) {
                reward = cfg.partial;
            }
            if (c.tier >= 0 && ex.tier >= 0) {
                const int d = c.tier - ex.tier;
                const float tier_reward = d < 0 ? 1.0f - 0.5f * static_cast<float>(-d)
                                                : 1.0f - cfg.cost * 0.5f * static_cast<float>(d);
                reward += cfg.tier_weight * tier_reward;
            }
            r.push_back(reward);
        }
        return r;
    };
}

std::vector<float> grpo_advantages(const std::vector<float>& rewards, bool scale_std, float eps) {
    const size_t G = rewards.size();
    std::vector<float> adv(G, 0.0f);
    if (G == 0) {
        return adv;
    }
    double mean = 0;
    for (const float r : rewards) {
        mean += r;
    }
    mean /= static_cast<double>(G);
    double var = 0;
    for (const float r : rewards) {
        var += (r - mean) * (r - mean);
    }
    const double sd = std::sqrt(var / static_cast<double>(G));
    if (sd == 0.0) {
        return adv;  // zero variance: no signal
    }
    for (size_t i = 0; i < G; i++) {
        const double a = rewards[i] - mean;
        adv[i] = static_cast<float>(scale_std ? a / (sd + eps) : a);
    }
    return adv;
}

GrpoParams grpo_params(const RouterModel& m) {
    GrpoParams p;
    p.A = m.A();
    p.E = m.E;
    p.tau = m.tau;
    p.alpha = m.sparse.empty() ? 1.0f : m.sparse.alpha();
    p.protos = m.protos;
    if (!m.heads.empty() && m.heads.tier_source == HeadSource::z) {
        p.tier = m.heads.tier;
    }
    return p;
}

void grpo_apply(RouterModel& m, const GrpoParams& p) {
    m.protos = p.protos;
    if (!m.heads.empty() && !p.tier.empty()) {
        m.heads.tier = p.tier;
    }
}

namespace {

void log_softmax(const float* x, int n, float* out) {
    float mx = x[0];
    for (int i = 1; i < n; i++) {
        mx = std::max(mx, x[i]);
    }
    double s = 0;
    for (int i = 0; i < n; i++) {
        s += std::exp(static_cast<double>(x[i] - mx));
    }
    const auto lse = static_cast<float>(mx + std::log(s));
    for (int i = 0; i < n; i++) {
        out[i] = x[i] - lse;
    }
}

// Agent logits alpha z . normalise(P_a) / tau + offset_a (no offset: 0); the normalised rows
// and 1/|P_a| are kept for backward.
void agent_logits(
    const GrpoParams& p, const float* z, const float* offset, float* logits, float* pn, float* r) {
    l2norm_forward(pn, r, p.protos.data(), p.A, p.E);
    for (int a = 0; a < p.A; a++) {
        double dot = 0;
        for (int e = 0; e < p.E; e++) {
            dot += static_cast<double>(z[e]) * pn[static_cast<size_t>(a) * p.E + e];
        }
        logits[a] = static_cast<float>(p.alpha * (dot / p.tau)) + (offset ? offset[a] : 0.0f);
    }
}

void tier_logits(const GrpoParams& p, const float* z, float* logits) {
    for (int k = 0; k < 3; k++) {
        double dot = 0;
        for (int e = 0; e < p.E; e++) {
            dot += static_cast<double>(p.tier[static_cast<size_t>(k) * p.E + e]) * z[e];
        }
        logits[k] = static_cast<float>(dot);
    }
}

struct Forward {
    std::vector<float> pn, r, la, lt;  // normalised prototypes, 1/|P|, log pi_a, log pi_t
};

Forward forward(const GrpoParams& p, const float* z, const float* offset) {
    Forward f;
    f.pn.resize(p.protos.size());
    f.r.resize(static_cast<size_t>(p.A));
    std::vector<float> logits(static_cast<size_t>(p.A));
    agent_logits(p, z, offset, logits.data(), f.pn.data(), f.r.data());
    f.la.resize(static_cast<size_t>(p.A));
    log_softmax(logits.data(), p.A, f.la.data());
    if (!p.tier.empty()) {
        float t[3];
        tier_logits(p, z, t);
        f.lt.resize(3);
        log_softmax(t, 3, f.lt.data());
    }
    return f;
}

double sample_logp(const Forward& f, const GrpoCandidate& o) {
    double lp = f.la[static_cast<size_t>(o.agent)];
    if (!f.lt.empty() && o.tier >= 0) {
        lp += f.lt[static_cast<size_t>(o.tier)];
    }
    return lp;
}

// Inverse-CDF sample from log-probabilities (the last index absorbs rounding).
int32_t sample_log(Rng& rng, const float* logp, int n) {
    double u = rng.uniform_f64();
    for (int i = 0; i < n - 1; i++) {
        u -= std::exp(static_cast<double>(logp[i]));
        if (u < 0) {
            return i;
        }
    }
    return n - 1;
}

double kl(const std::vector<float>& lp, const float* ref) {
    double k = 0;
    for (size_t i = 0; i < lp.size(); i++) {
        k += std::exp(static_cast<double>(lp[i])) * (lp[i] - ref[i]);
    }
    return k;
}

}  // namespace

void grpo_log_policy(
    const GrpoParams& p, const float* z, float* logp_agent, float* logp_tier, const float* offset) {
    const Forward f = forward(p, z, offset);
    std::copy(f.la.begin(), f.la.end(), logp_agent);
    if (!f.lt.empty() && logp_tier != nullptr) {
        std::copy(f.lt.begin(), f.lt.end(), logp_tier);
    }
}

namespace {

// The group loss L (grpo.h) of a forward pass already made.
double group_loss(const Forward& f,
                  const float* ref_agent,
                  const float* ref_tier,
                  const std::vector<GrpoSample>& samples,
                  const GrpoConfig& cfg) {
    double pg = 0;
    for (const GrpoSample& s : samples) {
        const double rho = std::exp(sample_logp(f, s.o) - s.logp_ref);
        const double clipped = std::clamp(rho, 1.0 - cfg.clip, 1.0 + cfg.clip);
        pg += std::min(rho * s.advantage, clipped * s.advantage);
    }
    double loss = samples.empty() ? 0.0 : -pg / static_cast<double>(samples.size());
    double k = kl(f.la, ref_agent);
    if (!f.lt.empty()) {
        k += kl(f.lt, ref_tier);
    }
    return loss + cfg.kl * k;
}

}  // namespace

double grpo_group_loss(const GrpoParams& p,
                       const float* z,
                       const float* ref_agent,
                       const float* ref_tier,
                       const std::vector<GrpoSample>& samples,
                       const GrpoConfig& cfg,
                       const float* offset) {
    return group_loss(forward(p, z, offset), ref_agent, ref_tier, samples, cfg);
}

double grpo_group_backward(const GrpoParams& p,
                           const float* z,
                           const float* ref_agent,
                           const float* ref_tier,
                           const std::vector<GrpoSample>& samples,
                           const GrpoConfig& cfg,
                           float scale,
                           float* dprotos,
                           float* dtier,
                           const float* offset) {
    const Forward f = forward(p, z, offset);
    const int A = p.A, E = p.E;
    const bool has_tier = !f.lt.empty();
    std::vector<double> dla(static_cast<size_t>(A), 0.0), dlt(3, 0.0);  // dL / dlogits
    std::vector<double> pa(static_cast<size_t>(A)), pt(3, 0.0);
    for (int a = 0; a < A; a++) {
        pa[static_cast<size_t>(a)] = std::exp(static_cast<double>(f.la[static_cast<size_t>(a)]));
    }
    if (has_tier) {
        for (int k = 0; k < 3; k++) {
            pt[static_cast<size_t>(k)] =
                std::exp(static_cast<double>(f.lt[static_cast<size_t>(k)]));
        }
    }
    const double G = static_cast<double>(std::max<size_t>(samples.size(), 1));
    for (const GrpoSample& s : samples) {
        const double rho = std::exp(sample_logp(f, s.o) - s.logp_ref);
        const bool active = (s.advantage > 0 && rho <= 1.0 + cfg.clip) ||
                            (s.advantage < 0 && rho >= 1.0 - cfg.clip);
        if (!active) {
            continue;
        }
        const double g = -s.advantage * rho / G;  // dL / dlog pi(o)
        for (int a = 0; a < A; a++) {
            dla[static_cast<size_t>(a)] +=
                g * ((a == s.o.agent ? 1.0 : 0.0) - pa[static_cast<size_t>(a)]);
        }
        if (has_tier && s.o.tier >= 0) {
            for (int k = 0; k < 3; k++) {
                dlt[static_cast<size_t>(k)] +=
                    g * ((k == s.o.tier ? 1.0 : 0.0) - pt[static_cast<size_t>(k)]);
            }
        }
    }
    // KL(pi || ref) w.r.t. the logits: pi_b (log pi_b - log ref_b - KL).
    const double ka = kl(f.la, ref_agent);
    for (int a = 0; a < A; a++) {
        dla[static_cast<size_t>(a)] += cfg.kl * pa[static_cast<size_t>(a)] *
                                       (f.la[static_cast<size_t>(a)] - ref_agent[a] - ka);
    }
    if (has_tier) {
        const double kt = kl(f.lt, ref_tier);
        for (int k = 0; k < 3; k++) {
            dlt[static_cast<size_t>(k)] += cfg.kl * pt[static_cast<size_t>(k)] *
                                           (f.lt[static_cast<size_t>(k)] - ref_tier[k] - kt);
        }
        for (int k = 0; k < 3; k++) {
            for (int e = 0; e < E; e++) {
                dtier[static_cast<size_t>(k) * E + e] +=
                    scale * static_cast<float>(dlt[static_cast<size_t>(k)] * z[e]);
            }
        }
    }
    // logits_a = alpha z . pn_a / tau + offset_a  ->  dpn_a = alpha dla_a z / tau  ->  dP through
    // the normalisation.
    std::vector<float> dpn(static_cast<size_t>(A) * E);
    for (int a = 0; a < A; a++) {
        for (int e = 0; e < E; e++) {
            dpn[static_cast<size_t>(a) * E + e] =
                static_cast<float>(p.alpha * (dla[static_cast<size_t>(a)] * z[e] / p.tau));
        }
    }
    std::vector<float> dp(static_cast<size_t>(A) * E, 0.0f);
    l2norm_backward(dp.data(), dpn.data(), f.pn.data(), f.r.data(), A, E);
    for (size_t i = 0; i < dp.size(); i++) {
        dprotos[i] += scale * dp[i];
    }
    return group_loss(f, ref_agent, ref_tier, samples, cfg);
}

Result<std::pair<double, double>> grpo_validate(const RouterModel& model,
                                                const LabeledSet& data,
                                                const GrpoJudge& judge) {
    RouteConfig rc;
    rc.top = 0;
    double reward = 0;
    size_t right = 0, n = 0;
    for (const LabeledExample& ex : data.rows) {
        if (ex.label < 0 || ex.label >= model.A()) {
            continue;
        }
        n++;
        // What `route` answers (router.h): the keyword stage, then the blend or the embedding
        // stage, then the heads. A task it refuses (or a score that overflows) earns nothing.
        Result<Decision> d = route_task(model, ex.text, rc);
        if (!d || d->label < 0) {
            continue;
        }
        GrpoCandidate c;
        c.agent = d->label;
        c.tier = d->has_heads ? d->tier : -1;
        Result<std::vector<float>> r = judge(ex, {c});
        if (!r) {
            return r.error();
        }
        reward += (*r)[0];
        right += c.agent == ex.label ? 1 : 0;
    }
    const double den = static_cast<double>(std::max<size_t>(n, 1));
    return std::make_pair(reward / den, static_cast<double>(right) / den);
}

Result<GrpoRoundReport> grpo_round(RouterModel& model,
                                   const LabeledSet& train,
                                   const LabeledSet& val,
                                   const GrpoJudge& judge,
                                   const GrpoJudge& gate_judge,
                                   const GrpoConfig& cfg,
                                   int round,
                                   const std::pair<double, double>* known_before) {
    const auto t0 = std::chrono::steady_clock::now();
    GrpoRoundReport rep;
    rep.round = round;
    Result<std::pair<double, double>> before =
        known_before != nullptr ? Result<std::pair<double, double>>(*known_before)
                                : grpo_validate(model, val, gate_judge);
    if (!before) {
        return before.error();
    }
    rep.val_before = before->first;
    rep.val_accuracy_before = before->second;

    const GrpoParams ref = grpo_params(model);
    GrpoParams p = ref;
    const int A = p.A, E = p.E;
    const bool has_tier = !p.tier.empty();
    const bool fixed_tier = !model.heads.empty() && !has_tier;
    Rng rng(cfg.seed ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(round + 1)));

    std::vector<size_t> tasks;
    for (size_t i = 0; i < train.rows.size(); i++) {
        if (train.rows[i].label >= 0 && train.rows[i].label < A) {
            tasks.push_back(i);
        }
    }
    if (cfg.tasks_per_round > 0 && cfg.tasks_per_round < tasks.size()) {
        for (size_t i = 0; i < cfg.tasks_per_round; i++) {
            std::swap(tasks[i], tasks[i + rng.below(static_cast<uint32_t>(tasks.size() - i))]);
        }
        tasks.resize(cfg.tasks_per_round);
    }

    // Sample the groups from the reference policy and score them.
    struct Group {
        std::vector<float> z, ref_a, ref_t;
        std::vector<float> offset;  // the sparse stage's term (grpo.h); empty: none
        std::vector<GrpoSample> samples;
    };

    const bool blended = !model.sparse.empty() && p.alpha < 1.0f;
    std::vector<float> q(blended ? static_cast<size_t>(A) : 0);

    std::vector<Group> groups;
    double reward_sum = 0;
    size_t reward_n = 0;
    for (const size_t t : tasks) {
        const LabeledExample& ex = train.rows[t];
        Group g;
        g.z.resize(static_cast<size_t>(E));
        model.embed(ex.text, g.z.data());
        if (blended) {
            model.sparse.logits(ex.text, q.data());
            const float temperature = model.sparse.temperature();
            for (float& v : q) {
                v /= temperature;
            }
            g.offset.resize(static_cast<size_t>(A));
            log_softmax(q.data(), A, g.offset.data());
            for (float& v : g.offset) {
                v *= 1.0f - p.alpha;
            }
        }
        g.ref_a.resize(static_cast<size_t>(A));
        g.ref_t.assign(3, 0.0f);
        grpo_log_policy(ref,
                        g.z.data(),
                        g.ref_a.data(),
                        has_tier ? g.ref_t.data() : nullptr,
                        g.offset.empty() ? nullptr : g.offset.data());
        // A tier that answers from another source than z is drawn from that source's
        // distribution for the candidate's agent: fixed, so it leaves the ratio and the KL.
        float complexity_p[3];
        const int cx =
            fixed_tier ? model.heads.complexity_probs(g.z.data(), ex.text, complexity_p) : -1;
        std::vector<GrpoCandidate> cands(static_cast<size_t>(cfg.group));
        for (GrpoCandidate& c : cands) {
            c.agent = sample_log(rng, g.ref_a.data(), A);
            c.tier = has_tier ? sample_log(rng, g.ref_t.data(), 3) : -1;
            if (fixed_tier) {
                float pt[3];
                model.heads.tier_probs(g.z.data(),
                                       ex.text,
                                       model.labels[static_cast<size_t>(c.agent)],
                                       cx,
                                       pt,
                                       complexity_p);
                for (float& v : pt) {
                    v = std::log(v);
                }
                c.tier = sample_log(rng, pt, 3);
            }
        }
        Result<std::vector<float>> rewards = judge(ex, cands);
        if (!rewards) {
            return rewards.error();
        }
        if (rewards->size() != cands.size()) {
            return make_error(Errc::format, "grpo: the judge returned a wrong number of rewards");
        }
        for (const float r : *rewards) {
            reward_sum += r;
            reward_n++;
        }
        const std::vector<float> adv = grpo_advantages(*rewards, cfg.scale_std, cfg.adv_eps);
        if (std::all_of(adv.begin(), adv.end(), [](float a) { return a == 0.0f; })) {
            rep.groups_zero_variance++;
            continue;  // no policy gradient from this group
        }
        for (size_t i = 0; i < cands.size(); i++) {
            GrpoSample s;
            s.o = cands[i];
            s.advantage = adv[i];
            s.logp_ref = g.ref_a[static_cast<size_t>(s.o.agent)] +
                         (has_tier ? g.ref_t[static_cast<size_t>(s.o.tier)] : 0.0f);
            g.samples.push_back(s);
        }
        groups.push_back(std::move(g));
    }
    rep.tasks = tasks.size();
    rep.zero_variance_share =
        tasks.empty() ? 0 : static_cast<double>(rep.groups_zero_variance) / tasks.size();
    rep.mean_reward = reward_n > 0 ? reward_sum / static_cast<double>(reward_n) : 0;

    // Clipped policy-gradient epochs with AdamW on the prototypes and the tier head.
    AdamConfig adam;
    adam.lr = cfg.lr;
    adam.weight_decay = cfg.weight_decay;
    std::vector<float> mp(p.protos.size(), 0.0f), vp(p.protos.size(), 0.0f);
    std::vector<float> mt(p.tier.size(), 0.0f), vt(p.tier.size(), 0.0f);
    std::vector<float> dp(p.protos.size()), dt(std::max<size_t>(p.tier.size(), 3 * E));
    std::vector<size_t> order(groups.size());
    std::iota(order.begin(), order.end(), size_t{0});
    int64_t step = 0;
    const size_t B = static_cast<size_t>(std::max(1, cfg.batch));
    for (int epoch = 0; epoch < cfg.epochs && !groups.empty(); epoch++) {
        for (size_t i = order.size(); i > 1; i--) {
            std::swap(order[i - 1], order[rng.below(static_cast<uint32_t>(i))]);
        }
        double loss_sum = 0;
        for (size_t start = 0; start < order.size(); start += B) {
            const size_t end = std::min(order.size(), start + B);
            std::fill(dp.begin(), dp.end(), 0.0f);
            std::fill(dt.begin(), dt.end(), 0.0f);
            const float scale = 1.0f / static_cast<float>(end - start);
            for (size_t j = start; j < end; j++) {
                const Group& g = groups[order[j]];
                // One forward pass gives the gradient and the loss of the group.
                loss_sum += grpo_group_backward(p,
                                                g.z.data(),
                                                g.ref_a.data(),
                                                g.ref_t.data(),
                                                g.samples,
                                                cfg,
                                                scale,
                                                dp.data(),
                                                dt.data(),
                                                g.offset.empty() ? nullptr : g.offset.data());
            }
            step++;
            adamw_update(p.protos.data(),
                         dp.data(),
                         mp.data(),
                         vp.data(),
                         static_cast<int64_t>(p.protos.size()),
                         adam,
                         adam.lr,
                         step);
            if (has_tier) {
                adamw_update(p.tier.data(),
                             dt.data(),
                             mt.data(),
                             vt.data(),
                             static_cast<int64_t>(p.tier.size()),
                             adam,
                             adam.lr,
                             step);
            }
        }
        const double mean_loss = loss_sum / static_cast<double>(groups.size());
        if (epoch == 0) {
            rep.loss_first = mean_loss;
        }
        rep.loss_last = mean_loss;
    }

    grpo_apply(model, p);
    Result<std::pair<double, double>> after = grpo_validate(model, val, gate_judge);
    if (!after) {
        grpo_apply(model, ref);
        return after.error();
    }
    rep.val_after = after->first;
    rep.val_accuracy_after = after->second;
    rep.kept = rep.val_after >= rep.val_before;
    if (!rep.kept) {
        grpo_apply(model, ref);  // roll back
    }
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rep;
}

// The LLM judge: Claude scores the G candidates of a task in one call.
GrpoJudge llm_judge(LlmClient& client, const std::vector<std::string>& labels) {
    return [&client, labels](
               const LabeledExample& ex,
               const std::vector<GrpoCandidate>& cands) -> Result<std::vector<float>> {
        std::string user = "Task: " + ex.text + "\n\nCandidate routing decisions:\n";
        for (size_t i = 0; i < cands.size(); i++) {
            user +=
                std::to_string(i + 1) + ". agent=" + labels[static_cast<size_t>(cands[i].agent)];
            if (cands[i].tier >= 0) {
                user += ", model=" + std::string(tier_name(static_cast<Tier>(cands[i].tier)));
            }
            user += "\n";
        }
        user +=
            "\nScore each candidate from 0 (wrong) to 1 (ideal). Answer with one JSON array "
            "of " +
            std::to_string(cands.size()) + " numbers in candidate order, nothing else.";
        LlmRequest req;
        req.system =
            "You judge task routing for a multi-agent coding assistant. Agents: " +
            [&] {
                std::string s;
                for (const std::string& l : labels) {
                    s += (s.empty() ? "" : ", ") + l;
                }
                return s;
            }() +
            ". Models: haiku (cheap, simple tasks), sonnet (moderate), opus (complex or "
            "security-critical). Reward the right agent most; prefer the cheapest model that is "
            "strong enough.";
        req.user = user;
        req.max_tokens = 256;
        req.temperature = 0.0;
        Result<LlmResponse> r = client.complete(req);
        if (!r) {
            return r.error();
        }
        return parse_judge_scores(r->text, cands.size());
    };
}

Result<std::vector<float>> parse_judge_scores(const std::string& text, size_t n) {
    // The first JSON array of n numbers in the reply (code fences and prose around it are
    // tolerated); scores are clamped to [0, 1].
    for (size_t at = text.find('['); at != std::string::npos; at = text.find('[', at + 1)) {
        const size_t end = text.find(']', at);
        if (end == std::string::npos) {
            break;
        }
        const nlohmann::json j =
            nlohmann::json::parse(text.substr(at, end - at + 1), nullptr, false);
        if (!j.is_array() || j.size() != n) {
            continue;
        }
        std::vector<float> out;
        for (const nlohmann::json& v : j) {
            if (!v.is_number() || !std::isfinite(v.get<double>())) {
                break;
            }
            out.push_back(std::clamp(v.get<float>(), 0.0f, 1.0f));
        }
        if (out.size() == n) {
            return out;
        }
    }
    return make_error(
        Errc::format,
        "LLM judge: expected a JSON array of " + std::to_string(n) + " scores in the reply");
}

}  // namespace ruvllm
