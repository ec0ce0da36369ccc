// bgsync::Client against a scripted fake daemon: error mapping (not running, refused, lost, garbage,
// timeout), framing (events skipped, ids checked) and decoding of replies.

#include "bgsync/client.hpp"
#include "bgsync/proto/codec.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/client/fake_server.hpp"
#include "tests/support/skip.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

namespace {

using bgsync::client_errc;
using bgsync::test::Answer;
using bgsync::test::FakeServer;
using bgsync::test::op_of;
namespace json = boost::json;

constexpr std::string_view some_id = "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a";

bgsync::ConnectOptions options_for(const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  bgsync::ConnectOptions options;
  options.socket_path = path;
  options.timeout = timeout;
  return options;
}


}  // namespace

TEST_CASE("client_errc has a named category and converts to std::error_code", "[client]") {
  const std::error_code code = client_errc::not_running;
  CHECK(code.category().name() == std::string("bgsync.client"));
  CHECK_FALSE(code.message().empty());
  CHECK(bgsync::is_unreachable(client_errc::timeout));
  CHECK_FALSE(bgsync::is_unreachable(client_errc::protocol_error));
}

TEST_CASE("no socket file: not_running, with the path in the message", "[client]") {
  bgsync::test::TempDir dir;
  const std::string path = (dir / "bgsyncd.sock").string();
  auto client = bgsync::Client::connect(options_for(path));
  REQUIRE_FALSE(client);
  CHECK(client.error().code == client_errc::not_running);
  CHECK_THAT(client.error().message, Catch::Contains("not running") && Catch::Contains(path));
}

TEST_CASE("a socket file nobody listens on: not_running, stale socket", "[client]") {
  bgsync::test::TempDir dir;
  const std::string path = (dir / "bgsyncd.sock").string();
  {  // bind without listen, then close: the file stays, as after a crash
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
  }
  auto client = bgsync::Client::connect(options_for(path));
  REQUIRE_FALSE(client);
  CHECK(client.error().code == client_errc::not_running);
  CHECK_THAT(client.error().message, Catch::Contains("nothing listens") && Catch::Contains(path));
}

TEST_CASE("a socket we may not open: permission_denied", "[client]") {
  if (::geteuid() == 0) {
    BGSYNC_SKIP("root ignores file permissions");
  }
  FakeServer server(FakeServer::with_hello([](const json::object&) { return Answer::silence(); }));
  REQUIRE(::chmod(server.path().c_str(), 0) == 0);
  auto client = bgsync::Client::connect(options_for(server.path()));
  REQUIRE_FALSE(client);
  CHECK(client.error().code == client_errc::permission_denied);
}

TEST_CASE("a socket path too long for sun_path is refused before connecting", "[client]") {
  auto client = bgsync::Client::connect(options_for("/tmp/" + std::string(200, 'x')));
  REQUIRE_FALSE(client);
  CHECK(client.error().code == std::errc::filename_too_long);
}

TEST_CASE("the daemon closing the connection: connection_lost", "[client]") {
  SECTION("during hello") {
    FakeServer server([](const json::object&) { return Answer::close(); });
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE_FALSE(client);
    CHECK(client.error().code == client_errc::connection_lost);
    CHECK_THAT(client.error().message, Catch::Contains("closed the connection"));
  }
  SECTION("during a request") {
    FakeServer server(FakeServer::with_hello([](const json::object&) { return Answer::close(); }));
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE(client);
    auto status = client->status();
    REQUIRE_FALSE(status);
    CHECK(status.error().code == client_errc::connection_lost);
  }
}

TEST_CASE("garbage from the daemon: protocol_error", "[client]") {
  SECTION("not JSON") {
    FakeServer server([](const json::object&) { return Answer::send("this is not json\n"); });
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE_FALSE(client);
    CHECK(client.error().code == client_errc::protocol_error);
  }
  SECTION("JSON, but not a reply") {
    FakeServer server(FakeServer::with_hello([](const json::object&) { return Answer::send("{\"hello\":1}\n"); }));
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE(client);
    auto status = client->status();
    REQUIRE_FALSE(status);
    CHECK(status.error().code == client_errc::protocol_error);
  }
  SECTION("a reply whose result is malformed") {
    FakeServer server(FakeServer::with_hello([](const json::object& request) {
      return Answer::send(bgsync::test::ok_reply(request, {{"action", "not an object"}}));
    }));
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE(client);
    auto action = client->get(*bgsync::ActionId::parse(some_id));
    REQUIRE_FALSE(action);
    CHECK(action.error().code == client_errc::protocol_error);
    CHECK_THAT(action.error().message, Catch::Contains("get"));
  }
  SECTION("a reply to another request id") {
    FakeServer server(FakeServer::with_hello([](const json::object&) {
      return Answer::send("{\"id\":999,\"ok\":true,\"paused\":true}\n");
    }));
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE(client);
    auto paused = client->pause();
    REQUIRE_FALSE(paused);
    CHECK(paused.error().code == client_errc::protocol_error);
  }
}

