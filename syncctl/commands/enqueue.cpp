// `syncctl enqueue`: a curl-like command line turned into an EnqueueRequest, checked with the
// protocol's own validation before connecting, then stored by bgsyncd, or spooled when bgsyncd is
// not running (unless --no-spool or --wait). Prints the new action's id; with --wait, then waits
// for it and prints how it ended (outcome.hpp).

#include "bgsync/client.hpp"
#include "bgsync/proto/paths.hpp"
#include "bgsync/proto/spool.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/commands/outcome.hpp"
#include "syncctl/commands/request_options.hpp"
#include "syncctl/output.hpp"

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

struct EnqueueOptions {
  RequestOptions request;
  std::string tag;
  std::string app = "syncctl";
  std::string url;
  bool wait = false;
  std::string timeout;
  CLI::Option* timeout_option = nullptr;
  bool no_spool = false;
};

// --wait: waits for the action just stored, from its queued event on (no outcome can slip by),
// and prints the outcome: text after the id line, JSON as {"action": .., "outcome": ..}.
int wait_for(bgsync::Client& client, const bgsync::Action& action, std::optional<std::chrono::milliseconds> timeout,
             const GlobalOptions& globals) {
  auto results = client.wait({action}, timeout);
  if (!results) return fail(results.error());
  if (globals.json) {
    print_json(std::cout, boost::json::object{{"action", bgsync::to_json(action, /*with_bodies=*/false)},
                                              {"outcome", bgsync::to_json(results->front())}});
  } else {
    print_outcome(std::cout, results->front());
  }
  return exit_for(*results);
}

int run_enqueue(const CLI::App& command, const EnqueueOptions& options, const GlobalOptions& globals) {
  auto parts = build_request(command, options.request);
  if (!parts) return usage_error(parts.error().message);
  bgsync::EnqueueRequest request;
  request.method = std::move(parts->method);
  request.url = options.url;
  request.headers = std::move(parts->headers);
  request.body = std::move(parts->body);
  request.tag = options.tag;
  request.app = options.app;
  if (auto valid = bgsync::proto::validate_enqueue(request); !valid) return usage_error(valid.error().message);
  std::string bad_timeout;
  const auto timeout = read_timeout(options.timeout_option, options.timeout, bad_timeout);
  if (!bad_timeout.empty()) return usage_error(bad_timeout);

  if (options.wait) {
    // Waiting needs a daemon to wait on: never spool then.
    auto client = bgsync::Client::connect(connect_options(globals));
    if (!client) return fail(client.error());
    auto action = client->enqueue(request);
    if (!action) return fail(action.error());
    if (!globals.json) std::cout << action->id.to_string() << std::endl;  // the id at once, for a script that gives up
    return wait_for(*client, *action, timeout, globals);
  }
  auto connect = connect_options(globals);
  connect.spool = !options.no_spool;
  auto outcome = bgsync::enqueue(request, connect);
  if (!outcome) return fail(outcome.error());

  if (globals.json) {
    // As `list --json` shows it: the enqueue result has no bodies, and "body": "" would say the
    // request had none.
    auto json = bgsync::to_json(outcome->action, /*with_bodies=*/false);
    json["spooled"] = outcome->spooled;
    print_json(std::cout, json);
  } else {
    std::cout << outcome->action.id.to_string() << '\n';
  }
  if (outcome->spooled && !globals.json) {
    // On stderr: stdout stays the id alone, for `id=$(syncctl enqueue ...)`.
    std::cout.flush();
    std::cerr << "spooled: bgsyncd is not running; it takes the request in from "
              << bgsync::proto::resolve_spool_dir("", bgsync::proto::default_state_dir()).path << " when it starts\n";
  }
  return exit_ok;
}

}  // namespace

Command add_enqueue(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<EnqueueOptions>();
  auto* command = parent.add_subcommand("enqueue", "Store an HTTP request for bgsyncd to send, now or later");
  command->description(command->get_description() + "\n\n" +
      "Store an HTTP request in bgsyncd's outbox and print the new action's id. The daemon sends it when\n"
      "the network allows, retrying with backoff; it survives restarts and crashes once this command has\n"
      "printed the id (with --json: the new action, without its body, as `list --json` shows it, and\n"
      "\"spooled\").\n"
      "When bgsyncd is not running, the request is spooled instead: written durably to the spool\n"
      "directory ($BGSYNC_SPOOL, else $XDG_STATE_HOME/bgsync/spool; `syncctl paths` shows it), from\n"
      "where the next bgsyncd to start takes it in, keeping its id, its time and its order in its tag.\n"
      "The id is printed all the same, \"spooled: bgsyncd is not running\" goes to stderr, and the exit\n"
      "status is 0. --no-spool fails instead (exit status 3).\n"
      "With --wait it then waits for the action to finish and prints its outcome on a second line (with\n"
      "--json: one object, {\"action\": ..., \"outcome\": ...}, the outcome as `syncctl wait --json` gives it).\n"
      "--wait never spools: it needs bgsyncd running.\n"
      "The options follow curl's where curl has a word for it.");
  add_request_options(*command, options->request);
  command->add_option("--tag", options->tag,
                      "Ordering tag: actions with the same tag are sent one at a time, in enqueue order")
      ->type_name("TAG");
  command->add_option("--app", options->app, "Who enqueued it, for filtering with `list --app` (default: syncctl)")
      ->type_name("APP");
  auto* wait = command->add_flag("--wait", options->wait,
                                 "Then wait until it has been sent, or failed, and print how it ended as `syncctl\n"
                                 "wait` does (exit status 0 sent, 1 failed, expired or cancelled, 4 timed out)");
  options->timeout_option = add_timeout_option(*command, options->timeout)->needs(wait);
  command->add_flag("--no-spool", options->no_spool,
                    "Fail (exit status 3) when bgsyncd is not running, rather than spool the request");
  command->add_option("url", options->url, "Absolute http:// or https:// URL")->required()->type_name("URL");
  command->footer(command_footer(
      "  syncctl enqueue https://example.com/ping\n"
      "  syncctl enqueue -d 'name=ann&age=41' https://example.com/form\n"
      "  syncctl enqueue -X PUT -H 'Content-Type: application/json' --data-binary @note.json \\\n"
      "      --tag notes https://api.example.com/notes/7\n"
      "  echo '{\"ok\":true}' | syncctl enqueue --data-binary @- -H 'Content-Type: application/json' \\\n"
      "      https://example.com/hook\n"
      "  id=$(syncctl enqueue https://example.com/a) && syncctl show \"$id\"\n"
      "  syncctl enqueue --wait --timeout 1m -d @report.json https://example.com/reports"));
  return Command{command, [command, options, &globals] { return run_enqueue(*command, *options, globals); }};
}

}  // namespace syncctl
