// The namespace thread and the rtnetlink configuration client of the watcher tests.
#include "tests/net/netns_harness.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <vector>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/veth.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

namespace bgsync::net::test {

NetnsThread::NetnsThread() : work_(io_.get_executor()) {
  std::promise<std::string> started;
  auto outcome = started.get_future();
  thread_ = std::thread([this, &started] {
    if (::unshare(CLONE_NEWNET) != 0) {
      started.set_value(std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
      return;
    }
    started.set_value({});
    io_.run();
  });
  error_ = outcome.get();
}

NetnsThread::~NetnsThread() {
  work_.reset();
  io_.stop();
  thread_.join();
}

proto::Result<RtnlClient> RtnlClient::open() {
  auto fd = open_rtnetlink(0, 0);
  if (!fd) return fd.error();
  return RtnlClient(std::move(*fd));
}

proto::Result<void> RtnlClient::request(Bytes message, std::uint16_t flags, std::string_view what) {
  const std::uint32_t seq = ++seq_;
  nlmsghdr header;
  std::memcpy(&header, message.data(), sizeof header);
  header.nlmsg_flags = static_cast<std::uint16_t>(header.nlmsg_flags | NLM_F_REQUEST | NLM_F_ACK | flags);
  header.nlmsg_seq = seq;
  std::memcpy(message.data(), &header, sizeof header);
  const auto fail = [what](int error) {
    return proto::Error{std::error_code(error, std::system_category()),
                        std::string(what) + ": " + std::system_category().message(error)};
  };
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), message.data(), message.size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
               sizeof kernel) != static_cast<ssize_t>(message.size()))
    return fail(errno);
  std::vector<nlmsghdr> storage(65536 / sizeof(nlmsghdr));
  const std::span<std::byte> buffer(reinterpret_cast<std::byte*>(storage.data()), 65536);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{2};
  for (;;) {
    const ReadResult read = read_datagram(fd_.get(), buffer);
    if (read.status == ReadStatus::empty) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return fail(ETIMEDOUT);
      pollfd wait{fd_.get(), POLLIN, 0};
      ::poll(&wait, 1, static_cast<int>(left.count()));
      continue;
    }
    if (read.status != ReadStatus::datagram) return fail(read.error != 0 ? read.error : EPROTO);
    int length = static_cast<int>(read.size);
    for (const auto* reply = storage.data(); NLMSG_OK(reply, length); reply = NLMSG_NEXT(reply, length)) {
      if (reply->nlmsg_seq != seq || reply->nlmsg_type != NLMSG_ERROR) continue;
      if (reply->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return fail(EPROTO);
      const int error = static_cast<const nlmsgerr*>(NLMSG_DATA(reply))->error;
      if (error != 0) return fail(-error);
      return {};
    }
  }
}

proto::Result<void> RtnlClient::add_veth(int index, std::string_view name, int peer_index,
                                         std::string_view peer_name) {
  ifinfomsg info{};
  info.ifi_index = index;
  ifinfomsg peer{};
  peer.ifi_index = peer_index;
  MessageBuilder builder;
  builder.message(RTM_NEWLINK).header(info).attr_string(IFLA_IFNAME, name);
  builder.begin_nested(IFLA_LINKINFO).attr_string(IFLA_INFO_KIND, "veth");
  builder.begin_nested(IFLA_INFO_DATA).begin_nested(VETH_INFO_PEER).header(peer).attr_string(IFLA_IFNAME, peer_name);
  builder.end_nested().end_nested().end_nested();
  return request(builder.bytes(), NLM_F_CREATE | NLM_F_EXCL, "create veth " + std::string(name));
}

proto::Result<void> RtnlClient::set_link(int index, bool up) {
  ifinfomsg info{};
  info.ifi_index = index;
  info.ifi_flags = up ? IFF_UP : 0;
  info.ifi_change = IFF_UP;
  MessageBuilder builder;
  builder.message(RTM_NEWLINK).header(info);
  return request(builder.bytes(), 0, "set link #" + std::to_string(index) + (up ? " up" : " down"));
}

proto::Result<void> RtnlClient::add_address(int index, std::string_view address, unsigned prefix_len) {
  return request(address_message(index, address, prefix_len), NLM_F_CREATE | NLM_F_EXCL,
                 "add address " + std::string(address));
}

proto::Result<void> RtnlClient::add_route(const RouteSpec& route) {
  return request(route_message(route), NLM_F_CREATE | NLM_F_EXCL, "add route " + route.dst());
}

proto::Result<void> RtnlClient::delete_route(const RouteSpec& route) {
  return request(route_message(route, true), 0, "delete route " + route.dst());
}

}  // namespace bgsync::net::test
