// Parking: actions waiting for the network, per destination. park/unpark keep order and honour
// max, parked actions leave due but stay queued (and keep blocking their tag), cancel/retry/
// mark_sending treat them right, parked_destinations skips, and parking survives restarts.
#include "daemon/store/outbox.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;
using proto::errc;
using proto::WaitReason;

const std::string a_host = "a.example";
const std::string b_host = "b.example";

WaitReason waiting(const Outbox& outbox, const ActionId& id) { return check(outbox.published().get(id))->waiting; }

TEST_CASE("park and unpark keep enqueue order and honour max", "[store][parking]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId u1 = make_id(1), u2 = make_id(2), u3 = make_id(3), u4 = make_id(4), u5 = make_id(5);
  write(*outbox, [&](WriteTxn& txn) {
    for (const auto& id : {u1, u2, u3, u4, u5}) check(txn.enqueue(request(), id, at(t0)));
  });
  write(*outbox, [&](WriteTxn& txn) {
    // Parked in an order unlike their enqueue order: unpark still goes by enqueue order.
    for (const auto& id : {u5, u1, u3}) {
      auto a = check(txn.park(id, a_host, at(t0 + 7)));
      REQUIRE(a.state == ActionState::queued);
      REQUIRE(a.waiting == WaitReason::network);
      REQUIRE(a.updated == at(t0));  // parking is no event, so `updated` stays
      REQUIRE(a.next_attempt == at(t0));
    }
    check(txn.park(u2, b_host, at(t0 + 7)));
    REQUIRE(txn.events().empty());
  });
  REQUIRE(due_ids(*outbox) == std::vector{u4});
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host, b_host});
  REQUIRE(waiting(*outbox, u1) == WaitReason::network);
  REQUIRE(waiting(*outbox, u4) == WaitReason::none);
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == 5);
  require_counts_match(*outbox);

  write(*outbox, [&](WriteTxn& txn) {
    REQUIRE(check(txn.unpark(a_host, at(t0 + 8), 2)) == 2);
    REQUIRE(txn.events().empty());
  });
  REQUIRE(due_ids(*outbox) == std::vector{u1, u3, u4});  // back with their own next_attempt
  REQUIRE(check(outbox->published().get(u1))->updated == at(t0));
  REQUIRE(waiting(*outbox, u1) == WaitReason::none);
  REQUIRE(waiting(*outbox, u5) == WaitReason::network);
  write(*outbox, [&](WriteTxn& txn) {
    REQUIRE(check(txn.unpark(a_host, at(t0 + 8), 10)) == 1);
    REQUIRE(check(txn.unpark(a_host, at(t0 + 8), 10)) == 0);
    REQUIRE(check(txn.unpark("nowhere.example", at(t0 + 8), 10)) == 0);
    REQUIRE(check(txn.unpark(b_host, at(t0 + 8), 0)) == 0);
  });
  REQUIRE(due_ids(*outbox) == std::vector{u1, u3, u4, u5});
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{b_host});

  // An unparked action is an ordinary one again: it can be parked anew and sent.
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.park(u1, b_host, at(t0 + 9)));
    REQUIRE(check(txn.unpark(b_host, at(t0 + 9), 100)) == 2);
    check(txn.mark_sending(u2, at(t0 + 9)));
    check(txn.mark_sent(u2, AttemptResult{200, {}, {}, {}}, at(t0 + 10)));
  });
  REQUIRE(due_ids(*outbox) == std::vector{u1, u3, u4, u5});
  REQUIRE(check(outbox->published().parked_destinations()).empty());
  require_counts_match(*outbox);
}

TEST_CASE("park refuses what it cannot park, writing nothing", "[store][parking]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId h = make_id(1), n = make_id(2), s = make_id(3), done = make_id(4);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("T"), h, at(t0)));
    check(txn.enqueue(request("T"), n, at(t0)));
    check(txn.enqueue(request(), s, at(t0)));
    check(txn.enqueue(request(), done, at(t0)));
    check(txn.mark_sending(s, at(t0)));
    check(txn.mark_sending(done, at(t0)));
    check(txn.mark_sent(done, AttemptResult{200, {}, {}, {}}, at(t0)));
    check(txn.park(h, a_host, at(t0)));
  });
  write(*outbox, [&](WriteTxn& txn) {
    REQUIRE(txn.park(make_id(9), a_host, at(t0)).error().code == errc::not_found);
    REQUIRE(txn.park(h, a_host, at(t0)).error().code == errc::bad_state);     // already parked
    REQUIRE(txn.park(h, b_host, at(t0)).error().code == errc::bad_state);
    REQUIRE(txn.park(n, a_host, at(t0)).error().code == errc::bad_state);     // behind its head
    REQUIRE(txn.park(s, a_host, at(t0)).error().code == errc::bad_state);     // sending
    REQUIRE(txn.park(done, a_host, at(t0)).error().code == errc::bad_state);  // sent
    REQUIRE(txn.park(n, "", at(t0)).error().code == errc::bad_field);
    REQUIRE(txn.park(n, std::string("a\0b", 3), at(t0)).error().code == errc::bad_field);
    REQUIRE(txn.park(n, std::string(max_destination_size + 1, 'x'), at(t0)).error().code == errc::bad_field);
    REQUIRE(txn.unpark("", at(t0), 10).error().code == errc::bad_field);
    REQUIRE(txn.unpark(std::string("a\0", 2), at(t0), 10).error().code == errc::bad_field);
    auto msg = txn.park(n, a_host, at(t0)).error().message;
    INFO(msg);
    REQUIRE(msg.find("behind the head of its tag \"T\"") != std::string::npos);
    REQUIRE_FALSE(txn.poisoned());
    REQUIRE(txn.events().empty());
  });
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host});
  // The longest destination allowed is fine.
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.unpark(a_host, at(t0), 10));
    check(txn.park(h, std::string(max_destination_size, 'x'), at(t0)));
  });
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{std::string(max_destination_size, 'x')});
}

