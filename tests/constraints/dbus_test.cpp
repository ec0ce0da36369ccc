// The constraint sources against a real dbus-daemon on a private socket and fake services written
// with sd-bus: reply parsing (b, u, wrong types, D-Bus errors), the deadline against a silent
// service, every NMMetered value, UPower's OnBattery, and how read_power combines it with sysfs.
#include "daemon/constraints/dbus_property.hpp"

#include "daemon/constraints/machine_state.hpp"
#include "daemon/constraints/metered_source.hpp"
#include "daemon/constraints/power_source.hpp"
#include "tests/support/fake_dbus.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/test_util.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace bgsync::test {
namespace {

namespace asio = boost::asio;
namespace c = bgsync::constraints;
using namespace std::chrono_literals;

// "Did not hang", not a timing check: a 100 ms deadline may take longer on a loaded machine.
constexpr auto hang_bound = 2s;

// Starts a private bus, or says why not; the caller skips the test on nullptr.
std::unique_ptr<FakeDbus> private_bus() {
  std::string why;
  auto bus = FakeDbus::start(&why);
  if (!bus) BGSYNC_WARN_SKIPPED("cannot start a private dbus-daemon: " << why);
  return bus;
}

c::DbusOptions on(const FakeDbus& bus, std::chrono::milliseconds timeout = 1s) { return {bus.address(), timeout}; }

const c::DbusTarget fake_flag{"org.example.Fake", "/org/example/Fake", "org.example.Fake", "Flag"};
const c::DbusTarget fake_count{"org.example.Fake", "/org/example/Fake", "org.example.Fake", "Count"};

struct FakeExample : FakeDbusService {
  explicit FakeExample(const FakeDbus& bus)
      : FakeDbusService(bus.address(), "org.example.Fake", "/org/example/Fake", "org.example.Fake") {}
};

std::string failure_of(const c::DbusValue& value) {
  const auto* failure = std::get_if<c::DbusFailure>(&value);
  return failure ? failure->message : "(not a failure)";
}

// The value if it is a T (DbusFailure has no ==, so variants are not compared whole).
template <class T>
std::optional<T> value_of(const c::DbusValue& value) {
  if (const auto* v = std::get_if<T>(&value)) return *v;
  return std::nullopt;
}

c::DbusTarget with_property(c::DbusTarget target, std::string property) {
  target.property = std::move(property);
  return target;
}

}  // namespace

TEST_CASE("get_property reads a b and a u, and sees values change", "[constraints][dbus]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeExample service(*bus);
  service.set("Flag", true);
  service.set("Count", std::uint32_t{42});

  auto flag = c::get_property(fake_flag, 'b', on(*bus));
  INFO(failure_of(flag));
  REQUIRE(std::holds_alternative<bool>(flag));
  CHECK(std::get<bool>(flag) == true);
  auto count = c::get_property(fake_count, 'u', on(*bus));
  INFO(failure_of(count));
  REQUIRE(std::holds_alternative<std::uint32_t>(count));
  CHECK(std::get<std::uint32_t>(count) == 42);

  service.set("Flag", false);
  service.set("Count", std::uint32_t{0xffffffff});
  CHECK(value_of<bool>(c::get_property(fake_flag, 'b', on(*bus))) == false);
  CHECK(value_of<std::uint32_t>(c::get_property(fake_count, 'u', on(*bus))) == 0xffffffffu);
  CHECK(service.gets() == 4);
}

