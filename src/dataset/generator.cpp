// generator.cpp: base rendering, augmentation, dedup, batch and streaming generation.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include <ruvllm/dataset/augment.h>
#include <ruvllm/dataset/generator.h>

namespace ruvllm {

namespace {

// README quality ranges: by kind of example, and by category. The final score is the mean of
// the kind score (the template's own quality mapped into the kind's range) and a draw from the
// category's range, rounded to 0.01, so both of the README's rules shape it.
struct Range {
    float lo, hi;
};

constexpr Range kKindRange[4] = {
    {0.90f, 0.96f},  // base
    {0.85f, 0.90f},  // paraphrase
    {0.85f, 0.90f},  // complexity variation (a rewritten example, like a paraphrase)
    {0.80f, 0.85f},  // domain transfer
};
constexpr Range kCategoryRange[kNumCategories] = {
    {0.83f, 0.90f},  // coder
    {0.80f, 0.89f},  // researcher
    {0.90f, 0.96f},  // security
    {0.85f, 0.93f},  // architecture
    {0.82f, 0.90f},  // reviewer
};

float quality_for(float template_quality, Augmentation kind, Category cat, Rng& rng) {
    const float u = std::clamp((template_quality - 0.90f) / 0.06f, 0.0f, 1.0f);
    const Range k = kKindRange[static_cast<int>(kind)];
    const Range c = kCategoryRange[static_cast<int>(cat)];
    const float kind_score = k.lo + u * (k.hi - k.lo);
    const float cat_score = c.lo + rng.uniform_f32() * (c.hi - c.lo);
    return std::round((kind_score + cat_score) * 50.0f) / 100.0f;
}

constexpr int kBaseAttempts = 6;     // fresh value draws for one base example
constexpr int kVariantAttempts = 4;  // retries for one paraphrase / variant / transfer

// Builds one group (a base example and its augmentations) into reused Example objects.
// `seen(hash)` inserts a normalised-text hash and returns false if it was already present.
class GroupBuilder {
public:
    GroupBuilder(const Library& lib, const GenConfig& cfg)
        : lib_(lib), cfg_(cfg), styled_(!cfg.styles.empty()), style_rng_(cfg.seed ^ kStyleStream) {}

    template <class Seen>
    bool build(const Template& t, Rng& rng, Seen&& seen, GenReport& rep) {
        n_ = 0;
        const Agent& agent = lib_.agents[t.agent];
        // ---- base ----
        bool ok_base = false;
        Style style = Style::none;
        for (int attempt = 0; attempt < kBaseAttempts && !ok_base; attempt++) {
            draw_choices(lib_, t, t.domain, rng, choices_);
            text_.clear();
            render(lib_, t, t.text, t.domain, choices_, text_);
            if (styled_) {
                plain_ = text_;
                render_short(t, t.domain, choices_, short_);
                context_.clear();
                render(lib_, t, t.context, t.domain, choices_, context_);
                style = style_as(plain_, short_, context_, text_);
            }
            if (seen(normalized_hash(text_))) {
                ok_base = true;
            } else {
                rep.duplicates_rejected++;
            }
        }
        if (!ok_base) {
            return false;
        }
        Example& base = push(agent, t, Augmentation::base, t.complexity, t.domain, rng);
        base.input.swap(text_);
        render(lib_, t, t.context, t.domain, choices_, base.context);
        base.metadata.style = style;
        if (style == Style::context) {
            base.context.clear();  // it is in the input now
        }
        rep.base++;
        if (!cfg_.augment) {
            return true;
        }
        // Copy what the variants need: push() may reallocate the group and invalidate `base`.
        // Styled, the variants start from the plain text (and short form), not the styled one.
        base_input_ = styled_ ? plain_ : base.input;
        base_context_ = styled_ ? context_ : base.context;
        base_short_ = short_;
        paraphrases(agent, t, rng, seen, rep);
        complexity_variations(agent, t, rng, seen, rep);
        if (cfg_.domain_transfer) {
            domain_transfer(agent, t, rng, seen, rep);
        }
        return true;
    }

    size_t size() const { return n_; }

    const Example& at(size_t i) const { return group_[i]; }

