// The captive-portal check: bgsyncd in a network namespace with --probe-url on the far side of
// its link. While the probe is answered with a redirect, actions to the network wait with zero
// attempts (a portal would have answered them itself) and status says why; loopback still goes.
// Once the probe gets its 204, everything waiting goes.
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/event_collector.hpp"
#include "tests/netns/netns_test_util.hpp"

#include <atomic>
#include <string>

#include <catch2/catch.hpp>

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

TEST_CASE("behind a captive portal only loopback is sent, and the queue drains once the probe passes", "[netns]") {
  auto net = topology_or_skip();
  if (!net) return;
  auto server = net->start_server();
  std::atomic<bool> portal{true};
  server->set_handler([&portal](const RecordedRequest& request) {
    if (request.target != "/generate_204") return Reply::with_status(200, "ok");
    if (portal) return Reply::with_status(302, "", {{"Location", "http://portal.example/login"}});
    return Reply::with_status(204);
  });
  // A server on the daemon's own loopback: made while this thread is in the client namespace.
  std::unique_ptr<HttpServer> local;
  {
    const ScopedNetns in(net->client_ns());
    local = std::make_unique<HttpServer>();
  }

  NetnsDaemon daemon(net->client_ns());
  auto args = fast_network_args;
  args.insert(args.end(), {"--probe-url", server->url("/generate_204"), "--probe-portal-interval", "200ms"});
  daemon.start(args);
  auto client = daemon.client();
  // From the start (since 0): the portal may have been found before this subscription.
  EventCollector events(daemon.socket(), SubscribeArgs{std::nullopt, 0});

  require_within(daemon, "status says offline because of the portal", 5s, [&] {
    const auto status = status_ok(client);
    return !status.online && status.network_reason.find("captive portal") != std::string::npos;
  });
  const auto status = status_ok(client);
  CHECK_THAT(status.network_reason, Catch::Matchers::Contains("Location: http://portal.example/login"));

  EnqueueRequest remote;
  remote.method = "POST";
  remote.url = server->url("/action");
  remote.body = "through the portal?";
  const auto held = enqueue_ok(client, remote).id;
  EnqueueRequest loopback;
  loopback.method = "POST";
  loopback.url = local->url("/local");
  loopback.body = "on this machine";
  const auto local_id = enqueue_ok(client, loopback).id;

  require_within(daemon, "the loopback action is sent despite the portal", 5s,
                 [&] { return get_ok(client, local_id).state == ActionState::sent; });
  require_within(daemon, "the remote action waits for the network", 5s,
                 [&] { return get_ok(client, held).waiting == proto::WaitReason::network; });
  CHECK(get_ok(client, held).attempts == 0);
  for (const auto& request : server->requests()) CHECK(request.target == "/generate_204");

  portal = false;  // the user logged in
  require_within(daemon, "the held action is sent once the probe passes", 5s,
                 [&] { return get_ok(client, held).state == ActionState::sent; });
  CHECK(get_ok(client, held).attempts == 1);
  CHECK(status_ok(client).online);
  require_within(daemon, "subscribers heard offline (portal), then online", 5s, [&] {
    const auto changes = network_changes(events.events());
    return changes.size() >= 2 && changes.back() == "online";
  });
  const auto changes = network_changes(events.events());
  CHECK_THAT(changes.front(), Catch::Matchers::StartsWith("offline (captive portal"));

  // A network gain waits for the probe's look at the new network, then sends.
  net->remove_default_route();
  require_within(daemon, "status says offline after the default route went", 5s,
                 [&] { return !status_ok(client).online; });
  remote.body = "after the flap";
  const auto after = enqueue_ok(client, remote).id;
  const auto probes_before = server->request_count();
  net->add_default_route();
  require_within(daemon, "the action is sent after the route came back", 5s,
                 [&] { return get_ok(client, after).state == ActionState::sent; });
  CHECK(get_ok(client, after).attempts == 1);
  const auto requests = server->requests();
  std::vector<std::string> since_flap;
  for (std::size_t i = probes_before; i < requests.size(); ++i) since_flap.push_back(requests[i].target);
  INFO("requests since the route came back: " << since_flap.size());
  REQUIRE_FALSE(since_flap.empty());
  CHECK(since_flap.front() == "/generate_204");
}
