// ConnectivityProbe against a real HTTP server on loopback: full, portal (redirect, wrong body),
// unreachable (refused, no answer), change reports, re-checks, coalescing, stop(); and validate().
#include "daemon/connectivity_probe.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "tests/support/catch_result.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/support/test_util.hpp"

namespace asio = boost::asio;
using bgsync::daemon::ConnectivityProbe;
using bgsync::daemon::ProbeOptions;
using bgsync::daemon::ProbeVerdict;
using bgsync::test::HttpServer;
using bgsync::test::RecordedRequest;
using bgsync::test::Reply;
using bgsync::test::wait_until;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

// A probe on its own io_context thread; the test touches it only through call(), on that thread,
// as the daemon would. Every check reported through on_checked() is counted, every change recorded.
class Harness {
 public:
  explicit Harness(ProbeOptions options)
      : work_(asio::make_work_guard(ioc_)),
        client_(ioc_.get_executor()),
        probe_(ioc_.get_executor(), client_, std::move(options)) {
    probe_.on_checked([this](ProbeVerdict v, bool changed) {
      const std::lock_guard lock(mutex_);
      ++checks_;
      if (changed) changes_.push_back(v);
    });
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Harness() {
    if (thread_.joinable()) finish();
  }

  template <class F>
  auto call(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(ioc_, std::move(task));
    return result.get();
  }

  // Stops the probe and lets the io_context run out of work: it returns only once every timer and
  // request of the probe has finished.
  void finish() {
    call([this] {
      probe_.stop();
      client_.drop_idle_connections();  // and with them the timer that would close them later
    });
    work_.reset();
    thread_.join();
  }

  void start() { call([this] { probe_.start(); }); }
  void check_now() { call([this] { probe_.check_now(); }); }
  ProbeVerdict verdict() { return call([this] { return probe_.verdict(); }); }
  std::string reason() { return call([this] { return probe_.reason(); }); }
  auto since() { return call([this] { return probe_.since(); }); }
  bool checking() { return call([this] { return probe_.checking(); }); }
  bool pending() { return call([this] { return probe_.check_pending(); }); }
  bool wait_for(ProbeVerdict v, std::chrono::milliseconds timeout = 10s) {
    return wait_until([&] { return verdict() == v; }, timeout);
  }
  std::size_t checks() {
    const std::lock_guard lock(mutex_);
    return checks_;
  }
  std::vector<ProbeVerdict> changes() {
    const std::lock_guard lock(mutex_);
    return changes_;
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  bgsync::http::Client client_;
  ConnectivityProbe probe_;
  std::thread thread_;
  std::mutex mutex_;
  std::size_t checks_ = 0;
  std::vector<ProbeVerdict> changes_;
};

ProbeOptions probing(std::string url) {
  ProbeOptions options;
  options.url = std::move(url);
  options.interval = 1h;  // tests that want a re-check use portal_interval or check_now()
  options.portal_interval = 50ms;
  return options;
}

}  // namespace

TEST_CASE("a probe answered with the default expectation, 204, says full", "[probe]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::with_status(204); });
  Harness h(probing(server.url("/generate_204")));
  CHECK(h.verdict() == ProbeVerdict::off);
  h.start();
  REQUIRE(h.wait_for(ProbeVerdict::full));
  CHECK(h.reason() == "probe " + server.url("/generate_204") + " answered 204");
  CHECK(h.changes() == std::vector{ProbeVerdict::full});
  CHECK(h.since());
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/generate_204");
}

TEST_CASE("a probe without a URL stays off and sends nothing", "[probe]") {
  Harness h(ProbeOptions{});
  h.start();
  h.check_now();
  CHECK(h.verdict() == ProbeVerdict::off);
  CHECK(h.reason() == "connectivity probe off");
  h.finish();
  CHECK(h.changes().empty());
}

TEST_CASE("a redirect says portal, and the reason names the Location", "[probe]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) {
    return Reply::with_status(302, "", {{"Location", "http://portal.example/login?from=probe"}});
  });
  Harness h(probing(server.url("/")));
  h.start();
  REQUIRE(h.wait_for(ProbeVerdict::portal));
  CHECK(h.reason() == "captive portal: " + server.url("/") + " answered 302 (Location: http://portal.example/login?from=probe)");
}

