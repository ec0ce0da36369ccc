// End-to-end delivery: what reaches the server, in what order, and what happens on 4xx and 5xx.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "bgsync/proto/codec.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/raw_socket.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

// Every request is answered 204, `delay` after it arrived.
void answer_after(HttpServer& server, std::chrono::milliseconds delay) {
  server.set_handler([delay](const RecordedRequest&) {
    auto r = Reply::with_status(204);
    r.delay = delay;
    return r;
  });
}

}  // namespace

TEST_CASE("an action is delivered with its exact method, headers and body", "[e2e][delivery]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();

  EnqueueRequest request = post(server.url("/messages?room=7"), std::string("line one\nbinary \0\xff end", 22), "chat");
  request.headers = {{"Content-Type", "application/octet-stream"}, {"X-Trace", "a"}, {"X-Trace", "b"}};
  const auto action = enqueue_ok(client, request);
  CHECK(action.state == ActionState::queued);

  REQUIRE(server.wait_for_requests(1, 10s));
  REQUIRE(wait_for_state(client, action.id, ActionState::sent));
  const auto got = server.requests().at(0);
  CHECK(got.method == "POST");
  CHECK(got.target == "/messages?room=7");
  CHECK(got.body == request.body);
  CHECK(got.header("Content-Type") == "application/octet-stream");
  CHECK(got.header_values("X-Trace") == std::vector<std::string>{"a", "b"});
  CHECK(got.header("Idempotency-Key") == action.id.to_string());

  const auto done = get_ok(client, action.id);
  CHECK(done.attempts == 1);
  CHECK(done.response_status == 200);
  CHECK(done.response_body == "ok");
  CHECK(done.last_error.empty());
}

