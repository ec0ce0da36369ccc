// When the commit queue's writer publishes (the LMDB commit that lets readers see journaled
// batches), as a pure function of what is unpublished, the clock and who waits: kept apart from
// the writer thread so that each trigger can be tested on its own (tests/store/publish_policy_test).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

namespace bgsync::store {

// What the writer knows when it decides. Times are of its steady clock.
struct PublishState {
  using TimePoint = std::chrono::steady_clock::time_point;
  std::size_t unpublished = 0;        // batches journaled but not yet published
  std::size_t unpublished_bytes = 0;  // what they wrote
  TimePoint first_unpublished{};      // when the oldest of them was journaled
  TimePoint last_batch{};             // when the last batch (published or not) ran
  TimePoint retry_not_before{};       // after a failed publish: no retry before this
  bool idle = false;                  // nothing queued behind the batch just run
  bool readers_waiting = false;       // a visible() caller waits for the next publish
  bool stopping = false;              // stop() was called and the queue is drained
};

// A reader that must see the batches asks through visible() and is not held to the idle and age
// bounds; otherwise batches are published once the writer has been idle a while, and at the
// latest this old or this large. A publish is an LMDB commit with its own flush (about a
// millisecond), and a job that arrives meanwhile waits for it, so in a steady stream of enqueues
// each publish delays the next ack: rare publishes keep that out of the ack latency's tail
// (docs/performance.md, "Publishing to LMDB"). The byte bound keeps a fast stream's pending
// LMDB pages, and what publish() rebuilds after an error, about as small as they were with
// publishes every 20 ms. After a failed publish, readers and the time bounds wait for the retry
// time; the byte bound and stopping do not.
struct PublishPolicy {
  using TimePoint = PublishState::TimePoint;
  static constexpr std::chrono::milliseconds idle{10};
  static constexpr std::chrono::milliseconds max_age{250};
  static constexpr std::size_t max_bytes = std::size_t{1} << 20;
  static constexpr std::chrono::milliseconds retry{100};

  // Whether to publish now.
  static bool publish_now(const PublishState& state, TimePoint now) noexcept;
  // When to look again if no work arrives: nullopt when nothing is unpublished (wait for work).
  // Checked with publish_now() then; a time already past means at once.
  static std::optional<TimePoint> wake_at(const PublishState& state) noexcept;
};

}  // namespace bgsync::store
