// The HTTP client over TLS against the test server and a throw-away CA: trust through
// SSL_CERT_FILE, names and IP addresses checked against the certificate, and the failures.
#include "daemon/http/http_client.hpp"

#include "tests/http/client_harness.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_ca.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/support/test_util.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

namespace http = bgsync::http;
using bgsync::test::HttpServer;
using bgsync::test::HttpServerOptions;
using bgsync::test::make_request;
using bgsync::test::ScopedEnv;
using bgsync::test::send_once;
using bgsync::test::TempDir;
using bgsync::test::TestCa;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

HttpServerOptions tls_options(const std::string& cert, const std::string& key, std::string address = "127.0.0.1") {
  HttpServerOptions options;
  options.cert_path = cert;
  options.key_path = key;
  options.address = std::move(address);
  return options;
}

}  // namespace

TEST_CASE("HTTPS with the test CA through SSL_CERT_FILE, by IP and by name", "[http][tls]") {
  const TempDir dir;
  const TestCa ca(dir.path());
  const ScopedEnv trust("SSL_CERT_FILE", ca.ca_cert_path());
  HttpServer server(tls_options(ca.server_cert_path(), ca.server_key_path()));
  REQUIRE(server.url("/") == "https://127.0.0.1:" + std::to_string(server.port()) + "/");

  auto outcome = send_once(make_request("POST", server.url("/ip"), {{"X-T", "1"}}, "secret"));
  REQUIRE(outcome.result);
  CHECK(outcome.result->status == 200);
  CHECK(outcome.result->body == "ok");

  outcome = send_once(make_request("GET", server.url("/name", "localhost")));
  REQUIRE(outcome.result);
  CHECK(outcome.result->status == 200);

  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].body == "secret");
  CHECK(requests[0].header("X-T") == "1");
  CHECK(requests[1].header("Host") == "localhost:" + std::to_string(server.port()));
}

TEST_CASE("HTTPS over IPv6 checks the IP SAN", "[http][tls]") {
  const TempDir dir;
  const TestCa ca(dir.path());
  const ScopedEnv trust("SSL_CERT_FILE", ca.ca_cert_path());
  HttpServer server(tls_options(ca.server_cert_path(), ca.server_key_path(), "::1"));
  const auto outcome = send_once(make_request("GET", server.url("/v6")));
  REQUIRE(outcome.result);
  CHECK(outcome.result->status == 200);
}

TEST_CASE("a self-signed certificate is certificate_invalid", "[http][tls]") {
  const TempDir dir;
  const TestCa ca(dir.path());
  const ScopedEnv trust("SSL_CERT_FILE", ca.ca_cert_path());
  HttpServer server(tls_options(ca.untrusted_cert_path(), ca.untrusted_key_path()));
  const auto outcome = send_once(make_request("GET", server.url("/")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::certificate_invalid);
  CHECK_THAT(outcome.result.error().message,
             Contains("TLS handshake with 127.0.0.1:" + std::to_string(server.port())) && Contains("self-signed"));
  CHECK(server.request_count() == 0);
}

TEST_CASE("a CA the client does not trust is certificate_invalid", "[http][tls]") {
  const TempDir dir;
  const TestCa ca(dir.path());
  const ScopedEnv trust("SSL_CERT_FILE", ca.untrusted_cert_path());  // trusts something else
  const ScopedEnv no_dir("SSL_CERT_DIR", dir.path().string());       // and nothing from the system
  HttpServer server(tls_options(ca.server_cert_path(), ca.server_key_path()));
  const auto outcome = send_once(make_request("GET", server.url("/")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::certificate_invalid);
  CHECK_THAT(outcome.result.error().message, Contains("unable to get local issuer certificate"));
}

TEST_CASE("a certificate for another name is certificate_invalid", "[http][tls]") {
  const TempDir dir;
  const TestCa ca(dir.path());
  const ScopedEnv trust("SSL_CERT_FILE", ca.ca_cert_path());
  HttpServer server(tls_options(ca.mismatch_cert_path(), ca.mismatch_key_path()));

  auto outcome = send_once(make_request("GET", server.url("/")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::certificate_invalid);
  CHECK_THAT(outcome.result.error().message, Contains("IP address mismatch"));

  outcome = send_once(make_request("GET", server.url("/", "localhost")));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::certificate_invalid);
  CHECK_THAT(outcome.result.error().message, Contains("hostname mismatch"));
}

TEST_CASE("HTTPS to a plain HTTP server is tls_failed", "[http][tls]") {
  HttpServer server;
  const auto url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  const auto outcome = send_once(make_request("GET", url));
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::tls_failed);
  CHECK_THAT(outcome.result.error().message, Contains("TLS handshake with 127.0.0.1:"));
}

TEST_CASE("a peer that never completes the handshake hits the handshake timeout", "[http][tls]") {
  // A listening socket nobody accepts from: the kernel completes the TCP handshake, and the
  // ClientHello is never read.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto url = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/";
  http::ClientOptions options;
  options.timeouts.handshake = 200ms;
  const auto outcome = send_once(make_request("GET", url), options);
  REQUIRE_FALSE(outcome.result);
  CHECK(outcome.result.error().code == http::errc::timeout);
  CHECK_THAT(outcome.result.error().message, Contains("TLS handshake with") && Contains("200 ms"));
  CHECK(outcome.elapsed < 5s);
}

TEST_CASE("cancelling during the TLS handshake aborts promptly", "[http][tls]") {
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::acceptor silent(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  http::Client client(ioc.get_executor());  // default handshake timeout: 10 s
  const auto request = make_request("GET", "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/");
  asio::cancellation_signal cancel;
  std::optional<bgsync::proto::Result<http::Response>> result;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> { result = co_await client.send(request); },
                 asio::bind_cancellation_slot(cancel.slot(), [](std::exception_ptr e) {
                   if (e) std::rethrow_exception(e);
                 }));
  // Cancel once the connection exists (the silent acceptor's backlog holds it) — the handshake
  // is then what is in flight.
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::ip::tcp::socket peer(ioc);  // kept open, never read: the handshake cannot finish
        co_await silent.async_accept(peer, asio::use_awaitable);
        // Most likely the ClientHello is out by now and the handshake pending; if not, the
        // cancellation hits the connect instead, with the same outcome.
        asio::steady_timer tick(ioc, 50ms);
        co_await tick.async_wait(asio::use_awaitable);
        cancel.emit(asio::cancellation_type::terminal);
      },
      asio::detached);
  const auto start = std::chrono::steady_clock::now();
  ioc.run_for(20s);
  REQUIRE(result);
  REQUIRE_FALSE(*result);
  CHECK(result->error().code == std::errc::operation_canceled);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}
