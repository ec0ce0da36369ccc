// bgsyncd in a namespace whose only way out is a veth link: with the link down, actions wait for
// the network without burning attempts; with the link and the default route back, they all go,
// in order per tag, once each — and subscribers hear the daemon go offline and online again, and
// syncctl says why it is offline and what each action waits for.
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/event_collector.hpp"
#include "tests/netns/netns_test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

constexpr int action_count = 30;
constexpr int tag_count = 3;

// Everything a test of the offline queue needs, set up to the point where the client namespace
// has lost its link and 30 actions over 3 tags wait for the network.
struct ParkedQueue {
  std::unique_ptr<NetnsTopology> net;
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<NetnsDaemon> daemon;
  std::unique_ptr<Client> client;
  std::unique_ptr<EventCollector> events;
  std::vector<Sent> sent;

  // False when the test is skipped (namespaces unavailable).
  bool set_up() {
    net = topology_or_skip();
    if (!net) return false;
    server = net->start_server();
    daemon = std::make_unique<NetnsDaemon>(net->client_ns());
    daemon->start(fast_network_args);
    client = std::make_unique<Client>(daemon->client());
    events = std::make_unique<EventCollector>(daemon->socket(), SubscribeArgs{}, 4096);
    REQUIRE(status_ok(*client).online);

    net->link_down();
    require_within(*daemon, "status says offline after the link went down", 5s,
                   [&] { return !status_ok(*client).online; });
    for (int i = 0; i < action_count; ++i) {
      const std::string tag = "t" + std::to_string(i % tag_count);
      const auto action = enqueue_ok(*client, numbered(*server, "o", tag, i / tag_count));
      sent.push_back(Sent{action.id, tag, i / tag_count});
    }
    require_within(*daemon, "each tag's head waits for the network, the rest for their head", 5s, [&] {
      const auto all = list_all(*client);
      return all.size() == sent.size() && std::all_of(all.begin(), all.end(), [&](const Action& a) {
               return a.waiting == expected_wait(a.id);
             });
    });
    return true;
  }

  // Only the head of a tag is due, so only heads wait for the network; the others wait for them.
  proto::WaitReason expected_wait(const ActionId& id) const {
    const auto it = std::find_if(sent.begin(), sent.end(), [&](const Sent& s) { return s.id == id; });
    return it != sent.end() && it->seq == 0 ? proto::WaitReason::network : proto::WaitReason::tag;
  }
};

}  // namespace

TEST_CASE("with the link down, actions wait for the network with zero attempts", "[netns]") {
  ParkedQueue q;
  if (!q.set_up()) return;
  // Give a daemon that wrongly tries anyway (retry base 100 ms) the time to do it.
  std::this_thread::sleep_for(300ms);

  const auto all = list_all(*q.client);
  REQUIRE(all.size() == q.sent.size());
  for (const auto& a : all) {
    INFO("action " << a.id.to_string() << " tag " << a.tag << " last_error " << a.last_error);
    CHECK(a.state == ActionState::queued);
    CHECK(a.attempts == 0);
    CHECK(a.waiting == q.expected_wait(a.id));
  }
  CHECK(q.server->request_count() == 0);

  const auto status = status_ok(*q.client);
  CHECK_FALSE(status.online);
  CHECK_FALSE(status.network_reason.empty());
  CHECK(status.network_since.has_value());
  CHECK(status.counts[ActionState::queued] == static_cast<std::uint64_t>(action_count));
  INFO("status.network_reason: " << status.network_reason);

  const auto events = q.events->events();
  const auto sending = std::count_if(events.begin(), events.end(), [](const Event& e) { return e.type == EventType::sending; });
  CHECK(sending == 0);
  CHECK(network_changes(events).size() == 1);
}

