// testutil.h: helpers shared by the tests: a unique temp directory per test, fixture paths.
#pragma once

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ruvllm/core/log.h>

#include <sys/wait.h>

namespace ruvllm::test {

// `s` as one single-quoted shell word.
inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return q + "'";
}

struct CommandRun {
    int status = -1;  // the exit code; -1 if it could not run or died of a signal
    std::string out;  // its standard output
};

// Runs `cmd` through the shell (the oracle scripts of the interop tests).
inline CommandRun run_command(const std::string& cmd) {
    CommandRun r;
    std::FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) {
        return r;
    }
    char buf[1 << 16];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) {
        r.out.append(buf, n);
    }
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

inline std::filesystem::path data_dir() {
    return std::filesystem::path(RUVLLM_TEST_DATA_DIR);
}

inline std::filesystem::path tiny_library() {
    return data_dir() / "tiny_library";
}

// A fresh directory under the build tree named after the running test; removed on destruction.
class TempDir {
public:
    TempDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::path(RUVLLM_TEST_TMP_DIR) /
                (std::string(info->test_suite_name()) + "." + info->name());
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }

    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Cosine of two vectors of the same size, in double.
inline double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); i++) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void spit(const std::filesystem::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary);
    out << s;
}

// A Log (core/log.h) that keeps what a job says: its lines, and its progress as
// "<step> <fraction> <note>" strings.
struct LogCapture {
    std::vector<std::string> lines, steps;

    Log log() {
        Log l;
        l.line = [this](const std::string& s) {
            lines.push_back(s);
        };
        l.progress = [this](const Progress& p) {
            const double fraction = p.total > 0 ? p.done / p.total : 0.0;
            steps.push_back(p.step + " " + std::to_string(fraction) + " " + p.note);
        };
        return l;
    }
};

}  // namespace ruvllm::test
