// ruvllm/router/keywords.h: the keyword stage of the hybrid router, a precision stage.
//
// Rules are (phrase, label, weight): a phrase is one or more lower-case words (text.h's
// tokenizer), matched on word boundaries. A text's score for a label is the sum of the weights
// of its rules that occur in it. The stage DECIDES only when the best label scores at least
// `min_score` and beats the runner-up by at least `margin`; otherwise it defers (label -1) to
// the embedding stage.
//
// Rules come from the agent library's keywords (mapped onto the model's labels: agent names,
// or each agent's seed category) and are PRUNED on training data: a rule is kept only if the
// training texts that contain its phrase carry its label with precision >= min_precision,
// over at least min_support texts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ruvllm/dataset/library.h>
#include <ruvllm/formats/gguf.h>

namespace ruvllm {

struct LabeledSet;  // train.h

struct KeywordRule {
    std::string phrase;  // lower-case words separated by one space
    int32_t label = 0;
    float weight = 1.0f;
    float precision = 0.0f;  // measured on the training data when pruned
    uint32_t support = 0;
};

struct KeywordDecision {
    int32_t label = -1;  // -1: no decision (defer)
    float score = 0, runner_up = 0;
    std::vector<uint32_t> matched;  // rule indices
};

struct KeywordConfig {
    float min_score = 1.0f;
    float margin = 1.0f;
    float min_precision = 0.9f;
    uint32_t min_support = 3;
};

class KeywordStage {
public:
    KeywordStage() = default;
    KeywordStage(std::vector<KeywordRule> rules, int n_labels, KeywordConfig cfg);

    KeywordDecision decide(std::string_view text) const;

    const std::vector<KeywordRule>& rules() const { return rules_; }

    const KeywordConfig& config() const { return cfg_; }

    bool empty() const { return rules_.empty(); }

    // Keys ruvllm.router.keywords.{phrases,labels,weights,precisions,min_score,margin}.
    void write_to(gguf::File& file) const;
    // An absent rule set gives an empty stage; malformed keys are Errc::format.
    static Result<KeywordStage> from_gguf(const gguf::File& file, int n_labels);

private:
    std::vector<KeywordRule> rules_;
    int n_labels_ = 0;
    KeywordConfig cfg_;
    std::unordered_map<std::string, std::vector<uint32_t>> by_phrase_;
    int max_words_ = 1;
};

// Candidate rules from the library's agent keywords for `labels` (agent names, or seed
// categories through each agent's category). Duplicate (phrase, label) pairs keep the
// largest weight.
std::vector<KeywordRule> library_rules(const Library& lib, const std::vector<std::string>& labels);

// Keeps the rules whose phrase has precision >= cfg.min_precision for its label over at least
// cfg.min_support texts of `data`, and records both figures in each kept rule.
std::vector<KeywordRule> prune_rules(const std::vector<KeywordRule>& rules,
                                     const LabeledSet& data,
                                     const KeywordConfig& cfg);

// Drops the rules whose phrase occurs in at least cfg.min_support texts of `held_out` (examples
// of templates the training data does not have: the validation split) with precision below
// cfg.min_precision there; rules seen fewer times are kept (their training figures stand).
std::vector<KeywordRule> prune_rules_held_out(const std::vector<KeywordRule>& rules,
                                              const LabeledSet& held_out,
                                              const KeywordConfig& cfg);

}  // namespace ruvllm
