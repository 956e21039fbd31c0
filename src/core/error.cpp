// error.cpp: names of error codes and the assertion handler.
#include <cstdio>
#include <cstdlib>

#include <ruvllm/core/error.h>

namespace ruvllm {

const char* errc_name(Errc code) {
    switch (code) {
        case Errc::io:
            return "io";
        case Errc::parse:
            return "parse";
        case Errc::format:
            return "format";
        case Errc::unsupported:
            return "unsupported";
        case Errc::invalid_argument:
            return "invalid_argument";
        case Errc::numeric:
            return "numeric";
        case Errc::exhausted:
            return "exhausted";
    }
    return "unknown";
}

Error with_context(const Error& e, const std::string& where) {
    if (where.empty() || e.message.rfind(where + ":", 0) == 0) {
        return e;
    }
    return Error{e.code, where + ": " + e.message};
}

Error bad_setting(const std::string& what, double value, const std::string& expected, Errc code) {
    char v[32];
    std::snprintf(v, sizeof v, "%g", value);
    return Error{code, what + " " + v + ", expected " + expected};
}

void assert_fail(const char* file, int line, const char* cond) {
    std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, cond);
    std::abort();
}

}  // namespace ruvllm
