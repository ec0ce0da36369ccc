// The HTTP client against the real test server over plain HTTP: exact bytes both ways, statuses,
// large bodies, every failure mapping, timeouts and cancellation.
#include "daemon/http/http_client.hpp"

#include "tests/http/client_harness.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_http_server.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <thread>

namespace asio = boost::asio;
namespace http = bgsync::http;
using bgsync::proto::Headers;
using bgsync::test::HttpServer;
using bgsync::test::make_request;
using bgsync::test::RecordedRequest;
using bgsync::test::Reply;
using bgsync::test::send_once;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

TEST_CASE("GET reaches the server with headers in order and answers 200", "[http][client]") {
  HttpServer server;
  const auto outcome = send_once(make_request("GET", server.url("/hello?x=1"), {{"X-A", "1"}, {"X-B", "2"}, {"x-a", "3"}}));
  REQUIRE(outcome.result);
  CHECK(outcome.result->status == 200);
  CHECK(outcome.result->body == "ok");
  CHECK(outcome.result->body_size == 2);

  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  const RecordedRequest& r = requests[0];
  CHECK(r.method == "GET");
  CHECK(r.target == "/hello?x=1");
  const Headers expected{{"Host", "127.0.0.1:" + std::to_string(server.port())},
                         {"X-A", "1"},
                         {"X-B", "2"},
                         {"x-a", "3"},
                         {"User-Agent", "bgsyncd/0.1"}};
  CHECK(r.headers == expected);
  CHECK(r.body.empty());
}

TEST_CASE("POST sends a binary body exactly, with Content-Length", "[http][client]") {
  HttpServer server;
  std::string body("\0\x01\xff binary\r\n\0end", 16);
  const auto outcome = send_once(make_request("POST", server.url("/upload"), {{"Content-Type", "application/octet-stream"}}, body));
  REQUIRE(outcome.result);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].body == body);
  CHECK(requests[0].header("Content-Length") == std::to_string(body.size()));
  CHECK(requests[0].header_values("content-type") == std::vector<std::string>{"application/octet-stream"});
}

TEST_CASE("empty PUT carries Content-Length: 0 - empty GET none - odd methods pass", "[http][client]") {
  HttpServer server;
  REQUIRE(send_once(make_request("PUT", server.url("/a"))).result);
  REQUIRE(send_once(make_request("GET", server.url("/b"))).result);
  REQUIRE(send_once(make_request("PROPFIND", server.url("/c"))).result);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].header("Content-Length") == "0");
  CHECK_FALSE(requests[1].header("Content-Length"));
  CHECK(requests[2].method == "PROPFIND");
}

TEST_CASE("error statuses are responses, with headers in order and duplicates kept", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest& r) {
    if (r.target == "/missing") return Reply::with_status(404, "nope");
    return Reply::with_status(503, "later", {{"Retry-After", "7"}, {"Set-Cookie", "a=1"}, {"X-Z", "z"}, {"Set-Cookie", "b=2"}});
  });
  const auto missing = send_once(make_request("GET", server.url("/missing")));
  REQUIRE(missing.result);
  CHECK(missing.result->status == 404);
  CHECK(missing.result->body == "nope");

  const auto busy = send_once(make_request("GET", server.url("/busy")));
  REQUIRE(busy.result);
  CHECK(busy.result->status == 503);
  const Headers& h = busy.result->headers;
  REQUIRE(h.size() >= 4);
  CHECK(h[0] == bgsync::proto::Header{"Retry-After", "7"});
  CHECK(h[1] == bgsync::proto::Header{"Set-Cookie", "a=1"});
  CHECK(h[2] == bgsync::proto::Header{"X-Z", "z"});
  CHECK(h[3] == bgsync::proto::Header{"Set-Cookie", "b=2"});
}

TEST_CASE("a large body is counted but only body_keep bytes are kept", "[http][client]") {
  HttpServer server;
  std::string big(200 * 1024, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  server.set_handler([&big](const RecordedRequest&) { return Reply::with_status(200, big); });
  const auto outcome = send_once(make_request("GET", server.url("/big")));
  REQUIRE(outcome.result);
  CHECK(outcome.result->body_size == 200 * 1024);
  REQUIRE(outcome.result->body.size() == 64 * 1024);
  CHECK(outcome.result->body == big.substr(0, 64 * 1024));
}

TEST_CASE("a body over Beast's default 8 MiB limit is accepted", "[http][client]") {
  HttpServer server;
  const std::size_t size = 9 * 1024 * 1024;
  server.set_handler([size](const RecordedRequest&) { return Reply::with_status(200, std::string(size, 'z')); });
  http::ClientOptions options;
  options.body_keep = 10;
  const auto outcome = send_once(make_request("GET", server.url("/huge")), options);
  REQUIRE(outcome.result);
  CHECK(outcome.result->body_size == size);
  CHECK(outcome.result->body == std::string(10, 'z'));
}

TEST_CASE("chunked responses and interim 1xx responses are read through", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) {
    return Reply::raw_bytes(
        "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Order: 1\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  });
  const auto outcome = send_once(make_request("GET", server.url("/")));
  REQUIRE(outcome.result);
  CHECK(outcome.result->status == 201);
  CHECK(outcome.result->body == "hello world");
  CHECK(outcome.result->body_size == 11);
  const Headers expected{{"Transfer-Encoding", "chunked"}, {"X-Order", "1"}};
  CHECK(outcome.result->headers == expected);
}

TEST_CASE("a reset connection is connection_lost", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::reset_connection(); });
  const auto outcome = send_once(make_request("GET", server.url("/")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::connection_lost);
  CHECK_THAT(outcome.result.error().message, Contains("127.0.0.1:" + std::to_string(server.port())));
}

TEST_CASE("a response cut short is connection_lost - garbage is bad_response", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest& r) {
    if (r.target == "/short") return Reply::raw_bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    if (r.target == "/silent") return Reply::raw_bytes("");
    return Reply::raw_bytes("SMTP ready\r\n\r\n");
  });
  auto outcome = send_once(make_request("GET", server.url("/short")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::connection_lost);

  outcome = send_once(make_request("GET", server.url("/silent")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::connection_lost);
  CHECK_THAT(outcome.result.error().message, Contains("closed before any response"));

  outcome = send_once(make_request("GET", server.url("/garbage")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::bad_response);
  CHECK_THAT(outcome.result.error().message, Contains("read response from 127.0.0.1:"));
}

TEST_CASE("a server that never answers hits the exchange timeout", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::hang_forever(); });
  http::ClientOptions options;
  options.timeouts.exchange = 200ms;
  const auto outcome = send_once(make_request("GET", server.url("/")), options);
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::timeout);
  CHECK_THAT(outcome.result.error().message, Contains("200 ms") && Contains("read response from"));
  CHECK(outcome.elapsed >= 200ms);
  CHECK(outcome.elapsed < 5s);
}

