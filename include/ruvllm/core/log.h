// ruvllm/core/log.h: how a long library job talks to its caller: finished one-line status
// messages ("train: 7 epochs in 5.7 s; best epoch 2 ...") and the progress of long steps. Jobs
// never print; the CLI turns a Log into stderr lines and a progress bar, a library user into
// whatever it likes, and an empty Log (the default) keeps a job quiet.
//
// Usage:
//   ruvllm::Log log;
//   log.line = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
//   log.say(ruvllm::strformat("train: %d epochs", 7));
//   log.step("train", 0.5, "epoch 4 loss 0.41");   // ignored when log.progress is empty
#pragma once

#include <functional>
#include <string>

namespace ruvllm {

struct Log {
    // A finished status line, without its newline.
    std::function<void(const std::string&)> line;
    // Progress of a long step: its name ("embed", "train"), the fraction done in [0, 1] and a
    // short note ("epoch 3 loss 0.41"). The last call of a step has fraction 1.
    std::function<void(const std::string&, double, const std::string&)> progress;

    void say(const std::string& message) const {
        if (line) {
            line(message);
        }
    }

    void step(const std::string& name, double fraction, const std::string& note = "") const {
        if (progress) {
            progress(name, fraction, note);
        }
    }
};

// printf into a std::string.
std::string strformat(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace ruvllm
