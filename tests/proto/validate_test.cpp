// Validation of enqueued requests: URLs, methods, headers (incl. daemon-owned ones), labels and
// the header limits; each error says what is wrong with which value.
#include "bgsync/proto/codec.hpp"
#include "tests/proto/proto_test_util.hpp"
#include "tests/support/catch_result.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace bgsync::proto;
using namespace bgsync::proto::test;

TEST_CASE("validate_url accepts absolute http and https URLs", "[validate]") {
  for (const char* url : {"http://example.com", "https://example.com/", "HTTPS://Example.COM/a/b?c=d&e=%20",
                          "http://127.0.0.1:8080/x", "http://[::1]:9/", "https://user:pw@host/p",
                          "http://localhost:65535/", "http://host:/"}) {
    INFO(url);
    CHECK(validate_url(url));
  }
}

TEST_CASE("validate_url rejects everything else, saying why", "[validate]") {
  const auto check = [](std::string_view url, std::string_view message_part) {
    INFO(url);
    const auto [code, message] = failure(validate_url(url));
    CHECK(code == errc::bad_url);
    CHECK_THAT(message, Catch::Contains(std::string(message_part)));
  };
  CHECK(failure(validate_url("ftp://x")).second == "bad URL \"ftp://x\": scheme must be http or https");
  check("", "empty");
  check("file:///etc/passwd", "scheme must be http or https");
  check("localhost:8080/x", "scheme must be http or https");
  check("/relative/path", "not an absolute URL");
  check("example.com/path", "not an absolute URL");
  check("http:/x", "has no host");
  check("http:///x", "has no host");
  check("http://", "has no host");
  check("http://exa mple.com/", "contains a space");
  check(" http://example.com/", "contains a space");
  check("http://example.com/\r\nX: y", "contains a CR");
  check("http://example.com/\n", "contains a LF");
  check("http://example.com/\t", "contains a TAB");
  check(std::string_view("http://example.com/\0", 20), "contains a NUL");
  check("http://example.com/\x7f", "control character 0x7f");
  check("http://ex\xc3\xa4mple.com/", "non-ASCII");
  check("http://example.com:99999/", "port must be 1..65535");
  check("http://example.com:0/", "port must be 1..65535");
  check("http://example.com/#top", "fragment");
  check("http://exa<mple.com/", "not an absolute URL");

  std::string long_url = "https://example.com/";
  long_url.append(max_url_size - long_url.size(), 'a');
  CHECK(validate_url(long_url));
  long_url.push_back('a');
  check(long_url, "8193 bytes; the limit is 8192");
}

TEST_CASE("validate_url judges each URL, even right after a near twin passed", "[validate]") {
  // It remembers the last URL that passed: only that exact string may skip the parse.
  const std::string good = "http://example.com/inbox";
  REQUIRE(validate_url(good));
  CHECK(validate_url(good));
  CHECK(failure(validate_url(good + "#x")).first == errc::bad_url);
  CHECK(failure(validate_url(good + " ")).first == errc::bad_url);
  CHECK(failure(validate_url(std::string_view(good.data(), 5))).first == errc::bad_url);  // "http:"
  CHECK(failure(validate_url(good + std::string(1, '\0'))).first == errc::bad_url);
  CHECK(failure(validate_url("")).first == errc::bad_url);
  CHECK(validate_url(good));
}

TEST_CASE("validate_method wants an HTTP token of 1..32 characters", "[validate]") {
  for (const char* method : {"GET", "POST", "PATCH", "delete", "M-SEARCH", "X!#$%&'*+.^_`|~"}) {
    INFO(method);
    CHECK(validate_method(method));
  }
  CHECK(failure(validate_method("")).first == errc::bad_method);
  const auto space = failure(validate_method("GE T"));
  CHECK(space.first == errc::bad_method);
  CHECK_THAT(space.second, Catch::StartsWith("bad method \"GE T\": \" \" is not allowed"));
  CHECK(failure(validate_method("GET\r\n")).first == errc::bad_method);
  CHECK(failure(validate_method("G(ET)")).first == errc::bad_method);
  CHECK(validate_method(std::string(32, 'A')));
  const auto too_long = failure(validate_method(std::string(33, 'A')));
  CHECK(too_long.first == errc::bad_method);
  CHECK_THAT(too_long.second, Catch::Contains("33 bytes; the limit is 32"));
}

