// Bad input end to end: garbage, huge frames, malformed requests. Each gets a clear error; the
// daemon and every other client carry on; nothing stored is touched. And bad clients: one that
// never reads its replies, one that pipelines huge requests, one that leaks connections; none may
// make bgsyncd grow without bound or stop sending for the others.
#include <memory>
#include <set>
#include <thread>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/raw_socket.hpp"
#include "tests/support/process_memory.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

// Joins a thread that sends on `socket` when the test leaves early (a failed REQUIRE): shuts the
// socket down first, so that a send blocked on it returns, rather than let std::thread terminate.
struct SenderGuard {
  std::thread& thread;
  RawSocket& socket;
  ~SenderGuard() {
    if (thread.joinable()) {
      socket.shutdown();
      thread.join();
    }
  }
};

std::string error_code_of(const boost::json::object& reply) {
  REQUIRE(reply.contains("ok"));
  REQUIRE(reply.at("ok") == false);
  return std::string(reply.at("error").at("code").as_string());
}

// The daemon still serves a fresh client, and stores nothing new.
void check_still_healthy(DaemonProcess& daemon, std::uint64_t expected_queued) {
  auto client = daemon.client();
  auto status = client.status();
  REQUIRE(status);
  CHECK(status->counts[ActionState::queued] == expected_queued);
}

}  // namespace

