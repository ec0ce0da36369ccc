// `syncctl status`: the daemon's version, online/paused state, actions per state, the newest event
// and when the next attempt is due.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

int run_status(const GlobalOptions& globals) {
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto status = client->status();
  if (!status) return fail(status.error());

  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*status));
    return exit_ok;
  }

  const std::string name = status->version.rfind("bgsyncd", 0) == 0 ? status->version : "bgsyncd " + status->version;
  std::string network = status->online ? "online" : "offline";
  if (!status->online && !status->network_reason.empty()) network += " (" + status->network_reason + ")";
  if (status->network_since) network += " since " + time_with_relative(*status->network_since, now());
  std::cout << name << " — " << network << ", "
            << (status->paused ? "paused (nothing is sent until `syncctl resume`)" : "not paused") << "\n\n";

  Fields fields;
  std::size_t width = 0;
  for (auto count : status->counts.by_state) width = std::max(width, std::to_string(count).size());
  for (std::size_t i = 0; i < bgsync::proto::action_state_count; ++i) {
    const auto state = static_cast<bgsync::ActionState>(i);
    std::string count = std::to_string(status->counts[state]);
    fields.add(std::string(bgsync::to_string(state)), std::string(width - count.size(), ' ') + count);
  }
  fields.add("last event", status->last_seq == 0 ? "none yet" : "#" + std::to_string(status->last_seq));
  fields.add("next attempt", status->next_attempt ? time_with_relative(*status->next_attempt, now()) : "-");
  fields.print(std::cout);
  return exit_ok;
}

}  // namespace

Command add_status(CLI::App& parent, const GlobalOptions& globals) {
  auto* command = parent.add_subcommand("status", "Show whether bgsyncd is online or paused, and its outbox counts");
  command->description(command->get_description() + "\n\n" +
      "Show the daemon's version, whether it is online and whether sending is paused, how many actions are\n"
      "in each state, the sequence number of the newest event and when the next attempt is due.");
  command->footer(command_footer("  syncctl status\n  syncctl status --json | jq .counts.queued"));
  return Command{command, [&globals] { return run_status(globals); }};
}

}  // namespace syncctl
