// The send loop: look at the outbox's due index, start attempts, send each one, record outcomes.
#include "daemon/scheduler.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "daemon/clock.hpp"
#include "daemon/destination.hpp"
#include "daemon/send_gate.hpp"
#include "daemon/store/commit_queue.hpp"
#include "daemon/store/read_view.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

// How often enqueues alone may make the scheduler look (wake_soon): a stream of them would
// otherwise cost the writer a publish per enqueue. Sporadic enqueues are looked at at once.
constexpr auto enqueue_look_spacing = 5ms;

}  // namespace

// A request slot while held: released once the answer is in, or however the attempt ends.
class Scheduler::HeldSlot {
 public:
  HeldSlot(SendSlots& slots, bool held) : slots_(slots), held_(held) {}
  ~HeldSlot() { release(); }
  HeldSlot(const HeldSlot&) = delete;
  HeldSlot& operator=(const HeldSlot&) = delete;
  bool held() const noexcept { return held_; }
  void release() {
    if (held_) slots_.release();
    held_ = false;
  }

 private:
  SendSlots& slots_;
  bool held_;
};

Scheduler::Scheduler(asio::any_io_executor executor, store::Outbox& outbox, store::CommitQueue& commits,
                     http::Client& http, net::NetworkWatcher& network, SendGate& gate, RetryPolicy retry,
                     std::size_t parallel)
    : executor_(executor),
      outbox_(outbox),
      commits_(commits),
      http_(http),
      gate_(gate),
      parking_(executor, commits, network, gate, [this] { wake(); }),
      retry_(retry),
      parallel_(parallel),
      slots_(executor, parallel),
      timer_(executor),
      rng_(std::random_device{}()) {
  gate_.on_paused([this] { wake(); });
}

void Scheduler::start() {
  // Destinations parked by an earlier run may be reachable now.
  parking_.release();
  asio::co_spawn(executor_, run(), asio::detached);
}

void Scheduler::network_changed(bool grew) {
  if (stopping_) return;
  parking_.network_changed();
  http_.drop_idle_connections();
  gate_.network_changed(grew);
  if (grew) parking_.release();
}

void Scheduler::probe_checked(bool changed) {
  if (stopping_) return;
  if (gate_.probe_checked() || changed) parking_.release();
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
  if (Steady::now() >= next) {
    wake();
    return;
  }
  soon_ = true;
  // Brings a sleeping loop's wait forward; run() waits again on the new expiry.
  if (timer_.expiry() > next) timer_.expires_at(next);
}

void Scheduler::stop() {
  stopping_ = true;
  parking_.stop();
  timer_.cancel();
  for (auto& [id, signal] : in_flight_) signal->emit(asio::cancellation_type::terminal);
}

asio::awaitable<void> Scheduler::run() {
  while (!stopping_) {
    woken_ = false;
    soon_ = false;
    Look look;
    const auto depth = pipeline_depth();
    if (!gate_.paused() && in_flight_.size() < depth) look = co_await this->look(depth);
    if (!look.started.empty()) asio::co_spawn(executor_, start_attempts(std::move(look.started)), asio::detached);
    if (!gate_.paused() && in_flight_.size() >= depth) room_limited_ = true;
    if (woken_ || look.again) continue;  // woken while we looked: look again before sleeping
    auto wake_at = look.wake_at;
    if (soon_) wake_at = std::min(wake_at, last_look_ + enqueue_look_spacing);
    timer_.expires_at(wake_at);
    // Until wake_at, unless woken; wake_soon() may bring wake_at forward meanwhile (which cancels
    // this wait and leaves the new expiry to wait for).
    do {
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    } while (!woken_ && !stopping_ && Steady::now() < timer_.expiry());
  }
}

