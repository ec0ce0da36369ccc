// Coming online cuts short the backoff of an action that failed with a network error: the
// destination was routable but refused connections (nothing listened yet), the action backs off
// for 15-30 s; the server starts, the default route flaps, and the action goes within seconds.
#include "tests/e2e/e2e_util.hpp"
#include "tests/netns/netns_test_util.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

TEST_CASE("coming online cuts short a backoff after a network error", "[netns]") {
  auto net = topology_or_skip();
  if (!net) return;
  // The server namespace hands out this one port, so the URL can name it before anything listens
  // there: until then the kernel answers the SYN with a reset (connection refused).
  constexpr int port = 40000;
  net->set_server_port_range(port, port);

  NetnsDaemon daemon(net->client_ns());
  auto args = fast_network_args;
  args.insert(args.end(), {"--retry-base", "30s", "--retry-max", "60s"});
  daemon.start(args);
  auto client = daemon.client();

  EnqueueRequest request;
  request.method = "POST";
  request.url = "http://" + std::string(NetnsTopology::service_address) + ":" + std::to_string(port) + "/d";
  request.body = "d";
  request.tag = "d";
  const auto id = enqueue_ok(client, request).id;
  require_within(daemon, "the first attempt failed and the action backs off", 10s, [&] {
    const auto a = get_ok(client, id);
    return a.state == ActionState::queued && a.attempts == 1 && a.waiting == proto::WaitReason::backoff;
  });
  const auto backing_off = get_ok(client, id);
  INFO("last_error: " << backing_off.last_error);
  CHECK_FALSE(backing_off.last_error.empty());
  CHECK_FALSE(backing_off.response_status.has_value());
  REQUIRE(backing_off.next_attempt.has_value());
  CHECK(*backing_off.next_attempt > std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + 10s);

  auto server = net->start_server();
  REQUIRE(server->port() == port);
  // Nothing would send the action for another 15 s or more; a flap of the default route must.
  net->remove_default_route();
  require_within(daemon, "status says offline after the default route went", 5s,
                 [&] { return !status_ok(client).online; });
  const auto route_back = std::chrono::steady_clock::now();
  net->add_default_route();
  if (!server->wait_for_requests(1, route_back + 10s)) {
    FAIL("the action was not sent within 10 s of the route coming back; action: "
         << boost::json::serialize(to_json(get_ok(client, id))) << "\nbgsyncd log:\n" << daemon.log());
  }
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(server->requests().front().arrival - route_back);
  INFO("route back -> request: " << latency.count() << " ms");
  CHECK(latency < 10s);
  require_within(daemon, "the action is sent", 5s, [&] { return get_ok(client, id).state == ActionState::sent; });
  CHECK(get_ok(client, id).attempts == 2);
}
