// Periodic sync's on-disk forms (issue 6): registration and cache records round-trip field by
// field, damaged bytes are refused, and the periodic/pcache/pdue keys sort as the store needs.
#include "daemon/store/periodic_record.hpp"

#include <string>

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using periodic::CacheEntry;
using periodic::Registration;
using proto::NetworkConstraint;
using proto::PeriodicOutcome;
using proto::PowerConstraint;

// Every field set, none at its default, times on both sides of the epoch.
Registration full_registration() {
  Registration r;
  r.app = "news";
  r.tag = "feed";
  r.min_interval_ms = 0x0102030405060708ULL;
  r.request.method = "POST";
  r.request.url = "https://example.com/feed?x=1";
  r.request.headers = {{"Accept", "application/json"}, {"X-Empty", ""}};
  r.request.body = std::string("bin\0ary\xff", 8);
  r.network = NetworkConstraint::unmetered;
  r.power = PowerConstraint::not_low_battery;
  r.created = at(t0 - 5000);
  r.updated = at(t0 - 1000);
  r.last_run = at(t0 - 2000);
  r.last_outcome = PeriodicOutcome::failed;
  r.last_status = 503;
  r.last_error = "HTTP 503";
  r.next_earliest = at(t0 + 60'000);
  r.period_start = at(-1234);
  r.validated = at(t0 - 3000);
  r.consecutive_failures = 7;
  r.etag = "\"abc\"";
  r.last_modified = "Tue, 24 Nov 2026 20:11:57 GMT";
  return r;
}

// Byte offsets in a registration record (layout comment in periodic_record.cpp).
constexpr std::size_t network_at = 9;
constexpr std::size_t power_at = 10;
constexpr std::size_t outcome_at = 56;

TEST_CASE("periodic registration records round-trip", "[store][periodic][record]") {
  SECTION("every field set") {
    const Registration r = full_registration();
    const std::string bytes = periodic::encode_registration(r);
    REQUIRE(bytes[0] == periodic::registration_format);
    auto back = periodic::decode_registration("news", "feed", bytes);
    REQUIRE(back);
    REQUIRE(*back == r);
    // app and tag come from the key, not the value.
    auto renamed = periodic::decode_registration("other", "t", bytes);
    REQUIRE(renamed);
    REQUIRE(renamed->app == "other");
    REQUIRE(renamed->tag == "t");
  }
  SECTION("never ran: optionals unset, strings empty") {
    Registration r;
    r.app = "";
    r.tag = "x";
    r.min_interval_ms = 1;
    r.request.url = "http://h/";
    auto back = periodic::decode_registration("", "x", periodic::encode_registration(r));
    REQUIRE(back);
    REQUIRE(*back == r);
    REQUIRE_FALSE(back->last_run);
    REQUIRE_FALSE(back->last_outcome);
    REQUIRE_FALSE(back->last_status);
    REQUIRE_FALSE(back->period_start);
    REQUIRE_FALSE(back->validated);
  }
  SECTION("each optional on its own") {
    for (int which = 0; which < 4; ++which) {
      Registration r = full_registration();
      if (which != 0) r.last_run.reset();
      if (which != 1) r.last_status.reset();
      if (which != 2) r.period_start.reset();
      if (which != 3) r.validated.reset();
      INFO("only optional #" << which);
      REQUIRE(periodic::decode_registration("news", "feed", periodic::encode_registration(r)) == r);
    }
  }
  SECTION("every outcome and constraint value") {
    for (auto outcome : {PeriodicOutcome::updated, PeriodicOutcome::not_modified, PeriodicOutcome::failed}) {
      for (auto network : {NetworkConstraint::any, NetworkConstraint::unmetered}) {
        for (auto power : {PowerConstraint::any, PowerConstraint::not_on_battery, PowerConstraint::not_low_battery}) {
          Registration r = full_registration();
          r.last_outcome = outcome;
          r.network = network;
          r.power = power;
          REQUIRE(periodic::decode_registration("news", "feed", periodic::encode_registration(r)) == r);
        }
      }
    }
  }
}

TEST_CASE("damaged periodic registration records are refused", "[store][periodic][record]") {
  const std::string bytes = periodic::encode_registration(full_registration());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("truncated to " << n);
    REQUIRE_FALSE(periodic::decode_registration("news", "feed", bytes.substr(0, n)));
  }
  REQUIRE_FALSE(periodic::decode_registration("news", "feed", bytes + "x"));
  REQUIRE_FALSE(periodic::decode_registration("news", "feed", "garbage"));
  auto with = [&](std::size_t at_byte, std::uint8_t value) {
    std::string b = bytes;
    b[at_byte] = static_cast<char>(value);
    return b;
  };
  auto decode = [](const std::string& b) { return periodic::decode_registration("news", "feed", b); };
  REQUIRE_FALSE(decode(with(0, periodic::registration_format + 1)));
  REQUIRE_FALSE(decode(with(0, 0)));
  // The offsets are right: the last valid value of each enum decodes, one past it does not.
  REQUIRE(decode(with(network_at, 1)).value().network == NetworkConstraint::unmetered);
  REQUIRE_FALSE(decode(with(network_at, 2)));
  REQUIRE(decode(with(power_at, 2)).value().power == PowerConstraint::not_low_battery);
  REQUIRE_FALSE(decode(with(power_at, 3)));
  REQUIRE_FALSE(decode(with(outcome_at, 0)).value().last_outcome);
  REQUIRE(decode(with(outcome_at, 1)).value().last_outcome == PeriodicOutcome::updated);
  REQUIRE_FALSE(decode(with(outcome_at, 4)));
}

