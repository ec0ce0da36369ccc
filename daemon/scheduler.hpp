// The scheduler decides what leaves the machine and when. It reads the outbox's `due` index
// (queued heads of their tags, by next attempt time), sends up to `parallel` actions at once,
// records each outcome through the commit queue, and sleeps until the next action is due or
// something wakes it (an enqueue, a retry, a resume, a finished send).
//
// Reachability comes first: an action whose destination the NetworkWatcher says is unreachable
// is not attempted (no attempt or backoff burned) but parked in the outbox under its destination.
// When the network grows, parked destinations that became reachable are released at once and
// actions backing off after network errors are made due now: walking out of the lift should not
// mean sitting out a five-minute backoff. A parked host name is looked up (HostLearner) so that
// its addresses, not the default route, decide: a VPN-only host goes out when its route is up.
//
// With a connectivity probe configured, a captive portal holds every destination but loopback,
// and so does a network gain until the probe has looked at the new network: an action sent into
// a portal is answered by the portal (a redirect, a login page), not by its server.
//
// An attempt is: mark `sending` (durable, attempt counted) -> HTTP request -> mark `sent`,
// `failed`, or `queued` again with a backoff. Both marks are group commits, so the scheduler keeps
// many more actions in flight (pipeline_depth, within a memory budget) than requests on the wire
// (`parallel`, SendSlots): a drain then costs a few fsyncs per batch of actions, not per action. If the daemon dies in between, the outbox finds the
// action in `sending` at start-up and queues it again: delivery is at-least-once, and every
// attempt of an action carries the same Idempotency-Key so servers can make it exactly-once.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/net/host_learner.hpp"
#include "daemon/net/network_watcher.hpp"
#include "daemon/retry_policy.hpp"
#include "daemon/send_slots.hpp"

namespace bgsync::store {
class Outbox;
class CommitQueue;
}  // namespace bgsync::store

namespace bgsync::daemon {

class ConnectivityProbe;

class Scheduler {
 public:
  Scheduler(boost::asio::any_io_executor executor, store::Outbox& outbox, store::CommitQueue& commits,
            http::Client& http, net::NetworkWatcher& network, ConnectivityProbe& probe, RetryPolicy retry,
            std::size_t parallel);

  void start(bool paused);
  // Something may be due now: look again.
  void wake();
  // A new action was enqueued: look now, or, while enqueues stream in, at most once per 5 ms
  // (enqueue_look_spacing in scheduler.cpp). Each look first has the writer publish (an LMDB
  // commit with its own flush) and the next enqueue's ack waits behind that commit.
  void wake_soon();
  // From the NetworkWatcher after a (debounced) change; grew: some destination may have become
  // reachable. Records a `network` event when online/offline flipped.
  void network_changed(bool grew);
  // From the ConnectivityProbe after each check.
  void probe_checked(bool changed);
  // Whether actions to the internet can go, and why not: the network's default route, then the
  // probe. Since when: set at start() and at each flip (the `network` events).
  net::Reachability connectivity() const;
  std::chrono::system_clock::time_point online_since() const noexcept { return online_since_; }
  // The network's verdict on `destination`, overruled by the probe for all but loopback (periodic
  // sync asks too).
  net::Reachability reach(const std::string& destination) const;
  // While paused nothing is sent; attempts already on the wire finish.
  void set_paused(bool paused);
  bool paused() const noexcept { return paused_; }
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
  boost::asio::awaitable<void> run();
  struct Starting {
    proto::ActionId id;
    std::size_t bytes;  // its record's size, counted in pipeline_bytes_
  };
  // Marks a look's actions `sending`, then runs each one's attempt with its marked record (or
  // the error that stopped it).
  boost::asio::awaitable<void> start_attempts(std::vector<Starting> starting);
  boost::asio::awaitable<void> attempt(proto::ActionId id, std::size_t bytes, proto::Result<proto::Action> marked);
  boost::asio::awaitable<void> park(proto::ActionId id, std::string destination);
  boost::asio::awaitable<void> release_parked();
  boost::asio::awaitable<void> record_network(bool online, std::string reason);
  // Looks a parked host name up; if its addresses turn out reachable, releases it.
  void learn_host(const std::string& destination);
  // Records a `network` event if connectivity() flipped.
  void note_connectivity();
  // Actions between due and recorded at most; enough that each group commit carries many.
  std::size_t pipeline_depth() const noexcept;

  boost::asio::any_io_executor executor_;
  store::Outbox& outbox_;
  store::CommitQueue& commits_;
  http::Client& http_;
  net::NetworkWatcher& network_;
  ConnectivityProbe& probe_;
  net::HostLearner hosts_;
  RetryPolicy retry_;
  std::size_t parallel_;
  SendSlots slots_;  // requests on the wire
  boost::asio::steady_timer timer_;
  bool paused_ = false;
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
  // Actions whose park is being committed (still listed in `due` until it is).
  std::set<proto::ActionId> parking_;
  bool online_ = true;  // as last reported in a `network` event
  std::chrono::system_clock::time_point online_since_;
  bool probe_hold_ = false;  // a network gain the probe has not looked at yet
};

}  // namespace bgsync::daemon
