// RFC 3339 times: UTC output with exactly three fractional digits; input with Z or an offset and
// 0-9 fractional digits; impossible dates and malformed text refused.
#include "bgsync/proto/codec.hpp"
#include "tests/support/catch_result.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace bgsync::proto;
using namespace std::chrono;

namespace {

TimePoint at(std::int64_t ms) { return TimePoint{milliseconds{ms}}; }

}  // namespace

TEST_CASE("format_time writes UTC with milliseconds", "[time]") {
  CHECK(format_time(at(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(format_time(at(1'795'000'000'123)) == "2026-11-18T11:06:40.123Z");
  CHECK(format_time(at(951'782'400'007)) == "2000-02-29T00:00:00.007Z");
  CHECK(format_time(at(-1)) == "1969-12-31T23:59:59.999Z");
  CHECK(format_time(TimePoint{sys_days{year{2099} / 12 / 31} + 23h + 59min + 59s + 999ms}) ==
        "2099-12-31T23:59:59.999Z");
}

TEST_CASE("format_time writes every field with its width, across years 0 to 9999 and past them", "[time]") {
  CHECK(format_time(TimePoint{sys_days{year{0} / 1 / 1}}) == "0000-01-01T00:00:00.000Z");
  CHECK(format_time(TimePoint{sys_days{year{9999} / 12 / 31} + 23h + 59min + 59s + 999ms}) ==
        "9999-12-31T23:59:59.999Z");
  CHECK(format_time(TimePoint{sys_days{year{10000} / 1 / 2} + 3h + 4min + 5s + 6ms}) == "10000-01-02T03:04:05.006Z");
  CHECK(format_time(TimePoint{sys_days{year{-1} / 1 / 1}}) == "-001-01-01T00:00:00.000Z");
  // Against the C library, at times spread over the four-digit years.
  std::uint64_t state = 88172645463325252ull;
  const auto first = sys_days{year{0} / 1 / 1}.time_since_epoch();
  const auto span = sys_days{year{9999} / 12 / 31}.time_since_epoch() - first;
  for (int i = 0; i < 2000; ++i) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    const TimePoint t{duration_cast<milliseconds>(first) +
                      milliseconds{static_cast<std::int64_t>(state % static_cast<std::uint64_t>(duration_cast<milliseconds>(span).count()))}};
    const auto midnight = floor<days>(t);
    const year_month_day date{midnight};
    const hh_mm_ss<milliseconds> clock{t - midnight};
    char expected[40];
    std::snprintf(expected, sizeof expected, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
    INFO(t.time_since_epoch().count());
    REQUIRE(format_time(t) == expected);
  }
}

TEST_CASE("parse_time reads what format_time writes", "[time]") {
  for (const std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{951'782'400'007},
                                std::int64_t{1'795'000'000'123}, std::int64_t{4'102'444'799'999}}) {
    INFO(ms);
    auto parsed = parse_time(format_time(at(ms)));
    REQUIRE(parsed);
    CHECK(*parsed == at(ms));
  }
}

TEST_CASE("parse_time accepts offsets and 0-9 fractional digits", "[time]") {
  const TimePoint expected = at(1'795'000'000'123);
  CHECK(parse_time("2026-11-18T11:06:40.123Z").value() == expected);
  CHECK(parse_time("2026-11-18t11:06:40.123z").value() == expected);
  CHECK(parse_time("2026-11-18T12:06:40.123+01:00").value() == expected);
  CHECK(parse_time("2026-11-18T06:36:40.123-04:30").value() == expected);
  CHECK(parse_time("2026-11-19T00:06:40.123+13:00").value() == expected);
  CHECK(parse_time("2026-11-18T11:06:40.123-00:00").value() == expected);
  CHECK(parse_time("2026-11-18T11:06:40.123456789Z").value() == expected);  // truncated to ms
  CHECK(parse_time("2026-11-18T11:06:40.1239Z").value() == expected);
  CHECK(parse_time("2026-11-18T11:06:40.12Z").value() == at(1'795'000'000'120));
  CHECK(parse_time("2026-11-18T11:06:40.1Z").value() == at(1'795'000'000'100));
  CHECK(parse_time("2026-11-18T11:06:40Z").value() == at(1'795'000'000'000));
  CHECK(parse_time("2024-02-29T00:00:00Z"));
  CHECK(parse_time("2016-12-31T23:59:60Z").value() == TimePoint{sys_days{year{2017} / 1 / 1}});  // leap second
}

TEST_CASE("parse_time refuses what is not RFC 3339", "[time]") {
  for (const char* text :
       {"", "2026-11-18", "2026-11-18T11:06:40", "2026-11-18 11:06:40Z", "2026-11-18T11:06Z", "26-11-18T11:06:40Z",
        "2026-1-18T11:06:40Z", "2026-11-18T11:06:40.Z", "2026-11-18T11:06:40.1234567890Z", "2026-11-18T11:06:40+0100",
        "2026-11-18T11:06:40+01", "2026-11-18T11:06:40+24:00", "2026-11-18T11:06:40+01:60", "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-18T24:00:00Z",
        "2026-11-18T11:60:00Z", "2026-11-18T11:06:61Z", "2026-11-18T11:06:40Zjunk", " 2026-11-18T11:06:40Z",
        "2026-11-18T11:06:40.123ZZ", "yesterday"}) {
    INFO(text);
    auto parsed = parse_time(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == make_error_code(errc::bad_field));
    CHECK_THAT(parsed.error().message, Catch::Contains("RFC 3339"));
  }
}
