// Whether the network is metered, from NetworkManager's Metered property; the rules are in
// metered_source.hpp.
#include "daemon/constraints/metered_source.hpp"

#include <variant>

namespace bgsync::constraints {
namespace {

std::string_view nm_metered_name(std::uint32_t value) noexcept {
  switch (value) {
    case 0: return "unknown";
    case 1: return "yes";
    case 2: return "no";
    case 3: return "guess-yes";
    case 4: return "guess-no";
    default: return "not a known NMMetered value";
  }
}

}  // namespace

std::optional<bool> metered_from_nm(std::uint32_t nm_metered) noexcept {
  switch (static_cast<NmMetered>(nm_metered)) {
    case NmMetered::yes:
    case NmMetered::guess_yes: return true;
    case NmMetered::no:
    case NmMetered::guess_no: return false;
    case NmMetered::unknown: break;
  }
  return std::nullopt;
}

MeteredState read_metered(const DbusOptions& dbus) {
  static const DbusTarget target{"org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
                                 "org.freedesktop.NetworkManager", "Metered"};
  const auto value = get_property(target, 'u', dbus);
  if (const auto* failure = std::get_if<DbusFailure>(&value)) return {std::nullopt, "NetworkManager: " + failure->message};
  const auto* nm_value = std::get_if<std::uint32_t>(&value);
  if (!nm_value) return {std::nullopt, "NetworkManager: Metered is not of type u"};
  const auto nm = *nm_value;
  return {metered_from_nm(nm), "NetworkManager (" + std::string{nm_metered_name(nm)} + ")"};
}

std::string_view to_string(NetworkRequirement requirement) noexcept {
  return requirement == NetworkRequirement::unmetered ? "unmetered" : "any";
}

std::optional<NetworkRequirement> network_requirement_from_string(std::string_view name) noexcept {
  if (name == "any") return NetworkRequirement::any;
  if (name == "unmetered") return NetworkRequirement::unmetered;
  return std::nullopt;
}

ConstraintCheck check_network(NetworkRequirement requirement, const MeteredState& state) {
  if (requirement == NetworkRequirement::any) return {true, "no network constraint"};
  const std::string from = " (" + state.source + ")";
  if (!state.metered) return {true, "metered state unknown" + from + ": treated as satisfied"};
  return *state.metered ? ConstraintCheck{false, "network is metered" + from}
                        : ConstraintCheck{true, "network is not metered" + from};
}

}  // namespace bgsync::constraints
