// style.cpp: surface styles (style.h).
#include <cstdio>

#include <ruvllm/dataset/library.h>
#include <ruvllm/dataset/style.h>

#include "core/yaml_internal.h"

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

inline char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (static_cast<unsigned char>(c) >= 0x80);
}

// The task as a frame embeds it: first letter lower-cased when common, no final period.
std::string frame_task(const Lexicon& lex, std::string_view task) {
    std::string t(task);
    while (!t.empty() && (t.back() == '.' || t.back() == ' ')) {
        t.pop_back();
    }
    lower_first_if_common(lex, t);
    return t;
}

// `frame` with {task} (and {context}) replaced.
std::string fill_frame(const std::string& frame, std::string_view task, std::string_view context) {
    std::string out;
    for (size_t i = 0; i < frame.size();) {
        if (frame.compare(i, 6, "{task}") == 0) {
            out.append(task);
            i += 6;
        } else if (frame.compare(i, 9, "{context}") == 0) {
            out.append(context);
            i += 9;
        } else {
            out.push_back(frame[i++]);
        }
    }
    return out;
}

// Lower case, punctuation removed; '.', '-', '_', '/', '+', '#' kept inside a word ("node.js",
// "ci/cd", "c++").
std::string lowercase_plain(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        const char c = s[i];
        const bool inner = (c == '.' || c == '-' || c == '_' || c == '/') && i > 0 &&
                           i + 1 < s.size() && word_char(s[i - 1]) && word_char(s[i + 1]);
        if (word_char(c) || inner || c == '+' || c == '#') {
            out.push_back(lower(c));
        } else if (!out.empty() && out.back() != ' ') {
            out.push_back(' ');
        }
    }
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

const std::string& pick(const std::vector<std::string>& v, Rng& rng) {
    return v[rng.below(static_cast<uint32_t>(v.size()))];
}

Status frames(const YAML::Node& n,
              const std::string& file,
              const std::string& key,
              bool need_context,
              std::vector<std::string>& out) {
    YAML::Node bad;
    if (!yaml::string_list(n, out, bad) || out.empty()) {
        return make_error(Errc::format,
                          yaml::where(file, n) + ": " + key + ", expected a list of frames");
    }
    for (const std::string& f : out) {
        if (f.find("{task}") == std::string::npos ||
            (need_context && f.find("{context}") == std::string::npos)) {
            return make_error(Errc::format,
                              yaml::where(file, n) + ": frame '" + f + "', expected {task}" +
                                  (need_context ? " and {context}" : ""));
        }
    }
    return ok();
}

}  // namespace

bool StyleMix::empty() const {
    for (const float w : weight) {
        if (w > 0) {
            return false;
        }
    }
    return true;
}

int count_words(std::string_view s) {
    int n = 0;
    bool in_word = false;
    for (const char c : s) {
        const bool space = c == ' ' || c == '\t' || c == '\n';
        n += !space && !in_word ? 1 : 0;
        in_word = !space;
    }
    return n;
}

Result<StyleMix> parse_style_mix(std::string_view spec, const StyleMix& real) {
    if (spec.empty() || spec == "none") {
        return StyleMix{};
    }
    if (spec == "real" || spec == "default") {
        if (real.empty()) {
            return make_error(Errc::invalid_argument,
                              "styles 'real': the library has no lexicon/styles.yaml mix, "
                              "expected one (or give the mix as name=weight,...)");
        }
        return real;
    }
    StyleMix mix;
    size_t pos = 0;
    while (pos <= spec.size()) {
        const size_t comma = std::min(spec.find(',', pos), spec.size());
        const std::string_view part = spec.substr(pos, comma - pos);
        const size_t eq = part.find('=');
        Style s{};
        float w = -1;
        if (eq != std::string_view::npos && parse_style(part.substr(0, eq), s) &&
            s != Style::none) {
            const std::string num(part.substr(eq + 1));
            char* end = nullptr;
            w = std::strtof(num.c_str(), &end);
            if (num.empty() || end != num.c_str() + num.size() || !(w >= 0)) {
                w = -1;
            }
        }
        if (w < 0) {
            return make_error(Errc::invalid_argument,
                              "styles: '" + std::string(part) +
                                  "', expected name=weight with a name among terse, imperative, "
                                  "question, chat, lowercase, context and a weight >= 0");
        }
        mix.weight[static_cast<int>(s)] = w;
        pos = comma + 1;
    }
    if (mix.empty()) {
        return make_error(Errc::invalid_argument,
                          "styles '" + std::string(spec) +
                              "': every weight is 0, expected one "
                              "above 0 (or 'none')");
    }
    return mix;
}

