// io_test.cpp: atomic output never leaves a partial file under the final name.
#include <sstream>

#include <gtest/gtest.h>

#include <ruvllm/core/io.h>

#include "testutil.h"
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

namespace fs = std::filesystem;

TEST(AtomicFile, FinalFileAppearsOnlyOnCommit) {
    ruvllm::test::TempDir dir;
    const fs::path target = dir / "out.txt";
    ruvllm::Result<ruvllm::AtomicFile> f = ruvllm::AtomicFile::create(target);
    ASSERT_TRUE(f);
    std::fputs("hello", f->stream());
    std::fflush(f->stream());
    EXPECT_FALSE(fs::exists(target));
    EXPECT_TRUE(fs::exists(f->temp_path()));
    ASSERT_TRUE(f->commit());
    EXPECT_TRUE(fs::exists(target));
    EXPECT_FALSE(fs::exists(f->temp_path()));
    EXPECT_EQ(ruvllm::test::slurp(target), "hello");
}

TEST(AtomicFile, AbandonedFileIsRemovedAndOldContentKept) {
    ruvllm::test::TempDir dir;
    const fs::path target = dir / "out.txt";
    ruvllm::test::spit(target, "old");
    fs::path tmp;
    {
        ruvllm::Result<ruvllm::AtomicFile> f = ruvllm::AtomicFile::create(target);
        ASSERT_TRUE(f);
        tmp = f->temp_path();
        std::fputs("half-written", f->stream());
    }  // destroyed without commit, as when an error interrupts a run
    EXPECT_FALSE(fs::exists(tmp));
    EXPECT_EQ(ruvllm::test::slurp(target), "old");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFile, MissingDirectoryIsAnIoError) {
    ruvllm::test::TempDir dir;
    ruvllm::Result<ruvllm::AtomicFile> f = ruvllm::AtomicFile::create(dir / "no/such/dir/x.txt");
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code, ruvllm::Errc::io);
    EXPECT_NE(f.error().message.find("x.txt"), std::string::npos);
}

TEST(ReadFile, MissingFileNamesThePath) {
    ruvllm::Result<std::string> r = ruvllm::read_file("/nonexistent/ruvllm.txt");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ruvllm::Errc::io);
    EXPECT_NE(r.error().message.find("/nonexistent/ruvllm.txt"), std::string::npos);
}

TEST(OutBuffer, SpillsAndCountsBytes) {
    ruvllm::test::TempDir dir;
    std::FILE* fp = std::fopen((dir / "b.txt").c_str(), "wb");
    ASSERT_NE(fp, nullptr);
    {
        ruvllm::OutBuffer out(fp, 16);
        for (int i = 0; i < 100; i++) {
            out.append("0123456789");
        }
        EXPECT_EQ(out.bytes_written(), 1000u);
        EXPECT_TRUE(out.flush());
    }
    std::fclose(fp);
    EXPECT_EQ(fs::file_size(dir / "b.txt"), 1000u);
}

TEST(FileXxh64, HashesTheFileOrItsPrefixAndGivesItsSize) {
    ruvllm::test::TempDir dir;
    std::string data(3 << 20, '\0');  // three read blocks
    for (size_t i = 0; i < data.size(); i++) {
        data[i] = static_cast<char>(i * 131 % 251);
    }
    ASSERT_TRUE(ruvllm::write_file_atomic(dir / "f.bin", data));
    uint64_t bytes = 0;
    ruvllm::Result<uint64_t> all = ruvllm::file_xxh64(dir / "f.bin", UINT64_MAX, &bytes);
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, XXH64(data.data(), data.size(), 0));
    EXPECT_EQ(bytes, data.size());
    ruvllm::Result<uint64_t> head = ruvllm::file_xxh64(dir / "f.bin", 1000);
    ASSERT_TRUE(head);
    EXPECT_EQ(*head, XXH64(data.data(), 1000, 0));
    EXPECT_EQ(ruvllm::hex64(0xabcULL), "0000000000000abc");
    ruvllm::Result<uint64_t> missing = ruvllm::file_xxh64(dir / "nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ruvllm::Errc::io);
    EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
}