TEST_CASE("validate_header checks names and values", "[validate]") {
  CHECK(validate_header("Content-Type", "application/json; charset=utf-8"));
  CHECK(validate_header("X-Empty", ""));
  CHECK(validate_header("X-Tab", "a\tb"));
  CHECK(validate_header("X-Unicode", "gr\xc3\xbc\xc3\x9f"));
  CHECK(validate_header("Idempotency-Key", "mine"));

  CHECK(failure(validate_header("X-A", "1\r2")) ==
        std::pair{errc::bad_header, std::string("header \"X-A\": the value contains a CR, which HTTP does not allow")});
  CHECK_THAT(failure(validate_header("X-A", "1\n2")).second, Catch::Contains("a LF"));
  CHECK_THAT(failure(validate_header("X-A", std::string_view("1\0" "2", 3))).second, Catch::Contains("a NUL"));
  CHECK_THAT(failure(validate_header("X-A", "\x1b[31m")).second, Catch::Contains("control character 0x1b"));
  CHECK_THAT(failure(validate_header("X-A", "\xff")).second, Catch::Contains("not valid UTF-8"));

  CHECK(failure(validate_header("", "v")).first == errc::bad_header);
  CHECK_THAT(failure(validate_header("X A", "v")).second, Catch::StartsWith("bad header name \"X A\""));
  CHECK(failure(validate_header("X-A:", "v")).first == errc::bad_header);
  CHECK(failure(validate_header("X\r\nY", "v")).first == errc::bad_header);
  CHECK(failure(validate_header("Caf\xc3\xa9", "v")).first == errc::bad_header);
}

TEST_CASE("validate_header refuses the headers bgsyncd owns, in any case", "[validate]") {
  for (const char* name : {"Host", "host", "Content-Length", "content-length", "CONTENT-LENGTH", "Transfer-Encoding",
                           "Connection", "Upgrade", "TE", "te", "Trailer", "Keep-Alive", "Proxy-Connection"}) {
    INFO(name);
    const auto [code, message] = failure(validate_header(name, "x"));
    CHECK(code == errc::bad_header);
    CHECK_THAT(message, Catch::Contains("is set by bgsyncd itself"));
  }
  CHECK(validate_header("Hosts", "x"));
  CHECK(validate_header("X-Content-Length", "1"));
}

TEST_CASE("validate_label limits tag and app", "[validate]") {
  CHECK(validate_label("tag", ""));
  CHECK(validate_label("tag", "cart/user 42 \xe2\x9c\x93"));
  CHECK(validate_label("tag", std::string(max_tag_size, 't')));
  CHECK(failure(validate_label("tag", std::string(max_tag_size + 1, 't'))) ==
        std::pair{errc::bad_field, std::string("tag is 257 bytes; the limit is 256")});
  CHECK_THAT(failure(validate_label("app", "a\x7f")).second, Catch::StartsWith("app \"a\\x7f\" contains"));
  CHECK_THAT(failure(validate_label("tag", "a\tb")).second, Catch::Contains("TAB"));
  CHECK_THAT(failure(validate_label("tag", "\xc3")).second, Catch::Contains("not valid UTF-8"));
}

TEST_CASE("validate_enqueue checks everything and the header limits", "[validate]") {
  EnqueueRequest request;
  request.url = "https://example.com/";
  CHECK(validate_enqueue(request));

  request.method = "GE T";
  CHECK(failure(validate_enqueue(request)).first == errc::bad_method);
  request.method = "POST";
  request.url = "ftp://example.com/";
  CHECK(failure(validate_enqueue(request)).first == errc::bad_url);
  request.url = "https://example.com/";

  request.headers.assign(max_header_count, Header{"X-Many", "v"});
  CHECK(validate_enqueue(request));
  request.headers.push_back(Header{"X-Many", "v"});
  CHECK(failure(validate_enqueue(request)) == std::pair{errc::bad_header, std::string("101 headers; the limit is 100")});

  request.headers = {{"X-Big", std::string(max_headers_size - 5, 'v')}};
  CHECK(validate_enqueue(request));
  request.headers = {{"X-Big", std::string(max_headers_size - 4, 'v')}};
  const auto big = failure(validate_enqueue(request));
  CHECK(big.first == errc::bad_header);
  CHECK_THAT(big.second, Catch::Contains("65537 bytes; the limit is 65536"));

  request.headers = {{"Content-Length", "5"}};
  CHECK(failure(validate_enqueue(request)).first == errc::bad_header);
  request.headers.clear();
  request.tag = std::string(300, 'x');
  CHECK(failure(validate_enqueue(request)).first == errc::bad_field);
  request.tag.clear();
  request.app = "a\nb";
  CHECK(failure(validate_enqueue(request)).first == errc::bad_field);
}
