// What every bgsync benchmark reports and how: named figures with a unit, an optional baseline
// measured in the same run and an optional target, summarised from samples (min, median, p99, max),
// printed as a small table and written as JSON for bench/run to collect (see bench/README.md).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bgsync::bench {

// How a figure's target reads: "value ≤ target" (times, memory), "value ≥ target" (rates), or
// "ratio ≥ target" ("at least 2× the baseline").
enum class Goal { at_most, at_least, ratio_at_least };

struct Figure {
  std::string name;  // "route up → first request p50"
  double value = 0;  // bgsync's figure (the median, when the run was repeated)
  std::string unit;  // "ms"
  std::optional<double> target;    // the bound `goal` compares against; unset: informational
  std::optional<double> baseline;  // the same figure of the baseline program, same unit, same run
  Goal goal = Goal::at_most;
  // Over the repetitions of a repeated figure (see repeated()), so noise is visible; else unset.
  std::optional<double> min{};
  std::optional<double> max{};
  int runs = 1;

  std::optional<bool> met() const;
  // value / baseline (2.0: bgsync's figure is twice the baseline's); unset without a baseline or
  // when the baseline is 0.
  std::optional<double> ratio() const;
};

// Nearest-rank percentile (q in [0, 1], 0 meaning the minimum) of unsorted samples; with 20 samples
// p50 is the 10th smallest and p99 the largest. Throws std::invalid_argument on no samples.
double percentile(std::vector<double> samples, double q);

// min, p50, p99 and max of `samples` as figures named "<what> min" ..., with targets for p50 and
// p99 when given, and each the same percentile of `baseline` as its baseline unless `baseline` is
// empty.
std::vector<Figure> summarize(const std::string& what, const std::vector<double>& samples,
                              const std::vector<double>& baseline, const std::string& unit,
                              std::optional<double> p50_target, std::optional<double> p99_target);

// One figure from a measurement repeated `samples.size()` times (at least 5 is the rule): the
// median as value, min and max, and the median of `baseline` (same repetitions of the baseline
// program; empty: none) as baseline. Throws std::invalid_argument on no samples.
Figure repeated(const std::string& name, const std::vector<double>& samples, const std::vector<double>& baseline,
                const std::string& unit, std::optional<double> target, Goal goal);

// Columns: figure, bgsync, min..max, baseline, ratio, target, met ("-" where a figure has none).
void print_table(std::ostream& out, const std::vector<Figure>& figures);

// A JSON array with one figure object per line, which bench/run relies on to merge files:
//   [
//   {"figure":"...","value":37.6,"unit":"ms","min":30.1,"max":41.0,"runs":5,"baseline":0.61,"ratio":61.6,
//    "target":50,"goal":"at_most","met":true},
//   ...
//   ]
// (on one line each; "baseline" and "ratio" are null without a baseline, "target", "goal" and
// "met" for informational figures, "min" and "max" when the figure was not repeated). Throws std::runtime_error if the file cannot be written.
void write_json(const std::string& path, const std::vector<Figure>& figures);

}  // namespace bgsync::bench
