// Parking: actions whose destination is unreachable wait in the outbox under that destination
// (no attempt or backoff burned), and go back to `due` once it is reachable again. When the
// network grows, parked destinations that became reachable are released at once and actions
// backing off after network errors are made due now: walking out of the lift should not mean
// sitting out a five-minute backoff. A parked host name is looked up (HostLearner) so that its
// addresses, not the default route, decide: a VPN-only host goes out when its route is up.
// The Scheduler parks what its look finds unreachable, and asks for a release on network changes.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bgsync/proto/types.hpp"
#include "daemon/net/host_learner.hpp"

namespace bgsync::store {
class CommitQueue;
}  // namespace bgsync::store

namespace bgsync::daemon {

class SendGate;

class Parking {
 public:
  // `wake` is called when actions may have become due (after a release, or a failed park).
  Parking(boost::asio::any_io_executor executor, store::CommitQueue& commits, net::NetworkWatcher& network,
          const SendGate& gate, std::function<void()> wake);

  // Parks `id` under `destination` (a commit; the action stays listed in `due` until it is done)
  // and looks the host up.
  void park(proto::ActionId id, std::string destination);
  // Whether `id`'s park is being committed: the look must not take it meanwhile.
  bool parking(const proto::ActionId& id) const { return parking_.contains(id); }
  std::size_t size() const noexcept { return parking_.size(); }
  // Releases the parked destinations that are reachable now, and cuts network backoffs short.
  void release();
  // The network changed: host lookups start over.
  void network_changed() { hosts_.network_changed(); }
  void stop();

 private:
  boost::asio::awaitable<void> commit_park(proto::ActionId id, std::string destination);
  boost::asio::awaitable<void> release_parked();
  // Unparks reachable destinations, and resets network backoffs; each returns how many, or
  // nullopt when a commit failed (then the release stops there).
  boost::asio::awaitable<std::optional<std::size_t>> unpark_reachable();
  boost::asio::awaitable<std::optional<std::size_t>> reset_network_backoff();
  // Looks a parked host name up; if its addresses turn out reachable, releases it.
  void learn_host(const std::string& destination);

  boost::asio::any_io_executor executor_;
  store::CommitQueue& commits_;
  const SendGate& gate_;
  std::function<void()> wake_;
  net::HostLearner hosts_;
  bool stopping_ = false;
  // Actions whose park is being committed (still listed in `due` until it is).
  std::set<proto::ActionId> parking_;
};

}  // namespace bgsync::daemon