TEST_CASE("a 200 where 204 is expected says portal", "[probe]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::with_status(200, "<html>log in</html>"); });
  Harness h(probing(server.url("/")));
  h.start();
  REQUIRE(h.wait_for(ProbeVerdict::portal));
  CHECK_THAT(h.reason(), Contains("answered 200, expected 204"));
}

TEST_CASE("an expected body decides: the wrong one says portal, the right one full", "[probe]") {
  HttpServer server;
  auto options = probing(server.url("/check_network_status.txt"));
  options.expect_body = "NetworkManager is online";

  SECTION("wrong body") {
    server.set_handler([](const RecordedRequest&) { return Reply::with_status(200, "<html>\r\nlog in</html>"); });
    Harness h(options);
    h.start();
    REQUIRE(h.wait_for(ProbeVerdict::portal));
    CHECK_THAT(h.reason(), Contains("answered 200 with an unexpected body (21 bytes: \"<html>??log in</html>\")"));
  }
  SECTION("right body with a trailing newline") {
    server.set_handler([](const RecordedRequest&) { return Reply::with_status(200, "NetworkManager is online\n"); });
    Harness h(options);
    h.start();
    REQUIRE(h.wait_for(ProbeVerdict::full));
    CHECK_THAT(h.reason(), Contains("answered 200 with the expected body"));
  }
  SECTION("right body but a status outside 2xx") {
    server.set_handler([](const RecordedRequest&) { return Reply::with_status(500, "NetworkManager is online"); });
    Harness h(options);
    h.start();
    REQUIRE(h.wait_for(ProbeVerdict::portal));
    CHECK_THAT(h.reason(), Contains("answered 500, expected 2xx"));
  }
  SECTION("an explicit status and body must both match") {
    options.expect_status = 200;
    server.set_handler([](const RecordedRequest&) { return Reply::with_status(203, "NetworkManager is online"); });
    Harness h(options);
    h.start();
    REQUIRE(h.wait_for(ProbeVerdict::portal));
    CHECK_THAT(h.reason(), Contains("answered 203, expected 200"));
  }
}

TEST_CASE("a refused connection says unreachable, not portal", "[probe]") {
  std::string url;
  {
    HttpServer gone;
    url = gone.url("/");
  }
  Harness h(probing(url));
  h.start();
  REQUIRE(h.wait_for(ProbeVerdict::unreachable));
  CHECK_THAT(h.reason(), Contains("probe " + url + " failed: "));
  CHECK_THAT(h.reason(), Contains("refused"));
}

TEST_CASE("a probe without an answer within the timeout says unreachable", "[probe]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::hang_forever(); });
  auto options = probing(server.url("/"));
  options.timeout = 100ms;
  Harness h(options);
  const auto started = std::chrono::steady_clock::now();
  h.start();
  REQUIRE(h.wait_for(ProbeVerdict::unreachable));
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(h.reason() == "probe " + server.url("/") + " failed: no answer within 100ms");
}

TEST_CASE("re-checks in a portal report each change once, and since() follows", "[probe]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) {
    return Reply::with_status(302, "", {{"Location", "http://portal.example/"}});
  });
  Harness h(probing(server.url("/")));
  h.start();
  REQUIRE(h.wait_for(ProbeVerdict::portal));
  const auto portal_since = h.since();
  REQUIRE(portal_since);
  // Several more portal answers on portal_interval: no further reports, since() unchanged.
  REQUIRE(server.wait_for_requests(4, 10s));
  CHECK(h.since() == portal_since);
  CHECK(h.changes() == std::vector{ProbeVerdict::portal});

  server.set_handler([](const RecordedRequest&) { return Reply::with_status(204); });
  REQUIRE(h.wait_for(ProbeVerdict::full));
  const auto full_since = h.since();
  REQUIRE(full_since);
  CHECK(*full_since > *portal_since);
  CHECK(h.changes() == std::vector{ProbeVerdict::portal, ProbeVerdict::full});
  // While full, the next check is an interval (1 h) away.
  const auto count = server.request_count();
  h.finish();
  CHECK(server.request_count() == count);
}

