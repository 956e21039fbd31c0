// split.cpp: stratified, template-grouped splits; k-fold; balanced sampling (see split.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string>

#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/split.h>

namespace ruvllm {

Result<SplitRatios> parse_split_ratios(std::string_view s) {
    double v[3] = {0, 0, 0};
    int n = 0;
    size_t pos = 0;
    while (pos <= s.size()) {
        const size_t comma = std::min(s.find(',', pos), s.size());
        const std::string part(s.substr(pos, comma - pos));
        char* end = nullptr;
        const double x = std::strtod(part.c_str(), &end);
        if (part.empty() || end != part.c_str() + part.size() || n >= 3 || !(x >= 0 && x <= 1)) {
            return make_error(Errc::invalid_argument,
                              "--split '" + std::string(s) +
                                  "', expected three ratios in [0,1] like 0.7,0.15,0.15");
        }
        v[n++] = x;
        pos = comma + 1;
    }
    if (n != 3 || std::abs(v[0] + v[1] + v[2] - 1.0) > 1e-6) {
        return make_error(Errc::invalid_argument,
                          "--split '" + std::string(s) +
                              "': ratios must be three numbers that "
                              "sum to 1, expected e.g. 0.7,0.15,0.15");
    }
    return SplitRatios{v[0], v[1], v[2]};
}

std::vector<int> assign_groups(const std::vector<Example>& examples,
                               const std::vector<double>& weights,
                               uint64_t seed) {
    const size_t P = weights.size();
    // label -> (group key -> example indices); std::map keeps the order deterministic.
    std::map<std::string, std::map<std::string, std::vector<size_t>>> by_label;
    for (size_t i = 0; i < examples.size(); i++) {
        const Example& e = examples[i];
        // Examples without a template id (user data) form groups of one.
        std::string key =
            e.metadata.template_id.empty() ? "#" + std::to_string(i) : e.metadata.template_id;
        by_label[e.output_agent][key].push_back(i);
    }
    double wsum = 0;
    for (double w : weights) {
        wsum += w;
    }
    std::vector<int> part(examples.size(), 0);
    Rng rng(seed ^ 0x5EED5EED5EEDull);
    for (auto& [label, groups] : by_label) {
        std::vector<const std::vector<size_t>*> order;
        size_t total = 0;
        for (auto& [key, members] : groups) {
            order.push_back(&members);
            total += members.size();
        }
        shuffle(order.begin(), static_cast<uint32_t>(order.size()), rng);
        // Large groups first (stable), so the small ones can even out the ratios at the end.
        std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
            return a->size() > b->size();
        });
        std::vector<double> filled(P, 0.0);
        for (const std::vector<size_t>* g : order) {
            size_t best = 0;
            double best_deficit = -1e300;
            for (size_t p = 0; p < P; p++) {
                if (weights[p] <= 0) {
                    continue;
                }
                const double target = weights[p] / wsum * static_cast<double>(total);
                const double deficit = (target - filled[p]) / target;
                if (deficit > best_deficit) {
                    best_deficit = deficit;
                    best = p;
                }
            }
            filled[best] += static_cast<double>(g->size());
            for (size_t i : *g) {
                part[i] = static_cast<int>(best);
            }
        }
    }
    return part;
}

Result<std::vector<int>> assign_splits(const std::vector<Example>& examples,
                                       const SplitRatios& r,
                                       uint64_t seed) {
    if (std::abs(r.train + r.val + r.test - 1.0) > 1e-6) {
        return make_error(Errc::invalid_argument, "split ratios must sum to 1");
    }
    return assign_groups(examples, {r.train, r.val, r.test}, seed);
}

Result<std::vector<int>> assign_folds(const std::vector<Example>& examples, int k, uint64_t seed) {
    if (k < 2) {
        return make_error(Errc::invalid_argument,
                          "--folds " + std::to_string(k) + ", expected 2 or more");
    }
    std::map<std::string, int> groups;
    for (const Example& e : examples) {
        groups[e.output_agent + "\x1f" + e.metadata.template_id]++;
    }
    if (static_cast<size_t>(k) > groups.size()) {
        return make_error(Errc::invalid_argument,
                          "--folds " + std::to_string(k) + " is more than the " +
                              std::to_string(groups.size()) + " template groups, expected fewer");
    }
    return assign_groups(examples, std::vector<double>(static_cast<size_t>(k), 1.0), seed);
}

std::vector<Example> balance(const std::vector<Example>& examples, Balance mode, uint64_t seed) {
    if (mode == Balance::none || examples.empty()) {
        return examples;
    }
    std::map<std::string, std::vector<size_t>> by_label;
    for (size_t i = 0; i < examples.size(); i++) {
        by_label[examples[i].output_agent].push_back(i);
    }
    size_t lo = SIZE_MAX;
    size_t hi = 0;
    for (const auto& [label, idx] : by_label) {
        lo = std::min(lo, idx.size());
        hi = std::max(hi, idx.size());
    }
    Rng rng(seed ^ 0xBA1A5CEull);
    std::vector<Example> out;
    for (auto& [label, idx] : by_label) {
        shuffle(idx.begin(), static_cast<uint32_t>(idx.size()), rng);
        if (mode == Balance::under) {
            for (size_t j = 0; j < lo; j++) {
                out.push_back(examples[idx[j]]);
            }
        } else {
            for (size_t i : idx) {
                out.push_back(examples[i]);
            }
            for (size_t j = idx.size(); j < hi; j++) {
                out.push_back(examples[idx[rng.below(static_cast<uint32_t>(idx.size()))]]);
            }
        }
    }
    shuffle(out.begin(), static_cast<uint32_t>(out.size()), rng);
    return out;
}

}  // namespace ruvllm
