// ruvllm/core/io.h: file output that never leaves a half-written file under its final name.
//
// `AtomicFile` writes to "<path>.tmp-<pid>-<n>" in the same directory and renames it onto `path`
// on commit(); if it is destroyed without a successful commit, the temp file is removed. A
// process killed first (kill -9, a signal) leaves its temp file behind: create() removes such
// files for the same `path` whose process no longer runs, so a rerun cleans up after it. A
// program that calls remove_temps_on_signals() (the CLI does) also removes its live temp files
// when SIGINT, SIGTERM or SIGHUP kills it.
// `OutBuffer` is a large append buffer that flushes to a FILE* (the fast path for JSONL/JSON).
//
// Usage:
//   ruvllm::Result<ruvllm::AtomicFile> f = ruvllm::AtomicFile::create("out/train.jsonl");
//   if (!f) { return f.error(); }
//   fputs("...", f->stream());
//   ruvllm::Status s = f->commit();
#pragma once

#include <cstdio>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include <ruvllm/core/error.h>

namespace ruvllm {

class AtomicFile {
public:
    // Opens a temp file beside `path`. Errc::io if the directory does not exist or is unwritable.
    static Result<AtomicFile> create(const std::filesystem::path& path);

    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&& other) noexcept;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    std::FILE* stream() { return fp_; }

    const std::filesystem::path& path() const { return path_; }

    const std::filesystem::path& temp_path() const { return tmp_; }

    // Flushes, checks for write errors, closes and renames onto path(). Errc::io on failure (the
    // temp file is then removed).
    Status commit();

    // Flushes and closes without renaming; a later rename_into_place() publishes the file. Used to
    // publish several files together after all of them are complete.
    Status close();
    Status rename_into_place();

private:
    AtomicFile() = default;
    void discard();

    std::filesystem::path path_, tmp_;
    std::FILE* fp_ = nullptr;
    bool closed_ = false;
    bool done_ = false;
    int slot_ = -1;  // in the table the signal handler reads (-1: not registered)
};

// Installs handlers for SIGINT, SIGTERM and SIGHUP that unlink the temp file of every live
// AtomicFile and then die of the signal as before (default action, same exit status). Call once,
// early in main(); a program that handles these signals itself (or blocks them and uses
// sigwait, as `ruvllm serve` does) is not affected.
void remove_temps_on_signals();
// The temp files of the AtomicFiles alive now (what the handler would remove); for tests.
std::vector<std::filesystem::path> live_temp_files();

// Reads a whole file. Errc::io with the path and the OS reason on failure.
Result<std::string> read_file(const std::filesystem::path& path);

// std::getline with a bound: reads the next line (without its '\n') into `line` and returns
// true, or false at the end of the stream. A line longer than `max_bytes` is skipped to its end
// without being kept (`line` then holds its first max_bytes bytes) and sets `too_long`, so a
// hostile 300 MB line costs no more memory than max_bytes.
bool getline_bounded(std::istream& in, std::string& line, size_t max_bytes, bool& too_long);

// Errc::io "<path>: is a directory, expected a file" (or "cannot open") unless `path` can be
// opened as a file for reading; what every reader checks first.
Status check_readable_file(const std::filesystem::path& path);

// Creates the folders above `path` (none: ok). Errc::io "<folder>: cannot create output
// directory (...), expected a writable directory".
Status make_parent_dirs(const std::filesystem::path& path);

// That `path` can be written: its folders are created and a temp file beside it is created and
// removed (nothing under `path` changes). Errc::io naming it, so that a job refuses an
// unwritable output before its work instead of after it; an empty path is ok.
Status check_writable(const std::filesystem::path& path);

// Errc::invalid_argument "<out>: is also an input of this run, expected another output path (it
// would be overwritten)" when an output (empty paths skipped) is one of the inputs (the same
// path, or the same file through a link); what every job checks before it reads anything.
Status check_outputs_differ(const std::vector<std::filesystem::path>& outputs,
                            const std::vector<std::filesystem::path>& inputs);

// Writes `data` atomically (AtomicFile + commit).
Status write_file_atomic(const std::filesystem::path& path, std::string_view data);

// XXH64 (seed 0) of the first `max_bytes` bytes of a file (all of it by default), read in
// blocks; `bytes` (may be null) gets the file's size. Errc::io with the path on failure.
Result<uint64_t> file_xxh64(const std::filesystem::path& path,
                            uint64_t max_bytes = UINT64_MAX,
                            uint64_t* bytes = nullptr);

// 16 lower-case hex digits.
std::string hex64(uint64_t v);

// An append buffer that flushes to `fp` when it passes `capacity` bytes. Write errors are
// sticky and reported by flush().
class OutBuffer {
public:
    explicit OutBuffer(std::FILE* fp, size_t capacity = 1 << 20);
    OutBuffer(const OutBuffer&) = delete;
    OutBuffer& operator=(const OutBuffer&) = delete;
    ~OutBuffer();

    void append(std::string_view s) {
        if (buf_.size() + s.size() > cap_) {
            spill();
        }
        buf_.append(s);
    }

    void push(char c) {
        if (buf_.size() + 1 > cap_) {
            spill();
        }
        buf_.push_back(c);
    }

    std::string& raw() { return buf_; }  // direct access for writers that reserve first

    void maybe_spill() {
        if (buf_.size() >= cap_) {
            spill();
        }
    }

    uint64_t bytes_written() const { return written_ + buf_.size(); }

    // Writes out everything buffered. false if any write failed.
    bool flush();

private:
    void spill();

    std::FILE* fp_;
    size_t cap_;
    std::string buf_;
    uint64_t written_ = 0;
    bool failed_ = false;
};

}  // namespace ruvllm
