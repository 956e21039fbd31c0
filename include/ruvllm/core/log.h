// ruvllm/core/log.h: how a long library job talks to its caller: finished one-line status
// messages ("train: 7 epochs in 5.7 s; best epoch 2 ...") and the progress of long steps. Jobs
// never print; the CLI turns a Log into stderr lines and a progress bar, a library user into
// whatever it likes, and an empty Log (the default) keeps a job quiet.
//
// Usage:
//   ruvllm::Log log;
//   log.line = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
//   log.say(ruvllm::strformat("train: %d epochs", 7));
//   log.count("embed", 120, 480, "texts");         // counted: the bar shows a rate (texts/s)
//   log.step("train", 0.5, "epoch 4, loss 0.41");  // a bare fraction; both ignored when
//                                                  // log.progress is empty
#pragma once

#include <functional>
#include <string>

namespace ruvllm {

// One report of a long step's progress. A step's last report has done == total (a job that
// stops early, e.g. training's patience, still ends its step so).
struct Progress {
    std::string step;  // the step's name: "train", "embed"
    double done = 0;   // units done so far
    double total = 0;  // units in all; 0 when unknown
    std::string unit;  // what the units are ("examples", "texts"); "" when done/total is a bare
                       // fraction (total 1): no counts and no rate are shown then
    std::string note;  // "epoch 3/7, loss 0.41": fields between ", ", which a narrow progress
                       // line keeps or drops whole
};

struct Log {
    // A finished status line, without its newline.
    std::function<void(const std::string&)> line;
    // Progress of a long step (see Progress).
    std::function<void(const Progress&)> progress;

    void say(const std::string& message) const {
        if (line) {
            line(message);
        }
    }

    // `done` of `total` units (total 0: unknown).
    void count(const std::string& name,
               double done,
               double total,
               const std::string& unit,
               const std::string& note = "") const {
        if (progress) {
            progress(Progress{name, done, total, unit, note});
        }
    }

    // The fraction done, in [0, 1], when the step has no natural unit.
    void step(const std::string& name, double fraction, const std::string& note = "") const {
        count(name, fraction, 1.0, "", note);
    }
};

// printf into a std::string.
std::string strformat(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A progress report as one terminal line of at most `width` columns (UTF-8 code points), with
// `elapsed_s` seconds since the step began:
//   "train [#######.......]  52%  1250/2400 examples  310 examples/s  0:04 ETA 0:03  epoch 2/7"
// The percentage floors (100% only when done >= total); the rate and the ETA wait for half a
// second of work. With an unknown total there is no bar, no percentage and no ETA. The bar has
// 10 cells, up to a fifth of the width (30 at most) when the rest leaves room. When the width is
// short, fields go in this order: the counts, the note's fields (from its end), the bar, the
// rate, the times; the step's name is cut last. Pure: the CLI (tools/ruvllm/progress.h) draws it.
std::string format_progress(const Progress& p, double elapsed_s, int width);

}  // namespace ruvllm
