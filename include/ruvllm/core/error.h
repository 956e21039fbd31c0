// ruvllm/core/error.h: the error type of every boundary with the outside world.
//
// Recoverable failures (bad files, malformed lines, I/O errors, bad arguments) are returned as
// `Result<T>` / `Status`; our code does not throw. Bugs (broken invariants) use RUVLLM_ASSERT,
// which prints `file:line: assertion failed: cond` and aborts.
//
// Messages say what, where and what was expected:
//   "agents/coder.yaml:17: unknown placeholder {langauge}, expected one of the value lists"
// Each error carries a stable code (`Errc`) that tests assert; the CLI prints the message.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ruvllm {

enum class Errc {
    io,                // a file could not be opened, read, written or renamed
    parse,             // text that is not well-formed (YAML, JSON, numbers)
    format,            // well-formed input that breaks the format's rules
    unsupported,       // a valid request we do not implement
    invalid_argument,  // a bad option value or combination
    numeric,           // NaN / inf where a number was expected
    exhausted,         // the generator could not find enough distinct examples
};

const char* errc_name(Errc code);

struct Error {
    Errc code = Errc::io;
    std::string message;  // "<where>: <what>, expected <what>"
};

inline Error make_error(Errc code, std::string message) {
    return Error{code, std::move(message)};
}

// `e` with its place in front: "<where>: <message>", the code kept. An error names its place
// once: a message that already starts with "<where>:" is returned as it is. The one way the
// library adds context to an error it passes on.
Error with_context(const Error& e, const std::string& where);

// "<what> <value>, expected <expected>" with the value as printf's %g: the one message for a
// setting out of its range, e.g. bad_setting("train: batch", 1, ">= 2") says "train: batch 1,
// expected >= 2". Errc::invalid_argument, or `code` (Errc::format for a value read from a file).
Error bad_setting(const std::string& what,
                  double value,
                  const std::string& expected,
                  Errc code = Errc::invalid_argument);

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)

    Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    explicit operator bool() const { return v_.index() == 0; }

    bool ok() const { return v_.index() == 0; }

    T& operator*() { return std::get<0>(v_); }

    const T& operator*() const { return std::get<0>(v_); }

    T* operator->() { return &std::get<0>(v_); }

    const T* operator->() const { return &std::get<0>(v_); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

using Status = Result<std::monostate>;

inline Status ok() {
    return std::monostate{};
}

[[noreturn]] void assert_fail(const char* file, int line, const char* cond);

}  // namespace ruvllm

#define RUVLLM_ASSERT(cond)                                   \
    do {                                                      \
        if (!(cond)) {                                        \
            ::ruvllm::assert_fail(__FILE__, __LINE__, #cond); \
        }                                                     \
    } while (0)
