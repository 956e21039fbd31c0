// ruvllm/dataset/generator.h: the routing-dataset generator (library -> labelled examples).
//
// For every base example the generator picks a template of an agent, draws placeholder values
// and renders the task (and its context); augmentation then adds, per base example:
//   - `paraphrases` paraphrases (augment.h), quality 0.85-0.90;
//   - `complexity_variations` restatements at the other complexity levels (the template's
//     hand-written variant when it has one, else a category frame), with expected_model
//     recomputed from the tier table;
//   - one domain transfer when the template has domain-keyed placeholders: re-rendered under
//     another domain, quality 0.80-0.85.
// Every example's input is unique after normalisation (normalize_text) across the dataset;
// a variant that collides is retried, then dropped ("filtered"), as in the seed.
// With GenConfig::styles, each example is then written in a surface style (style.h): the base
// and its domain transfer from the template's text or short form, a paraphrase from the style's
// source (the short form for terse), a complexity variation from its own text (terse only when
// it is short); the style is drawn before the text is checked for uniqueness.
// Defaults are the seed's (FACTS.md section 2): 100 base examples per seed category, 2
// paraphrases, 2 complexity variations, domain transfer on, seed 42: about 2,700 examples.
//
// Usage:
//   ruvllm::GenConfig cfg;                      // the seed's defaults; cfg.seed drives every draw
//   ruvllm::GenReport report;
//   ruvllm::Result<std::vector<ruvllm::Example>> ds = ruvllm::generate(*lib, cfg, &report);
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/library.h>

namespace ruvllm {

struct GenConfig {
    int per_category = 100;  // base examples per seed category, spread over its agents
    int per_agent = 0;       // when > 0: base examples per agent (overrides per_category)
    bool augment = true;
    int paraphrases = 2;
    int complexity_variations = 2;  // 0, 1 or 2 (the other levels)
    bool domain_transfer = true;
    Labels labels = Labels::categories;
    uint64_t seed = 42;
    bool shuffle = true;  // shuffle the final dataset (batch mode)
    // Surface styles (style.h): every example is written in a style drawn from this mix, from
    // its own random stream, and records it in metadata.style. Empty (the default): off, the
    // seed's datasets.
    StyleMix styles;
};

// Checks ranges (negative counts, complexity_variations > 2). Errc::invalid_argument.
Status validate(const GenConfig& cfg);

struct GenReport {
    uint64_t base = 0, paraphrase = 0, complexity = 0, domain = 0;
    uint64_t duplicates_rejected = 0;  // renderings dropped because their text already existed
    uint64_t filtered = 0;             // variants that could not be produced uniquely
    uint64_t base_shortfall = 0;       // base examples asked for but not producible uniquely

    uint64_t total() const { return base + paraphrase + complexity + domain; }
};

// Base examples per agent (index = library agent index) for `cfg`.
std::vector<int> base_quotas(const Library& lib, const GenConfig& cfg);

// Generates the whole dataset (batch mode). Deterministic in (library, cfg). Errc::exhausted
// when no example at all can be produced.
Result<std::vector<Example>> generate(const Library& lib,
                                      const GenConfig& cfg,
                                      GenReport* report = nullptr);

// Streaming generation: examples come one at a time and base examples cycle over agents in
// proportion to their quotas. Duplicates are removed over the whole stream when `expected`
// (the number of examples the caller will take) is at most kGlobalDedupMax: an exact set of
// 64-bit text hashes, about 13 bytes per example (128 MiB at 10M); a longer or open-ended
// stream (expected 0) runs in constant memory and removes duplicates within a window of the
// last ~2^20 distinct texts (a 4-way set-associative table of 8 MiB).
constexpr uint64_t kGlobalDedupMax = 10'000'000;

class StreamGenerator {
public:
    StreamGenerator(const Library& lib, const GenConfig& cfg, uint64_t expected = 0);

    // Whether duplicates are removed over the whole stream (see above).
    bool global_dedup() const;
    ~StreamGenerator();
    StreamGenerator(const StreamGenerator&) = delete;
    StreamGenerator& operator=(const StreamGenerator&) = delete;

    // The next example, valid until the next call; nullptr (with error() set) when the library
    // cannot produce any new text for a long stretch.
    const Example* next();

    const Error& error() const { return error_; }

    const GenReport& report() const;

private:
    struct State;
    std::unique_ptr<State> s_;
    Error error_;
};

}  // namespace ruvllm
