// Periodic sync's scheduler: runs each registration once its next_earliest has passed, its
// constraints hold and its destination is reachable, and records the outcome (with the response
// in the cache) through the commit queue. The outbox's `pdue` index says what is due; a timer
// sleeps until the next one.
//
// Why runs never burst: a registration has exactly one next_earliest, so however many periods
// were missed (offline, asleep, daemon stopped) it is simply due, runs once, and its next run is
// an interval after that. A registration whose constraints fail stays due and is looked at again
// after a short recheck (or at once when the network changes); nothing is burnt meanwhile.
//
// A run: GET (or the registered request) with If-None-Match / If-Modified-Since when a body is
// cached. 2xx -> `updated` (cached, validators kept), 304 -> `not_modified` (the cache stays),
// otherwise `failed`. A failure worth retrying (as for actions: no response, 408, 429, 5xx) is
// tried again after the actions' backoff while that stays within the period; the period's last
// failure is reported (a `periodic` event) and the next period is waited for. Sending is held
// while the daemon is paused, as for actions.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgsync/proto/periodic.hpp"
#include "daemon/constraints/machine_state.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/options.hpp"
#include "daemon/store/outbox.hpp"

namespace bgsync::store {
class CommitQueue;
}  // namespace bgsync::store

namespace bgsync::daemon {

class SendGate;

class PeriodicScheduler {
 public:
  // `options` are the live ones (LiveConfig::options()): the floor and the retry policy follow reloads.
  PeriodicScheduler(boost::asio::any_io_executor executor, store::Outbox& outbox, store::CommitQueue& commits,
                    http::Client& http, const SendGate& gate, constraints::MachineStateReader& machine,
                    const DaemonOptions& options);

  void start();
  // Something may be due now (a registration changed, sending resumed): look again.
  void wake();
  // The network changed: registrations deferred for it or for a constraint are looked at now.
  void conditions_changed();
  // Aborts runs on the wire; they are not recorded and stay due for the next start.
  void stop();

  // The next run of (app, tag) ignores its constraints (`periodic_run`). The caller makes it due.
  void force(const std::string& app, const std::string& tag);
  // (app, tag) was unregistered: a run on the wire is aborted (its outcome has nowhere to go).
  void forget(const std::string& app, const std::string& tag);
  // Runs between the decision to run and their recorded outcome (stop() aborts them).
  std::size_t running() const noexcept { return running_.size(); }
  // The floor applied to registrations now.
  std::chrono::milliseconds floor() const noexcept { return options_.periodic_floor; }

  // The protocol's view of stored registrations, with the machine's constraint state, whether a
  // run is on the wire and why a due one waits.
  boost::asio::awaitable<std::vector<proto::PeriodicRegistration>> describe(std::vector<store::PeriodicListed> listed);

 private:
  using Key = std::string;  // app NUL tag
  static Key key_of(const std::string& app, const std::string& tag);

  // What an answer (or its failure) to a run means: the run's outcome, and whether and when a
  // failure is worth another try within the period.
  struct Answer {
    store::periodic::Run run;
    bool retryable = false;
    std::optional<std::chrono::milliseconds> retry_after;
  };

  boost::asio::awaitable<void> run();
  // Starts the due registrations that may run now, deferring the others; returns when to look
  // again for the deferred ones.
  std::chrono::steady_clock::time_point start_due(std::vector<store::periodic::Registration>& due,
                                                  const constraints::MachineState& machine);
  boost::asio::awaitable<void> run_one(store::periodic::Registration reg, bool forced);
  // The registered request, with validators when a body is cached for a 304 to confirm.
  http::Request request_of(const store::periodic::Registration& reg) const;
  static Answer judge(proto::Result<http::Response> response);
  // When the next run is (a retry within the period, else the next period), logged.
  void plan_next(const store::periodic::Registration& reg, Answer& answer, proto::TimePoint started_at,
                 proto::TimePoint period_start);
  boost::asio::awaitable<void> record(const store::periodic::Registration& reg, store::periodic::Run run,
                                      boost::asio::cancellation_signal& signal);
  // Why `reg`, due, should not run now ("" when it may). Constraints are skipped when forced.
  std::string hold_reason(const store::periodic::Registration& reg, const constraints::MachineState& machine,
                          bool forced) const;
  std::chrono::milliseconds flex(std::chrono::milliseconds interval);
  std::chrono::milliseconds recheck() const;

  boost::asio::any_io_executor executor_;
  store::Outbox& outbox_;
  store::CommitQueue& commits_;
  http::Client& http_;
  const SendGate& gate_;  // paused, and each destination's reachability
  constraints::MachineStateReader& machine_;
  const DaemonOptions& options_;
  boost::asio::steady_timer timer_;
  bool stopping_ = false;
  bool woken_ = false;
  std::mt19937_64 rng_;
  // Runs between the decision to run and the recorded outcome, with the signal that aborts them.
  std::map<Key, std::shared_ptr<boost::asio::cancellation_signal>> running_;
  // Due registrations held back (a constraint, the network), and when to look at them again.
  std::map<Key, std::chrono::steady_clock::time_point> deferred_;
  std::set<Key> forced_;
};

}  // namespace bgsync::daemon