    Example& at(size_t i) { return group_[i]; }

private:
    Example& push(const Agent& agent,
                  const Template& t,
                  Augmentation kind,
                  Complexity level,
                  Domain domain,
                  Rng& rng) {
        if (n_ == group_.size()) {
            group_.emplace_back();
        }
        Example& e = group_[n_++];
        e.input.clear();
        e.context.clear();
        e.output_agent.assign(cfg_.labels == Labels::categories ? category_label(agent.category)
                                                                : agent.name);
        TaskMetadata& m = e.metadata;
        m.category = agent.category;
        m.complexity = level;
        m.domain = domain;
        m.expected_model = tier_for(agent.category, level);
        m.quality_score = quality_for(t.quality, kind, agent.category, rng);
        m.tags = t.tags;
        m.agent.assign(agent.name);
        m.template_id.assign(t.id);
        m.augmentation = kind;
        return e;
    }

    template <class Seen>
    void paraphrases(const Agent& agent, const Template& t, Rng& rng, Seen& seen, GenReport& rep) {
        for (int k = 0; k < cfg_.paraphrases; k++) {
            bool done = false;
            Style style = Style::none;
            for (int attempt = 0; attempt < kVariantAttempts && !done; attempt++) {
                if (styled_) {
                    // The short form is paraphrased (then framed) for the short styles, the
                    // text for imperative and context.
                    style = draw_style(cfg_.styles, style_rng_);
                    const bool from_short = !base_short_.empty() && short_style(style);
                    paraphrase(lib_.lexicon, from_short ? base_short_ : base_input_, rng, plain_);
                    style = render_style(lib_.lexicon,
                                         lib_.styles,
                                         style,
                                         plain_,
                                         "",
                                         base_context_,
                                         style_rng_,
                                         text_);
                } else {
                    paraphrase(lib_.lexicon, base_input_, rng, text_);
                }
                if (seen(normalized_hash(text_))) {
                    done = true;
                } else {
                    rep.duplicates_rejected++;
                }
            }
            if (!done) {
                rep.filtered++;
                continue;
            }
            Example& e = push(agent, t, Augmentation::paraphrase, t.complexity, t.domain, rng);
            e.input.swap(text_);
            e.context.assign(style == Style::context ? "" : base_context_);
            e.metadata.style = style;
            rep.paraphrase++;
        }
    }

    template <class Seen>
    void complexity_variations(
        const Agent& agent, const Template& t, Rng& rng, Seen& seen, GenReport& rep) {
        Complexity others[2];
        int n_others = 0;
        for (int l = 0; l < kNumComplexities; l++) {
            if (l != static_cast<int>(t.complexity)) {
                others[n_others++] = static_cast<Complexity>(l);
            }
        }
        if (cfg_.complexity_variations == 1 && rng.bernoulli(0.5)) {
            std::swap(others[0], others[1]);
        }
        for (int k = 0; k < std::min(cfg_.complexity_variations, 2); k++) {
            const Complexity level = others[k];
            const CompiledText& variant = t.variants[static_cast<int>(level)];
            // A generic frame only restates a task one level up or down: "Small change:" on a
            // Complex task (or "spans several services" on a Simple one) would contradict it.
            // Two levels apart takes a hand-written variant.
            if (variant.empty() &&
                std::abs(static_cast<int>(level) - static_cast<int>(t.complexity)) > 1) {
                rep.filtered++;
                continue;
            }
            bool done = false;
            Style style = Style::none;
            for (int attempt = 0; attempt < kVariantAttempts && !done; attempt++) {
                text_.clear();
                style = Style::none;
                const Style want = styled_ && !base_short_.empty()
                                       ? draw_style(cfg_.styles, style_rng_)
                                       : Style::none;
                if (short_style(want) && short_variant(agent.category, level, want, rng, style)) {
                    // The short form, styled, under a level prefix: "Small change: can you ...".
                } else if (!variant.empty() && attempt == 0) {
                    render(lib_, t, variant, t.domain, choices_, text_);
                } else if (!complexity_frame(
                               lib_.lexicon, agent.category, level, base_input_, rng, text_)) {
                    break;
                }
                if (styled_ && style == Style::none) {
                    // A style on the variant's own text (terse only when it is short).
                    plain_.swap(text_);
                    style = style_as(plain_, "", base_context_, text_);
                }
                if (seen(normalized_hash(text_))) {
                    done = true;
                } else {
                    rep.duplicates_rejected++;
                }
            }
            if (!done) {
                rep.filtered++;
                continue;
            }
            Example& e = push(agent, t, Augmentation::complexity, level, t.domain, rng);
            e.input.swap(text_);
            e.context.assign(style == Style::context ? "" : base_context_);
            e.metadata.style = style;
            rep.complexity++;
        }
    }

