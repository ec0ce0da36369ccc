// `syncctl cancel ID | --tag T`: cancels one unfinished action, or every unfinished action of a tag.
// Prints what was cancelled; an action that had already finished is left alone.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

struct CancelOptions {
  std::string id;
  std::string tag;
  CLI::Option* tag_option = nullptr;
};

int run_cancel(const CancelOptions& options, const GlobalOptions& globals) {
  const bool by_tag = options.tag_option->count() > 0;
  if (by_tag == !options.id.empty()) return usage_error("cancel takes either an action ID or --tag TAG, not both");
  if (by_tag && options.tag.empty()) return usage_error("--tag needs a non-empty tag");
  std::optional<bgsync::ActionRef> id;
  if (!by_tag) {
    id = parse_ref(options.id);
    if (!id) return bad_ref(options.id);
  }

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto cancelled = by_tag ? client->cancel_tag(options.tag) : client->cancel(*id);
  if (!cancelled) return fail(cancelled.error());

  if (globals.json) {
    boost::json::array array;
    for (const auto& action : *cancelled) array.push_back(bgsync::to_json(action, false));
    print_json(std::cout, boost::json::object{{"cancelled", std::move(array)}});
    return exit_ok;
  }
  if (cancelled->empty()) {
    std::cout << (by_tag ? "nothing to cancel: no unfinished action has tag " + options.tag
                         : "nothing to cancel: the action had already finished")
              << '\n';
    return exit_ok;
  }
  for (const auto& action : *cancelled) std::cout << "cancelled " << action.id.to_string() << '\n';
  return exit_ok;
}

}  // namespace

Command add_cancel(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<CancelOptions>();
  auto* command = parent.add_subcommand("cancel", "Cancel an unfinished action, or all unfinished actions of a tag");
  command->description(command->get_description() + "\n\n" +
      "Cancel one queued action, or with --tag every unfinished action of that tag. A cancelled action is\n"
      "kept (state cancelled) and can be queued again with `syncctl retry`. An action being sent right\n"
      "now may still reach the server.");
  command->add_option("id", options->id, "The action's id, or a unique prefix of it (at least 8 hex digits)")
      ->type_name("ID");
  options->tag_option = command->add_option("--tag", options->tag, "Cancel every unfinished action with this tag")
                            ->type_name("TAG");
  command->footer(command_footer(
      "  syncctl cancel 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a\n"
      "  syncctl cancel 0190c3b2-8c1e-7d43   (a unique prefix)\n"
      "  syncctl cancel --tag notes"));
  return Command{command, [options, &globals] { return run_cancel(*options, globals); }};
}

}  // namespace syncctl
