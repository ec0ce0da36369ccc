// The rest of the outbox's network awareness: the network-backoff marks that
// reset_network_backoff consumes, `network` events in the log, and Action::waiting as get(),
// list() and the write operations report it.
#include "daemon/store/outbox.hpp"

#include <functional>
#include <map>

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;
using proto::EventType;
using proto::WaitReason;

AttemptResult network_error() { return AttemptResult{std::nullopt, {}, {}, "connection refused"}; }
AttemptResult http_error() { return AttemptResult{503, {}, {}, "HTTP 503"}; }

std::uint64_t marks(const Outbox& outbox) { return check(outbox.published().network_backoff_marks()); }

// Enqueues untagged actions 1..n and fails each attempt with `result`, backing off until `until`.
void fail_all(Outbox& outbox, std::uint64_t n, const AttemptResult& result, TimePoint until) {
  write(outbox, [&](WriteTxn& txn) {
    for (std::uint64_t i = 1; i <= n; ++i) {
      check(txn.enqueue(request(), make_id(i), at(t0)));
      check(txn.mark_sending(make_id(i), at(t0)));
      check(txn.mark_retry(make_id(i), result, until, at(t0 + 1)));
    }
  });
}

TEST_CASE("a network failure's backoff is cut short when the network is back", "[store][netwait]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId a = make_id(1);
  fail_all(*outbox, 1, network_error(), at(t0 + 300'000));
  REQUIRE(marks(*outbox) == 1);
  REQUIRE(check(outbox->published().due(1)).at(0).next_attempt == at(t0 + 300'000));

  write(*outbox, [&](WriteTxn& txn) {
    REQUIRE(check(txn.reset_network_backoff(at(t0 + 5'000), 100)) == 1);
    REQUIRE(txn.events().empty());
  });
  REQUIRE(marks(*outbox) == 0);
  auto due = check(outbox->published().due(10));
  REQUIRE(due.size() == 1);
  REQUIRE(due[0].id == a);
  REQUIRE(due[0].next_attempt == at(t0 + 5'000));
  auto got = check(outbox->published().get(a));
  REQUIRE(got->next_attempt == at(t0 + 5'000));
  REQUIRE(got->updated == at(t0 + 1));  // no event, so `updated` stays
  REQUIRE(got->last_error == "connection refused");
  // Consumed: a second reset finds nothing.
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.reset_network_backoff(at(t0 + 6'000), 100)) == 0); });
  REQUIRE(check(outbox->published().due(1)).at(0).next_attempt == at(t0 + 5'000));
}

TEST_CASE("an HTTP error's backoff is not reset", "[store][netwait]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  fail_all(*outbox, 1, http_error(), at(t0 + 300'000));
  REQUIRE(marks(*outbox) == 0);
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.reset_network_backoff(at(t0 + 5'000), 100)) == 0); });
  REQUIRE(check(outbox->published().due(1)).at(0).next_attempt == at(t0 + 300'000));

  // A later network failure of the same action marks it.
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.mark_sending(make_id(1), at(t0 + 300'000)));
    check(txn.mark_retry(make_id(1), network_error(), at(t0 + 900'000), at(t0 + 300'001)));
  });
  REQUIRE(marks(*outbox) == 1);
}

TEST_CASE("a reset leaves alone what is already due", "[store][netwait]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  fail_all(*outbox, 1, network_error(), at(t0 + 1'000));
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.reset_network_backoff(at(t0 + 1'000), 100)) == 0); });
  REQUIRE(marks(*outbox) == 0);  // examined, so unmarked either way
  REQUIRE(check(outbox->published().due(1)).at(0).next_attempt == at(t0 + 1'000));
}

TEST_CASE("every other transition clears the network mark", "[store][netwait]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  fail_all(*outbox, 1, network_error(), at(t0 + 300'000));
  const ActionId a = make_id(1);
  REQUIRE(marks(*outbox) == 1);
  std::function<void(WriteTxn&)> transition;
  SECTION("mark_sending (and so sent and failed)") {
    transition = [&](WriteTxn& txn) { check(txn.mark_sending(a, at(t0 + 2))); };
  }
  SECTION("cancel") {
    transition = [&](WriteTxn& txn) { check(txn.cancel(proto::CancelArgs{a, std::nullopt}, at(t0 + 2))); };
  }
  SECTION("cancel by tag") {
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.enqueue(request("T"), make_id(2), at(t0)));
      check(txn.mark_sending(make_id(2), at(t0)));
      check(txn.mark_retry(make_id(2), network_error(), at(t0 + 300'000), at(t0 + 1)));
    });
    REQUIRE(marks(*outbox) == 2);
    transition = [&](WriteTxn& txn) {
      check(txn.cancel(proto::CancelArgs{std::nullopt, std::string("T")}, at(t0 + 2)));
      check(txn.cancel(proto::CancelArgs{a, std::nullopt}, at(t0 + 2)));
    };
  }
  SECTION("retry") {
    transition = [&](WriteTxn& txn) { check(txn.retry(a, at(t0 + 2))); };
  }
  SECTION("park") {
    transition = [&](WriteTxn& txn) { check(txn.park(a, "a.example", at(t0 + 2))); };
  }
  write(*outbox, transition);
  REQUIRE(marks(*outbox) == 0);
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.reset_network_backoff(at(t0 + 5), 100)) == 0); });
}

TEST_CASE("reset_network_backoff honours max", "[store][netwait]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  fail_all(*outbox, 5, network_error(), at(t0 + 300'000));
  REQUIRE(marks(*outbox) == 5);
  write(*outbox, [&](WriteTxn& txn) {
    REQUIRE(check(txn.reset_network_backoff(at(t0 + 10), 2)) == 2);
    REQUIRE(check(txn.reset_network_backoff(at(t0 + 10), 0)) == 0);
  });
  REQUIRE(marks(*outbox) == 3);
  REQUIRE(due_ids(*outbox, 2) == std::vector{make_id(1), make_id(2)});  // id order
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.reset_network_backoff(at(t0 + 20), 10)) == 3); });
  REQUIRE(marks(*outbox) == 0);
  for (const auto& e : check(outbox->published().due(10))) REQUIRE(e.next_attempt <= at(t0 + 20));
}

TEST_CASE("the netwait marks survive a restart", "[store][netwait][recovery]") {
  TempDir dir;
  fail_all(*open_outbox(dir.path()), 3, network_error(), at(t0 + 300'000));
  auto outbox = open_outbox(dir.path());
  REQUIRE(marks(*outbox) == 3);
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.reset_network_backoff(at(t0 + 10), 10)) == 3); });
}

TEST_CASE("network events go into the log like any other", "[store][network]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("t", "mail"), make_id(1), at(t0)));
    auto off = check(txn.record_network(false, "no route to example.com", at(t0 + 1)));
    REQUIRE(off.seq == 2);
    REQUIRE(off.type == EventType::network);
    REQUIRE(off.online == false);
    REQUIRE(txn.events().size() == 2);
    REQUIRE(txn.events().back().reason == "no route to example.com");
  });
  write(*outbox, [&](WriteTxn& txn) { check(txn.record_network(true, "", at(t0 + 2))); });
  outbox.reset();
  outbox = open_outbox(dir.path());
  auto events = check(outbox->published().events_after(1, 10));
  REQUIRE(events.size() == 2);
  REQUIRE(events[0].seq == 2);
  REQUIRE(events[0].type == EventType::network);
  REQUIRE(events[0].id == ActionId{});
  REQUIRE(events[0].tag.empty());
  REQUIRE(events[0].app.empty());
  REQUIRE(events[0].attempt == 0);
  REQUIRE(events[0].time == at(t0 + 1));
  REQUIRE(events[0].online == false);
  REQUIRE(events[0].reason == "no route to example.com");
  REQUIRE_FALSE(events[0].status);
  REQUIRE_FALSE(events[0].next_attempt);
  REQUIRE(events[1].seq == 3);
  REQUIRE(events[1].online == true);
  REQUIRE(events[1].reason.empty());
  REQUIRE_FALSE(check(outbox->published().events_after(0, 1)).at(0).online);  // action events leave it unset
  REQUIRE(check(outbox->published().last_seq()) == 3);
}

TEST_CASE("waiting says why a queued action is not on the wire", "[store][waiting]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const TimePoint now = wall_now();
  const TimePoint past = now - std::chrono::minutes(1);
  const TimePoint later = now + std::chrono::hours(1);
  const ActionId ready = make_id(1), head = make_id(2), behind = make_id(3), backing_off = make_id(4),
                 parked = make_id(5), parked_backing_off = make_id(6), behind_backing_off = make_id(7),
                 sent = make_id(8);
  write(*outbox, [&](WriteTxn& txn) {
    REQUIRE(check(txn.enqueue(request(), ready, past)).waiting == WaitReason::none);
    REQUIRE(check(txn.enqueue(request("T"), head, past)).waiting == WaitReason::none);
    REQUIRE(check(txn.enqueue(request("T"), behind, past)).waiting == WaitReason::tag);
    check(txn.enqueue(request(), backing_off, past));
    check(txn.mark_sending(backing_off, past));
    REQUIRE(check(txn.mark_retry(backing_off, http_error(), later, past)).waiting == WaitReason::backoff);
    check(txn.enqueue(request(), parked, past));
    REQUIRE(check(txn.park(parked, "a.example", past)).waiting == WaitReason::network);
    // network outranks backoff
    check(txn.enqueue(request(), parked_backing_off, past));
    check(txn.mark_sending(parked_backing_off, past));
    check(txn.mark_retry(parked_backing_off, http_error(), later, past));
    check(txn.park(parked_backing_off, "a.example", past));
    // tag outranks backoff: a failed action retried for later rejoins its tag behind the head
    check(txn.enqueue(request("U"), behind_backing_off, past));
    check(txn.mark_sending(behind_backing_off, past));
    check(txn.mark_failed(behind_backing_off, http_error(), past));
    check(txn.enqueue(request("U"), make_id(20), past));
    REQUIRE(check(txn.retry(behind_backing_off, later)).waiting == WaitReason::tag);
    check(txn.enqueue(request(), sent, past));
    check(txn.mark_sending(sent, past));
    REQUIRE(check(txn.mark_sent(sent, AttemptResult{200, {}, {}, {}}, past)).waiting == WaitReason::none);
  });

  std::map<ActionId, WaitReason> expected = {
      {ready, WaitReason::none},          {head, WaitReason::none},
      {behind, WaitReason::tag},          {backing_off, WaitReason::backoff},
      {parked, WaitReason::network},      {parked_backing_off, WaitReason::network},
      {behind_backing_off, WaitReason::tag}, {make_id(20), WaitReason::none},
      {sent, WaitReason::none},
  };
  auto require_all = [&](const std::map<ActionId, WaitReason>& want) {
    for (const auto& [id, reason] : want) {
      INFO("action " << id.to_string());
      REQUIRE(check(outbox->published().get(id))->waiting == reason);
    }
    proto::ListQuery q;
    q.limit = 3;  // several pages
    std::size_t seen = 0;
    for (;;) {
      auto page = check(outbox->published().list(q));
      for (const auto& a : page.actions) {
        INFO("listed action " << a.id.to_string());
        REQUIRE(a.waiting == want.at(a.id));
        ++seen;
      }
      if (!page.next) break;
      q.after = page.next;
    }
    REQUIRE(seen == want.size());
  };
  require_all(expected);

  // Paused outranks everything, for queued actions only.
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.set_paused(true));
    REQUIRE(check(txn.retry(ready, now)).waiting == WaitReason::paused);  // as the transaction sees it
  });
  std::map<ActionId, WaitReason> paused;
  for (const auto& [id, reason] : expected) paused[id] = id == sent ? WaitReason::none : WaitReason::paused;
  require_all(paused);

  write(*outbox, [&](WriteTxn& txn) { check(txn.set_paused(false)); });
  require_all(expected);
}

}  // namespace
}  // namespace bgsync::store::test
