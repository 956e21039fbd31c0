// ruvllm/router/router.h: one routing decision and its trace, the code shared by `ruvllm route`,
// `ruvllm eval --errors` and `ruvllm serve`.
//
// A decision runs the stages of the hybrid router (model.h, keywords.h, heads.h):
//   1. validate the task: non-empty (not only white space), valid UTF-8, at most
//      `max_task_bytes` bytes; anything else is an Errc::invalid_argument error, never a guess;
//   2. keyword stage (modes hybrid and keyword): decides when one label wins by its margin;
//   3. embedding stage (mode embedding, and hybrid when the keyword stage defers and the model
//      has no sparse stage): the nearest prototype; confidence = softmax(cosines / tau), tau
//      being the calibrated temperature;
//      blend (hybrid when the keyword stage defers and the model has a sparse stage, sparse.h):
//      the label of highest blend of the embedding stage's softmax and the sparse stage's;
//      confidence = that blended probability;
//      sparse stage (mode sparse; an error for a model without one): softmax of its logits;
//      below `min_confidence` the router abstains (label -1, "agent": null);
//   4. heads (when the model has them): complexity, model tier and quality from z. The tier is
//      shifted by `tier_bias` (< 0 cheaper, > 0 stronger; heads.h) and then capped at
//      `max_tier`, a budget ceiling ("never more than sonnet").
// The embedding z is computed once per task and shared by stage 3, the heads and the `top`
// list. `top` ranks labels by cosine whatever stage decided, except when the model has a sparse
// stage in modes hybrid and sparse: then it ranks them by the blended (hybrid) or sparse
// (sparse) probability, so its first entry is the answer of the stage that would decide.
//
// JSON form of a decision (decision_json), fields in this order:
//   {"task"?, "agent": "coder" | null, "confidence": 0.93,
//    "stage": "keyword" | "embedding" | "blend" | "sparse",
//    "keywords": ["unit test", ...] (keyword stage only), "top": [["coder", 0.81], ...],
//    "model": "sonnet", "complexity": "Moderate", "quality": 0.87 (models with heads),
//    "latency_us": 14.2}
// Keyword-stage confidence is the best precision (on training data) of the matched rules of
// the winning label.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <ruvllm/core/error.h>
#include <ruvllm/router/model.h>

namespace ruvllm {

enum class RouteMode : uint8_t { hybrid, keyword, embedding, sparse };

// The stage that made a decision.
enum class RouteStage : uint8_t { keyword, embedding, blend, sparse };

const char* stage_name(RouteStage s);  // "keyword" | "embedding" | "blend" | "sparse"

const char* route_mode_name(RouteMode m);
// "hybrid" | "keyword" | "embedding" | "sparse"; false for anything else.
bool parse_route_mode(std::string_view s, RouteMode& out);
// "haiku" | "sonnet" | "opus" -> 0 | 1 | 2; false for anything else.
bool parse_tier(std::string_view s, int& out);

struct RouteConfig {
    RouteMode mode = RouteMode::hybrid;
    int top = 3;                  // alternatives listed in the trace
    double min_confidence = 0.0;  // abstain below (embedding stage)
    float tier_bias = 0.0f;       // heads.h
    int max_tier = 2;             // budget ceiling: 0 haiku, 1 sonnet, 2 opus (no cap)
    size_t max_task_bytes = 65536;
};

struct Decision {
    int32_t label = -1;  // -1: abstained (embedding) or deferred (keyword mode)
    RouteStage stage = RouteStage::embedding;
    float confidence = 0.0f;
    std::vector<std::pair<int32_t, float>> top;  // (label, cosine or probability), best first
    std::vector<uint32_t> keywords;              // matched rule indices (keyword stage)
    bool has_heads = false;
    int32_t tier = -1, complexity = -1;
    float quality = 0.0f;
    double latency_us = 0.0;
};

// Errc::invalid_argument with a one-line reason ("empty task", "task is not valid UTF-8 at
// byte 17", "task is 1048576 bytes, expected at most 65536"); ok otherwise.
Status validate_task(std::string_view task, size_t max_task_bytes);

// Routes one task; the error is validate_task's, or Errc::invalid_argument for mode sparse on a
// model without a sparse stage. Allocates only the decision itself.
Result<Decision> route_task(const RouterModel& model,
                            std::string_view task,
                            const RouteConfig& cfg);

// The decision as JSON (the order above); `task` is included when non-null.
nlohmann::ordered_json decision_json(const RouterModel& model,
                                     const Decision& d,
                                     const std::string* task = nullptr);

}  // namespace ruvllm
