// The default-route requests, built by hand: nlmsghdr + rtmsg + RTA_GATEWAY, then a wait for the
// kernel's NLMSG_ERROR acknowledgement (error 0 means done).
#include "tests/netns/route_socket.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/netns/netns_topology.hpp"

namespace bgsync::test {
namespace {

struct RouteRequest {
  nlmsghdr header;
  rtmsg route;
  alignas(NLMSG_ALIGNTO) char attributes[RTA_SPACE(sizeof(in_addr))];
};

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

RouteSocket::RouteSocket(const std::string& netns) {
  const ScopedNetns in(netns);
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) throw std::runtime_error("cannot open an rtnetlink socket in " + netns + ": " + errno_text(errno));
}

RouteSocket::~RouteSocket() {
  if (fd_ >= 0) ::close(fd_);
}

void RouteSocket::add_default(const std::string& gateway) {
  RouteRequest r{};
  r.route.rtm_family = AF_INET;
  r.route.rtm_table = RT_TABLE_MAIN;
  r.route.rtm_protocol = RTPROT_BOOT;
  r.route.rtm_scope = RT_SCOPE_UNIVERSE;
  r.route.rtm_type = RTN_UNICAST;
  auto* attr = reinterpret_cast<rtattr*>(r.attributes);
  attr->rta_type = RTA_GATEWAY;
  attr->rta_len = RTA_LENGTH(sizeof(in_addr));
  if (::inet_pton(AF_INET, gateway.c_str(), RTA_DATA(attr)) != 1) throw std::invalid_argument("not an IPv4 address: " + gateway);
  r.header.nlmsg_type = RTM_NEWROUTE;
  r.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  r.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg) + RTA_SPACE(sizeof(in_addr)));
  request(r.header, "add default via " + gateway);
}

void RouteSocket::remove_default() {
  RouteRequest r{};
  r.route.rtm_family = AF_INET;
  r.route.rtm_table = RT_TABLE_MAIN;
  r.route.rtm_scope = RT_SCOPE_NOWHERE;  // as iproute2 sends a delete: match any scope
  r.header.nlmsg_type = RTM_DELROUTE;
  r.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  r.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
  request(r.header, "delete the default route");
}

void RouteSocket::request(nlmsghdr& message, const std::string& what) {
  message.nlmsg_seq = ++seq_;
  const auto length = message.nlmsg_len;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, &message, length, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) !=
      static_cast<ssize_t>(length)) {
    throw std::runtime_error(what + ": " + errno_text(errno));
  }
  alignas(nlmsghdr) char buffer[8192];
  for (;;) {
    pollfd wait{fd_, POLLIN, 0};
    if (::poll(&wait, 1, 2000) == 0) throw std::runtime_error(what + ": no acknowledgement from the kernel within 2 s");
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(what + ": " + errno_text(errno));
    }
    int left = static_cast<int>(n);
    for (auto* reply = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(reply, left); reply = NLMSG_NEXT(reply, left)) {
      if (reply->nlmsg_seq != seq_ || reply->nlmsg_type != NLMSG_ERROR) continue;
      const int error = static_cast<const nlmsgerr*>(NLMSG_DATA(reply))->error;
      if (error != 0) throw std::runtime_error(what + ": " + errno_text(-error));
      return;
    }
  }
}

}  // namespace bgsync::test