TEST_CASE("the action an enqueue returns is the one bgsyncd stored, from a brief reply or a whole one",
          "[e2e][delivery]") {
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  REQUIRE(client.pause());

  // libbgsync asks for the brief reply and rebuilds the rest from its request.
  EnqueueRequest request = post("http://127.0.0.1:9/a?b=c", "{\"x\":1}", "chat");
  request.app = "notes";
  request.headers = {{"Content-Type", "application/json"}, {"X-Dup", "1"}, {"X-Dup", "2"}};
  const auto action = enqueue_ok(client, request);
  auto stored = get_ok(client, action.id);
  stored.body.clear();  // the enqueue reply never carries bodies
  CHECK(boost::json::serialize(proto::to_json(action)) == boost::json::serialize(proto::to_json(stored)));
  CHECK(action.waiting == proto::WaitReason::paused);

  // Over the wire: brief on request, the whole action otherwise.
  RawSocket raw(daemon.socket());
  raw.send(R"({"id":1,"op":"enqueue","url":"http://127.0.0.1:9/","brief":true})" "\n");
  const auto brief = raw.read_json();
  CHECK(brief.at("ok") == true);
  CHECK(brief.size() == 7);  // id, ok, action_id, created, waiting, expires_at, seq
  CHECK(brief.at("waiting") == "paused");
  CHECK(brief.at("seq").to_number<std::uint64_t>() > action.queued_seq);  // its queued event's
  const auto id = ActionId::parse(brief.at("action_id").as_string());
  REQUIRE(id);
  CHECK(proto::format_time(get_ok(client, *id).created) == brief.at("created").as_string());
  raw.send(R"({"id":2,"op":"enqueue","url":"http://127.0.0.1:9/"})" "\n");
  const auto whole = raw.read_json();
  CHECK(whole.at("action").at("state") == "queued");
  CHECK(whole.at("seq").to_number<std::uint64_t>() > brief.at("seq").to_number<std::uint64_t>());
  CHECK_FALSE(whole.contains("action_id"));
  raw.send(R"({"id":3,"op":"enqueue","url":"http://127.0.0.1:9/","brief":"yes"})" "\n");
  CHECK(raw.read_json().at("error").at("code") == "bad_field");
  CHECK(client.status()->counts[ActionState::queued] == 3);  // the bad one stored nothing
}

TEST_CASE("an Idempotency-Key set by the app is kept, on every attempt", "[e2e][delivery]") {
  HttpServer server;
  std::atomic<int> calls{0};
  server.set_handler([&](const RecordedRequest&) { return Reply::with_status(++calls < 3 ? 503 : 201); });
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  auto request = post(server.url("/like"), "{}");
  request.headers = {{"idempotency-key", "like-42"}};
  const auto action = enqueue_ok(client, request);
  REQUIRE(wait_for_state(client, action.id, ActionState::sent));
  const auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  for (const auto& r : seen) CHECK(r.header_values("Idempotency-Key") == std::vector<std::string>{"like-42"});
  CHECK(get_ok(client, action.id).attempts == 3);
}

TEST_CASE("paused, nothing leaves - resumed, a tag drains in enqueue order", "[e2e][delivery][order]") {
  HttpServer server;
  // Slow answers make overtaking possible if ordering were broken.
  server.set_handler([](const RecordedRequest&) {
    auto r = Reply::with_status(200);
    r.delay = 20ms;
    return r;
  });
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  REQUIRE(client.pause());

  std::vector<ActionId> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(enqueue_ok(client, post(server.url("/notes/1"), std::to_string(i), "note-1")).id);
  for (int i = 0; i < 5; ++i) enqueue_ok(client, post(server.url("/other"), "x" + std::to_string(i), "other"));

  auto status = client.status();
  REQUIRE(status);
  CHECK(status->paused);
  CHECK(status->counts[ActionState::queued] == 15);
  CHECK(server.request_count() == 0);

  REQUIRE(client.resume());
  REQUIRE(server.wait_for_requests(15, 20s));
  std::vector<std::string> note_bodies;
  for (const auto& r : server.requests()) {
    if (r.target == "/notes/1") note_bodies.push_back(r.body);
  }
  CHECK(note_bodies == std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  for (const auto& id : ids) CHECK(wait_for_state(client, id, ActionState::sent));
}

TEST_CASE("a drain shares keep-alive connections, at most --parallel of them", "[e2e][delivery][keep-alive]") {
  HttpServer server;
  answer_after(server, 5ms);  // slow enough that requests overlap, so the bound is exercised
  DaemonProcess daemon;
  daemon.start({"--parallel", "4"});
  auto client = daemon.client();
  REQUIRE(client.pause());
  constexpr int count = 60;
  for (int i = 0; i < count; ++i) enqueue_ok(client, post(server.url("/inbox"), std::to_string(i)));
  REQUIRE(client.resume());

  REQUIRE(server.wait_for_requests(count, 20s));
  const bool all_sent = wait_until(
      [&] {
        auto status = client.status();
        return status && status->counts[ActionState::sent] == count;
      },
      10s);
  REQUIRE(all_sent);
  // One request at a time per HTTP/1.1 connection: 4 connections bound requests on the wire to 4.
  CHECK(server.connection_count() <= 4);
}

TEST_CASE("actions enqueued while the send pipeline is full go once it has room", "[e2e][delivery]") {
  // --parallel 1: at most 64 actions between look and outcome (the pipeline), one on the wire.
  // The first look takes exactly 64 and leaves none behind; the next 10 find the pipeline full,
  // so no look takes them: the sends that finish must look again for them.
  HttpServer server;
  answer_after(server, 30ms);  // the later enqueues are all in before the first send ends
  DaemonProcess daemon;
  daemon.start({"--parallel", "1"});
  auto client = daemon.client();
  REQUIRE(client.pause());
  constexpr int pipeline = 64;
  constexpr int later = 10;
  for (int i = 0; i < pipeline; ++i) enqueue_ok(client, post(server.url("/inbox"), std::to_string(i)));
  REQUIRE(client.resume());
  REQUIRE(server.wait_for_requests(1, 10s));
  for (int i = 0; i < later; ++i) enqueue_ok(client, post(server.url("/inbox"), "later " + std::to_string(i)));
  const bool all_sent = wait_until(
      [&] {
        auto status = client.status();
        return status && status->counts[ActionState::sent] == pipeline + later;
      },
      30s);
  REQUIRE(all_sent);
}

TEST_CASE("pause survives a restart of the daemon", "[e2e][delivery]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  {
    auto client = daemon.client();
    REQUIRE(client.pause());
    enqueue_ok(client, post(server.url("/p"), "held"));
  }
  REQUIRE(daemon.terminate() == 0);
  daemon.start();
  auto client = daemon.client();
  auto status = client.status();
  REQUIRE(status);
  CHECK(status->paused);
  CHECK(server.request_count() == 0);
  REQUIRE(client.resume());
  CHECK(server.wait_for_requests(1, 10s));
}

TEST_CASE("SIGTERM aborts a request on the wire and one waiting for a slot, both go after a restart",
          "[e2e][delivery][shutdown]") {
  HttpServer server;
  std::atomic<int> calls{0};
  server.set_handler([&](const RecordedRequest&) { return ++calls == 1 ? Reply::hang_forever() : Reply::with_status(200); });
  DaemonProcess daemon;
  // One request at a time, and an exchange deadline far beyond the test: only the abort can end it.
  daemon.start({"--parallel", "1", "--exchange-timeout", "120s"});
  ActionId first, second;
  {
    auto client = daemon.client();
    first = enqueue_ok(client, post(server.url("/a"), "first")).id;
    second = enqueue_ok(client, post(server.url("/b"), "second")).id;
    REQUIRE(server.wait_for_requests(1, 10s));
    // Both are `sending`: the first on the wire, the second waiting for the only slot.
    REQUIRE(wait_for_state(client, second, ActionState::sending));
    CHECK(get_ok(client, first).state == ActionState::sending);
  }
  // Waiting for the exchange deadline (120 s) would overrun this bound: terminate() then kills
  // the daemon and returns -1.
  REQUIRE(daemon.terminate(60s) == 0);
  CHECK(server.request_count() == 1);

  daemon.start();
  auto client = daemon.client();
  REQUIRE(wait_for_state(client, first, ActionState::sent));
  REQUIRE(wait_for_state(client, second, ActionState::sent));
  CHECK(get_ok(client, first).attempts == 2);  // the aborted attempt counts
  const auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].header("Idempotency-Key") == first.to_string());
  int first_keys = 0;
  for (const auto& r : seen) first_keys += r.header("Idempotency-Key") == first.to_string();
  CHECK(first_keys == 2);
}

TEST_CASE("a 4xx fails at once, stays visible, and a manual retry sends it again", "[e2e][delivery][retry]") {
  HttpServer server;
  std::atomic<int> status{400};
  server.set_handler([&](const RecordedRequest&) { return Reply::with_status(status.load(), "bad input"); });
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/form"), "a=1", "form"));
  const auto next = enqueue_ok(client, post(server.url("/form"), "a=2", "form"));

  REQUIRE(wait_for_state(client, action.id, ActionState::failed));
  auto failed = get_ok(client, action.id);
  CHECK(failed.attempts == 1);
  CHECK(failed.response_status == 400);
  CHECK(failed.response_body == "bad input");
  CHECK_THAT(failed.last_error, Catch::Contains("400"));
  // A failed head does not block its tag.
  REQUIRE(wait_for_state(client, next.id, ActionState::failed));

  status = 200;
  auto retried = client.retry(action.id);
  REQUIRE(retried);
  CHECK(retried->state == ActionState::queued);
  REQUIRE(wait_for_state(client, action.id, ActionState::sent));
  CHECK(get_ok(client, action.id).attempts == 2);

  auto again = client.retry(action.id);  // sent: nothing to retry
  REQUIRE_FALSE(again);
  CHECK(again.error().code == proto::errc::bad_state);
}

TEST_CASE("503 with Retry-After waits as told, then succeeds", "[e2e][delivery][retry]") {
  HttpServer server;
  std::atomic<int> calls{0};
  server.set_handler([&](const RecordedRequest&) {
    if (++calls == 1) return Reply::with_status(503, "busy", {{"Retry-After", "1"}});
    return Reply::with_status(200);
  });
  DaemonProcess daemon;
  daemon.start();  // retry base is 100 ms: only Retry-After explains a 1 s wait
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/busy"), "x"));

  REQUIRE(server.wait_for_requests(1, 10s));
  auto between = get_ok(client, action.id);
  if (between.state == ActionState::queued) {  // between the two attempts
    CHECK(between.last_error.find("503") != std::string::npos);
    REQUIRE(between.next_attempt);
  }
  REQUIRE(server.wait_for_requests(2, 10s));
  const auto seen = server.requests();
  CHECK(seen[1].arrival - seen[0].arrival >= 950ms);
  REQUIRE(wait_for_state(client, action.id, ActionState::sent));
  CHECK(get_ok(client, action.id).attempts == 2);
}

TEST_CASE("network errors and 5xx are retried with backoff until they succeed", "[e2e][delivery][retry]") {
  HttpServer server;
  std::atomic<int> calls{0};
  server.set_handler([&](const RecordedRequest&) {
    switch (++calls) {
      case 1: return Reply::reset_connection();
      case 2: return Reply::with_status(500);
      case 3: return Reply::with_status(429);
      default: return Reply::with_status(204);
    }
  });
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/flaky"), "x"));
  REQUIRE(wait_for_state(client, action.id, ActionState::sent, 20s));
  const auto done = get_ok(client, action.id);
  CHECK(done.attempts == 4);
  CHECK(done.response_status == 204);
  // Backoff grows: the gaps between attempts do not shrink (base 100 ms, equal jitter).
  const auto seen = server.requests();
  REQUIRE(seen.size() == 4);
  CHECK(seen[1].arrival - seen[0].arrival >= 50ms);
}

TEST_CASE("a connection refused is retried, and the error says where", "[e2e][delivery][retry]") {
  std::string url;
  {
    HttpServer gone;  // take a port, then close it: nothing listens there any more
    url = gone.url("/nowhere");
  }
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(url, "x"));
  REQUIRE(wait_until(
      [&] {
        auto a = client.get(action.id);
        return a && a->attempts >= 2 && a->state == ActionState::queued;
      },
      10s, 10ms));
  CHECK_THAT(get_ok(client, action.id).last_error, Catch::Contains("127.0.0.1"));
}

