// report_svg_internal.h: the small SVG chart writers behind report.cpp (not installed): a line
// chart, grouped bars, a heat map and a histogram, each with axes, ticks, labels and a legend.
// Each returns one <svg class="chart" data-chart="ID"> element sized in CSS pixels; every text
// it is given is HTML-escaped here. Classes the tests count: <circle class="point"> (one per
// finite line-chart value), <rect class="bar"> (one per bar), <rect class="cell"> (one per
// heat-map cell).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ruvllm::svg {

struct Series {
    std::string name;            // legend text
    std::string color;           // CSS colour, e.g. "#4c78a8"
    std::vector<double> values;  // NaN: no value (a gap in a line, no bar)
};

struct YAxis {
    std::string label;
    double lo = 0, hi = 0;  // a fixed range when lo < hi
    bool tight = false;     // automatic range around the data; else it starts at 0
    bool integer = false;   // counts: tick steps of at least 1
};

// A dashed vertical line with a label at the top.
struct Marker {
    double x = 0;  // line chart: x units; histogram: bin boundaries (boundary i is at i)
    std::string label;
};

// x[i] is the abscissa of every series' values[i] (all series have x.size() values). One
// <polyline> per series, one <circle class="point"> per finite value.
std::string line_chart(std::string_view id,
                       const std::vector<double>& x,
                       const std::vector<Series>& series,
                       std::string_view x_label,
                       const YAxis& y,
                       const std::vector<Marker>& markers = {});

// One group per category, one <rect class="bar"> per series and category with a finite value
// (series[s].values[c]). Values are printed above the bars when there are at most 12.
std::string bar_chart(std::string_view id,
                      const std::vector<std::string>& categories,
                      const std::vector<Series>& series,
                      std::string_view x_label,
                      const YAxis& y);

// counts[row][col] (labels.size() x labels.size()) as <rect class="cell">, shaded by the share
// of the row total; row labels on the left, column labels below.
std::string heat_map(std::string_view id,
                     const std::vector<std::string>& labels,
                     const std::vector<std::vector<double>>& counts,
                     std::string_view row_title,
                     std::string_view col_title);

// Adjacent bars of equal width: counts[i] lies between boundaries i and i + 1.
// boundary_labels has counts.size() + 1 entries (empty: a tick without text); bin_titles has
// one tooltip per bin.
std::string histogram(std::string_view id,
                      const std::vector<double>& counts,
                      const std::vector<std::string>& boundary_labels,
                      const std::vector<std::string>& bin_titles,
                      std::string_view x_label,
                      const YAxis& y,
                      const std::vector<Marker>& markers = {});

// A number for a label or tooltip: integers without decimals, else 3 significant decimals.
std::string format_value(double v);

}  // namespace ruvllm::svg