TEST_CASE("link up and default route back: every waiting action is sent once, in order per tag", "[netns]") {
  ParkedQueue q;
  if (!q.set_up()) return;

  q.net->link_up();
  q.net->add_default_route();
  const bool all_arrived = q.server->wait_for_requests(action_count, 10s);
  if (!all_arrived) FAIL("only " << q.server->request_count() << " of " << action_count << " requests arrived\n" << q.daemon->log());
  require_within(*q.daemon, "every action is sent", 10s, [&] {
    return status_ok(*q.client).counts[ActionState::sent] == static_cast<std::uint64_t>(action_count);
  });

  const auto report = check_delivery(q.server->requests(), q.sent);
  INFO(report.summary());
  CHECK(report.received == static_cast<std::size_t>(action_count));
  CHECK(report.duplicates == 0);
  CHECK(report.missing.empty());
  CHECK(report.unknown.empty());
  CHECK(report.out_of_order.empty());
  for (const auto& a : list_all(*q.client)) {
    INFO("action " << a.id.to_string());
    CHECK(a.state == ActionState::sent);
    CHECK(a.attempts == 1);
  }

  const auto status = status_ok(*q.client);
  CHECK(status.online);
  CHECK(status.network_reason.empty());

  require_within(*q.daemon, "subscribers saw the daemon go offline and online again", 5s,
                 [&] { return network_changes(q.events->events()).size() >= 2; });
  const auto events = q.events->events();
  const auto changes = network_changes(events);
  INFO("network events: " << Catch::Detail::stringify(changes));
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].rfind("offline (", 0) == 0);
  CHECK(changes[0] != "offline ()");
  CHECK(changes[1] == "online");
  const auto offline_attempts = attempts_while_offline(events);
  INFO(Catch::Detail::stringify(offline_attempts));
  CHECK(offline_attempts.empty());
}

TEST_CASE("syncctl says why the daemon is offline and what each action waits for", "[netns]") {
  ParkedQueue q;
  if (!q.set_up()) return;
  const auto syncctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BGSYNC_SYNCCTL_PATH, "--socket", q.daemon->socket()});
    return run_process(args);
  };

  const auto status = syncctl({"status"});
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  // "bgsyncd 0.1.0 — offline (link veth-c is down) since 2026-… (3s ago), not paused"
  CHECK_THAT(status.out, Catch::Contains("offline (") && Catch::Contains(NetnsTopology::client_link) &&
                             Catch::Contains(" since "));

  const auto status_json = syncctl({"status", "--json"});
  CHECK(status_json.exit_code == 0);
  CHECK_THAT(status_json.out, Catch::Contains("\"online\":false") && Catch::Contains("\"network_reason\":\"") &&
                                  Catch::Contains("\"network_since\":\""));

  const auto list = syncctl({"list"});
  INFO(list.out << list.err);
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::Contains("WAITING FOR"));
  std::size_t network = 0, tag = 0;
  for (const auto& a : q.sent) {
    const auto at = list.out.find(a.id.to_string());
    REQUIRE(at != std::string::npos);
    const auto line = list.out.substr(at, list.out.find('\n', at) - at);
    if (line.find(" network ") != std::string::npos) ++network;
    if (line.find(" its tag ") != std::string::npos) ++tag;
  }
  CHECK(network == static_cast<std::size_t>(tag_count));  // the heads
  CHECK(tag == static_cast<std::size_t>(action_count - tag_count));

  const auto list_json = syncctl({"list", "--json"});
  CHECK(list_json.exit_code == 0);
  CHECK_THAT(list_json.out, Catch::Contains("\"waiting\":\"network\"") && Catch::Contains("\"waiting\":\"tag\""));
}

TEST_CASE("offline, a backlog longer than the pipeline does not hold back loopback actions", "[netns]") {
  auto net = topology_or_skip();
  if (!net) return;
  auto server = net->start_server();
  std::unique_ptr<HttpServer> local;  // on the daemon's own loopback
  {
    const ScopedNetns in(net->client_ns());
    local = std::make_unique<HttpServer>();
  }
  NetnsDaemon daemon(net->client_ns());
  auto args = fast_network_args;
  args.insert(args.end(), {"--parallel", "1"});  // a pipeline of 64 actions
  daemon.start(args);
  auto client = daemon.client();
  REQUIRE(client.pause());
  net->link_down();
  require_within(daemon, "status says offline after the link went down", 5s, [&] { return !status_ok(client).online; });

  // 200 untagged actions to the network come first in the due index; each look takes at most
  // the pipeline's room of them and parks them, then must look again for the loopback ones.
  for (int i = 0; i < 200; ++i) enqueue_ok(client, numbered(*server, "o", "", i));
  std::vector<ActionId> loopback;
  for (int i = 0; i < 3; ++i) {
    EnqueueRequest request;
    request.method = "POST";
    request.url = local->url("/local/" + std::to_string(i));
    loopback.push_back(enqueue_ok(client, request).id);
  }
  REQUIRE(client.resume());
  require_within(daemon, "the loopback actions are sent behind the parked backlog", 5s, [&] {
    return std::all_of(loopback.begin(), loopback.end(),
                       [&](const ActionId& id) { return get_ok(client, id).state == ActionState::sent; });
  });
  CHECK(server->request_count() == 0);
}
