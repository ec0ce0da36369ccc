// The tests' netlink message builder. Route messages carry protocol and scope as `ip route`
// would send them, so that the same bytes are accepted by the kernel as requests.
#include "tests/net/netlink_builder.hpp"

#include <cstring>
#include <stdexcept>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace bgsync::net::test {

namespace ip = boost::asio::ip;

MessageBuilder& MessageBuilder::message(std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
  pad();
  message_start_ = data_.size();
  in_message_ = true;
  nlmsghdr header{};
  header.nlmsg_type = type;
  header.nlmsg_flags = flags;
  header.nlmsg_seq = seq;
  return raw(&header, sizeof header);
}

MessageBuilder& MessageBuilder::raw(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const std::byte*>(data);
  data_.insert(data_.end(), bytes, bytes + size);
  pad();
  if (in_message_) set_u32(message_start_, data_.size() - message_start_);
  return *this;
}

MessageBuilder& MessageBuilder::attr(std::uint16_t type, const void* data, std::size_t size) {
  rtattr header{};
  header.rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
  header.rta_type = type;
  const auto* bytes = reinterpret_cast<const std::byte*>(&header);
  data_.insert(data_.end(), bytes, bytes + sizeof header);
  return raw(data, size);
}

MessageBuilder& MessageBuilder::attr_string(std::uint16_t type, std::string_view value) {
  std::string text(value);
  return attr(type, text.c_str(), text.size() + 1);
}

MessageBuilder& MessageBuilder::attr_address(std::uint16_t type, const ip::address& address) {
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    return attr(type, bytes.data(), bytes.size());
  }
  const auto bytes = address.to_v6().to_bytes();
  return attr(type, bytes.data(), bytes.size());
}

MessageBuilder& MessageBuilder::begin_nested(std::uint16_t type) {
  nests_.push_back(data_.size());
  rtattr header{};
  header.rta_type = type;
  return raw(&header, sizeof header);
}

MessageBuilder& MessageBuilder::end_nested() {
  const std::size_t start = nests_.back();
  nests_.pop_back();
  set_u16(start, data_.size() - start);
  return *this;
}

void MessageBuilder::set_u16(std::size_t at, std::size_t value) {
  const auto v = static_cast<std::uint16_t>(value);
  std::memcpy(data_.data() + at, &v, sizeof v);
}

void MessageBuilder::set_u32(std::size_t at, std::size_t value) {
  const auto v = static_cast<std::uint32_t>(value);
  std::memcpy(data_.data() + at, &v, sizeof v);
}

void MessageBuilder::pad() { data_.resize(NLMSG_ALIGN(data_.size())); }

unsigned link_up_flags() { return IFF_UP | IFF_RUNNING | IFF_LOWER_UP | IFF_BROADCAST | IFF_MULTICAST; }
unsigned link_no_carrier_flags() { return IFF_UP | IFF_BROADCAST | IFF_MULTICAST; }
unsigned link_down_flags() { return IFF_BROADCAST | IFF_MULTICAST; }

Bytes link_message(int index, std::string_view name, unsigned flags, bool deleted) {
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = index;
  info.ifi_flags = flags;
  info.ifi_change = 0xffffffffu;
  MessageBuilder builder;
  builder.message(deleted ? RTM_DELLINK : RTM_NEWLINK).header(info).attr_string(IFLA_IFNAME, name);
  builder.attr_u8(IFLA_OPERSTATE, (flags & IFF_LOWER_UP) != 0 ? IF_OPER_UP : IF_OPER_DOWN);
  return builder.bytes();
}

Bytes address_message(int index, std::string_view address, unsigned prefix_len, bool deleted) {
  const ip::address parsed = ip::make_address(address);
  ifaddrmsg info{};
  info.ifa_family = parsed.is_v4() ? AF_INET : AF_INET6;
  info.ifa_prefixlen = static_cast<unsigned char>(prefix_len);
  info.ifa_flags = parsed.is_v6() ? IFA_F_NODAD : 0;
  info.ifa_index = static_cast<unsigned>(index);
  MessageBuilder builder;
  builder.message(deleted ? RTM_DELADDR : RTM_NEWADDR).header(info).attr_address(IFA_ADDRESS, parsed);
  if (parsed.is_v4()) builder.attr_address(IFA_LOCAL, parsed);
  return builder.bytes();
}

Bytes route_message(const RouteSpec& route, bool deleted, std::uint16_t flags) {
  const auto slash = route.dst_.find('/');
  const ip::address dst = ip::make_address(route.dst_.substr(0, slash));
  const unsigned full = dst.is_v4() ? 32 : 128;
  const unsigned dst_len = slash == std::string::npos ? full : static_cast<unsigned>(std::stoul(route.dst_.substr(slash + 1)));
  rtmsg info{};
  info.rtm_family = dst.is_v4() ? AF_INET : AF_INET6;
  info.rtm_dst_len = static_cast<unsigned char>(dst_len);
  info.rtm_table = static_cast<unsigned char>(route.table_ < 256 ? route.table_ : unsigned{RT_TABLE_COMPAT});
  info.rtm_protocol = RTPROT_BOOT;
  const bool on_link = route.type_ == RTN_UNICAST && route.gateway_.empty() && route.multipath_.empty();
  info.rtm_scope = static_cast<unsigned char>(on_link ? unsigned{RT_SCOPE_LINK} : unsigned{RT_SCOPE_UNIVERSE});
  info.rtm_type = route.type_;
  MessageBuilder builder;
  builder.message(deleted ? RTM_DELROUTE : RTM_NEWROUTE, flags).header(info).attr_u32(RTA_TABLE, route.table_);
  if (dst_len > 0) builder.attr_address(RTA_DST, dst);
  if (route.metric_ != 0) builder.attr_u32(RTA_PRIORITY, route.metric_);
  if (!route.multipath_.empty()) {
    Bytes hops;
    for (const int oif : route.multipath_) {
      rtnexthop hop{};
      hop.rtnh_len = sizeof hop;
      hop.rtnh_ifindex = oif;
      const auto* bytes = reinterpret_cast<const std::byte*>(&hop);
      hops.insert(hops.end(), bytes, bytes + sizeof hop);
    }
    builder.attr(RTA_MULTIPATH, hops.data(), hops.size());
  } else {
    if (!route.gateway_.empty()) builder.attr_address(RTA_GATEWAY, ip::make_address(route.gateway_));
    if (route.oif_ != 0) builder.attr_u32(RTA_OIF, static_cast<std::uint32_t>(route.oif_));
  }
  return builder.bytes();
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace bgsync::net::test
