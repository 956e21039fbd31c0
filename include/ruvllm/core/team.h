// ruvllm/core/team.h: a fixed group of threads that runs one job at a time, started once and
// reused for many jobs (a thread start costs tens of microseconds; waking a team, a few).
//
// The calling thread is member 0; the constructor starts size() - 1 workers and the destructor
// joins them. Between jobs a worker spins briefly (tens of microseconds: long enough to bridge
// two products of a forward pass), then sleeps on an atomic. One caller at a time: make one
// team per concurrent caller.
//
// Work split over a team must give results that do not depend on its size: split the outputs
// (each written by one member, summed in an order that does not depend on the split), as
// qmatmul.h and qwen2_ops.h do.
//
// Usage:
//   ruvllm::Team team(4);                                   // this thread + 3 workers
//   team.run([&](int i) { /* member i of team.size() */ });
//   ruvllm::run_ranges(&team, n, 16, [&](int i0, int i1) { /* rows [i0, i1) */ });
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace ruvllm {

class Team {
public:
    explicit Team(int n_threads);  // n_threads >= 1
    ~Team();
    Team(const Team&) = delete;
    Team& operator=(const Team&) = delete;

    int size() const { return static_cast<int>(workers_.size()) + 1; }

    // Runs job(i) for every member i in [0, size()) (i == 0 on the calling thread) and returns
    // when all have finished.
    void run(const std::function<void(int)>& job);

private:
    void work(int index);

    std::vector<std::thread> workers_;
    const std::function<void(int)>* job_ = nullptr;
    std::atomic<uint32_t> epoch_{0};
    std::atomic<int> pending_{0};
    bool stop_ = false;
};

// Splits [0, n) into one contiguous range per member of `team` (fewer when n / align is
// smaller), inner bounds rounded down to multiples of `align` (>= 1), and runs fn(i0, i1) for
// each; fn must write disjoint outputs per range. team == nullptr: fn(0, n) on this thread.
void run_ranges(Team* team, int n, int align, const std::function<void(int, int)>& fn);

}  // namespace ruvllm
