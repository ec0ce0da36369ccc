// Periodic sync end to end: a real bgsyncd with a 1-second floor, the test HTTP server, and
// libbgsync. Intervals are checked on the server's arrival times; "does not run" is checked
// against a marker registration that keeps running meanwhile, never against a bare sleep.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "bgsync/client.hpp"
#include "bgsync/proto/periodic.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/event_collector.hpp"
#include "tests/support/test_http_server.hpp"

namespace bgsync::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::vector<std::string> floor_args() { return {"--periodic-floor", "1s"}; }

proto::PeriodicRegisterRequest every(std::string tag, std::string url, std::chrono::milliseconds interval) {
  proto::PeriodicRegisterRequest r;
  r.app = "e2e";
  r.tag = std::move(tag);
  r.url = std::move(url);
  r.min_interval = interval;
  return r;
}

proto::PeriodicRegisterResult register_ok(Client& client, const proto::PeriodicRegisterRequest& request) {
  auto result = client.register_periodic(request);
  INFO((result ? std::string() : result.error().message));
  REQUIRE(result);
  return *result;
}

proto::PeriodicRegistration find_ok(Client& client, const std::string& tag) {
  auto list = client.list_periodic({"e2e"});
  INFO((list ? std::string() : list.error().message));
  REQUIRE(list);
  for (auto& r : list->registrations) {
    if (r.tag == tag) return r;
  }
  FAIL("no registration " << tag);
  return {};
}

// The requests for `target`, in arrival order.
std::vector<RecordedRequest> requests_to(const HttpServer& server, std::string_view target) {
  std::vector<RecordedRequest> out;
  for (auto& r : server.requests()) {
    if (r.target == target) out.push_back(std::move(r));
  }
  return out;
}

// Consecutive requests came at least `interval` apart. next_earliest counts from when the daemon
// started the previous run; a few ms of jitter between that and the server's arrival time is
// all the slack there is.
void check_gaps(const std::vector<RecordedRequest>& requests, std::chrono::milliseconds interval) {
  for (std::size_t i = 1; i < requests.size(); ++i) {
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(requests[i].arrival - requests[i - 1].arrival);
    INFO("gap " << i << ": " << gap.count() << " ms");
    CHECK(gap >= interval - 10ms);
  }
}

bool wait_for_requests_to(const HttpServer& server, std::string_view target, std::size_t n,
                          std::chrono::milliseconds timeout = 15s) {
  return wait_until([&] { return requests_to(server, target).size() >= n; }, timeout, 10ms);
}

// A sysfs-like power_supply directory the daemon reads (--power-supply-dir).
struct PowerDir {
  TempDir dir{"bgsync-power"};
  PowerDir() {
    fs::create_directories(dir.path() / "AC");
    fs::create_directories(dir.path() / "BAT0");
    write("AC/type", "Mains");
    write("BAT0/type", "Battery");
    write("BAT0/capacity", "80");
    on_battery(true);
  }
  void write(const std::string& file, const std::string& value) {
    std::ofstream(dir.path() / file) << value << "\n";
  }
  void on_battery(bool yes) {
    write("AC/online", yes ? "0" : "1");
    write("BAT0/status", yes ? "Discharging" : "Charging");
  }
};

// A daemon with the 1-second floor that reads the battery state from `power`.
void start_with_power(DaemonProcess& daemon, const PowerDir& power) {
  auto args = floor_args();
  args.insert(args.end(), {"--power-supply-dir", power.dir.path().string()});
  daemon.start(args);
}

TEST_CASE("a registration runs at its interval and not faster", "[e2e][periodic]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start(floor_args());
  auto client = daemon.client();

  auto result = register_ok(client, every("feed", server.url("/feed"), 1s));
  CHECK_FALSE(result.replaced);
  CHECK(result.registration.min_interval == 1s);
  REQUIRE(wait_for_requests_to(server, "/feed", 4));

  check_gaps(requests_to(server, "/feed"), 1s);
  auto reg = find_ok(client, "feed");
  CHECK(reg.last_outcome == proto::PeriodicOutcome::updated);
  CHECK(reg.last_status == 200);
  CHECK(reg.cached.has_value());
}

