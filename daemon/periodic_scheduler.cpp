// The periodic-sync loop: pick due registrations from `pdue`, hold those whose constraints or
// network do not allow them, run the rest, and record each outcome and its cached response.
#include "daemon/periodic_scheduler.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "daemon/destination.hpp"
#include "daemon/clock.hpp"
#include "daemon/retry_policy.hpp"
#include "daemon/send_gate.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using Outcome = proto::PeriodicOutcome;
using store::periodic::Registration;
using store::periodic::Run;
using Steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_running = 4;  // runs on the wire at once; periodic work is background work
constexpr std::size_t due_batch = 256;  // due registrations looked at per pass

std::string label(const Registration& reg) {
  return reg.app.empty() ? "periodic \"" + reg.tag + "\"" : "periodic \"" + reg.tag + "\" of " + reg.app;
}

proto::PeriodicRegistration to_proto(store::PeriodicListed listed) {
  Registration& r = listed.registration;
  proto::PeriodicRegistration p;
  p.app = std::move(r.app);
  p.tag = std::move(r.tag);
  p.min_interval = std::chrono::milliseconds(r.min_interval_ms);
  p.method = std::move(r.request.method);
  p.url = std::move(r.request.url);
  p.headers = std::move(r.request.headers);
  p.body = std::move(r.request.body);
  p.network = r.network;
  p.power = r.power;
  p.created = r.created;
  p.updated = r.updated;
  p.last_run = r.last_run;
  p.last_outcome = r.last_outcome;
  p.last_status = r.last_status;
  p.last_error = std::move(r.last_error);
  p.consecutive_failures = r.consecutive_failures;
  p.next_earliest = r.next_earliest;
  p.etag = std::move(r.etag);
  p.last_modified = std::move(r.last_modified);
  p.cached = listed.cached;
  return p;
}

}  // namespace

PeriodicScheduler::PeriodicScheduler(asio::any_io_executor executor, store::Outbox& outbox, store::CommitQueue& commits,
                                     http::Client& http, const SendGate& gate, constraints::MachineStateReader& machine,
                                     const DaemonOptions& options)
    : executor_(executor),
      outbox_(outbox),
      commits_(commits),
      http_(http),
      gate_(gate),
      machine_(machine),
      options_(options),
      timer_(executor),
      rng_(std::random_device{}()) {}

PeriodicScheduler::Key PeriodicScheduler::key_of(const std::string& app, const std::string& tag) {
  std::string key = app;
  key.push_back('\0');
  key += tag;
  return key;
}

void PeriodicScheduler::start() { asio::co_spawn(executor_, run(), asio::detached); }

void PeriodicScheduler::wake() {
  woken_ = true;
  timer_.cancel();
}

void PeriodicScheduler::conditions_changed() {
  machine_.invalidate();
  deferred_.clear();
  wake();
}

void PeriodicScheduler::stop() {
  stopping_ = true;
  timer_.cancel();
  for (auto& [key, signal] : running_) signal->emit(asio::cancellation_type::terminal);
}

void PeriodicScheduler::force(const std::string& app, const std::string& tag) {
  const Key key = key_of(app, tag);
  forced_.insert(key);
  deferred_.erase(key);
  wake();
}

void PeriodicScheduler::forget(const std::string& app, const std::string& tag) {
  const Key key = key_of(app, tag);
  forced_.erase(key);
  deferred_.erase(key);
  if (auto it = running_.find(key); it != running_.end()) it->second->emit(asio::cancellation_type::terminal);
}

std::chrono::milliseconds PeriodicScheduler::recheck() const {
  // Power has no change notification here; look again soon, but not more often than the floor.
  return std::clamp<std::chrono::milliseconds>(options_.periodic_floor, 1s, 30s);
}

std::chrono::milliseconds PeriodicScheduler::flex(std::chrono::milliseconds interval) {
  // Up to a tenth of the interval (at most 5 min), after it: never sooner than asked, and many
  // registrations made at once drift apart instead of firing together for ever.
  const auto spread = std::min<std::chrono::milliseconds>(interval / 10, 5min);
  if (spread.count() <= 0) return 0ms;
  std::uniform_int_distribution<std::int64_t> pick(0, spread.count());
  return std::chrono::milliseconds(pick(rng_));
}

std::string PeriodicScheduler::hold_reason(const Registration& reg, const constraints::MachineState& machine,
                                           bool forced) const {
  if (!forced) {
    if (auto n = constraints::check(reg.network, machine); !n.satisfied) return n.reason;
    if (auto p = constraints::check(reg.power, machine); !p.satisfied) return p.reason;
  }
  const auto reach = gate_.reach(destination_of(reg.request.url));
  if (!reach.reachable) return "destination unreachable: " + reach.reason;
  return {};
}

