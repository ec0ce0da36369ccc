// The NetworkWatcher: the daemon's view of the network, kept current from rtnetlink on the
// daemon's io_context, debounced, and asked per destination before every attempt.
//
// Why per destination. "Online" is not one bit. A laptop on a train has no default route but a
// VPN route to the office; a machine on a LAN without internet still reaches the NAS; loopback is
// always there. The browser's single navigator.onLine flag would hold the office's requests back
// or burn the internet's retries. So the question is the kernel's own — is there a route to this
// address over a link that is up and has carrier — asked for each action's host. A host name we
// cannot resolve offline falls back to "is there a usable default route", unless the daemon has
// resolved it before (learn()): then its addresses decide, which is what makes a VPN-only host
// work.
//
// Why the debounce is asymmetric. Netlink speaks in bursts: a Wi-Fi association is a link
// change, an address, a prefix route and a default route within milliseconds. Applying each one
// would flap the verdict, so changes collect in a pending model and are applied together. Gaining
// connectivity is applied after a short delay (online_debounce, 20 ms): the queue should drain
// the moment the route is back. Losing it waits longer (offline_debounce, 2 s), as Chromium's
// NetworkChangeNotifier does: a brief carrier flap or a DHCP renewal that removes and re-adds a
// route must not make the scheduler give up on sends that would have worked. A gain arriving
// during that wait applies everything at once. Nothing polls; timers exist only for the debounce.
//
// Why fail open. If rtnetlink cannot be opened (a seccomp filter, an odd container, a kernel
// without it) or breaks later, the daemon must not hold its queue forever on a guess. It logs
// once and treats every destination as reachable; the retry backoff still limits the cost of
// trying while offline. That is Chromium's choice too: unknown means online.
//
// Why kernel messages only. Any local process may unicast a datagram to our netlink port id,
// and a forged RTM_NEWROUTE would make us send into a dead network (or a forged RTM_DELLINK stop
// the queue). Every datagram's sender address is checked (nl_pid 0 is the kernel); others are
// dropped and counted.
//
// Overruns. When the kernel's socket buffer fills (a routing daemon loading a table), it drops
// messages and reports ENOBUFS: the model is then stale in unknown ways, so the watcher dumps
// everything again (resync) into the pending model. The buffer is made large to keep that rare.
//
// Threading: use the watcher only on its executor's thread (the daemon runs one). start() and a
// resync block that thread for the dump, normally a millisecond, at most ~2 s.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/net/connectivity_model.hpp"

namespace bgsync::net {

struct WatcherOptions {
  std::chrono::milliseconds online_debounce{20};     // delay before a change that adds connectivity applies
  std::chrono::milliseconds offline_debounce{2000};  // delay before a change that only removes it applies
  int receive_buffer = 8 * 1024 * 1024;              // SO_RCVBUF(FORCE) of the netlink socket, bytes
};

class NetworkWatcher {
 public:
  NetworkWatcher(boost::asio::any_io_executor executor, WatcherOptions options = {});
  // Stops (see stop()).
  ~NetworkWatcher();
  NetworkWatcher(const NetworkWatcher&) = delete;
  NetworkWatcher& operator=(const NetworkWatcher&) = delete;

  // Opens and subscribes the rtnetlink socket in the calling thread's network namespace, dumps
  // links, addresses and routes (blocking, at most ~2 s), then follows changes asynchronously.
  // On error (message for a person: "cannot open rtnetlink: Permission denied") the watcher
  // stays unavailable and reach*() say reachable: the caller logs once and carries on.
  // Calling it again after success is an error.
  proto::Result<void> start();
  // Stops reading and cancels the debounce; the last effective model stays. Idempotent. No
  // on_change() call happens after it returns.
  void stop();

  // False before start(), after it failed, or after the socket broke: then everything is
  // reported reachable with the reason "network state unknown (netlink unavailable)".
  bool available() const;

  // As ConnectivityModel::reach() / reach_any() on the effective (debounced) model.
  Reachability reach(std::string_view host) const;
  Reachability reach(const boost::asio::ip::address& destination) const;
  Reachability reach_any() const;
  bool online() const { return reach_any().reachable; }
  const ConnectivityModel& model() const;

  // Remembers what a host name resolved to; applies at once (no debounce).
  void learn(std::string_view host, std::vector<boost::asio::ip::address> addresses);

  // Called on the executor after each debounced change that alters the usable paths; `grew` is
  // true when some destination may have become reachable (reset backoffs, wake the scheduler),
  // false when connectivity was only lost. Also called with true when the watcher fails open.
  void on_change(std::function<void(bool grew)> callback);
  // A reload: the delays apply from the next change on (one waiting now keeps its time).
  void set_debounce(std::chrono::milliseconds online, std::chrono::milliseconds offline);

  // Since when online() has had its current value: set by start() (the daemon cannot know what
  // it was before), then at each change. Unset before start().
  std::optional<std::chrono::system_clock::time_point> online_since() const;
  // True while a change waits out its debounce (the effective model is about to be replaced).
  bool settling() const;

  // Diagnostics (and tests): the socket's netlink port id (0 before start), datagrams dropped
  // because a process rather than the kernel sent them, and resyncs after an overrun.
  std::uint32_t port_id() const;
  std::uint64_t foreign_datagrams() const;
  std::uint64_t resyncs() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bgsync::net
