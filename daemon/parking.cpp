// Parking: park unreachable actions, release them (and network backoffs) when the network allows.
#include "daemon/parking.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "daemon/clock.hpp"
#include "daemon/send_attempt.hpp"
#include "daemon/send_gate.hpp"
#include "daemon/store/commit_queue.hpp"
#include "daemon/store/read_view.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;

namespace {

constexpr std::size_t release_step = 1000;  // per transaction, so one release never holds the writer long

}  // namespace

Parking::Parking(asio::any_io_executor executor, store::CommitQueue& commits, net::NetworkWatcher& network,
                 const SendGate& gate, std::function<void()> wake)
    : executor_(executor),
      commits_(commits),
      gate_(gate),
      wake_(std::move(wake)),
      hosts_(executor, network) {}

void Parking::park(proto::ActionId id, std::string destination) {
  learn_host(destination);
  parking_.insert(id);
  asio::co_spawn(executor_, commit_park(id, std::move(destination)), asio::detached);
}

void Parking::release() { asio::co_spawn(executor_, release_parked(), asio::detached); }

void Parking::stop() {
  stopping_ = true;
  hosts_.stop();
}

asio::awaitable<void> Parking::commit_park(proto::ActionId id, std::string destination) {
  store::CommitQueue::Job<proto::Action> job = [id, destination](store::WriteTxn& txn) {
    return txn.park(id, destination, now_ms());
  };
  auto parked = co_await commits_.run(std::move(job));
  parking_.erase(id);
  if (!parked) {
    if (!is_gone(parked.error())) spdlog::error("action {}: cannot park it: {}", id.to_string(), parked.error().message);
    wake_();
    co_return;
  }
  spdlog::debug("action {}: waiting for the network ({})", id.to_string(), gate_.reach(destination).reason);
  // The network may have come back while the park was being committed.
  if (gate_.reach(destination).reachable) co_await release_parked();
}

asio::awaitable<void> Parking::release_parked() {
  auto released = co_await unpark_reachable();
  if (!released) co_return;
  auto reset = co_await reset_network_backoff();
  if (!reset) co_return;
  if (*released + *reset > 0) {
    spdlog::info("network: {} actions released, {} backoffs after network errors cut short", *released, *reset);
  }
  wake_();
}

asio::awaitable<std::optional<std::size_t>> Parking::unpark_reachable() {
  auto view = co_await commits_.visible();
  if (!view) {
    spdlog::error("cannot read parked destinations: {}", view.error().message);
    co_return std::nullopt;
  }
  auto destinations = view->parked_destinations();
  if (!destinations) {
    spdlog::error("cannot read parked destinations: {}", destinations.error().message);
    co_return std::nullopt;
  }
  std::size_t released = 0;
  for (const auto& destination : *destinations) {
    if (!gate_.reach(destination).reachable) {
      learn_host(destination);
      continue;
    }
    for (;;) {
      store::CommitQueue::Job<std::size_t> job = [destination](store::WriteTxn& txn) {
        return txn.unpark(destination, now_ms(), release_step);
      };
      auto n = co_await commits_.run(std::move(job));
      if (!n) co_return std::nullopt;
      released += *n;
      if (*n < release_step) break;
    }
  }
  co_return released;
}

asio::awaitable<std::optional<std::size_t>> Parking::reset_network_backoff() {
  // Each step clears up to `release_step` marks (re-keying those still backing off), so this ends.
  std::size_t reset = 0;
  for (;;) {
    // The count as of the last step's change: without the barrier it could be the stale one, for ever.
    auto view = co_await commits_.visible();
    if (!view) co_return std::nullopt;
    auto marks = view->network_backoff_marks();
    if (!marks || *marks == 0) break;
    store::CommitQueue::Job<std::size_t> job = [](store::WriteTxn& txn) {
      return txn.reset_network_backoff(now_ms(), release_step);
    };
    auto n = co_await commits_.run(std::move(job));
    if (!n) co_return std::nullopt;
    reset += *n;
  }
  co_return reset;
}

void Parking::learn_host(const std::string& destination) {
  hosts_.learn(destination, [this, destination] {
    if (!stopping_ && gate_.reach(destination).reachable) release();
  });
}

}  // namespace bgsync::daemon
