// `syncctl enqueue`: a curl-like command line turned into an EnqueueRequest, checked with the
// protocol's own validation before connecting, then stored by bgsyncd, or spooled when bgsyncd is
// not running (unless --no-spool). Prints the new action's id.

#include "bgsync/client.hpp"
#include "bgsync/proto/paths.hpp"
#include "bgsync/proto/spool.hpp"
#include "syncctl/commands/command.hpp"
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
  bool no_spool = false;
};

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
      "The options follow curl's where curl has a word for it.");
  add_request_options(*command, options->request);
  command->add_option("--tag", options->tag,
                      "Ordering tag: actions with the same tag are sent one at a time, in enqueue order")
      ->type_name("TAG");
  command->add_option("--app", options->app, "Who enqueued it, for filtering with `list --app` (default: syncctl)")
      ->type_name("APP");
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
      "  id=$(syncctl enqueue https://example.com/a) && syncctl show \"$id\""));
  return Command{command, [command, options, &globals] { return run_enqueue(*command, *options, globals); }};
}

}  // namespace syncctl
