// The rtnetlink socket plumbing under the NetworkWatcher (and the tests' recorder): opening a
// NETLINK_ROUTE socket, dumping links/addresses/routes, and reading one datagram while checking
// that the kernel sent it. Plain blocking-or-not syscalls; no Asio here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "bgsync/proto/codec.hpp"
#include "daemon/net/unique_fd.hpp"

namespace bgsync::net {

// The multicast groups the watcher listens to: links, IPv4/IPv6 addresses, IPv4/IPv6 routes.
std::uint32_t watched_groups() noexcept;

// Opens a NETLINK_ROUTE socket (SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK) in the calling thread's
// network namespace, bound to `groups` (0: requests only). A `receive_buffer` > 0 asks for that
// many bytes with SO_RCVBUFFORCE (needs CAP_NET_ADMIN), else SO_RCVBUF (capped at
// net.core.rmem_max). Errors: "cannot open rtnetlink: Permission denied", "cannot subscribe to
// rtnetlink groups: ...".
proto::Result<UniqueFd> open_rtnetlink(std::uint32_t groups, int receive_buffer);

// The port id (nl_pid) the kernel gave a bound netlink socket.
proto::Result<std::uint32_t> netlink_port(int fd);

using Datagram = std::vector<std::byte>;

// Dumps links, then addresses, then routes (AF_UNSPEC: IPv4 and IPv6), one dump at a time, over
// `fd` (a socket from open_rtnetlink with no groups, so only replies arrive on it), and returns
// the kernel's datagrams in arrival order (NLMSG_DONE included). A dump the kernel marks
// inconsistent (NLM_F_DUMP_INTR) is retried twice, then accepted: the notifications that follow
// repair it. Blocks for at most `timeout` in all.
proto::Result<std::vector<Datagram>> dump_state(int fd, std::chrono::milliseconds timeout = std::chrono::seconds{2});
// The same on a socket of its own, in the calling thread's network namespace.
proto::Result<std::vector<Datagram>> dump_state(std::chrono::milliseconds timeout = std::chrono::seconds{2});

enum class ReadStatus {
  datagram,  // `size` bytes from the kernel are in the buffer
  foreign,   // a datagram from a process (nl_pid != 0): dropped
  empty,     // nothing to read (EAGAIN)
  overrun,   // the kernel dropped messages (ENOBUFS) or one did not fit: the model is stale
  failed,    // any other error, in `error` (an errno value)
};
struct ReadResult {
  ReadStatus status = ReadStatus::empty;
  std::size_t size = 0;
  int error = 0;
  std::uint32_t sender = 0;  // the sender's port id (for `foreign`)
};

// Reads one datagram without blocking. `buffer` should be aligned for nlmsghdr and at least
// 32 KiB (the kernel's largest dump datagram).
ReadResult read_datagram(int fd, std::span<std::byte> buffer);

}  // namespace bgsync::net