    template <class Seen>
    void domain_transfer(
        const Agent& agent, const Template& t, Rng& rng, Seen& seen, GenReport& rep) {
        if (t.transfer_mask == 0) {
            return;  // no domain-keyed placeholder: nothing to transfer (the seed's "filtered")
        }
        Domain targets[kNumDomains];
        uint32_t n = 0;
        for (int d = 0; d < kNumDomains; d++) {
            if (t.transfer_mask & (1u << d)) {
                targets[n++] = static_cast<Domain>(d);
            }
        }
        const Domain target = targets[rng.below(n)];
        bool done = false;
        Style style = Style::none;
        for (int attempt = 0; attempt < kVariantAttempts && !done; attempt++) {
            transfer_choices_ = choices_;
            redraw_domain_slots(lib_, t, target, rng, transfer_choices_);
            text_.clear();
            render(lib_, t, t.text, target, transfer_choices_, text_);
            if (styled_) {
                plain_.swap(text_);
                render_short(t, target, transfer_choices_, short_);
                context_.clear();
                render(lib_, t, t.context, target, transfer_choices_, context_);
                style = style_as(plain_, short_, context_, text_);
            }
            if (seen(normalized_hash(text_))) {
                done = true;
            } else {
                rep.duplicates_rejected++;
            }
        }
        if (!done) {
            rep.filtered++;
            return;
        }
        Example& e = push(agent, t, Augmentation::domain, t.complexity, target, rng);
        e.input.swap(text_);
        render(lib_, t, t.context, target, transfer_choices_, e.context);
        e.metadata.style = style;
        if (style == Style::context) {
            e.context.clear();
        }
        rep.domain++;
    }

    // Styles written from the short form (the rest, imperative and context, from the text).
    static bool short_style(Style s) {
        return s == Style::terse || s == Style::question || s == Style::chat ||
               s == Style::lowercase;
    }

    // A complexity variation of the short form into text_: the short form in style `want`
    // under a level prefix (lower-cased after it for the lowercase style). false when the
    // category has no prefix for `level`; `used` gets the style written.
    bool short_variant(Category category, Complexity level, Style want, Rng& rng, Style& used) {
        if (want == Style::lowercase) {
            if (!complexity_frame(lib_.lexicon,
                                  category,
                                  level,
                                  base_short_,
                                  rng,
                                  plain_,
                                  /*prefix_only=*/true)) {
                return false;
            }
            used = render_style(lib_.lexicon, lib_.styles, want, plain_, "", "", style_rng_, text_);
            return true;
        }
        used =
            render_style(lib_.lexicon, lib_.styles, want, base_short_, "", "", style_rng_, plain_);
        return complexity_frame(
            lib_.lexicon, category, level, plain_, rng, text_, /*prefix_only=*/true);
    }

    // One of the template's short forms rendered with `choices` (empty when it has none); the
    // pick comes from the style stream.
    void render_short(const Template& t, Domain domain, const Choices& choices, std::string& out) {
        out.clear();
        if (!t.shorts.empty()) {
            const CompiledText& s =
                t.shorts[style_rng_.below(static_cast<uint32_t>(t.shorts.size()))];
            render(lib_, t, s, domain, choices, out);
        }
    }

    // `out` = `text` written in a style drawn from the mix; returns the style used.
    Style style_as(const std::string& text,
                   std::string_view short_form,
                   std::string_view context,
                   std::string& out) {
        const Style want = draw_style(cfg_.styles, style_rng_);
        return render_style(
            lib_.lexicon, lib_.styles, want, text, short_form, context, style_rng_, out);
    }

    // The style stream: independent of the main one (which picks templates and values).
    static constexpr uint64_t kStyleStream = 0x5354594c45535452ULL;  // "STYLESTR"

    const Library& lib_;
    const GenConfig& cfg_;
    const bool styled_;
    Rng style_rng_;
    std::vector<Example> group_;
    size_t n_ = 0;
    Choices choices_, transfer_choices_;
    std::string text_, base_input_, base_context_;
    std::string plain_, short_, context_, base_short_;  // styled generation only
};

// Cycles through an agent's templates in a shuffled order, reshuffling after each pass. In
// streaming mode a template that can no longer render a new text is retired (retire_last), so
// exhausted templates stop costing attempts; when all are retired the full set comes back (the
// dedup window may have forgotten old texts by then).
class TemplateCursor {
public:
    void reset(uint32_t n, Rng& rng) {
        n_ = n;
        order_.resize(n);
        for (uint32_t i = 0; i < n; i++) {
            order_[i] = i;
        }
        shuffle(order_.begin(), n, rng);
        pos_ = 0;
    }

