// bgsync::AsyncClient against a scripted fake daemon: pipelined requests answered out of order,
// events through next_event and on_event, backpressure with a tiny queue, timeouts, connection loss.

#include "bgsync/async_client.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/client/fake_server.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using bgsync::client_errc;
using bgsync::test::Answer;
using bgsync::test::FakeServer;

constexpr std::string_view id_a = "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a";
constexpr std::string_view id_b = "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8b";

bgsync::ConnectOptions options_for(const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                   std::size_t capacity = 1024) {
  bgsync::ConnectOptions options;
  options.socket_path = path;
  options.timeout = timeout;
  options.event_queue_capacity = capacity;
  return options;
}

std::string push(std::uint64_t seq, std::string_view id) {
  return json::serialize(json::object{{"event", bgsync::test::sample_event(seq, id)}, {"subscription", 1}}) + "\n";
}

// Runs a coroutine to completion on a fresh io_context and returns its result.
template <class T>
T run(std::function<asio::awaitable<T>()> body) {
  asio::io_context io;
  auto future = asio::co_spawn(io, body(), asio::use_future);
  io.run();
  return future.get();
}

}  // namespace

TEST_CASE("async: not running and garbage map like the synchronous client", "[client][async]") {
  bgsync::test::TempDir dir;
  asio::io_context io;
  auto future = asio::co_spawn(io, bgsync::AsyncClient::connect(io.get_executor(), options_for((dir / "none.sock").string())),
                               asio::use_future);
  io.run();
  auto client = future.get();
  REQUIRE_FALSE(client);
  CHECK(client.error().code == client_errc::not_running);
  CHECK_THAT(client.error().message, Catch::Contains((dir / "none.sock").string()));

  FakeServer server([](const json::object&) { return Answer::send("garbage\n"); });
  io.restart();
  auto garbage = asio::co_spawn(io, bgsync::AsyncClient::connect(io.get_executor(), options_for(server.path())),
                                asio::use_future);
  io.run();
  auto failed = garbage.get();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == client_errc::protocol_error);
}

TEST_CASE("async: pipelined requests answered out of order reach their callers", "[client][async]") {
  // The server holds the first enqueue's reply and sends it after the second one's.
  std::string held;
  FakeServer server(FakeServer::with_hello([&](const json::object& request) {
    const std::string url(request.at("url").as_string());
    if (url.ends_with("/first")) {
      held = bgsync::test::ok_reply(request, {{"action", bgsync::test::sample_action(id_a)}});
      return Answer::silence();
    }
    return Answer::send(bgsync::test::ok_reply(request, {{"action", bgsync::test::sample_action(id_b)}}) + held);
  }));

  using namespace asio::experimental::awaitable_operators;
  auto [first, second] = run<std::pair<std::string, std::string>>([&]() -> asio::awaitable<std::pair<std::string, std::string>> {
    auto client = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor, options_for(server.path()));
    REQUIRE(client);
    bgsync::EnqueueRequest a, b;
    a.url = "https://example.com/first";
    b.url = "https://example.com/second";
    auto [ra, rb] = co_await ((*client)->enqueue(a) && (*client)->enqueue(b));
    REQUIRE(ra);
    REQUIRE(rb);
    co_return std::pair{ra->id.to_string(), rb->id.to_string()};
  });
  CHECK(first == id_a);
  CHECK(second == id_b);
}

TEST_CASE("async: subscribe, then events through next_event in order", "[client][async]") {
  std::atomic<std::int64_t> since{-1};  // Catch assertions are for the test thread only
  FakeServer server(FakeServer::with_hello([&](const json::object& request) {
    const std::string op(request.at("op").as_string());
    if (op == "subscribe") {
      if (const auto* value = request.if_contains("since"); value != nullptr && value->is_number()) {
        since = value->to_number<std::int64_t>();
      }
      return Answer::send(bgsync::test::ok_reply(request, {{"subscription", 1}, {"last_seq", 8}, {"first_seq", 1}}) +
                          push(6, id_a) + push(7, id_b) + push(8, id_a));
    }
    return Answer::send(bgsync::test::ok_reply(request));  // unsubscribe
  }));

  auto seqs = run<std::vector<std::uint64_t>>([&]() -> asio::awaitable<std::vector<std::uint64_t>> {
    auto client = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor, options_for(server.path()));
    REQUIRE(client);
    bgsync::SubscribeArgs args;
    args.since = 5;
    auto subscribed = co_await (*client)->subscribe(args);
    REQUIRE(subscribed);
    CHECK(subscribed->subscription == 1);
    CHECK(subscribed->last_seq == 8);
    std::vector<std::uint64_t> seen;
    for (int i = 0; i < 3; ++i) {
      auto event = co_await (*client)->next_event();
      REQUIRE(event);
      seen.push_back(event->seq);
    }
    auto unsubscribed = co_await (*client)->unsubscribe(1);
    CHECK(unsubscribed);
    co_return seen;
  });
  CHECK(seqs == std::vector<std::uint64_t>{6, 7, 8});
  CHECK(since == 5);
}

