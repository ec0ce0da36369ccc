// The outbox's write transactions and reads: enqueue/get, each state transition with its event,
// the counters, list paging and filters, the event log and its pruning.
#include "daemon/store/outbox.hpp"

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;
using proto::errc;
using proto::EventType;

AttemptResult response(int status, std::string error = {}) {
  AttemptResult r;
  r.status = status;
  r.headers = {{"Server", "test"}};
  r.body = "response " + std::to_string(status);
  r.error = std::move(error);
  return r;
}

std::uint64_t count(const Outbox& outbox, ActionState s) { return check(outbox.published().counts())[s]; }

TEST_CASE("enqueue then get", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  REQUIRE(outbox->recovered() == 0);
  REQUIRE_FALSE(check(outbox->published().get(make_id(1))));
  write(*outbox, [](WriteTxn& txn) {
    auto a = check(txn.enqueue(request("t", "mail", std::string("a\0b", 3)), make_id(1), at(t0)));
    REQUIRE(a.state == ActionState::queued);
    REQUIRE(a.next_attempt == at(t0));
    REQUIRE(txn.events().size() == 1);
  });
  auto got = check(outbox->published().get(make_id(1)));
  REQUIRE(got);
  REQUIRE(got->id == make_id(1));
  REQUIRE(got->app == "mail");
  REQUIRE(got->tag == "t");
  REQUIRE(got->method == "POST");
  REQUIRE(got->url == "https://example.com/api");
  REQUIRE(got->headers == proto::Headers{{"Content-Type", "text/plain"}});
  REQUIRE(got->body == std::string("a\0b", 3));
  REQUIRE(got->created == at(t0));
  REQUIRE(got->updated == at(t0));
  REQUIRE(got->attempts == 0);
  REQUIRE(got->state == ActionState::queued);
  REQUIRE(got->next_attempt == at(t0));
  REQUIRE(got->last_error.empty());
  REQUIRE_FALSE(got->response_status);
  REQUIRE(count(*outbox, ActionState::queued) == 1);
  REQUIRE(check(outbox->published().last_seq()) == 1);
  REQUIRE(check(outbox->published().first_seq()) == 1);
}

