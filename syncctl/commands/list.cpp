// `syncctl list`: the outbox as a mailq-like table (or a JSON array), filtered by tag, state and app,
// one page or, with --all, every page.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <boost/json/array.hpp>

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

struct ListOptions {
  std::string tag;
  std::string state;
  std::string app;
  std::uint32_t limit = 100;
  bool all = false;
};

// What a queued action waits for, as a person would say it; for finished ones, the outcome.
std::string waiting_for(const bgsync::Action& action, bgsync::proto::TimePoint reference) {
  using bgsync::proto::WaitReason;
  if (action.state == bgsync::ActionState::sent && action.response_status) {
    return "HTTP " + std::to_string(*action.response_status);
  }
  if (action.state != bgsync::ActionState::queued) return "-";
  switch (action.waiting) {
    case WaitReason::network: return "network";
    case WaitReason::paused: return "resume";
    case WaitReason::tag: return "its tag";
    case WaitReason::backoff:
      return action.next_attempt ? "backoff, " + relative_time(*action.next_attempt, reference) : "backoff";
    case WaitReason::held: return "release (held)";
    case WaitReason::blocked:
      return action.blocked_by ? "blocked by " + action.blocked_by->to_string() : "blocked";
    case WaitReason::not_before:
      return action.next_attempt ? "not before " + relative_time(*action.next_attempt, reference) : "not_before";
    case WaitReason::none: break;
  }
  return "nothing";
}

void print_table(const std::vector<bgsync::Action>& actions) {
  Table table({"ID", "STATE", "TAG", "APP", "ATTEMPTS", "WAITING FOR", "METHOD", "URL"});
  const auto reference = now();
  for (const auto& action : actions) {
    table.add_row({action.id.to_string(), std::string(bgsync::to_string(action.state)), or_dash(action.tag),
                   or_dash(action.app), std::to_string(action.attempts), waiting_for(action, reference), action.method,
                   action.url},
                  action.last_error.empty() ? std::string() : "last error: " + action.last_error);
  }
  table.print(std::cout);
}

int run_list(const ListOptions& options, const GlobalOptions& globals) {
  bgsync::ListQuery query;
  if (!options.tag.empty()) query.tag = options.tag;
  if (!options.app.empty()) query.app = options.app;
  if (!options.state.empty()) {
    query.state = bgsync::parse_action_state(options.state);
    if (!query.state) {
      return usage_error("--state must be one of queued, sending, sent, failed, cancelled (got '" + options.state +
                         "')");
    }
  }
  query.limit = options.limit;

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());

  std::vector<bgsync::Action> actions;
  bool more = false;
  for (;;) {
    auto page = client->list(query);
    if (!page) return fail(page.error());
    actions.insert(actions.end(), std::make_move_iterator(page->actions.begin()),
                   std::make_move_iterator(page->actions.end()));
    more = page->next.has_value();
    if (!more || !options.all) break;
    query.after = page->next;
  }

  if (globals.json) {
    boost::json::array array;
    array.reserve(actions.size());
    for (const auto& action : actions) array.push_back(bgsync::to_json(action, false));
    print_json(std::cout, array);
    return exit_ok;
  }
  if (actions.empty()) {
    std::cout << "no actions\n";
    return exit_ok;
  }
  print_table(actions);
  std::cout << "-- " << actions.size() << (actions.size() == 1 ? " action" : " actions")
            << (more ? " shown; more with --all or a larger --limit" : "") << '\n';
  return exit_ok;
}

}  // namespace

Command add_list(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<ListOptions>();
  auto* command = parent.add_subcommand("list", "List actions in the outbox, oldest first");
  command->description(command->get_description() + "\n\n" +
      "List actions in the outbox, oldest first, one line each (a second line shows the last error).\n"
      "WAITING FOR says what a queued action waits for: the network (its destination is unreachable),\n"
      "backoff (until its next attempt), its tag (an earlier action of the same tag goes first), resume\n"
      "(sending is paused), or nothing (it goes as soon as a slot is free); for a sent action, its HTTP status.");
  command->add_option("--tag", options->tag, "Only actions with this tag")->type_name("TAG");
  command->add_option("--state", options->state, "Only actions in this state: queued, sending, sent, failed, cancelled")
      ->type_name("STATE");
  command->add_option("--app", options->app, "Only actions enqueued by this app")->type_name("APP");
  command->add_option("--limit", options->limit, "At most N actions per page (1..1000, default 100)")
      ->check(CLI::Range(1u, 1000u).description(""))  // the help text says the range
      ->type_name("N");
  command->add_flag("--all", options->all, "Follow every page instead of stopping after the first");
  command->footer(command_footer(
      "  syncctl list\n"
      "  syncctl list --state failed\n"
      "  syncctl list --tag notes --all\n"
      "  syncctl list --json --state queued | jq -r '.[].id'"));
  return Command{command, [options, &globals] { return run_list(*options, globals); }};
}

}  // namespace syncctl