std::string style_mix_string(const StyleMix& mix) {
    std::string out;
    for (int s = 1; s < kNumStyles; s++) {
        const float w = mix.weight[static_cast<size_t>(s)];
        if (w > 0) {
            char buf[48];
            std::snprintf(buf,
                          sizeof(buf),
                          "%s%s=%.2f",
                          out.empty() ? "" : ",",
                          std::string(style_name(static_cast<Style>(s))).c_str(),
                          static_cast<double>(w));
            out += buf;
        }
    }
    return out.empty() ? "none" : out;
}

Style draw_style(const StyleMix& mix, Rng& rng) {
    float total = 0;
    for (const float w : mix.weight) {
        total += w;
    }
    if (!(total > 0)) {
        return Style::none;
    }
    float r = rng.uniform_f32() * total;
    for (int s = 1; s < kNumStyles; s++) {
        r -= mix.weight[static_cast<size_t>(s)];
        if (r < 0) {
            return static_cast<Style>(s);
        }
    }
    return Style::imperative;  // rounding at the top end: the last style with a weight
}

Style render_style(const Lexicon& lex,
                   const StyleRules& rules,
                   Style s,
                   std::string_view text,
                   std::string_view short_form,
                   std::string_view context,
                   Rng& rng,
                   std::string& out) {
    // question, chat and lowercase prefer the short form: real messages are short.
    const std::string_view either = !short_form.empty() && rng.bernoulli(0.7) ? short_form : text;
    out.clear();
    switch (s) {
        case Style::terse:
            if (short_form.empty() && count_words(text) <= kMaxShortWords) {
                out.assign(text);
                return s;
            }
            break;  // the short form, below
        case Style::question:
        case Style::chat: {
            const bool imperative = starts_imperative(lex, either);
            const std::vector<std::string>& f =
                s == Style::question ? (imperative ? rules.question : rules.question_any)
                                     : (imperative ? rules.chat : rules.chat_any);
            if (!f.empty()) {
                const std::string task = imperative ? frame_task(lex, either) : std::string(either);
                out = fill_frame(pick(f, rng), task, "");
                return s;
            }
            break;
        }
        case Style::lowercase:
            out = lowercase_plain(either);
            if (!out.empty()) {
                return s;
            }
            break;
        case Style::context:
            if (!context.empty() && !rules.context.empty()) {
                std::string ctx(context);
                while (!ctx.empty() && ctx.back() == ' ') {
                    ctx.pop_back();
                }
                if (!ctx.empty() && ctx.back() != '.' && ctx.back() != '?' && ctx.back() != '!') {
                    ctx.push_back('.');
                }
                out = fill_frame(pick(rules.context, rng), text, ctx);
                return s;
            }
            break;
        default:
            break;
    }
    if (!short_form.empty()) {
        out.assign(short_form);
        return Style::terse;
    }
    out.assign(text);
    return Style::imperative;
}

Result<StyleRules> load_styles(const fs::path& path) {
    const std::string file = "lexicon/styles.yaml";
    Result<YAML::Node> doc = yaml::load(path, file);
    if (!doc) {
        return doc.error();
    }
    if (!doc->IsMap()) {
        return make_error(Errc::format, file + ":1: expected a mapping at the top level");
    }
    StyleRules r;
    r.loaded = true;
    for (const auto& kv : *doc) {
        const std::string key = kv.first.Scalar();
        Status s = ok();
        if (key == "mix") {
            if (!kv.second.IsMap()) {
                return make_error(Errc::format,
                                  yaml::where(file, kv.second) + ": mix, expected style: weight");
            }
            for (const auto& w : kv.second) {
                Style st{};
                float v = -1;
                if (!parse_style(w.first.Scalar(), st) || st == Style::none ||
                    !yaml::parse_float(w.second, v) || !(v >= 0)) {
                    return make_error(Errc::format,
                                      yaml::where(file, w.first) + ": mix entry '" +
                                          w.first.Scalar() +
                                          "', expected a style (terse, imperative, question, "
                                          "chat, lowercase, context) with a weight >= 0");
                }
                r.mix.weight[static_cast<int>(st)] = v;
            }
        } else if (key == "question" || key == "chat" || key == "question_any" ||
                   key == "chat_any") {
            std::vector<std::string>& dst = key == "question"       ? r.question
                                            : key == "question_any" ? r.question_any
                                            : key == "chat"         ? r.chat
                                                                    : r.chat_any;
            s = frames(kv.second, file, key, false, dst);
        } else if (key == "context") {
            s = frames(kv.second, file, key, true, r.context);
        } else {
            return make_error(Errc::format,
                              yaml::where(file, kv.first) + ": unknown key '" + key +
                                  "', expected mix, question, question_any, chat, chat_any or "
                                  "context");
        }
        if (!s) {
            return s.error();
        }
    }
    return r;
}

}  // namespace ruvllm