    uint32_t next(Rng& rng) {
        if (order_.empty()) {
            reset(n_, rng);
        }
        if (pos_ >= order_.size()) {
            shuffle(order_.begin(), static_cast<uint32_t>(order_.size()), rng);
            pos_ = 0;
        }
        return order_[pos_++];
    }

    // Removes the template returned by the last next() from the rotation.
    void retire_last() {
        RUVLLM_ASSERT(pos_ > 0);
        order_[pos_ - 1] = order_.back();
        order_.pop_back();
        pos_--;
    }

private:
    std::vector<uint32_t> order_;
    size_t pos_ = 0;
    uint32_t n_ = 0;
};

}  // namespace

Status validate(const GenConfig& cfg) {
    if (cfg.per_category < 0 || cfg.per_agent < 0) {
        return make_error(Errc::invalid_argument,
                          "example counts must not be negative, expected 0 or more");
    }
    if (cfg.paraphrases < 0 || cfg.paraphrases > 10) {
        return make_error(
            Errc::invalid_argument,
            "--paraphrases " + std::to_string(cfg.paraphrases) + ", expected 0 to 10");
    }
    if (cfg.complexity_variations < 0 || cfg.complexity_variations > 2) {
        return make_error(Errc::invalid_argument,
                          "--complexity-variations " + std::to_string(cfg.complexity_variations) +
                              ", expected 0, 1 or 2");
    }
    return ok();
}

std::vector<int> base_quotas(const Library& lib, const GenConfig& cfg) {
    std::vector<int> q(lib.agents.size(), 0);
    if (cfg.per_agent > 0) {
        std::fill(q.begin(), q.end(), cfg.per_agent);
        return q;
    }
    for (int c = 0; c < kNumCategories; c++) {
        std::vector<size_t> members;
        for (size_t a = 0; a < lib.agents.size(); a++) {
            if (static_cast<int>(lib.agents[a].category) == c) {
                members.push_back(a);
            }
        }
        const auto k = static_cast<int>(members.size());
        for (int i = 0; i < k; i++) {
            q[members[static_cast<size_t>(i)]] =
                cfg.per_category / k + (i < cfg.per_category % k ? 1 : 0);
        }
    }
    return q;
}

Result<std::vector<Example>> generate(const Library& lib, const GenConfig& cfg, GenReport* report) {
    Status v = validate(cfg);
    if (!v) {
        return v.error();
    }
    GenReport rep;
    Rng rng(cfg.seed);
    std::unordered_set<uint64_t> seen_set;
    auto seen = [&](uint64_t h) {
        return seen_set.insert(h).second;
    };
    GroupBuilder builder(lib, cfg);
    std::vector<Example> out;
    const std::vector<int> quotas = base_quotas(lib, cfg);
    TemplateCursor cursor;
    for (size_t a = 0; a < lib.agents.size(); a++) {
        // One sub-stream per agent: editing one agent's file leaves the others' examples alone.
        Rng arng = rng.fork(a + 1);
        const auto n_templates = static_cast<uint32_t>(lib.agents[a].templates.size());
        cursor.reset(n_templates, arng);
        int made = 0;
        int tries = 0;
        const int max_tries = quotas[a] * 3 + static_cast<int>(n_templates);
        while (made < quotas[a] && tries < max_tries) {
            tries++;
            const Template& t = lib.agents[a].templates[cursor.next(arng)];
            if (!builder.build(t, arng, seen, rep)) {
                continue;
            }
            made++;
            for (size_t i = 0; i < builder.size(); i++) {
                out.push_back(builder.at(i));
            }
        }
        rep.base_shortfall += static_cast<uint64_t>(quotas[a] - made);
    }
    if (out.empty()) {
        return make_error(Errc::exhausted,
                          "generate: no example could be produced, expected a "
                          "positive count and a library with templates");
    }
    if (cfg.shuffle) {
        shuffle(out.begin(), static_cast<uint32_t>(out.size()), rng);
    }
    if (report != nullptr) {
        *report = rep;
    }
    return out;
}

// ---- streaming ----

// An exact set of 64-bit hashes (open addressing, linear probing, grown at 3/4 load).
class HashSet64 {
public:
    explicit HashSet64(uint64_t expected) {
        size_t n = 1024;
        while (n * 3 / 4 < expected) {
            n *= 2;
        }
        slots_.assign(n, 0);
    }

