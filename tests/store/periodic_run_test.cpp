// Recording periodic runs through WriteTxn::periodic_record (issue 6): what each outcome does to
// the registration, its validators and its cache; runs that may not record; and the one
// `periodic` event a run that ends its period appends.
#include "daemon/store/outbox.hpp"

#include "tests/store/periodic_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::errc;
using proto::EventType;
using proto::PeriodicOutcome;

// A registration that has fetched "v1" (with validators) at t0 + 10.
struct Fetched {
  TempDir dir;
  std::unique_ptr<Outbox> outbox = open_outbox(dir.path());
  CacheEntry v1{200, {{"ETag", "\"v1\""}}, "body v1", at(t0 + 10)};
  Registration reg;

  Fetched() {
    reg = put(*outbox, registration("feed"), t0);
    Run updated = run_of(reg, PeriodicOutcome::updated, 200, t0 + 60'000);
    updated.etag = "\"v1\"";
    updated.last_modified = "Mon, 23 Nov 2026 10:00:00 GMT";
    updated.cache = v1;
    reg = record(*outbox, "news", "feed", updated, t0 + 10);
  }
  std::optional<CacheEntry> cache() const { return check(outbox->published().periodic_cache("news", "feed")); }
};

TEST_CASE("an updated run stores its body and validators", "[store][periodic]") {
  Fetched f;
  REQUIRE(f.reg == stored(*f.outbox, "news", "feed"));
  REQUIRE(f.reg.last_run == at(t0 + 10));
  REQUIRE(f.reg.last_outcome == PeriodicOutcome::updated);
  REQUIRE(f.reg.last_status == 200);
  REQUIRE(f.reg.etag == "\"v1\"");
  REQUIRE(f.reg.last_modified == "Mon, 23 Nov 2026 10:00:00 GMT");
  REQUIRE_FALSE(f.reg.validated);
  REQUIRE(f.reg.next_earliest == at(t0 + 60'000));
  REQUIRE(f.reg.created == at(t0));
  REQUIRE(f.reg.updated == at(t0));  // a run is not a re-registration
  REQUIRE(f.cache() == f.v1);
  REQUIRE(check(f.outbox->published().periodic_get("news", "feed"))->cached == at(t0 + 10));
  REQUIRE(check(f.outbox->published().periodic_next()) == at(t0 + 60'000));
  REQUIRE(check(f.outbox->published().periodic_due(at(t0 + 59'999), 10)).empty());

  // A 304 confirms v1, then a new body replaces it and its validators (even with empty ones).
  Run confirm = run_of(f.reg, PeriodicOutcome::not_modified, 304, t0 + 120'000);
  f.reg = record(*f.outbox, "news", "feed", confirm, t0 + 60'000);
  REQUIRE(f.reg.validated == at(t0 + 60'000));
  Run v2 = run_of(f.reg, PeriodicOutcome::updated, 203, t0 + 180'000);
  v2.last_modified = "Tue, 24 Nov 2026 10:00:00 GMT";
  v2.cache = CacheEntry{203, {}, std::string("v2\0", 3), at(t0 + 120'000)};
  Registration r = record(*f.outbox, "news", "feed", v2, t0 + 120'000);
  REQUIRE(r == stored(*f.outbox, "news", "feed"));
  REQUIRE(r.etag.empty());
  REQUIRE(r.last_modified == "Tue, 24 Nov 2026 10:00:00 GMT");
  REQUIRE_FALSE(r.validated);
  REQUIRE(r.last_status == 203);
  REQUIRE(f.cache() == v2.cache);
  REQUIRE(check(f.outbox->published().periodic_get("news", "feed"))->cached == at(t0 + 120'000));
}

TEST_CASE("a not-modified run confirms the cached body", "[store][periodic]") {
  Fetched f;
  Run run = run_of(f.reg, PeriodicOutcome::not_modified, 304, t0 + 120'000);
  run.etag = "\"ignored\"";  // a 304 keeps the validators the cached body matches
  run.last_modified = "ignored";
  run.cache = CacheEntry{304, {}, "", at(t0 + 60'000)};  // and only an update writes the cache
  Registration r = record(*f.outbox, "news", "feed", run, t0 + 60'000);
  REQUIRE(r == stored(*f.outbox, "news", "feed"));
  REQUIRE(r.last_outcome == PeriodicOutcome::not_modified);
  REQUIRE(r.last_status == 304);
  REQUIRE(r.last_run == at(t0 + 60'000));
  REQUIRE(r.validated == at(t0 + 60'000));
  REQUIRE(r.etag == "\"v1\"");
  REQUIRE(r.last_modified == "Mon, 23 Nov 2026 10:00:00 GMT");
  REQUIRE(r.next_earliest == at(t0 + 120'000));
  REQUIRE(f.cache() == f.v1);
  REQUIRE(check(f.outbox->published().periodic_get("news", "feed"))->cached == at(t0 + 10));
}

TEST_CASE("failed runs count up, and a success resets them", "[store][periodic]") {
  Fetched f;
  Run http = run_of(f.reg, PeriodicOutcome::failed, 503, t0 + 61'000);
  http.error = "HTTP 503";
  http.period_start = at(t0 + 60'000);
  http.etag = "\"ignored\"";
  http.cache = CacheEntry{503, {}, "error page", at(t0 + 60'000)};
  Registration r = record(*f.outbox, "news", "feed", http, t0 + 60'000);
  REQUIRE(r.consecutive_failures == 1);
  REQUIRE(r.last_outcome == PeriodicOutcome::failed);
  REQUIRE(r.last_status == 503);
  REQUIRE(r.last_error == "HTTP 503");
  REQUIRE(r.period_start == at(t0 + 60'000));
  REQUIRE(r.next_earliest == at(t0 + 61'000));
  REQUIRE(r.etag == "\"v1\"");
  REQUIRE(f.cache() == f.v1);

  Run network = run_of(r, PeriodicOutcome::failed, std::nullopt, t0 + 63'000);
  network.error = "connection refused";
  network.period_start = at(t0 + 60'000);
  r = record(*f.outbox, "news", "feed", network, t0 + 61'000);
  REQUIRE(r.consecutive_failures == 2);
  REQUIRE_FALSE(r.last_status);
  REQUIRE(r.last_error == "connection refused");
  REQUIRE(r.period_start == at(t0 + 60'000));

  // Giving up until the next period: the period is over.
  Run give_up = network;
  give_up.period_start.reset();
  give_up.next_earliest = at(t0 + 120'000);
  r = record(*f.outbox, "news", "feed", give_up, t0 + 63'000);
  REQUIRE(r.consecutive_failures == 3);
  REQUIRE_FALSE(r.period_start);
  REQUIRE(r == stored(*f.outbox, "news", "feed"));

  r = record(*f.outbox, "news", "feed", run_of(r, PeriodicOutcome::not_modified, 304, t0 + 180'000), t0 + 120'000);
  REQUIRE(r.consecutive_failures == 0);
  REQUIRE(r.last_error.empty());
  REQUIRE_FALSE(r.period_start);
  REQUIRE(r.last_status == 304);
  REQUIRE(r == stored(*f.outbox, "news", "feed"));
  REQUIRE(f.cache() == f.v1);
}

TEST_CASE("a run that may not record writes nothing", "[store][periodic]") {
  Fetched f;
  const Registration before = f.reg;
  write(*f.outbox, [&](WriteTxn& txn) {
    Run run = run_of(f.reg, PeriodicOutcome::updated, 200, t0 + 90'000);
    run.report = true;
    run.etag = "\"v2\"";
    run.cache = CacheEntry{200, {}, "v2", at(t0 + 20)};

    auto missing = txn.periodic_record("news", "nope", run, at(t0 + 20));
    REQUIRE(missing.has_error());
    REQUIRE(missing.error().code == errc::not_found);

    Run stale = run;  // started before a replacement that has since happened
    stale.registered = at(t0 - 1);
    auto replaced = txn.periodic_record("news", "feed", stale, at(t0 + 20));
    REQUIRE(replaced.has_error());
    REQUIRE(replaced.error().code == errc::bad_state);

    Run huge = run;
    huge.cache->body.assign(periodic::max_cache_body + 1, 'x');
    auto too_big = txn.periodic_record("news", "feed", huge, at(t0 + 20));
    REQUIRE(too_big.has_error());
    REQUIRE(too_big.error().code == errc::bad_field);
    INFO(too_big.error().message);
    REQUIRE(too_big.error().message.find("4 MiB") != std::string::npos);

    REQUIRE_FALSE(txn.poisoned());
    REQUIRE(txn.events().empty());
    REQUIRE(check(txn.periodic_reschedule("news", "feed", before.next_earliest)) == before);
  });
  REQUIRE(stored(*f.outbox, "news", "feed") == before);
  REQUIRE(f.cache() == f.v1);
  REQUIRE(check(f.outbox->published().last_seq()) == 0);
  REQUIRE(check(f.outbox->published().periodic_next()) == before.next_earliest);

  // A body of exactly the limit is kept.
  Run biggest = run_of(before, PeriodicOutcome::updated, 200, t0 + 90'000);
  biggest.cache = CacheEntry{200, {}, std::string(periodic::max_cache_body, 'y'), at(t0 + 30)};
  record(*f.outbox, "news", "feed", biggest, t0 + 30);
  REQUIRE(f.cache() == biggest.cache);
}

// What a `periodic` event must say about a run of news/feed that finished at `now`.
void require_periodic_event(const Event& e, PeriodicOutcome outcome, std::optional<int> status, std::string error,
                            std::int64_t now, std::int64_t duration_ms) {
  REQUIRE(e.type == EventType::periodic);
  REQUIRE(e.id == ActionId{});
  REQUIRE(e.app == "news");
  REQUIRE(e.tag == "feed");
  REQUIRE(e.time == at(now));
  REQUIRE(e.attempt == 0);
  REQUIRE(e.outcome == outcome);
  REQUIRE(e.status == status);
  REQUIRE(e.error == error);
  REQUIRE(e.duration == std::chrono::milliseconds{duration_ms});
  REQUIRE_FALSE(e.next_attempt);
  REQUIRE_FALSE(e.online);
  REQUIRE(e.reason.empty());
}

TEST_CASE("a run that ends its period appends one periodic event", "[store][periodic][events]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  Registration reg = put(*outbox, registration("feed"), t0);
  write(*outbox, [](WriteTxn& txn) { check(txn.enqueue(request(), make_id(1), at(t0))); });  // seq 1

  struct Case {
    PeriodicOutcome outcome;
    std::optional<int> status;
    std::string error;           // in the run
    std::string expected_error;  // in the event: only failures say why
  };
  std::uint64_t seq = 1;
  std::int64_t now = t0;
  for (const Case& c : {Case{PeriodicOutcome::updated, 200, "", ""},
                        Case{PeriodicOutcome::not_modified, 304, "stale reason", ""},
                        Case{PeriodicOutcome::failed, 503, "HTTP 503", "HTTP 503"},
                        Case{PeriodicOutcome::failed, std::nullopt, "connection refused", "connection refused"}}) {
    INFO("outcome " << proto::to_string(c.outcome) << ", error \"" << c.error << "\"");
    now += 60'000;
    const std::int64_t duration = now - t0;
    write(*outbox, [&](WriteTxn& txn) {
      Run run = run_of(reg, c.outcome, c.status, now + 60'000);
      run.error = c.error;
      run.report = true;
      run.duration = std::chrono::milliseconds{duration};
      if (c.outcome == PeriodicOutcome::updated) run.cache = CacheEntry{200, {}, "body", at(now)};
      reg = check(txn.periodic_record("news", "feed", run, at(now)));
      REQUIRE(txn.events().size() == 1);
      REQUIRE(txn.events()[0].seq == seq + 1);
      require_periodic_event(txn.events()[0], c.outcome, c.status, c.expected_error, now, duration);
    });
    ++seq;
    REQUIRE(check(outbox->published().last_seq()) == seq);
    auto logged = check(outbox->published().events_after(seq - 1, 10));
    REQUIRE(logged.size() == 1);
    REQUIRE(logged[0].seq == seq);
    require_periodic_event(logged[0], c.outcome, c.status, c.expected_error, now, duration);
  }

  SECTION("a run that does not end its period appends none") {
    write(*outbox, [&](WriteTxn& txn) {
      Run retry = run_of(reg, PeriodicOutcome::failed, 503, now + 1'000);
      retry.error = "HTTP 503";
      retry.period_start = at(now);
      retry.duration = std::chrono::milliseconds{5};
      check(txn.periodic_record("news", "feed", retry, at(now + 10)));
      REQUIRE(txn.events().empty());
    });
    REQUIRE(check(outbox->published().last_seq()) == seq);
    REQUIRE(stored(*outbox, "news", "feed").last_error == "HTTP 503");
  }
  SECTION("in one transaction with action events, in order") {
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.mark_sending(make_id(1), at(now + 1)));
      Run run = run_of(reg, PeriodicOutcome::not_modified, 304, now + 60'000);
      run.report = true;
      check(txn.periodic_record("news", "feed", run, at(now + 2)));
      check(txn.enqueue(request(), make_id(2), at(now + 3)));
      REQUIRE(txn.events().size() == 3);
      REQUIRE(txn.events()[0].type == EventType::sending);
      REQUIRE(txn.events()[1].type == EventType::periodic);
      REQUIRE(txn.events()[1].seq == seq + 2);
      REQUIRE(txn.events()[2].type == EventType::queued);
    });
    auto logged = check(outbox->published().events_after(seq, 10));
    REQUIRE(logged.size() == 3);
    require_periodic_event(logged[1], PeriodicOutcome::not_modified, 304, "", now + 2, 0);
  }
}

}  // namespace
}  // namespace bgsync::store::test
