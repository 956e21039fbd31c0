// log_test.cpp: core/log.h: an empty Log is quiet, a set one gets lines and steps as sent;
// strformat formats like printf, long strings included; format_progress fits any width, ends at
// 100% only when done, and keeps the most useful fields when narrow.
#include <algorithm>

#include <gtest/gtest.h>

#include <ruvllm/core/log.h>

using ruvllm::format_progress;
using ruvllm::Progress;

TEST(Log, EmptyIsQuietAndSetOneGetsWhatIsSent) {
    const ruvllm::Log quiet;
    quiet.say("nobody hears this");
    quiet.step("train", 0.5, "epoch 1");
    quiet.count("train", 5, 10, "examples");
    std::vector<std::string> seen;
    ruvllm::Log log;
    log.line = [&](const std::string& s) {
        seen.push_back("line " + s);
    };
    log.say("train: done");
    log.step("train", 0.5);  // no progress sink: ignored
    log.progress = [&](const Progress& p) {
        seen.push_back(ruvllm::strformat(
            "%s %g/%g [%s] %s", p.step.c_str(), p.done, p.total, p.unit.c_str(), p.note.c_str()));
    };
    log.step("embed", 0.25, "warm");
    log.count("embed", 3, 3, "texts");
    EXPECT_EQ(seen,
              (std::vector<std::string>{
                  "line train: done", "embed 0.25/1 [] warm", "embed 3/3 [texts] "}));
}

TEST(Strformat, FormatsLikePrintf) {
    EXPECT_EQ(ruvllm::strformat("%d epochs in %.1f s -> %s", 7, 5.66, "r.gguf"),
              "7 epochs in 5.7 s -> r.gguf");
    EXPECT_EQ(ruvllm::strformat("%s", ""), "");
    const std::string big(5000, 'x');
    EXPECT_EQ(ruvllm::strformat("<%s>", big.c_str()), "<" + big + ">");
}

// ---- format_progress ----

namespace {

const Progress kTrain{"train", 1250, 2400, "examples", "epoch 2/7, loss 0.4100, val acc 0.812"};

int columns(const std::string& s) {
    return static_cast<int>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

TEST(FormatProgress, WideShowsEveryField) {
    EXPECT_EQ(format_progress(kTrain, 4.0, 200),
              "train [###############...............]  52%  1250/2400 examples  312 examples/s  "
              "0:04 ETA 0:03  epoch 2/7, loss 0.4100, val acc 0.812");
}

TEST(FormatProgress, EightyColumnsDropTheCountsThenWholeFieldsOfTheNote) {
    EXPECT_EQ(format_progress(kTrain, 4.0, 80),
              "train [######......]  52%  312 examples/s  0:04 ETA 0:03  epoch 2/7, loss 0.4100");
}

TEST(FormatProgress, NarrowKeepsTheNamePercentRateAndTimes) {
    EXPECT_EQ(format_progress(kTrain, 4.0, 60),
              "train [######......]  52%  312 examples/s  0:04 ETA 0:03");
    EXPECT_EQ(format_progress(kTrain, 4.0, 40), "train 52%  312 examples/s  0:04 ETA 0:03");
    EXPECT_EQ(format_progress(kTrain, 4.0, 30), "train 52%  0:04 ETA 0:03");
    EXPECT_EQ(format_progress(kTrain, 4.0, 8), "trai 52%");  // the name is cut last
    EXPECT_EQ(format_progress(kTrain, 4.0, 3), "52%");
    EXPECT_EQ(format_progress(kTrain, 4.0, 2), "52");
    EXPECT_EQ(format_progress(kTrain, 4.0, 0), "");
}

TEST(FormatProgress, EveryWidthFits) {
    const Progress cases[] = {
        kTrain,
        {"hard-negatives", 0, 10, "pairs", "waiting for the first reply, 3 retries"},
        {"pretrain", 3e6, 9e6, "words", "loss 1.7831"},
        {"generate", 123456, 0, "examples", ""},
        {"sparse", 0.3, 1, "", "loss 0.2000"},
        {"d\xc3\xa9j\xc3\xa0-vu", 1, 2, "caf\xc3\xa9s", "\xc3\xa9t\xc3\xa9, \xc3\xa9t\xc3\xa9"},
    };
    for (const Progress& p : cases) {
        for (int w = 1; w <= 220; w++) {
            const std::string line = format_progress(p, 12.5, w);
            EXPECT_LE(columns(line), w) << p.step << " at " << w << ": " << line;
            EXPECT_FALSE(line.empty()) << p.step << " at " << w;
        }
    }
}

TEST(FormatProgress, ZeroPercentHasNoRateAndNoEta) {
    const Progress p{"embed", 0, 480, "texts", ""};
    EXPECT_EQ(format_progress(p, 0.0, 80), "embed [................]   0%  0/480 texts  0:00");
}

TEST(FormatProgress, HundredPercentOnlyAtTheEnd) {
    const Progress almost{"embed", 479.9, 480, "texts", ""};
    EXPECT_EQ(format_progress(almost, 10.0, 80),
              "embed [###############.]  99%  479/480 texts  48 texts/s  0:10 ETA 0:00");
    const Progress done{"embed", 480, 480, "texts", ""};
    EXPECT_EQ(format_progress(done, 10.0, 80),
              "embed [################] 100%  480/480 texts  48 texts/s  0:10");
    EXPECT_EQ(format_progress(done, 10.0, 40), "embed 100%  48 texts/s  0:10");
}

TEST(FormatProgress, UnknownTotalShowsTheCountRateAndElapsedTime) {
    const Progress p{"generate", 1234567, 0, "examples", ""};
    EXPECT_EQ(format_progress(p, 65.0, 80), "generate 1.2M examples  19.0k examples/s  1:05");
    EXPECT_EQ(format_progress(p, 65.0, 30), "generate 1.2M examples  1:05");
}

TEST(FormatProgress, BareFractionHasNoCountsAndNoRate) {
    const Progress p{"sparse", 0.5, 1, "", "loss 0.2000"};
    EXPECT_EQ(format_progress(p, 3661.0, 80),
              "sparse [########........]  50%  1:01:01 ETA 1:01:01  loss 0.2000");
}