    // false if `h` was already in the set.
    bool insert(uint64_t h) {
        h |= 1;  // 0 marks an empty slot
        if ((size_ + 1) * 4 > slots_.size() * 3) {
            grow();
        }
        const size_t mask = slots_.size() - 1;
        for (size_t i = (h * 0x9E3779B97F4A7C15ULL) >> 20 & mask;; i = (i + 1) & mask) {
            if (slots_[i] == h) {
                return false;
            }
            if (slots_[i] == 0) {
                slots_[i] = h;
                size_++;
                return true;
            }
        }
    }

private:
    void grow() {
        std::vector<uint64_t> old = std::move(slots_);
        slots_.assign(old.size() * 2, 0);
        size_ = 0;
        for (const uint64_t h : old) {
            if (h != 0) {
                insert(h);
            }
        }
    }

    std::vector<uint64_t> slots_;
    size_t size_ = 0;
};

struct StreamGenerator::State {
    State(const Library& l, const GenConfig& c, uint64_t expected)
        : lib(l), cfg(c), rng(c.seed), builder(lib, cfg) {
        if (expected > 0 && expected <= kGlobalDedupMax) {
            all = std::make_unique<HashSet64>(expected + expected / 8);
        } else {
            window.assign(size_t{1} << 20, 0);
        }
    }

    const Library& lib;
    GenConfig cfg;
    Rng rng;
    GroupBuilder builder;
    GenReport rep;
    std::unique_ptr<HashSet64> all;  // every text so far (a stream of known, bounded length)
    std::vector<uint64_t> window;    // else: the recent texts
    std::vector<uint32_t> schedule;  // agent indices in proportion to quotas
    size_t sched_pos = 0;
    std::vector<TemplateCursor> cursors;
    size_t emit_pos = 0;
    uint64_t fruitless = 0;  // consecutive base attempts that produced nothing new
};

StreamGenerator::StreamGenerator(const Library& lib, const GenConfig& cfg, uint64_t expected)
    : s_(std::make_unique<State>(lib, cfg, expected)) {
    std::vector<int> q = base_quotas(lib, cfg);
    int g = 0;
    for (int x : q) {
        g = std::gcd(g, x);
    }
    for (size_t a = 0; a < q.size(); a++) {
        for (int k = 0; g > 0 && k < q[a] / g; k++) {
            s_->schedule.push_back(static_cast<uint32_t>(a));
        }
    }
    s_->cursors.resize(lib.agents.size());
    for (size_t a = 0; a < lib.agents.size(); a++) {
        s_->cursors[a].reset(static_cast<uint32_t>(lib.agents[a].templates.size()), s_->rng);
    }
    shuffle(s_->schedule.begin(), static_cast<uint32_t>(s_->schedule.size()), s_->rng);
}

StreamGenerator::~StreamGenerator() = default;

const GenReport& StreamGenerator::report() const {
    return s_->rep;
}

bool StreamGenerator::global_dedup() const {
    return s_->all != nullptr;
}

const Example* StreamGenerator::next() {
    State& s = *s_;
    // A 4-way set-associative table: a text is forgotten only when its set of 4 is full.
    auto seen = [&s](uint64_t h) {
        if (s.all) {
            return s.all->insert(h);
        }
        h |= 1;  // 0 marks an empty slot
        uint64_t* set = &s.window[(h & ((s.window.size() >> 2) - 1)) << 2];
        for (int k = 0; k < 4; k++) {
            if (set[k] == h) {
                return false;
            }
        }
        for (int k = 0; k < 4; k++) {
            if (set[k] == 0) {
                set[k] = h;
                return true;
            }
        }
        set[h >> 62] = h;
        return true;
    };
    while (s.emit_pos >= s.builder.size()) {
        if (s.schedule.empty()) {
            error_ = make_error(Errc::exhausted, "generate: no agent has a positive quota");
            return nullptr;
        }
        const uint32_t a = s.schedule[s.sched_pos];
        s.sched_pos = (s.sched_pos + 1) % s.schedule.size();
        const Template& t = s.lib.agents[a].templates[s.cursors[a].next(s.rng)];
        s.emit_pos = 0;
        if (s.builder.build(t, s.rng, seen, s.rep)) {
            s.fruitless = 0;
            continue;
        }
        s.cursors[a].retire_last();
        if (++s.fruitless > 100000) {
            error_ = make_error(Errc::exhausted,
                                "generate: the library produced no new text in 100000 attempts, "
                                "expected more templates or values for this count");
            return nullptr;
        }
    }
    return &s.builder.at(s.emit_pos++);
}

}  // namespace ruvllm
