// Durations on syncctl's command line and in its output: "30s", "15m", "1h30m", "1d". syncctl's own
// (it must not link the daemon), and compound, since intervals like 1h30m are common.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace syncctl {

// One or more <integer><unit> parts, unit one of ms, s, m, h, d, largest first, each at most once
// ("1h30m", "90s", "1d12h", "250ms"); a bare integer means seconds. At most ten years.
// std::nullopt for anything else (empty, "1.5h", "m", "30m1h", "-5s").
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The compound form parse_duration reads: 5400000 -> "1h30m", 60000 -> "1m", 1500 -> "1s500ms",
// 0 -> "0s".
std::string format_duration(std::chrono::milliseconds duration);

// How long something took, rounded for a person: "152ms", "1.2s", "45s", "2m5s".
std::string format_elapsed(std::chrono::milliseconds duration);

}  // namespace syncctl
