// HTTPS end to end: verified against the system store (here a test CA through SSL_CERT_FILE),
// never sent to a server whose certificate does not verify.
#include <catch2/catch.hpp>

#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/support/test_ca.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

TEST_CASE("HTTPS to a server with a certificate from a trusted CA is delivered", "[e2e][https]") {
  TempDir pki("bgsync-pki");
  TestCa ca(pki.path());
  HttpServer server(HttpServerOptions{ca.server_cert_path(), ca.server_key_path()});
  DaemonProcess daemon;
  daemon.start({}, {{"SSL_CERT_FILE", ca.ca_cert_path()}});
  auto client = daemon.client();

  const auto by_name = enqueue_ok(client, post(server.url("/secure", "localhost"), "over tls"));
  const auto by_ip = enqueue_ok(client, post(server.url("/secure"), "over tls too"));
  REQUIRE(wait_for_state(client, by_name.id, ActionState::sent));
  REQUIRE(wait_for_state(client, by_ip.id, ActionState::sent));
  REQUIRE(server.wait_for_requests(2, 5s));
  CHECK(server.requests()[0].body.rfind("over tls", 0) == 0);
}

TEST_CASE("HTTPS to an untrusted certificate is never sent, and the error says why", "[e2e][https]") {
  TempDir pki("bgsync-pki");
  TestCa ca(pki.path());
  HttpServer server(HttpServerOptions{ca.untrusted_cert_path(), ca.untrusted_key_path()});
  DaemonProcess daemon;
  daemon.start({}, {{"SSL_CERT_FILE", ca.ca_cert_path()}});
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/secure", "localhost"), "secret"));
  REQUIRE(wait_until(
      [&] {
        auto a = client.get(action.id);
        return a && a->attempts >= 1 && a->state == ActionState::queued && !a->last_error.empty();
      },
      10s, 10ms));
  CHECK_THAT(get_ok(client, action.id).last_error, Catch::Contains("certificate"));
  CHECK(server.request_count() == 0);
}
