// team_test.cpp (label: unit): the thread team (team.h): every member runs once per job, a team
// is reused for many jobs, and run_ranges covers [0, n) with disjoint aligned ranges.
#include <atomic>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/team.h>

namespace {

using ruvllm::Team;

TEST(Team, RunsEveryMemberOncePerJob) {
    Team team(3);
    EXPECT_EQ(team.size(), 3);
    for (int round = 0; round < 300; round++) {
        std::vector<int> hits(3, 0);
        team.run([&](int i) { hits[static_cast<size_t>(i)]++; });
        ASSERT_EQ(hits, std::vector<int>({1, 1, 1})) << "round " << round;
    }
    Team solo(1);
    int calls = 0;
    solo.run([&](int i) { calls += i + 1; });
    EXPECT_EQ(calls, 1);
}

// Each index of [0, n) is visited exactly once; inner bounds are multiples of `align`.
void expect_cover(Team* team, int n, int align, int want_ranges) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    std::atomic<int> ranges{0};
    ruvllm::run_ranges(team, n, align, [&](int i0, int i1) {
        ranges++;
        if (i0 != 0) {
            EXPECT_EQ(i0 % align, 0) << "n " << n << " align " << align;
        }
        for (int i = i0; i < i1; i++) {
            hits[static_cast<size_t>(i)]++;
        }
    });
    for (int i = 0; i < n; i++) {
        ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "n " << n << " i " << i;
    }
    EXPECT_EQ(ranges.load(), want_ranges) << "n " << n << " align " << align;
}

TEST(Team, RunRangesCoversEveryIndexOnce) {
    Team team(3);
    expect_cover(&team, 100, 1, 3);
    expect_cover(&team, 100, 16, 3);
    expect_cover(&team, 40, 16, 2);  // 40 / 16 = 2 ranges
    expect_cover(&team, 10, 16, 1);  // too small to split
    expect_cover(&team, 0, 1, 1);
    expect_cover(nullptr, 100, 1, 1);  // no team: this thread
}

}  // namespace