TEST_CASE("get_property: a value of another type is a failure naming the expected type", "[constraints][dbus]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeExample service(*bus);
  service.set("Flag", true);
  service.set("Count", std::uint32_t{1});

  CHECK_THAT(failure_of(c::get_property(fake_flag, 'u', on(*bus))), Catch::Contains("not of D-Bus type 'u'"));
  CHECK_THAT(failure_of(c::get_property(fake_count, 'b', on(*bus))), Catch::Contains("not of D-Bus type 'b'"));
  service.set_mode(FakeDbusService::Mode::wrong_type);  // a string variant
  CHECK_THAT(failure_of(c::get_property(fake_flag, 'b', on(*bus))), Catch::Contains("not of D-Bus type 'b'"));
  CHECK_THAT(failure_of(c::get_property(fake_count, 'u', on(*bus))), Catch::Contains("not of D-Bus type 'u'"));
  // Asked for a type the sources never need: refused before any call.
  CHECK_THAT(failure_of(c::get_property(fake_flag, 's', on(*bus))), Catch::Contains("unsupported D-Bus type 's'"));
  CHECK(service.gets() == 4);
}

TEST_CASE("get_property: D-Bus errors come back as failures with the error's name", "[constraints][dbus]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeExample service(*bus);
  service.set("Flag", true);
  const auto start = std::chrono::steady_clock::now();

  auto other = fake_flag;
  other.service = "org.example.Nobody";
  CHECK_THAT(failure_of(c::get_property(other, 'b', on(*bus))),
             Catch::Contains("org.freedesktop.DBus.Error.ServiceUnknown"));
  CHECK_THAT(failure_of(c::get_property(with_property(fake_flag, "Missing"), 'b', on(*bus))),
             Catch::Contains("org.freedesktop.DBus.Error.UnknownProperty") && Catch::Contains("Missing"));
  auto wrong_interface = fake_flag;
  wrong_interface.interface = "org.example.Other";
  CHECK_THAT(failure_of(c::get_property(wrong_interface, 'b', on(*bus))),
             Catch::Contains("org.freedesktop.DBus.Error.UnknownInterface"));
  auto wrong_path = fake_flag;
  wrong_path.path = "/org/example/Elsewhere";
  CHECK_THAT(failure_of(c::get_property(wrong_path, 'b', on(*bus))), Catch::Contains("org.freedesktop.DBus.Error.UnknownObject"));
  // Errors are answers: none of these waits for the deadline.
  CHECK(std::chrono::steady_clock::now() - start < hang_bound);
}

TEST_CASE("get_property: a service that never answers costs the deadline, not a hang", "[constraints][dbus]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeExample service(*bus);
  service.set("Flag", true);
  service.set_mode(FakeDbusService::Mode::silent);

  const auto start = std::chrono::steady_clock::now();
  const auto value = c::get_property(fake_flag, 'b', on(*bus, 100ms));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_THAT(failure_of(value), Catch::Contains("no answer from org.example.Fake within 100 ms"));
  CHECK(took >= 100ms);
  CHECK(took < hang_bound);
  // The call did arrive: it was the answer that never came.
  CHECK(wait_until([&] { return service.gets() == 1; }, 1s));

  service.set_mode(FakeDbusService::Mode::normal);  // and the next caller is not stuck behind it
  CHECK(value_of<bool>(c::get_property(fake_flag, 'b', on(*bus, 100ms))) == true);
}

TEST_CASE("read_metered maps every NMMetered value, and unknown passes saying so", "[constraints][dbus][metered]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeNetworkManager nm(bus->address());

  struct Case {
    std::uint32_t nm;
    std::optional<bool> metered;
    std::string name;
  };
  for (const Case& k : {Case{0, std::nullopt, "unknown"}, Case{1, true, "yes"}, Case{2, false, "no"},
                        Case{3, true, "guess-yes"}, Case{4, false, "guess-no"},
                        Case{5, std::nullopt, "not a known NMMetered value"},
                        Case{0xffffffff, std::nullopt, "not a known NMMetered value"}}) {
    INFO("NMMetered " << k.nm);
    nm.set_metered(k.nm);
    const auto state = c::read_metered(on(*bus));
    CHECK(state.metered == k.metered);
    CHECK(state.source == "NetworkManager (" + k.name + ")");

    const auto check = c::check_network(c::NetworkRequirement::unmetered, state);
    const auto wire = c::check(proto::NetworkConstraint::unmetered, c::MachineState{{}, state});
    CHECK(wire.satisfied == check.satisfied);
    CHECK(wire.reason == check.reason);
    CHECK_THAT(check.reason, Catch::Contains("NetworkManager (" + k.name + ")"));
    if (!k.metered) {
      CHECK(check.satisfied);
      CHECK_THAT(check.reason, Catch::Contains("unknown") && Catch::Contains("treated as satisfied"));
    } else if (*k.metered) {
      CHECK_FALSE(check.satisfied);
      CHECK_THAT(check.reason, Catch::StartsWith("network is metered"));
    } else {
      CHECK(check.satisfied);
      CHECK_THAT(check.reason, Catch::StartsWith("network is not metered"));
    }
    CHECK(c::check(proto::NetworkConstraint::any, c::MachineState{{}, state}).satisfied);
  }
}