TEST_CASE("a slow answer within the timeout is fine", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) {
    auto reply = Reply::with_status(200, "late");
    reply.delay = 100ms;
    return reply;
  });
  http::ClientOptions options;
  options.timeouts.exchange = 5s;
  const auto outcome = send_once(make_request("GET", server.url("/")), options);
  REQUIRE(outcome.result);
  CHECK(outcome.result->body == "late");
  CHECK(outcome.elapsed >= 100ms);
}

TEST_CASE("a closed port is connect_failed, naming host:port", "[http][client]") {
  std::string url;
  std::uint16_t port = 0;
  {
    HttpServer server;
    port = server.port();
    url = server.url("/");
  }
  const auto outcome = send_once(make_request("GET", url));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::connect_failed);
  CHECK(outcome.result.error().message == "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_CASE("a bad URL or request is refused before any I/O", "[http][client]") {
  auto outcome = send_once(make_request("GET", "ftp://127.0.0.1/"));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::bad_url);
  outcome = send_once(make_request("GET", "http://127.0.0.1:1/", {{"X", "a\nb"}}));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::bad_request);
}

TEST_CASE("an unresolvable name is resolve_failed", "[http][client]") {
  http::ClientOptions options;
  options.timeouts.connect = 3s;  // offline resolvers may only time out
  const auto outcome = send_once(make_request("GET", "http://bgsync-test.invalid/"), options);
  REQUIRE_FALSE(outcome.result);
  const auto code = outcome.result.error().code;
  CHECK((code == http::errc::resolve_failed || code == http::errc::timeout));
  CHECK_THAT(outcome.result.error().message, Contains("resolve bgsync-test.invalid:80"));
}

TEST_CASE("IPv6 literal URLs work", "[http][client]") {
  bgsync::test::HttpServerOptions server_options;
  server_options.address = "::1";
  HttpServer server(server_options);
  REQUIRE(server.url("/v6") == "http://[::1]:" + std::to_string(server.port()) + "/v6");
  const auto outcome = send_once(make_request("GET", server.url("/v6")));
  REQUIRE(outcome.result);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].header("Host") == "[::1]:" + std::to_string(server.port()));
}

TEST_CASE("cancelling an in-flight request aborts it promptly", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::hang_forever(); });

  asio::io_context ioc;
  http::Client client(ioc.get_executor());  // default exchange timeout: 30 s
  asio::cancellation_signal cancel;
  std::optional<bgsync::proto::Result<http::Response>> result;
  const auto request = make_request("GET", server.url("/"));
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> { result = co_await client.send(request); },
                 asio::bind_cancellation_slot(cancel.slot(), [](std::exception_ptr e) {
                   if (e) std::rethrow_exception(e);
                 }));
  std::thread io([&ioc] { ioc.run_for(20s); });

  REQUIRE(server.wait_for_requests(1, 5s));
  const auto start = std::chrono::steady_clock::now();
  asio::post(ioc, [&cancel] { cancel.emit(asio::cancellation_type::terminal); });
  io.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;

  REQUIRE(result);
  REQUIRE_FALSE(*result);
  CHECK(result->error().code == std::errc::operation_canceled);
  CHECK_THAT(result->error().message, Contains("cancelled"));
  CHECK(elapsed < 2s);
}

TEST_CASE("one Client serves concurrent requests", "[http][client]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest& r) { return Reply::with_status(200, r.target); });
  asio::io_context ioc;
  http::Client client(ioc.get_executor());
  constexpr int count = 10;
  std::vector<std::optional<bgsync::proto::Result<http::Response>>> results(count);
  int done = 0;
  for (int i = 0; i < count; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          results[i] = co_await client.send(make_request("GET", server.url("/" + std::to_string(i))));
          if (++done == count) ioc.stop();  // the idle connections' timer would keep it running
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }
  ioc.run_for(20s);
  for (int i = 0; i < count; ++i) {
    REQUIRE(results[i]);
    REQUIRE(*results[i]);
    CHECK((*results[i])->body == "/" + std::to_string(i));
  }
  CHECK(server.connection_count() == count);
}
