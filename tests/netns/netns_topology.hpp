// Two throw-away network namespaces joined by a veth link, for tests and benchmarks that need a
// real network to lose: the client namespace (bgsyncd) reaches the server namespace's service
// address 203.0.113.10 only through its default route via the veth link, so taking the link down
// or deleting that route makes the destination unreachable. Only TEST-NET addresses are used.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/test_http_server.hpp"

namespace bgsync::test {

// Thrown when this machine cannot make network namespaces at all (not root, a container without
// CAP_SYS_ADMIN, no iproute2, no veth driver). Callers skip with the message instead of failing.
class NetnsUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Moves the calling thread into the named namespace (from /var/run/netns) for the scope, then
// back. Sockets created meanwhile — and processes spawned — live in that namespace for good.
// Throws std::runtime_error if the namespace cannot be entered; aborts if the way back fails,
// since the thread would otherwise go on in the wrong network.
class ScopedNetns {
 public:
  explicit ScopedNetns(const std::string& name);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

 private:
  int home_ = -1;
};

// The topology:
//
//   client ns "bgsync-c-<pid>-<n>"                 server ns "bgsync-s-<pid>-<n>"
//     veth-c 198.51.100.2/24  <--- veth --->  veth-s 198.51.100.1/24
//     default via 198.51.100.1                      lo 127.0.0.1, 203.0.113.10/32 (the service)
//
// Nothing is created in the caller's namespace, and both namespaces (with the veth pair) are
// deleted on destruction, whatever the test did. Every other method throws std::runtime_error
// with the failing `ip` command and its output.
class NetnsTopology {
 public:
  static constexpr const char* service_address = "203.0.113.10";
  static constexpr const char* server_link_address = "198.51.100.1";
  static constexpr const char* client_link_address = "198.51.100.2";
  static constexpr const char* client_link = "veth-c";
  static constexpr const char* server_link = "veth-s";

  // Builds everything, link up and default route in place. Throws NetnsUnavailable when the
  // namespaces or the veth pair cannot be made here, std::runtime_error on any later step.
  NetnsTopology();
  ~NetnsTopology();
  NetnsTopology(const NetnsTopology&) = delete;
  NetnsTopology& operator=(const NetnsTopology&) = delete;

  const std::string& client_ns() const noexcept { return client_; }
  const std::string& server_ns() const noexcept { return server_; }

  // The client's end of the link down (the kernel drops every route through it, the default
  // route included) or up again (the default route must then be added back separately).
  void link_down();
  void link_up();
  void remove_default_route();
  void add_default_route();

  // Runs `ip -n <ns> args...`; throws with the command and its stderr unless it exits 0.
  void ip(const std::string& ns, const std::vector<std::string>& args) const;

  // Limits the server namespace's ephemeral ports to [low, high], so that a server bound to
  // port 0 there gets a port the test knew in advance (and can use before anything listens).
  void set_server_port_range(int low, int high) const;

  // A test HTTP server listening in the server namespace, on service_address unless `options`
  // names another address. Its sockets stay in that namespace; the test drives it as usual.
  std::unique_ptr<HttpServer> start_server(HttpServerOptions options = {}) const;

 private:
  void destroy() noexcept;

  std::string client_;
  std::string server_;
  bool client_made_ = false;
  bool server_made_ = false;
};

// The `ip` program (iproute2), searched in PATH and the sbin directories; empty if not found.
std::string ip_program();

}  // namespace bgsync::test
