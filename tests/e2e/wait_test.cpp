// Waiting for actions against a real daemon and HTTP server: the library's wait (Client and
// AsyncClient) with and without the enqueue's seq, `syncctl wait`, `enqueue --wait` and
// `watch --id`: their outcomes, exit statuses and --json, and no outcome missed however early.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include "bgsync/async_client.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/support/test_http_server.hpp"

#include <sstream>
#include <thread>

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

ProcessResult syncctl(DaemonProcess& daemon, std::vector<std::string> args) {
  args.insert(args.begin(), BGSYNC_SYNCCTL_PATH);
  return run_process(args, {}, {{"BGSYNC_SOCKET", daemon.socket()}});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// /fail answers 400, /busy 503 (retried), anything else 200.
void answer_by_path(HttpServer& server) {
  server.set_handler([](const RecordedRequest& request) {
    if (request.target == "/fail") return Reply::with_status(400, "no");
    if (request.target == "/busy") return Reply::with_status(503, "later");
    return Reply::with_status(200, "ok");
  });
}

WaitResult wait_one(Client& client, const WaitTarget& target, std::chrono::milliseconds timeout = 10s) {
  auto results = client.wait({target}, timeout);
  INFO((results ? std::string() : results.error().message));
  REQUIRE(results);
  REQUIRE(results->size() == 1);
  return results->front();
}

}  // namespace

TEST_CASE("wait: an enqueue's seq replays its events, so an outcome reached before the call is not missed",
          "[e2e][wait]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/a"), "x"));
  CHECK(action.queued_seq > 0);
  REQUIRE(wait_for_state(client, action.id, ActionState::sent));

  // Already sent: the replay from its queued event holds the `sent` event, so the wait ends on it
  // at once (its seq says the outcome came from the event, not from a read when the time was up).
  const auto started = std::chrono::steady_clock::now();
  const auto result = wait_one(client, action, 20s);
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(result.outcome == WaitOutcome::sent);
  CHECK(result.state == ActionState::sent);
  CHECK(result.status == 200);
  CHECK(result.seq > action.queued_seq);

  // By id alone: subscribe, then get; the outcome is read from the action.
  const auto by_id = wait_one(client, action.id);
  CHECK(by_id.outcome == WaitOutcome::sent);
  CHECK(by_id.seq == 0);

  // The connection is still good for requests, and stray events do not confuse them.
  CHECK(client.status());
}

TEST_CASE("wait: failed, cancelled and timed out, in the order asked", "[e2e][wait]") {
  HttpServer server;
  answer_by_path(server);
  DaemonProcess daemon;
  daemon.start({"--max-attempts", "0"});
  auto client = daemon.client();
  const auto failing = enqueue_ok(client, post(server.url("/fail"), "x"));
  const auto sent = enqueue_ok(client, post(server.url("/ok"), "x"));
  // Retried with backoff for ever (--max-attempts 0): never finishes here.
  const auto busy = enqueue_ok(client, post(server.url("/busy"), "x"));

  auto results = client.wait({failing, busy, sent}, 1500ms);
  REQUIRE(results);
  REQUIRE(results->size() == 3);
  CHECK((*results)[0].id == failing.id);
  CHECK((*results)[0].outcome == WaitOutcome::failed);
  CHECK((*results)[0].status == 400);
  CHECK((*results)[0].error.find("400") != std::string::npos);
  CHECK((*results)[1].outcome == WaitOutcome::unfinished);
  CHECK(((*results)[1].state == ActionState::queued || (*results)[1].state == ActionState::sending));
  CHECK((*results)[2].outcome == WaitOutcome::sent);

  // A cancel while waiting ends the wait with `cancelled`.
  REQUIRE(client.cancel(busy.id));
  CHECK(wait_one(client, busy).outcome == WaitOutcome::cancelled);

  auto unknown = client.wait({*ActionId::parse("0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a")}, 1s);
  REQUIRE(!unknown);
  CHECK(unknown.error().code == errc::not_found);
}

