// The machine's power state for periodic-sync constraints (`power`: any | not_on_battery |
// not_low_battery): from UPower's OnBattery over the system bus, else from /sys/class/power_supply.
//
// Sources, in order. UPower (org.freedesktop.UPower, /org/freedesktop/UPower, property OnBattery)
// is what desktops show, and it already folds UPSes and odd drivers into one answer, so it decides
// on_battery when it answers. low_battery always comes from sysfs (UPower's OnBattery says nothing
// about charge). Without UPower, sysfs decides both. A test or a container without /sys gives the
// daemon a sysfs-like directory instead (`power_supply_dir`); then UPower is not asked at all, so a
// test behaves the same on a laptop with UPower running.
//
// Reading sysfs (Documentation/ABI/testing/sysfs-class-power). Each entry of the directory is one
// supply with a `type` file. Supplies with `scope` Device (a mouse's or a phone's battery) do not
// power the machine and are skipped; a missing scope means System. Non-battery supplies (Mains,
// USB, Wireless...) report `online` (0 offline, 1 or 2 online). Batteries report `status`
// (Charging, Discharging, Not charging, Full, Unknown), `capacity` (0-100 %) and `capacity_level`
// (Critical, Low, Normal, High, Full, Unknown). Values that are missing, unreadable or not in the
// ABI are ignored, never fatal.
//   on_battery: false if any external supply is online; true if a battery is Discharging, or if
//   external supplies exist, all offline, and a battery exists; false if a battery is Charging,
//   Full or Not charging; otherwise unknown (no supplies, or nothing decisive).
//   low_battery: false when not on battery (a charging machine may spend power, as Android's
//   "battery not low" also holds while charging); when on battery, true if any battery reports
//   capacity_level Low or Critical or capacity <= low_capacity_percent (UPower's default
//   PercentageLow, 20); false if a battery reports a level or capacity above that; else unknown.
//
// Cost and blocking: sysfs reads are a few small files, typically microseconds (an ACPI battery
// may take a few milliseconds on some firmware). The UPower query blocks for at most
// `dbus.timeout` (default 100 ms) and fails at once when there is no system bus. Cheap enough to
// call each time a registration is due; there is no cache.
//
// Threading: no shared state; any thread.
#pragma once

#include "daemon/constraints/constraint_check.hpp"
#include "daemon/constraints/dbus_property.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync::constraints {

// Unknown (nullopt) means no source could tell; a constraint on it then counts as satisfied.
struct PowerState {
  std::optional<bool> on_battery;
  std::optional<bool> low_battery;
  std::string source;  // where the answer came from, for `syncctl periodic list` and logs (see read_power)
};

inline constexpr int low_capacity_percent = 20;
inline constexpr std::string_view default_power_supply_dir = "/sys/class/power_supply";

struct PowerSourceOptions {
  // Set (the daemon option for tests): read only this sysfs-like directory, never UPower.
  // Unset: UPower for on_battery, /sys/class/power_supply for the rest and as the fallback.
  std::optional<std::filesystem::path> power_supply_dir;
  DbusOptions dbus;
};

// Reads a sysfs-like power_supply directory as described above. source is "sysfs <dir>", or
// "no power supplies in <dir>" when both answers are unknown. Never throws (std::bad_alloc aside).
PowerState read_sysfs_power(const std::filesystem::path& dir);

// UPower's OnBattery, or nullopt when UPower or the bus is absent or does not answer in time.
// `why_not`, when given, receives the reason for a nullopt.
std::optional<bool> read_upower_on_battery(const DbusOptions& dbus, std::string* why_not = nullptr);

// Both sources combined as described above. source is then e.g. "UPower; low battery: sysfs
// /sys/class/power_supply", "sysfs /sys/class/power_supply; UPower: <why not>", or says that
// nothing answered. Never throws (std::bad_alloc aside); blocks at most dbus.timeout on D-Bus.
PowerState read_power(const PowerSourceOptions& options);

// The `power` constraint of a registration.
enum class PowerRequirement { any, not_on_battery, not_low_battery };
std::string_view to_string(PowerRequirement requirement) noexcept;
std::optional<PowerRequirement> power_requirement_from_string(std::string_view name) noexcept;

// Whether `state` allows a run under `requirement`. Unknown counts as satisfied, and the reason
// says so, as the issue asks (syncctl shows it).
ConstraintCheck check_power(PowerRequirement requirement, const PowerState& state);

}  // namespace bgsync::constraints