// Outputs over inputs (#16): the same path, or the same file through a link, is refused; empty
// paths (an output not asked for) are skipped.
TEST(CheckOutputsDiffer, SamePathOrSameFileIsRefused) {
    ruvllm::test::TempDir dir;
    ruvllm::test::spit(dir / "in.jsonl", "x\n");
    std::filesystem::create_symlink(dir / "in.jsonl", dir / "link.jsonl");
    EXPECT_TRUE(ruvllm::check_outputs_differ({dir / "out.jsonl", ""}, {dir / "in.jsonl", ""}));
    for (const auto& out : {dir / "in.jsonl", dir / "link.jsonl"}) {
        ruvllm::Status s = ruvllm::check_outputs_differ({dir / "a", out}, {dir / "in.jsonl"});
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, ruvllm::Errc::invalid_argument);
        EXPECT_EQ(s.error().message,
                  out.string() +
                      ": is also an input of this run, expected another output path (it would "
                      "be overwritten)");
    }
    EXPECT_EQ(ruvllm::test::slurp(dir / "in.jsonl"), "x\n");
}

// getline_bounded against std::getline on a table of inputs; a long line keeps only its head.
TEST(GetlineBounded, AgreesWithGetlineAndBoundsLongLines) {
    for (const std::string text : {"", "a", "a\n", "a\nbc\n\nd", "\n\n", "abcdef\nxy"}) {
        std::istringstream x(text), y(text);
        std::string lx, ly;
        bool too_long = true;
        for (;;) {
            const bool gx = ruvllm::getline_bounded(x, lx, 100, too_long);
            const bool gy = static_cast<bool>(std::getline(y, ly));
            ASSERT_EQ(gx, gy) << "input: " << text;
            if (!gx) {
                break;
            }
            EXPECT_EQ(lx, ly);
            EXPECT_FALSE(too_long);
        }
    }
    std::istringstream in("abcdefgh\nxy\n");
    std::string line;
    bool too_long = false;
    ASSERT_TRUE(ruvllm::getline_bounded(in, line, 3, too_long));
    EXPECT_TRUE(too_long);
    EXPECT_EQ(line, "abc");
    ASSERT_TRUE(ruvllm::getline_bounded(in, line, 3, too_long));  // the next line is whole
    EXPECT_FALSE(too_long);
    EXPECT_EQ(line, "xy");
    EXPECT_FALSE(ruvllm::getline_bounded(in, line, 3, too_long));
}

TEST(CheckReadableFile, DirectoriesAndMissingFiles) {
    ruvllm::test::TempDir dir;
    EXPECT_EQ(ruvllm::check_readable_file(dir.path()).error().message,
              dir.path().string() + ": is a directory, expected a file");
    EXPECT_EQ(ruvllm::check_readable_file(dir / "none").error().message,
              (dir / "none").string() + ": cannot open");
    ruvllm::test::spit(dir / "f", "x");
    EXPECT_TRUE(ruvllm::check_readable_file(dir / "f"));
}

// A killed run's temp file (its pid no longer runs) is removed by the next create() for the same
// path; a live process's temp file and other files are left alone.
TEST(AtomicFile, ARerunRemovesTheTempFilesOfDeadRuns) {
    ruvllm::test::TempDir dir;
    // A pid that does not run: a child that has exited and been reaped.
    const pid_t child = ::fork();
    if (child == 0) {
        ::_exit(0);
    }
    ASSERT_GT(child, 0);
    ::waitpid(child, nullptr, 0);
    const std::string dead = "out.jsonl.tmp-" + std::to_string(child) + "-0";
    const std::string live = "out.jsonl.tmp-" + std::to_string(::getppid()) + "-3";
    for (const std::string& f : {dead, live, std::string("other.jsonl.tmp-1-0")}) {
        ruvllm::test::spit(dir / f, "partial");
    }
    ruvllm::Result<ruvllm::AtomicFile> f = ruvllm::AtomicFile::create(dir / "out.jsonl");
    ASSERT_TRUE(f);
    EXPECT_FALSE(std::filesystem::exists(dir / dead));
    EXPECT_TRUE(std::filesystem::exists(dir / live));
    EXPECT_TRUE(std::filesystem::exists(dir / "other.jsonl.tmp-1-0"));
    ASSERT_TRUE(f->commit());
}

