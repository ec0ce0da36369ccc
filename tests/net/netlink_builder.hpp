// Builds rtnetlink messages for the tests: link, address and route messages laid out as the
// kernel lays them out (so they serve both as fake notifications for the model and as requests
// that configure a real network namespace), and datagrams of several messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <linux/rtnetlink.h>

namespace bgsync::net::test {

using Bytes = std::vector<std::byte>;

// Appends messages and attributes, keeping nlmsg_len, rta_len and 4-byte alignment right.
class MessageBuilder {
 public:
  // Starts a message; the previous one (if any) is complete.
  MessageBuilder& message(std::uint16_t type, std::uint16_t flags = 0, std::uint32_t seq = 0);
  // The family header (ifinfomsg, ifaddrmsg, rtmsg) or any raw bytes, padded to 4.
  template <class T>
  MessageBuilder& header(const T& value) {
    return raw(&value, sizeof value);
  }
  MessageBuilder& raw(const void* data, std::size_t size);
  MessageBuilder& attr(std::uint16_t type, const void* data, std::size_t size);
  MessageBuilder& attr_u8(std::uint16_t type, std::uint8_t value) { return attr(type, &value, 1); }
  MessageBuilder& attr_u32(std::uint16_t type, std::uint32_t value) { return attr(type, &value, 4); }
  MessageBuilder& attr_string(std::uint16_t type, std::string_view value);  // NUL-terminated
  MessageBuilder& attr_address(std::uint16_t type, const boost::asio::ip::address& address);
  // A nested attribute: everything added until end_nested() is its payload.
  MessageBuilder& begin_nested(std::uint16_t type);
  MessageBuilder& end_nested();

  const Bytes& bytes() const noexcept { return data_; }

 private:
  void set_u16(std::size_t at, std::size_t value);
  void set_u32(std::size_t at, std::size_t value);
  void pad();

  Bytes data_;
  std::size_t message_start_ = 0;
  bool in_message_ = false;
  std::vector<std::size_t> nests_;
};

// IFF_UP | IFF_RUNNING | IFF_LOWER_UP | IFF_BROADCAST | IFF_MULTICAST: an Ethernet link with carrier.
unsigned link_up_flags();
unsigned link_no_carrier_flags();  // up, but no carrier
unsigned link_down_flags();        // administratively down

Bytes link_message(int index, std::string_view name, unsigned flags, bool deleted = false);
Bytes address_message(int index, std::string_view address, unsigned prefix_len, bool deleted = false);

class RouteSpec;
// An RTM_NEWROUTE (or RTM_DELROUTE) with `flags` added to the header.
Bytes route_message(const RouteSpec& route, bool deleted = false, std::uint16_t flags = 0);

// A route as `ip route` would describe it, built by chaining:
//   route().via("192.168.1.1").dev(2).metric(100)      default via 192.168.1.1 dev #2 metric 100
//   route("10.20.0.0/16").multipath({2, 3})             ECMP over links 2 and 3
//   route("198.51.100.0/24").type(RTN_BLACKHOLE)
class RouteSpec {
 public:
  explicit RouteSpec(std::string dst) : dst_(std::move(dst)) {}
  RouteSpec& via(std::string gateway) { gateway_ = std::move(gateway); return *this; }
  RouteSpec& dev(int index) { oif_ = index; return *this; }
  RouteSpec& multipath(std::vector<int> indexes) { multipath_ = std::move(indexes); return *this; }
  RouteSpec& table(std::uint32_t table) { table_ = table; return *this; }
  RouteSpec& type(std::uint8_t type) { type_ = type; return *this; }
  RouteSpec& metric(std::uint32_t metric) { metric_ = metric; return *this; }
  const std::string& dst() const noexcept { return dst_; }

 private:
  friend Bytes route_message(const RouteSpec& route, bool deleted, std::uint16_t flags);
  std::string dst_;               // a prefix, or an address (host route); "::/0" for IPv6 default
  std::string gateway_;           // empty: none
  int oif_ = 0;                   // 0: none
  std::vector<int> multipath_;    // output links of an ECMP route (then oif_ is ignored)
  std::uint32_t table_ = RT_TABLE_MAIN;
  std::uint8_t type_ = RTN_UNICAST;
  std::uint32_t metric_ = 0;      // 0: no RTA_PRIORITY
};
inline RouteSpec route(std::string dst = "0.0.0.0/0") { return RouteSpec(std::move(dst)); }

// Several messages in one datagram.
Bytes concat(std::initializer_list<Bytes> parts);

}  // namespace bgsync::net::test
