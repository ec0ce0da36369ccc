// The connectivity model: state updates from parsed rtnetlink messages (mimicking what the kernel
// does silently, such as dropping IPv4 routes when their link goes down) and the route lookup
// behind reach(). The lookup is a linear scan over the routes: a desktop has dozens, and the
// model is asked once per due action, not per packet.
#include "daemon/net/connectivity_model.hpp"

#include <algorithm>
#include <sstream>
#include <tuple>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace bgsync::net {

namespace ip = boost::asio::ip;
using detail::RouteKey;

struct ConnectivityModel::Candidate {
  const RouteKey* key;
  const Route* route;
  bool downed;  // from downed_: a route the kernel dropped with its link
};

namespace {

// Carrier: IFF_LOWER_UP is the driver's carrier bit; IFF_RUNNING (operstate up) implies it.
constexpr unsigned carrier_flags = unsigned{IFF_LOWER_UP} | unsigned{IFF_RUNNING};

bool is_reject(std::uint8_t type) { return type == RTN_BLACKHOLE || type == RTN_UNREACHABLE || type == RTN_PROHIBIT; }
bool is_forward(std::uint8_t type) { return type == RTN_UNICAST || type == RTN_LOCAL; }

std::string_view type_name(std::uint8_t type) {
  switch (type) {
    case RTN_UNICAST: return "unicast";
    case RTN_LOCAL: return "local";
    case RTN_BROADCAST: return "broadcast";
    case RTN_ANYCAST: return "anycast";
    case RTN_MULTICAST: return "multicast";
    case RTN_BLACKHOLE: return "blackhole";
    case RTN_UNREACHABLE: return "unreachable";
    case RTN_PROHIBIT: return "prohibit";
    case RTN_THROW: return "throw";
    default: return "other";
  }
}

// Policy routing looks at the local table first, then main, then the rest.
int table_rank(std::uint32_t table) { return table == RT_TABLE_LOCAL ? 0 : table == RT_TABLE_MAIN ? 1 : 2; }

std::string table_name(std::uint32_t table) {
  return table == RT_TABLE_LOCAL ? "local" : table == RT_TABLE_MAIN ? "main" : std::to_string(table);
}

bool prefix_matches(const RouteKey& key, const std::array<std::uint8_t, 16>& bytes) {
  const unsigned whole = key.dst_len / 8;
  const unsigned rest = key.dst_len % 8;
  if (!std::equal(key.dst.begin(), key.dst.begin() + whole, bytes.begin())) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
  return (key.dst[whole] & mask) == (bytes[whole] & mask);
}

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

bool on_link(const std::vector<detail::Nexthop>& nexthops, int index) {
  return std::any_of(nexthops.begin(), nexthops.end(), [index](const auto& hop) { return hop.oif == index; });
}

}  // namespace

void ConnectivityModel::apply(std::span<const std::byte> datagram) {
  detail::parse_datagram(datagram, [this](detail::Message&& message) {
    if (auto* link = std::get_if<detail::LinkMessage>(&message)) {
      apply_link(*link);
    } else if (auto* address = std::get_if<detail::AddressMessage>(&message)) {
      apply_address(*address);
    } else {
      apply_route(std::get<detail::RouteMessage>(std::move(message)));
    }
  });
}

void ConnectivityModel::clear_network() {
  links_.clear();
  addresses_.clear();
  routes_.clear();
  downed_.clear();
}

