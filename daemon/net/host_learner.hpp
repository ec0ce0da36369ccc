// Resolves the host names of parked actions, so that the NetworkWatcher can judge a name by its
// addresses instead of by the default route: a VPN-only or LAN-only host then counts as
// reachable when its route is, even with no default route at all.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

namespace bgsync::net {

class NetworkWatcher;

// True for a destination the resolver has to look up: not an IP literal, not localhost.
bool is_host_name(const std::string& destination);

class HostLearner {
 public:
  // At most this many lookups wait at once; more are dropped until the next network change
  // (the resolver runs them one by one, and a lookup against a dead DNS server can take seconds).
  static constexpr std::size_t max_pending = 64;

  HostLearner(boost::asio::any_io_executor executor, NetworkWatcher& network);
  ~HostLearner();  // stop()
  HostLearner(const HostLearner&) = delete;
  HostLearner& operator=(const HostLearner&) = delete;

  // Looks `host` up unless that was already done (or started) since the last network change,
  // hands the addresses to NetworkWatcher::learn(), then calls `learned` on the executor. A
  // failed lookup teaches nothing and calls nothing: the name keeps the default-route verdict.
  void learn(const std::string& host, std::function<void()> learned);
  // The network changed: answers may differ now, so each name may be looked up once more.
  void network_changed();
  // Abandons lookups in flight; their callbacks are not called.
  void stop();

  std::size_t lookups() const noexcept;  // started so far, for tests and logs

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bgsync::net
