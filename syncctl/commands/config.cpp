// `syncctl config`: the daemon's settings in effect, each with where its value came from (default,
// a line of the config file, the command line), as a table or one JSON object.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <algorithm>
#include <iostream>
#include <memory>

namespace syncctl {
namespace {

int run_config(const std::vector<std::string>& names, const GlobalOptions& globals) {
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto info = client->config();
  if (!info) return fail(info.error());

  for (const auto& name : names) {
    const bool known = std::any_of(info->settings.begin(), info->settings.end(),
                                   [&name](const auto& setting) { return setting.name == name; });
    if (!known) return usage_error("bgsyncd has no option \"" + name + "\" (`syncctl config` lists them all)");
  }
  if (!names.empty()) {
    std::erase_if(info->settings, [&names](const auto& setting) {
      return std::find(names.begin(), names.end(), setting.name) == names.end();
    });
  }

  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*info));
    return exit_ok;
  }

  if (names.empty()) {
    Fields fields;
    std::string file = info->config_file ? *info->config_file : "none";
    if (info->config_file && !info->config_file_found) file += " (not found: defaults in use)";
    fields.add("config file", file);
    fields.add("socket", info->socket);
    fields.add("state dir", info->state_dir);
    fields.print(std::cout);
    std::cout << '\n';
  }
  Table table({"NAME", "VALUE", "SOURCE"});
  std::vector<std::string> restart_only;
  for (const auto& setting : info->settings) {
    std::string note;
    if (setting.pending) note = "the config file now says " + setting_text(*setting.pending) + ": restart bgsyncd to apply it";
    table.add_row({setting.name, setting_text(setting.value), setting.source}, note);
    if (!setting.reloadable) restart_only.push_back(setting.name);
  }
  table.print(std::cout);
  if (names.empty() && !restart_only.empty()) {
    std::string list;
    for (std::size_t i = 0; i < restart_only.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == restart_only.size() ? " and " : ", ") + restart_only[i];
    }
    std::cout << "\nAfter editing the config file, `syncctl reload` applies the changes, except to " << list
              << ":\nthose need a restart of bgsyncd.\n";
  }
  return exit_ok;
}

}  // namespace

Command add_config(CLI::App& parent, const GlobalOptions& globals) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* command = parent.add_subcommand("config", "Show bgsyncd's settings and where each value came from");
  command->description(command->get_description() + "\n\n" +
      "Show the configuration the running daemon uses: the config file it reads, the socket and state\n"
      "directory in use, then every option with its value and its source: \"default\", \"command line\",\n"
      "\"$BGSYNC_SOCKET\", or FILE:LINE of the config file. \"-\" is a value that is not set (no probe URL).\n"
      "A line under an option says that the config file asks for another value that needs a restart.\n"
      "Give option names to show only those; a name bgsyncd does not have is a usage error (exit 2).");
  command->add_option("name", *names, "Show only these options (e.g. retry-base parallel)")->type_name("NAME");
  command->footer(command_footer(
      "  syncctl config\n"
      "  syncctl config retry-base max-attempts\n"
      "  syncctl config --json | jq -r '.settings[] | select(.source != \"default\") | .name'"));
  return Command{command, [names, &globals] { return run_config(*names, globals); }};
}

}  // namespace syncctl
