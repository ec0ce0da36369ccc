// What the `syncctl periodic ...` commands share (periodic.cpp, periodic_list.cpp, periodic_run.cpp)
// and `syncctl cache` uses too: the --app option with its default, names and constraint wording.
#pragma once

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace syncctl {

// The app of registrations made with syncctl, as for `syncctl enqueue`.
inline constexpr std::string_view default_periodic_app = "syncctl";

// The registration a command names: TAG and --app.
struct RefOptions {
  std::string tag;
  std::string app{default_periodic_app};
  CLI::Option* app_option = nullptr;

  bgsync::PeriodicRef ref() const { return bgsync::PeriodicRef{app, tag}; }
};

// Adds the TAG positional and --app to `command`.
void add_ref_options(CLI::App& command, RefOptions& options, std::string_view tag_help);

// fail(), plus a hint when the daemon found no registration and --app was not given: registrations
// of other apps are not syncctl's.
int fail_ref(const bgsync::Error& error, const RefOptions& options);

// "\"news\"", or "\"news\" (app reader)" when the app is not syncctl's ("default app" for "").
std::string registration_name(std::string_view app, std::string_view tag);

// Whether the daemon could not learn this constraint's state (no NetworkManager, no battery
// information) and so treats it as satisfied.
bool is_unknown(const bgsync::ConstraintState& state);

// One text per constraint other than "any": "network unmetered: ok", "power not_on_battery: on
// battery (UPower)", "network unmetered: unknown, treated as satisfied". Empty when there are none.
std::vector<std::string> constraint_texts(const bgsync::PeriodicRegistration& registration);

// Lines explaining what a person should know now: why a due registration waits, and the daemon's
// reason for each constraint whose state is unknown.
std::vector<std::string> state_notes(const bgsync::PeriodicRegistration& registration);

// The subcommands of `syncctl periodic`, each in its own file.
Command add_periodic_register(CLI::App& periodic, const GlobalOptions& globals);
Command add_periodic_list(CLI::App& periodic, const GlobalOptions& globals);
Command add_periodic_unregister(CLI::App& periodic, const GlobalOptions& globals);
Command add_periodic_run(CLI::App& periodic, const GlobalOptions& globals);

}  // namespace syncctl