TEST_CASE("cancel by id and by tag - a cancelled action is never sent", "[e2e][delivery]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  REQUIRE(client.pause());
  const auto one = enqueue_ok(client, post(server.url("/a"), "1", "t"));
  enqueue_ok(client, post(server.url("/a"), "2", "t"));
  enqueue_ok(client, post(server.url("/a"), "3", "t"));
  const auto keep = enqueue_ok(client, post(server.url("/b"), "keep", "u"));

  auto cancelled = client.cancel(one.id);
  REQUIRE(cancelled);
  CHECK(cancelled->size() == 1);
  auto by_tag = client.cancel_tag("t");
  REQUIRE(by_tag);
  CHECK(by_tag->size() == 2);
  auto twice = client.cancel(one.id);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == proto::errc::bad_state);

  REQUIRE(client.resume());
  REQUIRE(wait_for_state(client, keep.id, ActionState::sent));
  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].body == "keep");
}

TEST_CASE("pipelined enqueues of one tag on one connection keep the order they were sent in", "[e2e][delivery][order]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  RawSocket raw(daemon.socket());
  std::string burst;
  for (int i = 0; i < 100; ++i) {
    boost::json::object request{{"id", i}, {"op", "enqueue"}, {"method", "POST"}, {"url", server.url("/chat")},
                                {"body", std::to_string(i)}, {"tag", "chat"}};
    burst += boost::json::serialize(request) + "\n";
  }
  REQUIRE(raw.send(burst));  // all at once, no waiting for replies
  for (int i = 0; i < 100; ++i) CHECK(raw.read_json().at("ok") == true);
  REQUIRE(server.wait_for_requests(100, 20s));
  const auto seen = server.requests();
  for (int i = 0; i < 100; ++i) CHECK(seen[static_cast<std::size_t>(i)].body == std::to_string(i));
}
