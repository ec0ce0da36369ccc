// `syncctl watch`: follows the daemon's events, one line each, flushed as printed (it gets piped).
// Runs the AsyncClient through run_async(); SIGINT/SIGTERM cancel the coroutine (exit 0), the daemon
// going away ends it with exit 3.

#include "bgsync/async_client.hpp"
#include "syncctl/commands/async_run.hpp"
#include "syncctl/commands/command.hpp"
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

int run_watch(const WatchOptions& options, const GlobalOptions& globals) {
  return run_async([&](const bool& interrupted) { return watch(options, globals, interrupted); }, OnSignal::stop);
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
      "(exit 3).\n"
      "Line format: TIME  #SEQ  TYPE  ID  [tag=TAG]  [attempt N]  [HTTP STATUS]  [next WHEN]  [error: TEXT];\n"
      "for periodic: TIME  #SEQ  periodic  tag=TAG  app=APP  OUTCOME  [HTTP STATUS]  [took TIME]  [error: TEXT]");
  command->add_option("--tag", options->tag, "Only events of actions (or periodic registrations) with this tag")
      ->type_name("TAG");
  options->since_option =
      command
          ->add_option("--since", options->since,
                       "First replay the retained events after sequence number N (0: all retained), then\n"
                       "follow live ones, with no gap and no duplicate between them")
          ->type_name("N");
  command->footer(command_footer(
      "  syncctl watch\n"
      "  syncctl watch --tag notes --since 0\n"
      "  syncctl watch --json | jq -c 'select(.type == \"failed\")'"));
  return Command{command, [options, &globals] { return run_watch(*options, globals); }};
}

}  // namespace syncctl
