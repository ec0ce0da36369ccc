// RetryPolicy::backoff, parse_retry_after (delta-seconds and the three HTTP-date forms) and
// classify_status.
#include "daemon/retry_policy.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <limits>

using bgsync::daemon::classify_status;
using bgsync::daemon::parse_retry_after;
using bgsync::daemon::RetryPolicy;
using bgsync::daemon::Verdict;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

bgsync::proto::TimePoint at(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  const std::chrono::sys_days day{std::chrono::year{y} / std::chrono::month{mo} / std::chrono::day{d}};
  return bgsync::proto::TimePoint{day} + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s} +
         milliseconds{ms};
}

}  // namespace

TEST_CASE("backoff doubles from base, caps at max, and jitters within [d/2, d]", "[retry]") {
  RetryPolicy policy;
  policy.base = 10s;
  policy.max = 1h;
  std::mt19937_64 rng(42);
  for (std::uint32_t attempts = 1; attempts <= 40; ++attempts) {
    const auto doubled = attempts <= 20 ? milliseconds{10'000LL << (attempts - 1)} : milliseconds{policy.max};
    const auto d = std::min(doubled, milliseconds{policy.max});
    for (int i = 0; i < 200; ++i) {
      const auto delay = policy.backoff(attempts, rng);
      INFO("attempts " << attempts << " delay " << delay.count());
      REQUIRE(delay >= d / 2);
      REQUIRE(delay <= d);
    }
  }
}

TEST_CASE("backoff jitter spreads over the whole range", "[retry]") {
  RetryPolicy policy;
  policy.base = 1000ms;
  std::mt19937_64 rng(7);
  milliseconds low = policy.base, high{0};
  for (int i = 0; i < 2000; ++i) {
    const auto delay = policy.backoff(1, rng);
    low = std::min(low, delay);
    high = std::max(high, delay);
  }
  CHECK(low < 550ms);
  CHECK(high > 950ms);
}

TEST_CASE("backoff with huge attempt counts saturates at max without overflow", "[retry]") {
  RetryPolicy policy;
  policy.base = 10s;
  policy.max = 1h;
  std::mt19937_64 rng(1);
  for (std::uint32_t attempts : {63u, 64u, 65u, 1000u, 1u << 31, std::numeric_limits<std::uint32_t>::max()}) {
    const auto delay = policy.backoff(attempts, rng);
    INFO("attempts " << attempts);
    CHECK(delay >= 30min);
    CHECK(delay <= 1h);
  }
  // A max near the representable limit must not overflow either.
  policy.max = milliseconds{std::numeric_limits<milliseconds::rep>::max()};
  const auto delay = policy.backoff(std::numeric_limits<std::uint32_t>::max(), rng);
  CHECK(delay >= policy.max / 2);
}

TEST_CASE("backoff is never below 1 ms, and attempts 0 counts as the first", "[retry]") {
  RetryPolicy policy;
  policy.base = 0ms;
  policy.max = 0ms;
  std::mt19937_64 rng(3);
  CHECK(policy.backoff(1, rng) == 1ms);
  policy.base = 100ms;
  policy.max = 1h;
  const auto first = policy.backoff(0, rng);
  CHECK(first >= 50ms);
  CHECK(first <= 100ms);
}

TEST_CASE("Retry-After delta-seconds", "[retry]") {
  const auto now = at(2026, 3, 1, 12, 0, 0);
  CHECK(parse_retry_after("120", now) == milliseconds{120'000});
  CHECK(parse_retry_after("0", now) == 0ms);
  CHECK(parse_retry_after(" 5\t", now) == 5000ms);
  CHECK(parse_retry_after("007", now) == 7000ms);
  const auto huge = parse_retry_after("99999999999999999999999999999", now);
  REQUIRE(huge);
  CHECK(*huge > 24h * 365 * 50);  // clamped, not wrapped around
}

TEST_CASE("Retry-After garbage is rejected", "[retry]") {
  const auto now = at(2026, 3, 1, 12, 0, 0);
  for (const char* value : {"", " ", "-5", "+5", "5s", "1.5", "0x10", "soon", "5 5", "Sun, 06 Nov 1994 08:49:37",
                            "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                            "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                            "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                            "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
                            "Sun, 06 Nov 1994 08:49:37 GMT trailing"}) {
    INFO("value \"" << value << "\"");
    CHECK_FALSE(parse_retry_after(value, now));
  }
}

TEST_CASE("Retry-After HTTP-date in all three forms", "[retry]") {
  const auto now = at(1994, 11, 6, 8, 49, 0);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 37'000ms);   // IMF-fixdate
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 37'000ms);  // RFC 850
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == 37'000ms);        // asctime
  CHECK(parse_retry_after("Sun Nov 16 08:49:37 1994", now) == 37'000ms + 240h);
  // Sub-second precision of `now` is kept.
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(1994, 11, 6, 8, 49, 0, 500)) == 36'500ms);
  // Day names are not cross-checked against the date; names are case-insensitive.
  CHECK(parse_retry_after("mon, 06 NOV 1994 08:49:37 gmt", now) == 37'000ms);
}

TEST_CASE("Retry-After dates in the past mean now", "[retry]") {
  const auto now = at(2026, 3, 1, 12, 0, 0);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 0ms);
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == 0ms);
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 0ms);  // 1994, not 2094
  CHECK(parse_retry_after("Sun, 01 Mar 2026 11:59:59 GMT", now) == 0ms);
  CHECK(parse_retry_after("Sun, 01 Mar 2026 12:00:01 GMT", now) == 1000ms);
}

TEST_CASE("Retry-After RFC 850 two-digit years: more than 50 years ahead means last century", "[retry]") {
  const auto now = at(2026, 1, 1, 0, 0, 0);
  // 70 -> 2070 (44 years ahead), so a positive delay.
  const auto ahead = parse_retry_after("Tuesday, 01-Jan-70 00:00:00 GMT", now);
  REQUIRE(ahead);
  CHECK(*ahead == std::chrono::duration_cast<milliseconds>(at(2070, 1, 1, 0, 0, 0) - now));
  // 76 -> 2076 (exactly 50 years: not "more than").
  CHECK(parse_retry_after("Wednesday, 01-Jan-76 00:00:00 GMT", now) ==
        std::chrono::duration_cast<milliseconds>(at(2076, 1, 1, 0, 0, 0) - now));
  // 80 -> 1980, in the past.
  CHECK(parse_retry_after("Tuesday, 01-Jan-80 00:00:00 GMT", now) == 0ms);
  // 26 -> 2026.
  CHECK(parse_retry_after("Thursday, 01-Jan-26 00:00:10 GMT", now) == 10'000ms);
}

TEST_CASE("classify_status", "[retry]") {
  struct Row {
    int status;
    Verdict verdict;
  };
  for (const Row row : {Row{200, Verdict::sent}, Row{201, Verdict::sent}, Row{204, Verdict::sent},
                        Row{299, Verdict::sent}, Row{100, Verdict::failed}, Row{101, Verdict::failed},
                        Row{301, Verdict::failed}, Row{304, Verdict::failed}, Row{400, Verdict::failed},
                        Row{401, Verdict::failed}, Row{404, Verdict::failed}, Row{407, Verdict::failed},
                        Row{408, Verdict::retry}, Row{409, Verdict::failed}, Row{429, Verdict::retry},
                        Row{500, Verdict::retry}, Row{502, Verdict::retry}, Row{503, Verdict::retry},
                        Row{599, Verdict::retry}, Row{600, Verdict::failed}, Row{0, Verdict::failed},
                        Row{-1, Verdict::failed}}) {
    INFO("status " << row.status);
    CHECK(classify_status(row.status) == row.verdict);
  }
}
