// Whether the network is metered, for the periodic-sync constraint `network`: any | unmetered.
// NetworkManager's Metered property over the system bus; without NetworkManager the answer is unknown.
//
// NetworkManager (org.freedesktop.NetworkManager, object /org/freedesktop/NetworkManager) exposes
// `Metered` (D-Bus type u, the NMMetered enum) for the primary connection: 0 unknown, 1 yes, 2 no,
// 3 guess-yes, 4 guess-no. A guess-yes is metered (a phone's hotspot, detected from the DHCP
// vendor option, costs money even though nobody said so); guess-no is unmetered; unknown, any value
// outside the enum, and an absent or silent NetworkManager give unknown, which a constraint treats
// as satisfied — the reason says so. (systemd-networkd, connman and others have no such property.)
//
// Blocking: one D-Bus call, at most `dbus.timeout` (default 100 ms); fails at once without a
// system bus. Cheap enough to call each time a registration is due; there is no cache.
// Threading: no shared state; any thread.
#pragma once

#include "daemon/constraints/constraint_check.hpp"
#include "daemon/constraints/dbus_property.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync::constraints {

// NetworkManager's NMMetered; the values are NetworkManager's, do not renumber.
enum class NmMetered : std::uint32_t { unknown = 0, yes = 1, no = 2, guess_yes = 3, guess_no = 4 };

struct MeteredState {
  std::optional<bool> metered;  // nullopt: unknown
  std::string source;           // "NetworkManager (guess-yes)", or why it is unknown
};

// The NMMetered value as MeteredState.metered: yes and guess-yes are metered, no and guess-no are
// not, anything else is unknown.
std::optional<bool> metered_from_nm(std::uint32_t nm_metered) noexcept;

// Asks NetworkManager. Never throws (std::bad_alloc aside).
MeteredState read_metered(const DbusOptions& dbus);

// The `network` constraint of a registration.
enum class NetworkRequirement { any, unmetered };
std::string_view to_string(NetworkRequirement requirement) noexcept;
std::optional<NetworkRequirement> network_requirement_from_string(std::string_view name) noexcept;

// Whether `state` allows a run under `requirement`; unknown counts as satisfied, and the reason
// says so. (Whether the network is up at all is the network watcher's business, not this check's.)
ConstraintCheck check_network(NetworkRequirement requirement, const MeteredState& state);

}  // namespace bgsync::constraints
