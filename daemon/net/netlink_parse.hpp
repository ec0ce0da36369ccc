// Decodes raw rtnetlink datagrams into plain structs (links, addresses, routes) for the
// connectivity model. Input is untrusted bytes: anything truncated, oversized or inconsistent is
// skipped, never read past; other message types are ignored.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace bgsync::net::detail {

// RTM_NEWLINK / RTM_DELLINK (ifinfomsg). Bridge-port messages (AF_BRIDGE) are not links and are
// dropped by the parser: an AF_BRIDGE RTM_DELLINK means "left the bridge", not "gone".
struct LinkMessage {
  bool deleted = false;
  int index = 0;
  unsigned flags = 0;                       // IFF_* (ifi_flags)
  std::optional<std::string> name;          // IFLA_IFNAME
  std::optional<std::uint8_t> operstate;    // IFLA_OPERSTATE (IF_OPER_*)
};

// RTM_NEWADDR / RTM_DELADDR (ifaddrmsg): one of our own addresses. IFA_LOCAL when present (on a
// point-to-point link IFA_ADDRESS is the peer's), else IFA_ADDRESS.
struct AddressMessage {
  bool deleted = false;
  int index = 0;
  boost::asio::ip::address address;
  std::uint8_t prefix_len = 0;
};

// How the kernel tells routes apart for replace and delete. `dst` holds 4 (AF_INET) or 16
// (AF_INET6) bytes, zero beyond them and masked to dst_len. IPv4 allows one route per (table,
// prefix, tos, metric); IPv6 keeps one per output link as well (every link has its own
// fe80::/64 at metric 256), so `oif` is part of an IPv6 single-path route's key (0 otherwise,
// and for an IPv6 multipath route).
struct RouteKey {
  std::uint8_t family = 0;
  std::uint32_t table = 0;
  std::array<std::uint8_t, 16> dst{};
  std::uint8_t dst_len = 0;
  std::uint32_t priority = 0;
  std::uint8_t tos = 0;
  int oif = 0;
  auto operator<=>(const RouteKey&) const = default;
};

struct Nexthop {
  int oif = 0;  // 0: the message named no output link
  std::optional<boost::asio::ip::address> gateway;
  bool operator==(const Nexthop&) const = default;
};

// RTM_NEWROUTE / RTM_DELROUTE for AF_INET and AF_INET6; cloned (cache) entries are dropped.
struct RouteMessage {
  bool deleted = false;
  bool append = false;   // NLM_F_APPEND: another nexthop for an existing route
  bool replace = false;  // NLM_F_REPLACE: replaced an existing route (maybe with another oif)
  RouteKey key;
  std::uint8_t type = 0;  // RTN_*
  std::vector<Nexthop> nexthops;
};

using Message = std::variant<LinkMessage, AddressMessage, RouteMessage>;

// Walks every nlmsghdr in `datagram` and hands each well-formed link, address or route message
// to `sink`, in order. Accepts any alignment of `datagram` (it copies when misaligned).
void parse_datagram(std::span<const std::byte> datagram, const std::function<void(Message&&)>& sink);

// Bytes of a prefix as stored in RouteKey::dst.
std::array<std::uint8_t, 16> address_bytes(const boost::asio::ip::address& address);
std::string format_prefix(std::uint8_t family, const std::array<std::uint8_t, 16>& bytes, unsigned len);

}  // namespace bgsync::net::detail
