// Periodic sync under the `network` constraint end to end: a real bgsyncd whose system bus
// ($DBUS_SYSTEM_BUS_ADDRESS) is a private dbus-daemon with a fake NetworkManager on it, a 1-second
// floor, and the test HTTP server on loopback. "Does not run" is checked against a marker
// registration that keeps running meanwhile, as in periodic_test.cpp.
#include "bgsync/client.hpp"
#include "bgsync/proto/periodic.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/fake_dbus.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/test_http_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace bgsync::test {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<FakeDbus> private_bus() {
  std::string why;
  auto bus = FakeDbus::start(&why);
  if (!bus) BGSYNC_WARN_SKIPPED("cannot start a private dbus-daemon: " << why);
  return bus;
}

// A daemon whose system bus is `bus`, with a 1-second floor. Without --power-supply-dir, so power
// is UPower's (absent from the private bus) or this machine's sysfs; these tests use power=any.
void start_on(DaemonProcess& daemon, const FakeDbus& bus) {
  daemon.start({"--periodic-floor", "1s"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
}

proto::PeriodicRegisterRequest every(std::string tag, std::string url, proto::NetworkConstraint network) {
  proto::PeriodicRegisterRequest r;
  r.app = "e2e";
  r.tag = std::move(tag);
  r.url = std::move(url);
  r.min_interval = 1s;
  r.network = network;
  return r;
}

void register_ok(Client& client, const proto::PeriodicRegisterRequest& request) {
  auto result = client.register_periodic(request);
  INFO((result ? std::string() : result.error().message));
  REQUIRE(result);
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

std::size_t count_to(const HttpServer& server, std::string_view target) {
  std::size_t n = 0;
  for (const auto& r : server.requests()) n += r.target == target ? 1 : 0;
  return n;
}

bool wait_for_requests_to(const HttpServer& server, std::string_view target, std::size_t n,
                          std::chrono::milliseconds timeout = 15s) {
  return wait_until([&] { return count_to(server, target) >= n; }, timeout, 10ms);
}

// Registers "unmetered" (network=unmetered) and "marker" (network=any) while `nm` says metered, and
// checks that the first waits while the marker runs twice, and that list says why, naming `nm_name`.
void expect_deferred(Client& client, const HttpServer& server, const FakeNetworkManager& nm,
                     std::string_view nm_name) {
  register_ok(client, every("unmetered", server.url("/unmetered"), proto::NetworkConstraint::unmetered));
  register_ok(client, every("marker", server.url("/marker"), proto::NetworkConstraint::any));
  // Two marker runs: the deferred one had every chance to run meanwhile.
  REQUIRE(wait_for_requests_to(server, "/marker", 2));
  CHECK(count_to(server, "/unmetered") == 0);
  CHECK(nm.gets() >= 1);  // the daemon did ask the fake, not some other bus

  const auto reg = find_ok(client, "unmetered");
  CHECK_FALSE(reg.network_state.satisfied);
  CHECK_THAT(reg.network_state.reason, Catch::Contains("metered") && Catch::Contains("NetworkManager") &&
                                           Catch::Contains(std::string{nm_name}));
  CHECK_THAT(reg.waiting, Catch::Contains("network is metered"));
  CHECK_FALSE(reg.last_run.has_value());
  const auto marker = find_ok(client, "marker");
  CHECK(marker.network_state.satisfied);
}

TEST_CASE("a metered network (NetworkManager: yes) defers network=unmetered until it is not", "[e2e][periodic][dbus]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeNetworkManager nm(bus->address());
  nm.set_metered(1);  // NM_METERED_YES
  HttpServer server;
  DaemonProcess daemon;
  start_on(daemon, *bus);
  auto client = daemon.client();

  expect_deferred(client, server, nm, "(yes)");

  nm.set_metered(2);  // NM_METERED_NO: seen within a second (the daemon's reading) plus a recheck
  REQUIRE(wait_for_requests_to(server, "/unmetered", 1));
  // The server answers before the daemon has recorded the outcome: wait for the record.
  REQUIRE(wait_until([&] { return find_ok(client, "unmetered").last_outcome == proto::PeriodicOutcome::updated; },
                     10s, 10ms));
  const auto reg = find_ok(client, "unmetered");
  CHECK(reg.network_state.satisfied);
  CHECK_THAT(reg.network_state.reason, Catch::Contains("NetworkManager (no)"));
}

TEST_CASE("a guessed metered network (NetworkManager: guess-yes) defers too, guess-no does not", "[e2e][periodic][dbus]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeNetworkManager nm(bus->address());
  nm.set_metered(3);  // NM_METERED_GUESS_YES: a phone's hotspot
  HttpServer server;
  DaemonProcess daemon;
  start_on(daemon, *bus);
  auto client = daemon.client();

  expect_deferred(client, server, nm, "(guess-yes)");

  nm.set_metered(4);  // NM_METERED_GUESS_NO
  REQUIRE(wait_for_requests_to(server, "/unmetered", 1));
  CHECK_THAT(find_ok(client, "unmetered").network_state.reason, Catch::Contains("NetworkManager (guess-no)"));
}

TEST_CASE("a NetworkManager that never answers: network=unmetered runs, and list says why", "[e2e][periodic][dbus]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeNetworkManager nm(bus->address());
  nm.set_metered(1);
  nm.set_mode(FakeDbusService::Mode::silent);
  HttpServer server;
  DaemonProcess daemon;
  start_on(daemon, *bus);
  auto client = daemon.client();

  register_ok(client, every("unmetered", server.url("/unmetered"), proto::NetworkConstraint::unmetered));
  REQUIRE(wait_for_requests_to(server, "/unmetered", 2));
  const auto reg = find_ok(client, "unmetered");
  CHECK(reg.network_state.satisfied);
  CHECK_THAT(reg.network_state.reason, Catch::Contains("unknown") && Catch::Contains("treated as satisfied") &&
                                           Catch::Contains("NetworkManager") && Catch::Contains("no answer"));
}

}  // namespace
}  // namespace bgsync::test
