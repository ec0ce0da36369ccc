// Tests of the power constraint source: sysfs-like trees the test builds (AC, battery, USB,
// device-scope and garbage supplies), the requirement checks, and UPower without a bus.
#include "daemon/constraints/power_source.hpp"

#include "tests/support/test_util.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using bgsync::constraints::check_power;
using bgsync::constraints::PowerRequirement;
using bgsync::constraints::PowerState;
using bgsync::constraints::read_sysfs_power;

namespace {

// Writes dir/supply/attribute with a trailing newline, as the kernel does.
void put(const fs::path& dir, const std::string& supply, const std::string& attribute, const std::string& value) {
  fs::create_directories(dir / supply);
  std::ofstream(dir / supply / attribute) << value << '\n';
}

void ac(const fs::path& dir, bool online) {
  put(dir, "AC", "type", "Mains");
  put(dir, "AC", "online", online ? "1" : "0");
}

void battery(const fs::path& dir, const std::string& status, int capacity) {
  put(dir, "BAT0", "type", "Battery");
  put(dir, "BAT0", "status", status);
  put(dir, "BAT0", "capacity", std::to_string(capacity));
}

}  // namespace

TEST_CASE("AC online: not on battery, not low, even with a low battery charging", "[constraints][power]") {
  bgsync::test::TempDir dir;
  ac(dir.path(), true);
  battery(dir.path(), "Charging", 10);
  const PowerState state = read_sysfs_power(dir.path());
  CHECK(state.on_battery == false);
  CHECK(state.low_battery == false);
  CHECK(state.source == "sysfs " + dir.path().string());
}

TEST_CASE("AC offline with a battery: on battery, and capacity above 20 is not low", "[constraints][power]") {
  bgsync::test::TempDir dir;
  ac(dir.path(), false);
  battery(dir.path(), "Discharging", 80);
  const PowerState state = read_sysfs_power(dir.path());
  CHECK(state.on_battery == true);
  CHECK(state.low_battery == false);
}

TEST_CASE("discharging battery at capacity 10 is low", "[constraints][power]") {
  bgsync::test::TempDir dir;
  battery(dir.path(), "Discharging", 10);
  const PowerState state = read_sysfs_power(dir.path());
  CHECK(state.on_battery == true);
  CHECK(state.low_battery == true);
  CHECK_FALSE(check_power(PowerRequirement::not_low_battery, state).satisfied);
  CHECK_FALSE(check_power(PowerRequirement::not_on_battery, state).satisfied);
  CHECK(check_power(PowerRequirement::any, state).satisfied);
}

TEST_CASE("capacity_level Low counts as low without a capacity file", "[constraints][power]") {
  bgsync::test::TempDir dir;
  put(dir.path(), "BAT1", "type", "Battery");
  put(dir.path(), "BAT1", "status", "Discharging");
  put(dir.path(), "BAT1", "capacity_level", "Low");
  const PowerState state = read_sysfs_power(dir.path());
  CHECK(state.on_battery == true);
  CHECK(state.low_battery == true);
}

TEST_CASE("capacity 21 is not low, 20 is", "[constraints][power]") {
  bgsync::test::TempDir dir;
  battery(dir.path(), "Discharging", 21);
  CHECK(read_sysfs_power(dir.path()).low_battery == false);
  battery(dir.path(), "Discharging", 20);
  CHECK(read_sysfs_power(dir.path()).low_battery == true);
}

TEST_CASE("USB power online counts as external power", "[constraints][power]") {
  bgsync::test::TempDir dir;
  put(dir.path(), "usb", "type", "USB");
  put(dir.path(), "usb", "online", "1");
  battery(dir.path(), "Discharging", 50);  // a weak charger: still not "on battery"
  CHECK(read_sysfs_power(dir.path()).on_battery == false);
}

TEST_CASE("no supplies at all, or no directory: unknown, and the checks pass saying so", "[constraints][power]") {
  bgsync::test::TempDir dir;
  for (const fs::path& path : {dir.path(), dir.path() / "missing"}) {
    const PowerState state = read_sysfs_power(path);
    CHECK_FALSE(state.on_battery);
    CHECK_FALSE(state.low_battery);
    CHECK(state.source == "no power supplies in " + path.string());
    for (auto requirement : {PowerRequirement::not_on_battery, PowerRequirement::not_low_battery}) {
      const auto check = check_power(requirement, state);
      CHECK(check.satisfied);
      CHECK_THAT(check.reason, Catch::Contains("unknown") && Catch::Contains("treated as satisfied") &&
                                   Catch::Contains(path.string()));
    }
  }
}