TEST_CASE("an empty outbox reads as empty", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  REQUIRE(check(outbox->published().last_seq()) == 0);
  REQUIRE(check(outbox->published().first_seq()) == 0);
  REQUIRE(check(outbox->published().due(10)).empty());
  REQUIRE(check(outbox->published().events_after(0, 10)).empty());
  REQUIRE_FALSE(check(outbox->published().paused()));
  REQUIRE(check(outbox->published().list({})).actions.empty());
  for (auto c : check(outbox->published().counts()).by_state) REQUIRE(c == 0);
  auto mode = std::filesystem::status(dir.path()).permissions();
  REQUIRE((mode & std::filesystem::perms::all) == std::filesystem::perms::owner_all);
  auto data = std::filesystem::status(dir.path() / "data.mdb").permissions();
  REQUIRE((data & std::filesystem::perms::all) == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}

TEST_CASE("state transitions record their events", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId a = make_id(1);
  write(*outbox, [&](WriteTxn& txn) { check(txn.enqueue(request(), a, at(t0))); });

  SECTION("queued -> sending -> retry -> sending -> sent") {
    write(*outbox, [&](WriteTxn& txn) {
      auto s = check(txn.mark_sending(a, at(t0 + 1)));
      REQUIRE(s.state == ActionState::sending);
      REQUIRE(s.attempts == 1);
      REQUIRE_FALSE(s.next_attempt);
      auto r = check(txn.mark_retry(a, response(503, "HTTP 503"), at(t0 + 10'000), at(t0 + 2)));
      REQUIRE(r.state == ActionState::queued);
      REQUIRE(r.next_attempt == at(t0 + 10'000));
      REQUIRE(r.last_error == "HTTP 503");
      REQUIRE(r.response_status == 503);
      REQUIRE(r.updated == at(t0 + 2));
    });
    REQUIRE(due_ids(*outbox) == std::vector{a});
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.mark_sending(a, at(t0 + 10'000)));
      auto s = check(txn.mark_sent(a, response(201), at(t0 + 10'001)));
      REQUIRE(s.state == ActionState::sent);
      REQUIRE(s.attempts == 2);
      REQUIRE(s.last_error.empty());
      REQUIRE(s.response_status == 201);
      REQUIRE(s.response_body == "response 201");
      REQUIRE(txn.events().size() == 2);
      REQUIRE(txn.events()[0].seq == 4);
      REQUIRE(txn.events()[1].seq == 5);
    });
    auto events = check(outbox->published().events_after(0, 100));
    REQUIRE(events.size() == 5);
    std::vector<EventType> types;
    for (std::size_t i = 0; i < events.size(); ++i) {
      REQUIRE(events[i].seq == i + 1);
      REQUIRE(events[i].id == a);
      REQUIRE(events[i].app == "test");
      types.push_back(events[i].type);
    }
    REQUIRE(types == std::vector{EventType::queued, EventType::sending, EventType::retry, EventType::sending,
                                 EventType::sent});
    REQUIRE(events[0].attempt == 0);
    REQUIRE(events[1].attempt == 1);
    REQUIRE(events[2].attempt == 1);
    REQUIRE(events[2].error == "HTTP 503");
    REQUIRE(events[2].status == 503);
    REQUIRE(events[2].next_attempt == at(t0 + 10'000));
    REQUIRE(events[2].time == at(t0 + 2));
    REQUIRE(events[3].attempt == 2);
    REQUIRE(events[4].status == 201);
    REQUIRE(events[4].time == at(t0 + 10'001));
    REQUIRE(check(outbox->published().due(10)).empty());
    REQUIRE(count(*outbox, ActionState::sent) == 1);
    REQUIRE(count(*outbox, ActionState::queued) == 0);
    require_counts_match(*outbox);
  }

  SECTION("failed, then retried by hand") {
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.mark_sending(a, at(t0 + 1)));
      auto f = check(txn.mark_failed(a, response(404, "HTTP 404 Not Found"), at(t0 + 2)));
      REQUIRE(f.state == ActionState::failed);
      REQUIRE(f.last_error == "HTTP 404 Not Found");
      REQUIRE(f.response_status == 404);
      REQUIRE(txn.events().back().type == EventType::failed);
      REQUIRE(txn.events().back().error == "HTTP 404 Not Found");
      REQUIRE(txn.events().back().status == 404);
    });
    REQUIRE(count(*outbox, ActionState::failed) == 1);
    write(*outbox, [&](WriteTxn& txn) {
      auto r = check(txn.retry(a, at(t0 + 100)));
      REQUIRE(r.state == ActionState::queued);
      REQUIRE(r.next_attempt == at(t0 + 100));
      REQUIRE(r.last_error == "HTTP 404 Not Found");
      REQUIRE(r.attempts == 1);
      REQUIRE(txn.events().back().type == EventType::queued);
    });
    REQUIRE(due_ids(*outbox) == std::vector{a});
    REQUIRE(count(*outbox, ActionState::failed) == 0);
    REQUIRE(count(*outbox, ActionState::queued) == 1);
    require_counts_match(*outbox);
  }

  SECTION("a sending action can be cancelled; its result is then refused") {
    write(*outbox, [&](WriteTxn& txn) { check(txn.mark_sending(a, at(t0 + 1))); });
    write(*outbox, [&](WriteTxn& txn) {
      auto c = check(txn.cancel(proto::CancelArgs{a, std::nullopt}, at(t0 + 2)));
      REQUIRE(c.size() == 1);
      REQUIRE(c[0].state == ActionState::cancelled);
      auto late = txn.mark_sent(a, response(200), at(t0 + 3));
      REQUIRE(late.has_error());
      REQUIRE(late.error().code == errc::bad_state);
      REQUIRE(txn.mark_retry(a, response(500), at(t0 + 9), at(t0 + 3)).error().code == errc::bad_state);
      REQUIRE(txn.mark_failed(a, response(400), at(t0 + 3)).error().code == errc::bad_state);
      REQUIRE_FALSE(txn.poisoned());
      REQUIRE(txn.events().size() == 1);
    });
    REQUIRE(check(outbox->published().get(a))->state == ActionState::cancelled);
    REQUIRE(count(*outbox, ActionState::sending) == 0);
    REQUIRE(count(*outbox, ActionState::cancelled) == 1);
    REQUIRE(check(outbox->published().last_seq()) == 3);
    require_counts_match(*outbox);
  }

  SECTION("bad requests write nothing") {
    write(*outbox, [&](WriteTxn& txn) {
      REQUIRE(txn.mark_sent(a, response(200), at(t0)).error().code == errc::bad_state);  // queued
      REQUIRE(txn.mark_sending(make_id(9), at(t0)).error().code == errc::not_found);
      REQUIRE(txn.retry(make_id(9), at(t0)).error().code == errc::not_found);
      REQUIRE(txn.cancel(proto::CancelArgs{}, at(t0)).error().code == errc::bad_field);
      REQUIRE(txn.cancel(proto::CancelArgs{std::nullopt, std::string()}, at(t0)).error().code == errc::bad_field);
      REQUIRE(txn.enqueue(request(std::string("a\0b", 3)), make_id(2), at(t0)).error().code == errc::bad_field);
      REQUIRE(txn.enqueue(request(), a, at(t0)).error().code == errc::internal);  // id taken
      REQUIRE_FALSE(txn.poisoned());
      REQUIRE(txn.events().empty());
    });
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.mark_sending(a, at(t0)));
      check(txn.mark_sent(a, response(200), at(t0)));
      REQUIRE(txn.retry(a, at(t0)).error().code == errc::bad_state);
      REQUIRE(txn.cancel(proto::CancelArgs{a, std::nullopt}, at(t0)).error().code == errc::bad_state);
    });
    REQUIRE(check(outbox->published().last_seq()) == 3);
    REQUIRE(count(*outbox, ActionState::sent) == 1);
    require_counts_match(*outbox);
  }

  SECTION("retry of a queued action skips its backoff") {
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.mark_sending(a, at(t0)));
      check(txn.mark_retry(a, AttemptResult{std::nullopt, {}, {}, "connection refused"}, at(t0 + 60'000), at(t0)));
    });
    REQUIRE(check(outbox->published().due(1))[0].next_attempt == at(t0 + 60'000));
    write(*outbox, [&](WriteTxn& txn) { check(txn.retry(a, at(t0 + 5))); });
    auto due = check(outbox->published().due(10));
    REQUIRE(due.size() == 1);
    REQUIRE(due[0].next_attempt == at(t0 + 5));
    REQUIRE(check(outbox->published().get(a))->next_attempt == at(t0 + 5));
    REQUIRE_FALSE(check(outbox->published().get(a))->response_status);  // no response arrived
  }
}

TEST_CASE("an uncommitted transaction leaves no trace", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  {
    WriteTxn txn(*outbox);
    check(txn.enqueue(request("t"), make_id(1), at(t0)));
    check(txn.set_paused(true));
  }
  REQUIRE_FALSE(check(outbox->published().get(make_id(1))));
  REQUIRE(check(outbox->published().due(10)).empty());
  REQUIRE(check(outbox->published().last_seq()) == 0);
  REQUIRE(count(*outbox, ActionState::queued) == 0);
  REQUIRE_FALSE(check(outbox->published().paused()));
  // The next transaction starts from the same counters.
  write(*outbox, [](WriteTxn& txn) { REQUIRE(check(txn.enqueue(request("t"), make_id(2), at(t0))).id == make_id(2)); });
  REQUIRE(check(outbox->published().events_after(0, 10)).at(0).seq == 1);
}

TEST_CASE("list pages in id order with filters", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  write(*outbox, [](WriteTxn& txn) {
    for (std::uint64_t i = 1; i <= 10; ++i) {
      check(txn.enqueue(request(i % 2 == 0 ? "even" : "", i <= 5 ? "app1" : "app2"), make_id(i), at(t0)));
    }
    check(txn.mark_sending(make_id(1), at(t0)));
    check(txn.mark_sent(make_id(1), response(200), at(t0)));
  });

  proto::ListQuery q;
  q.limit = 4;
  auto p1 = check(outbox->published().list(q));
  REQUIRE(p1.actions.size() == 4);
  REQUIRE(p1.actions[0].id == make_id(1));
  REQUIRE(p1.actions[3].id == make_id(4));
  REQUIRE(p1.next == make_id(4));
  REQUIRE(p1.actions[0].body.empty());
  REQUIRE(p1.actions[0].response_body.empty());
  REQUIRE(p1.actions[0].response_status == 200);
  q.after = p1.next;
  auto p2 = check(outbox->published().list(q));
  REQUIRE(p2.actions.front().id == make_id(5));
  q.after = p2.next;
  auto p3 = check(outbox->published().list(q));
  REQUIRE(p3.actions.size() == 2);
  REQUIRE(p3.actions.back().id == make_id(10));
  REQUIRE_FALSE(p3.next);

  proto::ListQuery by_tag;
  by_tag.tag = "even";
  auto even = check(outbox->published().list(by_tag));
  REQUIRE(even.actions.size() == 5);
  for (const auto& a : even.actions) REQUIRE(a.tag == "even");

  proto::ListQuery by_state;
  by_state.state = ActionState::sent;
  REQUIRE(check(outbox->published().list(by_state)).actions.size() == 1);

  proto::ListQuery combined;
  combined.app = "app2";
  combined.tag = "";
  combined.state = ActionState::queued;
  auto c = check(outbox->published().list(combined));
  REQUIRE(c.actions.size() == 2);  // 7 and 9
  REQUIRE(c.actions[0].id == make_id(7));

  proto::ListQuery after_unknown;  // a cursor id that is not stored still pages from its place
  after_unknown.after = make_id(0);
  REQUIRE(check(outbox->published().list(after_unknown)).actions.front().id == make_id(1));
}

TEST_CASE("events_after and prune_events", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  for (std::uint64_t i = 1; i <= 10; ++i) {
    write(*outbox, [&](WriteTxn& txn) { check(txn.enqueue(request(), make_id(i), at(t0 + static_cast<std::int64_t>(i)))); });
  }
  auto page = check(outbox->published().events_after(3, 4));
  REQUIRE(page.size() == 4);
  REQUIRE(page.front().seq == 4);
  REQUIRE(page.back().seq == 7);
  REQUIRE(check(outbox->published().events_after(10, 4)).empty());

  write(*outbox, [](WriteTxn& txn) {
    REQUIRE(check(txn.prune_events(at(t0 + 6), 2)) == 2);  // bounded by max
    REQUIRE(check(txn.prune_events(at(t0 + 6), 100)) == 3);  // stops at the first new enough
  });
  REQUIRE(check(outbox->published().first_seq()) == 6);
  REQUIRE(check(outbox->published().last_seq()) == 10);
  REQUIRE(check(outbox->published().events_after(0, 100)).front().seq == 6);
  write(*outbox, [](WriteTxn& txn) { REQUIRE(check(txn.prune_events(at(t0 + 1000), 100)) == 5); });
  REQUIRE(check(outbox->published().first_seq()) == 0);
  REQUIRE(check(outbox->published().last_seq()) == 10);  // seqs are never reused
  write(*outbox, [](WriteTxn& txn) { check(txn.enqueue(request(), make_id(11), at(t0))); });
  REQUIRE(check(outbox->published().first_seq()) == 11);
}

TEST_CASE("list counts the matches after its page, in the same read", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  write(*outbox, [](WriteTxn& txn) {
    for (std::uint64_t i = 1; i <= 10; ++i) check(txn.enqueue(request(i % 3 == 0 ? "third" : ""), make_id(i), at(t0)));
  });
  proto::ListQuery q;
  q.limit = 4;
  q.count = true;
  auto p1 = check(outbox->published().list(q));
  REQUIRE(p1.actions.size() == 4);
  REQUIRE(p1.remaining == 6u);
  REQUIRE(p1.next == make_id(4));
  q.after = make_id(6);  // `after` is exclusive: 7..10 follow
  auto last = check(outbox->published().list(q));
  REQUIRE(last.actions.size() == 4);
  REQUIRE(last.actions.front().id == make_id(7));
  REQUIRE(last.remaining == 0u);
  REQUIRE_FALSE(last.next);  // known to be the last page, so no empty one follows

  proto::ListQuery filtered;  // 3, 6, 9: the count decodes each record to apply the filter
  filtered.tag = "third";
  filtered.limit = 1;
  filtered.count = true;
  auto f = check(outbox->published().list(filtered));
  REQUIRE(f.actions.at(0).id == make_id(3));
  REQUIRE(f.remaining == 2u);

  q.count = false;  // not asked for: not counted
  q.after.reset();
  REQUIRE_FALSE(check(outbox->published().list(q)).remaining);
}

TEST_CASE("resolve finds the one action an id prefix names", "[store][outbox]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const auto id = [](std::string_view text) { return ActionId::parse(text).value(); };
  const ActionId a = id("01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f");
  const ActionId b = id("01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e60");
  const ActionId c = id("01937a2e-6a10-7c3a-8d2b-0a1b2c3d4e61");
  const ActionId d = id("01937a2f-0000-7000-8000-000000000000");
  write(*outbox, [&](WriteTxn& txn) {
    for (const ActionId& x : {a, b, c, d}) check(txn.enqueue(request(), x, at(t0)));
  });
  const auto resolve = [&](std::string_view prefix) {
    return outbox->published().resolve(proto::ActionRef::parse(prefix).value());
  };
  CHECK(resolve("01937a2e6").value() == c);  // an odd number of digits covers a range
  CHECK(resolve("01937a2e-6a").value() == c);
  CHECK(resolve("01937a2f").value() == d);
  CHECK(resolve("01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e6").value() == b);  // 31 digits
  CHECK(resolve("01937A2E5F007C3A8D2B0A1B2C3D4E5F").value() == a);
  const ActionId absent = id("01937a2e-5f00-7c3a-8d2b-0a1b2c3d4eff");
  CHECK(resolve(absent.to_string()).value() == absent);  // a whole id is not looked up here

  const auto two = resolve("01937a2e-5f00");
  REQUIRE(two.has_error());
  CHECK(two.error().code == errc::ambiguous_id);
  CHECK_THAT(two.error().message, Catch::Contains(a.to_string()) && Catch::Contains(b.to_string()) &&
                                      !Catch::Contains("and more"));
  const auto three = resolve("01937a2e");
  REQUIRE(three.has_error());
  CHECK(three.error().code == errc::ambiguous_id);
  CHECK_THAT(three.error().message, Catch::Contains("and more"));

  for (const char* nothing : {"01937a2d", "01937a2e-5f01", "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e7", "ffffffff"}) {
    INFO(nothing);
    const auto none = resolve(nothing);
    REQUIRE(none.has_error());
    CHECK(none.error().code == errc::not_found);
  }
}

}  // namespace
}  // namespace bgsync::store::test
