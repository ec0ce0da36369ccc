// `syncctl pause` and `syncctl resume`: hold all sending, and release it. The daemon keeps the paused
// state across restarts, so a pause is a promise that nothing leaves the machine until resume.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <boost/json/object.hpp>

#include <iostream>

namespace syncctl {
namespace {

int run_pause(bool pause, const GlobalOptions& globals) {
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto paused = pause ? client->pause() : client->resume();
  if (!paused) return fail(paused.error());

  if (globals.json) {
    print_json(std::cout, boost::json::object{{"paused", *paused}});
  } else if (*paused) {
    std::cout << "paused: nothing is sent until `syncctl resume` (enqueueing still works)\n";
  } else {
    std::cout << "resumed: sending\n";
  }
  return exit_ok;
}

}  // namespace

Command add_pause(CLI::App& parent, const GlobalOptions& globals) {
  auto* command = parent.add_subcommand("pause", "Hold all sending until resume (survives restarts)");
  command->description(command->get_description() + "\n\n" +
      "Hold all sending: nothing leaves the machine until `syncctl resume`, across daemon restarts too.\n"
      "Apps can still enqueue; a request already being sent finishes.");
  command->footer(command_footer("  syncctl pause\n  syncctl pause --json"));
  return Command{command, [&globals] { return run_pause(true, globals); }};
}

Command add_resume(CLI::App& parent, const GlobalOptions& globals) {
  auto* command = parent.add_subcommand("resume", "Release sending held by pause");
  command->description(command->get_description() + "\n\n" +
                       "Release sending held by `syncctl pause`; queued actions that are due go out at once.");
  command->footer(command_footer("  syncctl resume"));
  return Command{command, [&globals] { return run_pause(false, globals); }};
}

}  // namespace syncctl
