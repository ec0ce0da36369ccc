// `syncctl periodic list`: every periodic registration (or one app's) as a table — interval, last
// run and its outcome, the next run, the constraints and whether they hold on this machine now —
// with lines under a row for what it waits for, unknown constraint states and the last error.

#include "syncctl/commands/periodic.hpp"
#include "syncctl/duration.hpp"
#include "syncctl/output.hpp"

#include <boost/json/array.hpp>

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

struct ListOptions {
  std::string app;
  CLI::Option* app_option = nullptr;
};

std::string outcome_text(const bgsync::PeriodicRegistration& registration) {
  if (!registration.last_outcome) return "-";
  std::string text(bgsync::to_string(*registration.last_outcome));
  if (registration.last_status) text += " " + std::to_string(*registration.last_status);
  return text;
}

std::string next_text(const bgsync::PeriodicRegistration& registration, bgsync::TimePoint reference) {
  if (registration.running) return "running";
  if (registration.next_earliest <= reference) return "due";
  return relative_time(registration.next_earliest, reference);
}

std::string constraints_cell(const bgsync::PeriodicRegistration& registration) {
  const auto texts = constraint_texts(registration);
  if (texts.empty()) return "none";
  std::string cell;
  for (const auto& text : texts) cell += (cell.empty() ? "" : "; ") + text;
  return cell;
}

std::string error_note(const bgsync::PeriodicRegistration& registration) {
  if (registration.last_error.empty() || registration.last_outcome != bgsync::PeriodicOutcome::failed) return {};
  std::string note = "last error";
  if (registration.consecutive_failures > 1) {
    note += " (" + std::to_string(registration.consecutive_failures) + " failures in a row)";
  }
  return note + ": " + registration.last_error;
}

void print_table(const std::vector<bgsync::PeriodicRegistration>& registrations) {
  Table table({"TAG", "APP", "EVERY", "LAST RUN", "OUTCOME", "NEXT", "CONSTRAINTS", "URL"});
  const auto reference = now();
  for (const auto& registration : registrations) {
    auto notes = state_notes(registration);
    notes.push_back(error_note(registration));
    std::string url = registration.url;
    if (registration.method != "GET") url = registration.method + " " + url;
    table.add_row({registration.tag, or_dash(registration.app),
                   format_duration(registration.min_interval),
                   registration.last_run ? relative_time(*registration.last_run, reference) : "never",
                   outcome_text(registration), next_text(registration, reference), constraints_cell(registration),
                   url},
                  std::move(notes));
  }
  table.print(std::cout);
}

int run_list(const ListOptions& options, const GlobalOptions& globals) {
  bgsync::PeriodicListQuery query;
  if (options.app_option->count() > 0) query.app = options.app;

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto list = client->list_periodic(query);
  if (!list) return fail(list.error());

  if (globals.json) {
    boost::json::array array;
    array.reserve(list->registrations.size());
    for (const auto& registration : list->registrations) array.push_back(bgsync::to_json(registration));
    print_json(std::cout, array);
    return exit_ok;
  }
  if (list->registrations.empty()) {
    std::cout << (query.app ? "no periodic registrations of app " + *query.app : "no periodic registrations") << '\n';
    return exit_ok;
  }
  print_table(list->registrations);
  const auto count = list->registrations.size();
  std::cout << "-- " << count << (count == 1 ? " registration" : " registrations") << '\n';
  return exit_ok;
}

}  // namespace

Command add_periodic_list(CLI::App& periodic, const GlobalOptions& globals) {
  auto options = std::make_shared<ListOptions>();
  auto* command = periodic.add_subcommand("list", "List periodic registrations, their last and next runs");
  command->description(command->get_description() + "\n\n" +
      "List the periodic registrations of every app (or of --app), in (app, tag) order, one line each.\n"
      "LAST RUN is how long ago the latest run finished, OUTCOME how it ended (updated: a new body;\n"
      "not_modified: a 304 confirmed the cached one; failed) with its HTTP status, NEXT when it may run\n"
      "again (due: now, when its constraints allow; running: on the wire now). CONSTRAINTS says for each\n"
      "constraint whether it holds on this machine now (ok, or why not); a state bgsyncd cannot learn\n"
      "(no NetworkManager, no battery information) is shown as \"unknown, treated as satisfied\". Lines\n"
      "under a row say what a due registration waits for, and the last error.");
  options->app_option = command->add_option("--app", options->app, "Only the registrations of this app")->type_name("APP");
  command->footer(command_footer(
      "  syncctl periodic list\n"
      "  syncctl periodic list --app reader\n"
      "  syncctl periodic list --json | jq -r '.[] | select(.last_outcome == \"failed\") | .tag'"));
  return Command{command, [options, &globals] { return run_list(*options, globals); }};
}

}  // namespace syncctl
