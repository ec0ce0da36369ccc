// `syncctl watch`: follows the daemon's events, one line each, flushed as printed (it gets piped).
// Runs an io_context with the AsyncClient; SIGINT/SIGTERM cancel the coroutine (exit 0), the daemon
// going away ends it with exit 3.

#include "bgsync/async_client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>

#include <csignal>
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
  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::cancellation_signal stop;
  bool interrupted = false;
  int status = exit_ok;

  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    interrupted = true;
    stop.emit(asio::cancellation_type::terminal);
  });
  asio::co_spawn(io, watch(options, globals, interrupted),
                 asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr error, int result) {
                   signals.cancel();
                   if (!error) {
                     status = result;
                     return;
                   }
                   try {
                     std::rethrow_exception(error);
                   } catch (const boost::system::system_error& e) {
                     // Asio throws from a co_await once the coroutine has been cancelled.
                     status = interrupted ? exit_ok : fail({e.code(), e.what()});
                   } catch (const std::exception& e) {
                     status = fail({std::make_error_code(std::errc::io_error), e.what()});
                   }
                 }));
  io.run();
  return status;
}

}  // namespace

Command add_watch(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<WatchOptions>();
  auto* command = parent.add_subcommand("watch", "Follow events as they happen, one line each");
  command->description(command->get_description() + "\n\n" +
      "Print the daemon's events as they happen: queued, sending (an attempt starts), retry (with the\n"
      "error and when the next attempt is due), sent (with the HTTP status), failed, cancelled. Each line\n"
      "is flushed at once, so watch can be piped. Runs until interrupted (SIGINT or SIGTERM: exit 0) or\n"
      "until bgsyncd goes away (exit 3).\n"
      "Line format: TIME  #SEQ  TYPE  ID  [tag=TAG]  [attempt N]  [HTTP STATUS]  [next WHEN]  [error: TEXT]");
  command->add_option("--tag", options->tag, "Only events of actions with this tag")->type_name("TAG");
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
