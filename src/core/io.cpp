// io.cpp: atomic file output (temp file + rename) and a buffered writer.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <ruvllm/core/io.h>

#include <signal.h>
#include <unistd.h>
#include <xxhash.h>

namespace ruvllm {

namespace fs = std::filesystem;

namespace {

std::atomic<unsigned> g_temp_counter{0};

// The temp files of live AtomicFiles, for the signal handler of remove_temps_on_signals(): a
// fixed table (no allocation, lock-free slots) that a handler may read. A slot is 0 free,
// 1 being filled, 2 live. Temp paths longer than a slot, or beyond kTempSlots files open at once,
// are not registered: a rerun still removes them (remove_stale_temps).
constexpr size_t kTempSlots = 128;
constexpr size_t kTempPathBytes = 1024;

struct TempSlot {
    std::atomic<int> state{0};
    char path[kTempPathBytes];
};

TempSlot g_temps[kTempSlots];

int register_temp(const fs::path& tmp) {
    const std::string& p = tmp.native();
    if (p.size() >= kTempPathBytes) {
        return -1;
    }
    for (size_t i = 0; i < kTempSlots; i++) {
        int expected = 0;
        if (g_temps[i].state.compare_exchange_strong(expected, 1)) {
            std::memcpy(g_temps[i].path, p.c_str(), p.size() + 1);
            g_temps[i].state.store(2, std::memory_order_release);
            return static_cast<int>(i);
        }
    }
    return -1;
}

void unregister_temp(int slot) {
    if (slot >= 0) {
        g_temps[slot].state.store(0, std::memory_order_release);
    }
}

// Async-signal-safe: unlink() each live temp file, then die of the same signal (the default
// action, so the exit status says which signal it was).
extern "C" void remove_temps_and_reraise(int sig) {
    for (TempSlot& t : g_temps) {
        if (t.state.load(std::memory_order_acquire) == 2) {
            ::unlink(t.path);
        }
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

std::string os_reason() {
    return std::strerror(errno);
}

// Removes "<name>.tmp-<pid>-<n>" files beside `path` left by a process that no longer runs (a
// run killed before it could rename or discard its output), so that reruns do not pile them up.
void remove_stale_temps(const fs::path& path) {
    const std::string prefix = path.filename().string() + ".tmp-";
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        return;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) {
            return;
        }
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) {
            continue;
        }
        char* end = nullptr;
        const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
        if (pid <= 0 || end == nullptr || *end != '-' || pid == ::getpid()) {
            continue;
        }
        if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            std::error_code rm;
            fs::remove(it->path(), rm);
        }
    }
}

}  // namespace

Result<AtomicFile> AtomicFile::create(const fs::path& path) {
    remove_stale_temps(path);
    AtomicFile f;
    f.path_ = path;
    f.tmp_ = path;
    f.tmp_ += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_temp_counter++);
    f.slot_ = register_temp(f.tmp_);  // before the file exists: a signal may come at any time
    f.fp_ = std::fopen(f.tmp_.c_str(), "wb");
    if (f.fp_ == nullptr) {
        return make_error(Errc::io,
                          path.string() + ": cannot create output file (" + os_reason() +
                              "), expected a writable directory");
    }
    return f;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      tmp_(std::move(other.tmp_)),
      fp_(other.fp_),
      closed_(other.closed_),
      done_(other.done_),
      slot_(other.slot_) {
    other.fp_ = nullptr;
    other.done_ = true;
    other.slot_ = -1;
}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
    if (this != &other) {
        discard();
        path_ = std::move(other.path_);
        tmp_ = std::move(other.tmp_);
        fp_ = other.fp_;
        closed_ = other.closed_;
        done_ = other.done_;
        slot_ = other.slot_;
        other.fp_ = nullptr;
        other.done_ = true;
        other.slot_ = -1;
    }
    return *this;
}

AtomicFile::~AtomicFile() {
    discard();
}

void AtomicFile::discard() {
    if (fp_ != nullptr) {
        std::fclose(fp_);
        fp_ = nullptr;
    }
    if (!done_ && !tmp_.empty()) {
        std::error_code ec;
        fs::remove(tmp_, ec);
    }
    done_ = true;
    unregister_temp(slot_);
    slot_ = -1;
}

Status AtomicFile::close() {
    if (closed_) {
        return ok();
    }
    closed_ = true;
    const bool write_failed = std::ferror(fp_) != 0;
    const bool close_failed = std::fclose(fp_) != 0;
    fp_ = nullptr;
    if (write_failed || close_failed) {
        const std::string reason = os_reason();
        discard();
        return make_error(Errc::io, path_.string() + ": write failed (" + reason + ")");
    }
    return ok();
}

Status AtomicFile::rename_into_place() {
    if (done_) {
        return make_error(Errc::io, path_.string() + ": file already published or discarded");
    }
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) {
        discard();
        return make_error(Errc::io,
                          path_.string() + ": cannot rename temp file (" + ec.message() + ")");
    }
    done_ = true;
    unregister_temp(slot_);
    slot_ = -1;
    return ok();
}

Status AtomicFile::commit() {
    Status s = close();
    if (!s) {
        return s;
    }
    return rename_into_place();
}

