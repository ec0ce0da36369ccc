// The bookkeeping behind Client::wait and AsyncClient::wait (client-lib/src/waiter.hpp), without a
// daemon: which subscription it asks for, what it reads, and what events and actions say of the
// outcome, `expired` included (a failed action whose error is exactly "expired").
#include "client-lib/src/waiter.hpp"

#include <catch2/catch.hpp>

namespace {

using bgsync::ActionState;
using bgsync::EventType;
using bgsync::WaitOutcome;
using bgsync::detail::Waiter;

const bgsync::ActionId a = *bgsync::ActionId::parse("0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a");
const bgsync::ActionId b = *bgsync::ActionId::parse("0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8b");

bgsync::Event event(const bgsync::ActionId& id, EventType type, std::uint64_t seq, std::string error = {}) {
  bgsync::Event e;
  e.id = id;
  e.type = type;
  e.seq = seq;
  e.error = std::move(error);
  return e;
}

bgsync::WaitTarget with_seq(const bgsync::ActionId& id, std::uint64_t seq) {
  bgsync::WaitTarget target(id);
  target.queued_seq = seq;
  return target;
}

}  // namespace

TEST_CASE("waiter: replays from the oldest queued seq, or reads every action when one is unknown", "[client][wait]") {
  const Waiter replay({with_seq(a, 12), with_seq(b, 7)});
  CHECK(replay.subscription().since == 6u);
  CHECK(replay.to_read(bgsync::SubscribeResult{1, 20, 1}).empty());       // the replay covers both
  CHECK(replay.to_read(bgsync::SubscribeResult{1, 20, 8}).size() == 2);   // b's queued event was pruned
  CHECK(replay.to_read(bgsync::SubscribeResult{1, 20, 0}).size() == 2);   // the whole log was

  const Waiter by_id({with_seq(a, 12), bgsync::WaitTarget(b)});
  CHECK(!by_id.subscription().since);
  CHECK(by_id.to_read(bgsync::SubscribeResult{1, 20, 1}).size() == 2);
}

TEST_CASE("waiter: the first final event or state counts, and expired is a failure named so", "[client][wait]") {
  Waiter waiter({bgsync::WaitTarget(a), bgsync::WaitTarget(b), bgsync::WaitTarget(a)});
  waiter.on_event(event(a, EventType::sending, 3));
  waiter.on_event(event(b, EventType::network, 4));  // no action: ignored
  CHECK(!waiter.done());
  CHECK(waiter.unfinished().size() == 2);

  auto failed = event(a, EventType::failed, 5, "expired");
  waiter.on_event(failed);
  waiter.on_event(event(a, EventType::queued, 6));  // retried by hand since: it had still ended
  bgsync::Action read;
  read.id = b;
  read.state = ActionState::failed;
  read.last_error = "HTTP 400 Bad Request";
  read.response_status = 400;
  waiter.on_action(read);
  REQUIRE(waiter.done());

  const auto results = waiter.results();
  REQUIRE(results.size() == 3);  // one per target, duplicates included, in order
  CHECK(results[0].outcome == WaitOutcome::expired);
  CHECK(results[0].state == ActionState::failed);
  CHECK(results[0].error == "expired");
  CHECK(results[0].seq == 5);
  CHECK(results[1].outcome == WaitOutcome::failed);
  CHECK(results[1].status == 400);
  CHECK(results[1].seq == 0);
  CHECK(results[2].id == a);
  CHECK(to_json(results[0]).at("outcome") == "expired");
  CHECK(bgsync::outcome_of(ActionState::failed, "expired: ttl") == WaitOutcome::failed);  // exactly "expired"
  CHECK(bgsync::outcome_of(ActionState::cancelled, "") == WaitOutcome::cancelled);
  CHECK(bgsync::outcome_of(ActionState::sending, "") == WaitOutcome::unfinished);
}