TEST_CASE("an interval below the floor is raised to it", "[e2e][periodic]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start({"--periodic-floor", "5s"});
  auto client = daemon.client();
  auto result = register_ok(client, every("fast", server.url("/fast"), 10ms));
  CHECK(result.requested_interval == 10ms);
  CHECK(result.registration.min_interval == 5s);
}

TEST_CASE("registering the same tag again replaces the registration", "[e2e][periodic]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start(floor_args());
  auto client = daemon.client();

  register_ok(client, every("feed", server.url("/old"), 1s));
  REQUIRE(wait_for_requests_to(server, "/old", 1));
  auto replaced = register_ok(client, every("feed", server.url("/new"), 1s));
  CHECK(replaced.replaced);
  const auto old_count = requests_to(server, "/old").size();
  // Two runs of the new one: the old one, if it were still registered, would have run meanwhile.
  REQUIRE(wait_for_requests_to(server, "/new", 2));
  // At most one run of the old request was already on the wire when it was replaced.
  CHECK(requests_to(server, "/old").size() <= old_count + 1);

  auto list = client.list_periodic({"e2e"});
  REQUIRE(list);
  REQUIRE(list->registrations.size() == 1);
  CHECK(list->registrations[0].url == server.url("/new"));
}

TEST_CASE("unregister stops a registration and drops its cache", "[e2e][periodic]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start(floor_args());
  auto client = daemon.client();

  register_ok(client, every("gone", server.url("/gone"), 1s));
  register_ok(client, every("marker", server.url("/marker"), 1s));
  REQUIRE(wait_for_requests_to(server, "/gone", 1));
  REQUIRE(client.unregister_periodic({"e2e", "gone"}));
  const auto gone_count = requests_to(server, "/gone").size();
  const auto marker_count = requests_to(server, "/marker").size();
  REQUIRE(wait_for_requests_to(server, "/marker", marker_count + 2));
  CHECK(requests_to(server, "/gone").size() == gone_count);

  auto cache = client.cache_get({"e2e", "gone"});
  REQUIRE_FALSE(cache);
  CHECK(cache.error().code == proto::errc::not_found);
  auto again = client.unregister_periodic({"e2e", "gone"});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == proto::errc::not_found);
}

TEST_CASE("a 304 keeps the cached body and is reported as not_modified", "[e2e][periodic]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest& r) {
    if (r.header("If-None-Match") == "\"v1\"") return Reply::with_status(304, {}, {{"ETag", "\"v1\""}});
    return Reply::with_status(200, "the news, version 1", {{"ETag", "\"v1\""}, {"Content-Type", "text/plain"}});
  });
  DaemonProcess daemon;
  daemon.start(floor_args());
  auto client = daemon.client();
  EventCollector events(daemon.socket(), SubscribeArgs{std::string("news"), std::nullopt});

  register_ok(client, every("news", server.url("/news"), 1s));
  REQUIRE(wait_for_requests_to(server, "/news", 2));
  auto requests = requests_to(server, "/news");
  CHECK_FALSE(requests[0].header("If-None-Match"));
  CHECK(requests[1].header("If-None-Match") == "\"v1\"");

  REQUIRE(events.wait_for(2, 10s));
  auto seen = events.events();
  CHECK(seen[0].type == proto::EventType::periodic);
  CHECK(seen[0].outcome == proto::PeriodicOutcome::updated);
  CHECK(seen[0].status == 200);
  CHECK(seen[0].duration.has_value());
  CHECK(seen[1].outcome == proto::PeriodicOutcome::not_modified);
  CHECK(seen[1].status == 304);

  auto cache = client.cache_get({"e2e", "news"});
  INFO((cache ? std::string() : cache.error().message));
  REQUIRE(cache);
  CHECK(cache->status == 200);
  CHECK(cache->body == "the news, version 1");
  CHECK(cache->validated.has_value());
  CHECK(*cache->validated >= cache->fetched);
}

TEST_CASE("the cache is readable after a restart with the server gone", "[e2e][periodic]") {
  DaemonProcess daemon;
  daemon.start(floor_args());
  {
    HttpServer server;
    server.set_handler([](const RecordedRequest&) { return Reply::with_status(200, std::string("offline\0copy", 12)); });
    auto client = daemon.client();
    register_ok(client, every("page", server.url("/page"), 1s));
    REQUIRE(wait_until([&] { return client.cache_get({"e2e", "page"}).has_value(); }, 10s, 10ms));
  }
  daemon.kill9();
  daemon.start(floor_args());
  auto client = daemon.client();
  auto cache = client.cache_get({"e2e", "page"});
  INFO((cache ? std::string() : cache.error().message));
  REQUIRE(cache);
  CHECK(cache->body == std::string("offline\0copy", 12));
}

