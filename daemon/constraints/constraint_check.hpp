// The answer to "may this periodic registration run now?" for one constraint (power, network),
// with the reason `syncctl periodic list` shows.
#pragma once

#include <string>

namespace bgsync::constraints {

struct ConstraintCheck {
  bool satisfied = true;
  // For people: "on battery (UPower)", or for an unknown state "power state unknown (no power
  // supplies in /sys/class/power_supply): treated as satisfied".
  std::string reason;
};

}  // namespace bgsync::constraints