TEST_CASE("parked_destinations lists each destination once, in byte order", "[store][parking]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  // Prefixes of one another and a byte below and above NUL's neighbours: seeking past one
  // destination must land exactly on the next.
  const std::vector<std::string> hosts = {"a", "a\x01", "a\x01z", "a.b", "ab", "b", "\xff"};
  std::uint64_t n = 0;
  write(*outbox, [&](WriteTxn& txn) {
    for (int round = 0; round < 3; ++round) {
      for (const auto& host : hosts) {
        ++n;
        check(txn.enqueue(request(), make_id(n), at(t0)));
        check(txn.park(make_id(n), host, at(t0)));
      }
    }
  });
  REQUIRE(check(outbox->published().parked_destinations()) == hosts);
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.unpark("a\x01", at(t0), 100)) == 3); });
  REQUIRE(check(outbox->published().parked_destinations()) ==
          std::vector<std::string>{"a", "a\x01z", "a.b", "ab", "b", "\xff"});
  REQUIRE(check(outbox->published().due(100)).size() == 3);
}

TEST_CASE("a parked head keeps blocking its tag", "[store][parking]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId h = make_id(1), n1 = make_id(2), n2 = make_id(3);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("T"), h, at(t0)));
    check(txn.enqueue(request("T"), n1, at(t0)));
    check(txn.enqueue(request("T"), n2, at(t0)));
    check(txn.park(h, a_host, at(t0)));
  });
  REQUIRE(due_ids(*outbox).empty());
  REQUIRE(waiting(*outbox, h) == WaitReason::network);
  REQUIRE(waiting(*outbox, n1) == WaitReason::tag);
  write(*outbox, [&](WriteTxn& txn) {
    auto parked = txn.mark_sending(h, at(t0));
    REQUIRE(parked.error().code == errc::bad_state);
    INFO(parked.error().message);
    REQUIRE(parked.error().message.find("parked") != std::string::npos);
    REQUIRE(txn.mark_sending(n1, at(t0)).error().code == errc::bad_state);
    REQUIRE_FALSE(txn.poisoned());
  });
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.unpark(a_host, at(t0), 10)) == 1); });
  REQUIRE(due_ids(*outbox) == std::vector{h});
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.mark_sending(h, at(t0 + 1)));
    check(txn.mark_sent(h, AttemptResult{200, {}, {}, {}}, at(t0 + 2)));
  });
  REQUIRE(due_ids(*outbox) == std::vector{n1});
}

TEST_CASE("cancelling a parked head lets the next of its tag go, unparked", "[store][parking]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId h = make_id(1), n1 = make_id(2), n2 = make_id(3), u = make_id(4);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request("T"), h, at(t0)));
    check(txn.enqueue(request("T"), n1, at(t0)));
    check(txn.enqueue(request("T"), n2, at(t0)));
    check(txn.enqueue(request(), u, at(t0)));
    check(txn.park(h, a_host, at(t0)));
    check(txn.park(u, a_host, at(t0)));
  });

  SECTION("one by one") {
    write(*outbox, [&](WriteTxn& txn) {
      auto c = check(txn.cancel(proto::CancelArgs{h, std::nullopt}, at(t0 + 1)));
      REQUIRE(c.at(0).state == ActionState::cancelled);
      REQUIRE(c.at(0).waiting == WaitReason::none);
    });
    REQUIRE(due_ids(*outbox) == std::vector{n1});  // the daemon parks it again if need be
    REQUIRE(waiting(*outbox, n1) == WaitReason::none);
    REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host});
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.cancel(proto::CancelArgs{u, std::nullopt}, at(t0 + 1)));
      // Nothing of theirs is left in parked: unpark finds nothing.
      REQUIRE(check(txn.unpark(a_host, at(t0 + 1), 10)) == 0);
    });
    REQUIRE(check(outbox->published().parked_destinations()).empty());
    // A cancelled action retried is queued afresh, not parked.
    write(*outbox, [&](WriteTxn& txn) {
      auto r = check(txn.retry(u, at(t0 + 2)));
      REQUIRE(r.waiting == WaitReason::none);
    });
    REQUIRE(due_ids(*outbox) == std::vector{n1, u});
  }

  SECTION("by tag") {
    write(*outbox, [&](WriteTxn& txn) {
      auto c = check(txn.cancel(proto::CancelArgs{std::nullopt, std::string("T")}, at(t0 + 1)));
      REQUIRE(c.size() == 3);
      REQUIRE(c[0].id == h);
      REQUIRE(c[1].id == n1);
      REQUIRE(c[2].id == n2);
    });
    REQUIRE(due_ids(*outbox).empty());
    REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host});  // u is still parked
    write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.unpark(a_host, at(t0 + 1), 10)) == 1); });
    REQUIRE(due_ids(*outbox) == std::vector{u});
  }
  require_counts_match(*outbox);
}

