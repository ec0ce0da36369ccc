// `syncctl retry ID`: queues a failed or cancelled action again, to be sent now.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

int run_retry(const std::string& id_text, const GlobalOptions& globals) {
  const auto id = parse_ref(id_text);
  if (!id) return bad_ref(id_text);

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto action = client->retry(*id);
  if (!action) return fail(action.error());

  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*action));
  } else {
    std::cout << action->id.to_string() << ' ' << bgsync::to_string(action->state) << '\n';
  }
  return exit_ok;
}

}  // namespace

Command add_retry(CLI::App& parent, const GlobalOptions& globals) {
  auto id = std::make_shared<std::string>();
  auto* command = parent.add_subcommand("retry", "Queue a failed or cancelled action again");
  command->description(command->get_description() + "\n\n" +
      "Queue a failed or cancelled action again, to be sent as soon as possible; its attempt count carries\n"
      "on. Prints the id and the new state. Queued, sending and sent actions cannot be retried.");
  command->add_option("id", *id, "The action's id, or a unique prefix of it (at least 8 hex digits)")
      ->required()
      ->type_name("ID");
  command->footer(command_footer(
      "  syncctl retry 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a\n"
      "  syncctl list --json --state failed | jq -r '.[].id' | xargs -n1 syncctl retry"));
  return Command{command, [id, &globals] { return run_retry(*id, globals); }};
}

}  // namespace syncctl
