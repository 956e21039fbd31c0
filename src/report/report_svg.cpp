// report_svg.cpp: the SVG chart writers of report_svg_internal.h. Coordinates are CSS pixels
// with the origin at the top left; a chart is a Frame (outer size and margins) around its plot
// area. Label widths are estimated at 6.2 px per character (11 px sans-serif).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include <ruvllm/report/report.h>

#include "report/report_svg_internal.h"

namespace ruvllm::svg {

namespace {

constexpr double kCharPx = 6.2;
constexpr size_t kMaxLabelChars = 28;  // longer axis labels are shortened (full text in <title>)

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string esc(std::string_view s) {
    return html_escape(s);
}

std::string shorten(const std::string& s) {
    if (s.size() <= kMaxLabelChars) {
        return s;
    }
    size_t cut = kMaxLabelChars - 1;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
        cut--;  // do not split a UTF-8 sequence
    }
    return s.substr(0, cut) + "\u2026";
}

double label_px(const std::vector<std::string>& labels) {
    size_t n = 0;
    for (const std::string& l : labels) {
        n = std::max(n, std::min(l.size(), kMaxLabelChars));
    }
    return static_cast<double>(n) * kCharPx;
}

struct Frame {
    double w = 560, h = 300, left = 60, top = 30, right = 20, bottom = 48;

    double x0() const { return left; }

    double x1() const { return w - right; }

    double y0() const { return top; }

    double y1() const { return h - bottom; }
};

// ---- scales and ticks ----

double nice_step(double range, int target) {
    const double raw = range / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / mag;
    const double s = r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10;
    return s * mag;
}

// The fewest decimals (<= 6) that print multiples of `step` exactly.
int decimals_for(double step) {
    for (int d = 0; d < 6; d++) {
        const double scaled = step * std::pow(10.0, d);
        if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) {
            return d;
        }
    }
    return 6;
}

std::string tick_text(double v, int decimals) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v) < 1e-12 ? 0.0 : v);
    return buf;
}

struct Scale {
    double lo = 0, hi = 1, step = 0.2;

    double frac(double v) const { return (v - lo) / (hi - lo); }
};