// An output is checked before the work: folders are created, nothing is left behind, an
// unwritable place is an io error naming it.
TEST(CheckWritable, CreatesFoldersLeavesNothingAndNamesTheBadPath) {
    ruvllm::test::TempDir dir;
    EXPECT_TRUE(ruvllm::check_writable(""));
    ASSERT_TRUE(ruvllm::check_writable(dir / "a/b/out.gguf"));
    EXPECT_TRUE(std::filesystem::is_directory(dir / "a/b"));
    EXPECT_TRUE(std::filesystem::is_empty(dir / "a/b"));
    ruvllm::test::spit(dir / "f", "x");
    ruvllm::Status s = ruvllm::check_writable(dir / "f/out.gguf");  // a file in the way
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ruvllm::Errc::io);
    EXPECT_NE(s.error().message.find("cannot create output directory"), std::string::npos);
    s = ruvllm::check_writable("/proc/ruvllm-out.json");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message.rfind("/proc/ruvllm-out.json: cannot create output file", 0), 0u);
}

TEST(AtomicFile, LiveTempFilesAreTrackedUntilPublishedOrDiscarded) {
    ruvllm::test::TempDir dir;
    auto live = [] {
        return ruvllm::live_temp_files();
    };
    const size_t before = live().size();
    {
        ruvllm::Result<ruvllm::AtomicFile> a = ruvllm::AtomicFile::create(dir / "a.txt");
        ruvllm::Result<ruvllm::AtomicFile> b = ruvllm::AtomicFile::create(dir / "b.txt");
        ASSERT_TRUE(a && b);
        EXPECT_EQ(live().size(), before + 2);
        ruvllm::AtomicFile moved = std::move(*b);  // the slot moves with the file
        EXPECT_EQ(live().size(), before + 2);
        ASSERT_TRUE(a->commit());
        EXPECT_EQ(live().size(), before + 1);
        EXPECT_EQ(live().back(), moved.temp_path());
    }  // `moved` discarded here
    EXPECT_EQ(live().size(), before);
}

// A process killed by SIGTERM/SIGINT/SIGHUP while writing leaves no temp file when it called
// remove_temps_on_signals(), and still dies of that signal; without the handlers the temp file
// stays (what a rerun would clean up).
TEST(AtomicFile, SignalsRemoveLiveTempFiles) {
    for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
        for (const bool handlers : {true, false}) {
            ruvllm::test::TempDir dir;
            const pid_t child = ::fork();
            ASSERT_GE(child, 0);
            if (child == 0) {
                if (handlers) {
                    ruvllm::remove_temps_on_signals();
                }
                ruvllm::Result<ruvllm::AtomicFile> f = ruvllm::AtomicFile::create(dir / "o.txt");
                if (!f) {
                    ::_exit(3);
                }
                std::fputs("partial", f->stream());
                std::fflush(f->stream());
                ::raise(sig);
                ::_exit(4);  // not reached: the signal kills
            }
            int status = 0;
            ASSERT_EQ(::waitpid(child, &status, 0), child);
            ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
            EXPECT_EQ(WTERMSIG(status), sig);
            size_t temps = 0;
            for (const auto& e : fs::directory_iterator(dir.path())) {
                temps += e.path().filename().string().find(".tmp-") != std::string::npos ? 1 : 0;
            }
            EXPECT_EQ(temps, handlers ? 0u : 1u) << "signal " << sig;
            EXPECT_FALSE(fs::exists(dir / "o.txt"));
        }
    }
}
