// The send loop: pick due actions from the outbox index, make their HTTP requests, record outcomes.
#include "daemon/scheduler.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "daemon/connectivity_probe.hpp"
#include "daemon/destination.hpp"
#include "daemon/clock.hpp"
#include "daemon/net/network_watcher.hpp"
#include "daemon/store/commit_queue.hpp"
#include "daemon/store/outbox.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// How often enqueues alone may make the scheduler look (wake_soon): a stream of them would
// otherwise cost the writer a publish per enqueue. Sporadic enqueues are looked at at once.
constexpr auto enqueue_look_spacing = 5ms;

bool is_gone(const proto::Error& e) {
  // The action was cancelled (or retried by hand) while its attempt was on the wire.
  return e.code == proto::errc::bad_state || e.code == proto::errc::not_found;
}

}  // namespace

Scheduler::Scheduler(asio::any_io_executor executor, store::Outbox& outbox, store::CommitQueue& commits,
                     http::Client& http, net::NetworkWatcher& network, ConnectivityProbe& probe, RetryPolicy retry,
                     std::size_t parallel)
    : executor_(executor),
      outbox_(outbox),
      commits_(commits),
      http_(http),
      network_(network),
      probe_(probe),
      hosts_(executor, network),
      retry_(retry),
      parallel_(parallel),
      slots_(executor, parallel),
      timer_(executor),
      rng_(std::random_device{}()) {}

void Scheduler::start(bool paused) {
  paused_ = paused;
  online_ = connectivity().reachable;
  online_since_ = std::chrono::system_clock::now();
  // Destinations parked by an earlier run may be reachable now.
  asio::co_spawn(executor_, release_parked(), asio::detached);
  asio::co_spawn(executor_, run(), asio::detached);
}

void Scheduler::network_changed(bool grew) {
  if (stopping_) return;
  hosts_.network_changed();
  http_.drop_idle_connections();
  if (grew && probe_.verdict() != ProbeVerdict::off) {
    // A new network may be a portal: hold until the probe has seen it (probe_checked releases).
    probe_hold_ = true;
    probe_.check_now();
  }
  note_connectivity();
  if (grew) asio::co_spawn(executor_, release_parked(), asio::detached);
}

void Scheduler::probe_checked(bool changed) {
  if (stopping_) return;
  const bool was_held = probe_hold_;
  if (!probe_.check_pending()) probe_hold_ = false;
  note_connectivity();
  if (was_held != probe_hold_ || changed) asio::co_spawn(executor_, release_parked(), asio::detached);
}

net::Reachability Scheduler::connectivity() const {
  auto any = network_.reach_any();
  if (!any.reachable) return any;
  if (probe_.verdict() == ProbeVerdict::portal) return {false, probe_.reason()};
  return any;
}

net::Reachability Scheduler::reach(const std::string& destination) const {
  auto verdict = network_.reach(destination);
  if (!verdict.reachable || is_loopback(destination)) return verdict;
  switch (probe_.verdict()) {
    case ProbeVerdict::portal: return {false, probe_.reason()};
    case ProbeVerdict::unknown: return {false, "waiting for the first connectivity probe"};
    default: break;
  }
  if (probe_hold_) return {false, "checking the new network for a captive portal"};
  return verdict;
}

void Scheduler::note_connectivity() {
  const auto now = connectivity();
  if (now.reachable == online_) return;
  online_ = now.reachable;
  online_since_ = std::chrono::system_clock::now();
  spdlog::info("network: {}{}", online_ ? "online" : "offline", online_ ? "" : " (" + now.reason + ")");
  asio::co_spawn(executor_, record_network(online_, now.reason), asio::detached);
}

std::size_t Scheduler::pipeline_depth() const noexcept {
  return std::clamp<std::size_t>(parallel_ * 16, 64, 1024);
}

void Scheduler::wake() {
  woken_ = true;
  timer_.cancel();
}

void Scheduler::wake_soon() {
  const auto next = last_look_ + enqueue_look_spacing;
  if (std::chrono::steady_clock::now() >= next) {
    wake();
    return;
  }
  soon_ = true;
  // Brings a sleeping loop's wait forward; run() waits again on the new expiry.
  if (timer_.expiry() > next) timer_.expires_at(next);
}

void Scheduler::set_paused(bool paused) {
  paused_ = paused;
  wake();
}

void Scheduler::stop() {
  stopping_ = true;
  hosts_.stop();
  timer_.cancel();
  for (auto& [id, signal] : in_flight_) signal->emit(asio::cancellation_type::terminal);
}

