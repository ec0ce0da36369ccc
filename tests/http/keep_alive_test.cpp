// Keep-alive in the HTTP client, against the real test server: requests to one origin share a
// connection (plain and TLS), and a connection the server closed or reset while idle costs a new
// connection, never a failed request.
#include "daemon/http/http_client.hpp"

#include "daemon/http/connection_pool.hpp"

#include "tests/http/client_harness.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_ca.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/support/test_util.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

namespace http = bgsync::http;
using bgsync::test::HttpServer;
using bgsync::test::HttpServerOptions;
using bgsync::test::KeptClient;
using bgsync::test::make_request;
using bgsync::test::RecordedRequest;
using bgsync::test::Reply;
using bgsync::test::ScopedEnv;
using bgsync::test::TempDir;
using bgsync::test::TestCa;

TEST_CASE("sequential requests to one origin share one connection", "[http][keep-alive]") {
  HttpServer server;
  KeptClient kept;
  for (int i = 0; i < 5; ++i) {
    const auto r = kept.send(make_request("POST", server.url("/p"), {}, "body " + std::to_string(i)));
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(server.connection_count() == 1);
  REQUIRE(server.request_count() == 5);
  CHECK(server.requests()[4].body == "body 4");
  const auto stats = kept.client.stats();
  CHECK(stats.requests == 5);
  CHECK(stats.requests_reused == 4);
  CHECK(stats.connections_opened == 1);
}

TEST_CASE("HTTPS requests reuse the TLS connection", "[http][keep-alive][tls]") {
  const TempDir dir;
  const TestCa ca(dir.path());
  const ScopedEnv trust("SSL_CERT_FILE", ca.ca_cert_path());
  HttpServer server(HttpServerOptions{ca.server_cert_path(), ca.server_key_path()});
  KeptClient kept;
  for (int i = 0; i < 4; ++i) REQUIRE(kept.send(make_request("GET", server.url("/t", "localhost"))));
  CHECK(server.connection_count() == 1);
  CHECK(kept.client.stats().requests_reused == 3);
}

TEST_CASE("a server's Connection: close is honoured", "[http][keep-alive]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::with_status(200, "ok", {{"Connection", "close"}}); });
  KeptClient kept;
  REQUIRE(kept.send(make_request("GET", server.url("/a"))));
  REQUIRE(kept.send(make_request("GET", server.url("/b"))));
  CHECK(server.connection_count() == 2);
  CHECK(kept.client.stats().requests_reused == 0);
}

TEST_CASE("a connection the server closed after a keep-alive response is replaced", "[http][keep-alive]") {
  HttpServer server;
  // Framed as keep-alive, then the server closes anyway (as when its idle timeout fires): the
  // client either sees the close before reusing it or has its request fail with nothing read.
  server.set_handler([](const RecordedRequest&) { return Reply::raw_bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
  KeptClient kept;
  // Either way every request must be answered: taken at once, the connection is trusted (no
  // peek) and the request made again when it turns out closed; taken after trusted_for, it is
  // peeked at first. Only the outcome is visible here, not which of the two happened.
  const bool pause = GENERATE(false, true);
  INFO("pause before each reuse: " << pause);
  for (int i = 0; i < 3; ++i) {
    if (pause && i > 0) std::this_thread::sleep_for(http::ConnectionPool::Limits{}.trusted_for + std::chrono::milliseconds(20));
    const auto r = kept.send(make_request("GET", server.url("/x")));
    REQUIRE(r);
    CHECK(r->body == "ok");
  }
  CHECK(server.connection_count() == 3);
  CHECK(server.request_count() == 3);
}

TEST_CASE("a reused connection reset before any response: the request is made again on a new one",
          "[http][keep-alive]") {
  HttpServer server;
  std::atomic<int> seen{0};
  // The second request (on the kept connection) is answered with a reset, the rest with 200.
  server.set_handler([&](const RecordedRequest&) { return ++seen == 2 ? Reply::reset_connection() : Reply::with_status(200); });
  KeptClient kept;
  REQUIRE(kept.send(make_request("POST", server.url("/1"), {}, "one")));
  const auto second = kept.send(make_request("POST", server.url("/2"), {}, "two"));
  REQUIRE(second);
  CHECK(second->status == 200);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].connection == 1);  // the reset one
  CHECK(requests[2].connection == 2);  // made again
  CHECK(requests[2].body == "two");
  const auto stats = kept.client.stats();
  CHECK(stats.requests == 2);
  CHECK(stats.requests_reused == 0);
  CHECK(stats.connections_opened == 2);
}

TEST_CASE("a reset on a new connection is not made again", "[http][keep-alive]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::reset_connection(); });
  KeptClient kept;
  const auto r = kept.send(make_request("POST", server.url("/"), {}, "x"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == http::errc::connection_lost);
  CHECK(server.request_count() == 1);
}

TEST_CASE("drop_idle_connections closes the kept connections", "[http][keep-alive]") {
  HttpServer server;
  KeptClient kept;
  REQUIRE(kept.send(make_request("GET", server.url("/a"))));
  kept.client.drop_idle_connections();
  REQUIRE(kept.send(make_request("GET", server.url("/b"))));
  CHECK(server.connection_count() == 2);
}
