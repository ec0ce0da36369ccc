// `syncctl periodic`: the parent of register, list, unregister and run (each in its own file), the
// helpers they share (periodic.hpp), and `periodic unregister`, which is too small for a file.

#include "syncctl/commands/periodic.hpp"

#include "syncctl/output.hpp"

#include <boost/json/object.hpp>

#include <iostream>
#include <memory>

namespace syncctl {

void add_ref_options(CLI::App& command, RefOptions& options, std::string_view tag_help) {
  command.add_option("tag", options.tag, std::string(tag_help))->required()->type_name("TAG");
  options.app_option =
      command
          .add_option("--app", options.app,
                      "The app the registration belongs to (default: syncctl, the app of registrations\n"
                      "made with `syncctl periodic register`)")
          ->type_name("APP");
}

int fail_ref(const bgsync::Error& error, const RefOptions& options) {
  if (error.code == bgsync::errc::not_found && options.app_option != nullptr && options.app_option->count() == 0) {
    return fail(bgsync::Error{error.code, error.message + " (registrations of other apps need --app APP; "
                                                          "`syncctl periodic list` shows them all)"});
  }
  return fail(error);
}

std::string registration_name(std::string_view app, std::string_view tag) {
  std::string name = "\"" + std::string(tag) + "\"";
  if (app.empty()) return name + " (default app)";
  if (app != default_periodic_app) name += " (app " + std::string(app) + ")";
  return name;
}

bool is_unknown(const bgsync::ConstraintState& state) {
  return state.reason.find("treated as satisfied") != std::string::npos || state.reason.rfind("unknown", 0) == 0;
}

namespace {

std::string constraint_text(std::string_view kind, std::string_view value, const bgsync::ConstraintState& state) {
  std::string text = std::string(kind) + " " + std::string(value) + ": ";
  if (is_unknown(state)) return text + "unknown, treated as satisfied";
  if (state.satisfied) return text + "ok";
  return text + (state.reason.empty() ? std::string("does not hold") : state.reason);
}

}  // namespace

std::vector<std::string> constraint_texts(const bgsync::PeriodicRegistration& registration) {
  std::vector<std::string> texts;
  if (registration.network != bgsync::NetworkConstraint::any) {
    texts.push_back(constraint_text("network", bgsync::to_string(registration.network), registration.network_state));
  }
  if (registration.power != bgsync::PowerConstraint::any) {
    texts.push_back(constraint_text("power", bgsync::to_string(registration.power), registration.power_state));
  }
  return texts;
}

std::vector<std::string> state_notes(const bgsync::PeriodicRegistration& registration) {
  std::vector<std::string> notes;
  if (!registration.waiting.empty()) notes.push_back("waiting: " + registration.waiting);
  if (registration.network != bgsync::NetworkConstraint::any && is_unknown(registration.network_state)) {
    notes.push_back("network state: " + registration.network_state.reason);
  }
  if (registration.power != bgsync::PowerConstraint::any && is_unknown(registration.power_state)) {
    notes.push_back("power state: " + registration.power_state.reason);
  }
  return notes;
}

namespace {

int run_unregister(const RefOptions& options, const GlobalOptions& globals) {
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  if (auto done = client->unregister_periodic(options.ref()); !done) return fail_ref(done.error(), options);
  if (globals.json) {
    print_json(std::cout, boost::json::object{{"app", options.app}, {"tag", options.tag}, {"unregistered", true}});
  } else {
    std::cout << "unregistered " << registration_name(options.app, options.tag) << '\n';
  }
  return exit_ok;
}

}  // namespace

Command add_periodic_unregister(CLI::App& periodic, const GlobalOptions& globals) {
  auto options = std::make_shared<RefOptions>();
  auto* command = periodic.add_subcommand("unregister", "Remove a periodic registration");
  command->description(command->get_description() + "\n\n" +
      "Remove the registration TAG of the app (syncctl's unless --app says otherwise): bgsyncd runs it no\n"
      "more. Exit 1 when there is no such registration.");
  add_ref_options(*command, *options, "The registration's tag");
  command->footer(command_footer(
      "  syncctl periodic unregister news\n"
      "  syncctl periodic unregister --app reader feed"));
  return Command{command, [options, &globals] { return run_unregister(*options, globals); }};
}

Command add_periodic(CLI::App& parent, const GlobalOptions& globals) {
  auto* command = parent.add_subcommand("periodic", "Fetch URLs on a schedule into a cache: register, list, run");
  command->description(command->get_description() + "\n\n" +
      "Periodic sync, as the browser's Periodic Background Sync offers it to installed web apps: bgsyncd\n"
      "fetches a URL for an app at a minimum interval, when the registration's constraints hold (an\n"
      "unmetered network, power other than the battery), and keeps the latest response in a cache that\n"
      "`syncctl cache get` and libbgsync read, so an app that starts offline shows fresh content at once.\n"
      "Conditional requests (If-None-Match, If-Modified-Since) make an unchanged resource cost no download.\n"
      "Registrations survive restarts; a run missed while offline, asleep or stopped happens once when\n"
      "conditions next allow. Each run ends with a `periodic` event (see `syncctl watch`).\n"
      "`periodic register` adds or replaces one, `periodic list` shows each with its last run, outcome,\n"
      "next run and constraint state, `periodic unregister` removes one and `periodic run` runs one now.\n"
      "Each has its own --help.");
  command->require_subcommand(1);
  const std::vector<Command> subcommands = {
      add_periodic_register(*command, globals),
      add_periodic_list(*command, globals),
      add_periodic_unregister(*command, globals),
      add_periodic_run(*command, globals),
  };
  command->footer(command_footer(
      "  syncctl periodic register news --every 15m https://example.com/news.json\n"
      "  syncctl periodic register feed --every 1h --network unmetered --power not_on_battery \\\n"
      "      -H 'Accept: application/atom+xml' https://example.com/feed.xml\n"
      "  syncctl periodic list\n"
      "  syncctl periodic run news --wait\n"
      "  syncctl cache get news\n"
      "  syncctl periodic unregister news"));
  return Command{command, [subcommands] {
                   for (const auto& sub : subcommands) {
                     if (sub.app->parsed()) return sub.run();
                   }
                   return static_cast<int>(exit_usage);  // unreachable: require_subcommand(1)
                 }};
}

}  // namespace syncctl
