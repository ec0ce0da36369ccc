// Adds and deletes an IPv4 default route with one rtnetlink request, without spawning `ip`: what a
// benchmark uses when the moment the route appears must be known to within microseconds.
#pragma once

#include <string>

#include <linux/netlink.h>

namespace bgsync::test {

class RouteSocket {
 public:
  // Opens an rtnetlink socket in the named namespace (the socket stays there). Throws
  // std::runtime_error on failure.
  explicit RouteSocket(const std::string& netns);
  ~RouteSocket();
  RouteSocket(const RouteSocket&) = delete;
  RouteSocket& operator=(const RouteSocket&) = delete;

  // RTM_NEWROUTE "default via `gateway`" in the main table, as `ip route add default via G` sends
  // it; returns once the kernel acknowledged it (the route exists and its notification has been
  // multicast). Throws std::runtime_error with the kernel's error (e.g. "File exists").
  void add_default(const std::string& gateway);
  // RTM_DELROUTE of the main table's IPv4 default route.
  void remove_default();

 private:
  // Sends `message` (the whole request, nlmsg_len bytes) and waits for its acknowledgement.
  void request(nlmsghdr& message, const std::string& what);

  int fd_ = -1;
  unsigned seq_ = 0;
};

}  // namespace bgsync::test
