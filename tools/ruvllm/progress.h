// progress.h: the one progress bar of the CLI (pretrain; train's embed, train and sparse steps;
// generate --stream), on stderr. On a terminal it redraws one line, narrower than the terminal
// (core/log.h format_progress:
// "train [#######.......]  52%  310 examples/s  0:04 ETA 0:03  epoch 2/7 loss 0.4100"), and
// leaves it at the step's last report (100%); it is silent when stderr is not a terminal (logs,
// pipes, CI) and with --quiet. Commands print their own one-line summaries.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <ruvllm/core/log.h>

#include <sys/ioctl.h>
#include <unistd.h>

namespace ruvllm::cli {

// The columns of the terminal on stderr: its window size, else $COLUMNS, else 80.
inline int terminal_width() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        return ws.ws_col;
    }
    if (const char* env = std::getenv("COLUMNS"); env != nullptr) {
        char* end = nullptr;
        const long n = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && n > 0 && n < 100000) {
            return static_cast<int>(n);
        }
    }
    return 80;
}

// One step's bar: redrawn at most every 100 ms, and always at the step's end.
class ProgressBar {
public:
    ProgressBar() : tty_(::isatty(STDERR_FILENO) != 0), t0_(std::chrono::steady_clock::now()) {}

    void update(const Progress& p) {
        if (!tty_) {
            return;
        }
        last_report_ = p;
        pending_ = true;
        const auto now = std::chrono::steady_clock::now();
        if (!ended() && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) {
            return;
        }
        draw(now);
    }

    // Whether the last report was the step's end (done == total).
    bool ended() const { return last_report_.total > 0 && last_report_.done >= last_report_.total; }

    // Draws a report held back by the 100 ms limit and ends the bar's line (call before
    // printing anything else to stderr).
    void finish() {
        if (pending_) {
            draw(std::chrono::steady_clock::now());
        }
        if (drawn_) {
            std::fputc('\n', stderr);
            drawn_ = false;
        }
    }

    ~ProgressBar() { finish(); }

    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

private:
    void draw(std::chrono::steady_clock::time_point now) {
        const double elapsed = std::chrono::duration<double>(now - t0_).count();
        // One column short of the width: a line that fills the last column wraps on some
        // terminals.
        const std::string line = format_progress(last_report_, elapsed, terminal_width() - 1);
        std::fprintf(stderr, "\r%s\033[K", line.c_str());
        std::fflush(stderr);
        last_draw_ = now;
        drawn_ = true;
        pending_ = false;
    }

    bool tty_;
    bool drawn_ = false, pending_ = false;
    Progress last_report_;
    std::chrono::steady_clock::time_point t0_, last_draw_;
};

// A library job's Log (core/log.h) for the CLI: lines to stderr (none with `quiet`), progress as
// one bar per step (a new one when the step's name changes, or when a step that ended starts
// again), finished before the next line is printed.
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
    log.progress = [st](const Progress& p) {
        const bool restarts = st->bar && st->bar->ended() && !(p.total > 0 && p.done >= p.total);
        if (!st->bar || st->step != p.step || restarts) {
            st->bar = nullptr;  // the old bar's line ends first
            st->bar = std::make_unique<ProgressBar>();
            st->step = p.step;
        }
        st->bar->update(p);
    };
    return log;
}

}  // namespace ruvllm::cli