asio::awaitable<void> Scheduler::run() {
  while (!stopping_) {
    woken_ = false;
    soon_ = false;
    auto wake_at = std::chrono::steady_clock::time_point::max();
    const auto depth = pipeline_depth();
    if (!paused_ && in_flight_.size() < depth) {
      last_look_ = std::chrono::steady_clock::now();
      // The due index as of every change acknowledged so far, our own included. Actions we decided
      // to send but whose `sending` is not acknowledged yet are still listed.
      auto seen = co_await commits_.visible();
      if (!seen) spdlog::warn("reading a due index that may be behind: {}", seen.error().message);
      // One more than can be taken, to know whether any are left for the next look.
      auto due = outbox_.due(depth + in_flight_.size() + parking_.size() + 1);
      if (!due) {
        spdlog::error("cannot read the outbox's due index: {}", due.error().message);
        wake_at = std::chrono::steady_clock::now() + 1s;
      } else {
        // The candidates: due now, not already ours, and no more than the pipeline has room for
        // (reading every listed action's route cost a drain 5% of its CPU, most of it for
        // actions left for a later look). Their routes come in one read.
        const auto now = now_ms();
        const std::size_t room = depth - in_flight_.size();
        std::vector<proto::ActionId> candidates;
        bool more = false;  // due actions left unread for want of room
        for (const auto& entry : *due) {
          if (in_flight_.contains(entry.id) || parking_.contains(entry.id)) continue;
          if (entry.next_attempt > now) {
            wake_at = std::chrono::steady_clock::now() + (entry.next_attempt - now);
            break;
          }
          if (candidates.size() == room) {
            more = true;
            break;
          }
          candidates.push_back(entry.id);
        }
        auto routes = outbox_.routes_of(candidates);
        if (!routes) {
          spdlog::error("cannot read the outbox's due actions: {}", routes.error().message);
          wake_at = std::chrono::steady_clock::now() + 1s;
          candidates.clear();
        }
        std::vector<Starting> starting;
        bool parked = false;
        bool over_budget = false;
        for (std::size_t i = 0; i < candidates.size(); ++i) {
          const auto& id = candidates[i];
          auto& route = (*routes)[i];
          if (!route) continue;  // gone since due() read it
          // Past --parallel, the pipeline also stops at a memory budget: actions can be large.
          if (in_flight_.size() >= parallel_ && pipeline_bytes_ + route->record_bytes > max_pipeline_bytes) {
            over_budget = true;
            break;
          }
          auto destination = destination_of(route->url);
          if (!reach(destination).reachable) {
            learn_host(destination);
            parking_.insert(id);
            parked = true;
            asio::co_spawn(executor_, park(id, std::move(destination)), asio::detached);
            continue;
          }
          in_flight_.emplace(id, std::make_shared<asio::cancellation_signal>());
          pipeline_bytes_ += route->record_bytes;
          starting.push_back({id, route->record_bytes});
        }
        // Candidates that were parked (or gone) left room that the unread due actions may take:
        // look again at once, as long as this look made progress.
        if (more && !over_budget && in_flight_.size() < depth && (parked || !starting.empty())) woken_ = true;
        room_limited_ = more || over_budget;
        if (!starting.empty()) asio::co_spawn(executor_, start_attempts(std::move(starting)), asio::detached);
      }
    }
    if (!paused_ && in_flight_.size() >= depth) room_limited_ = true;
    if (woken_) continue;  // woken while we looked: look again before sleeping
    if (soon_) wake_at = std::min(wake_at, last_look_ + enqueue_look_spacing);
    timer_.expires_at(wake_at);
    // Until wake_at, unless woken; wake_soon() may bring wake_at forward meanwhile (which cancels
    // this wait and leaves the new expiry to wait for).
    do {
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    } while (!woken_ && !stopping_ && std::chrono::steady_clock::now() < timer_.expiry());
  }
}

asio::awaitable<void> Scheduler::start_attempts(std::vector<Starting> starting) {
  // One job marks the whole look's actions `sending`: one trip through the commit queue and one
  // resumption here, not one per action. mark_sending checks before it writes, so one action that
  // is gone (cancelled meanwhile) fails alone.
  std::vector<proto::ActionId> ids;
  ids.reserve(starting.size());
  for (const auto& s : starting) ids.push_back(s.id);
  using Marked = std::vector<store::Result<proto::Action>>;
  store::CommitQueue::Job<Marked> mark = [ids = std::move(ids)](store::WriteTxn& txn) -> store::Result<Marked> {
    const auto now = now_ms();
    Marked marked;
    marked.reserve(ids.size());
    for (const auto& id : ids) marked.push_back(txn.mark_sending(id, now));
    return marked;
  };
  auto marked = co_await commits_.run(std::move(mark));
  for (std::size_t i = 0; i < starting.size(); ++i) {
    store::Result<proto::Action> one = marked ? std::move((*marked)[i]) : store::Result<proto::Action>(marked.error());
    // The attempt runs bound to its action's signal: stop() aborts whatever it awaits (a request
    // slot, the request). The completion handler owns the signal, so it outlives the coroutine,
    // whose cancellation state lives in the signal's slot until the very end.
    auto signal = in_flight_.at(starting[i].id);
    auto& slot_owner = *signal;
    asio::co_spawn(executor_, attempt(starting[i].id, starting[i].bytes, std::move(one)),
                   asio::bind_cancellation_slot(slot_owner.slot(), [signal = std::move(signal)](std::exception_ptr) {}));
  }
}