TEST_CASE("a daemon that never answers: timeout after the configured time", "[client]") {
  SECTION("at hello") {
    FakeServer server([](const json::object&) { return Answer::silence(); });
    const auto start = std::chrono::steady_clock::now();
    auto client = bgsync::Client::connect(options_for(server.path(), std::chrono::milliseconds(200)));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(client);
    CHECK(client.error().code == client_errc::timeout);
    CHECK_THAT(client.error().message, Catch::Contains("200 ms"));
    CHECK(elapsed >= std::chrono::milliseconds(190));
    CHECK(elapsed < std::chrono::seconds(2));
  }
  SECTION("at a request; the connection is dropped afterwards") {
    FakeServer server(FakeServer::with_hello([](const json::object&) { return Answer::silence(); }));
    auto client = bgsync::Client::connect(options_for(server.path(), std::chrono::milliseconds(200)));
    REQUIRE(client);
    auto status = client->status();
    REQUIRE_FALSE(status);
    CHECK(status.error().code == client_errc::timeout);
    auto again = client->status();
    REQUIRE_FALSE(again);
    CHECK(again.error().code == client_errc::connection_lost);
  }
  SECTION("a reply that stops half-way still ends at the deadline, not a timeout after its last byte") {
    // Half a reply comes after 70% of the timeout, then nothing: a wait that restarted the whole
    // timeout on every byte would give up at 1.7 s instead of 1 s.
    FakeServer server(FakeServer::with_hello([](const json::object& request) {
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      const auto reply = bgsync::test::ok_reply(request);
      return Answer::send(reply.substr(0, reply.size() / 2));
    }));
    auto client = bgsync::Client::connect(options_for(server.path(), std::chrono::milliseconds(1000)));
    REQUIRE(client);
    const auto start = std::chrono::steady_clock::now();
    auto status = client->status();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(status);
    CHECK(status.error().code == client_errc::timeout);
    CHECK(elapsed >= std::chrono::milliseconds(990));
    CHECK(elapsed < std::chrono::milliseconds(1500));
  }
}

TEST_CASE("hello: version mismatch is unsupported_version", "[client]") {
  SECTION("an error reply") {
    FakeServer server([](const json::object& request) {
      return Answer::send(bgsync::test::error_reply(request, "unsupported_version", "this bgsyncd speaks 2"));
    });
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE_FALSE(client);
    CHECK(client.error().code == client_errc::unsupported_version);
    CHECK(client.error().message == "this bgsyncd speaks 2");
  }
  SECTION("an ok reply with another version") {
    FakeServer server([](const json::object& request) { return Answer::send(bgsync::test::hello_reply(request, 2)); });
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE_FALSE(client);
    CHECK(client.error().code == client_errc::unsupported_version);
  }
}