void ConnectivityModel::apply_link(const detail::LinkMessage& message) {
  const int index = message.index;
  if (message.deleted) {
    links_.erase(index);
    std::erase_if(addresses_, [index](const auto& item) { return item.first == index; });
    flush_ipv4_routes(index, false);
    // IPv6 sends its own RTM_DELROUTEs, but a route must never outlive its link in the model.
    for (auto it = routes_.begin(); it != routes_.end();) {
      auto& hops = it->second.nexthops;
      if (!on_link(hops, index)) {
        ++it;
      } else if (std::all_of(hops.begin(), hops.end(), [index](const auto& hop) { return hop.oif == index; })) {
        it = routes_.erase(it);
      } else {
        std::erase_if(hops, [index](const auto& hop) { return hop.oif == index; });
        ++it;
      }
    }
    std::erase_if(downed_, [index](const auto& item) { return on_link(item.second.nexthops, index); });
    return;
  }
  const auto old = links_.find(index);
  const bool was_up = old != links_.end() && (old->second.flags & IFF_UP) != 0;
  Link& link = links_[index];
  if (message.name) {
    link.name = *message.name;
  } else if (link.name.empty()) {
    link.name = "#" + std::to_string(index);
  }
  link.flags = message.flags;
  if (message.operstate) link.operstate = message.operstate;
  const bool up = (message.flags & IFF_UP) != 0;
  if (was_up && !up) flush_ipv4_routes(index, true);
  // Up again: what the kernel dropped stays dropped; only fresh RTM_NEWROUTEs bring routes back.
  if (up && !was_up) std::erase_if(downed_, [index](const auto& item) { return on_link(item.second.nexthops, index); });
}

// What the kernel does when a link goes down (fib_sync_down_dev + fib_flush), without telling
// anyone: an IPv4 route whose every nexthop is on a down link is deleted. Multipath routes with a
// live nexthop stay (that nexthop is only marked dead, which link state already says). Local
// (host) routes stay too: their nexthop has scope "nowhere", which fib_sync_down_dev skips, and
// on the way up the kernel does not announce them again.
void ConnectivityModel::flush_ipv4_routes(int index, bool remember) {
  const auto dead = [this, index](const detail::Nexthop& hop) {
    if (hop.oif == index) return true;
    const auto it = links_.find(hop.oif);
    return it == links_.end() || (it->second.flags & IFF_UP) == 0;
  };
  for (auto it = routes_.begin(); it != routes_.end();) {
    const auto& hops = it->second.nexthops;
    if (it->first.family == AF_INET && it->second.type != RTN_LOCAL && on_link(hops, index) &&
        std::all_of(hops.begin(), hops.end(), dead)) {
      if (remember && is_forward(it->second.type)) downed_.insert_or_assign(it->first, std::move(it->second));
      it = routes_.erase(it);
    } else {
      ++it;
    }
  }
}

void ConnectivityModel::apply_address(const detail::AddressMessage& message) {
  auto item = std::make_pair(message.index, unmapped(message.address));
  if (message.deleted) {
    addresses_.erase(item);
  } else {
    addresses_.insert(std::move(item));
  }
}

void ConnectivityModel::apply_route(detail::RouteMessage&& message) {
  if (message.deleted) {
    downed_.erase(message.key);
    auto it = routes_.find(message.key);
    if (it == routes_.end() && message.key.oif != 0) {
      // One nexthop of an IPv6 multipath route, which is stored under oif 0.
      RouteKey group = message.key;
      group.oif = 0;
      it = routes_.find(group);
    }
    if (it == routes_.end()) return;
    auto& hops = it->second.nexthops;
    // A delete that names some of a route's nexthops removes just those (IPv6 siblings, IPv4
    // routes added with `ip route append`).
    const bool some_hops = !message.nexthops.empty() && message.nexthops.size() < hops.size() &&
                           std::all_of(message.nexthops.begin(), message.nexthops.end(), [&hops](const auto& hop) {
                             return std::find(hops.begin(), hops.end(), hop) != hops.end();
                           });
    if (some_hops) {
      std::erase_if(hops, [&message](const auto& hop) {
        return std::find(message.nexthops.begin(), message.nexthops.end(), hop) != message.nexthops.end();
      });
    } else {
      routes_.erase(it);
    }
    return;
  }
  downed_.erase(message.key);
  if (message.replace && message.key.family == AF_INET6 && !routes_.contains(message.key)) {
    // The replaced route had another output link, hence another key. The kernel replaced the
    // first route of that prefix and metric; when there is just one, that was it. (With several
    // we cannot tell which, and keep them: a stale route is corrected by its next message.)
    const auto same_prefix = [&message](const auto& item) {
      RouteKey key = item.first;
      key.oif = message.key.oif;
      return key == message.key;
    };
    if (std::count_if(routes_.begin(), routes_.end(), same_prefix) == 1) std::erase_if(routes_, same_prefix);
  }
  if (message.append) {
    const auto it = routes_.find(message.key);
    if (it != routes_.end() && it->second.type == message.type) {
      for (auto& hop : message.nexthops) {
        if (std::find(it->second.nexthops.begin(), it->second.nexthops.end(), hop) == it->second.nexthops.end())
          it->second.nexthops.push_back(std::move(hop));
      }
      return;
    }
  }
  routes_.insert_or_assign(message.key, Route{message.type, std::move(message.nexthops)});
}

