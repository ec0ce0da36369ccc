// The due index and per-tag ordering: only tag heads and untagged actions are due, a finished
// or cancelled head lets the next one go, and due() is ordered by (next_attempt, enqueue order).
#include "daemon/store/outbox.hpp"

#include <string>

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;
using proto::errc;

AttemptResult ok() { return AttemptResult{200, {}, "ok", {}}; }
AttemptResult not_found() { return AttemptResult{404, {}, {}, "HTTP 404"}; }

void send(Outbox& outbox, const ActionId& id, bool succeed = true) {
  write(outbox, [&](WriteTxn& txn) {
    check(txn.mark_sending(id, at(t0 + 1)));
    if (succeed) {
      check(txn.mark_sent(id, ok(), at(t0 + 2)));
    } else {
      check(txn.mark_failed(id, not_found(), at(t0 + 2)));
    }
  });
}

TEST_CASE("one action per tag is due, in enqueue order", "[store][due]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId a1 = make_id(1), b1 = make_id(2), u1 = make_id(3), a2 = make_id(4), b2 = make_id(5),
                 u2 = make_id(6), a3 = make_id(7);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("A"), a1, at(t0)));
    check(txn.enqueue(request("B"), b1, at(t0)));
    check(txn.enqueue(request(""), u1, at(t0)));
    check(txn.enqueue(request("A"), a2, at(t0)));
    check(txn.enqueue(request("B"), b2, at(t0)));
    check(txn.enqueue(request(""), u2, at(t0)));
    check(txn.enqueue(request("A"), a3, at(t0)));
  });
  REQUIRE(due_ids(*outbox) == std::vector{a1, b1, u1, u2});

  write(*outbox, [&](WriteTxn& txn) {
    auto blocked = txn.mark_sending(a2, at(t0));
    REQUIRE(blocked.error().code == errc::bad_state);
    REQUIRE_FALSE(txn.poisoned());
  });

  send(*outbox, a1);  // sent head: the next of its tag becomes due
  REQUIRE(due_ids(*outbox) == std::vector{b1, u1, a2, u2});

  send(*outbox, b1, false);  // a failed head lets the next go too
  REQUIRE(due_ids(*outbox) == std::vector{u1, a2, b2, u2});

  write(*outbox, [&](WriteTxn& txn) {  // cancelling a queued head promotes the next
    check(txn.cancel(proto::CancelArgs{a2, std::nullopt}, at(t0 + 3)));
  });
  REQUIRE(due_ids(*outbox) == std::vector{u1, b2, u2, a3});

  const ActionId a4 = make_id(8), a5 = make_id(9);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("A"), a4, at(t0)));
    check(txn.enqueue(request("A"), a5, at(t0)));
    // cancelling one that is not the head leaves the head alone
    check(txn.cancel(proto::CancelArgs{a4, std::nullopt}, at(t0 + 3)));
  });
  REQUIRE(due_ids(*outbox) == std::vector{u1, b2, u2, a3});

  write(*outbox, [&](WriteTxn& txn) {
    check(txn.mark_sending(a3, at(t0 + 4)));
    auto cancelled = check(txn.cancel(proto::CancelArgs{std::nullopt, std::string("A")}, at(t0 + 5)));
    REQUIRE(cancelled.size() == 2);  // the sending head and a5, in order
    REQUIRE(cancelled[0].id == a3);
    REQUIRE(cancelled[1].id == a5);
    REQUIRE(check(txn.cancel(proto::CancelArgs{std::nullopt, std::string("A")}, at(t0 + 5))).empty());
    REQUIRE(check(txn.cancel(proto::CancelArgs{std::nullopt, std::string("nothing")}, at(t0 + 5))).empty());
  });
  REQUIRE(due_ids(*outbox) == std::vector{u1, b2, u2});
  auto counts = check(outbox->published().counts());
  REQUIRE(counts[ActionState::queued] == 3);
  REQUIRE(counts[ActionState::sending] == 0);
  REQUIRE(counts[ActionState::sent] == 1);
  REQUIRE(counts[ActionState::failed] == 1);
  REQUIRE(counts[ActionState::cancelled] == 4);
  require_counts_match(*outbox);

  outbox.reset();
  outbox = open_outbox(dir.path());
  REQUIRE(check(outbox->published().counts()).by_state == counts.by_state);
  REQUIRE(due_ids(*outbox) == std::vector{u1, b2, u2});
  require_counts_match(*outbox);
}

