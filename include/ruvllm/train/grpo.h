// ruvllm/train/grpo.h: GRPO feedback rounds (Group Relative Policy Optimization, Shao et al. 2024)
// that really update the router: the policy is the router's own decision distribution, the
// reward comes from a judge, and every round is gated on held-out data and rolled back when it
// makes things worse.
//
// Policy for a task with routing embedding z (model.h; the embedding is frozen here): the
// distribution route's blend answers from (router.h, sparse.h),
//   agent  pi_a(a) = softmax_a(alpha z . normalise(P_a) / tau + offset_a)
//          offset_a = (1 - alpha) log softmax_a(q / T)          P: router.prototypes (A, E)
//          q: the sparse stage's logits of the task, alpha and T its blend weight and
//          temperature; without a sparse stage alpha = 1 and offset = 0, the embedding stage's
//          softmax. The sparse stage is fixed here, so GRPO moves the prototypes within the
//          decision route makes (a blend term alpha log p_a differs from alpha z.P_a/tau only
//          by a constant of the task);
//   tier   pi_t(k) = softmax_k(W_k . z)                         W: router.head.tier  (3, E)
// A decision is (agent, tier), sampled independently: log pi(o) = log pi_a(a) + log pi_t(k).
// Models without heads have the agent part only. The trainable parameters are P and W.
// W is trained only when the tier head answers from z (heads.h tier_source). A tier that answers
// from another source (the tier table, the n-gram head, the table summed over complexities) is
// not W's: a candidate's tier is then drawn from that source's distribution for the candidate's
// agent (Heads::tier_probs), so the judge scores the tiers route would answer, and the tier
// leaves the loss (its ratio is 1 and its KL 0: it is not a parameter); the policy is pi_a.
//
// One round:
//   1. reference = the model at the start of the round (pi_ref);
//   2. for each task, sample a group of G decisions from pi_ref (our seeded Rng), score them
//      with the judge, advantages A_i = (r_i - mean) / (std + eps) within the group (population
//      std; or r_i - mean with scale_std = false). A group whose rewards are all equal (zero
//      variance) has all A_i = 0: it gives no policy gradient; its share is reported;
//   3. `epochs` passes over the groups in minibatches of `batch` groups, AdamW on P and W,
//      minimising per group
//        L = -(1/G) sum_i min(rho_i A_i, clip(rho_i, 1 - clip, 1 + clip) A_i)
//            + kl * [KL(pi_a || pi_ref_a) + KL(pi_t || pi_ref_t)]
//      with rho_i = exp(log pi(o_i) - log pi_ref(o_i)) and the KL terms exact (the
//      distributions are small categoricals). Gradients: grpo_group_backward, gradient-checked;
//   4. gate: the mean reward (the judge `gate_judge`) of what `route` answers on the validation
//      set, before and after: router.h's hybrid decision (keyword stage, then the blend with the
//      sparse stage or the embedding stage alone, then the tier head), not the policy's argmax,
//      so a round that helps the embedding stage but not the answer is not kept (#15). The round
//      is kept when after >= before, otherwise the parameters are rolled back to the reference.
//
// Judges score the G candidates of one task. labels_judge is offline: from the example's
// labels, agent reward 1 for the right agent, `partial` (0.5) for another agent of the same
// seed category (dataset.h's label_category), else 0; plus tier_weight * tier reward when
// both the example and the model have a tier: 1 at the expected tier, minus 0.5 per tier
// below it (under-provisioned: the task may fail) and minus cost * 0.5 per tier above it
// (over-provisioned: it works but costs more).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/router/model.h>
#include <ruvllm/train/train.h>