TEST_CASE("wait: a wait under way ends when the outcome comes, on the waiting connection", "[e2e][wait]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  REQUIRE(client.pause());
  const auto action = enqueue_ok(client, post(server.url("/a"), "x"));
  CHECK(wait_one(client, action, 100ms).outcome == WaitOutcome::unfinished);

  // Another connection releases it, most likely while this one waits (before is fine too).
  std::thread resumer([&] {
    auto other = daemon.client();
    (void)other.resume();
  });
  const auto result = wait_one(client, action, 20s);
  resumer.join();
  CHECK(result.outcome == WaitOutcome::sent);
  CHECK(result.seq > action.queued_seq);
}

TEST_CASE("wait: AsyncClient, on a connection of its own, leaving the app's events alone", "[e2e][wait][async]") {
  HttpServer server;
  answer_by_path(server);
  DaemonProcess daemon;
  daemon.start();
  boost::asio::io_context io;
  auto test = [&]() -> boost::asio::awaitable<void> {
    ConnectOptions options;
    options.socket_path = daemon.socket();
    auto connected = co_await AsyncClient::connect(io.get_executor(), options);
    REQUIRE(connected);
    auto& client = **connected;
    SubscribeArgs mine;
    REQUIRE(co_await client.subscribe(mine));
    auto request = post(server.url("/fail"), "x");
    auto action = co_await client.enqueue(request);
    REQUIRE(action);
    std::vector<WaitTarget> targets{*action};
    auto results = co_await client.wait(targets, std::chrono::milliseconds(20000));
    REQUIRE(results);
    CHECK(results->front().outcome == WaitOutcome::failed);
    CHECK(results->front().status == 400);
    // The app's own subscription still gets the action's events, from its queued one.
    auto first = co_await client.next_event();
    REQUIRE(first);
    CHECK(first->type == EventType::queued);
    CHECK(first->seq == action->queued_seq);

    REQUIRE(co_await client.pause());
    auto held_request = post(server.url("/ok"), "y");
    auto held = co_await client.enqueue(held_request);
    REQUIRE(held);
    std::vector<WaitTarget> by_id{held->id};
    auto timed_out = co_await client.wait(by_id, std::chrono::milliseconds(100));
    REQUIRE(timed_out);
    CHECK(timed_out->front().outcome == WaitOutcome::unfinished);
    CHECK(timed_out->front().state == ActionState::queued);
  };
  auto done = boost::asio::co_spawn(io, test(), boost::asio::use_future);
  io.run();
  done.get();
}

TEST_CASE("syncctl wait: exit 0 sent, 1 failed or cancelled, 4 on timeout, in text and --json", "[e2e][wait][syncctl]") {
  HttpServer server;
  answer_by_path(server);
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  const auto sent = enqueue_ok(client, post(server.url("/ok"), "x")).id.to_string();
  const auto failed = enqueue_ok(client, post(server.url("/fail"), "x")).id.to_string();

  auto r = syncctl(daemon, {"wait", sent});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == sent + "  sent  HTTP 200\n");

  r = syncctl(daemon, {"wait", "--timeout", "20s", sent, failed});
  CHECK(r.exit_code == 1);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == sent + "  sent  HTTP 200");
  CHECK(lines[1].rfind(failed + "  failed  HTTP 400  error: ", 0) == 0);

  r = syncctl(daemon, {"--json", "wait", sent, failed});
  CHECK(r.exit_code == 1);
  const auto array = boost::json::parse(r.out).as_array();
  REQUIRE(array.size() == 2);
  CHECK(array[0].at("id") == sent.c_str());
  CHECK(array[0].at("outcome") == "sent");
  CHECK(array[0].at("state") == "sent");
  CHECK(array[0].at("status") == 200);
  CHECK(array[0].at("error").is_null());
  CHECK(array[1].at("outcome") == "failed");
  CHECK(array[1].at("status") == 400);
  CHECK(array[1].at("error").is_string());

  REQUIRE(client.pause());
  const auto held = enqueue_ok(client, post(server.url("/ok"), "y")).id.to_string();
  r = syncctl(daemon, {"wait", "--timeout", "200ms", held});
  CHECK(r.exit_code == 4);
  CHECK(r.out == held + "  unfinished  queued\n");
  r = syncctl(daemon, {"wait", "--timeout", "0", held, failed});
  CHECK(r.exit_code == 1);  // a final failure outweighs a timeout

  REQUIRE(client.cancel(*ActionId::parse(held)));
  r = syncctl(daemon, {"wait", held});
  CHECK(r.exit_code == 1);
  CHECK(r.out == held + "  cancelled\n");

  CHECK(syncctl(daemon, {"wait", "--timeout", "soon", held}).exit_code == 2);
  CHECK(syncctl(daemon, {"wait", "nope"}).exit_code == 2);
  r = syncctl(daemon, {"wait", "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a") != std::string::npos);
}