asio::awaitable<Scheduler::Look> Scheduler::look(std::size_t depth) {
  Look look;
  last_look_ = Steady::now();
  // The due index as of every change acknowledged so far, our own included. Actions we decided
  // to send but whose `sending` is not acknowledged yet are still listed.
  auto seen = co_await commits_.visible();
  if (!seen) spdlog::warn("reading a due index that may be behind: {}", seen.error().message);
  // Without the barrier (a publish failed), what is published: behind, at worst, never wrong.
  const store::ReadView outbox = seen ? *seen : outbox_.published();
  // One more than can be taken, to know whether any are left for the next look.
  auto due = outbox.due(depth + in_flight_.size() + parking_.size() + 1);
  if (!due) {
    spdlog::error("cannot read the outbox's due index: {}", due.error().message);
    look.wake_at = Steady::now() + 1s;
    co_return look;
  }
  // Reading every listed action's route cost a drain 5% of its CPU, most of it for actions left
  // for a later look: only the candidates' routes are read, in one read.
  const auto candidates = this->candidates(*due, depth - in_flight_.size());
  look.wake_at = candidates.wake_at;
  auto routes = outbox.routes_of(candidates.ids);
  if (!routes) {
    spdlog::error("cannot read the outbox's due actions: {}", routes.error().message);
    look.wake_at = Steady::now() + 1s;
    room_limited_ = candidates.more;
    co_return look;
  }
  auto admitted = admit(candidates.ids, *routes);
  // Candidates that were parked (or gone) left room that the unread due actions may take:
  // look again at once, as long as this look made progress.
  look.again = candidates.more && !admitted.over_budget && in_flight_.size() < depth &&
               (admitted.parked || !admitted.starting.empty());
  room_limited_ = candidates.more || admitted.over_budget;
  look.started = std::move(admitted.starting);
  co_return look;
}

Scheduler::Candidates Scheduler::candidates(const std::vector<store::DueEntry>& due, std::size_t room) const {
  Candidates out;
  const auto now = now_ms();
  for (const auto& entry : due) {
    if (in_flight_.contains(entry.id) || parking_.parking(entry.id)) continue;
    if (entry.next_attempt > now) {
      out.wake_at = Steady::now() + (entry.next_attempt - now);
      break;
    }
    if (out.ids.size() == room) {
      out.more = true;
      break;
    }
    out.ids.push_back(entry.id);
  }
  return out;
}

Scheduler::Admitted Scheduler::admit(const std::vector<proto::ActionId>& ids,
                                     std::vector<std::optional<store::ActionRoute>>& routes) {
  Admitted out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto& route = routes[i];
    if (!route) continue;  // gone since due() read it
    // Past --parallel, the pipeline also stops at a memory budget: actions can be large.
    if (in_flight_.size() >= parallel_ && pipeline_bytes_ + route->record_bytes > max_pipeline_bytes) {
      out.over_budget = true;
      break;
    }
    auto destination = destination_of(route->url);
    if (!gate_.reach(destination).reachable) {
      parking_.park(ids[i], std::move(destination));
      out.parked = true;
      continue;
    }
    in_flight_.emplace(ids[i], std::make_shared<asio::cancellation_signal>());
    pipeline_bytes_ += route->record_bytes;
    out.starting.push_back({ids[i], route->record_bytes});
  }
  return out;
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
  HeldSlot slot{slots_, co_await std::move(acquiring)};
  if (!slot.held()) co_return;
  std::optional<AttemptOutcome> outcome;
  if (gate_.paused() || stopping_) {
    outcome = held_back();
  } else {
    auto sending = send(action, id_text, slot);
    outcome = co_await std::move(sending);
    if (!outcome) co_return;  // stopped: left `sending`, queued again at the next start
  }
  settle_delay(*outcome, action.attempts, retry_, rng_);
  done.retry = outcome->verdict == Verdict::retry;
  auto recording = record(id, id_text, std::move(*outcome));
  co_await std::move(recording);
}

asio::awaitable<std::optional<AttemptOutcome>> Scheduler::send(proto::Action& action, const std::string& id_text,
                                                               HeldSlot& slot) {
  const http::Request request = request_for(action, id_text);
  spdlog::debug("action {}: attempt {}: {} {}", id_text, action.attempts, action.method, action.url);
  const auto started = Steady::now();
  // Awaited in this coroutine, not spawned: stop() aborts it through the attempt's own signal.
  auto sending = http_.send(request);
  auto response = co_await std::move(sending);
  slot.release();  // the wire is free for the next one while this outcome is recorded
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);
  if (stopping_) co_return std::nullopt;
  co_return judge(action, id_text, std::move(response), took, retry_.max_attempts);
}

asio::awaitable<void> Scheduler::record(proto::ActionId id, const std::string& id_text, AttemptOutcome outcome) {
  // Jobs and awaitables are named locals: g++ 12 destroys non-trivial temporaries inside a
  // co_await expression twice.
  for (auto pause = 1s; !stopping_; pause = std::min(pause * 2, std::chrono::seconds(60))) {
    store::CommitQueue::Job<proto::Action> record = [id, verdict = outcome.verdict, result = outcome.result,
                                                     delay = outcome.delay](store::WriteTxn& txn) {
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

}  // namespace bgsync::daemon
