// Decoding of rtnetlink messages with the kernel's own walking macros (NLMSG_OK/NLMSG_NEXT,
// RTA_OK/RTA_NEXT, RTNH_OK/RTNH_NEXT). NLMSG_OK and RTA_OK check the remaining length before
// they look at a header; RTNH_OK does not, so its loop checks first. Every payload is
// size-checked before it is read (with memcpy: attribute payloads need not be aligned for T).
#include "daemon/net/netlink_parse.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

namespace bgsync::net::detail {

namespace ip = boost::asio::ip;

namespace {

template <class T>
T load(const void* data) {
  T value;
  std::memcpy(&value, data, sizeof value);
  return value;
}

std::size_t family_size(std::uint8_t family) { return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0; }

std::optional<ip::address> make_address(std::uint8_t family, const void* data, std::size_t size) {
  if (family == AF_INET && size == 4) {
    ip::address_v4::bytes_type bytes;
    std::memcpy(bytes.data(), data, 4);
    return ip::address(ip::address_v4(bytes));
  }
  if (family == AF_INET6 && size == 16) {
    ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), data, 16);
    return ip::address(ip::address_v6(bytes));
  }
  return std::nullopt;
}

// A string attribute: up to its first NUL, at most IFNAMSIZ bytes (link names are shorter).
std::string load_name(const void* data, std::size_t size) {
  const auto* text = static_cast<const char*>(data);
  const std::size_t limit = std::min<std::size_t>(size, IFNAMSIZ);
  return std::string(text, std::find(text, text + limit, '\0'));
}

// The attributes after a family header of `header_size` bytes, as the length RTA_OK expects, or
// -1 when the message is too short to hold that header.
int attributes_length(const nlmsghdr* message, std::size_t header_size) {
  const std::size_t space = NLMSG_SPACE(header_size);
  if (message->nlmsg_len < space) return -1;
  return static_cast<int>(message->nlmsg_len - space);
}

std::optional<Message> parse_link(const nlmsghdr* message) {
  int length = attributes_length(message, sizeof(ifinfomsg));
  if (length < 0) return std::nullopt;
  const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(message));
  if (info->ifi_family == AF_BRIDGE || info->ifi_index <= 0) return std::nullopt;
  LinkMessage link;
  link.deleted = message->nlmsg_type == RTM_DELLINK;
  link.index = info->ifi_index;
  link.flags = info->ifi_flags;
  for (const rtattr* attr = IFLA_RTA(info); RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
    const std::size_t size = RTA_PAYLOAD(attr);
    if (attr->rta_type == IFLA_IFNAME) {
      link.name = load_name(RTA_DATA(attr), size);
    } else if (attr->rta_type == IFLA_OPERSTATE && size >= 1) {
      link.operstate = load<std::uint8_t>(RTA_DATA(attr));
    }
  }
  return link;
}

std::optional<Message> parse_address(const nlmsghdr* message) {
  int length = attributes_length(message, sizeof(ifaddrmsg));
  if (length < 0) return std::nullopt;
  const auto* info = static_cast<const ifaddrmsg*>(NLMSG_DATA(message));
  if (info->ifa_family != AF_INET && info->ifa_family != AF_INET6) return std::nullopt;
  if (info->ifa_index == 0 || info->ifa_index > static_cast<unsigned>(std::numeric_limits<int>::max()))
    return std::nullopt;
  std::optional<ip::address> local;
  std::optional<ip::address> address;
  for (const rtattr* attr = IFA_RTA(info); RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
    const std::size_t size = RTA_PAYLOAD(attr);
    if (attr->rta_type == IFA_LOCAL) {
      local = make_address(info->ifa_family, RTA_DATA(attr), size);
      if (!local) return std::nullopt;
    } else if (attr->rta_type == IFA_ADDRESS) {
      address = make_address(info->ifa_family, RTA_DATA(attr), size);
      if (!address) return std::nullopt;
    }
  }
  if (!local && !address) return std::nullopt;
  return AddressMessage{message->nlmsg_type == RTM_DELADDR, static_cast<int>(info->ifa_index),
                        local ? *local : *address, info->ifa_prefixlen};
}

// RTA_MULTIPATH: a list of rtnexthop, each followed by its own attributes (RTA_GATEWAY).
bool parse_multipath(std::uint8_t family, const void* data, int length, std::vector<Nexthop>& out) {
  const auto* hop = static_cast<const rtnexthop*>(data);
  while (length >= static_cast<int>(sizeof(rtnexthop)) && RTNH_OK(hop, length)) {
    if (hop->rtnh_ifindex < 0) return false;
    Nexthop nexthop{hop->rtnh_ifindex, std::nullopt};
    int attr_length = static_cast<int>(hop->rtnh_len) - static_cast<int>(RTNH_LENGTH(0));
    for (const auto* attr = static_cast<const rtattr*>(RTNH_DATA(hop)); RTA_OK(attr, attr_length);
         attr = RTA_NEXT(attr, attr_length)) {
      if (attr->rta_type == RTA_GATEWAY) {
        nexthop.gateway = make_address(family, RTA_DATA(attr), RTA_PAYLOAD(attr));
        if (!nexthop.gateway) return false;
      }
    }
    out.push_back(std::move(nexthop));
    length -= static_cast<int>(RTNH_ALIGN(hop->rtnh_len));
    hop = RTNH_NEXT(hop);
  }
  return true;
}