TEST_CASE("read_metered: a NetworkManager that is absent, silent or odd gives unknown", "[constraints][dbus][metered]") {
  auto bus = private_bus();
  if (!bus) return;
  const auto start = std::chrono::steady_clock::now();

  auto absent = c::read_metered(on(*bus));
  CHECK_FALSE(absent.metered);
  CHECK_THAT(absent.source, Catch::StartsWith("NetworkManager: ") &&
                                Catch::Contains("org.freedesktop.DBus.Error.ServiceUnknown"));
  const auto check = c::check_network(c::NetworkRequirement::unmetered, absent);
  CHECK(check.satisfied);
  CHECK_THAT(check.reason, Catch::Contains("treated as satisfied") && Catch::Contains("NetworkManager"));

  FakeNetworkManager nm(bus->address());
  auto no_property = c::read_metered(on(*bus));  // running, but no Metered (an old NetworkManager)
  CHECK_FALSE(no_property.metered);
  CHECK_THAT(no_property.source, Catch::Contains("UnknownProperty"));

  nm.set("Metered", true);  // a b where a u belongs
  auto wrong = c::read_metered(on(*bus));
  CHECK_FALSE(wrong.metered);
  CHECK_THAT(wrong.source, Catch::Contains("not of D-Bus type 'u'"));

  nm.set_metered(1);
  nm.set_mode(FakeDbusService::Mode::silent);
  auto silent = c::read_metered(on(*bus, 100ms));
  CHECK_FALSE(silent.metered);
  CHECK(silent.source == "NetworkManager: no answer from org.freedesktop.NetworkManager within 100 ms");
  CHECK(c::check_network(c::NetworkRequirement::unmetered, silent).satisfied);
  CHECK(std::chrono::steady_clock::now() - start < 2 * hang_bound);
}

TEST_CASE("read_metered finds the bus through DBUS_SYSTEM_BUS_ADDRESS, as the daemon does", "[constraints][dbus][metered]") {
  auto bus = private_bus();
  if (!bus) return;
  ScopedEnv env("DBUS_SYSTEM_BUS_ADDRESS", bus->address());  // before the service's thread starts
  FakeNetworkManager nm(bus->address());
  nm.set_metered(3);
  const auto state = c::read_metered({});  // the system bus, default deadline
  CHECK(state.metered == true);
  CHECK(state.source == "NetworkManager (guess-yes)");
}

TEST_CASE("read_upower_on_battery reads OnBattery, or says why not", "[constraints][dbus][power]") {
  auto bus = private_bus();
  if (!bus) return;
  std::string why;
  CHECK_FALSE(c::read_upower_on_battery(on(*bus), &why));
  CHECK_THAT(why, Catch::Contains("org.freedesktop.DBus.Error.ServiceUnknown"));

  FakeUpower upower(bus->address());
  upower.set_on_battery(true);
  CHECK(c::read_upower_on_battery(on(*bus)) == true);
  upower.set_on_battery(false);
  CHECK(c::read_upower_on_battery(on(*bus)) == false);

  upower.set("OnBattery", std::uint32_t{1});  // a u where a b belongs
  why.clear();
  CHECK_FALSE(c::read_upower_on_battery(on(*bus), &why));
  CHECK_THAT(why, Catch::Contains("not of D-Bus type 'b'"));

  upower.set_mode(FakeDbusService::Mode::silent);
  why.clear();
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(c::read_upower_on_battery(on(*bus, 100ms), &why));
  CHECK(std::chrono::steady_clock::now() - start < hang_bound);
  CHECK(why == "no answer from org.freedesktop.UPower within 100 ms");
}