TEST_CASE("requests and replies: encoding, decoding, daemon errors", "[client]") {
  std::vector<json::object> seen;
  std::mutex seen_mutex;
  FakeServer server(FakeServer::with_hello([&](const json::object& request) {
    {
      std::lock_guard lock(seen_mutex);
      seen.push_back(request);
    }
    const auto op = op_of(request);
    if (op == "enqueue") {
      // An event pushed before the reply must be skipped by the synchronous client. The reply is a
      // whole action, as from a bgsyncd that does not know "brief".
      json::object push{{"event", bgsync::test::sample_event(7, some_id)}, {"subscription", 1}};
      return Answer::send(json::serialize(push) + "\n" +
                          bgsync::test::ok_reply(request, {{"action", bgsync::test::sample_action(some_id)}}));
    }
    if (op == "get") return Answer::send(bgsync::test::error_reply(request, "not_found", "no action 0190..."));
    if (op == "status") {
      return Answer::send(bgsync::test::ok_reply(
          request, {{"version", "0.1.0"},
                    {"online", true},
                    {"paused", false},
                    {"counts", {{"queued", 3}, {"sending", 1}, {"sent", 10}, {"failed", 0}, {"cancelled", 2}}},
                    {"last_seq", 42},
                    {"next_attempt", nullptr}}));
    }
    if (op == "list") {
      return Answer::send(bgsync::test::ok_reply(
          request, {{"actions", json::array{bgsync::test::sample_action(some_id)}}, {"next", some_id}}));
    }
    if (op == "cancel") {
      return Answer::send(
          bgsync::test::ok_reply(request, {{"cancelled", json::array{bgsync::test::sample_action(some_id)}}}));
    }
    if (op == "pause") return Answer::send(bgsync::test::ok_reply(request, {{"paused", true}}));
    return Answer::send(bgsync::test::error_reply(request, "unknown_op", "no such op"));
  }));

  auto client = bgsync::Client::connect(options_for(server.path()));
  REQUIRE(client);
  CHECK(client->server() == "fake-bgsyncd/0");
  CHECK(client->socket_path() == server.path());

  bgsync::EnqueueRequest request;
  request.method = "POST";
  request.url = "https://example.com/inbox";
  request.body = "a=1";
  request.tag = "t";
  auto action = client->enqueue(request);
  REQUIRE(action);
  CHECK(action->id.to_string() == some_id);

  auto missing = client->get(*bgsync::ActionId::parse(some_id));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == bgsync::errc::not_found);
  CHECK(missing.error().message == "no action 0190...");

  auto status = client->status();  // the connection survived the error reply
  REQUIRE(status);
  CHECK(status->counts[bgsync::ActionState::queued] == 3);
  CHECK(status->last_seq == 42);

  auto page = client->list({});
  REQUIRE(page);
  CHECK(page->actions.size() == 1);
  CHECK(page->next.has_value());

  auto cancelled = client->cancel_tag("t");
  REQUIRE(cancelled);
  CHECK(cancelled->size() == 1);

  auto paused = client->pause();
  REQUIRE(paused);
  CHECK(*paused);

  SECTION("invalid requests are refused before sending") {
    bgsync::EnqueueRequest bad;
    bad.url = "ftp://example.com/";
    auto refused = client->enqueue(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == bgsync::errc::bad_url);
  }

  std::lock_guard lock(seen_mutex);
  REQUIRE(seen.size() >= 6);
  CHECK(op_of(seen[0]) == "enqueue");
  CHECK(seen[0].at("url").as_string() == "https://example.com/inbox");
  CHECK(seen[0].at("tag").as_string() == "t");
  CHECK(seen[0].at("brief") == true);
  CHECK(op_of(seen[4]) == "cancel");
  CHECK(seen[4].at("tag").as_string() == "t");
}

TEST_CASE("a brief enqueue reply is rebuilt into the whole action and a bad one is a protocol_error", "[client]") {
  std::atomic<bool> garbled{false};
  FakeServer server(FakeServer::with_hello([&](const json::object& request) {
    if (garbled) return Answer::send(bgsync::test::ok_reply(request, {{"action_id", 7}}));
    return Answer::send(bgsync::test::ok_reply(
        request,
        {{"action_id", some_id}, {"created", "2026-11-24T20:11:57.123Z"}, {"waiting", "network"}, {"seq", 41}}));
  }));
  auto client = bgsync::Client::connect(options_for(server.path()));
  REQUIRE(client);
  bgsync::EnqueueRequest request;
  request.method = "PUT";
  request.url = "https://example.com/notes/1";
  request.headers = {{"If-Match", "\"v3\""}};
  request.body = "text";
  request.tag = "note-1";
  request.app = "notes";
  auto action = client->enqueue(request);
  REQUIRE(action);
  CHECK(action->id.to_string() == some_id);
  CHECK(action->method == "PUT");
  CHECK(action->url == request.url);
  CHECK(action->headers == request.headers);
  CHECK(action->tag == "note-1");
  CHECK(action->app == "notes");
  CHECK(action->state == bgsync::ActionState::queued);
  CHECK(action->waiting == bgsync::proto::WaitReason::network);
  CHECK(bgsync::proto::format_time(action->created) == "2026-11-24T20:11:57.123Z");
  CHECK(action->next_attempt == action->created);
  CHECK(action->queued_seq == 41);  // what wait() replays from

  garbled = true;
  auto bad = client->enqueue(request);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == client_errc::protocol_error);
  CHECK_THAT(bad.error().message, Catch::Contains("enqueue"));
}

TEST_CASE("a moved Client keeps its connection", "[client]") {
  FakeServer server(FakeServer::with_hello(
      [](const json::object& request) { return Answer::send(bgsync::test::ok_reply(request, {{"paused", false}})); }));
  auto connected = bgsync::Client::connect(options_for(server.path()));
  REQUIRE(connected);
  bgsync::Client client = std::move(*connected);
  auto resumed = client.resume();
  REQUIRE(resumed);
  CHECK_FALSE(*resumed);
}
