// The commit queue's publish rule (daemon/store/publish_policy.hpp), one trigger at a time: what
// publishes (size, age, idle, a waiting reader, stopping), what does not, the hold after a failed
// publish (which a waiting reader respects and size and stopping do not), and when to wake.
#include "daemon/store/publish_policy.hpp"

#include <catch2/catch.hpp>

namespace bgsync::store::test {
namespace {

using namespace std::chrono_literals;
using P = PublishPolicy;
using T = PublishState::TimePoint;

const T t0 = T{} + 1000s;  // clear of the zero time_point, which means "no retry hold"

// One unpublished batch, small, journaled at t0 and the last to run; the queue not idle, no
// reader, not stopping: nothing publishes it but time.
PublishState one_batch() {
  PublishState s;
  s.unpublished = 1;
  s.unpublished_bytes = 100;
  s.first_unpublished = t0;
  s.last_batch = t0;
  return s;
}

// As one_batch(), after a publish that failed at `failed`.
PublishState after_failed_publish(T failed) {
  PublishState s = one_batch();
  s.retry_not_before = failed + P::retry;
  return s;
}

TEST_CASE("publish policy: the values", "[store][publish_policy]") {
  CHECK(P::idle == 10ms);
  CHECK(P::max_age == 250ms);
  CHECK(P::max_bytes == std::size_t{1} << 20);
  CHECK(P::retry == 100ms);
}

TEST_CASE("publish policy: nothing unpublished never publishes, and waits for work", "[store][publish_policy]") {
  PublishState s;
  s.unpublished_bytes = P::max_bytes;  // bytes of no batch: not counted
  s.idle = true;
  s.readers_waiting = true;
  s.stopping = true;
  CHECK_FALSE(P::publish_now(s, t0 + 1h));
  CHECK_FALSE(P::wake_at(s));
}

TEST_CASE("publish policy: a fresh batch alone does not publish", "[store][publish_policy]") {
  CHECK_FALSE(P::publish_now(one_batch(), t0));
  CHECK_FALSE(P::publish_now(one_batch(), t0 + P::max_age - 1ms));
}

TEST_CASE("publish policy: size", "[store][publish_policy]") {
  auto s = one_batch();
  s.unpublished_bytes = P::max_bytes - 1;
  CHECK_FALSE(P::publish_now(s, t0));
  s.unpublished_bytes = P::max_bytes;
  CHECK(P::publish_now(s, t0));
}

TEST_CASE("publish policy: age, idle or not", "[store][publish_policy]") {
  auto s = one_batch();
  s.last_batch = t0 + 240ms;  // batches kept coming: never idle long
  CHECK_FALSE(P::publish_now(s, t0 + P::max_age - 1ms));
  CHECK(P::publish_now(s, t0 + P::max_age));
}

TEST_CASE("publish policy: idle since the last batch", "[store][publish_policy]") {
  auto s = one_batch();
  s.last_batch = t0 + 50ms;
  s.idle = true;
  CHECK_FALSE(P::publish_now(s, t0 + 50ms + P::idle - 1ms));
  CHECK(P::publish_now(s, t0 + 50ms + P::idle));
  // Work queued behind the last batch: not idle, however long ago it ran.
  s.idle = false;
  CHECK_FALSE(P::publish_now(s, t0 + 50ms + P::idle));
}

TEST_CASE("publish policy: a waiting reader publishes at once", "[store][publish_policy]") {
  auto s = one_batch();
  s.readers_waiting = true;
  CHECK(P::publish_now(s, t0));
}

TEST_CASE("publish policy: stopping publishes at once", "[store][publish_policy]") {
  auto s = one_batch();
  s.stopping = true;
  CHECK(P::publish_now(s, t0));
}

TEST_CASE("publish policy: after a failed publish, readers, age and idle wait for the retry time",
          "[store][publish_policy]") {
  const T failed = t0 + P::max_age;
  auto s = after_failed_publish(failed);
  s.readers_waiting = true;
  s.idle = true;
  CHECK_FALSE(P::publish_now(s, failed));
  CHECK_FALSE(P::publish_now(s, failed + P::retry - 1ms));
  CHECK(P::publish_now(s, failed + P::retry));
  // Each trigger alone, at the retry time.
  auto reader = after_failed_publish(failed);
  reader.readers_waiting = true;
  reader.first_unpublished = failed;  // not old
  CHECK_FALSE(P::publish_now(reader, failed + P::retry - 1ms));
  CHECK(P::publish_now(reader, failed + P::retry));
  auto old = after_failed_publish(failed);
  old.last_batch = failed + P::retry;  // not idle long, and not idle anyway
  CHECK_FALSE(P::publish_now(old, failed + P::retry - 1ms));
  CHECK(P::publish_now(old, failed + P::retry));
}

TEST_CASE("publish policy: after a failed publish, size and stopping do not wait", "[store][publish_policy]") {
  const T failed = t0;
  auto big = after_failed_publish(failed);
  big.unpublished_bytes = P::max_bytes;
  CHECK(P::publish_now(big, failed));
  auto stop = after_failed_publish(failed);
  stop.stopping = true;
  CHECK(P::publish_now(stop, failed));
}

TEST_CASE("publish policy: the writer wakes at the idle bound, the age bound, or the retry time", "[store][publish_policy]") {
  auto s = one_batch();
  // Just ran: idle bound first.
  CHECK(P::wake_at(s) == t0 + P::idle);
  // Batches kept coming until near the age bound: the age bound first.
  s.last_batch = t0 + P::max_age - 5ms;
  CHECK(P::wake_at(s) == t0 + P::max_age);
  // A failed publish holds both until the retry time.
  s.retry_not_before = t0 + P::max_age + P::retry;
  CHECK(P::wake_at(s) == t0 + P::max_age + P::retry);
  // At each wake time (with the queue idle), the rule publishes: the writer never wakes for nothing.
  for (const auto& w : {one_batch(), s}) {
    auto idle = w;
    idle.idle = true;
    REQUIRE(P::wake_at(idle));
    CHECK_FALSE(P::publish_now(idle, *P::wake_at(idle) - 1ms));
    CHECK(P::publish_now(idle, *P::wake_at(idle)));
  }
}

}  // namespace
}  // namespace bgsync::store::test