Scale y_scale(const YAxis& y, double dmin, double dmax) {
    Scale s;
    if (y.lo < y.hi) {
        s.lo = y.lo;
        s.hi = y.hi;
        s.step = nice_step(s.hi - s.lo, 5);
        return s;
    }
    if (!std::isfinite(dmin) || !std::isfinite(dmax)) {
        dmin = 0;
        dmax = 1;
    }
    double lo = y.tight ? dmin : std::min(0.0, dmin);
    double hi = y.tight ? dmax : std::max(0.0, dmax);
    if (hi - lo < 1e-12) {
        const double pad = y.tight && std::fabs(hi) > 0 ? std::fabs(hi) * 0.05 : 1.0;
        hi += pad;
        lo = y.tight ? lo - pad : lo;
    } else if (y.tight) {
        const double pad = (hi - lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    s.step = nice_step(hi - lo, 5);
    if (y.integer) {
        s.step = std::max(1.0, std::ceil(s.step));
    }
    s.lo = std::floor(lo / s.step + 1e-9) * s.step;
    s.hi = std::ceil(hi / s.step - 1e-9) * s.step;
    if (s.hi <= s.lo) {
        s.hi = s.lo + s.step;
    }
    return s;
}

void data_range(const std::vector<Series>& series, double& dmin, double& dmax) {
    dmin = std::numeric_limits<double>::infinity();
    dmax = -dmin;
    for (const Series& s : series) {
        for (const double v : s.values) {
            if (std::isfinite(v)) {
                dmin = std::min(dmin, v);
                dmax = std::max(dmax, v);
            }
        }
    }
}

// ---- pieces shared by the charts ----

void open_svg(std::string& out, std::string_view id, const Frame& f) {
    out += "<svg class=\"chart\" data-chart=\"" + esc(id) +
           "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 " + num(f.w) + " " +
           num(f.h) + "\" width=\"" + num(f.w) + "\" height=\"" + num(f.h) + "\">\n";
}

void text(std::string& out,
          double x,
          double y,
          std::string_view anchor,
          std::string_view s,
          std::string_view cls = {}) {
    out += "<text";
    if (!cls.empty()) {
        out += " class=\"" + std::string(cls) + "\"";
    }
    out += " x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + std::string(anchor) +
           "\">" + esc(s) + "</text>\n";
}

void line(std::string& out, double x1, double y1, double x2, double y2, std::string_view cls) {
    out += "<line class=\"" + std::string(cls) + "\" x1=\"" + num(x1) + "\" y1=\"" + num(y1) +
           "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"/>\n";
}

// The left margin that fits the y tick labels of `s` and the rotated axis label.
double left_margin(const Scale& s) {
    const int dec = decimals_for(s.step);
    const size_t chars = std::max(tick_text(s.lo, dec).size(), tick_text(s.hi, dec).size());
    return std::max(48.0, 34 + static_cast<double>(chars) * kCharPx);
}

// Horizontal grid lines with tick labels, the two axis lines and the rotated y label.
void y_axis(std::string& out, const Frame& f, const Scale& s, std::string_view label) {
    const int dec = decimals_for(s.step);
    const int n = static_cast<int>(std::lround((s.hi - s.lo) / s.step));
    for (int i = 0; i <= n; i++) {
        const double v = s.lo + i * s.step;
        const double y = f.y1() - s.frac(v) * (f.y1() - f.y0());
        line(out, f.x0(), y, f.x1(), y, "gridline");
        text(out, f.x0() - 6, y + 4, "end", tick_text(v, dec));
    }
    line(out, f.x0(), f.y0(), f.x0(), f.y1(), "axis");
    line(out, f.x0(), f.y1(), f.x1(), f.y1(), "axis");
    const double cy = (f.y0() + f.y1()) / 2;
    out += "<text class=\"axis-label\" transform=\"translate(14," + num(cy) +
           ") rotate(-90)\" text-anchor=\"middle\">" + esc(label) + "</text>\n";
}

void x_title(std::string& out, const Frame& f, std::string_view label) {
    text(out, (f.x0() + f.x1()) / 2, f.h - 8, "middle", label, "axis-label");
}

void legend(std::string& out, const Frame& f, const std::vector<Series>& series) {
    double x = f.x0();
    for (const Series& s : series) {
        out += "<rect class=\"legend\" x=\"" + num(x) + "\" y=\"8\" width=\"10\" height=\"10\" " +
               "fill=\"" + esc(s.color) + "\"/>\n";
        text(out, x + 14, 17, "start", s.name);
        x += 30 + static_cast<double>(s.name.size()) * kCharPx;
    }
}

// Labels of successive markers go on successive rows so that close markers stay readable.
void marker(std::string& out, const Frame& f, double x, const std::string& label, size_t row) {
    line(out, x, f.y0(), x, f.y1(), "marker");
    text(out, x + 3, f.y0() + 10 + 13 * static_cast<double>(row), "start", label, "marker-label");
}

// Category labels under x positions `cx`: horizontal when they fit in `band`, else rotated.
void category_labels(std::string& out,
                     const Frame& f,
                     const std::vector<std::string>& labels,
                     const std::vector<double>& cx,
                     bool rotate) {
    for (size_t i = 0; i < labels.size(); i++) {
        const std::string shown = shorten(labels[i]);
        if (rotate) {
            out += "<text transform=\"translate(" + num(cx[i] + 4) + "," + num(f.y1() + 12) +
                   ") rotate(-35)\" text-anchor=\"end\">" + esc(shown) + "<title>" +
                   esc(labels[i]) + "</title></text>\n";
        } else {
            text(out, cx[i], f.y1() + 16, "middle", shown);
        }
    }
}

std::string rgb(double r, double g, double b) {
    char buf[40];
    std::snprintf(buf,
                  sizeof buf,
                  "rgb(%d,%d,%d)",
                  static_cast<int>(std::lround(r)),
                  static_cast<int>(std::lround(g)),
                  static_cast<int>(std::lround(b)));
    return buf;
}

// White -> mid blue -> dark blue for t in [0, 1].
std::string blues(double t) {
    t = std::clamp(t, 0.0, 1.0);
    const double a[3] = {247, 251, 255}, m[3] = {107, 174, 214}, z[3] = {8, 48, 107};
    const double* p = t < 0.5 ? a : m;
    const double* q = t < 0.5 ? m : z;
    const double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
    return rgb(p[0] + (q[0] - p[0]) * u, p[1] + (q[1] - p[1]) * u, p[2] + (q[2] - p[2]) * u);
}

}  // namespace

std::string format_value(double v) {
    char buf[48];
    if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    } else if (std::fabs(v) < 10) {
        std::snprintf(buf, sizeof buf, "%.3f", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f", v);
    }
    return buf;
}

// ---- charts ----

std::string line_chart(std::string_view id,
                       const std::vector<double>& x,
                       const std::vector<Series>& series,
                       std::string_view x_label,
                       const YAxis& y,
                       const std::vector<Marker>& markers) {
    Frame f;
    f.w = 390;
    double dmin = 0, dmax = 0;
    data_range(series, dmin, dmax);
    const Scale ys = y_scale(y, dmin, dmax);
    f.left = left_margin(ys);
    double xmin = x.empty() ? 0 : *std::min_element(x.begin(), x.end());
    double xmax = x.empty() ? 1 : *std::max_element(x.begin(), x.end());
    if (xmax - xmin < 1e-12) {
        xmin -= 1;
        xmax += 1;
    }
    const auto px = [&](double v) {
        return f.x0() + 8 + (v - xmin) / (xmax - xmin) * (f.x1() - f.x0() - 16);
    };
    const auto py = [&](double v) {
        return f.y1() - ys.frac(v) * (f.y1() - f.y0());
    };
    std::string out;
    open_svg(out, id, f);
    y_axis(out, f, ys, y.label);
    const bool integers = std::all_of(
        x.begin(), x.end(), [](double v) { return std::fabs(v - std::round(v)) < 1e-9; });
    double step = nice_step(xmax - xmin, 8);
    if (integers) {
        step = std::max(1.0, std::ceil(step));
    }
    const int dec = decimals_for(step);
    const double first = std::ceil(xmin / step - 1e-9) * step;
    const int n_ticks = static_cast<int>(std::floor((xmax - first) / step + 1e-9)) + 1;
    for (int i = 0; i < n_ticks; i++) {
        const double t = first + i * step;
        line(out, px(t), f.y1(), px(t), f.y1() + 4, "axis");
        text(out, px(t), f.y1() + 16, "middle", tick_text(t, dec));
    }
    x_title(out, f, x_label);
    for (size_t i = 0; i < markers.size(); i++) {
        marker(out, f, px(markers[i].x), markers[i].label, i);
    }
    for (const Series& s : series) {
        std::string pts;
        for (size_t i = 0; i < x.size() && i < s.values.size(); i++) {
            if (std::isfinite(s.values[i])) {
                pts += (pts.empty() ? "" : " ") + num(px(x[i])) + "," + num(py(s.values[i]));
            }
        }
        out += "<polyline class=\"line\" fill=\"none\" stroke=\"" + esc(s.color) +
               "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
        for (size_t i = 0; i < x.size() && i < s.values.size(); i++) {
            if (std::isfinite(s.values[i])) {
                out += "<circle class=\"point\" cx=\"" + num(px(x[i])) + "\" cy=\"" +
                       num(py(s.values[i])) + "\" r=\"3\" fill=\"" + esc(s.color) + "\"><title>" +
                       esc(s.name) + " at " + esc(format_value(x[i])) + ": " +
                       esc(format_value(s.values[i])) + "</title></circle>\n";
            }
        }
    }
    legend(out, f, series);
    out += "</svg>\n";
    return out;
}

std::string bar_chart(std::string_view id,
                      const std::vector<std::string>& categories,
                      const std::vector<Series>& series,
                      std::string_view x_label,
                      const YAxis& y) {
    Frame f;
    const size_t C = categories.size(), S = std::max<size_t>(1, series.size());
    double dmin = 0, dmax = 0;
    data_range(series, dmin, dmax);
    const Scale ys = y_scale(y, dmin, dmax);
    f.left = left_margin(ys);
    const bool values = C * S <= 12;
    if (values) {
        f.top = 40;  // room for the value above a full-height bar
    }
    const double min_band = static_cast<double>(S) * (C <= 4 ? 36 : 16) + 24;
    f.w = std::max(320.0, f.left + f.right + static_cast<double>(C) * min_band);
    const double band = (f.w - f.left - f.right) / static_cast<double>(std::max<size_t>(1, C));
    const bool rotate = label_px(categories) > band - 6;
    if (rotate) {
        f.bottom = 34 + label_px(categories) * 0.58;
    }
    f.h = 222 + f.top + f.bottom;
    const auto py = [&](double v) {
        return f.y1() - ys.frac(std::clamp(v, ys.lo, ys.hi)) * (f.y1() - f.y0());
    };
    std::string out;
    open_svg(out, id, f);
    y_axis(out, f, ys, y.label);
    const double bw = band * 0.8 / static_cast<double>(S);
    bool integers = true;
    for (const Series& s : series) {
        for (const double v : s.values) {
            integers = integers && (!std::isfinite(v) || std::fabs(v - std::round(v)) < 1e-9);
        }
    }
    std::vector<double> cx(C);
    for (size_t c = 0; c < C; c++) {
        const double x0 = f.x0() + band * static_cast<double>(c) + band * 0.1;
        cx[c] = f.x0() + band * (static_cast<double>(c) + 0.5);
        for (size_t s = 0; s < series.size(); s++) {
            const double v = c < series[s].values.size() ? series[s].values[c] : NAN;
            if (!std::isfinite(v)) {
                continue;
            }
            const double top = py(std::max(v, ys.lo)), base = py(std::max(0.0, ys.lo));
            const double bx = x0 + bw * static_cast<double>(s);
            out += "<rect class=\"bar\" x=\"" + num(bx) + "\" y=\"" + num(std::min(top, base)) +
                   "\" width=\"" + num(std::max(1.0, bw - 2)) + "\" height=\"" +
                   num(std::fabs(base - top)) + "\" fill=\"" + esc(series[s].color) + "\"><title>" +
                   esc(categories[c]) + (series[s].name.empty() ? "" : ", ") + esc(series[s].name) +
                   ": " + esc(format_value(v)) + "</title></rect>\n";
            if (values) {
                char buf[48];
                std::snprintf(buf, sizeof buf, "%.*f", integers ? 0 : 3, v);
                text(out, bx + bw / 2 - 1, std::min(top, base) - 4, "middle", buf);
            }
        }
    }
    category_labels(out, f, categories, cx, rotate);
    x_title(out, f, x_label);
    if (series.size() > 1 || (series.size() == 1 && !series[0].name.empty())) {
        legend(out, f, series);
    }
    out += "</svg>\n";
    return out;
}

std::string heat_map(std::string_view id,
                     const std::vector<std::string>& labels,
                     const std::vector<std::vector<double>>& counts,
                     std::string_view row_title,
                     std::string_view col_title) {
    const size_t n = labels.size();
    RUVLLM_ASSERT(counts.size() == n);
    const double cell =
        std::clamp(std::floor(460.0 / static_cast<double>(std::max<size_t>(1, n))), 16.0, 44.0);
    const double lpx = label_px(labels);
    Frame f;
    f.left = lpx + 36;
    f.top = 12;
    f.right = 110;
    f.bottom = lpx * 0.72 + 44;
    f.w = f.left + cell * static_cast<double>(n) + f.right;
    f.h = f.top + cell * static_cast<double>(n) + f.bottom;
    std::string out;
    open_svg(out, id, f);
    for (size_t r = 0; r < n; r++) {
        RUVLLM_ASSERT(counts[r].size() == n);
        double total = 0;
        for (const double v : counts[r]) {
            total += v;
        }
        const double y = f.top + cell * static_cast<double>(r);
        out += "<text x=\"" + num(f.left - 6) + "\" y=\"" + num(y + cell / 2 + 4) +
               "\" text-anchor=\"end\">" + esc(shorten(labels[r])) + "<title>" + esc(labels[r]) +
               "</title></text>\n";
        for (size_t c = 0; c < n; c++) {
            const double v = counts[r][c];
            const double share = total > 0 ? v / total : 0;
            const double x = f.left + cell * static_cast<double>(c);
            char pct[32];
            std::snprintf(pct, sizeof pct, "%.1f%%", share * 100);
            out += "<rect class=\"cell" + std::string(r == c ? " diagonal" : "") + "\" x=\"" +
                   num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(cell) + "\" height=\"" +
                   num(cell) + "\" fill=\"" + blues(share) + "\"><title>true " + esc(labels[r]) +
                   ", predicted " + esc(labels[c]) + ": " + esc(format_value(v)) + " (" + pct +
                   " of the row)</title></rect>\n";
            if (v > 0 && cell >= 18) {
                out += "<text class=\"" +
                       std::string(share > 0.55 ? "cell-text light" : "cell-text") + "\" x=\"" +
                       num(x + cell / 2) + "\" y=\"" + num(y + cell / 2 + 4) +
                       "\" text-anchor=\"middle\">" + esc(format_value(v)) + "</text>\n";
            }
        }
    }
    const double grid_bottom = f.top + cell * static_cast<double>(n);
    for (size_t c = 0; c < n; c++) {
        const double x = f.left + cell * (static_cast<double>(c) + 0.5);
        out += "<text transform=\"translate(" + num(x + 4) + "," + num(grid_bottom + 10) +
               ") rotate(-45)\" text-anchor=\"end\">" + esc(shorten(labels[c])) + "<title>" +
               esc(labels[c]) + "</title></text>\n";
    }
    text(out,
         f.left + cell * static_cast<double>(n) / 2,
         f.h - 8,
         "middle",
         col_title,
         "axis-label");
    out += "<text class=\"axis-label\" transform=\"translate(14," +
           num(f.top + cell * static_cast<double>(n) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + esc(row_title) + "</text>\n";
    // legend: five swatches of the colour scale
    const double lx = f.left + cell * static_cast<double>(n) + 16;
    text(out, lx, f.top + 10, "start", "share of row");
    for (int i = 0; i <= 4; i++) {
        const double ly = f.top + 18 + i * 18.0;
        out += "<rect class=\"legend\" x=\"" + num(lx) + "\" y=\"" + num(ly) +
               "\" width=\"14\" height=\"14\" fill=\"" + blues(i / 4.0) + "\"/>\n";
        text(out, lx + 20, ly + 11, "start", std::to_string(i * 25) + "%");
    }
    out += "</svg>\n";
    return out;
}

std::string histogram(std::string_view id,
                      const std::vector<double>& counts,
                      const std::vector<std::string>& boundary_labels,
                      const std::vector<std::string>& bin_titles,
                      std::string_view x_label,
                      const YAxis& y,
                      const std::vector<Marker>& markers) {
    Frame f;
    f.w = 640;
    const size_t n = counts.size();
    double dmax = 0;
    for (const double v : counts) {
        dmax = std::max(dmax, v);
    }
    const Scale ys = y_scale(y, 0, dmax);
    f.left = left_margin(ys);
    const double bw = (f.x1() - f.x0()) / static_cast<double>(std::max<size_t>(1, n));
    const auto bx = [&](double b) {
        return f.x0() + bw * b;
    };
    std::string out;
    open_svg(out, id, f);
    y_axis(out, f, ys, y.label);
    for (size_t i = 0; i < n; i++) {
        const double top = f.y1() - ys.frac(counts[i]) * (f.y1() - f.y0());
        out += "<rect class=\"bar\" x=\"" + num(bx(static_cast<double>(i)) + 0.5) + "\" y=\"" +
               num(top) + "\" width=\"" + num(std::max(1.0, bw - 1)) + "\" height=\"" +
               num(f.y1() - top) + "\" fill=\"#4c78a8\"><title>" +
               esc(i < bin_titles.size() ? bin_titles[i] : std::string()) + ": " +
               esc(format_value(counts[i])) + "</title></rect>\n";
    }
    for (size_t b = 0; b <= n && b < boundary_labels.size(); b++) {
        const double x = bx(static_cast<double>(b));
        line(out, x, f.y1(), x, f.y1() + (boundary_labels[b].empty() ? 3 : 6), "axis");
        if (!boundary_labels[b].empty()) {
            text(out, x, f.y1() + 18, "middle", boundary_labels[b]);
        }
    }
    for (size_t i = 0; i < markers.size(); i++) {
        marker(out, f, bx(markers[i].x), markers[i].label, i);
    }
    x_title(out, f, x_label);
    out += "</svg>\n";
    return out;
}

}  // namespace ruvllm::svg