TEST_CASE("check_now() during a check asks for one more right after, however often it is called", "[probe]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) {
    auto reply = Reply::with_status(204);
    reply.delay = 300ms;
    return reply;
  });
  Harness h(probing(server.url("/")));
  h.start();
  REQUIRE(server.wait_for_requests(1, 10s));
  // The answer in flight may predate whatever made the caller ask: one more check follows it.
  h.check_now();
  h.check_now();
  REQUIRE(wait_until([&] { return h.checks() == 2 && !h.pending(); }, 10s));
  CHECK(server.request_count() == 2);

  h.check_now();
  REQUIRE(wait_until([&] { return h.checks() == 3; }, 10s));
  h.finish();
  CHECK(server.request_count() == 3);
  CHECK(h.changes() == std::vector{ProbeVerdict::full});
}

TEST_CASE("stop() with a check in flight ends it promptly and reports nothing after", "[probe]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::hang_forever(); });
  auto options = probing(server.url("/"));
  options.timeout = 30s;
  Harness h(options);
  h.start();
  REQUIRE(server.wait_for_requests(1, 10s));
  const auto started = std::chrono::steady_clock::now();
  h.finish();  // returns once the io_context has no work left: no timer, no request
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(h.changes().empty());
  CHECK(server.request_count() == 1);
}

TEST_CASE("validate() accepts sound options and names the bad setting", "[probe]") {
  using bgsync::daemon::validate;
  CHECK(validate(ProbeOptions{}));
  ProbeOptions ok;
  ok.url = "http://connectivity-check.ubuntu.com/";
  ok.expect_status = 204;
  CHECK(validate(ok));
  ok.url = "https://example.com:8443/generate_204";
  ok.expect_body = "ok";
  CHECK(validate(ok));

  const auto message = [](const ProbeOptions& options) {
    const auto result = validate(options);
    REQUIRE_FALSE(result);
    return result.error().message;
  };
  ProbeOptions bad;
  bad.url = "ftp://example.com/";
  CHECK_THAT(message(bad), Contains("probe URL: ") && Contains("scheme must be http or https"));
  CHECK(validate(bad).error().code == bgsync::proto::errc::bad_url);
  bad.url = "not a url";
  CHECK_THAT(message(bad), Contains("probe URL: "));

  bad = ok;
  bad.expect_status = 42;
  CHECK_THAT(message(bad), Contains("probe status: 42 is not an HTTP status; use 100..599"));
  bad.expect_status = 600;
  CHECK_THAT(message(bad), Contains("probe status: 600"));

  bad = ProbeOptions{};
  bad.expect_status = 204;
  CHECK_THAT(message(bad), Contains("probe status: it needs a probe URL"));
  bad = ProbeOptions{};
  bad.expect_body = "x";
  CHECK_THAT(message(bad), Contains("probe body: it needs a probe URL"));

  bad = ok;
  bad.expect_body = std::string(64 * 1024 + 1, 'x');
  CHECK_THAT(message(bad), Contains("probe body: it is 65537 bytes"));
  bad = ok;
  bad.portal_interval = 0ms;
  CHECK_THAT(message(bad), Contains("probe interval: it must be positive"));
  bad = ok;
  bad.timeout = -1ms;
  CHECK_THAT(message(bad), Contains("probe timeout: it must be positive"));
}

TEST_CASE("expects_status: explicit status, else 2xx with a body, else 204", "[probe]") {
  using bgsync::daemon::expects_status;
  ProbeOptions o;
  CHECK(expects_status(o, 204));
  CHECK_FALSE(expects_status(o, 200));
  o.expect_body = "ok";
  CHECK(expects_status(o, 200));
  CHECK(expects_status(o, 204));
  CHECK_FALSE(expects_status(o, 302));
  o.expect_status = 200;
  CHECK_FALSE(expects_status(o, 204));
  CHECK(expects_status(o, 200));
}