TEST_CASE("periodic cache records round-trip", "[store][periodic][record]") {
  const CacheEntry c{200, {{"ETag", "\"abc\""}, {"Content-Type", "application/octet-stream"}},
                     std::string("\0\x01\xfe\xff", 4) + std::string(1000, 'z'), at(t0)};
  const std::string bytes = periodic::encode_cache(c);
  REQUIRE(bytes[0] == periodic::cache_format);
  auto back = periodic::decode_cache(bytes);
  REQUIRE(back);
  REQUIRE(*back == c);
  REQUIRE(periodic::decode_cache(periodic::encode_cache(CacheEntry{})) == CacheEntry{});
  CacheEntry old{304, {}, "", at(-5)};  // status and time are carried as they are
  REQUIRE(periodic::decode_cache(periodic::encode_cache(old)) == old);

  for (std::size_t n = 0; n < bytes.size(); ++n) REQUIRE_FALSE(periodic::decode_cache(bytes.substr(0, n)));
  REQUIRE_FALSE(periodic::decode_cache(bytes + "x"));
  REQUIRE_FALSE(periodic::decode_cache("garbage"));
  std::string newer = bytes;
  newer[0] = static_cast<char>(periodic::cache_format + 1);
  REQUIRE_FALSE(periodic::decode_cache(newer));
}

TEST_CASE("decode_cache_fetched reads only the record's head", "[store][periodic][record]") {
  const CacheEntry c{200, {{"A", "b"}}, std::string(4096, 'q'), at(t0 + 42)};
  const std::string bytes = periodic::encode_cache(c);
  REQUIRE(periodic::decode_cache_fetched(bytes) == at(t0 + 42));
  REQUIRE(periodic::decode_cache_fetched(periodic::encode_cache(CacheEntry{200, {}, "", at(-7)})) == at(-7));
  // The head is u8 format, i32 status, i64 fetched: 13 bytes suffice, fewer do not.
  constexpr std::size_t head = 13;
  REQUIRE(periodic::decode_cache_fetched(bytes.substr(0, head)) == at(t0 + 42));
  for (std::size_t n = 0; n < head; ++n) REQUIRE_FALSE(periodic::decode_cache_fetched(bytes.substr(0, n)));
  std::string newer = bytes;
  newer[0] = static_cast<char>(periodic::cache_format + 1);
  REQUIRE_FALSE(periodic::decode_cache_fetched(newer));
}

TEST_CASE("periodic keys sort by app then tag, and by time", "[store][periodic][record]") {
  auto k = periodic::parse_reg_key(periodic::reg_key("a", "t"));
  REQUIRE(k);
  REQUIRE(k->app == "a");
  REQUIRE(k->tag == "t");
  auto default_app = periodic::parse_reg_key(periodic::reg_key("", "t"));
  REQUIRE(default_app);
  REQUIRE(default_app->app.empty());
  REQUIRE(default_app->tag == "t");
  REQUIRE(periodic::reg_key("a", "t") == std::string("a\0t", 3));
  REQUIRE(periodic::app_prefix("a") == std::string("a\0", 2));
  REQUIRE_FALSE(periodic::parse_reg_key("no-nul"));
  REQUIRE_FALSE(periodic::parse_reg_key(periodic::reg_key("a", "")));
  REQUIRE_FALSE(periodic::parse_reg_key(std::string("a\0b\0c", 5)));

  // One app's keys are contiguous: "a"'s sort before "ab"'s and only they start with its prefix.
  REQUIRE(periodic::reg_key("a", "zzz") < periodic::reg_key("ab", "a"));
  REQUIRE(periodic::reg_key("", "z") < periodic::reg_key("a", "a"));
  REQUIRE(periodic::reg_key("a", "a") < periodic::reg_key("a", "b"));
  REQUIRE(periodic::reg_key("a", "t").starts_with(periodic::app_prefix("a")));
  REQUIRE_FALSE(periodic::reg_key("ab", "t").starts_with(periodic::app_prefix("a")));

  // pdue: time first (negative before positive, numeric not lexical), then app, then tag.
  REQUIRE(periodic::due_key(at(-5), "z", "z") < periodic::due_key(at(0), "a", "a"));
  REQUIRE(periodic::due_key(at(255), "z", "z") < periodic::due_key(at(256), "a", "a"));
  REQUIRE(periodic::due_key(at(t0), "z", "z") < periodic::due_key(at(t0 + 1), "a", "a"));
  REQUIRE(periodic::due_key(at(3), "a", "z") < periodic::due_key(at(3), "ab", "a"));
  REQUIRE(periodic::due_key(at(3), "a", "a") < periodic::due_key(at(3), "a", "b"));
  for (std::int64_t ms : {std::int64_t{-5}, std::int64_t{0}, t0}) {
    const std::string key = periodic::due_key(at(ms), "app", "tag");
    REQUIRE(key.size() == 8 + 7);
    REQUIRE(periodic::due_key_time(key) == at(ms));
    auto reg = periodic::due_key_reg(key);
    REQUIRE(reg);
    REQUIRE(reg->app == "app");
    REQUIRE(reg->tag == "tag");
  }
  REQUIRE_FALSE(periodic::due_key_time("short"));
  REQUIRE_FALSE(periodic::due_key_reg("short"));
  REQUIRE_FALSE(periodic::due_key_reg(periodic::due_key(at(1), "a", "t").substr(0, 8)));
}

}  // namespace
}  // namespace bgsync::store::test
