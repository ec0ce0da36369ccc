// Backoff delays, Retry-After parsing (RFC 9110 §10.2.3 and the three HTTP-date forms of §5.6.7),
// and the status classification the scheduler uses to decide sent / retry / failed.
#include "daemon/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace bgsync::daemon {

namespace {

using std::chrono::milliseconds;

// Delta-seconds beyond this are clamped, so that `now + delay` can never overflow; the scheduler
// caps the delay again (RetryPolicy::retry_after_cap) far below this.
constexpr std::int64_t max_delta_seconds = 100LL * 366 * 24 * 3600;

constexpr std::array<std::string_view, 7> short_days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> long_days{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                   "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A tiny cursor over the date text; every step fails (returns false) rather than guessing.
struct Cursor {
  std::string_view rest;

  bool literal(std::string_view expected) {
    if (rest.size() < expected.size() || !iequals(rest.substr(0, expected.size()), expected)) return false;
    rest.remove_prefix(expected.size());
    return true;
  }
  // Exactly `count` digits.
  bool digits(int count, int& out) {
    if (rest.size() < static_cast<std::size_t>(count)) return false;
    out = 0;
    for (int i = 0; i < count; ++i) {
      if (!is_digit(rest[i])) return false;
      out = out * 10 + (rest[i] - '0');
    }
    rest.remove_prefix(count);
    return true;
  }
  template <std::size_t N>
  bool one_of(const std::array<std::string_view, N>& names, int& index) {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  // "HH:MM:SS"
  bool time_of_day(int& h, int& m, int& s) {
    return digits(2, h) && literal(":") && digits(2, m) && literal(":") && digits(2, s);
  }
};

struct DateParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<DateParts> parse_imf_fixdate(std::string_view text) {
  Cursor c{text};
  DateParts d;
  int ignored = 0;
  if (!c.one_of(short_days, ignored) || !c.literal(", ") || !c.digits(2, d.day) || !c.literal(" ") ||
      !c.one_of(months, d.month) || !c.literal(" ") || !c.digits(4, d.year) || !c.literal(" ") ||
      !c.time_of_day(d.hour, d.minute, d.second) || !c.literal(" GMT") || !c.rest.empty())
    return std::nullopt;
  d.month += 1;
  return d;
}

// "Sunday, 06-Nov-94 08:49:37 GMT"; the year is resolved by the caller.
std::optional<DateParts> parse_rfc850_date(std::string_view text) {
  Cursor c{text};
  DateParts d;
  int ignored = 0;
  if (!c.one_of(long_days, ignored) || !c.literal(", ") || !c.digits(2, d.day) || !c.literal("-") ||
      !c.one_of(months, d.month) || !c.literal("-") || !c.digits(2, d.year) || !c.literal(" ") ||
      !c.time_of_day(d.hour, d.minute, d.second) || !c.literal(" GMT") || !c.rest.empty())
    return std::nullopt;
  d.month += 1;
  return d;
}

// "Sun Nov  6 08:49:37 1994" (day of month is two digits or a space and one digit)
std::optional<DateParts> parse_asctime_date(std::string_view text) {
  Cursor c{text};
  DateParts d;
  int ignored = 0;
  if (!c.one_of(short_days, ignored) || !c.literal(" ") || !c.one_of(months, d.month) || !c.literal(" "))
    return std::nullopt;
  if (!(c.literal(" ") ? c.digits(1, d.day) : c.digits(2, d.day))) return std::nullopt;
  if (!c.literal(" ") || !c.time_of_day(d.hour, d.minute, d.second) || !c.literal(" ") || !c.digits(4, d.year) ||
      !c.rest.empty())
    return std::nullopt;
  d.month += 1;
  return d;
}

std::optional<std::chrono::sys_seconds> to_time(const DateParts& d) {
  const std::chrono::year_month_day ymd{std::chrono::year{d.year}, std::chrono::month{static_cast<unsigned>(d.month)},
                                        std::chrono::day{static_cast<unsigned>(d.day)}};
  // Second 60 is a leap second (allowed by the grammar); time_t-style clocks fold it into the next.
  if (!ymd.ok() || d.hour > 23 || d.minute > 59 || d.second > 60) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{d.hour} + std::chrono::minutes{d.minute} +
         std::chrono::seconds{d.second};
}

// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future means the most recent past
// year with the same last two digits. That is: the latest year ending in `yy` that is <= now + 50.
int resolve_two_digit_year(int yy, proto::TimePoint now) {
  const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(now)};
  const int limit = static_cast<int>(today.year()) + 50;
  return limit - (((limit - yy) % 100) + 100) % 100;
}

std::optional<milliseconds> parse_delta_seconds(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  std::int64_t seconds = 0;
  for (const char ch : text) {
    seconds = seconds * 10 + (ch - '0');
    if (seconds > max_delta_seconds) return milliseconds{max_delta_seconds * 1000};
  }
  return milliseconds{seconds * 1000};
}

}  // namespace

std::chrono::milliseconds RetryPolicy::backoff(std::uint32_t attempts, std::mt19937_64& rng) const {
  const std::int64_t cap = std::max<std::int64_t>(max.count(), 1);
  const std::int64_t first = std::min(std::max<std::int64_t>(base.count(), 1), cap);
  const std::uint32_t doublings = attempts == 0 ? 0 : attempts - 1;
  // first << doublings, saturating at cap: shift only when the result provably stays <= cap.
  std::int64_t delay = cap;
  if (doublings < 62 && first <= (cap >> doublings)) delay = first << doublings;
  std::uniform_int_distribution<std::int64_t> jitter(delay / 2, delay);
  return milliseconds{std::max<std::int64_t>(jitter(rng), 1)};
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, proto::TimePoint now) {
  value = trim(value);
  if (auto delta = parse_delta_seconds(value)) return delta;

  std::optional<DateParts> parts = parse_imf_fixdate(value);
  if (!parts) {
    parts = parse_rfc850_date(value);
    if (parts) parts->year = resolve_two_digit_year(parts->year, now);
  }
  if (!parts) parts = parse_asctime_date(value);
  if (!parts) return std::nullopt;

  const auto when = to_time(*parts);
  if (!when) return std::nullopt;
  const auto delay = std::chrono::time_point_cast<milliseconds>(*when) - now;
  return std::max(delay, milliseconds{0});
}

Verdict classify_status(int status) noexcept {
  if (status >= 200 && status <= 299) return Verdict::sent;
  if (status == 408 || status == 429 || (status >= 500 && status <= 599)) return Verdict::retry;
  return Verdict::failed;
}

}  // namespace bgsync::daemon
