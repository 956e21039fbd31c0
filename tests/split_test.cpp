// split_test.cpp: ratio parsing, stratification, template grouping, k-fold coverage, balancing.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include <ruvllm/dataset/generator.h>
#include <ruvllm/dataset/split.h>

namespace {

const std::vector<ruvllm::Example>& dataset() {
    static const std::vector<ruvllm::Example> ds = [] {
        ruvllm::Result<ruvllm::Library> lib = ruvllm::load_library(ruvllm::default_library_dir());
        EXPECT_TRUE(lib) << lib.error().message;
        ruvllm::GenConfig cfg;
        cfg.labels = ruvllm::Labels::agents;
        ruvllm::Result<std::vector<ruvllm::Example>> r = ruvllm::generate(*lib, cfg);
        return r ? *r : std::vector<ruvllm::Example>{};
    }();
    return ds;
}

}  // namespace

TEST(SplitRatios, ParsesAndRejects) {
    ruvllm::Result<ruvllm::SplitRatios> r = ruvllm::parse_split_ratios("0.8,0.1,0.1");
    ASSERT_TRUE(r);
    EXPECT_DOUBLE_EQ(r->train, 0.8);
    EXPECT_DOUBLE_EQ(r->test, 0.1);
    for (const char* bad : {"0.7,0.2,0.2", "0.7,0.3", "a,b,c", "0.5,0.5,0,0", "1.5,-0.5,0", ""}) {
        ruvllm::Result<ruvllm::SplitRatios> b = ruvllm::parse_split_ratios(bad);
        ASSERT_FALSE(b) << bad;
        EXPECT_EQ(b.error().code, ruvllm::Errc::invalid_argument);
        EXPECT_NE(b.error().message.find("expected"), std::string::npos);
    }
}

TEST(Split, NoTemplateGroupCrossesSplits) {
    ruvllm::Result<std::vector<int>> s = ruvllm::assign_splits(dataset(), {}, 42);
    ASSERT_TRUE(s);
    std::map<std::string, int> group_split;
    for (size_t i = 0; i < dataset().size(); i++) {
        auto [it, inserted] = group_split.emplace(dataset()[i].metadata.template_id, (*s)[i]);
        EXPECT_EQ(it->second, (*s)[i]) << dataset()[i].metadata.template_id;
    }
}

TEST(Split, IsStratifiedByLabel) {
    ruvllm::Result<std::vector<int>> s = ruvllm::assign_splits(dataset(), {}, 42);
    ASSERT_TRUE(s);
    std::map<std::string, std::array<int, 3>> counts;
    for (size_t i = 0; i < dataset().size(); i++) {
        counts[dataset()[i].output_agent][static_cast<size_t>((*s)[i])]++;
    }
    ASSERT_EQ(counts.size(), 13u);
    for (const auto& [label, c] : counts) {
        const double n = c[0] + c[1] + c[2];
        // Groups are ~6 examples, so each label is within a group or two of its target.
        EXPECT_NEAR(c[0] / n, 0.70, 0.06) << label;
        EXPECT_NEAR(c[1] / n, 0.15, 0.06) << label;
        EXPECT_NEAR(c[2] / n, 0.15, 0.06) << label;
    }
}

TEST(Split, DeterministicForASeed) {
    EXPECT_EQ(*ruvllm::assign_splits(dataset(), {}, 1), *ruvllm::assign_splits(dataset(), {}, 1));
    EXPECT_NE(*ruvllm::assign_splits(dataset(), {}, 1), *ruvllm::assign_splits(dataset(), {}, 2));
}

TEST(Folds, CoverEveryExampleOnceAndKeepGroupsTogether) {
    const int K = 5;
    ruvllm::Result<std::vector<int>> f = ruvllm::assign_folds(dataset(), K, 42);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->size(), dataset().size());
    std::vector<int> sizes(K, 0);
    std::map<std::string, int> group_fold;
    for (size_t i = 0; i < f->size(); i++) {
        const int k = (*f)[i];
        ASSERT_GE(k, 0);
        ASSERT_LT(k, K);
        sizes[static_cast<size_t>(k)]++;
        auto [it, inserted] = group_fold.emplace(dataset()[i].metadata.template_id, k);
        EXPECT_EQ(it->second, k);
    }
    for (int s : sizes) {
        EXPECT_NEAR(s, static_cast<double>(dataset().size()) / K, dataset().size() * 0.03);
    }
    EXPECT_EQ(ruvllm::assign_folds(dataset(), 1, 42).error().code, ruvllm::Errc::invalid_argument);
    EXPECT_EQ(ruvllm::assign_folds(dataset(), 100000, 42).error().code,
              ruvllm::Errc::invalid_argument);
}

TEST(Balance, OverAndUnderEqualiseLabels) {
    std::map<std::string, int> before;
    for (const ruvllm::Example& e : dataset()) {
        before[e.output_agent]++;
    }
    int lo = INT32_MAX, hi = 0;
    for (const auto& [l, n] : before) {
        lo = std::min(lo, n);
        hi = std::max(hi, n);
    }
    ASSERT_LT(lo, hi);  // the default dataset is unbalanced over the 13 agents
    for (ruvllm::Balance mode : {ruvllm::Balance::over, ruvllm::Balance::under}) {
        const std::vector<ruvllm::Example> b = ruvllm::balance(dataset(), mode, 42);
        std::map<std::string, int> after;
        for (const ruvllm::Example& e : b) {
            after[e.output_agent]++;
        }
        ASSERT_EQ(after.size(), before.size());
        for (const auto& [l, n] : after) {
            EXPECT_EQ(n, mode == ruvllm::Balance::over ? hi : lo) << l;
        }
    }
    EXPECT_EQ(ruvllm::balance(dataset(), ruvllm::Balance::none, 42).size(), dataset().size());
}
