// URL → target parsing (ports, IP literals, what is refused) and the exact bytes of a request
// head (field order, Host/User-Agent/Content-Length rules, injection refused).
#include "daemon/http/request_head.hpp"

#include "daemon/http/url.hpp"
#include "tests/support/catch_result.hpp"

#include <catch2/catch.hpp>

namespace http = bgsync::http;

TEST_CASE("parse_target: defaults, ports, query, fragment", "[http][url]") {
  auto t = http::parse_target("http://example.com");
  REQUIRE(t);
  CHECK_FALSE(t->tls);
  CHECK(t->host == "example.com");
  CHECK(t->port == 80);
  CHECK(t->request_target == "/");
  CHECK(t->host_header == "example.com");
  CHECK(t->authority == "example.com:80");

  t = http::parse_target("https://user:pw@Example.com:8443/a/b%20c?x=1&y=%2F#frag");
  REQUIRE(t);
  CHECK(t->tls);
  CHECK(t->port == 8443);
  CHECK(t->request_target == "/a/b%20c?x=1&y=%2F");
  CHECK(t->host_header == "Example.com:8443");
  CHECK(t->authority == "Example.com:8443");
  CHECK_FALSE(t->host_is_ip);

  t = http::parse_target("https://h?q");
  REQUIRE(t);
  CHECK(t->port == 443);
  CHECK(t->request_target == "/?q");
}

TEST_CASE("parse_target: IP literals", "[http][url]") {
  auto t = http::parse_target("http://127.0.0.1:8080/x");
  REQUIRE(t);
  CHECK(t->host == "127.0.0.1");
  CHECK(t->host_is_ip);
  CHECK(t->authority == "127.0.0.1:8080");

  t = http::parse_target("https://[::1]:8443/");
  REQUIRE(t);
  CHECK(t->host == "::1");
  CHECK(t->host_is_ip);
  CHECK(t->host_header == "[::1]:8443");
  CHECK(t->authority == "[::1]:8443");

  t = http::parse_target("https://[::1]/");
  REQUIRE(t);
  CHECK(t->authority == "[::1]:443");
  CHECK(t->host_header == "[::1]");
}

TEST_CASE("parse_target: rejects what it cannot send", "[http][url]") {
  for (const char* url : {"", "example.com/x", "/relative", "ftp://example.com/", "http://", "http:///path",
                          "http://example.com:0/", "http://example.com:65536/", "http://exa mple.com/",
                          "https://[v1.x]/"}) {
    INFO(url);
    const auto t = http::parse_target(url);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == http::errc::bad_url);
  }
}

TEST_CASE("serialize_head: order, Host first, defaults appended", "[http][request]") {
  http::Request request;
  request.method = "POST";
  request.url = "http://example.com:8080/p?q=1";
  request.headers = {{"X-A", "1"}, {"x-b", "2"}, {"X-A", "3"}};
  request.body = std::string("a\0b", 3);
  const auto target = http::parse_target(request.url);
  REQUIRE(target);
  REQUIRE(http::check_request(request));
  CHECK(http::serialize_head(request, *target, "ua/1") ==
        "POST /p?q=1 HTTP/1.1\r\n"
        "Host: example.com:8080\r\n"
        "X-A: 1\r\n"
        "x-b: 2\r\n"
        "X-A: 3\r\n"
        "User-Agent: ua/1\r\n"
        "Content-Length: 3\r\n"
        "\r\n");
}

TEST_CASE("serialize_head: Content-Length only when there is or should be a body", "[http][request]") {
  const auto target = http::parse_target("http://h/");
  REQUIRE(target);
  http::Request request;
  request.url = "http://h/";
  request.headers = {{"user-agent", "mine"}, {"Host", "other"}};
  for (const char* method : {"GET", "DELETE", "HEAD", "OPTIONS"}) {
    request.method = method;
    const auto head = http::serialize_head(request, *target, "ua");
    INFO(head);
    CHECK(head.find("Content-Length") == std::string::npos);
    CHECK(head.find("User-Agent: ua") == std::string::npos);  // the caller's wins
    CHECK(head.find("Host: h") == std::string::npos);
  }
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    request.method = method;
    CHECK(http::serialize_head(request, *target, "ua").find("Content-Length: 0\r\n") != std::string::npos);
  }
  request.method = "GET";
  request.body = "x";
  CHECK(http::serialize_head(request, *target, "ua").find("Content-Length: 1\r\n") != std::string::npos);
}

TEST_CASE("check_request refuses injection and framing headers", "[http][request]") {
  http::Request ok;
  ok.method = "PROPFIND";
  ok.url = "http://h/";
  ok.headers = {{"X-Ok", "fine value \t with tab"}};
  CHECK(http::check_request(ok));

  auto expect_bad = [](http::Request r) {
    const auto checked = http::check_request(r);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == http::errc::bad_request);
  };
  http::Request r = ok;
  r.method = "GET /x";
  expect_bad(r);
  r = ok;
  r.method = "";
  expect_bad(r);
  r = ok;
  r.headers = {{"X-Bad", "a\r\nInjected: 1"}};
  expect_bad(r);
  r = ok;
  r.headers = {{"X-Bad", std::string("a\0b", 3)}};
  expect_bad(r);
  r = ok;
  r.headers = {{"Bad Name", "v"}};
  expect_bad(r);
  r = ok;
  r.headers = {{"content-length", "5"}};
  expect_bad(r);
  r = ok;
  r.headers = {{"Transfer-Encoding", "chunked"}};
  expect_bad(r);
}
