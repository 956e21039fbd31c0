// progress.h: the one progress bar of the CLI (pretrain, train, generate --stream, grpo,
// quantize, eval), on stderr. On a terminal it redraws one line
// ("pretrain [#######.......] 52% loss 1.7831 ETA 0:41"); it is silent when stderr is not a
// terminal (logs, pipes, CI) and with --quiet. Commands print their own one-line summaries.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <ruvllm/core/log.h>

#include <unistd.h>

namespace ruvllm::cli {

class ProgressBar {
public:
    ProgressBar(std::string label, bool quiet)
        : label_(std::move(label)),
          quiet_(quiet),
          tty_(::isatty(STDERR_FILENO) != 0),
          t0_(std::chrono::steady_clock::now()) {}

    // fraction in [0, 1]; `info` is appended ("loss 1.78").
    void update(double fraction, const std::string& info = "") {
        if (quiet_ || !tty_) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - t0_).count();
        if (tty_) {
            if (now - last_ < std::chrono::milliseconds(100) && fraction < 1.0) {
                return;
            }
            last_ = now;
            const int width = 24;
            const int filled = static_cast<int>(fraction * width + 0.5);
            std::string bar(static_cast<size_t>(filled), '#');
            bar.append(static_cast<size_t>(width - filled), '.');
            std::fprintf(stderr,
                         "\r%s [%s] %3.0f%% %s %s\033[K",
                         label_.c_str(),
                         bar.c_str(),
                         100 * fraction,
                         info.c_str(),
                         eta(fraction, elapsed).c_str());
            drawn_ = true;
        }
    }

    // Ends the bar line (call before printing anything else to stderr).
    void finish() {
        if (drawn_) {
            std::fprintf(stderr, "\n");
            drawn_ = false;
        }
    }

    ~ProgressBar() { finish(); }

    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

private:
    static std::string eta(double fraction, double elapsed) {
        if (fraction <= 0.0 || fraction >= 1.0) {
            return "";
        }
        const auto left = static_cast<long>(elapsed * (1.0 - fraction) / fraction);
        char buf[32];
        std::snprintf(buf, sizeof(buf), "ETA %ld:%02ld", left / 60, left % 60);
        return buf;
    }

    std::string label_;
    bool quiet_, tty_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point t0_, last_;
};

// A library job's Log (core/log.h) for the CLI: lines to stderr (none with `quiet`), progress as
// one bar per step name, finished before the next line is printed.
inline Log make_log(bool quiet) {
    struct State {
        std::unique_ptr<ProgressBar> bar;
        std::string step;
    };

    auto st = std::make_shared<State>();
    Log log;
    if (quiet) {
        return log;
    }
    log.line = [st](const std::string& s) {
        if (st->bar) {
            st->bar->finish();
        }
        std::fprintf(stderr, "%s\n", s.c_str());
    };
    log.progress = [st](const std::string& step, double fraction, const std::string& note) {
        if (!st->bar || st->step != step) {
            st->bar = std::make_unique<ProgressBar>(step, false);
            st->step = step;
        }
        st->bar->update(fraction, note);
    };
    return log;
}

}  // namespace ruvllm::cli
