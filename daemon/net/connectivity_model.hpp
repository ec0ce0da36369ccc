// The machine's connectivity as rtnetlink describes it — links, our addresses, the routing tables —
// rebuilt from raw rtnetlink datagrams, and the one question the scheduler asks of it: could a
// packet to this destination leave now, and if not, why not (in words a person can act on).
// Pure: no I/O, no clock; the NetworkWatcher feeds it. Not thread-safe (a value type).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "daemon/net/host_cache.hpp"
#include "daemon/net/netlink_parse.hpp"

namespace bgsync::net {

struct Reachability {
  bool reachable = false;
  // Why not ("no route to 192.0.2.1", "link veth0 is down", "no carrier on wlan0", "route to
  // 10.0.0.1 is unreachable", "no default route"), or how when reachable ("via eth0", "loopback").
  std::string reason;
};

class ConnectivityModel {
 public:
  // Applies every link, address and route message in one datagram (a dump part or a
  // notification). Anything else — other types, NLMSG_DONE/ERROR, truncated or malformed
  // messages — is skipped; arbitrary bytes are safe.
  void apply(std::span<const std::byte> datagram);
  // Forgets links, addresses and routes (before a fresh dump); keeps the learned hosts.
  void clear_network();

  // Loopback and our own addresses (on a link that is up) are reachable. Otherwise the most
  // specific route wins (then the lowest metric, then the local table, then main): a reject route
  // (blackhole, unreachable, prohibit) makes it unreachable; a unicast or local route makes it
  // reachable when one of its output links exists, is up and has carrier. A more specific route
  // whose links are unusable falls through to less specific ones, so the reason names the most
  // specific broken route only when nothing else gets there. Throw routes and broadcast,
  // multicast and anycast routes are ignored. IPv4-mapped IPv6 is judged as IPv4.
  Reachability reach(const boost::asio::ip::address& destination) const;
  // `host` as in a URL: "[::1]", an IP literal, "localhost" (or *.localhost), or a name. A name
  // with learned addresses is reachable when any of them is; other names use reach_any().
  Reachability reach(std::string_view host) const;
  // For names we cannot resolve offline: is there a usable default route (IPv4 or IPv6)?
  Reachability reach_any() const;
  bool online() const { return reach_any().reachable; }

  // Remembers what `host` resolved to (bounded; see HostCache); an empty list forgets it.
  void learn(std::string_view host, std::vector<boost::asio::ip::address> addresses);

  // A few lines for debug logs: links with state and addresses, then routes, in a stable order
  // (two models of the same kernel state describe themselves identically).
  std::string describe() const;
  std::size_t link_count() const noexcept { return links_.size(); }
  std::size_t route_count() const noexcept { return routes_.size(); }
  std::size_t learned_count() const noexcept { return learned_.size(); }

  // What going online or offline is measured by: each usable (route, output link) pair, and
  // each reject route. See adds_connectivity().
  struct Paths {
    std::set<std::pair<detail::RouteKey, int>> usable;
    std::set<detail::RouteKey> rejecting;
    bool operator==(const Paths&) const = default;
  };
  Paths paths() const;

 private:
  struct Link {
    std::string name;
    unsigned flags = 0;  // IFF_*
    std::optional<std::uint8_t> operstate;
  };
  struct Route {
    std::uint8_t type = 0;  // RTN_*
    std::vector<detail::Nexthop> nexthops;
  };
  struct Candidate;

  void apply_link(const detail::LinkMessage& message);
  void apply_address(const detail::AddressMessage& message);
  void apply_route(detail::RouteMessage&& message);
  void flush_ipv4_routes(int index, bool remember);
  bool link_usable(int index) const;
  std::string link_problem(int index) const;
  std::string link_name(int index) const;
  bool is_local_address(const boost::asio::ip::address& address) const;
  std::vector<Candidate> candidates(std::uint8_t family, const std::array<std::uint8_t, 16>& bytes,
                                    bool defaults_only) const;
  Reachability walk(const std::vector<Candidate>& candidates, std::string_view target) const;
  // For a unicast or local route: "" when usable, else why not; `via` names a usable link.
  std::string route_problem(const Route& route, std::string* via) const;

  std::map<int, Link> links_;
  std::set<std::pair<int, boost::asio::ip::address>> addresses_;
  std::map<detail::RouteKey, Route> routes_;
  // IPv4 routes the kernel dropped without a word when their link went down (it sends no
  // RTM_DELROUTE for those): gone for forwarding, kept only so the reason can say "link X is
  // down" instead of "no route". Forgotten when the link comes back up or goes away.
  std::map<detail::RouteKey, Route> downed_;
  HostCache learned_;
};

// True when `after` has a usable (route, link) pair that `before` lacks, or lacks a reject route
// that `before` has: the change lets some packet out that could not leave before.
bool adds_connectivity(const ConnectivityModel::Paths& after, const ConnectivityModel::Paths& before);

}  // namespace bgsync::net