namespace ruvllm {

struct GrpoCandidate {
    int32_t agent = 0;
    int32_t tier = -1;  // -1 when the model has no tier head
};

// Rewards (one per candidate, same order) for the candidates of one example.
using GrpoJudge = std::function<Result<std::vector<float>>(
    const LabeledExample& example, const std::vector<GrpoCandidate>& candidates)>;

struct LabelsJudgeConfig {
    float partial = 0.5f;      // another agent of the right seed category
    float tier_weight = 0.5f;  // weight of the tier reward
    float cost = 0.5f;         // how much an over-provisioned tier is penalised
};

GrpoJudge labels_judge(const std::vector<std::string>& labels, LabelsJudgeConfig cfg = {});

class LlmClient;  // llm.h

// The LLM judge: one Messages API call per task shows Claude the task and its G candidates
// ("N. agent=coder, model=sonnet") and asks for a JSON array of G scores in [0, 1] (temperature
// 0, so the client's cache answers a rerun). `client` must outlive the judge. The reply is
// parsed with parse_judge_scores; a reply without such an array is an Errc::format error.
GrpoJudge llm_judge(LlmClient& client, const std::vector<std::string>& labels);

// The first JSON array of exactly n numbers in `text` (prose and code fences around it are
// tolerated), each clamped to [0, 1]; Errc::format if there is none.
Result<std::vector<float>> parse_judge_scores(const std::string& text, size_t n);

struct GrpoConfig {
    int group = 8;     // G, decisions sampled per task
    int epochs = 4;    // passes over a round's groups
    int batch = 32;    // groups per optimiser step
    float lr = 5e-3f;  // AdamW
    float weight_decay = 0.0f;
    float clip = 0.2f;      // PPO/GRPO ratio clip
    float kl = 0.02f;       // weight of the KL penalty to the round's reference
    bool scale_std = true;  // divide advantages by the group's std
    float adv_eps = 1e-6f;
    size_t tasks_per_round = 0;  // 0: every task; else a seeded sample of this many
    uint64_t seed = 42;
};

// ---- the math (exposed for tests) ----

// Advantages of one group's rewards. All zero when the rewards are all equal.
std::vector<float> grpo_advantages(const std::vector<float>& rewards, bool scale_std, float eps);

// One sampled decision of a group with its advantage and log-probability under pi_ref.
struct GrpoSample {
    GrpoCandidate o;
    float advantage = 0;
    float logp_ref = 0;
};

// The policy parameters GRPO trains: prototypes (A, E) and the tier head (3, E) or empty.
struct GrpoParams {
    int A = 0, E = 0;
    float tau = 0.07f;
    float alpha = 1.0f;         // the embedding stage's weight in the blend (1: no sparse stage)
    std::vector<float> protos;  // (A, E)
    std::vector<float> tier;    // (3, E) or empty
};

GrpoParams grpo_params(const RouterModel& m);
void grpo_apply(RouterModel& m, const GrpoParams& p);

// log pi_a (A) and log pi_t (3, when there is a tier head) of z under p; `offset` (A) is the
// task's sparse-stage term of the agent logits (above), nullptr for none.
void grpo_log_policy(const GrpoParams& p,
                     const float* z,
                     float* logp_agent,
                     float* logp_tier,
                     const float* offset = nullptr);

// The group loss L above. ref_agent (A), ref_tier (3): log pi_ref of the same z.
double grpo_group_loss(const GrpoParams& p,
                       const float* z,
                       const float* ref_agent,
                       const float* ref_tier,
                       const std::vector<GrpoSample>& samples,
                       const GrpoConfig& cfg,
                       const float* offset = nullptr);
// Accumulates dL/dprotos (A, E) and dL/dtier (3, E; ignored without a tier head) times `scale`,
// and returns L (the same value as grpo_group_loss, from the same forward pass).
double grpo_group_backward(const GrpoParams& p,
                           const float* z,
                           const float* ref_agent,
                           const float* ref_tier,
                           const std::vector<GrpoSample>& samples,
                           const GrpoConfig& cfg,
                           float scale,
                           float* dprotos,
                           float* dtier,
                           const float* offset = nullptr);

// ---- rounds ----

struct GrpoRoundReport {
    int round = 0;
    size_t tasks = 0, groups_zero_variance = 0;
    double zero_variance_share = 0;
    double mean_reward = 0;                // of the sampled decisions
    double loss_first = 0, loss_last = 0;  // mean group loss in the first and last epoch
    double val_before = 0, val_after = 0;  // mean greedy reward on validation
    double val_accuracy_before = 0, val_accuracy_after = 0;
    bool kept = false;
    double seconds = 0;
};

// Runs one round on `model` (updated in place when kept). `gate_judge` scores the greedy
// validation decisions (usually labels_judge). `before`, when given, is grpo_validate(model, val,
// gate_judge) as the caller already knows it (the last round's after, or its before when that
// round was rolled back): the round then skips that pass. Errors: the judge's.
Result<GrpoRoundReport> grpo_round(RouterModel& model,
                                   const LabeledSet& train,
                                   const LabeledSet& val,
                                   const GrpoJudge& judge,
                                   const GrpoJudge& gate_judge,
                                   const GrpoConfig& cfg,
                                   int round,
                                   const std::pair<double, double>* before = nullptr);

// Mean reward under `judge` and agent accuracy of route_task's hybrid decisions (router.h) on
// `data`'s examples with a label of the model; a task route_task refuses counts as reward 0.
Result<std::pair<double, double>> grpo_validate(const RouterModel& model,
                                                const LabeledSet& data,
                                                const GrpoJudge& judge);

}  // namespace ruvllm