TEST_CASE("read_power: UPower decides on_battery, and a configured sysfs dir is read alone", "[constraints][dbus][power]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeUpower upower(bus->address());

  // UPower says AC. Not on battery means not low either, whatever this machine's /sys holds.
  upower.set_on_battery(false);
  c::PowerSourceOptions options;
  options.dbus = on(*bus);
  auto state = c::read_power(options);
  CHECK(state.on_battery == false);
  CHECK(state.low_battery == false);
  CHECK(state.source == "UPower; low battery: sysfs /sys/class/power_supply");
  CHECK(c::check_power(c::PowerRequirement::not_on_battery, state).satisfied);

  // UPower says battery: on_battery follows it (low_battery is this machine's sysfs: not checked).
  upower.set_on_battery(true);
  state = c::read_power(options);
  CHECK(state.on_battery == true);
  CHECK(state.source == "UPower; low battery: sysfs /sys/class/power_supply");
  const auto held = c::check_power(c::PowerRequirement::not_on_battery, state);
  CHECK_FALSE(held.satisfied);
  CHECK_THAT(held.reason, Catch::StartsWith("on battery (UPower"));
  const auto gets_so_far = upower.gets();
  CHECK(gets_so_far == 2);

  // A sysfs-like dir that says AC: read alone, and UPower (which says battery) is not even asked.
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "AC");
  std::ofstream(dir.path() / "AC" / "type") << "Mains\n";
  std::ofstream(dir.path() / "AC" / "online") << "1\n";
  options.power_supply_dir = dir.path();
  state = c::read_power(options);
  CHECK(state.on_battery == false);
  CHECK(state.source == "sysfs " + dir.path().string());
  CHECK(upower.gets() == gets_so_far);
}

TEST_CASE("read_power: a silent UPower falls back to sysfs within the deadline", "[constraints][dbus][power]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeUpower upower(bus->address());
  upower.set_on_battery(true);
  upower.set_mode(FakeDbusService::Mode::silent);
  c::PowerSourceOptions options;
  options.dbus = on(*bus, 100ms);
  const auto start = std::chrono::steady_clock::now();
  const auto state = c::read_power(options);  // what sysfs then says is this machine's business
  CHECK(std::chrono::steady_clock::now() - start < hang_bound);
  CHECK_THAT(state.source, Catch::EndsWith("; UPower: no answer from org.freedesktop.UPower within 100 ms"));
}

TEST_CASE("MachineStateReader keeps a reading for max_age, and invalidate drops it", "[constraints][dbus][metered]") {
  auto bus = private_bus();
  if (!bus) return;
  FakeNetworkManager nm(bus->address());
  nm.set_metered(1);
  TempDir power_dir;  // empty: power unknown, and UPower is not asked
  c::PowerSourceOptions options;
  options.power_supply_dir = power_dir.path();
  options.dbus = on(*bus);
  c::MachineStateReader reader(options, std::chrono::hours(1));

  asio::io_context io;
  const auto read = [&] {
    auto done = asio::co_spawn(io, reader.read(), asio::use_future);
    io.restart();
    io.run();
    return done.get();
  };
  CHECK(read().metered.metered == true);
  nm.set_metered(2);
  CHECK(read().metered.metered == true);  // kept: NetworkManager not asked again
  CHECK(nm.gets() == 1);
  reader.invalidate();
  const auto fresh = read();
  CHECK(fresh.metered.metered == false);
  CHECK(fresh.metered.source == "NetworkManager (no)");
  CHECK(nm.gets() == 2);
}

}  // namespace bgsync::test
