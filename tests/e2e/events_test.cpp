// End-to-end events: live, replayed with `since`, filtered by tag, across restarts, and to a
// subscriber too slow to keep up — always complete, in order, without duplicates.
#include <catch2/catch.hpp>

#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/event_collector.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

std::vector<EventType> types_of(const std::vector<Event>& events, const ActionId& id) {
  std::vector<EventType> out;
  for (const auto& e : events) {
    if (e.id == id) out.push_back(e.type);
  }
  return out;
}

// Every event, no tag filter: seqs must be exactly first, first+1, ... with nothing missing.
void check_contiguous(const std::vector<Event>& events, std::uint64_t first) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO("event #" << i);
    REQUIRE(events[i].seq == first + i);
  }
}

}  // namespace

TEST_CASE("a subscriber sees an action's life live: queued, sending, sent", "[e2e][events]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  EventCollector events(daemon.socket(), {});
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/x"), "1", "t"));
  REQUIRE(events.wait_for(3, 10s));
  const auto got = events.events();
  CHECK(types_of(got, action.id) == std::vector<EventType>{EventType::queued, EventType::sending, EventType::sent});
  CHECK(got.back().status == 200);
  CHECK(got.back().tag == "t");
  check_contiguous(got, got.front().seq);
}

TEST_CASE("retry and failed events carry the error and the next attempt", "[e2e][events]") {
  HttpServer server;
  std::atomic<int> calls{0};
  server.set_handler([&](const RecordedRequest&) { return Reply::with_status(++calls == 1 ? 502 : 404); });
  DaemonProcess daemon;
  daemon.start();
  EventCollector events(daemon.socket(), {});
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/x"), "1"));
  REQUIRE(events.wait_for(5, 10s));  // queued, sending, retry, sending, failed
  const auto got = events.events();
  REQUIRE(types_of(got, action.id) ==
          std::vector<EventType>{EventType::queued, EventType::sending, EventType::retry, EventType::sending, EventType::failed});
  CHECK(got[2].status == 502);
  CHECK(got[2].next_attempt.has_value());
  CHECK_THAT(got[2].error, Catch::Contains("502"));
  CHECK(got[3].attempt == 2);
  CHECK(got[4].status == 404);
}

TEST_CASE("since replays retained events, then goes live with no gap and no duplicate", "[e2e][events]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  std::vector<ActionId> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(enqueue_ok(client, post(server.url("/a"), std::to_string(i), "t" + std::to_string(i % 3))).id);
  for (const auto& id : ids) REQUIRE(wait_for_state(client, id, ActionState::sent));

  // Subscribe from the start while more actions are being enqueued and sent: the seam between
  // replay and live falls somewhere in the middle of this traffic.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    auto c2 = daemon.client();
    for (int i = 0; i < 30; ++i) enqueue_ok(c2, post(server.url("/b"), std::to_string(i)));
    done = true;
  });
  EventCollector events(daemon.socket(), SubscribeArgs{std::nullopt, 0});
  writer.join();
  REQUIRE(server.wait_for_requests(60, 20s));
  // 60 actions x (queued, sending, sent) = 180 events, all of them, in order.
  REQUIRE(events.wait_for(180, 20s));
  const auto got = events.events();
  CHECK(got.size() == 180);
  check_contiguous(got, 1);
  CHECK(events.subscription().first_seq == 1);
}

TEST_CASE("events survive a restart and a since subscription resumes where the app left", "[e2e][events]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  std::uint64_t seen = 0;
  {
    auto client = daemon.client();
    const auto a = enqueue_ok(client, post(server.url("/1"), "1"));
    REQUIRE(wait_for_state(client, a.id, ActionState::sent));
    auto status = client.status();
    REQUIRE(status);
    seen = status->last_seq;  // the app saw everything up to here, then went away
    REQUIRE(client.pause());
    enqueue_ok(client, post(server.url("/2"), "2", "later"));
  }
  REQUIRE(daemon.terminate() == 0);
  daemon.start();
  EventCollector events(daemon.socket(), SubscribeArgs{std::string("later"), seen});
  auto client = daemon.client();
  REQUIRE(client.resume());
  REQUIRE(events.wait_for(3, 10s));  // queued (replayed), sending, sent (live)
  const auto got = events.events();
  for (const auto& e : got) {
    CHECK(e.seq > seen);
    CHECK(e.tag == "later");
  }
  CHECK(got[0].type == EventType::queued);
  CHECK(got[2].type == EventType::sent);
}

TEST_CASE("a subscriber that stops reading gets every event once it reads again", "[e2e][events][slow]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  // A tiny client queue: the client soon stops reading the socket, so the daemon's outgoing
  // queue fills past its cap and the subscription must fall back to the event log.
  EventCollector events(daemon.socket(), {}, /*capacity=*/4, /*paused_reading=*/true);
  auto client = daemon.client();
  REQUIRE(client.pause());
  for (int i = 0; i < 1500; ++i) {
    auto r = post(server.url("/s"), "b");
    r.tag = "tag-with-a-long-name-to-make-each-event-frame-bigger-" + std::to_string(i);
    enqueue_ok(client, r);
  }
  REQUIRE(client.resume());
  REQUIRE(server.wait_for_requests(1500, 60s));
  events.resume_reading();
  REQUIRE(events.wait_for(4500, 60s));
  const auto got = events.events();
  CHECK(got.size() == 4500);
  check_contiguous(got, got.front().seq);
}