std::optional<Message> parse_route(const nlmsghdr* message) {
  int length = attributes_length(message, sizeof(rtmsg));
  if (length < 0) return std::nullopt;
  const auto* info = static_cast<const rtmsg*>(NLMSG_DATA(message));
  const std::size_t size = family_size(info->rtm_family);
  if (size == 0 || info->rtm_dst_len > size * 8 || (info->rtm_flags & RTM_F_CLONED) != 0) return std::nullopt;
  RouteMessage route;
  route.deleted = message->nlmsg_type == RTM_DELROUTE;
  route.append = (message->nlmsg_flags & NLM_F_APPEND) != 0;
  route.replace = (message->nlmsg_flags & NLM_F_REPLACE) != 0;
  route.type = info->rtm_type;
  route.key.family = info->rtm_family;
  route.key.table = info->rtm_table;
  route.key.dst_len = info->rtm_dst_len;
  route.key.tos = info->rtm_tos;
  Nexthop single;
  std::vector<Nexthop> multipath;
  for (const rtattr* attr = RTM_RTA(info); RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
    const std::size_t payload = RTA_PAYLOAD(attr);
    const void* data = RTA_DATA(attr);
    switch (attr->rta_type) {
      case RTA_TABLE:
        if (payload < 4) return std::nullopt;
        route.key.table = load<std::uint32_t>(data);
        break;
      case RTA_DST:
        if (payload != size) return std::nullopt;
        std::memcpy(route.key.dst.data(), data, size);
        break;
      case RTA_PRIORITY:
        if (payload < 4) return std::nullopt;
        route.key.priority = load<std::uint32_t>(data);
        break;
      case RTA_OIF: {
        if (payload < 4) return std::nullopt;
        const auto oif = load<std::int32_t>(data);
        if (oif < 0) return std::nullopt;
        single.oif = oif;
        break;
      }
      case RTA_GATEWAY:
        single.gateway = make_address(info->rtm_family, data, payload);
        if (!single.gateway) return std::nullopt;
        break;
      case RTA_MULTIPATH:
        if (!parse_multipath(info->rtm_family, data, static_cast<int>(payload), multipath)) return std::nullopt;
        break;
      default:
        break;
    }
  }
  // The kernel keeps prefixes canonical; a forged or corrupt one must not make two keys for one route.
  for (std::size_t bit = route.key.dst_len; bit < 128; ++bit)
    route.key.dst[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  if (!multipath.empty()) {
    route.nexthops = std::move(multipath);
  } else {
    if (route.key.family == AF_INET6) route.key.oif = single.oif;
    if (single.oif != 0 || single.gateway) route.nexthops.push_back(std::move(single));
  }
  return route;
}

std::optional<Message> parse_message(const nlmsghdr* message) {
  switch (message->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return parse_link(message);
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return parse_address(message);
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      return parse_route(message);
    default:
      return std::nullopt;
  }
}

}  // namespace

void parse_datagram(std::span<const std::byte> datagram, const std::function<void(Message&&)>& sink) {
  // The macros dereference headers in place, so they need the alignment the kernel gives its own
  // buffers; a caller's span (a test fixture, a fuzzer) may not have it.
  std::vector<nlmsghdr> aligned;
  const void* base = datagram.data();
  if (reinterpret_cast<std::uintptr_t>(base) % alignof(nlmsghdr) != 0) {
    aligned.resize(datagram.size() / sizeof(nlmsghdr) + 1);
    std::memcpy(aligned.data(), datagram.data(), datagram.size());
    base = aligned.data();
  }
  int length = static_cast<int>(std::min<std::size_t>(datagram.size(), std::numeric_limits<int>::max()));
  for (const auto* message = static_cast<const nlmsghdr*>(base); NLMSG_OK(message, length);
       message = NLMSG_NEXT(message, length)) {
    if (auto parsed = parse_message(message)) sink(std::move(*parsed));
  }
}

std::array<std::uint8_t, 16> address_bytes(const ip::address& address) {
  std::array<std::uint8_t, 16> bytes{};
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), bytes.begin());
  } else {
    const auto v6 = address.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), bytes.begin());
  }
  return bytes;
}

std::string format_prefix(std::uint8_t family, const std::array<std::uint8_t, 16>& bytes, unsigned len) {
  if (len == 0) return family == AF_INET ? "0.0.0.0/0" : "::/0";
  const auto address = make_address(family, bytes.data(), family_size(family));
  if (!address) return "?";
  const std::string text = address->to_string();
  return len == family_size(family) * 8 ? text : text + "/" + std::to_string(len);
}

}  // namespace bgsync::net::detail
