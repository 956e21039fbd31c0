// keywords.cpp: phrase matching, the keyword decision, rule pruning and storage.
#include <algorithm>
#include <cmath>
#include <map>

#include <ruvllm/core/text.h>
#include <ruvllm/dataset/labeled.h>
#include <ruvllm/router/keywords.h>

namespace ruvllm {

namespace {

// Calls fn(phrase) for every word n-gram of the text with n <= max_words.
template <class Fn>
void for_each_ngram(const std::vector<std::string>& words, int max_words, Fn fn) {
    std::string phrase;
    for (size_t i = 0; i < words.size(); i++) {
        phrase.clear();
        for (size_t k = i; k < words.size() && static_cast<int>(k - i) < max_words; k++) {
            if (k > i) {
                phrase.push_back(' ');
            }
            phrase += words[k];
            fn(phrase);
        }
    }
}

}  // namespace

KeywordStage::KeywordStage(std::vector<KeywordRule> rules, int n_labels, KeywordConfig cfg)
    : rules_(std::move(rules)), n_labels_(n_labels), cfg_(cfg) {
    for (size_t r = 0; r < rules_.size(); r++) {
        by_phrase_[rules_[r].phrase].push_back(static_cast<uint32_t>(r));
        max_words_ = std::max(max_words_,
                              1 + static_cast<int>(std::count(
                                      rules_[r].phrase.begin(), rules_[r].phrase.end(), ' ')));
    }
}

KeywordDecision KeywordStage::decide(std::string_view text) const {
    KeywordDecision d;
    if (rules_.empty()) {
        return d;
    }
    thread_local std::vector<std::string> words;
    tokenize_words(text, words);
    std::vector<float> score(static_cast<size_t>(n_labels_), 0.0f);
    for_each_ngram(words, max_words_, [&](const std::string& phrase) {
        auto it = by_phrase_.find(phrase);
        if (it == by_phrase_.end()) {
            return;
        }
        for (const uint32_t r : it->second) {
            if (std::find(d.matched.begin(), d.matched.end(), r) == d.matched.end()) {
                d.matched.push_back(r);
                score[static_cast<size_t>(rules_[r].label)] += rules_[r].weight;
            }
        }
    });
    int best = 0;
    for (int a = 1; a < n_labels_; a++) {
        if (score[static_cast<size_t>(a)] > score[static_cast<size_t>(best)]) {
            best = a;
        }
    }
    float second = 0;
    for (int a = 0; a < n_labels_; a++) {
        if (a != best) {
            second = std::max(second, score[static_cast<size_t>(a)]);
        }
    }
    d.score = score[static_cast<size_t>(best)];
    d.runner_up = second;
    if (d.score >= cfg_.min_score && d.score - second >= cfg_.margin) {
        d.label = best;
    }
    return d;
}

void KeywordStage::write_to(gguf::File& file) const {
    std::vector<std::string> phrases;
    std::vector<uint32_t> labels;
    std::vector<float> weights, precisions;
    for (const KeywordRule& r : rules_) {
        phrases.push_back(r.phrase);
        labels.push_back(static_cast<uint32_t>(r.label));
        weights.push_back(r.weight);
        precisions.push_back(r.precision);
    }
    file.set("ruvllm.router.keywords.phrases", gguf::Array::of(phrases));
    file.set("ruvllm.router.keywords.labels", gguf::Array::of(labels));
    file.set("ruvllm.router.keywords.weights", gguf::Array::of(weights));
    file.set("ruvllm.router.keywords.precisions", gguf::Array::of(precisions));
    file.set("ruvllm.router.keywords.min_score", cfg_.min_score);
    file.set("ruvllm.router.keywords.margin", cfg_.margin);
}

Result<KeywordStage> KeywordStage::from_gguf(const gguf::File& file, int n_labels) {
    if (file.find("ruvllm.router.keywords.phrases") == nullptr) {
        return KeywordStage({}, n_labels, KeywordConfig{});
    }
    Result<std::vector<std::string>> p =
        file.get<std::vector<std::string>>("ruvllm.router.keywords.phrases");
    Result<std::vector<uint32_t>> l =
        file.get<std::vector<uint32_t>>("ruvllm.router.keywords.labels");
    Result<std::vector<float>> w = file.get<std::vector<float>>("ruvllm.router.keywords.weights");
    Result<std::vector<float>> pr =
        file.get<std::vector<float>>("ruvllm.router.keywords.precisions");
    Result<float> min_score = file.get<float>("ruvllm.router.keywords.min_score");
    Result<float> margin = file.get<float>("ruvllm.router.keywords.margin");
    if (!p || !l || !w || !pr || !min_score || !margin || l->size() != p->size() ||
        w->size() != p->size() || pr->size() != p->size()) {
        return make_error(Errc::format,
                          "gguf: ruvllm.router.keywords.* are malformed, expected "
                          "phrases, labels and weights of one length");
    }
    std::vector<KeywordRule> rules;
    for (size_t i = 0; i < p->size(); i++) {
        if (n_labels <= 0 || (*l)[i] >= static_cast<uint32_t>(n_labels)) {
            return make_error(Errc::format,
                              "gguf: ruvllm.router.keywords.labels[" + std::to_string(i) +
                                  "] = " + std::to_string((*l)[i]) +
                                  ", expected a label index below " + std::to_string(n_labels));
        }
        if (!std::isfinite((*w)[i]) || !std::isfinite((*pr)[i]) || (*pr)[i] < 0 || (*pr)[i] > 1) {
            return make_error(Errc::format,
                              "gguf: ruvllm.router.keywords rule " + std::to_string(i) +
                                  " has a non-finite weight or a precision outside 0-1");
        }
        rules.push_back({(*p)[i], static_cast<int32_t>((*l)[i]), (*w)[i], (*pr)[i], 0});
    }
    if (!std::isfinite(*min_score) || !std::isfinite(*margin)) {
        return make_error(Errc::format,
                          "gguf: ruvllm.router.keywords.min_score / margin are not finite");
    }
    KeywordConfig cfg;
    cfg.min_score = *min_score;
    cfg.margin = *margin;
    return KeywordStage(std::move(rules), n_labels, cfg);
}

std::vector<KeywordRule> library_rules(const Library& lib, const std::vector<std::string>& labels) {
    auto index = [&](std::string_view l) {
        for (size_t i = 0; i < labels.size(); i++) {
            if (labels[i] == l) {
                return static_cast<int32_t>(i);
            }
        }
        return int32_t{-1};
    };
    std::map<std::pair<std::string, int32_t>, float> best;
    for (const Agent& a : lib.agents) {
        int32_t label = index(a.name);
        if (label < 0) {
            label = index(category_label(a.category));
        }
        if (label < 0) {
            continue;
        }
        for (const Keyword& k : a.keywords) {
            const std::string phrase = normalize_words(k.text);
            if (phrase.empty()) {
                continue;
            }
            float& w = best[{phrase, label}];
            w = std::max(w, k.weight);
        }
    }
    std::vector<KeywordRule> out;
    for (const auto& [key, w] : best) {
        out.push_back({key.first, key.second, w, 0, 0});
    }
    return out;
}

namespace {

// For every rule's phrase: how many texts of `data` contain it, by label.
std::unordered_map<std::string, std::map<int32_t, uint32_t>> phrase_hits(
    const std::vector<KeywordRule>& rules, const LabeledSet& data) {
    std::unordered_map<std::string, std::map<int32_t, uint32_t>> hits;
    int max_words = 1;
    for (const KeywordRule& r : rules) {
        hits[r.phrase];
        max_words = std::max(
            max_words, 1 + static_cast<int>(std::count(r.phrase.begin(), r.phrase.end(), ' ')));
    }
    std::vector<std::string> words;
    for (const LabeledExample& ex : data.rows) {
        tokenize_words(ex.text, words);
        std::vector<const std::string*> seen;
        for_each_ngram(words, max_words, [&](const std::string& phrase) {
            auto it = hits.find(phrase);
            if (it != hits.end() && std::find(seen.begin(), seen.end(), &it->first) == seen.end()) {
                seen.push_back(&it->first);
                it->second[ex.label]++;
            }
        });
    }
    return hits;
}

// (texts containing the phrase, those with the rule's label)
std::pair<uint32_t, uint32_t> support_of(
    const KeywordRule& r,
    const std::unordered_map<std::string, std::map<int32_t, uint32_t>>& hits) {
    const std::map<int32_t, uint32_t>& h = hits.at(r.phrase);
    uint32_t total = 0;
    for (const auto& [label, n] : h) {
        total += n;
    }
    const auto it = h.find(r.label);
    return {total, it == h.end() ? 0 : it->second};
}

}  // namespace

std::vector<KeywordRule> prune_rules(const std::vector<KeywordRule>& rules,
                                     const LabeledSet& data,
                                     const KeywordConfig& cfg) {
    const auto hits = phrase_hits(rules, data);
    std::vector<KeywordRule> out;
    for (const KeywordRule& r : rules) {
        const auto [total, right] = support_of(r, hits);
        const float precision = total > 0 ? static_cast<float>(right) / total : 0.0f;
        if (total >= cfg.min_support && precision >= cfg.min_precision) {
            KeywordRule k = r;
            k.precision = precision;
            k.support = total;
            out.push_back(k);
        }
    }
    return out;
}

std::vector<KeywordRule> prune_rules_held_out(const std::vector<KeywordRule>& rules,
                                              const LabeledSet& held_out,
                                              const KeywordConfig& cfg) {
    const auto hits = phrase_hits(rules, held_out);
    std::vector<KeywordRule> out;
    for (const KeywordRule& r : rules) {
        const auto [total, right] = support_of(r, hits);
        if (total < cfg.min_support ||
            static_cast<float>(right) >= cfg.min_precision * static_cast<float>(total)) {
            out.push_back(r);
        }
    }
    return out;
}

}  // namespace ruvllm