TEST_CASE("a power constraint that does not hold defers the run until it does", "[e2e][periodic]") {
  HttpServer server;
  PowerDir power;
  DaemonProcess daemon;
  start_with_power(daemon, power);
  auto client = daemon.client();

  auto plugged = every("plugged", server.url("/plugged"), 1s);
  plugged.power = proto::PowerConstraint::not_on_battery;
  register_ok(client, plugged);
  register_ok(client, every("marker", server.url("/marker"), 1s));
  // Two marker runs: the deferred one had every chance to run meanwhile.
  REQUIRE(wait_for_requests_to(server, "/marker", 2));
  CHECK(requests_to(server, "/plugged").empty());
  auto reg = find_ok(client, "plugged");
  CHECK_FALSE(reg.power_state.satisfied);
  CHECK(reg.waiting.find("battery") != std::string::npos);

  power.on_battery(false);
  REQUIRE(wait_for_requests_to(server, "/plugged", 1));
  // The server answers before the daemon has recorded the outcome: wait for the record.
  REQUIRE(wait_until([&] { return find_ok(client, "plugged").last_outcome == proto::PeriodicOutcome::updated; }, 10s,
                     10ms));
  CHECK(find_ok(client, "plugged").power_state.satisfied);
}

TEST_CASE("runs missed while the daemon was stopped happen once", "[e2e][periodic]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start(floor_args());
  {
    auto client = daemon.client();
    register_ok(client, every("digest", server.url("/digest"), 1s));
  }
  REQUIRE(wait_for_requests_to(server, "/digest", 1));
  REQUIRE(daemon.terminate() == 0);
  // The scenario itself: the daemon is away for several periods.
  std::this_thread::sleep_for(3500ms);
  server.clear();
  daemon.start(floor_args());
  REQUIRE(wait_for_requests_to(server, "/digest", 3));
  check_gaps(requests_to(server, "/digest"), 1s);
}

TEST_CASE("failures retry with backoff within the period, then report failed", "[e2e][periodic]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::with_status(503, "busy"); });
  DaemonProcess daemon;
  daemon.start(floor_args());  // retries: 100ms base, 1s max (DaemonProcess::default_args)
  auto client = daemon.client();
  EventCollector events(daemon.socket(), SubscribeArgs{std::string("flaky"), std::nullopt});

  register_ok(client, every("flaky", server.url("/flaky"), 3s));
  REQUIRE(events.wait_for(1, 15s));
  auto seen = events.events();
  CHECK(seen[0].type == proto::EventType::periodic);
  CHECK(seen[0].outcome == proto::PeriodicOutcome::failed);
  CHECK(seen[0].status == 503);
  CHECK_FALSE(seen[0].error.empty());
  // Several attempts in the period, one report.
  const auto attempts = requests_to(server, "/flaky").size();
  CHECK(attempts >= 2);
  auto reg = find_ok(client, "flaky");
  CHECK(reg.consecutive_failures == attempts);
  CHECK(reg.last_outcome == proto::PeriodicOutcome::failed);
  CHECK_FALSE(reg.cached.has_value());
}

TEST_CASE("periodic run starts a run now, ignoring the interval and constraints", "[e2e][periodic]") {
  HttpServer server;
  PowerDir power;
  DaemonProcess daemon;
  start_with_power(daemon, power);
  auto client = daemon.client();

  auto hourly = every("hourly", server.url("/hourly"), 1h);
  hourly.power = proto::PowerConstraint::not_on_battery;  // on battery: would never run by itself
  register_ok(client, hourly);
  auto run = client.run_periodic({"e2e", "hourly"});
  INFO((run ? std::string() : run.error().message));
  REQUIRE(run);
  REQUIRE(wait_for_requests_to(server, "/hourly", 1));

  auto missing = client.run_periodic({"e2e", "nope"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == proto::errc::not_found);
}

}  // namespace
}  // namespace bgsync::test
