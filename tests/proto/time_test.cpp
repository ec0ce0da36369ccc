// RFC 3339 times: UTC output with exactly three fractional digits; input with Z or an offset and
// 0-9 fractional digits; impossible dates and malformed text refused.
#include "bgsync/proto/codec.hpp"
#include "tests/support/catch_result.hpp"

#include <catch2/catch.hpp>

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
