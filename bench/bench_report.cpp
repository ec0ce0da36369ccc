// Summaries, the table and the JSON file of the benchmarks.
#include "bench/bench_report.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bgsync::bench {
namespace {

std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(decimals);
  s << v;
  return s.str();
}

// Sub-millisecond baselines need two decimals to be told apart; large or whole figures need none.
std::string quantity(double v, const std::string& unit) {
  return fixed(v, std::abs(v) >= 100 || v == std::round(v) ? 0 : 2) + (unit.empty() ? "" : " " + unit);
}

// Columns are padded by what a terminal shows, not by bytes: figure names contain "→".
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad_right(const std::string& s, std::size_t width) {
  return s + std::string(width - std::min(width, display_width(s)), ' ');
}

std::string pad_left(const std::string& s, std::size_t width) {
  return std::string(width - std::min(width, display_width(s)), ' ') + s;
}

// Boost.JSON writes doubles as "3.7063E1"; numbers meant for people and diffs read better plain.
std::string json_number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  std::ostringstream s;
  s.precision(12);
  s << std::round(*v * 1000) / 1000;
  return s.str();
}

std::string json_string(const std::string& s) { return boost::json::serialize(boost::json::string(s)); }

}  // namespace

std::optional<bool> Figure::met() const {
  if (!target) return std::nullopt;
  switch (goal) {
    case Goal::at_most: return value <= *target;
    case Goal::at_least: return value >= *target;
    case Goal::ratio_at_least: {
      const auto r = ratio();
      return r && *r >= *target;
    }
  }
  return std::nullopt;
}

std::optional<double> Figure::ratio() const {
  if (!baseline || *baseline == 0) return std::nullopt;
  return value / *baseline;
}

double percentile(std::vector<double> samples, double q) {
  if (samples.empty()) throw std::invalid_argument("percentile of no samples");
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

std::vector<Figure> summarize(const std::string& what, const std::vector<double>& samples,
                              const std::vector<double>& baseline, const std::string& unit,
                              std::optional<double> p50_target, std::optional<double> p99_target) {
  const auto figure = [&](const char* suffix, double q, std::optional<double> target) {
    std::optional<double> base;
    if (!baseline.empty()) base = percentile(baseline, q);
    Figure f;
    f.name = what + " " + suffix;
    f.value = percentile(samples, q);
    f.unit = unit;
    f.target = target;
    f.baseline = base;
    return f;
  };
  return {figure("min", 0.0, std::nullopt), figure("p50", 0.5, p50_target), figure("p99", 0.99, p99_target),
          figure("max", 1.0, std::nullopt)};
}

Figure repeated(const std::string& name, const std::vector<double>& samples, const std::vector<double>& baseline,
                const std::string& unit, std::optional<double> target, Goal goal) {
  Figure f;
  f.name = name;
  f.value = percentile(samples, 0.5);
  f.unit = unit;
  f.target = target;
  f.goal = goal;
  if (!baseline.empty()) f.baseline = percentile(baseline, 0.5);
  f.min = *std::min_element(samples.begin(), samples.end());
  f.max = *std::max_element(samples.begin(), samples.end());
  f.runs = static_cast<int>(samples.size());
  return f;
}

namespace {

std::string target_text(const Figure& f) {
  if (!f.target) return "-";
  switch (f.goal) {
    case Goal::at_most: return "<= " + quantity(*f.target, f.unit);
    case Goal::at_least: return ">= " + quantity(*f.target, f.unit);
    case Goal::ratio_at_least: return ">= " + fixed(*f.target, *f.target == std::round(*f.target) ? 0 : 2) + "x";
  }
  return "-";
}

std::string goal_name(Goal goal) {
  switch (goal) {
    case Goal::at_most: return "at_most";
    case Goal::at_least: return "at_least";
    case Goal::ratio_at_least: return "ratio_at_least";
  }
  return "";
}

// Ratios of rates near 1 and of latencies far from it both need to be readable.
std::string ratio_text(double r) { return fixed(r, r < 10 ? 2 : 1) + "x"; }

}  // namespace

void print_table(std::ostream& out, const std::vector<Figure>& figures) {
  std::vector<std::vector<std::string>> rows{{"figure", "bgsync", "min..max (runs)", "baseline", "ratio", "target", "met"}};
  for (const auto& f : figures) {
    const auto met = f.met();
    const auto ratio = f.ratio();
    const std::string range = f.min && f.max ? quantity(*f.min, "") + ".." + quantity(*f.max, "") +
                                                   "(" + std::to_string(f.runs) + ")"
                                             : "-";
    rows.push_back({f.name, quantity(f.value, f.unit), range, f.baseline ? quantity(*f.baseline, f.unit) : "-",
                    ratio ? ratio_text(*ratio) : "-", target_text(f), met ? (*met ? "yes" : "NO") : "-"});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  }
  for (const auto& row : rows) {
    // The name reads left to right; numbers line up on the right.
    std::string line = pad_right(row[0], widths[0]);
    for (std::size_t c = 1; c < row.size(); ++c) line += "  " + pad_left(row[c], widths[c]);
    out << line << "\n";
  }
}

void write_json(const std::string& path, const std::vector<Figure>& figures) {
  std::ofstream out(path, std::ios::trunc);
  out << "[";
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const auto& f = figures[i];
    const auto met = f.met();
    out << (i == 0 ? "\n" : ",\n") << "{\"figure\":" << json_string(f.name) << ",\"value\":" << json_number(f.value)
        << ",\"unit\":" << json_string(f.unit) << ",\"min\":" << json_number(f.min)
        << ",\"max\":" << json_number(f.max) << ",\"runs\":" << f.runs << ",\"baseline\":" << json_number(f.baseline)
        << ",\"ratio\":" << json_number(f.ratio()) << ",\"target\":" << json_number(f.target)
        << ",\"goal\":" << (f.target ? json_string(goal_name(f.goal)) : "null") << ",\"met\":" << (met ? (*met ? "true" : "false") : "null") << "}";
  }
  out << "\n]\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

}  // namespace bgsync::bench
