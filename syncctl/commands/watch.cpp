// `syncctl watch`: follows the daemon's events, one line each, flushed as printed (it gets piped).
// Runs the AsyncClient through run_async(); SIGINT/SIGTERM cancel the coroutine (exit 0), the daemon
// going away ends it with exit 3. With --id, one action's events from its first, until it finishes,
// and the exit status of `syncctl wait` (outcome.hpp).

#include "bgsync/async_client.hpp"
#include "syncctl/commands/async_run.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/commands/outcome.hpp"
#include "syncctl/duration.hpp"
#include "syncctl/output.hpp"

#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <memory>

namespace syncctl {
namespace asio = boost::asio;
namespace {

struct WatchOptions {
  std::string tag;
  std::uint64_t since = 0;
  CLI::Option* since_option = nullptr;
  std::string id;
  CLI::Option* id_option = nullptr;
};

void print_event(const bgsync::Event& event, bool json) {
  if (json) {
    print_json(std::cout, bgsync::to_json(event));
    return;
  }
  std::string type(bgsync::to_string(event.type));
  type.resize(std::max<std::size_t>(type.size(), 9), ' ');
  if (event.type == bgsync::EventType::network) {
    std::cout << format_time(event.time) << "  #" << event.seq << "  " << type << "  "
              << (event.online.value_or(true) ? "online" : "offline");
    if (!event.reason.empty()) std::cout << "  " << event.reason;
    std::cout << std::endl;
    return;
  }
  if (event.type == bgsync::EventType::periodic) {  // no action: the registration (app, tag) ran
    std::cout << format_time(event.time) << "  #" << event.seq << "  " << type << "  tag=" << event.tag
              << "  app=" << (event.app.empty() ? "\"\"" : event.app) << "  "
              << (event.outcome ? bgsync::to_string(*event.outcome) : std::string_view("-"));
    if (event.status) std::cout << "  HTTP " << *event.status;
    if (event.duration) std::cout << "  took " << format_elapsed(*event.duration);
    if (!event.error.empty()) std::cout << "  error: " << event.error;
    std::cout << std::endl;
    return;
  }
  std::cout << format_time(event.time) << "  #" << event.seq << "  " << type << "  " << event.id.to_string();
  if (!event.tag.empty()) std::cout << "  tag=" << event.tag;
  if (event.attempt > 0) std::cout << "  attempt " << event.attempt;
  if (event.status) std::cout << "  HTTP " << *event.status;
  if (event.next_attempt) std::cout << "  next " << relative_time(*event.next_attempt, now());
  if (!event.error.empty()) std::cout << "  error: " << event.error;
  std::cout << std::endl;  // flush: watch is meant to be piped
}

asio::awaitable<int> watch(const WatchOptions& options, const GlobalOptions& globals, const bool& interrupted) {
  auto connected = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor, connect_options(globals));
  if (!connected) co_return interrupted ? exit_ok : fail(connected.error());
  auto& client = **connected;

  bgsync::SubscribeArgs args;
  if (!options.tag.empty()) args.tag = options.tag;
  if (options.since_option->count() > 0) args.since = options.since;
  auto subscribed = co_await client.subscribe(args);
  if (!subscribed) co_return interrupted ? exit_ok : fail(subscribed.error());
  if (args.since && subscribed->first_seq > *args.since + 1) {
    std::cerr << "syncctl: events " << *args.since + 1 << ".." << subscribed->first_seq - 1
              << " are no longer retained; continuing from #" << subscribed->first_seq << '\n';
  }

