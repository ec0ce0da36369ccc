// RFC 3339 times on the wire: written as UTC with milliseconds ("2026-11-24T20:11:57.123Z"), read
// with Z or a numeric offset and 0-9 fractional digits. Civil-date math by std::chrono, no libc state.
#include "bgsync/proto/codec.hpp"

#include "fields.hpp"

#include <algorithm>
#include <cstdio>

namespace bgsync::proto {

using namespace std::chrono;

namespace {

// Reads exactly `count` digits at text[pos] into `out`, advancing pos.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) noexcept {
  if (text.size() - pos < count) return false;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) noexcept {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

Error bad_time(std::string_view text, std::string_view problem) {
  std::string shown(text.substr(0, 64));
  return make_error(errc::bad_field, "bad time \"" + shown + "\": " + std::string(problem) +
                                         " (expected RFC 3339, like \"2026-11-24T20:11:57.123Z\")");
}

}  // namespace

namespace detail {

// Digits by hand: snprintf took 166 ns a call on the benchmark machine, this 25 ns, and every
// action in a reply or event carries two or three times.
std::size_t format_time(TimePoint t, char (&out)[32]) noexcept {
  const auto midnight = floor<days>(t);
  const year_month_day date{midnight};
  const hh_mm_ss<milliseconds> clock{t - midnight};
  const int year = static_cast<int>(date.year());
  const auto put = [&out](std::size_t at, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  if (year < 0 || year > 9999) {  // outside RFC 3339; written as before, never read back
    const int n = std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
                                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                                static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
    return n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof out - 1);
  }
  put(0, static_cast<unsigned>(year), 4);
  out[4] = '-';
  put(5, static_cast<unsigned>(date.month()), 2);
  out[7] = '-';
  put(8, static_cast<unsigned>(date.day()), 2);
  out[10] = 'T';
  put(11, static_cast<unsigned>(clock.hours().count()), 2);
  out[13] = ':';
  put(14, static_cast<unsigned>(clock.minutes().count()), 2);
  out[16] = ':';
  put(17, static_cast<unsigned>(clock.seconds().count()), 2);
  out[19] = '.';
  put(20, static_cast<unsigned>(clock.subseconds().count()), 3);
  out[23] = 'Z';
  out[24] = '\0';
  return 24;
}

boost::json::string time_text(TimePoint t) {
  char buffer[32];
  return boost::json::string(std::string_view(buffer, format_time(t, buffer)));
}

}  // namespace detail

std::string format_time(TimePoint t) {
  char buffer[32];
  return std::string(buffer, detail::format_time(t, buffer));
}

Result<TimePoint> parse_time(std::string_view text) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!read_digits(text, pos, 4, y) || !expect(text, pos, '-') || !read_digits(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, d)) {
    return bad_time(text, "the date must be YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return bad_time(text, "'T' must follow the date");
  ++pos;
  if (!read_digits(text, pos, 2, h) || !expect(text, pos, ':') || !read_digits(text, pos, 2, mi) ||
      !expect(text, pos, ':') || !read_digits(text, pos, 2, s)) {
    return bad_time(text, "the time must be hh:mm:ss");
  }
  milliseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    int scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Digits beyond milliseconds are read and dropped: TimePoint has millisecond precision.
      fraction += milliseconds{(text[pos] - '0') * scale};
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 9) return bad_time(text, "the fraction of a second must have 1 to 9 digits");
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh) || !expect(text, pos, ':') || !read_digits(text, pos, 2, om) || oh > 23 ||
        om > 59) {
      return bad_time(text, "the offset must be Z or +hh:mm or -hh:mm");
    }
    offset = hours{oh} + minutes{om};
    if (negative) offset = -offset;
  } else {
    return bad_time(text, "the time must end with Z or an offset like +01:00");
  }
  if (pos != text.size()) return bad_time(text, "unexpected characters after the offset");

  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return bad_time(text, "no such date");
  // 60 is a leap second (RFC 3339 allows it); it lands on the next minute's first second.
  if (h > 23 || mi > 59 || s > 60) return bad_time(text, "no such time of day");
  const auto local = sys_days{date} + hours{h} + minutes{mi} + seconds{s} + fraction;
  return TimePoint{local - offset};
}

}  // namespace bgsync::proto