asio::awaitable<void> Scheduler::attempt(proto::ActionId id, std::size_t bytes, proto::Result<proto::Action> marked) {
  // Cancelled (by stop()), an operation completes with operation_aborted instead of throwing.
  co_await asio::this_coro::throw_if_cancelled(false);
  struct Done {  // however the attempt ends, free its place and look for more work
    Scheduler& s;
    proto::ActionId id;
    std::size_t bytes;
    bool retry = false;  // its next attempt is due at a time the last look did not know
    bool tagged = false;  // once it is done, the next action of its tag may be due
    ~Done() {
      s.in_flight_.erase(id);
      s.pipeline_bytes_ -= bytes;
      // Looking reads the due index (after a publish), so only when it may find something: the
      // action's own retry, its tag's next action, or due actions the last look left for want of
      // room (then once per quarter of the pipeline, not once per action).
      if (!s.stopping_ && (retry || tagged || (s.room_limited_ && s.in_flight_.size() <= s.pipeline_depth() * 3 / 4))) {
        s.wake();
      }
    }
  } done{*this, id, bytes};

  if (!marked) {
    if (!is_gone(marked.error())) spdlog::error("action {}: cannot start an attempt: {}", id.to_string(), marked.error().message);
    co_return;
  }
  proto::Action action = std::move(*marked);
  const auto id_text = action.id.to_string();
  done.tagged = !action.tag.empty();

  // A request slot; without one (stopping) the action stays `sending`, queued again at next start.
  auto acquiring = slots_.acquire();
  bool holding = co_await std::move(acquiring);
  struct Slot {
    SendSlots& slots;
    bool& held;
    ~Slot() {
      if (held) slots.release();
    }
  } slot{slots_, holding};
  if (!holding) co_return;

  store::AttemptResult result;
  Verdict verdict = Verdict::retry;
  std::optional<std::chrono::milliseconds> delay;
  if (paused_ || stopping_) {
    // Paused while `sending` was being committed: nothing may leave the machine, so put it back.
    result.error = "held back: sending was paused";
    delay = 0ms;
  } else {
    // The action's headers and body are needed only for the request: moved, not copied.
    http::Request request{action.method, action.url, std::move(action.headers), std::move(action.body)};
    if (!http::find_header(request.headers, "Idempotency-Key")) request.headers.push_back({"Idempotency-Key", id_text});
    spdlog::debug("action {}: attempt {}: {} {}", id_text, action.attempts, action.method, action.url);
    const auto started = std::chrono::steady_clock::now();
    // Awaited in this coroutine, not spawned: stop() aborts it through the attempt's own signal.
    auto sending = http_.send(request);
    auto response = co_await std::move(sending);
    slots_.release();  // the wire is free for the next one while this outcome is recorded
    holding = false;
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (stopping_) co_return;  // left `sending`: queued again at the next start
    if (response) {
      result.status = response->status;
      verdict = classify_status(response->status);
      if (verdict != Verdict::sent) result.error = "HTTP " + std::to_string(response->status) + " from the server";
      if (verdict == Verdict::retry) {
        if (const auto* value = http::find_header(response->headers, "Retry-After")) delay = parse_retry_after(*value, now_ms());
      }
      result.headers = std::move(response->headers);
      result.body = std::move(response->body);
      // Successes are in the event log (syncctl watch, list); a line each would cost more than
      // the send at drain rates.
      spdlog::log(verdict == Verdict::sent ? spdlog::level::debug : spdlog::level::info,
                  "action {}: {} {} -> {} in {} ms (attempt {})", id_text, action.method, action.url, response->status,
                  took.count(), action.attempts);
    } else {
      result.error = response.error().message;
      verdict = response.error().code == http::errc::bad_url ? Verdict::failed : Verdict::retry;
      spdlog::info("action {}: {} {} -> {} (attempt {})", id_text, action.method, action.url, result.error, action.attempts);
    }
    if (verdict == Verdict::retry && retry_.max_attempts != 0 && action.attempts >= retry_.max_attempts) {
      verdict = Verdict::failed;
      result.error = "gave up after " + std::to_string(action.attempts) + " attempts; last: " + result.error;
    }
  }
  if (verdict == Verdict::retry) {
    done.retry = true;
    auto d = delay.value_or(retry_.backoff(action.attempts, rng_));
    delay = std::min(d, retry_.retry_after_cap);
  }

  // Record the outcome. A storage error (disk full) must not lose it: keep trying, slowly. Jobs
  // and awaitables are named locals: g++ 12 destroys non-trivial temporaries inside a co_await
  // expression twice.
  for (auto pause = 1s; !stopping_; pause = std::min(pause * 2, std::chrono::seconds(60))) {
    store::CommitQueue::Job<proto::Action> record = [id, verdict, result, delay](store::WriteTxn& txn) {
      const auto now = now_ms();
      switch (verdict) {
        case Verdict::sent: return txn.mark_sent(id, result, now);
        case Verdict::failed: return txn.mark_failed(id, result, now);
        case Verdict::retry: break;
      }
      return txn.mark_retry(id, result, now + *delay, now);
    };
    auto recorded = co_await commits_.run(std::move(record));
    if (recorded || is_gone(recorded.error()) || recorded.error().code == proto::errc::shutting_down) break;
    spdlog::error("action {}: cannot record the outcome ({}); trying again in {} s", id_text, recorded.error().message,
                  pause.count());
    asio::steady_timer wait(executor_, pause);
    // Aborted by stop() through the attempt's signal: stop() must not wait for this pause to end.
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> Scheduler::park(proto::ActionId id, std::string destination) {
  store::CommitQueue::Job<proto::Action> job = [id, destination](store::WriteTxn& txn) {
    return txn.park(id, destination, now_ms());
  };
  auto parked = co_await commits_.run(std::move(job));
  parking_.erase(id);
  if (!parked) {
    if (!is_gone(parked.error())) spdlog::error("action {}: cannot park it: {}", id.to_string(), parked.error().message);
    wake();
    co_return;
  }
  spdlog::debug("action {}: waiting for the network ({})", id.to_string(), reach(destination).reason);
  // The network may have come back while the park was being committed.
  if (reach(destination).reachable) co_await release_parked();
}

asio::awaitable<void> Scheduler::release_parked() {
  constexpr std::size_t step = 1000;  // per transaction, so one release never holds the writer long
  auto seen = co_await commits_.visible();
  if (!seen) {
    spdlog::error("cannot read parked destinations: {}", seen.error().message);
    co_return;
  }
  auto destinations = outbox_.parked_destinations();
  if (!destinations) {
    spdlog::error("cannot read parked destinations: {}", destinations.error().message);
    co_return;
  }
  std::size_t released = 0;
  for (const auto& destination : *destinations) {
    if (!reach(destination).reachable) {
      learn_host(destination);
      continue;
    }
    for (;;) {
      store::CommitQueue::Job<std::size_t> job = [destination](store::WriteTxn& txn) {
        return txn.unpark(destination, now_ms(), step);
      };
      auto n = co_await commits_.run(std::move(job));
      if (!n) co_return;
      released += *n;
      if (*n < step) break;
    }
  }
  // Each step clears up to `step` marks (re-keying those still backing off), so this ends.
  std::size_t reset = 0;
  for (;;) {
    // The count as of the last step's change: without the barrier it could be the stale one, for ever.
    auto visible = co_await commits_.visible();
    if (!visible) co_return;
    auto marks = outbox_.network_backoff_marks();
    if (!marks || *marks == 0) break;
    store::CommitQueue::Job<std::size_t> job = [](store::WriteTxn& txn) {
      return txn.reset_network_backoff(now_ms(), step);
    };
    auto n = co_await commits_.run(std::move(job));
    if (!n) co_return;
    reset += *n;
  }
  if (released + reset > 0) {
    spdlog::info("network: {} actions released, {} backoffs after network errors cut short", released, reset);
  }
  wake();
}

void Scheduler::learn_host(const std::string& destination) {
  hosts_.learn(destination, [this, destination] {
    if (!stopping_ && reach(destination).reachable) asio::co_spawn(executor_, release_parked(), asio::detached);
  });
}

asio::awaitable<void> Scheduler::record_network(bool online, std::string reason) {
  store::CommitQueue::Job<proto::Event> job = [online, reason](store::WriteTxn& txn) {
    return txn.record_network(online, reason, now_ms());
  };
  auto recorded = co_await commits_.run(std::move(job));
  if (!recorded && recorded.error().code != proto::errc::shutting_down) {
    spdlog::warn("cannot record a network event: {}", recorded.error().message);
  }
}

}  // namespace bgsync::daemon