std::string ConnectivityModel::link_name(int index) const {
  const auto it = links_.find(index);
  return it == links_.end() ? "#" + std::to_string(index) : it->second.name;
}

std::string ConnectivityModel::link_problem(int index) const {
  const auto it = links_.find(index);
  if (it == links_.end()) return "link #" + std::to_string(index) + " is gone";
  if ((it->second.flags & IFF_UP) == 0) return "link " + it->second.name + " is down";
  if ((it->second.flags & carrier_flags) == 0) return "no carrier on " + it->second.name;
  return {};
}

bool ConnectivityModel::link_usable(int index) const { return link_problem(index).empty(); }

std::string ConnectivityModel::route_problem(const Route& route, std::string* via) const {
  if (route.type == RTN_LOCAL) {
    *via = "local route";
    return {};
  }
  std::string first;
  for (const auto& hop : route.nexthops) {
    // A nexthop without an output link (only from a hand-made message) cannot be judged: let it pass.
    std::string problem = hop.oif == 0 ? std::string{} : link_problem(hop.oif);
    if (problem.empty()) {
      *via = "via " + (hop.oif == 0 ? std::string("a route") : link_name(hop.oif));
      return {};
    }
    if (first.empty()) first = std::move(problem);
  }
  if (route.nexthops.empty()) *via = "via a route";
  return first;
}

bool ConnectivityModel::is_local_address(const ip::address& address) const {
  return std::any_of(addresses_.begin(), addresses_.end(), [&](const auto& item) {
    if (item.second != address) return false;
    const auto link = links_.find(item.first);
    return link != links_.end() && (link->second.flags & IFF_UP) != 0;
  });
}

std::vector<ConnectivityModel::Candidate> ConnectivityModel::candidates(
    std::uint8_t family, const std::array<std::uint8_t, 16>& bytes, bool defaults_only) const {
  std::vector<Candidate> out;
  const auto consider = [&](const auto& routes, bool downed) {
    for (const auto& [key, route] : routes) {
      if (key.family != family || !(is_forward(route.type) || is_reject(route.type))) continue;
      if (defaults_only ? key.dst_len == 0 : prefix_matches(key, bytes)) out.push_back({&key, &route, downed});
    }
  };
  consider(routes_, false);
  consider(downed_, true);
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return std::make_tuple(-int{a.key->dst_len}, a.key->priority, table_rank(a.key->table), a.downed, *a.key) <
           std::make_tuple(-int{b.key->dst_len}, b.key->priority, table_rank(b.key->table), b.downed, *b.key);
  });
  return out;
}

// Walks the candidates from the most specific: a reject route ends the walk, a usable route
// reaches, an unusable one is remembered (the kernel would skip a dead route and use the next)
// so that the reason names the most specific broken route when nothing gets through. `target`
// is the destination's text, or empty when walking default routes.
Reachability ConnectivityModel::walk(const std::vector<Candidate>& candidates, std::string_view target) const {
  const std::string what = target.empty() ? "default route" : "route to " + std::string(target);
  std::string first_problem;
  for (const auto& candidate : candidates) {
    if (is_reject(candidate.route->type)) {
      if (!first_problem.empty()) break;
      return {false, what + " is " + std::string(type_name(candidate.route->type))};
    }
    std::string via;
    std::string problem = route_problem(*candidate.route, &via);
    if (problem.empty() && !candidate.downed) return {true, std::move(via)};
    if (first_problem.empty()) first_problem = std::move(problem);
  }
  if (!first_problem.empty()) return {false, std::move(first_problem)};
  return {false, target.empty() ? "no default route" : "no route to " + std::string(target)};
}