TEST_CASE("a retried action rejoins its tag at the tail", "[store][due]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId c1 = make_id(1), c2 = make_id(2), c3 = make_id(3);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("C"), c1, at(t0)));
    check(txn.enqueue(request("C"), c2, at(t0)));
  });
  send(*outbox, c1, false);
  REQUIRE(due_ids(*outbox) == std::vector{c2});
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("C"), c3, at(t0)));
    check(txn.retry(c1, at(t0 + 1)));  // behind c3, though its id is older
  });
  REQUIRE(due_ids(*outbox) == std::vector{c2});
  send(*outbox, c2);
  REQUIRE(due_ids(*outbox) == std::vector{c3});
  send(*outbox, c3);
  REQUIRE(due_ids(*outbox) == std::vector{c1});

  // With its tag empty, a retried action is due at once.
  send(*outbox, c1, false);
  REQUIRE(due_ids(*outbox).empty());
  write(*outbox, [&](WriteTxn& txn) { check(txn.retry(c1, at(t0 + 9))); });
  REQUIRE(check(outbox->published().due(5)).at(0).next_attempt == at(t0 + 9));
  require_counts_match(*outbox);
}

TEST_CASE("due is ordered by next attempt, then enqueue order", "[store][due]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId u1 = make_id(1), u2 = make_id(2), u3 = make_id(3), t1 = make_id(4);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request(), u1, at(t0)));
    check(txn.enqueue(request(), u2, at(t0)));
    check(txn.enqueue(request(), u3, at(t0)));
    check(txn.enqueue(request("T"), t1, at(t0)));
  });
  REQUIRE(due_ids(*outbox) == std::vector{u1, u2, u3, t1});
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.mark_sending(u1, at(t0)));
    check(txn.mark_retry(u1, AttemptResult{503, {}, {}, "HTTP 503"}, at(t0 + 30'000), at(t0)));
    check(txn.mark_sending(t1, at(t0)));
    check(txn.mark_retry(t1, AttemptResult{std::nullopt, {}, {}, "timeout"}, at(t0 + 10'000), at(t0)));
  });
  REQUIRE(due_ids(*outbox) == std::vector{u2, u3, t1, u1});
  auto due = check(outbox->published().due(2));
  REQUIRE(due.size() == 2);
  REQUIRE(due[0].next_attempt == at(t0));
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.mark_sending(u3, at(t0)));
    check(txn.mark_retry(u3, AttemptResult{}, at(t0 - 5), at(t0)));  // a clock step back still sorts
  });
  REQUIRE(due_ids(*outbox) == std::vector{u3, u2, t1, u1});
}

TEST_CASE("100,000 actions across 1,000 tags: due() returns the heads", "[store][due][scale]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  constexpr std::uint64_t total = 100'000;
  constexpr std::uint64_t tags = 1'000;
  const proto::EnqueueRequest base = request("", "bulk", "x");
  for (std::uint64_t start = 1; start <= total; start += 10'000) {
    write(*outbox, [&](WriteTxn& txn) {
      proto::EnqueueRequest r = base;
      for (std::uint64_t i = start; i < start + 10'000; ++i) {
        r.tag = "tag-" + std::to_string(i % tags);
        check(txn.enqueue(r, make_id(i), at(t0)));
      }
    });
  }
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == total);
  std::vector<ActionId> expected;
  for (std::uint64_t i = 1; i <= 16; ++i) expected.push_back(make_id(i));
  REQUIRE(due_ids(*outbox, 16) == expected);
  REQUIRE(check(outbox->published().due(5'000)).size() == tags);

  send(*outbox, make_id(1));  // tag-1's next is id 1001, after every other head
  auto heads = check(outbox->published().due(tags));
  REQUIRE(heads.size() == tags);
  REQUIRE(heads.front().id == make_id(2));
  REQUIRE(heads.back().id == make_id(tags + 1));
  REQUIRE(check(outbox->published().last_seq()) == total + 2);
  require_counts_match(*outbox);
}

}  // namespace
}  // namespace bgsync::store::test
