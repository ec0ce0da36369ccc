// Five link flaps while an app keeps enqueueing and the server answers slowly: afterwards every
// acknowledged action has been sent, in order per tag, and the only duplicates are requests that
// were on the wire when the link went (their response was lost, so the daemon had to send again).
#include "tests/e2e/event_collector.hpp"
#include "tests/netns/netns_test_util.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <thread>

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

constexpr int action_count = 200;
constexpr int tag_count = 4;
constexpr int flap_count = 5;

// What the writer thread got back from the daemon.
struct Writer {
  std::mutex mutex;
  std::vector<Sent> sent;
  std::vector<std::string> errors;
};

void write_actions(const NetnsDaemon& daemon, const HttpServer& server, Writer& out, std::stop_token stop) {
  try {
    auto client = daemon.client();
    for (int i = 0; i < action_count && !stop.stop_requested(); ++i) {
      const std::string tag = "t" + std::to_string(i % tag_count);
      const int seq = i / tag_count;
      auto action = client.enqueue(numbered(server, "f", tag, seq));
      {
        const std::lock_guard lock(out.mutex);
        if (action) {
          out.sent.push_back(Sent{action->id, tag, seq});
        } else {
          out.errors.push_back(tag + " #" + std::to_string(seq) + ": " + action.error().message);
        }
      }
      std::this_thread::sleep_for(15ms);
    }
  } catch (const std::exception& e) {
    const std::lock_guard lock(out.mutex);
    out.errors.push_back(e.what());
  }
}

}  // namespace

TEST_CASE("five link flaps while an app enqueues: no loss, order per tag, duplicates only from in-flight requests",
          "[netns]") {
  auto net = topology_or_skip();
  if (!net) return;
  auto server = net->start_server();
  server->set_handler([](const RecordedRequest&) {
    Reply reply = Reply::with_status(200, "ok");
    reply.delay = 10ms;
    return reply;
  });
  NetnsDaemon daemon(net->client_ns());
  daemon.start(fast_network_args);
  EventCollector events(daemon.socket(), SubscribeArgs{}, 16384);
  auto client = daemon.client();

  Writer writer;
  {
    std::jthread writing([&](std::stop_token stop) { write_actions(daemon, *server, writer, stop); });
    // Each flap lasts until the daemon has said so: offline after the link goes (past the 200 ms
    // offline debounce), online after it is back. In between, the writer enqueues for a while.
    for (int flap = 0; flap < flap_count; ++flap) {
      std::this_thread::sleep_for(250ms);  // pacing: some enqueues while online, not a wait for state
      net->link_down();
      require_within(daemon, "status says offline after the link went down", 5s,
                     [&] { return !status_ok(client).online; });
      net->link_up();
      net->add_default_route();
      require_within(daemon, "status says online after the link and route came back", 5s,
                     [&] { return status_ok(client).online; });
    }
    writing.join();  // lets the writer finish; only a failure above (unwinding) stops it early
  }

  {
    const std::lock_guard lock(writer.mutex);
    INFO(Catch::Detail::stringify(writer.errors));
    CHECK(writer.errors.empty());
  }
  const auto acknowledged = writer.sent.size();
  require_within(daemon, "every acknowledged action is sent", 30s, [&] {
    return status_ok(client).counts[ActionState::sent] >= acknowledged;
  });

  const auto report = check_delivery(server->requests(), writer.sent);
  // Tags go one at a time, so at most one request per tag is on the wire when the link goes.
  const std::size_t in_flight_bound = std::min<std::size_t>(16, tag_count);
  INFO(report.summary());
  INFO("duplicates: " << report.duplicates << " (bound: " << in_flight_bound << " in flight x " << flap_count
                      << " flaps = " << in_flight_bound * flap_count << ")");
  CHECK(report.missing.empty());
  CHECK(report.unknown.empty());
  CHECK(report.out_of_order.empty());
  CHECK(report.duplicates <= in_flight_bound * flap_count);

  // Attempts beyond the first are expected only from the offline debounce: for 200 ms after the
  // link goes the daemon still believes it is online, and its attempts fail at connect.
  std::uint32_t max_attempts = 0;
  std::uint64_t total_attempts = 0;
  std::map<std::string, int> retry_errors;
  for (const auto& a : list_all(client)) {
    INFO("action " << a.id.to_string() << " tag " << a.tag);
    CHECK(a.state == ActionState::sent);
    max_attempts = std::max(max_attempts, a.attempts);
    total_attempts += a.attempts;
  }
  for (const auto& e : events.events()) {
    if (e.type == EventType::retry) ++retry_errors[e.error];
  }
  std::string retries;
  for (const auto& [error, n] : retry_errors) retries += "\n  " + std::to_string(n) + " x " + error;
  INFO("attempts: " << total_attempts << " for " << acknowledged << " actions, at most " << max_attempts
                    << " for one; retries by error:" << retries);

  const auto got = events.events();
  const auto changes = network_changes(got);
  INFO("network events: " << Catch::Detail::stringify(changes));
  CHECK(changes.size() == 2 * flap_count);
  const auto offline_attempts = attempts_while_offline(got);
  INFO(Catch::Detail::stringify(offline_attempts));
  CHECK(offline_attempts.empty());
  CHECK(status_ok(client).online);
}
