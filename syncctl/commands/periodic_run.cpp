// `syncctl periodic run TAG [--wait]`: starts a run now, ignoring the interval and the constraints.
// With --wait it subscribes first (so the outcome cannot slip by), asks for the run, and waits for the
// `periodic` event of that registration: prints its outcome, status and duration; exit 1 if it failed.

#include "bgsync/async_client.hpp"
#include "syncctl/commands/async_run.hpp"
#include "syncctl/commands/periodic.hpp"
#include "syncctl/duration.hpp"
#include "syncctl/output.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <memory>

namespace syncctl {
namespace asio = boost::asio;
namespace {

struct RunOptions {
  RefOptions ref;
  bool wait = false;
  std::string timeout = "2m";
  CLI::Option* timeout_option = nullptr;
};

void print_outcome(const bgsync::Event& event, bool json) {
  if (json) {
    print_json(std::cout, bgsync::to_json(event));
    return;
  }
  std::cout << "ran " << registration_name(event.app, event.tag) << ": "
            << (event.outcome ? std::string(bgsync::to_string(*event.outcome)) : std::string("no outcome"));
  if (event.status) std::cout << ", HTTP " << *event.status;
  if (event.duration) std::cout << ", took " << format_elapsed(*event.duration);
  if (!event.error.empty()) std::cout << ": " << event.error;
  std::cout << '\n';
}

// What the deadline timer may touch: the client while the coroutine still has it.
struct Deadline {
  bgsync::AsyncClient* client = nullptr;
  bool passed = false;
};

asio::awaitable<int> run_and_wait(const RunOptions& options, std::chrono::milliseconds timeout,
                                  const GlobalOptions& globals) {
  const auto executor = co_await asio::this_coro::executor;
  auto connected = co_await bgsync::AsyncClient::connect(executor, connect_options(globals));
  if (!connected) co_return fail(connected.error());
  auto& client = **connected;

  bgsync::SubscribeArgs args;
  args.tag = options.ref.tag;
  auto subscribed = co_await client.subscribe(args);
  if (!subscribed) co_return fail(subscribed.error());
  auto started = co_await client.run_periodic(options.ref.ref());
  if (!started) co_return fail_ref(started.error(), options.ref);

  auto deadline = std::make_shared<Deadline>();
  deadline->client = &client;
  asio::steady_timer timer(executor, timeout);
  timer.async_wait([deadline](const boost::system::error_code& ec) {
    if (ec || deadline->client == nullptr) return;
    deadline->passed = true;
    deadline->client->close();  // next_event() returns connection_lost
  });
  struct Disarm {
    Deadline& deadline;
    asio::steady_timer& timer;
    ~Disarm() {
      deadline.client = nullptr;
      timer.cancel();
    }
  } disarm{*deadline, timer};

  for (;;) {
    auto event = co_await client.next_event();
    if (!event) {
      if (!deadline->passed) co_return fail(event.error());
      std::cerr << "syncctl: no outcome from bgsyncd within " << format_duration(timeout)
                << "; the run goes on (`syncctl watch --tag " << options.ref.tag << "` shows how it ends)\n";
      co_return exit_refused;
    }
    if (event->type != bgsync::EventType::periodic || event->tag != options.ref.tag || event->app != options.ref.app) {
      continue;
    }
    print_outcome(*event, globals.json);
    co_return event->outcome == bgsync::PeriodicOutcome::failed ? exit_refused : exit_ok;
  }
}

int run_waiting(const RunOptions& options, std::chrono::milliseconds timeout, const GlobalOptions& globals) {
  return run_async([&](const bool&) { return run_and_wait(options, timeout, globals); }, OnSignal::default_action);
}

int run_run(const RunOptions& options, const GlobalOptions& globals) {
  if (options.timeout_option->count() > 0 && !options.wait) return usage_error("--timeout goes with --wait");
  const auto timeout = parse_duration(options.timeout);
  if (!timeout || timeout->count() <= 0) {
    return usage_error("--timeout needs a duration such as 30s or 5m (got '" + options.timeout + "')");
  }
  if (options.wait) return run_waiting(options, *timeout, globals);

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto registration = client->run_periodic(options.ref.ref());
  if (!registration) return fail_ref(registration.error(), options.ref);
  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*registration));
  } else {
    std::cout << "started a run of " << registration_name(registration->app, registration->tag)
              << " (its outcome: `syncctl periodic run --wait`, or `syncctl watch`)\n";
  }
  return exit_ok;
}

}  // namespace

Command add_periodic_run(CLI::App& periodic, const GlobalOptions& globals) {
  auto options = std::make_shared<RunOptions>();
  auto* command = periodic.add_subcommand("run", "Run a periodic registration now, for testing");
  command->description(command->get_description() + "\n\n" +
      "Start a run of the registration TAG now, ignoring its interval and constraints (but not a pause:\n"
      "while sending is paused this fails). The run's outcome arrives as a `periodic` event. With --wait,\n"
      "syncctl subscribes first, then waits for the registration's next `periodic` event (this run's, or\n"
      "that of a run already under way) and prints its outcome (updated, not_modified or failed), the HTTP\n"
      "status and how long the run took; exit 1 when it failed or no outcome came within --timeout.");
  add_ref_options(*command, options->ref, "The registration's tag");
  command->add_flag("--wait", options->wait, "Wait for the run's outcome and print it (exit 1 if it failed)");
  options->timeout_option =
      command->add_option("--timeout", options->timeout, "With --wait: give up after this long (default: 2m)")
          ->type_name("DURATION");
  command->footer(command_footer(
      "  syncctl periodic run news\n"
      "  syncctl periodic run news --wait --timeout 30s\n"
      "  syncctl periodic run --app reader feed --wait --json | jq .outcome"));
  return Command{command, [options, &globals] { return run_run(*options, globals); }};
}

}  // namespace syncctl
