// ruvllm/dataset/style.h: surface styles: how a generated task is written, the way people
// really type requests to a coding assistant (issue #14). A template's text is one full request;
// real requests are mostly terse ("flaky checkout test", "why is search slow?"). With styles on
// (generate --styles), every example is rendered in a style drawn from a mix:
//   terse       a ticket title: one of the template's hand-written short forms (`short:`,
//               library.h), else the text itself when it has at most kMaxShortWords words
//   imperative  the full one-line request, as the template writes it
//   question    a question frame around the task: "how do I {task}?" for an imperative, "any
//               ideas on {task}?" (question_any) for any other phrase
//   chat        a casual frame around the task: "hey, can you {task}" for an imperative,
//               "{task} please" (chat_any) for any other phrase
//   lowercase   the task (short form or text) lower-cased, without punctuation
//   context     the context sentence and the task in one request ("{context} {task}")
// question, chat and lowercase use the short form when there is one (7 times in 10), else the
// text. A style that does not apply (a long text without a short form for terse, no context)
// falls back to terse when there is a short form, else to imperative. The frames and the
// default mix are data: lexicon/styles.yaml (docs/library.md).
//
// Usage:
//   ruvllm::Result<ruvllm::StyleMix> mix = ruvllm::parse_style_mix("terse=0.5,chat=0.5", {});
//   ruvllm::Style s = ruvllm::draw_style(*mix, rng);
//   ruvllm::render_style(lexicon, rules, s, text, short_form, context, rng, out);
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>
#include <ruvllm/core/rng.h>
#include <ruvllm/dataset/augment.h>
#include <ruvllm/dataset/dataset.h>

namespace ruvllm {

// Weights of the styles (index = Style); all zero = styles off (the seed's datasets).
struct StyleMix {
    std::array<float, kNumStyles> weight{};

    bool empty() const;
};

struct StyleRules {
    StyleMix mix;                           // the default mix ("real"): lexicon/styles.yaml `mix`
    std::vector<std::string> question;      // frames containing {task}, for an imperative
    std::vector<std::string> question_any;  // frames containing {task}, for any phrase
    std::vector<std::string> chat;          // frames containing {task}, for an imperative
    std::vector<std::string> chat_any;      // frames containing {task}, for any phrase
    std::vector<std::string> context;       // frames containing {task} and {context}
    bool loaded = false;                    // the library has a styles.yaml
};

// Loads lexicon/styles.yaml (keys mix, question, question_any, chat, chat_any, context). Errors
// name the file and line.
Result<StyleRules> load_styles(const std::filesystem::path& path);

// "" or "none": off; "real" (or "default"): the rules' mix; else "name=weight,..." over
// terse, imperative, question, chat, lowercase, context (weights >= 0, not all zero).
// Errc::invalid_argument naming the bad part.
Result<StyleMix> parse_style_mix(std::string_view spec, const StyleMix& real);

// "terse=0.30,imperative=0.25,..." (the styles with a weight, in Style order).
std::string style_mix_string(const StyleMix& mix);

// A style drawn with the mix's weights (Style::none when the mix is empty).
Style draw_style(const StyleMix& mix, Rng& rng);

// Writes `text` in style `s` to `out` (see the top of this file); `short_form` and `context`
// may be empty. Returns the style actually used (terse or imperative when `s` does not apply).
Style render_style(const Lexicon& lex,
                   const StyleRules& rules,
                   Style s,
                   std::string_view text,
                   std::string_view short_form,
                   std::string_view context,
                   Rng& rng,
                   std::string& out);

// Words of `s` (runs of non-space characters).
int count_words(std::string_view s);

}  // namespace ruvllm
