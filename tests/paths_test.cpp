// paths_test.cpp: core/paths.h: the environment first, then an installed tree beside the
// executable (data in <prefix>/share/ruvllm, the user's cache), then the source tree.
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <ruvllm/core/paths.h>

#include "testutil.h"
#include <pwd.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// Sets (or, with nullptr, unsets) a variable and puts the old value back on destruction.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) {
            old_ = old;
        }
        set(value);
    }

    ~ScopedEnv() { set(old_ ? old_->c_str() : nullptr); }

    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    void set(const char* value) {
        if (value != nullptr) {
            ::setenv(name_.c_str(), value, 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }

    std::string name_;
    std::optional<std::string> old_;
};

// The source tree, by hand: RUVLLM_TEST_DATA_DIR is "<source>/tests/data/".
fs::path source_dir() {
    return fs::path(RUVLLM_TEST_DATA_DIR).parent_path().parent_path().parent_path();
}

}  // namespace

TEST(Paths, BuildTreeUsesTheSourceTree) {
    ScopedEnv data("RUVLLM_DATA_DIR", nullptr);
    ScopedEnv cache("RUVLLM_CACHE_DIR", nullptr);
    // This test binary lives in <build>/bin, with no share/ruvllm beside it.
    EXPECT_EQ(ruvllm::installed_data_dir(fs::read_symlink("/proc/self/exe")), fs::path());
    EXPECT_EQ(ruvllm::data_dir(), source_dir() / "data");
    EXPECT_TRUE(fs::is_directory(ruvllm::data_dir() / "library"));
    EXPECT_EQ(ruvllm::cache_dir(), source_dir() / ".cache");
    EXPECT_EQ(ruvllm::default_base_path(), source_dir() / ".cache/base/default.gguf");
}

TEST(Paths, EnvironmentOverridesEveryOtherRule) {
    ScopedEnv data("RUVLLM_DATA_DIR", "/opt/ruvllm/data");
    ScopedEnv cache("RUVLLM_CACHE_DIR", "/tmp/elsewhere");
    EXPECT_EQ(ruvllm::data_dir(), "/opt/ruvllm/data");
    EXPECT_EQ(ruvllm::cache_dir(), "/tmp/elsewhere");
    EXPECT_EQ(ruvllm::default_base_path(), "/tmp/elsewhere/base/default.gguf");
    EXPECT_EQ(ruvllm::default_corpus_path(), "/tmp/elsewhere/corpus/debian-translation-en.txt");
    // Set but empty: as if unset.
    ::setenv("RUVLLM_CACHE_DIR", "", 1);
    ::setenv("RUVLLM_DATA_DIR", "", 1);
    EXPECT_EQ(ruvllm::cache_dir(), source_dir() / ".cache");
    EXPECT_EQ(ruvllm::data_dir(), source_dir() / "data");
}

TEST(Paths, InstalledTreeIsFoundBesideTheExecutable) {
    ruvllm::test::TempDir tmp;
    const fs::path prefix = tmp / "prefix";
    fs::create_directories(prefix / "bin");
    fs::create_directories(prefix / "share/ruvllm");
    // share/ruvllm without its library/: not an installed tree.
    EXPECT_EQ(ruvllm::installed_data_dir(prefix / "bin/ruvllm"), fs::path());
    fs::create_directories(prefix / "share/ruvllm/library");
    EXPECT_EQ(ruvllm::installed_data_dir(prefix / "bin/ruvllm"), prefix / "share/ruvllm");
    // Only <exe dir>/../share counts, not the executable's own folder or the one above.
    EXPECT_EQ(ruvllm::installed_data_dir(prefix / "ruvllm"), fs::path());
    EXPECT_EQ(ruvllm::installed_data_dir(prefix / "bin/sub/ruvllm"), fs::path());
    EXPECT_EQ(ruvllm::installed_data_dir(fs::path()), fs::path());
}

TEST(Paths, UserCacheIsXdgThenHome) {
    ScopedEnv xdg("XDG_CACHE_HOME", "/x/cache");
    ScopedEnv home("HOME", "/home/u");
    EXPECT_EQ(ruvllm::user_cache_dir(), "/x/cache/ruvllm");
    ::setenv("XDG_CACHE_HOME", "relative/cache", 1);  // the XDG rule: a relative one is ignored
    EXPECT_EQ(ruvllm::user_cache_dir(), "/home/u/.cache/ruvllm");
    ::unsetenv("XDG_CACHE_HOME");
    EXPECT_EQ(ruvllm::user_cache_dir(), "/home/u/.cache/ruvllm");
    ::setenv("HOME", "", 1);
    const struct passwd* pw = ::getpwuid(::getuid());
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(ruvllm::user_cache_dir(), fs::path(pw->pw_dir) / ".cache/ruvllm");
}
