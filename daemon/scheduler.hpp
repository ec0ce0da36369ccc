// The scheduler decides what leaves the machine and when. It reads the outbox's `due` index
// (queued heads of their tags, by next attempt time), sends up to `parallel` actions at once,
// records each outcome through the commit queue, and sleeps until the next action is due or
// something wakes it (an enqueue, a retry, a resume, a finished send).
//
// Each turn of its loop is a look (run -> look: which due actions to start, which to park, when
// to wake), then for what it started a send (attempt: HTTP request, send_attempt.hpp) and a
// record (the outcome, with the retry policy, through the commit queue). Whether sending may
// happen at all, and to where, is the SendGate's to say (paused, captive portals, reachability):
// an action whose destination is unreachable is not attempted but parked (Parking) until it is.
//
// An attempt is: mark `sending` (durable, attempt counted) -> HTTP request -> mark `sent`,
// `failed`, or `queued` again with a backoff. Both marks are group commits, so the scheduler keeps
// many more actions in flight (pipeline_depth, within a memory budget) than requests on the wire
// (`parallel`, SendSlots): a drain then costs a few fsyncs per batch of actions, not per action.
// If the daemon dies in between, the outbox finds the action in `sending` at start-up and queues
// it again: delivery is at-least-once, and every attempt of an action carries the same
// Idempotency-Key so servers can make it exactly-once.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/parking.hpp"
#include "daemon/retry_policy.hpp"
#include "daemon/send_attempt.hpp"
#include "daemon/send_slots.hpp"

namespace bgsync::store {
class Outbox;
class CommitQueue;
}  // namespace bgsync::store

namespace bgsync::net {
class NetworkWatcher;
}  // namespace bgsync::net

namespace bgsync::daemon {

class SendGate;

class Scheduler {
 public:
  Scheduler(boost::asio::any_io_executor executor, store::Outbox& outbox, store::CommitQueue& commits,
            http::Client& http, net::NetworkWatcher& network, SendGate& gate, RetryPolicy retry,
            std::size_t parallel);

  // Starts the loop (the gate is started first: it says whether sending is paused).
  void start();
  // Something may be due now: look again.
  void wake();
  // A new action was enqueued: look now, or, while enqueues stream in, at most once per 5 ms
  // (enqueue_look_spacing in scheduler.cpp). Each look first has the writer publish (an LMDB
  // commit with its own flush) and the next enqueue's ack waits behind that commit.
  void wake_soon();
  // From the NetworkWatcher after a (debounced) change; grew: some destination may have become
  // reachable. The gate records a `network` event when online/offline flipped.
  void network_changed(bool grew);
  // From the ConnectivityProbe after each check.
  void probe_checked(bool changed);
  // A reload: outcomes recorded from now on follow `retry`; `parallel` applies at once.
  void set_retry(const RetryPolicy& retry) { retry_ = retry; }
  void set_parallel(std::size_t parallel) {
    parallel_ = parallel;
    slots_.set_limit(parallel);
    wake();
  }
  // Stops the loop and aborts attempts on the wire; those stay `sending` in the outbox and are
  // queued again at the next start.
  void stop();
  std::size_t in_flight() const noexcept { return in_flight_.size(); }

 private:
  struct Starting {
    proto::ActionId id;
    std::size_t bytes;  // its record's size, counted in pipeline_bytes_
  };
  // What one look did: the actions it took in flight (their attempts are to start), whether to
  // look again at once, and when to wake otherwise.
  struct Look {
    std::vector<Starting> started;
    bool again = false;
    std::chrono::steady_clock::time_point wake_at = std::chrono::steady_clock::time_point::max();
  };
  // The due actions a look may take (due now, not already ours, within `room`), whether due ones
  // were left for want of room, and when the first one not yet due is.
  struct Candidates {
    std::vector<proto::ActionId> ids;
    bool more = false;
    std::chrono::steady_clock::time_point wake_at = std::chrono::steady_clock::time_point::max();
  };
  // The candidates sorted: taken in flight, or parked; over_budget: the byte budget stopped it.
  struct Admitted {
    std::vector<Starting> starting;
    bool parked = false;
    bool over_budget = false;
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<Look> look(std::size_t depth);
  Candidates candidates(const std::vector<store::DueEntry>& due, std::size_t room) const;
  Admitted admit(const std::vector<proto::ActionId>& ids, std::vector<std::optional<store::ActionRoute>>& routes);
  // Marks a look's actions `sending`, then runs each one's attempt with its marked record (or
  // the error that stopped it).
  boost::asio::awaitable<void> start_attempts(std::vector<Starting> starting);
  boost::asio::awaitable<void> attempt(proto::ActionId id, std::size_t bytes, proto::Result<proto::Action> marked);
  // The HTTP request of a marked action, holding `slot` until the answer; nullopt when stopped.
  class HeldSlot;
  boost::asio::awaitable<std::optional<AttemptOutcome>> send(proto::Action& action, const std::string& id_text,
                                                             HeldSlot& slot);
  // Records the outcome; a storage error (disk full) must not lose it: keeps trying, slowly.
  boost::asio::awaitable<void> record(proto::ActionId id, const std::string& id_text, AttemptOutcome outcome);
  // Actions between due and recorded at most; enough that each group commit carries many.
  std::size_t pipeline_depth() const noexcept;

  boost::asio::any_io_executor executor_;
  store::Outbox& outbox_;
  store::CommitQueue& commits_;
  http::Client& http_;
  SendGate& gate_;
  Parking parking_;
  RetryPolicy retry_;
  std::size_t parallel_;
  SendSlots slots_;  // requests on the wire
  boost::asio::steady_timer timer_;
  bool stopping_ = false;
  bool woken_ = false;  // wake() came while the loop was not waiting on timer_
  bool soon_ = false;   // wake_soon() came during a look: sleep no later than the next spacing
  // The last look left due actions for want of room in the pipeline: a finished send looks again.
  bool room_limited_ = false;
  std::chrono::steady_clock::time_point last_look_{};
  std::mt19937_64 rng_;
  // Actions between the decision to send and the recorded outcome, with the signal their attempt
  // is spawned with: stop() aborts what it awaits (a request slot, the request, a pause).
  std::map<proto::ActionId, std::shared_ptr<boost::asio::cancellation_signal>> in_flight_;
  // Their records' sizes: beyond --parallel actions, the pipeline admits more only within
  // max_pipeline_bytes, so that a queue of large bodies does not sit in memory 1024 at a time.
  std::size_t pipeline_bytes_ = 0;
  static constexpr std::size_t max_pipeline_bytes = 32 * 1024 * 1024;
};

}  // namespace bgsync::daemon
