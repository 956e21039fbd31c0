// ruvllm/dataset/library.h: the agent and template library the generator draws from.
//
// A library is a directory (docs/library.md has the full format):
//   values.yaml               shared placeholder value lists (plain or domain-keyed)
//   agents/<agent>.yaml       one agent: category, description, keywords, templates, local values
//   lexicon/paraphrase.yaml   synonym groups and phrasing rewrites       (see augment.h)
//   lexicon/complexity.yaml   per-category complexity frames              (see augment.h)
//   lexicon/styles.yaml       surface styles: default mix and frames      (see style.h; optional)
// Loading validates everything and compiles each template into literal and placeholder segments,
// so rendering is a loop of appends. Every load error names the file and line.
//
// Usage:
//   ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library("data/library");
//   if (!lib) { /* lib.error().message: "agents/coder.yaml:40: unknown placeholder {x}..." */ }
//   for (const ruvllm::Agent& a : lib->agents) { ... a.templates.size() ... }
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/augment.h>
#include <ruvllm/dataset/dataset.h>
#include <ruvllm/dataset/style.h>

namespace ruvllm {

// A named list of placeholder values. Plain lists have the same list for every domain;
// domain-keyed lists may lack some domains (index -1).
struct ValueList {
    std::string name;  // "language", or "coder:feature" for an agent-local list
    bool domain_keyed = false;
    std::vector<std::vector<std::string>> lists;    // distinct value lists
    std::array<int16_t, kNumDomains> for_domain{};  // index into lists, -1 if none
};

// One placeholder occurrence kind in a template: a list and which draw ({x} = 1, {x#2} = 2).
struct Slot {
    uint32_t list = 0;  // index into Library::values
    uint8_t draw = 1;
};

// A text compiled into literal runs and placeholder references.
struct CompiledText {
    struct Segment {
        uint32_t begin = 0, size = 0;  // literal bytes in `pool` (slot < 0)
        int32_t slot = -1;             // index into Template::slots, or -1 for a literal
    };

    std::string pool;
    std::vector<Segment> segments;

    bool empty() const { return segments.empty(); }
};

struct Template {
    std::string id;  // "<agent>-<nnn>", nnn = 1-based position in the file
    uint32_t agent = 0;
    uint32_t line = 0;  // 1-based line in the agent file
    CompiledText text, context;
    std::array<CompiledText, kNumComplexities> variants;  // empty where not given
    // Hand-written short forms (`short:`): the task as a terse ticket title of at most
    // kMaxShortWords words, for the terse style (generator.h).
    std::vector<CompiledText> shorts;
    Complexity complexity = Complexity::moderate;
    Domain domain = Domain::web;
    std::vector<std::string> tags;
    float quality = 0.9f;
    std::vector<Slot> slots;    // distinct (list, draw) pairs used by text/context/variants
    uint8_t transfer_mask = 0;  // bit d: the template can be re-rendered under domain d
};

struct Keyword {
    std::string text;  // lower case, one or more words
    float weight = 1.0f;
};

struct Agent {
    std::string name;
    std::string description;
    Category category = Category::coder;
    std::vector<std::string> confusable_with;
    std::vector<Keyword> keywords;
    std::vector<Template> templates;
    std::string file;  // path the agent was loaded from
};

struct Library {
    std::vector<Agent> agents;  // sorted by name
    std::vector<ValueList> values;
    Lexicon lexicon;    // paraphrase + complexity rewrites
    StyleRules styles;  // lexicon/styles.yaml (optional): surface styles (style.h)

    // Index of the agent called `name`, or -1.
    int find_agent(std::string_view name) const;
};

// Minimum number of distinct values per list.
constexpr size_t kMinListValues = 6;
// Most words a template's short form may have (a placeholder counts as one word).
constexpr int kMaxShortWords = 8;

// Loads `dir` (values.yaml, agents/, lexicon/). `agents_dir`, when not empty, replaces
// `dir`/agents. Errc::io for missing files, Errc::parse for bad YAML, Errc::format for rule
// violations; messages are "<file>:<line>: <what>, expected <what>".
Result<Library> load_library(const std::filesystem::path& dir,
                             const std::filesystem::path& agents_dir = {});

// The library shipped with ruvllm: data_dir() / "library" (core/paths.h: the installed copy
// beside the program, else the source tree's).
std::filesystem::path default_library_dir();

// ---- rendering ----

// Value choices for a template's slots: index into the slot's list for the current domain.
using Choices = std::vector<uint32_t>;

// Draws a value for every slot of `t` under `domain` (draw 2 differs from draw 1 of the same
// list). Slots whose list has no entry for `domain` are left at 0.
void draw_choices(const Library& lib, const Template& t, Domain domain, Rng& rng, Choices& out);

// Re-draws only the domain-keyed slots (domain transfer).
void redraw_domain_slots(
    const Library& lib, const Template& t, Domain domain, Rng& rng, Choices& choices);

// Appends `text` rendered with `choices` under `domain` to `out`.
void render(const Library& lib,
            const Template& t,
            const CompiledText& text,
            Domain domain,
            const Choices& choices,
            std::string& out);

}  // namespace ruvllm
