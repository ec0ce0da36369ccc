// The machine's power state from UPower or a sysfs power_supply directory; the rules are in
// power_source.hpp.
#include "daemon/constraints/power_source.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <system_error>
#include <utility>

namespace bgsync::constraints {
namespace {

// sysfs attributes are one short line; anything longer is not an attribute we understand.
std::optional<std::string> read_attribute(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::array<char, 64> buffer{};
  in.read(buffer.data(), buffer.size());
  std::string value(buffer.data(), static_cast<std::size_t>(in.gcount()));
  if (value.size() == buffer.size()) return std::nullopt;
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ' || value.back() == '\t')) value.pop_back();
  return value;
}

std::optional<int> read_int(const std::filesystem::path& file, int min, int max) {
  const auto text = read_attribute(file);
  if (!text || text->empty()) return std::nullopt;
  int value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc{} || ptr != end || value < min || value > max) return std::nullopt;
  return value;
}

struct SysfsScan {
  int externals = 0, externals_online = 0, externals_offline = 0;
  int batteries = 0;
  bool discharging = false, charging_or_full = false;
  bool level_low = false, level_ok = false;  // from capacity_level or capacity
};

void scan_supply(const std::filesystem::path& supply, SysfsScan& scan) {
  const auto type = read_attribute(supply / "type");
  if (!type) return;
  if (const auto scope = read_attribute(supply / "scope"); scope && *scope == "Device") return;
  if (*type == "Battery") {
    ++scan.batteries;
    if (const auto status = read_attribute(supply / "status")) {
      if (*status == "Discharging") scan.discharging = true;
      else if (*status == "Charging" || *status == "Full" || *status == "Not charging") scan.charging_or_full = true;
    }
    if (const auto level = read_attribute(supply / "capacity_level")) {
      if (*level == "Low" || *level == "Critical") scan.level_low = true;
      else if (*level == "Normal" || *level == "High" || *level == "Full") scan.level_ok = true;
    }
    if (const auto capacity = read_int(supply / "capacity", 0, 100)) {
      if (*capacity <= low_capacity_percent) scan.level_low = true;
      else scan.level_ok = true;
    }
    return;
  }
  // Mains, USB, Wireless, UPS, BrickID...: anything that says whether it is plugged in.
  if (const auto online = read_int(supply / "online", 0, 2)) {
    ++scan.externals;
    ++(*online ? scan.externals_online : scan.externals_offline);
  }
}

std::optional<bool> decide_on_battery(const SysfsScan& scan) {
  if (scan.externals_online > 0) return false;
  if (scan.discharging) return true;
  if (scan.externals > 0 && scan.batteries > 0) return true;  // unplugged, battery status unhelpful
  if (scan.charging_or_full) return false;
  return std::nullopt;
}

std::optional<bool> decide_low_battery(std::optional<bool> on_battery, const SysfsScan& scan) {
  if (!on_battery) return std::nullopt;
  if (!*on_battery) return false;
  if (scan.level_low) return true;  // any low battery: the machine dies when it is drained
  if (scan.level_ok) return false;
  return std::nullopt;
}

SysfsScan scan_dir(const std::filesystem::path& dir) {
  SysfsScan scan;
  std::error_code ec;
  // Entries in /sys/class/power_supply are symlinks to the device directories; follow them.
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (std::error_code dir_ec; it->is_directory(dir_ec)) scan_supply(it->path(), scan);
  }
  return scan;
}

}  // namespace

PowerState read_sysfs_power(const std::filesystem::path& dir) {
  const SysfsScan scan = scan_dir(dir);
  PowerState state;
  state.on_battery = decide_on_battery(scan);
  state.low_battery = decide_low_battery(state.on_battery, scan);
  if (state.on_battery || state.low_battery) state.source = "sysfs " + dir.string();
  else if (scan.externals + scan.batteries == 0) state.source = "no power supplies in " + dir.string();
  else state.source = "sysfs " + dir.string() + " (the supplies say nothing decisive)";
  return state;
}

std::optional<bool> read_upower_on_battery(const DbusOptions& dbus, std::string* why_not) {
  static const DbusTarget target{"org.freedesktop.UPower", "/org/freedesktop/UPower", "org.freedesktop.UPower",
                                 "OnBattery"};
  auto value = get_property(target, 'b', dbus);
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  if (why_not) {
    if (const auto* failure = std::get_if<DbusFailure>(&value)) *why_not = failure->message;
  }
  return std::nullopt;
}

PowerState read_power(const PowerSourceOptions& options) {
  if (options.power_supply_dir) return read_sysfs_power(*options.power_supply_dir);

  const std::filesystem::path sysfs_dir{default_power_supply_dir};
  std::string why_not;
  const auto upower = read_upower_on_battery(options.dbus, &why_not);
  if (!upower) {
    PowerState state = read_sysfs_power(sysfs_dir);
    state.source += "; UPower: " + why_not;
    return state;
  }
  // sysfs's battery levels, judged under UPower's on_battery rather than sysfs's own.
  PowerState state;
  state.on_battery = *upower;
  state.low_battery = decide_low_battery(upower, scan_dir(sysfs_dir));
  state.source = "UPower; low battery: sysfs " + sysfs_dir.string();
  return state;
}

std::string_view to_string(PowerRequirement requirement) noexcept {
  switch (requirement) {
    case PowerRequirement::any: return "any";
    case PowerRequirement::not_on_battery: return "not_on_battery";
    case PowerRequirement::not_low_battery: return "not_low_battery";
  }
  return "any";
}

std::optional<PowerRequirement> power_requirement_from_string(std::string_view name) noexcept {
  for (auto r : {PowerRequirement::any, PowerRequirement::not_on_battery, PowerRequirement::not_low_battery})
    if (to_string(r) == name) return r;
  return std::nullopt;
}

ConstraintCheck check_power(PowerRequirement requirement, const PowerState& state) {
  const std::string from = " (" + state.source + ")";
  switch (requirement) {
    case PowerRequirement::any: return {true, "no power constraint"};
    case PowerRequirement::not_on_battery:
      if (!state.on_battery) return {true, "power source unknown" + from + ": treated as satisfied"};
      return *state.on_battery ? ConstraintCheck{false, "on battery" + from} : ConstraintCheck{true, "on AC power" + from};
    case PowerRequirement::not_low_battery:
      if (!state.low_battery) return {true, "battery level unknown" + from + ": treated as satisfied"};
      return *state.low_battery ? ConstraintCheck{false, "battery low" + from}
                                : ConstraintCheck{true, "battery not low" + from};
  }
  return {true, "no power constraint"};
}

}  // namespace bgsync::constraints
