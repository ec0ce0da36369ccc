// Periodic sync's storage through the outbox API (issue 6): registering and replacing, bad
// registrations, remove, reschedule, the due/next schedule, list by app, and durability.
// Recording runs (outcomes, cache, `periodic` events) is in periodic_run_test.cpp.
#include "daemon/store/outbox.hpp"

#include <algorithm>

#include "tests/store/periodic_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::errc;
using proto::NetworkConstraint;
using proto::PeriodicOutcome;
using proto::PowerConstraint;

TEST_CASE("an empty outbox has no periodic registrations", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  REQUIRE_FALSE(check(outbox->published().periodic_get("news", "feed")));
  REQUIRE(check(outbox->published().periodic_list(std::nullopt, 100)).empty());
  REQUIRE(check(outbox->published().periodic_due(at(t0), 100)).empty());
  REQUIRE_FALSE(check(outbox->published().periodic_next()));
  REQUIRE_FALSE(check(outbox->published().periodic_cache("news", "feed")));
}

TEST_CASE("a new registration is due now", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  // History and schedule fields set by the caller are not the caller's to set.
  Registration r = registration("feed");
  r.created = at(1);
  r.updated = at(2);
  r.last_run = at(3);
  r.last_outcome = PeriodicOutcome::updated;
  r.last_status = 200;
  r.last_error = "old";
  r.next_earliest = at(t0 + 999'999);
  r.period_start = at(4);
  r.validated = at(5);
  r.consecutive_failures = 9;
  r.etag = "\"forged\"";
  r.last_modified = "forged";
  write(*outbox, [&](WriteTxn& txn) {
    auto put = check(txn.periodic_put(r, at(t0)));
    REQUIRE_FALSE(put.replaced);
    const Registration& got = put.registration;
    REQUIRE(got.app == "news");
    REQUIRE(got.tag == "feed");
    REQUIRE(got.min_interval_ms == 60'000);
    REQUIRE(got.request == r.request);
    REQUIRE(got.network == NetworkConstraint::unmetered);
    REQUIRE(got.power == PowerConstraint::not_low_battery);
    REQUIRE(got.created == at(t0));
    REQUIRE(got.updated == at(t0));
    REQUIRE(got.next_earliest == at(t0));
    REQUIRE_FALSE(got.last_run);
    REQUIRE_FALSE(got.last_outcome);
    REQUIRE_FALSE(got.last_status);
    REQUIRE(got.last_error.empty());
    REQUIRE_FALSE(got.period_start);
    REQUIRE_FALSE(got.validated);
    REQUIRE(got.consecutive_failures == 0);
    REQUIRE(got.etag.empty());
    REQUIRE(got.last_modified.empty());
    REQUIRE(txn.events().empty());  // registering is not an event
  });
  auto listed = check(outbox->published().periodic_get("news", "feed"));
  REQUIRE(listed);
  REQUIRE(listed->registration == stored(*outbox, "news", "feed"));
  REQUIRE(listed->registration.created == at(t0));
  REQUIRE_FALSE(listed->cached);
  REQUIRE(check(outbox->published().periodic_next()) == at(t0));
  REQUIRE(tags(check(outbox->published().periodic_due(at(t0), 10))) == std::vector<std::string>{"feed"});
  REQUIRE(check(outbox->published().periodic_due(at(t0 - 1), 10)).empty());
  REQUIRE_FALSE(check(outbox->published().periodic_cache("news", "feed")));
  REQUIRE(check(outbox->published().last_seq()) == 0);
}

TEST_CASE("replacing a registration keeps its history and cache", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  Registration r = put(*outbox, registration("feed"), t0);
  // An update (new body and validators), a 304 confirming it, then a failure within a period.
  Run updated = run_of(r, PeriodicOutcome::updated, 200, t0 + 60'000);
  updated.etag = "\"v1\"";
  updated.last_modified = "Mon, 23 Nov 2026 10:00:00 GMT";
  updated.cache = CacheEntry{200, {{"ETag", "\"v1\""}}, "body v1", at(t0 + 10)};
  r = record(*outbox, "news", "feed", updated, t0 + 10);
  r = record(*outbox, "news", "feed", run_of(r, PeriodicOutcome::not_modified, 304, t0 + 70'000), t0 + 15);
  Run failed = run_of(r, PeriodicOutcome::failed, 503, t0 + 80'000);
  failed.error = "HTTP 503";
  failed.period_start = at(t0 + 18);
  r = record(*outbox, "news", "feed", failed, t0 + 20);
  REQUIRE(r.consecutive_failures == 1);
  REQUIRE(r.period_start == at(t0 + 18));
  REQUIRE(r.validated == at(t0 + 15));
  const Registration before = r;
  const auto cache_before = check(outbox->published().periodic_cache("news", "feed"));
  REQUIRE(cache_before);

  // What every replacement keeps, whatever changed.
  auto require_history_kept = [&](const PutResult& put, std::int64_t now) {
    REQUIRE(put.replaced);
    const Registration& got = put.registration;
    REQUIRE(got == stored(*outbox, "news", "feed"));
    REQUIRE(got.created == at(t0));
    REQUIRE(got.updated == at(now));
    REQUIRE(got.last_run == at(t0 + 20));
    REQUIRE(got.last_outcome == PeriodicOutcome::failed);
    REQUIRE(got.last_status == 503);
    REQUIRE(got.last_error == "HTTP 503");
    REQUIRE(got.consecutive_failures == 0);
    REQUIRE_FALSE(got.period_start);
    REQUIRE(check(outbox->published().periodic_cache("news", "feed")) == cache_before);
    REQUIRE(check(outbox->published().periodic_get("news", "feed"))->cached == at(t0 + 10));
    // Exactly one pdue entry, at the new time: the old one is gone.
    REQUIRE(check(outbox->published().periodic_next()) == got.next_earliest);
    REQUIRE(check(outbox->published().periodic_due(at(t0 + 10'000'000), 10)).size() == 1);
    REQUIRE(check(outbox->published().periodic_list(std::nullopt, 10)).size() == 1);
  };
  auto require_validators = [&](const Registration& got, bool kept) {
    REQUIRE(got.etag == (kept ? before.etag : ""));
    REQUIRE(got.last_modified == (kept ? before.last_modified : ""));
    REQUIRE(got.validated == (kept ? before.validated : std::nullopt));
  };

  SECTION("same request, new interval and constraints: next run = last run + new interval") {
    Registration again = registration("feed");
    again.min_interval_ms = 120'000;
    again.network = NetworkConstraint::any;
    again.power = PowerConstraint::not_on_battery;
    again.etag = "\"forged\"";
    again.consecutive_failures = 5;
    PutResult put = put_result(*outbox, again, t0 + 30);
    require_history_kept(put, t0 + 30);
    REQUIRE(put.registration.min_interval_ms == 120'000);
    REQUIRE(put.registration.network == NetworkConstraint::any);
    REQUIRE(put.registration.power == PowerConstraint::not_on_battery);
    REQUIRE(put.registration.next_earliest == at(t0 + 20 + 120'000));
    require_validators(put.registration, true);
  }
  SECTION("new headers, same method and URL: due now, validators kept") {
    Registration again = registration("feed");
    again.request.headers.push_back({"X-Extra", "1"});
    PutResult put = put_result(*outbox, again, t0 + 30);
    require_history_kept(put, t0 + 30);
    REQUIRE(put.registration.request.headers.size() == 2);
    REQUIRE(put.registration.next_earliest == at(t0 + 30));
    require_validators(put.registration, true);
  }
  SECTION("new body, same method and URL: due now, validators kept") {
    Registration again = registration("feed");
    again.request.body = "q=1";
    PutResult put = put_result(*outbox, again, t0 + 30);
    require_history_kept(put, t0 + 30);
    REQUIRE(put.registration.next_earliest == at(t0 + 30));
    require_validators(put.registration, true);
  }
  SECTION("another URL: due now, validators dropped, cache kept") {
    Registration again = registration("feed");
    again.request.url = "https://example.com/other";
    PutResult put = put_result(*outbox, again, t0 + 30);
    require_history_kept(put, t0 + 30);
    REQUIRE(put.registration.request.url == "https://example.com/other");
    REQUIRE(put.registration.next_earliest == at(t0 + 30));
    require_validators(put.registration, false);
  }
  SECTION("another method: due now, validators dropped") {
    Registration again = registration("feed");
    again.request.method = "POST";
    PutResult put = put_result(*outbox, again, t0 + 30);
    require_history_kept(put, t0 + 30);
    REQUIRE(put.registration.next_earliest == at(t0 + 30));
    require_validators(put.registration, false);
  }
  SECTION("a run that started before the replacement cannot record") {
    put(*outbox, registration("feed"), t0 + 30);
    WriteTxn txn(*outbox);
    Run late = run_of(before, PeriodicOutcome::updated, 200, t0 + 90'000);
    late.report = true;
    auto result = txn.periodic_record("news", "feed", late, at(t0 + 40));
    REQUIRE(result.has_error());
    REQUIRE(result.error().code == errc::bad_state);
    REQUIRE_FALSE(txn.poisoned());
    REQUIRE(txn.events().empty());
  }
}

TEST_CASE("replacing a registration that never ran makes it due now", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  put(*outbox, registration("feed"), t0);
  Registration again = registration("feed");
  again.min_interval_ms = 5'000;
  PutResult replaced = put_result(*outbox, again, t0 + 100);
  REQUIRE(replaced.replaced);
  REQUIRE(replaced.registration.created == at(t0));
  REQUIRE(replaced.registration.updated == at(t0 + 100));
  REQUIRE(replaced.registration.next_earliest == at(t0 + 100));
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 + 100));
  REQUIRE(check(outbox->published().periodic_due(at(t0 + 99), 10)).empty());
}

TEST_CASE("bad registrations write nothing and leave the transaction usable", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const Registration kept = put(*outbox, registration("keep"), t0);

  std::vector<std::pair<std::string, Registration>> bad;
  bad.emplace_back("empty tag", registration(""));
  bad.emplace_back("NUL in tag", registration(std::string("a\0b", 3)));
  bad.emplace_back("NUL in app", registration("feed", std::string("n\0s", 3)));
  bad.emplace_back("tag too long", registration(std::string(proto::max_tag_size + 1, 't')));
  bad.emplace_back("app too long", registration("feed", std::string(proto::max_tag_size + 1, 'a')));
  Registration no_interval = registration("keep");  // also must not spoil the existing "keep"
  no_interval.min_interval_ms = 0;
  bad.emplace_back("interval 0", no_interval);
  Registration no_url = registration("keep");
  no_url.request.url.clear();
  bad.emplace_back("empty url", no_url);
  Registration no_method = registration("feed");
  no_method.request.method.clear();
  bad.emplace_back("empty method", no_method);

  write(*outbox, [&](WriteTxn& txn) {
    for (const auto& [why, reg] : bad) {
      INFO(why);
      auto result = txn.periodic_put(reg, at(t0 + 10));
      REQUIRE(result.has_error());
      REQUIRE(result.error().code == errc::bad_field);
      REQUIRE_FALSE(result.error().message.empty());
      REQUIRE_FALSE(txn.poisoned());
    }
    // The same transaction goes on to register good ones, each field at its size limit too.
    check(txn.periodic_put(registration("good"), at(t0 + 10)));
    check(txn.periodic_put(registration(std::string(proto::max_tag_size, 't')), at(t0 + 10)));
    check(txn.periodic_put(registration("t", std::string(proto::max_tag_size, 'a')), at(t0 + 10)));
    REQUIRE(txn.events().empty());
  });
  REQUIRE(stored(*outbox, "news", "keep") == kept);
  REQUIRE(tags(listed(check(outbox->published().periodic_list(std::string_view("news"), 10)))) ==
          std::vector<std::string>{"good", "keep", std::string(proto::max_tag_size, 't')});
  REQUIRE(check(outbox->published().periodic_list(std::nullopt, 10)).size() == 4);
  REQUIRE(check(outbox->published().periodic_due(at(t0 + 10'000), 10)).size() == 4);
}

// app and tag of max_tag_size each would make a pdue key of 521 bytes, over LMDB's 511-byte key
// limit: such a name is refused with bad_field (proto::max_periodic_name_size), and a refused
// request must not poison the batch it is in.
TEST_CASE("app and tag both at their size limit do not poison the transaction", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  write(*outbox, [&](WriteTxn& txn) {
    for (std::size_t tag_size : {std::size_t{246}, std::size_t{247}, proto::max_tag_size}) {
      INFO("app " << proto::max_tag_size << " bytes, tag " << tag_size << " bytes");
      auto put = txn.periodic_put(registration(std::string(tag_size, 't'), std::string(proto::max_tag_size, 'a')),
                                  at(t0));
      if (tag_size + proto::max_tag_size > proto::max_periodic_name_size) {
        REQUIRE_FALSE(put);
        REQUIRE(put.error().code == errc::bad_field);
      } else {
        REQUIRE(put);
      }
      REQUIRE_FALSE(txn.poisoned());
    }
  });
}

TEST_CASE("remove deletes the registration, its schedule and its cache", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  Registration feed = put(*outbox, registration("feed"), t0);
  put(*outbox, registration("other"), t0 + 50);
  Run updated = run_of(feed, PeriodicOutcome::updated, 200, t0 + 60'000);
  updated.cache = CacheEntry{200, {}, "cached", at(t0 + 5)};
  record(*outbox, "news", "feed", updated, t0 + 5);
  write(*outbox, [&](WriteTxn& txn) {
    REQUIRE(check(txn.periodic_remove("news", "feed")));
    REQUIRE_FALSE(check(txn.periodic_remove("news", "feed")));   // already gone in this txn
    REQUIRE_FALSE(check(txn.periodic_remove("other", "feed")));  // never existed
    REQUIRE_FALSE(check(txn.periodic_remove("news", "")));
    REQUIRE_FALSE(txn.poisoned());
    REQUIRE(txn.events().empty());
  });
  REQUIRE_FALSE(check(outbox->published().periodic_get("news", "feed")));
  REQUIRE_FALSE(check(outbox->published().periodic_cache("news", "feed")));
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 + 50));  // feed's pdue entry (t0 + 60'000) is gone
  REQUIRE(tags(check(outbox->published().periodic_due(at(t0 + 10'000'000), 10))) == std::vector<std::string>{"other"});
  write(*outbox, [&](WriteTxn& txn) { REQUIRE_FALSE(check(txn.periodic_remove("news", "feed"))); });

  // Registering the tag again starts afresh: no history, no cache.
  PutResult again = put_result(*outbox, registration("feed"), t0 + 100);
  REQUIRE_FALSE(again.replaced);
  REQUIRE(again.registration.created == at(t0 + 100));
  REQUIRE_FALSE(again.registration.last_run);
  REQUIRE_FALSE(check(outbox->published().periodic_cache("news", "feed")));
  REQUIRE_FALSE(check(outbox->published().periodic_get("news", "feed"))->cached);
}

TEST_CASE("reschedule moves only the next run", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const Registration r = put(*outbox, registration("feed"), t0);
  write(*outbox, [&](WriteTxn& txn) {
    auto missing = txn.periodic_reschedule("news", "nope", at(t0));
    REQUIRE(missing.has_error());
    REQUIRE(missing.error().code == errc::not_found);
    REQUIRE_FALSE(txn.poisoned());
    auto moved = check(txn.periodic_reschedule("news", "feed", at(t0 + 500)));
    Registration expected = r;
    expected.next_earliest = at(t0 + 500);
    REQUIRE(moved == expected);
    REQUIRE(txn.events().empty());
  });
  REQUIRE(stored(*outbox, "news", "feed").next_earliest == at(t0 + 500));
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 + 500));
  REQUIRE(check(outbox->published().periodic_due(at(t0 + 499), 10)).empty());
  REQUIRE(check(outbox->published().periodic_due(at(t0 + 500), 10)).size() == 1);
  // Earlier works too (periodic_run: now), and leaves a single pdue entry.
  write(*outbox, [&](WriteTxn& txn) { check(txn.periodic_reschedule("news", "feed", at(t0 - 100))); });
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 - 100));
  REQUIRE(check(outbox->published().periodic_due(at(t0 + 10'000), 10)).size() == 1);
}

TEST_CASE("due lists what is due, earliest first", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  // A new registration is due at its registration time.
  put(*outbox, registration("a"), t0 + 30);
  put(*outbox, registration("b"), t0 + 10);
  put(*outbox, registration("c", "other"), t0 + 20);
  put(*outbox, registration("d"), t0 - 5);
  put(*outbox, registration("z", "tie"), t0 + 40);
  put(*outbox, registration("y", "tie"), t0 + 40);
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 - 5));
  // After a time: the first strictly later, whatever is overdue before it (the scheduler's timer).
  REQUIRE(check(outbox->published().periodic_next(at(t0 - 5))) == at(t0 + 10));
  REQUIRE(check(outbox->published().periodic_next(at(t0 + 15))) == at(t0 + 20));
  REQUIRE(check(outbox->published().periodic_next(at(t0 + 39))) == at(t0 + 40));
  REQUIRE_FALSE(check(outbox->published().periodic_next(at(t0 + 40))));
  REQUIRE(tags(check(outbox->published().periodic_due(at(t0 + 20), 10))) == std::vector<std::string>{"d", "b", "c"});
  REQUIRE(check(outbox->published().periodic_due(at(t0 + 20), 10))[2].app == "other");
  REQUIRE(tags(check(outbox->published().periodic_due(at(t0 + 20), 2))) == std::vector<std::string>{"d", "b"});
  REQUIRE(tags(check(outbox->published().periodic_due(at(t0 + 40), 10))) == std::vector<std::string>{"d", "b", "c", "a", "y", "z"});
  REQUIRE(check(outbox->published().periodic_due(at(t0 + 40), 0)).empty());
  REQUIRE(check(outbox->published().periodic_due(at(t0 - 6), 10)).empty());
  // Due entries are whole registrations, as stored.
  REQUIRE(check(outbox->published().periodic_due(at(t0 - 5), 1)).at(0) == stored(*outbox, "news", "d"));
}

TEST_CASE("the next run of many registrations is found by the index", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  constexpr int n = 5'000;
  std::vector<std::int64_t> times;
  write(*outbox, [&](WriteTxn& txn) {
    for (int i = 0; i < n; ++i) {
      // Spread over an hour in a scrambled order, so the index, not insertion, orders them.
      const std::int64_t when = t0 + 1 + (static_cast<std::int64_t>(i) * 7919) % 3'600'000;
      times.push_back(when);
      check(txn.periodic_put(registration("t" + std::to_string(i), "app"), at(when)));
    }
  });
  std::sort(times.begin(), times.end());
  REQUIRE(check(outbox->published().periodic_next()) == at(times.front()));
  auto due = check(outbox->published().periodic_due(at(t0 + 3'600'001), 50));
  REQUIRE(due.size() == 50);
  for (std::size_t i = 0; i < due.size(); ++i) REQUIRE(due[i].next_earliest == at(times[i]));
  REQUIRE(check(outbox->published().periodic_due(at(times[9]), 1000)).size() == 10);
  // The earliest moves on when the first is run.
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.periodic_reschedule(due[0].app, due[0].tag, at(t0 + 10'000'000)));
  });
  REQUIRE(check(outbox->published().periodic_next()) == at(times[1]));
}

TEST_CASE("list is in (app, tag) order and filters by app exactly", "[store][periodic]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  for (const auto& [app, tag] : std::vector<std::pair<std::string, std::string>>{
           {"ab", "x"}, {"a", "t2"}, {"b", "x"}, {"", "d"}, {"a", "t1"}, {"a\x01", "x"}}) {
    put(*outbox, registration(tag, app), t0);
  }
  Registration t1 = stored(*outbox, "a", "t1");
  Run updated = run_of(t1, PeriodicOutcome::updated, 200, t0 + 60'000);
  updated.cache = CacheEntry{200, {}, "x", at(t0 + 7)};
  record(*outbox, "a", "t1", updated, t0 + 7);

  auto all = check(outbox->published().periodic_list(std::nullopt, 100));
  std::vector<std::string> keys;
  for (const auto& l : all) keys.push_back(l.registration.app + "/" + l.registration.tag);
  REQUIRE(keys == std::vector<std::string>{"/d", "a/t1", "a/t2", "a\x01/x", "ab/x", "b/x"});

  auto a = check(outbox->published().periodic_list(std::string_view("a"), 100));
  REQUIRE(tags(listed(a)) == std::vector<std::string>{"t1", "t2"});  // not "ab"'s, nor "a\x01"'s
  REQUIRE(a[0].cached == at(t0 + 7));
  REQUIRE_FALSE(a[1].cached);
  REQUIRE(a[0].registration == stored(*outbox, "a", "t1"));
  REQUIRE(tags(listed(check(outbox->published().periodic_list(std::string_view(""), 100)))) == std::vector<std::string>{"d"});
  REQUIRE(tags(listed(check(outbox->published().periodic_list(std::string_view("ab"), 100)))) == std::vector<std::string>{"x"});
  REQUIRE(check(outbox->published().periodic_list(std::string_view("c"), 100)).empty());
  REQUIRE(check(outbox->published().periodic_list(std::string_view("a"), 1)).size() == 1);
  REQUIRE(check(outbox->published().periodic_list(std::nullopt, 3)).size() == 3);
  REQUIRE(check(outbox->published().periodic_list(std::nullopt, 0)).empty());
}

TEST_CASE("periodic registrations, cache and events survive a reopen", "[store][periodic][recovery]") {
  TempDir dir;
  Registration feed;
  Registration failing;
  CacheEntry cache{200, {{"Content-Type", "application/json"}}, std::string("{\"n\":1}\0", 8), at(t0 + 5)};
  {
    auto outbox = open_outbox(dir.path());
    feed = put(*outbox, registration("feed"), t0);
    failing = put(*outbox, registration("failing", "mail"), t0);
    Run updated = run_of(feed, PeriodicOutcome::updated, 200, t0 + 60'000);
    updated.etag = "\"v1\"";
    updated.cache = cache;
    updated.report = true;
    updated.duration = std::chrono::milliseconds{42};
    feed = record(*outbox, "news", "feed", updated, t0 + 5);
    Run failed = run_of(failing, PeriodicOutcome::failed, std::nullopt, t0 + 1'000);
    failed.error = "connection refused";
    failed.period_start = at(t0 + 1);
    failing = record(*outbox, "mail", "failing", failed, t0 + 2);
    // Work that never commits is gone after the reopen.
    WriteTxn lost(*outbox);
    check(lost.periodic_put(registration("lost"), at(t0 + 3)));
    check(lost.periodic_remove("news", "feed"));
  }
  auto outbox = open_outbox(dir.path());
  REQUIRE(stored(*outbox, "news", "feed") == feed);
  REQUIRE(stored(*outbox, "mail", "failing") == failing);
  REQUIRE(failing.period_start == at(t0 + 1));
  REQUIRE(failing.consecutive_failures == 1);
  REQUIRE_FALSE(check(outbox->published().periodic_get("news", "lost")));
  REQUIRE(check(outbox->published().periodic_cache("news", "feed")) == cache);
  REQUIRE(check(outbox->published().periodic_get("news", "feed"))->cached == at(t0 + 5));
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 + 1'000));
  REQUIRE(tags(check(outbox->published().periodic_due(at(t0 + 60'000), 10))) == std::vector<std::string>{"failing", "feed"});
  auto events = check(outbox->published().events_after(0, 10));
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].type == proto::EventType::periodic);
  REQUIRE(events[0].tag == "feed");
  REQUIRE(events[0].duration == std::chrono::milliseconds{42});
  // And it goes on working.
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.periodic_remove("mail", "failing"))); });
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 + 60'000));
}

}  // namespace
}  // namespace bgsync::store::test
