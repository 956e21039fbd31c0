// team.cpp: the thread team (team.h).
#include <algorithm>

#include <ruvllm/core/error.h>
#include <ruvllm/core/team.h>

namespace ruvllm {

namespace {

// Spins this many rounds (tens of microseconds) waiting for work or for the team before
// sleeping on the atomic: long enough to bridge the gap between two products, short enough
// not to hold a core that another thread (ours, on a busy machine) is waiting for.
constexpr int kSpins = 1 << 11;

void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Waits until `a` differs from `old`: spins, then sleeps on the atomic.
template <class T>
T wait_change(const std::atomic<T>& a, T old) {
    for (int i = 0; i < kSpins; i++) {
        const T v = a.load(std::memory_order_acquire);
        if (v != old) {
            return v;
        }
        pause();
    }
    a.wait(old, std::memory_order_acquire);
    return a.load(std::memory_order_acquire);
}

}  // namespace

Team::Team(int n_threads) {
    RUVLLM_ASSERT(n_threads >= 1);
    for (int i = 1; i < n_threads; i++) {
        workers_.emplace_back([this, i] { work(i); });
    }
}

Team::~Team() {
    if (workers_.empty()) {
        return;
    }
    stop_ = true;
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_all();
    for (std::thread& t : workers_) {
        t.join();
    }
}

void Team::work(int index) {
    uint32_t seen = 0;
    for (;;) {
        seen = wait_change(epoch_, seen);
        if (stop_) {
            return;
        }
        (*job_)(index);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            pending_.notify_all();
        }
    }
}

void Team::run(const std::function<void(int)>& job) {
    if (workers_.empty()) {
        job(0);
        return;
    }
    job_ = &job;
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_all();
    job(0);
    for (int left = pending_.load(std::memory_order_acquire); left != 0;) {
        left = wait_change(pending_, left);
    }
}

void run_ranges(Team* team, int n, int align, const std::function<void(int, int)>& fn) {
    RUVLLM_ASSERT(align >= 1);
    const int nt = team == nullptr ? 1 : std::clamp(team->size(), 1, std::max(1, n / align));
    if (nt == 1) {
        fn(0, n);
        return;
    }
    auto bound = [&](int i) {
        return i == nt ? n : static_cast<int>(int64_t{n} * i / nt) / align * align;
    };
    team->run([&](int i) {
        if (i < nt) {
            fn(bound(i), bound(i + 1));
        }
    });
}

}  // namespace ruvllm
