// SendGate: paused, the probe's hold, reachability and online/offline, decided in one place.
#include "daemon/send_gate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "daemon/clock.hpp"
#include "daemon/connectivity_probe.hpp"
#include "daemon/destination.hpp"
#include "daemon/net/network_watcher.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;

SendGate::SendGate(asio::any_io_executor executor, store::CommitQueue& commits, net::NetworkWatcher& network,
                   ConnectivityProbe& probe)
    : executor_(executor), commits_(commits), network_(network), probe_(probe) {}

void SendGate::start(bool paused) {
  paused_ = paused;
  online_ = connectivity().reachable;
  online_since_ = std::chrono::system_clock::now();
}

void SendGate::hold(bool paused) {
  paused_ = paused;
  if (on_paused_) on_paused_();
}

asio::awaitable<proto::Result<void>> SendGate::set_paused(bool paused) {
  const bool was_paused = paused_;
  // Hold first, so nothing new starts while the flag is being committed; resume only once the
  // flag is durable.
  if (paused) hold(true);
  store::CommitQueue::Job<void> job = [paused](store::WriteTxn& txn) { return txn.set_paused(paused); };
  auto stored = co_await commits_.run(std::move(job));
  if (!stored) {
    hold(was_paused);
    co_return stored.error();
  }
  hold(paused);
  co_return proto::Result<void>{};
}

net::Reachability SendGate::connectivity() const {
  auto any = network_.reach_any();
  if (!any.reachable) return any;
  if (probe_.verdict() == ProbeVerdict::portal) return {false, probe_.reason()};
  return any;
}

net::Reachability SendGate::reach(const std::string& destination) const {
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

void SendGate::network_changed(bool grew) {
  if (grew && probe_.verdict() != ProbeVerdict::off) {
    // A new network may be a portal: hold until the probe has seen it (probe_checked releases).
    probe_hold_ = true;
    probe_.check_now();
  }
  note_connectivity();
}

bool SendGate::probe_checked() {
  const bool was_held = probe_hold_;
  if (!probe_.check_pending()) probe_hold_ = false;
  note_connectivity();
  return was_held != probe_hold_;
}

void SendGate::note_connectivity() {
  const auto now = connectivity();
  if (now.reachable == online_) return;
  online_ = now.reachable;
  online_since_ = std::chrono::system_clock::now();
  spdlog::info("network: {}{}", online_ ? "online" : "offline", online_ ? "" : " (" + now.reason + ")");
  asio::co_spawn(executor_, record_network(online_, now.reason), asio::detached);
}

asio::awaitable<void> SendGate::record_network(bool online, std::string reason) {
  store::CommitQueue::Job<proto::Event> job = [online, reason](store::WriteTxn& txn) {
    return txn.record_network(online, reason, now_ms());
  };
  auto recorded = co_await commits_.run(std::move(job));
  if (!recorded && recorded.error().code != proto::errc::shutting_down) {
    spdlog::warn("cannot record a network event: {}", recorded.error().message);
  }
}

}  // namespace bgsync::daemon
