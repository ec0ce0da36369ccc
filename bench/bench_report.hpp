// What every bgsync benchmark reports and how: named figures with a unit, an optional baseline
// measured in the same run and an optional target, summarised from samples (min, median, p99, max),
// printed as a small table and written as JSON for bench/run to collect (see bench/README.md).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bgsync::bench {

struct Figure {
  std::string name;  // "route up → first request p50"
  double value = 0;  // bgsync's figure
  std::string unit;  // "ms"
  std::optional<double> target;    // an upper bound: met when value <= target; unset: informational
  std::optional<double> baseline;  // the same figure of the baseline program, same unit, same run

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

// Columns: figure, bgsync, baseline, ratio, target, met ("-" where a figure has none).
void print_table(std::ostream& out, const std::vector<Figure>& figures);

// A JSON array with one figure object per line, which bench/run relies on to merge files:
//   [
//   {"figure":"...","value":37.6,"unit":"ms","baseline":0.61,"ratio":61.6,"target":50,"met":true},
//   ...
//   ]
// ("baseline" and "ratio" are null without a baseline, "target" and "met" for informational
// figures). Throws std::runtime_error if the file cannot be written.
void write_json(const std::string& path, const std::vector<Figure>& figures);

}  // namespace bgsync::bench
