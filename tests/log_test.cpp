// log_test.cpp: core/log.h: an empty Log is quiet, a set one gets lines and steps as sent;
// strformat formats like printf, long strings included.
#include <gtest/gtest.h>

#include <ruvllm/core/log.h>

TEST(Log, EmptyIsQuietAndSetOneGetsWhatIsSent) {
    const ruvllm::Log quiet;
    quiet.say("nobody hears this");
    quiet.step("train", 0.5, "epoch 1");
    std::vector<std::string> seen;
    ruvllm::Log log;
    log.line = [&](const std::string& s) {
        seen.push_back("line " + s);
    };
    log.say("train: done");
    log.step("train", 0.5);  // no progress sink: ignored
    log.progress = [&](const std::string& step, double f, const std::string& note) {
        seen.push_back(step + " " + std::to_string(f) + " " + note);
    };
    log.step("embed", 1.0, "3/3 texts");
    EXPECT_EQ(seen, (std::vector<std::string>{"line train: done", "embed 1.000000 3/3 texts"}));
}

TEST(Strformat, FormatsLikePrintf) {
    EXPECT_EQ(ruvllm::strformat("%d epochs in %.1f s -> %s", 7, 5.66, "r.gguf"),
              "7 epochs in 5.7 s -> r.gguf");
    EXPECT_EQ(ruvllm::strformat("%s", ""), "");
    const std::string big(5000, 'x');
    EXPECT_EQ(ruvllm::strformat("<%s>", big.c_str()), "<" + big + ">");
}