TEST_CASE("retry leaves a parked action parked", "[store][parking]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  const ActionId a = make_id(1);
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.enqueue(request(), a, at(t0)));
    check(txn.park(a, a_host, at(t0)));
  });
  write(*outbox, [&](WriteTxn& txn) {
    auto r = check(txn.retry(a, at(t0 + 5)));
    REQUIRE(r.state == ActionState::queued);
    REQUIRE(r.waiting == WaitReason::network);
    REQUIRE(r.updated == at(t0));
    REQUIRE(txn.events().empty());
  });
  REQUIRE(due_ids(*outbox).empty());
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host});
  REQUIRE(waiting(*outbox, a) == WaitReason::network);
}

TEST_CASE("parking survives a restart and a crash", "[store][parking][recovery]") {
  TempDir dir;
  const ActionId p1 = make_id(1), p2 = make_id(2), s = make_id(3), lost = make_id(4);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No Catch2 here: report by exit code, and die without closing anything.
    auto outbox = Outbox::open(OutboxOptions{dir.path(), std::size_t{1} << 30});
    if (!outbox) ::_exit(2);
    WriteTxn txn(**outbox);
    if (!txn.enqueue(request("T"), p1, at(t0)) || !txn.enqueue(request(), p2, at(t0)) ||
        !txn.enqueue(request(), s, at(t0)) || !txn.enqueue(request(), lost, at(t0)) ||
        !txn.park(p1, a_host, at(t0)) || !txn.park(p2, b_host, at(t0)) || !txn.mark_sending(s, at(t0)) ||
        !txn.commit()) {
      ::_exit(3);
    }
    WriteTxn pending(**outbox);  // never committed
    if (!pending.park(lost, a_host, at(t0))) ::_exit(4);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  auto outbox = open_outbox(dir.path());
  REQUIRE(outbox->recovered() == 1);  // s; the parked ones are queued and stay as they were
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host, b_host});
  REQUIRE(waiting(*outbox, p1) == WaitReason::network);
  REQUIRE(waiting(*outbox, p2) == WaitReason::network);
  auto due = due_ids(*outbox);
  REQUIRE(std::set(due.begin(), due.end()) == std::set{lost, s});

  outbox.reset();
  outbox = open_outbox(dir.path());
  REQUIRE(outbox->recovered() == 0);
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host, b_host});
  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.unpark(b_host, at(t0 + 1), 10)) == 1); });
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector{a_host});
  due = due_ids(*outbox);
  REQUIRE(std::set(due.begin(), due.end()) == std::set{p2, lost, s});
  require_counts_match(*outbox);
}

TEST_CASE("100,000 actions parked across 10 destinations", "[store][parking][scale]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  constexpr std::uint64_t total = 100'000;
  constexpr std::uint64_t destinations = 10;
  auto host = [](std::uint64_t i) { return "host-" + std::to_string(i % destinations) + ".example"; };
  const proto::EnqueueRequest r = request("", "bulk", "x");
  for (std::uint64_t start = 1; start <= total; start += 10'000) {
    write(*outbox, [&](WriteTxn& txn) {
      for (std::uint64_t i = start; i < start + 10'000; ++i) {
        check(txn.enqueue(r, make_id(i), at(t0)));
        check(txn.park(make_id(i), host(i), at(t0)));
      }
    });
  }
  REQUIRE(check(outbox->published().due(10)).empty());
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == total);
  auto hosts = check(outbox->published().parked_destinations());
  REQUIRE(hosts.size() == destinations);
  REQUIRE(hosts.front() == "host-0.example");

  write(*outbox, [&](WriteTxn& txn) { REQUIRE(check(txn.unpark(host(3), at(t0), total)) == total / destinations); });
  auto due = check(outbox->published().due(total));
  REQUIRE(due.size() == total / destinations);
  REQUIRE(due.front().id == make_id(3));
  REQUIRE(due.back().id == make_id(total - 7));
  REQUIRE(check(outbox->published().parked_destinations()).size() == destinations - 1);
}

}  // namespace
}  // namespace bgsync::store::test
