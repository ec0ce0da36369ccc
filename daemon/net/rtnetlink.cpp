// rtnetlink sockets: open and subscribe, dump the kernel's state with a deadline, read one
// datagram and say who sent it. Every datagram's sender is checked: on NETLINK_ROUTE any local
// process may unicast to our port id, and only the kernel (nl_pid 0) speaks the truth.
#include "daemon/net/rtnetlink.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bgsync::net {

namespace {

constexpr std::size_t read_buffer_size = 64 * 1024;
constexpr int dump_attempts = 3;

proto::Error system_error(int error, std::string_view what) {
  return proto::Error{std::error_code(error, std::system_category()),
                      std::string(what) + ": " + std::system_category().message(error)};
}

// One dump request, the family header zeroed (AF_UNSPEC: every family).
template <class FamilyHeader>
bool send_dump_request(int fd, std::uint16_t type, std::uint32_t seq) {
  struct {
    nlmsghdr header;
    FamilyHeader family;
  } request{};
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(FamilyHeader));
  request.header.nlmsg_type = type;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = seq;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  return ::sendto(fd, &request, request.header.nlmsg_len, 0, reinterpret_cast<const sockaddr*>(&kernel),
                  sizeof kernel) == static_cast<ssize_t>(request.header.nlmsg_len);
}

bool send_dump_request(int fd, std::uint16_t type, std::uint32_t seq) {
  switch (type) {
    case RTM_GETLINK: return send_dump_request<ifinfomsg>(fd, type, seq);
    case RTM_GETADDR: return send_dump_request<ifaddrmsg>(fd, type, seq);
    default: return send_dump_request<rtmsg>(fd, type, seq);
  }
}

std::string_view dump_name(std::uint16_t type) {
  return type == RTM_GETLINK ? "links" : type == RTM_GETADDR ? "addresses" : "routes";
}

// Reads the replies to dump `seq` until its NLMSG_DONE, appending each datagram to `out`.
proto::Result<void> read_dump(int fd, std::uint16_t type, std::uint32_t seq,
                              std::chrono::steady_clock::time_point deadline, std::vector<Datagram>& out,
                              bool& interrupted) {
  std::vector<nlmsghdr> storage(read_buffer_size / sizeof(nlmsghdr));
  const std::span<std::byte> buffer(reinterpret_cast<std::byte*>(storage.data()), read_buffer_size);
  const std::string what = "cannot read " + std::string(dump_name(type)) + " from rtnetlink";
  for (;;) {
    const ReadResult read = read_datagram(fd, buffer);
    if (read.status == ReadStatus::foreign) continue;
    if (read.status == ReadStatus::overrun) return system_error(ENOBUFS, what);
    if (read.status == ReadStatus::failed) return system_error(read.error, what);
    if (read.status == ReadStatus::empty) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return proto::Error{std::make_error_code(std::errc::timed_out), what + ": timed out"};
      pollfd wait{fd, POLLIN, 0};
      if (::poll(&wait, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return system_error(errno, what);
      continue;
    }
    bool ours = false;
    bool done = false;
    int length = static_cast<int>(read.size);
    for (const auto* message = storage.data(); NLMSG_OK(message, length); message = NLMSG_NEXT(message, length)) {
      if (message->nlmsg_seq != seq) continue;
      ours = true;
      if ((message->nlmsg_flags & NLM_F_DUMP_INTR) != 0) interrupted = true;
      if (message->nlmsg_type == NLMSG_DONE) done = true;
      if (message->nlmsg_type == NLMSG_ERROR && message->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
        const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(message));
        if (error->error != 0) return system_error(-error->error, what);
        done = true;
      }
    }
    if (ours) out.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.size));
    if (done) return {};
  }
}

}  // namespace

std::uint32_t watched_groups() noexcept {
  return RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
}

proto::Result<UniqueFd> open_rtnetlink(std::uint32_t groups, int receive_buffer) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (!fd) return system_error(errno, "cannot open rtnetlink");
  if (receive_buffer > 0 &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) != 0) {
    // Without CAP_NET_ADMIN the kernel caps this at net.core.rmem_max; still better than the default.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
    return system_error(errno, groups != 0 ? "cannot subscribe to rtnetlink groups" : "cannot bind an rtnetlink socket");
  return fd;
}

proto::Result<std::uint32_t> netlink_port(int fd) {
  sockaddr_nl local{};
  socklen_t size = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size) != 0)
    return system_error(errno, "cannot read the rtnetlink port id");
  return local.nl_pid;
}

proto::Result<std::vector<Datagram>> dump_state(int fd, std::chrono::milliseconds timeout) {
  // Sequence numbers stay unique across dumps on one socket, so that late replies to a dump
  // that timed out are recognised and skipped.
  static std::atomic<std::uint32_t> next_seq{1};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int attempt = 1;; ++attempt) {
    std::vector<Datagram> out;
    bool interrupted = false;
    for (const std::uint16_t type : {RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE}) {
      const std::uint32_t seq = next_seq++;
      if (!send_dump_request(fd, type, seq))
        return system_error(errno, "cannot ask rtnetlink for " + std::string(dump_name(type)));
      if (auto read = read_dump(fd, type, seq, deadline, out, interrupted); !read) return read.error();
    }
    if (!interrupted || attempt == dump_attempts) return out;
  }
}

proto::Result<std::vector<Datagram>> dump_state(std::chrono::milliseconds timeout) {
  auto fd = open_rtnetlink(0, 0);
  if (!fd) return fd.error();
  return dump_state(fd->get(), timeout);
}

ReadResult read_datagram(int fd, std::span<std::byte> buffer) {
  for (;;) {
    sockaddr_nl sender{};
    iovec vector{buffer.data(), buffer.size()};
    msghdr message{};
    message.msg_name = &sender;
    message.msg_namelen = sizeof sender;
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    const ssize_t size = ::recvmsg(fd, &message, MSG_DONTWAIT);
    if (size < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {ReadStatus::empty, 0, 0};
      if (errno == ENOBUFS) return {ReadStatus::overrun, 0, ENOBUFS};
      return {ReadStatus::failed, 0, errno};
    }
    if (message.msg_namelen < sizeof sender || sender.nl_family != AF_NETLINK || sender.nl_pid != 0)
      return {ReadStatus::foreign, static_cast<std::size_t>(size), 0, sender.nl_pid};
    if ((message.msg_flags & MSG_TRUNC) != 0) return {ReadStatus::overrun, 0, EMSGSIZE};
    return {ReadStatus::datagram, static_cast<std::size_t>(size), 0};
  }
}

}  // namespace bgsync::net
