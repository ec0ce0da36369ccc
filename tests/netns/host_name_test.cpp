// A host name whose only way in is a specific route (a VPN's, a LAN's), with no default route at
// all: bgsyncd looks the name up and judges it by its addresses, so its actions go out instead
// of waiting for a default route that never comes. The name lives in an /etc/hosts bind-mounted
// over the real one in a private mount namespace that only the daemon sees.
#include "tests/e2e/e2e_util.hpp"
#include "tests/netns/netns_test_util.hpp"
#include "tests/support/skip.hpp"

#include <fstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* vpn_host = "vpn.bgsync.test";
constexpr const char* unshare_path = "/usr/bin/unshare";
constexpr const char* vpn_prefix = "203.0.113.0/24";  // covers the service address, nothing else

EnqueueRequest post(const HttpServer& server, const std::string& path) {
  EnqueueRequest request;
  request.method = "POST";
  request.url = server.url(path, vpn_host);
  request.body = path;
  return request;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

}  // namespace

TEST_CASE("a host name reachable only through a specific route is sent without a default route", "[netns]") {
  auto net = topology_or_skip();
  if (!net) return;
  if (::access(unshare_path, X_OK) != 0) {
    BGSYNC_SKIP(unshare_path << " (util-linux) is needed to give the daemon its own /etc/hosts");
  }
  auto server = net->start_server();
  NetnsDaemon daemon(net->client_ns());
  const auto hosts = daemon.dir() / "hosts";
  std::ofstream(hosts) << "127.0.0.1 localhost\n" << NetnsTopology::service_address << ' ' << vpn_host << '\n';
  daemon.set_launcher({unshare_path, "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                       "mount --bind \"$0\" /etc/hosts && exec \"$@\"", hosts.string()});

  // Only the "VPN" route leads to the server; the daemon is offline by the default-route measure.
  net->remove_default_route();
  net->ip(net->client_ns(), {"route", "add", vpn_prefix, "via", NetnsTopology::server_link_address});
  daemon.start(fast_network_args);
  auto client = daemon.client();
  const auto status = status_ok(client);
  INFO("status reason: " << status.network_reason);
  CHECK_FALSE(status.online);

  const auto first = enqueue_ok(client, post(*server, "/over-vpn")).id;
  require_within(daemon, "the action to the VPN-only name is sent", 10s,
                 [&] { return get_ok(client, first).state == ActionState::sent; });
  CHECK(get_ok(client, first).attempts == 1);

  // The VPN goes down: the learned addresses say unreachable, so the next action waits for it.
  // Losses are debounced and status stays "offline" throughout, so the daemon's debug log is the
  // one place that says when it has taken the loss in.
  const auto losses = [&] { return count_of(daemon.log(), "network: lost connectivity"); };
  const std::size_t losses_before = losses();
  net->ip(net->client_ns(), {"route", "del", vpn_prefix});
  require_within(daemon, "the daemon takes in the loss of the VPN route", 5s, [&] { return losses() > losses_before; });
  const auto second = enqueue_ok(client, post(*server, "/after-vpn-down")).id;
  require_within(daemon, "the action waits for the network", 5s,
                 [&] { return get_ok(client, second).waiting == proto::WaitReason::network; });
  CHECK(get_ok(client, second).attempts == 0);

  // The VPN comes back, still no default route: the parked action goes, once.
  net->ip(net->client_ns(), {"route", "add", vpn_prefix, "via", NetnsTopology::server_link_address});
  require_within(daemon, "the parked action is sent when the VPN route is back", 10s,
                 [&] { return get_ok(client, second).state == ActionState::sent; });
  CHECK(get_ok(client, second).attempts == 1);
  CHECK(server->request_count() == 2);
}