TEST_CASE("async: a full event queue stops reading, draining it lets replies through", "[client][async]") {
  FakeServer server(FakeServer::with_hello([](const json::object& request) {
    const std::string op(request.at("op").as_string());
    if (op == "subscribe") {
      std::string frames = bgsync::test::ok_reply(request, {{"subscription", 1}, {"last_seq", 0}, {"first_seq", 0}});
      for (std::uint64_t seq = 1; seq <= 6; ++seq) frames += push(seq, id_a);
      return Answer::send(frames);
    }
    return Answer::send(bgsync::test::ok_reply(request, {{"paused", true}}));
  }));

  auto result = run<std::pair<std::vector<std::uint64_t>, bool>>(
      [&]() -> asio::awaitable<std::pair<std::vector<std::uint64_t>, bool>> {
        auto client = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor,
                                                            options_for(server.path(), std::chrono::seconds(5), 2));
        REQUIRE(client);
        auto subscribed = co_await (*client)->subscribe({});
        REQUIRE(subscribed);
        // The pause reply comes after six events; with room for two, it can only arrive once
        // next_event has drained the queue: both must complete.
        using namespace asio::experimental::awaitable_operators;
        auto drain = [&]() -> asio::awaitable<std::vector<std::uint64_t>> {
          std::vector<std::uint64_t> seen;
          for (int i = 0; i < 6; ++i) {
            auto event = co_await (*client)->next_event();
            if (!event) break;
            seen.push_back(event->seq);
          }
          co_return seen;
        };
        auto [seen, paused] = co_await (drain() && (*client)->pause());
        co_return std::pair{seen, paused && *paused};
      });
  CHECK(result.first == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6});
  CHECK(result.second);
}

TEST_CASE("async: on_event gets queued events first, then live ones", "[client][async]") {
  FakeServer server(FakeServer::with_hello([](const json::object& request) {
    const std::string op(request.at("op").as_string());
    if (op == "subscribe") {
      return Answer::send(bgsync::test::ok_reply(request, {{"subscription", 1}, {"last_seq", 0}, {"first_seq", 0}}) +
                          push(1, id_a) + push(2, id_a));
    }
    return Answer::send(push(3, id_b) + bgsync::test::ok_reply(request, {{"paused", false}}));
  }));

  std::vector<std::uint64_t> seen;
  run<bool>([&]() -> asio::awaitable<bool> {
    auto client = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor, options_for(server.path()));
    REQUIRE(client);
    auto subscribed = co_await (*client)->subscribe({});
    REQUIRE(subscribed);
    auto status = co_await (*client)->resume();  // by its reply, events 1..3 have been read
    REQUIRE(status);
    (*client)->on_event([&](const bgsync::Event& event) { seen.push_back(event.seq); });
    co_return true;
  });
  CHECK(seen == std::vector<std::uint64_t>{1, 2, 3});
}

TEST_CASE("async: timeout, and connection loss ends next_event", "[client][async]") {
  SECTION("a request nobody answers times out") {
    FakeServer server(FakeServer::with_hello([](const json::object&) { return Answer::silence(); }));
    auto code = run<std::error_code>([&]() -> asio::awaitable<std::error_code> {
      auto client = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor,
                                                          options_for(server.path(), std::chrono::milliseconds(200)));
      REQUIRE(client);
      auto status = co_await (*client)->status();
      REQUIRE_FALSE(status);
      co_return status.error().code;
    });
    CHECK(code == client_errc::timeout);
  }
  SECTION("the daemon going away wakes next_event") {
    FakeServer server(FakeServer::with_hello([](const json::object& request) {
      const std::string op(request.at("op").as_string());
      if (op == "subscribe") {
        return Answer::send(bgsync::test::ok_reply(request, {{"subscription", 1}, {"last_seq", 0}, {"first_seq", 0}}) +
                            push(1, id_a));
      }
      return Answer::close();
    }));
    auto codes = run<std::vector<std::error_code>>([&]() -> asio::awaitable<std::vector<std::error_code>> {
      auto client = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor, options_for(server.path()));
      REQUIRE(client);
      auto subscribed = co_await (*client)->subscribe({});
      REQUIRE(subscribed);
      std::vector<std::error_code> codes;
      auto status = co_await (*client)->status();  // the server closes instead of answering
      codes.push_back(status ? std::error_code() : status.error().code);
      auto first = co_await (*client)->next_event();  // queued before the loss: still delivered
      codes.push_back(first ? std::error_code() : first.error().code);
      auto second = co_await (*client)->next_event();
      codes.push_back(second ? std::error_code() : second.error().code);
      co_return codes;
    });
    REQUIRE(codes.size() == 3);
    CHECK(codes[0] == client_errc::connection_lost);
    CHECK_FALSE(codes[1]);
    CHECK(codes[2] == client_errc::connection_lost);
  }
}

TEST_CASE("async: a cancelled next_event returns operation_canceled instead of throwing", "[client][async]") {
  FakeServer server(FakeServer::with_hello([](const json::object& request) {
    return Answer::send(bgsync::test::ok_reply(request, {{"subscription", 1}, {"last_seq", 0}, {"first_seq", 1}}));
  }));
  asio::io_context io;
  asio::cancellation_signal cancel;
  std::optional<bgsync::Result<bgsync::Event>> outcome;
  auto body = [&]() -> asio::awaitable<void> {
    auto client = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor, options_for(server.path()));
    if (!client) co_return;
    auto subscribed = co_await (*client)->subscribe();
    if (!subscribed) co_return;
    // Cancel once this coroutine is suspended in next_event (no event ever comes).
    asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
    outcome.emplace(co_await (*client)->next_event());
  };
  std::exception_ptr failure;
  asio::co_spawn(io, body(), asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) { failure = e; }));
  io.run();
  CHECK_FALSE(failure);
  REQUIRE(outcome.has_value());
  REQUIRE_FALSE(outcome->has_value());
  CHECK(outcome->error().code == std::errc::operation_canceled);
}
