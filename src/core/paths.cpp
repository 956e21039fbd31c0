// paths.cpp: the data and cache folders (paths.h): environment, then an installed tree beside
// the executable, then the source tree compiled in.
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <ruvllm/core/paths.h>

#include <pwd.h>
#include <unistd.h>

#ifndef RUVLLM_DATA_DIR
#define RUVLLM_DATA_DIR "data"
#endif
#ifndef RUVLLM_CACHE_DIR
#define RUVLLM_CACHE_DIR ".cache"
#endif

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

// The variable's value; "" when it is unset.
std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? std::string(v) : std::string();
}

// The running executable, links resolved; "" where /proc is not there.
fs::path self_exe() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : p;
}

// The user's home folder when HOME is unset or empty: the password database's; "" if none.
fs::path home_from_passwd() {
    const long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : size_t{16384});
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr ||
        found->pw_dir == nullptr) {
        return {};
    }
    return fs::path(found->pw_dir);
}

}  // namespace

fs::path installed_data_dir(const fs::path& exe) {
    if (exe.empty()) {
        return {};
    }
    const fs::path dir = exe.parent_path().parent_path() / "share" / "ruvllm";
    std::error_code ec;
    return fs::is_directory(dir / "library", ec) ? dir : fs::path();
}

fs::path user_cache_dir() {
    const fs::path xdg = env("XDG_CACHE_HOME");
    if (xdg.is_absolute()) {
        return xdg / "ruvllm";
    }
    fs::path home = env("HOME");
    if (home.empty()) {
        home = home_from_passwd();
    }
    return home / ".cache" / "ruvllm";
}

fs::path data_dir() {
    const std::string v = env("RUVLLM_DATA_DIR");
    if (!v.empty()) {
        return v;
    }
    fs::path installed = installed_data_dir(self_exe());
    return installed.empty() ? fs::path(RUVLLM_DATA_DIR) : installed;
}

fs::path cache_dir() {
    const std::string v = env("RUVLLM_CACHE_DIR");
    if (!v.empty()) {
        return v;
    }
    return installed_data_dir(self_exe()).empty() ? fs::path(RUVLLM_CACHE_DIR) : user_cache_dir();
}

fs::path default_base_path() {
    return cache_dir() / "base" / "default.gguf";
}

fs::path default_corpus_path() {
    return cache_dir() / "corpus" / "debian-translation-en.txt";
}

}  // namespace ruvllm