TEST_CASE("syncctl enqueue --wait prints the id, then the outcome, and exits as wait", "[e2e][wait][syncctl]") {
  HttpServer server;
  answer_by_path(server);
  DaemonProcess daemon;
  daemon.start();

  auto r = syncctl(daemon, {"enqueue", "--wait", "-d", "x", server.url("/ok")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  REQUIRE(ActionId::parse(lines[0]));
  CHECK(lines[1] == lines[0] + "  sent  HTTP 200");

  r = syncctl(daemon, {"enqueue", "--wait", "--timeout", "20s", "-d", "x", server.url("/fail")});
  CHECK(r.exit_code == 1);
  lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].rfind(lines[0] + "  failed  HTTP 400", 0) == 0);

  r = syncctl(daemon, {"--json", "enqueue", "--wait", server.url("/ok")});
  CHECK(r.exit_code == 0);
  const auto doc = boost::json::parse(r.out).as_object();
  CHECK(doc.at("action").at("id") == doc.at("outcome").at("id"));
  CHECK(doc.at("outcome").at("outcome") == "sent");

  auto client = daemon.client();
  REQUIRE(client.pause());
  r = syncctl(daemon, {"enqueue", "--wait", "--timeout", "100ms", server.url("/ok")});
  CHECK(r.exit_code == 4);
  lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == lines[0] + "  unfinished  queued");

  CHECK(syncctl(daemon, {"enqueue", "--timeout", "1s", server.url("/ok")}).exit_code == 2);  // needs --wait
}

TEST_CASE("syncctl watch --id follows one action from its first event and exits when it finishes",
          "[e2e][wait][syncctl]") {
  HttpServer server;
  answer_by_path(server);
  DaemonProcess daemon;
  daemon.start();
  auto client = daemon.client();
  const auto other = enqueue_ok(client, post(server.url("/ok"), "other"));
  const auto sent = enqueue_ok(client, post(server.url("/ok"), "x"));
  REQUIRE(wait_one(client, sent).outcome == WaitOutcome::sent);
  REQUIRE(wait_one(client, other).outcome == WaitOutcome::sent);

  // Finished already: its retained events are replayed, then it exits with its outcome.
  auto r = syncctl(daemon, {"watch", "--id", sent.id.to_string()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("queued") != std::string::npos);
  CHECK(lines[1].find("sending") != std::string::npos);
  CHECK(lines[2].find("sent") != std::string::npos);
  CHECK(r.out.find(other.id.to_string()) == std::string::npos);

  const auto failed = enqueue_ok(client, post(server.url("/fail"), "x"));
  r = syncctl(daemon, {"--json", "watch", "--id", failed.id.to_string()});
  CHECK(r.exit_code == 1);
  lines = lines_of(r.out);
  REQUIRE(!lines.empty());
  CHECK(boost::json::parse(lines.back()).at("type") == "failed");

  // Unfinished: it follows live events until the outcome.
  REQUIRE(client.pause());
  const auto held = enqueue_ok(client, post(server.url("/ok"), "y"));
  std::thread resumer([&] {  // before or after watch subscribes: either way it must see the end
    auto other_client = daemon.client();
    (void)other_client.resume();
  });
  r = syncctl(daemon, {"watch", "--id", held.id.to_string()});
  resumer.join();
  CHECK(r.exit_code == 0);
  CHECK(lines_of(r.out).back().find("sent") != std::string::npos);

  CHECK(syncctl(daemon, {"watch", "--id", "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"}).exit_code == 1);
  CHECK(syncctl(daemon, {"watch", "--id", held.id.to_string(), "--since", "3"}).exit_code == 2);
}
