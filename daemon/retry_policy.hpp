// How long to wait before trying an action again, and which outcomes deserve another try.
// Exponential backoff with jitter, honouring a server's Retry-After (delta-seconds or HTTP-date).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "bgsync/proto/types.hpp"

namespace bgsync::daemon {

struct RetryPolicy {
  std::chrono::milliseconds base{10'000};       // delay after the first failed attempt
  std::chrono::milliseconds max{3'600'000};     // cap on the exponential delay
  std::chrono::milliseconds retry_after_cap{24 * 3'600'000};  // cap on a server's Retry-After
  std::uint32_t max_attempts = 0;               // 0: retry for ever; else fail after this many

  // Delay before attempt `attempts + 1`, given `attempts` (>= 1) made so far: base * 2^(attempts-1)
  // capped at max, then "equal jitter": uniformly in [d/2, d]. Never below 1 ms.
  std::chrono::milliseconds backoff(std::uint32_t attempts, std::mt19937_64& rng) const;
};

// Retry-After (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date (IMF-fixdate, and the obsolete
// RFC 850 and asctime forms) taken relative to `now` (a date in the past means 0).
// std::nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, proto::TimePoint now);

enum class Verdict { sent, retry, failed };

// 2xx -> sent; 408, 429, 5xx -> retry; other statuses (1xx left aside, 3xx, 4xx) -> failed.
Verdict classify_status(int status) noexcept;

}  // namespace bgsync::daemon
