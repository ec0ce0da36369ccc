// Durations as people type them on command lines and in config files: "250ms", "10s", "5m", "7d".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync::daemon {

// A non-negative integer followed by ms, s, m, h or d; a bare number means seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest exact form: 1500 ms -> "1500ms", 60000 -> "1m", 0 -> "0s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace bgsync::daemon
