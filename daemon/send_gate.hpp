// SendGate: whether anything may be sent, and to where. The one owner of "paused" (in memory; the
// outbox keeps the durable copy), of the probe's hold after a network gain, of each destination's
// reachability (the NetworkWatcher's verdict, overruled by the ConnectivityProbe for all but
// loopback) and of online/offline with its "since", recording a `network` event at each flip.
// Scheduler and PeriodicScheduler ask it before sending; status and systemd's STATUS= line read it.
//
// With a connectivity probe configured, a captive portal holds every destination but loopback,
// and so does a network gain until the probe has looked at the new network: an action sent into
// a portal is answered by the portal (a redirect, a login page), not by its server.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/net/connectivity_model.hpp"

namespace bgsync::store {
class CommitQueue;
}  // namespace bgsync::store

namespace bgsync::net {
class NetworkWatcher;
}  // namespace bgsync::net

namespace bgsync::daemon {

class ConnectivityProbe;

class SendGate {
 public:
  SendGate(boost::asio::any_io_executor executor, store::CommitQueue& commits, net::NetworkWatcher& network,
           ConnectivityProbe& probe);

  // At start-up, with the outbox's durable flag: online is the network's verdict now, since now.
  void start(bool paused);
  // Called whenever paused changes (held, restored or set): the scheduler looks again.
  void on_paused(std::function<void()> callback) { on_paused_ = std::move(callback); }

  // While paused nothing is sent; attempts already on the wire finish.
  bool paused() const noexcept { return paused_; }
  // Pauses or resumes, durably. Sending is held before the flag is committed, so nothing new
  // starts meanwhile; a resume takes effect only once it is durable; a failed commit restores
  // what was.
  boost::asio::awaitable<proto::Result<void>> set_paused(bool paused);

  // Whether actions to the internet can go, and why not: the network's default route, then the
  // probe. Since when: set at start() and at each flip (the `network` events).
  net::Reachability connectivity() const;
  std::chrono::system_clock::time_point online_since() const noexcept { return online_since_; }
  // The network's verdict on `destination`, overruled by the probe for all but loopback.
  net::Reachability reach(const std::string& destination) const;

  // After a (debounced) network change: a gain holds all but loopback until the probe, asked to
  // check now, has seen the new network. Records a `network` event when online flipped.
  void network_changed(bool grew);
  // After each probe check: lifts the hold once no check is pending. Records a `network` event
  // when online flipped. Returns whether the hold was lifted.
  bool probe_checked();

 private:
  // Records a `network` event if connectivity() flipped.
  void note_connectivity();
  boost::asio::awaitable<void> record_network(bool online, std::string reason);
  void hold(bool paused);

  boost::asio::any_io_executor executor_;
  store::CommitQueue& commits_;
  net::NetworkWatcher& network_;
  ConnectivityProbe& probe_;
  std::function<void()> on_paused_;
  bool paused_ = false;
  bool probe_hold_ = false;  // a network gain the probe has not looked at yet
  bool online_ = true;       // as last reported in a `network` event
  std::chrono::system_clock::time_point online_since_;
};

}  // namespace bgsync::daemon
