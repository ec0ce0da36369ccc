// `syncctl wait ID... [--timeout DURATION]`: blocks until each action has finished and prints how it
// ended; the exit status says whether all were sent (0), one did not make it (1) or time ran out (4).
// Also the outcome helpers enqueue --wait and watch --id share (outcome.hpp).

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/commands/outcome.hpp"
#include "syncctl/duration.hpp"
#include "syncctl/output.hpp"

#include <boost/json/array.hpp>

#include <iostream>
#include <memory>

namespace syncctl {

int exit_for(const std::vector<bgsync::WaitResult>& results) {
  bool unfinished = false;
  for (const auto& result : results) {
    if (result.outcome == bgsync::WaitOutcome::unfinished) {
      unfinished = true;
    } else if (result.outcome != bgsync::WaitOutcome::sent) {
      return exit_refused;
    }
  }
  return unfinished ? exit_timeout : exit_ok;
}

void print_outcome(std::ostream& out, const bgsync::WaitResult& result) {
  out << result.id.to_string() << "  " << bgsync::to_string(result.outcome);
  if (result.outcome == bgsync::WaitOutcome::unfinished) out << "  " << bgsync::to_string(result.state);
  if (result.status) out << "  HTTP " << *result.status;
  if (!result.error.empty()) out << "  error: " << result.error;
  out << '\n';
}

CLI::Option* add_timeout_option(CLI::App& command, std::string& text) {
  return command
      .add_option("--timeout", text,
                  "Give up waiting after this long (30s, 5m, 1h30m; 0: only look); exit 4 if an\n"
                  "action is unfinished then (it goes on). Default: wait as long as it takes")
      ->type_name("DURATION");
}

std::optional<std::chrono::milliseconds> read_timeout(const CLI::Option* option, const std::string& text,
                                                      std::string& error) {
  if (option == nullptr || option->count() == 0) return std::nullopt;
  auto timeout = parse_duration(text);
  if (!timeout) error = "--timeout needs a duration such as 30s, 5m or 1h30m (got '" + text + "')";
  return timeout;
}

namespace {

struct WaitOptions {
  std::vector<std::string> ids;
  std::string timeout;
  CLI::Option* timeout_option = nullptr;
};

int run_wait(const WaitOptions& options, const GlobalOptions& globals) {
  std::vector<bgsync::WaitTarget> targets;
  for (const auto& text : options.ids) {
    auto id = parse_id(text);
    if (!id) return usage_error("'" + text + "' is not an action id (8-4-4-4-12 hex digits, as enqueue prints)");
    targets.emplace_back(*id);
  }
  std::string bad_timeout;
  const auto timeout = read_timeout(options.timeout_option, options.timeout, bad_timeout);
  if (!bad_timeout.empty()) return usage_error(bad_timeout);

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto results = client->wait(targets, timeout);
  if (!results) return fail(results.error());

  if (globals.json) {
    boost::json::array array;
    for (const auto& result : *results) array.push_back(bgsync::to_json(result));
    print_json(std::cout, array);
  } else {
    for (const auto& result : *results) print_outcome(std::cout, result);
  }
  return exit_for(*results);
}

}  // namespace

Command add_wait(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<WaitOptions>();
  auto* command = parent.add_subcommand("wait", "Wait until actions have been sent, or failed; exit status says which");
  command->description(command->get_description() + "\n\n" +
      "Block until each action has finished: sent (a 2xx), failed (a final answer such as a 4xx, or out of\n"
      "attempts), expired (its time to live passed first) or cancelled; then print one line per action, in\n"
      "the order given: ID  OUTCOME  [HTTP STATUS]  [error: TEXT], or ID  unfinished  STATE for one still\n"
      "queued or sending when --timeout ran out. With --json: an array of objects with id, outcome, state,\n"
      "status, error and seq (the event that ended it). An action that finished before the command started\n"
      "is reported at once: no outcome is missed, however early it came.\n"
      "Exit status: 0 if all were sent; 1 if any failed, expired or was cancelled (also when others are\n"
      "unfinished); 4 if the time ran out with some unfinished and none of those; 3 and 1 as for every\n"
      "command when bgsyncd is not reachable or refuses (e.g. an unknown ID).");
  command->add_option("id", options->ids, "The actions' ids, as enqueue prints them")->required()->type_name("ID");
  options->timeout_option = add_timeout_option(*command, options->timeout);
  command->footer(command_footer(
      "  syncctl wait 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a\n"
      "  syncctl wait --timeout 30s \"$a\" \"$b\" || echo \"not all sent: exit $?\"\n"
      "  id=$(syncctl enqueue https://example.com/a) && syncctl wait \"$id\""));
  return Command{command, [options, &globals] { return run_wait(*options, globals); }};
}

}  // namespace syncctl
