// `syncctl reload`: make bgsyncd read its config file again, and say what changed at once and what
// waits for a restart. The same as `systemctl --user reload bgsyncd` or `kill -HUP`, with an answer.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <iostream>

namespace syncctl {
namespace {

const bgsync::ConfigSetting* find(const bgsync::ConfigInfo& info, const std::string& name) {
  for (const auto& setting : info.settings) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

int run_reload(const GlobalOptions& globals) {
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto result = client->reload();
  if (!result) return fail(result.error());

  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*result));
    return exit_ok;
  }
  // The new values, to show next to the names; without them the names alone still say it.
  auto info = client->config();
  const std::string file = info && info->config_file ? *info->config_file : "the config file";
  if (result->changed.empty() && result->restart_needed.empty()) {
    std::cout << "reloaded " << file << ": nothing changed\n";
    return exit_ok;
  }
  std::cout << "reloaded " << file << '\n';
  Table table({"OPTION", "NOW", "SOURCE"});
  for (const auto& name : result->changed) {
    const auto* setting = info ? find(*info, name) : nullptr;
    table.add_row({name, setting ? setting_text(setting->value) : "?", setting ? setting->source : "?"});
  }
  if (!result->changed.empty()) {
    std::cout << "\nchanged:\n";
    table.print(std::cout);
  }
  if (!result->restart_needed.empty()) {
    Table restart({"OPTION", "NOW", "AFTER A RESTART"});
    for (const auto& name : result->restart_needed) {
      const auto* setting = info ? find(*info, name) : nullptr;
      restart.add_row({name, setting ? setting_text(setting->value) : "?",
                       setting && setting->pending ? setting_text(*setting->pending) : "?"});
    }
    std::cout << "\nneeds a restart to change (e.g. `systemctl --user restart bgsyncd`):\n";
    restart.print(std::cout);
  }
  return exit_ok;
}

}  // namespace

Command add_reload(CLI::App& parent, const GlobalOptions& globals) {
  auto* command = parent.add_subcommand("reload", "Make bgsyncd re-read its config file and apply the changes");
  command->description(command->get_description() + "\n\n" +
      "Make bgsyncd read its config file again, as SIGHUP does, and print what changed. Values given on\n"
      "bgsyncd's command line still win over the file. Most options apply at once; the few that need a\n"
      "restart (those `syncctl config` names at its end) keep their old value until then. A config file\n"
      "with an error changes nothing: the error names the file and line, and the exit status is 1.");
  command->footer(command_footer(
      "  syncctl reload\n"
      "  syncctl reload --json | jq -r '.restart_needed[]'"));
  return Command{command, [&globals] { return run_reload(globals); }};
}

}  // namespace syncctl