void remove_temps_on_signals() {
    struct sigaction sa {};

    sa.sa_handler = remove_temps_and_reraise;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
        ::sigaction(sig, &sa, nullptr);
    }
}

std::vector<std::filesystem::path> live_temp_files() {
    std::vector<std::filesystem::path> out;
    for (const TempSlot& t : g_temps) {
        if (t.state.load(std::memory_order_acquire) == 2) {
            out.emplace_back(t.path);
        }
    }
    return out;
}

Result<std::string> read_file(const fs::path& path) {
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr) {
        return make_error(Errc::io, path.string() + ": cannot open (" + os_reason() + ")");
    }
    std::string data;
    char chunk[1 << 16];
    size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        data.append(chunk, n);
    }
    const bool failed = std::ferror(fp) != 0;
    std::fclose(fp);
    if (failed) {
        return make_error(Errc::io, path.string() + ": read failed");
    }
    return data;
}

Status write_file_atomic(const fs::path& path, std::string_view data) {
    Result<AtomicFile> f = AtomicFile::create(path);
    if (!f) {
        return f.error();
    }
    std::fwrite(data.data(), 1, data.size(), f->stream());
    return f->commit();
}

OutBuffer::OutBuffer(std::FILE* fp, size_t capacity) : fp_(fp), cap_(capacity) {
    buf_.reserve(capacity + 4096);
}

OutBuffer::~OutBuffer() {
    flush();
}

void OutBuffer::spill() {
    if (!buf_.empty()) {
        if (std::fwrite(buf_.data(), 1, buf_.size(), fp_) != buf_.size()) {
            failed_ = true;
        }
        written_ += buf_.size();
        buf_.clear();
    }
}

bool OutBuffer::flush() {
    spill();
    if (std::fflush(fp_) != 0) {
        failed_ = true;
    }
    return !failed_;
}

Result<uint64_t> file_xxh64(const fs::path& path, uint64_t max_bytes, uint64_t* bytes) {
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    if (ec) {
        return make_error(Errc::io,
                          path.string() + ": cannot read its size (" + ec.message() + ")");
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return make_error(Errc::io, path.string() + ": cannot open (" + std::strerror(errno) + ")");
    }
    XXH64_state_t* st = XXH64_createState();
    XXH64_reset(st, 0);
    std::vector<char> buf(1 << 20);
    uint64_t done = 0;
    while (done < max_bytes) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), max_bytes - done));
        const size_t n = std::fread(buf.data(), 1, want, f);
        if (n == 0) {
            break;
        }
        XXH64_update(st, buf.data(), n);
        done += n;
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    const uint64_t h = XXH64_digest(st);
    XXH64_freeState(st);
    if (failed) {
        return make_error(Errc::io, path.string() + ": read error");
    }
    if (bytes != nullptr) {
        *bytes = size;
    }
    return h;
}

std::string hex64(uint64_t v) {
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(v));
    return hex;
}

Status check_outputs_differ(const std::vector<std::filesystem::path>& outputs,
                            const std::vector<std::filesystem::path>& inputs) {
    for (const std::filesystem::path& out : outputs) {
        for (const std::filesystem::path& in : inputs) {
            if (out.empty() || in.empty()) {
                continue;
            }
            std::error_code ec;
            if (out == in || std::filesystem::equivalent(out, in, ec)) {
                return make_error(Errc::invalid_argument,
                                  out.string() +
                                      ": is also an input of this run, expected another output "
                                      "path (it would be overwritten)");
            }
        }
    }
    return ok();
}

bool getline_bounded(std::istream& in, std::string& line, size_t max_bytes, bool& too_long) {
    line.clear();
    too_long = false;
    std::streambuf* buf = in.rdbuf();
    if (buf == nullptr || !in.good()) {
        return false;
    }
    bool any = false;
    for (;;) {
        const int c = buf->sbumpc();
        if (c == std::char_traits<char>::eof()) {
            in.setstate(std::ios::eofbit);
            return any;
        }
        any = true;
        if (c == '\n') {
            return true;
        }
        if (line.size() < max_bytes) {
            line.push_back(static_cast<char>(c));
        } else {
            too_long = true;
        }
    }
}

Status check_readable_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return make_error(Errc::io, path.string() + ": is a directory, expected a file");
    }
    if (FILE* f = std::fopen(path.c_str(), "rb"); f != nullptr) {
        std::fclose(f);
        return ok();
    }
    return make_error(Errc::io, path.string() + ": cannot open");
}

Status make_parent_dirs(const std::filesystem::path& path) {
    const std::filesystem::path parent = path.parent_path();
    if (parent.empty()) {
        return ok();
    }
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec || !std::filesystem::is_directory(parent)) {
        return make_error(Errc::io,
                          parent.string() + ": cannot create output directory (" + ec.message() +
                              "), expected a writable directory");
    }
    return ok();
}

Status check_writable(const std::filesystem::path& path) {
    if (path.empty()) {
        return ok();
    }
    if (Status s = make_parent_dirs(path); !s) {
        return s;
    }
    Result<AtomicFile> f = AtomicFile::create(path);
    return f ? ok() : Status(f.error());  // the temp file goes with f
}

}  // namespace ruvllm