TEST_CASE("mains offline and no battery: unknown", "[constraints][power]") {
  bgsync::test::TempDir dir;
  ac(dir.path(), false);
  const PowerState state = read_sysfs_power(dir.path());
  CHECK_FALSE(state.on_battery);
  CHECK_FALSE(state.low_battery);
}

TEST_CASE("a device-scope battery (a mouse) is ignored", "[constraints][power]") {
  bgsync::test::TempDir dir;
  put(dir.path(), "hidpp_battery_0", "type", "Battery");
  put(dir.path(), "hidpp_battery_0", "scope", "Device");
  put(dir.path(), "hidpp_battery_0", "status", "Discharging");
  put(dir.path(), "hidpp_battery_0", "capacity", "5");
  const PowerState state = read_sysfs_power(dir.path());
  CHECK_FALSE(state.on_battery);
  CHECK_FALSE(state.low_battery);
}

TEST_CASE("garbage files are ignored, never fatal", "[constraints][power]") {
  bgsync::test::TempDir dir;
  put(dir.path(), "AC", "type", "Mains");
  put(dir.path(), "AC", "online", "yes");
  put(dir.path(), "BAT0", "type", "Battery");
  put(dir.path(), "BAT0", "status", "Exploding");
  put(dir.path(), "BAT0", "capacity", "150");
  put(dir.path(), "BAT0", "capacity_level", std::string(500, 'x'));
  put(dir.path(), "weird", "type", "Banana");
  put(dir.path(), "weird", "online", "1x");
  put(dir.path(), "empty", "type", "");
  fs::create_directories(dir.path() / "notype");
  fs::create_directories(dir.path() / "dirtype" / "type");  // a directory where a file should be
  std::ofstream(dir.path() / "stray_file") << "Battery\n";
  PowerState state;
  REQUIRE_NOTHROW(state = read_sysfs_power(dir.path()));
  CHECK_FALSE(state.on_battery);
  CHECK_FALSE(state.low_battery);
  CHECK_THAT(state.source, Catch::Contains("nothing decisive"));

  // One garbage value next to good ones does not spoil them.
  put(dir.path(), "BAT1", "type", "Battery");
  put(dir.path(), "BAT1", "status", "Discharging");
  put(dir.path(), "BAT1", "capacity", "12");
  state = read_sysfs_power(dir.path());
  CHECK(state.on_battery == true);
  CHECK(state.low_battery == true);
}

TEST_CASE("a configured power_supply_dir is read alone, without asking UPower", "[constraints][power]") {
  bgsync::test::TempDir dir;
  ac(dir.path(), false);
  battery(dir.path(), "Discharging", 50);
  bgsync::constraints::PowerSourceOptions options;
  options.power_supply_dir = dir.path();
  options.dbus.bus_address = "unix:path=" + (dir / "no-bus").string();
  const PowerState state = bgsync::constraints::read_power(options);
  CHECK(state.on_battery == true);
  CHECK(state.source == "sysfs " + dir.path().string());
}

TEST_CASE("UPower without a system bus: unknown at once, falls back to sysfs", "[constraints][power][dbus]") {
  bgsync::test::TempDir dir;
  bgsync::test::ScopedEnv env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + (dir / "no-bus").string());
  const auto start = std::chrono::steady_clock::now();
  std::string why;
  CHECK_FALSE(bgsync::constraints::read_upower_on_battery({}, &why));
  CHECK_THAT(why, Catch::Contains("cannot connect to the system bus"));

  bgsync::constraints::PowerState state;
  REQUIRE_NOTHROW(state = bgsync::constraints::read_power({}));
  CHECK_THAT(state.source, Catch::Contains("UPower: cannot connect to the system bus"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds{1});
}

TEST_CASE("requirement names round-trip", "[constraints][power]") {
  for (auto r : {PowerRequirement::any, PowerRequirement::not_on_battery, PowerRequirement::not_low_battery})
    CHECK(bgsync::constraints::power_requirement_from_string(bgsync::constraints::to_string(r)) == r);
  CHECK_FALSE(bgsync::constraints::power_requirement_from_string("on_battery"));
}