  for (;;) {
    auto event = co_await client.next_event();
    if (!event) co_return interrupted ? exit_ok : fail(event.error());
    print_event(*event, globals.json);
  }
}

// The exit status of an action that is `state` now, as `syncctl wait` would give it.
int exit_for_state(const bgsync::ActionId& id, bgsync::ActionState state, const std::string& error) {
  bgsync::WaitResult result;
  result.id = id;
  result.state = state;
  result.outcome = bgsync::outcome_of(state, error);
  return exit_for({result});
}

// watch --id: every retained event is replayed (no tag filter, so that the replay is known to be
// over at the event numbered last_seq), and those of the action are printed, until one finishes
// it. If the replay ends without that, `reader` reads the action: if it has finished (just now, or
// long ago with its events pruned), the stream is read up to the newest seq at that look; no
// finishing event by then means they were pruned, and its state gives the exit status.
asio::awaitable<int> watch_action(const bgsync::ActionId& id, bgsync::Client& reader, const GlobalOptions& globals) {
  auto connected = co_await bgsync::AsyncClient::connect(co_await asio::this_coro::executor, connect_options(globals));
  if (!connected) co_return fail(connected.error());
  auto& client = **connected;
  bgsync::SubscribeArgs args;
  args.since = 0;
  auto subscribed = co_await client.subscribe(args);
  if (!subscribed) co_return fail(subscribed.error());
  bool replayed = subscribed->first_seq == 0 || subscribed->last_seq < subscribed->first_seq;  // nothing to replay
  std::uint64_t seen = subscribed->last_seq;  // every event up to here is in the replay
  bool looked = false;
  // The action as the look found it, when finished: its finishing event, if retained, is numbered
  // at most the newest seq then (finished_by); none by then means its events were pruned.
  std::optional<bgsync::Action> finished;
  std::uint64_t finished_by = 0;
  for (;;) {
    if (replayed && !looked) {
      looked = true;
      auto action = reader.get(id);
      if (!action) co_return fail(action.error());
      if (bgsync::is_terminal(action->state)) {
        auto status = reader.status();
        if (!status) co_return fail(status.error());
        finished = std::move(*action);
        finished_by = status->last_seq;
      }
    }
    if (finished && finished_by <= seen) {
      std::cerr << "syncctl: " << id.to_string() << " is " << bgsync::to_string(finished->state)
                << " (its events are no longer retained)\n";
      co_return exit_for_state(id, finished->state, finished->last_error);
    }
    auto event = co_await client.next_event();
    if (!event) co_return fail(event.error());
    seen = std::max(seen, event->seq);
    if (event->id == id) {
      print_event(*event, globals.json);
      const auto state = bgsync::state_after(event->type);
      if (state && bgsync::is_terminal(*state)) co_return exit_for_state(id, *state, event->error);
    }
    if (event->seq >= subscribed->last_seq) replayed = true;
  }
}

int run_watch(const WatchOptions& options, const GlobalOptions& globals) {
  if (options.id_option->count() == 0) {
    return run_async([&](const bool& interrupted) { return watch(options, globals, interrupted); }, OnSignal::stop);
  }
  const auto id = parse_id(options.id);
  if (!id) return usage_error("'" + options.id + "' is not an action id (8-4-4-4-12 hex digits, as enqueue prints)");
  auto reader = bgsync::Client::connect(connect_options(globals));
  if (!reader) return fail(reader.error());
  if (auto action = reader->get(*id); !action) return fail(action.error());  // an unknown id: say so at once
  return run_async([&](const bool&) { return watch_action(*id, *reader, globals); }, OnSignal::default_action);
}

}  // namespace

Command add_watch(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<WatchOptions>();
  auto* command = parent.add_subcommand("watch", "Follow events as they happen, one line each");
  command->description(command->get_description() + "\n\n" +
      "Print the daemon's events as they happen: queued, sending (an attempt starts), retry (with the\n"
      "error and when the next attempt is due), sent (with the HTTP status), failed, cancelled; network\n"
      "(online or offline, and why); periodic (a periodic registration ran: its outcome, updated,\n"
      "not_modified or failed, the HTTP status and how long it took). Each line is flushed at once, so\n"
      "watch can be piped. Runs until interrupted (SIGINT or SIGTERM: exit 0) or until bgsyncd goes away\n"
      "(exit 3). With --id it follows one action and exits when that has finished (sent: 0; failed,\n"
      "expired or cancelled: 1).\n"
      "Line format: TIME  #SEQ  TYPE  ID  [tag=TAG]  [attempt N]  [HTTP STATUS]  [next WHEN]  [error: TEXT];\n"
      "for periodic: TIME  #SEQ  periodic  tag=TAG  app=APP  OUTCOME  [HTTP STATUS]  [took TIME]  [error: TEXT]");
  auto* tag =
      command->add_option("--tag", options->tag, "Only events of actions (or periodic registrations) with this tag")
          ->type_name("TAG");
  options->since_option =
      command
          ->add_option("--since", options->since,
                       "First replay the retained events after sequence number N (0: all retained), then\n"
                       "follow live ones, with no gap and no duplicate between them")
          ->type_name("N");
  options->id_option =
      command
          ->add_option("--id", options->id,
                       "Follow one action: its retained events from its first, then live ones, until it\n"
                       "has finished; then exit as `syncctl wait` does: 0 sent, 1 failed, expired or\n"
                       "cancelled")
          ->type_name("ID")
          ->excludes(options->since_option)
          ->excludes(tag);
  command->footer(command_footer(
      "  syncctl watch\n"
      "  syncctl watch --id 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a && echo delivered\n"
      "  syncctl watch --tag notes --since 0\n"
      "  syncctl watch --json | jq -c 'select(.type == \"failed\")'"));
  return Command{command, [options, &globals] { return run_watch(*options, globals); }};
}

}  // namespace syncctl