TEST_CASE("garbage, huge frames and bad requests get errors, never a crash", "[e2e][robustness]") {
  DaemonProcess daemon;
  daemon.start({"--log-level", "info"});
  auto bystander = daemon.client();
  REQUIRE(bystander.pause());
  enqueue_ok(bystander, post("http://127.0.0.1:9/", "kept"));

  SECTION("binary garbage: bad_frame, then the connection is closed") {
    RawSocket raw(daemon.socket());
    raw.send(std::string("\x00\xff\xfe garbage \x01\x02\n", 16));
    CHECK(error_code_of(raw.read_json()) == "bad_frame");
    CHECK(raw.closed_by_peer());
  }
  SECTION("malformed JSON and non-objects") {
    for (std::string bad : {"{\"op\":\"status\"", "[1,2,3]", "42", "{\"op\":\"status\",}"}) {
      RawSocket raw(daemon.socket());
      raw.send(bad + "\n");
      INFO(bad);
      CHECK(error_code_of(raw.read_json()) == "bad_frame");
    }
  }
  SECTION("a frame over 16 MiB: frame_too_large, connection closed") {
    RawSocket raw(daemon.socket());
    std::string huge = R"({"id":1,"op":"enqueue","url":"http://127.0.0.1/","body":")";
    huge.append((16u << 20) + 100, 'a');
    raw.send(huge);  // may fail part-way once the daemon closes: that is fine
    CHECK(error_code_of(raw.read_json()) == "frame_too_large");
  }
  SECTION("a frame of exactly 16 MiB, newline included, is read whole and answered on its merits") {
    RawSocket raw(daemon.socket());
    // An ftp:// URL: refused after parsing, on a connection that stays open.
    const std::string head = R"({"id":1,"op":"enqueue","url":"ftp://127.0.0.1/","body":")";
    const std::string tail = "\"}\n";
    std::string frame = head;
    frame.append((16u << 20) - head.size() - tail.size(), 'a');
    frame += tail;
    REQUIRE(frame.size() == 16u << 20);
    raw.send(frame);
    CHECK(error_code_of(raw.read_json()) == "bad_url");
    raw.send("{\"id\":2,\"op\":\"status\"}\n");
    CHECK(raw.read_json().at("ok") == true);
  }
  SECTION("frames split anywhere, or several in one write, are each answered") {
    RawSocket raw(daemon.socket());
    const std::string two = "{\"id\":1,\"op\":\"status\"}\n\n{\"id\":2,\"op\":\"status\"}\n";
    raw.send(two.substr(0, 5));
    raw.send(two.substr(5, 20));
    raw.send(two.substr(25) + "{\"id\":3,\"op\":\"status\"}\n{\"id\":4,");
    raw.send("\"op\":\"status\"}\n");
    std::set<std::int64_t> answered;  // replies carry their request's id; their order is not promised
    for (int n = 0; n < 4; ++n) {
      auto reply = raw.read_json();
      CHECK(reply.at("ok") == true);
      answered.insert(reply.at("id").to_number<std::int64_t>());
    }
    CHECK(answered == std::set<std::int64_t>{1, 2, 3, 4});
  }
  SECTION("a client that disconnects half-way through a frame") {
    {
      RawSocket raw(daemon.socket());
      raw.send(R"({"id":1,"op":"enqueue","url":"http://127.0)");
    }
  }
  SECTION("unknown ops and bad fields are answered on a connection that stays open") {
    RawSocket raw(daemon.socket());
    struct Case {
      std::string request;
      std::string code;
    };
    const std::vector<Case> cases{
        {R"({"id":1,"op":"frobnicate"})", "unknown_op"},
        {R"({"id":2})", "missing_field"},
        {R"({"id":3,"op":7})", "bad_field"},
        {R"({"id":4,"op":"enqueue"})", "missing_field"},
        {R"({"id":5,"op":"enqueue","url":"ftp://example.com/"})", "bad_url"},
        {R"({"id":6,"op":"enqueue","url":"not a url"})", "bad_url"},
        {R"({"id":7,"op":"enqueue","url":"http://example.com/","method":"GE T"})", "bad_method"},
        {R"({"id":8,"op":"enqueue","url":"http://example.com/","headers":[["X-A","1\r\nX-Injected: yes"]]})", "bad_header"},
        {R"({"id":9,"op":"enqueue","url":"http://example.com/","headers":[["Bad Name","v"]]})", "bad_header"},
        {R"({"id":10,"op":"enqueue","url":"http://example.com/","headers":[["Host","evil"]]})", "bad_header"},
        {R"({"id":11,"op":"get","action":"not-an-id"})", "bad_field"},
        {R"({"id":12,"op":"get","action":"01890a5d-ac96-774b-bcce-b302099a8057"})", "not_found"},
        {R"({"id":13,"op":"hello","version":99})", "unsupported_version"},
        {R"({"id":14,"op":"list","limit":0})", "bad_field"},
        {R"({"id":15,"op":"cancel"})", "missing_field"},
    };
    for (const auto& c : cases) {
      INFO(c.request);
      REQUIRE(raw.send(c.request + "\n"));
      const auto reply = raw.read_json();
      CHECK(error_code_of(reply) == c.code);
      CHECK(reply.at("id") == boost::json::parse(c.request).at("id"));
      CHECK(!reply.at("error").at("message").as_string().empty());
    }
    REQUIRE(raw.send("{\"id\":\"still-here\",\"op\":\"status\"}\n"));
    const auto ok = raw.read_json();
    CHECK(ok.at("ok") == true);
    CHECK(ok.at("id") == "still-here");
  }
  SECTION("pipelined requests are all answered, matched by id") {
    RawSocket raw(daemon.socket());
    std::string burst;
    for (int i = 0; i < 200; ++i) burst += R"({"id":)" + std::to_string(i) + R"(,"op":"status"})" + "\n";
    REQUIRE(raw.send(burst));
    std::set<std::int64_t> ids;
    for (int i = 0; i < 200; ++i) ids.insert(raw.read_json().at("id").as_int64());
    CHECK(ids.size() == 200);
  }
  SECTION("many clients come and go") {
    for (int i = 0; i < 200; ++i) {
      RawSocket raw(daemon.socket());
      if (i % 2) raw.send("{\"id\":1,\"op\":\"status\"}\n");
    }
  }

  // Whatever happened above, the daemon runs, serves others, and stored nothing new.
  CHECK(daemon.running());
  check_still_healthy(daemon, 1);
  CHECK(bystander.status());
}

TEST_CASE("a client that does not read its replies is read no further, and gets them all later", "[e2e][robustness]") {
  DaemonProcess daemon;
  daemon.start();
  RawSocket greedy(daemon.socket());
  constexpr int requests = 40000;
  std::string burst;
  for (int i = 0; i < requests; ++i) burst += R"({"id":)" + std::to_string(i) + R"(,"op":"status"})" + "\n";
  // Answered in full, these would queue about 9 MiB of replies inside bgsyncd. It stops reading
  // instead, once about 1 MiB of them waits, and the kernel's buffers fill behind it.
  const std::size_t taken = greedy.send_until_stalled(burst, 500ms);
  INFO("taken " << taken << " of " << burst.size());
  CHECK(taken < burst.size() / 2);
  auto other = daemon.client();
  CHECK(other.status());  // everybody else is served meanwhile

  // Once it reads, bgsyncd reads the rest, and every request is answered.
  // Catch2's assertions are not thread-safe: the sender only records whether it got through.
  bool rest_sent = false;
  std::thread rest([&] { rest_sent = greedy.send(std::string_view(burst).substr(taken)); });
  SenderGuard guard{rest, greedy};
  std::set<std::int64_t> ids;
  for (int i = 0; i < requests; ++i) {
    const auto reply = greedy.read_json();
    CHECK(reply.at("ok") == true);
    ids.insert(reply.at("id").as_int64());
  }
  rest.join();
  CHECK(rest_sent);
  CHECK(ids.size() == static_cast<std::size_t>(requests));
  CHECK(daemon.running());
}

TEST_CASE("large requests pipelined on one connection are read one or two at a time", "[e2e][robustness]") {
#if defined(__SANITIZE_ADDRESS__)
  BGSYNC_SKIP("ASan keeps freed memory in quarantine, so the daemon's peak says nothing here");
#endif
  DaemonProcess daemon;
  daemon.start();
  REQUIRE(daemon.client().pause());
  const double before = process_memory(daemon.pid()).vm_hwm_mib;
  // 16 enqueues of 6 MiB each. Each holds several copies of its body in bgsyncd while it is
  // handled (frame, JSON, request, journal record, LMDB pages): read all at once, they took bgsyncd
  // to about 450 MiB. Held to a few at a time, the peak stays near 150 MiB, whatever their number.
  constexpr int requests = 16;
  std::string body(6 << 20, 'x');
  std::string frame = R"({"op":"enqueue","url":"http://127.0.0.1:9/","method":"POST","brief":true,"body":")" + body + "\"";
  RawSocket raw(daemon.socket());
  int frames_sent = 0;  // Catch2's assertions are not thread-safe: checked after the join
  std::thread sender([&] {
    for (int i = 0; i < requests && raw.send(frame + R"(,"id":)" + std::to_string(i) + "}\n"); ++i) ++frames_sent;
  });
  SenderGuard guard{sender, raw};
  for (int i = 0; i < requests; ++i) CHECK(raw.read_json(std::chrono::seconds(60)).at("ok") == true);
  sender.join();
  CHECK(frames_sent == requests);
  const double growth = process_memory(daemon.pid()).vm_hwm_mib - before;
  INFO("bgsyncd's peak grew by " << growth << " MiB");
  CHECK(growth < 256);
  auto status = daemon.client().status();
  REQUIRE(status);
  CHECK(status->counts[ActionState::queued] == static_cast<std::uint64_t>(requests));
}

TEST_CASE("an app that leaks connections cannot take the descriptors bgsyncd sends with", "[e2e][robustness]") {
  HttpServer server;
  // Every request then needs a new socket, so a descriptor, after the leak.
  server.set_handler([](const RecordedRequest&) { return Reply::with_status(200, "ok", {{"Connection", "close"}}); });
  DaemonProcess daemon;
  // 256 descriptors in all (soft and hard): bgsyncd takes at most 128 client connections.
  daemon.set_launcher({"/usr/bin/prlimit", "--nofile=256:256", "--"});
  daemon.start();
  auto client = daemon.client();
  REQUIRE(client.pause());
  constexpr std::uint64_t actions = 20;
  for (std::uint64_t i = 0; i < actions; ++i) enqueue_ok(client, post(server.url("/leak"), "x"));

  // 400 connections that are never used nor closed: past 128 they wait in the listen backlog.
  std::vector<std::unique_ptr<RawSocket>> leaked;
  for (int i = 0; i < 400; ++i) leaked.push_back(std::make_unique<RawSocket>(daemon.socket()));
  // Sends start once bgsyncd has stopped accepting them: at its cap, or (without one) out of
  // descriptors.
  REQUIRE(wait_until(
      [&] {
        const auto log = daemon.log();
        return log.find("client connections are open") != std::string::npos || log.find("accept failed") != std::string::npos;
      },
      10s, 10ms));
  REQUIRE(client.resume());
  CHECK(wait_until(
      [&] {
        auto status = client.status();
        return status && status->counts[ActionState::sent] == actions;
      },
      20s, 10ms));
  CHECK(server.requests().size() == actions);
  CHECK_THAT(daemon.log(), Catch::Contains("128 client connections are open"));

  // Once they close, newcomers are accepted again.
  leaked.clear();
  auto later = daemon.client();
  CHECK(later.status());
}

TEST_CASE("enqueue refuses a field it does not know, by name, and hello lists the features", "[e2e][robustness][policy]") {
  DaemonProcess daemon;
  daemon.start({"--default-ttl", "2h"});
  RawSocket raw(daemon.socket());
  raw.send(R"({"id":1,"op":"hello","version":1})"
           "\n");
  const auto hello = raw.read_json();
  REQUIRE(hello.at("ok") == true);
  std::set<std::string> features;
  for (const auto& f : hello.at("features").as_array()) features.insert(std::string(f.as_string()));
  CHECK(features.count("not_before") == 1);
  CHECK(features.count("id_prefix") == 1);
  // Accepted and stored, but not yet enforced: not offered.
  CHECK(features.count("ttl") == 0);

  // A client from the future asks for a ttl under another name: refused, nothing stored.
  raw.send(R"({"id":2,"op":"enqueue","url":"http://127.0.0.1:9/","time_to_live":60})"
           "\n");
  const auto refused = raw.read_json();
  CHECK(error_code_of(refused) == "bad_field");
  CHECK_THAT(std::string(refused.at("error").at("message").as_string()), Catch::Contains("\"time_to_live\""));
  check_still_healthy(daemon, 0);

  // Without a ttl of its own, an action expires --default-ttl after its enqueue; with one, then.
  auto client = daemon.client();
  REQUIRE(client.pause());
  const Action plain = enqueue_ok(client, post("http://127.0.0.1:9/", "a"));
  REQUIRE(plain.policy.expires_at);
  CHECK(*plain.policy.expires_at == plain.created + std::chrono::hours(2));
  CHECK(get_ok(client, plain.id).policy.expires_at == plain.policy.expires_at);
  auto request = post("http://127.0.0.1:9/", "b");
  request.ttl = std::chrono::minutes(5);
  request.policy.not_before = plain.created + std::chrono::hours(1);
  const Action own = enqueue_ok(client, request);
  CHECK(*own.policy.expires_at == own.created + std::chrono::minutes(5));
  const Action stored = get_ok(client, own.id);
  CHECK(stored.policy.expires_at == own.policy.expires_at);
  CHECK(stored.next_attempt == request.policy.not_before);
  CHECK(stored.policy.not_before == request.policy.not_before);
}
