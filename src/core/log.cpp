// log.cpp: strformat and format_progress (log.h).
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include <ruvllm/core/log.h>

namespace ruvllm {

std::string strformat(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    const int n = std::vsnprintf(nullptr, 0, fmt, ap);
    va_end(ap);
    std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
    if (n > 0) {
        std::vsnprintf(out.data(), out.size() + 1, fmt, again);
    }
    va_end(again);
    return out;
}

// ---- format_progress ----

namespace {

// Terminal columns of UTF-8 text: its code points (continuation bytes do not count).
int columns(const std::string& s) {
    return static_cast<int>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// The first `n` code points of s.
std::string cut(const std::string& s, int n) {
    size_t i = 0;
    for (int seen = 0; i < s.size(); i++) {
        if ((s[i] & 0xC0) != 0x80 && seen++ == n) {
            break;
        }
    }
    return s.substr(0, i);
}

// The longest prefix of whole fields (split at ", ") of at most n columns; "" if none fits.
std::string cut_fields(const std::string& s, int n) {
    if (columns(s) <= n) {
        return s;
    }
    const std::string head = cut(s, n + 1);  // a ", " right after the last fitting field counts
    const size_t sep = head.rfind(", ");
    return sep == std::string::npos ? "" : head.substr(0, sep);
}

// 950, 12.3k, 456k, 7.8M, 0.4: counts and rates in a few columns, rounded.
std::string compact(double x) {
    if (x < 9.95 && x != std::floor(x)) {
        return strformat("%.1f", x);
    }
    if (x < 9999.5) {
        return strformat("%.0f", x);
    }
    const char* suffix[] = {"k", "M", "G"};
    int k = 0;
    x /= 1e3;
    while (x >= 1e3 && k < 2) {
        x /= 1e3;
        k++;
    }
    return x < 99.95 ? strformat("%.1f%s", x, suffix[k]) : strformat("%.0f%s", x, suffix[k]);
}

// m:ss, or h:mm:ss from an hour.
std::string clock(double seconds) {
    const auto s = static_cast<long>(std::max(0.0, seconds));
    return s < 3600 ? strformat("%ld:%02ld", s / 60, s % 60)
                    : strformat("%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

}  // namespace

std::string format_progress(const Progress& p, double elapsed_s, int width) {
    if (width <= 0) {
        return "";
    }
    const bool known = p.total > 0;
    const bool counted = !p.unit.empty();
    const double frac = known ? std::clamp(p.done / p.total, 0.0, 1.0) : 0.0;
    const bool finished = known && p.done >= p.total;

    // The fields, then which fit: the step's name and the percentage (or, with an unknown total,
    // the count) always; the others while they fit, the most useful first.
    // A rate or an ETA from less than half a second of work is noise.
    const bool settled = elapsed_s >= 0.5;
    std::string pct, counts, rate, times;
    if (known) {
        pct = strformat("%d%%", finished ? 100 : std::min(99, static_cast<int>(frac * 100)));
    }
    if (counted) {
        // Floored: a count never reads as the total before it is reached.
        counts = compact(std::floor(p.done)) + (known ? "/" + compact(p.total) : "") + " " + p.unit;
    }
    if (counted && settled && p.done > 0) {
        rate = compact(p.done / elapsed_s) + " " + p.unit + "/s";
    }
    times = clock(elapsed_s);
    if (known && !finished && frac > 0 && settled) {
        times += " ETA " + clock(elapsed_s * (1 - frac) / frac);
    }

    const int kSep = 2;  // columns between the fields after the percentage
    const std::string& always = known ? pct : counts;
    int used = columns(always);
    const std::string label = cut(p.step, std::max(0, width - used - 1));
    used += label.empty() ? 0 : columns(label) + 1;
    auto fits = [&](const std::string& f) {
        if (f.empty() || used + kSep + columns(f) > width) {
            return false;
        }
        used += kSep + columns(f);
        return true;
    };
    const bool show_times = fits(times);
    const bool show_rate = fits(rate);
    int cells = 0;
    // The bar: 10 cells, and more (up to a fifth of the width, 30 at most) when the other fields
    // leave room. With a bar the percentage takes 4 columns, so that the fields after it keep
    // still.
    const int pad = known ? 4 - columns(pct) : 0;
    if (known && used + pad + 3 + 10 <= width) {  // " [" + cells + "]"
        cells = 10;
        used += pad + 3 + cells;
        pct.insert(0, static_cast<size_t>(pad), ' ');
    }
    std::string note = cut_fields(p.note, width - used - kSep);
    if (!fits(note)) {
        note.clear();
    }
    const bool show_counts = known && fits(counts);
    if (cells > 0) {
        cells += std::max(0, std::min(std::min(width / 5, 30) - cells, width - used));
    }

    std::string out = label;
    if (cells > 0) {
        const int filled = finished ? cells : static_cast<int>(frac * cells);
        out += " [" + std::string(static_cast<size_t>(filled), '#') +
               std::string(static_cast<size_t>(cells - filled), '.') + "]";
    }
    if (!always.empty()) {
        out += (out.empty() ? "" : " ") + always;
    }
    const std::string sep(kSep, ' ');
    if (show_counts) {
        out += sep + counts;
    }
    if (show_rate) {
        out += sep + rate;
    }
    if (show_times) {
        out += sep + times;
    }
    if (!note.empty()) {
        out += sep + note;
    }
    return cut(out, width);
}

}  // namespace ruvllm