Reachability ConnectivityModel::reach(const ip::address& destination) const {
  const ip::address address = unmapped(destination);
  if (address.is_loopback()) return {true, "loopback"};
  if (address.is_unspecified() || is_local_address(address)) return {true, "local address"};
  const std::uint8_t family = address.is_v4() ? AF_INET : AF_INET6;
  return walk(candidates(family, detail::address_bytes(address), false), address.to_string());
}

Reachability ConnectivityModel::reach(std::string_view host) const {
  const std::string name = normalize_host(host);
  boost::system::error_code error;
  const ip::address address = ip::make_address(name, error);
  if (!error) return reach(address);
  if (name == "localhost" || name.ends_with(".localhost")) return {true, "loopback"};
  if (const auto* learned = learned_.find(name)) {
    Reachability first;
    for (const auto& each : *learned) {
      Reachability result = reach(each);
      if (result.reachable) return result;
      if (first.reason.empty()) first = std::move(result);
    }
    return first;
  }
  return reach_any();
}

Reachability ConnectivityModel::reach_any() const {
  std::optional<Reachability> first;
  for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
    const auto defaults = candidates(family, {}, true);
    if (defaults.empty()) continue;
    Reachability result = walk(defaults, {});
    if (result.reachable) return {true, "default route " + result.reason};
    if (!first) first = std::move(result);
  }
  return first ? *first : Reachability{false, "no default route"};
}

void ConnectivityModel::learn(std::string_view host, std::vector<ip::address> addresses) {
  for (auto& address : addresses) address = unmapped(address);
  learned_.learn(host, std::move(addresses));
}

ConnectivityModel::Paths ConnectivityModel::paths() const {
  Paths paths;
  for (const auto& [key, route] : routes_) {
    if (is_reject(route.type)) {
      paths.rejecting.insert(key);
    } else if (is_forward(route.type)) {
      if (route.nexthops.empty()) paths.usable.emplace(key, 0);
      for (const auto& hop : route.nexthops) {
        if (route.type == RTN_LOCAL || hop.oif == 0 || link_usable(hop.oif)) paths.usable.emplace(key, hop.oif);
      }
    }
  }
  return paths;
}

bool adds_connectivity(const ConnectivityModel::Paths& after, const ConnectivityModel::Paths& before) {
  return !std::includes(before.usable.begin(), before.usable.end(), after.usable.begin(), after.usable.end()) ||
         !std::includes(after.rejecting.begin(), after.rejecting.end(), before.rejecting.begin(),
                        before.rejecting.end());
}

std::string ConnectivityModel::describe() const {
  std::ostringstream out;
  const Reachability online = reach_any();
  out << "online: " << (online.reachable ? "yes, " : "no, ") << online.reason << '\n';
  for (const auto& [index, link] : links_) {
    out << "link " << index << ' ' << link.name << ':' << ((link.flags & IFF_UP) ? " up" : " down")
        << ((link.flags & carrier_flags) ? " carrier" : " no-carrier")
        << ((link.flags & IFF_LOOPBACK) ? " loopback" : "");
    for (auto it = addresses_.lower_bound({index, ip::address()}); it != addresses_.end() && it->first == index; ++it)
      out << ' ' << it->second.to_string();
    out << '\n';
  }
  for (const auto& [key, route] : routes_) {
    out << "route " << detail::format_prefix(key.family, key.dst, key.dst_len) << " table " << table_name(key.table)
        << " metric " << key.priority << ' ' << type_name(route.type);
    for (const auto& hop : route.nexthops) {
      if (hop.gateway) out << " via " << hop.gateway->to_string();
      if (hop.oif != 0) out << " dev " << link_name(hop.oif);
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace bgsync::net
