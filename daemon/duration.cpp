// Parsing and printing of human durations for daemon options.
#include "daemon/duration.hpp"

#include <charconv>
#include <cstdint>

namespace bgsync::daemon {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t n = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc{} || p == text.data()) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(end - p));
  std::uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit.empty() || unit == "s") scale = 1000;
  else if (unit == "m" || unit == "min") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else return std::nullopt;
  // Ten years is more than any delay here needs; larger means a typo, not an intent.
  constexpr std::uint64_t limit = 10ULL * 365 * 86'400'000;
  if (n > limit / scale) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(n * scale));
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms == 0) return "0s";
  struct Unit { std::int64_t scale; const char* name; };
  for (auto u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
    if (ms % u.scale == 0) return std::to_string(ms / u.scale) + u.name;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace bgsync::daemon
