// `syncctl list`: the outbox as a mailq-like table (or JSON), filtered by tag, state and app. It
// never truncates silently: the table is one page and says on stderr how many more match; --json
// streams every match (or, with --limit, gives one page and the cursor for the next).

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

constexpr std::uint32_t default_page = 100;

struct ListOptions {
  std::string tag;
  std::string state;
  std::string app;
  std::uint32_t limit = default_page;
  CLI::Option* limit_option = nullptr;
  std::string after;
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

// Every match as one JSON array, written page by page as the pages arrive: 25,000 actions neither
// wait for the last page nor sit in memory together. The bytes are those of the whole array.
int stream_json(bgsync::Client& client, bgsync::ListQuery query) {
  std::cout << '[';
  bool first = true;
  for (;;) {
    auto page = client.list(query);
    if (!page) {
      std::cout << '\n';  // the array stays unfinished: a script's parser fails, as it should
      return fail(page.error());
    }
    for (const auto& action : page->actions) {
      if (!first) std::cout << ',';
      first = false;
      std::cout << boost::json::serialize(bgsync::to_json(action, false));
    }
    std::cout.flush();
    if (!page->next) break;
    query.after = page->next;
  }
  std::cout << "]\n" << std::flush;
  return exit_ok;
}

// One page and where the next one starts: {"actions":[...],"next":ID|null,"remaining":N}.
int print_json_page(bgsync::Client& client, const bgsync::ListQuery& query) {
  auto page = client.list(query);
  if (!page) return fail(page.error());
  print_json(std::cout, bgsync::to_json(*page));
  return exit_ok;
}

// The table: one page, or every page with --all. What did not fit is said on stderr, so that a
// pipe reading stdout sees only the table.
int print_text(bgsync::Client& client, bgsync::ListQuery query, bool all) {
  std::vector<bgsync::Action> actions;
  bgsync::ListPage page;
  for (;;) {
    auto got = client.list(query);
    if (!got) return fail(got.error());
    page = std::move(*got);
    actions.insert(actions.end(), std::make_move_iterator(page.actions.begin()),
                   std::make_move_iterator(page.actions.end()));
    if (!page.next || !all) break;
    query.after = page.next;
  }
  if (actions.empty()) {
    std::cout << "no actions\n";
  } else {
    print_table(actions);
    std::cout << "-- " << actions.size() << (actions.size() == 1 ? " action" : " actions") << '\n' << std::flush;
  }
  if (page.next && page.remaining != std::uint64_t{0}) {
    // A daemon older than `remaining` says only that there may be more.
    std::cerr << (page.remaining ? std::to_string(*page.remaining) + " more" : std::string("more may match"))
              << "; use --all\n";
  }
  return exit_ok;
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
  if (!options.after.empty()) {
    query.after = bgsync::ActionId::parse(options.after);
    if (!query.after) return usage_error("--after takes a whole action id, as `next` gives (got '" + options.after + "')");
  }
  const bool limited = options.limit_option->count() > 0;
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());

  if (globals.json && (options.all || !limited)) {
    query.limit = limited ? options.limit : bgsync::proto::max_list_limit;  // fewer round trips
    return stream_json(*client, query);
  }
  query.limit = options.limit;
  query.count = !options.all;
  if (globals.json) return print_json_page(*client, query);
  return print_text(*client, query, options.all);
}

}  // namespace

Command add_list(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<ListOptions>();
  auto* command = parent.add_subcommand("list", "List actions in the outbox, oldest first");
  command->description(command->get_description() + "\n\n" +
      "List actions in the outbox, oldest first, one line each (a second line shows the last error).\n"
      "WAITING FOR says what a queued action waits for: the network (its destination is unreachable),\n"
      "backoff (until its next attempt), its tag (an earlier action of the same tag goes first), resume\n"
      "(sending is paused), or nothing (it goes as soon as a slot is free); for a sent action, its HTTP status.\n"
      "\n"
      "The table shows one page (100 actions, or --limit N) and, when more match, says on stderr how\n"
      "many: \"N more; use --all\". --all shows every match. With --json, list prints a JSON array of\n"
      "every match, streamed page by page; with --json and --limit N it prints one page as\n"
      "{\"actions\":[...],\"next\":ID,\"remaining\":N}: pass `next` to --after for the following page\n"
      "(it is null on the last page).");
  command->add_option("--tag", options->tag, "Only actions with this tag")->type_name("TAG");
  command->add_option("--state", options->state, "Only actions in this state: queued, sending, sent, failed, cancelled")
      ->type_name("STATE");
  command->add_option("--app", options->app, "Only actions enqueued by this app")->type_name("APP");
  options->limit_option =
      command->add_option("--limit", options->limit, "At most N actions per page (1..1000, default 100)")
          ->check(CLI::Range(1u, 1000u).description(""))  // the help text says the range
          ->type_name("N");
  command->add_option("--after", options->after,
                      "Start after this action: the `next` id of the previous page (a whole id)")
      ->type_name("ID");
  command->add_flag("--all", options->all, "Show every match, page after page, instead of one page");
  command->footer(command_footer(
      "  syncctl list\n"
      "  syncctl list --state failed\n"
      "  syncctl list --tag notes --all\n"
      "  syncctl list --json --state queued | jq -r '.[].id'\n"
      "  syncctl list --json --limit 500 --after 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"));
  return Command{command, [options, &globals] { return run_list(*options, globals); }};
}

}  // namespace syncctl
