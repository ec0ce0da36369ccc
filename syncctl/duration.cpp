// Parsing and printing of syncctl's durations (see duration.hpp).

#include "syncctl/duration.hpp"

#include <array>
#include <charconv>
#include <cstdint>

namespace syncctl {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Largest first: the order parts must come in, and the order format_duration writes them.
constexpr std::array<Unit, 5> units{{{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}};

// Ten years: more than any interval needs; larger is a typo, and would overflow nothing but sense.
constexpr std::int64_t limit_ms = 10LL * 365 * 86'400'000;

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index in `units` of the smallest unit not yet used
  const char* p = text.data();
  const char* const end = text.data() + text.size();
  while (p != end) {
    std::uint64_t n = 0;
    auto [after, ec] = std::from_chars(p, end, n);
    if (ec != std::errc{} || after == p) return std::nullopt;
    const char* unit_end = after;
    while (unit_end != end && *unit_end >= 'a' && *unit_end <= 'z') ++unit_end;
    const std::string_view name(after, static_cast<std::size_t>(unit_end - after));
    std::int64_t scale = 0;
    if (name.empty()) {
      if (p != text.data() || unit_end != end) return std::nullopt;  // a bare number stands alone
      scale = 1000;
    } else {
      std::size_t i = next_unit;
      while (i < units.size() && units[i].name != name) ++i;
      if (i == units.size()) return std::nullopt;  // unknown, repeated or out of order
      scale = units[i].ms;
      next_unit = i + 1;
    }
    if (n > static_cast<std::uint64_t>(limit_ms / scale)) return std::nullopt;
    total += static_cast<std::int64_t>(n) * scale;
    if (total > limit_ms) return std::nullopt;
    p = unit_end;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds duration) {
  std::int64_t rest = duration.count();
  if (rest <= 0) return rest == 0 ? "0s" : "-" + format_duration(-duration);
  std::string out;
  for (const auto& unit : units) {
    if (rest >= unit.ms) {
      out += std::to_string(rest / unit.ms);
      out += unit.name;
      rest %= unit.ms;
    }
  }
  return out;
}

std::string format_elapsed(std::chrono::milliseconds duration) {
  const std::int64_t ms = duration.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 10'000) {
    const std::int64_t tenths = (ms + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  }
  return format_duration(std::chrono::milliseconds((ms + 500) / 1000 * 1000));
}

}  // namespace syncctl