asio::awaitable<void> PeriodicScheduler::run() {
  while (!stopping_) {
    woken_ = false;
    auto wake_at = Steady::time_point::max();
    auto seen = co_await commits_.visible();
    if (!seen) {
      spdlog::warn("reading a periodic schedule that may be behind: {}", seen.error().message);
    }
    // Without the barrier (a publish failed), what is published: behind, at worst, never wrong.
    const store::ReadView outbox = seen ? *seen : outbox_.published();
    const auto now = now_ms();
    auto due = outbox.periodic_due(now, due_batch + running_.size());
    if (!due) {
      spdlog::error("cannot read the periodic schedule: {}", due.error().message);
      wake_at = Steady::now() + 1s;
    } else if (!due->empty() && !gate_.paused() && running_.size() < max_running) {
      auto machine = co_await machine_.read();
      if (stopping_) break;
      wake_at = std::min(wake_at, start_due(*due, machine));
    }
    // The next due time after now: an overdue registration held by a constraint has its own
    // recheck above, and must not hide the ones behind it.
    if (auto next = outbox.periodic_next(now); next && *next) {
      wake_at = std::min(wake_at, Steady::now() + (**next - now));
    }
    if (woken_) continue;  // woken while we looked: look again before sleeping
    timer_.expires_at(wake_at);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

Steady::time_point PeriodicScheduler::start_due(std::vector<Registration>& due, const constraints::MachineState& machine) {
  auto wake_at = Steady::time_point::max();
  const auto steady_now = Steady::now();
  for (auto& reg : due) {
    if (running_.size() >= max_running) break;
    const Key key = key_of(reg.app, reg.tag);
    if (running_.contains(key)) continue;
    const bool forced = forced_.contains(key);
    if (auto it = deferred_.find(key); it != deferred_.end() && !forced) {
      if (it->second > steady_now) {
        wake_at = std::min(wake_at, it->second);
        continue;
      }
      deferred_.erase(it);
    }
    if (auto why = hold_reason(reg, machine, forced); !why.empty()) {
      spdlog::debug("{}: due, waiting: {}", label(reg), why);
      const auto again = steady_now + recheck();
      deferred_[key] = again;
      wake_at = std::min(wake_at, again);
      continue;
    }
    forced_.erase(key);
    running_.emplace(key, std::make_shared<asio::cancellation_signal>());
    asio::co_spawn(executor_, run_one(std::move(reg), forced), asio::detached);
  }
  return wake_at;
}

asio::awaitable<void> PeriodicScheduler::run_one(Registration reg, bool forced) {
  const Key key = key_of(reg.app, reg.tag);
  auto signal = running_.at(key);
  struct Done {  // however the run ends, free its slot and look for more work
    PeriodicScheduler& s;
    Key key;
    ~Done() {
      s.running_.erase(key);
      if (!s.stopping_) s.wake();
    }
  } done{*this, key};

  const http::Request request = request_of(reg);
  const auto started_at = now_ms();
  const auto started = Steady::now();
  auto sending = asio::co_spawn(executor_, http_.send(request),
                                asio::bind_cancellation_slot(signal->slot(), asio::use_awaitable));
  auto response = co_await std::move(sending);
  if (stopping_) co_return;  // not recorded: still due at the next start
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);

  const auto period_start = forced ? started_at : reg.period_start.value_or(started_at);
  Answer answer = judge(std::move(response));
  answer.run.registered = reg.updated;
  answer.run.duration = took;
  plan_next(reg, answer, started_at, period_start);
  co_await record(reg, std::move(answer.run), *signal);
}

http::Request PeriodicScheduler::request_of(const Registration& reg) const {
  // Validators only when there is a body for a 304 to confirm. No barrier needed: the cache entry
  // was written by an earlier run, which the look that found `reg` due had published.
  auto listed = outbox_.published().periodic_get(reg.app, reg.tag);
  const bool cached = listed && *listed && (*listed)->cached;
  http::Request request{reg.request.method, reg.request.url, reg.request.headers, reg.request.body,
                        store::periodic::max_cache_body + 1};
  if (cached && !reg.etag.empty() && !http::find_header(request.headers, "If-None-Match")) {
    request.headers.push_back({"If-None-Match", reg.etag});
  }
  if (cached && !reg.last_modified.empty() && !http::find_header(request.headers, "If-Modified-Since")) {
    request.headers.push_back({"If-Modified-Since", reg.last_modified});
  }
  return request;
}

PeriodicScheduler::Answer PeriodicScheduler::judge(proto::Result<http::Response> response) {
  Answer answer;
  Run& run = answer.run;
  if (!response) {
    run.outcome = Outcome::failed;
    run.error = response.error().message;
    answer.retryable = response.error().code != http::errc::bad_url;
    return answer;
  }
  run.status = response->status;
  if (response->status == 304) {
    run.outcome = Outcome::not_modified;
  } else if (response->status < 200 || response->status >= 300) {
    run.outcome = Outcome::failed;
    run.error = "HTTP " + std::to_string(response->status) + " from the server";
    answer.retryable = classify_status(response->status) == Verdict::retry;
    if (const auto* value = http::find_header(response->headers, "Retry-After")) {
      answer.retry_after = parse_retry_after(*value, now_ms());
    }
  } else if (response->body_size > store::periodic::max_cache_body) {
    run.outcome = Outcome::failed;
    run.error = "the response body (" + std::to_string(response->body_size) + " bytes) is larger than the " +
                std::to_string(store::periodic::max_cache_body >> 20) + " MiB a periodic response may keep";
  } else {
    run.outcome = Outcome::updated;
    if (const auto* etag = http::find_header(response->headers, "ETag")) run.etag = *etag;
    if (const auto* modified = http::find_header(response->headers, "Last-Modified")) run.last_modified = *modified;
    run.cache = store::periodic::CacheEntry{response->status, std::move(response->headers), std::move(response->body),
                                            now_ms()};
  }
  return answer;
}

void PeriodicScheduler::plan_next(const Registration& reg, Answer& answer, proto::TimePoint started_at,
                                  proto::TimePoint period_start) {
  Run& run = answer.run;
  const auto interval = std::chrono::milliseconds(reg.min_interval_ms);
  const auto now = now_ms();
  if (run.outcome == Outcome::failed && answer.retryable) {
    const RetryPolicy& retry = options_.retry;
    const auto delay =
        std::min(answer.retry_after.value_or(retry.backoff(reg.consecutive_failures + 1, rng_)), retry.retry_after_cap);
    if (now + delay < period_start + interval) {
      run.next_earliest = now + delay;
      run.period_start = period_start;
    }
  }
  if (run.period_start) {
    spdlog::info("{}: {} {} -> {}; trying again in {} ms", label(reg), reg.request.method, reg.request.url, run.error,
                 (run.next_earliest - now).count());
    return;
  }
  run.report = true;
  // After a success the interval counts from this run; after a failed period, from its start.
  const auto base = run.outcome == Outcome::failed ? std::max(period_start + interval, now) : started_at + interval;
  run.next_earliest = base + flex(interval);
  if (run.outcome == Outcome::failed) {
    spdlog::warn("{}: {} {} failed ({}); next try in the next period", label(reg), reg.request.method,
                 reg.request.url, run.error);
  } else {
    spdlog::info("{}: {} {} -> {} ({}) in {} ms", label(reg), reg.request.method, reg.request.url, *run.status,
                 proto::to_string(run.outcome), run.duration.count());
  }
}

asio::awaitable<void> PeriodicScheduler::record(const Registration& reg, Run run, asio::cancellation_signal& signal) {
  // A storage error (disk full) must not lose the outcome: keep trying, slowly.
  for (auto pause = 1s; !stopping_; pause = std::min(pause * 2, std::chrono::seconds(60))) {
    store::CommitQueue::Job<Registration> job = [app = reg.app, tag = reg.tag, run](store::WriteTxn& txn) {
      return txn.periodic_record(app, tag, run, now_ms());
    };
    auto recorded = co_await commits_.run(std::move(job));
    if (recorded) co_return;
    const auto code = recorded.error().code;
    if (code == proto::errc::not_found || code == proto::errc::bad_state) {
      spdlog::debug("{}: unregistered or replaced while it ran; outcome dropped", label(reg));
      co_return;
    }
    if (code == proto::errc::shutting_down) co_return;
    spdlog::error("{}: cannot record the run ({}); trying again in {} s", label(reg), recorded.error().message,
                  pause.count());
    asio::steady_timer wait(executor_, pause);
    // Bound to the run's signal: stop() must not wait for this pause to end.
    co_await wait.async_wait(asio::bind_cancellation_slot(signal.slot(), asio::as_tuple(asio::use_awaitable)));
  }
}

asio::awaitable<std::vector<proto::PeriodicRegistration>> PeriodicScheduler::describe(
    std::vector<store::PeriodicListed> listed) {
  auto machine = co_await machine_.read();
  const auto now = now_ms();
  std::vector<proto::PeriodicRegistration> out;
  out.reserve(listed.size());
  for (auto& item : listed) {
    const Registration& reg = item.registration;
    const Key key = key_of(reg.app, reg.tag);
    const bool running = running_.contains(key);
    const bool due = reg.next_earliest <= now;
    std::string waiting;
    if (!running && due) waiting = gate_.paused() ? "sending is paused" : hold_reason(reg, machine, forced_.contains(key));
    auto network_state = constraints::check(reg.network, machine);
    auto power_state = constraints::check(reg.power, machine);
    proto::PeriodicRegistration p = to_proto(std::move(item));
    p.running = running;
    p.network_state = std::move(network_state);
    p.power_state = std::move(power_state);
    p.waiting = std::move(waiting);
    out.push_back(std::move(p));
  }
  co_return out;
}

}  // namespace bgsync::daemon
