// syncctl: the command line of bgsync. Builds the CLI11 app (global options, one subcommand per file
// under commands/), parses, runs the selected command and turns the outcome into an exit status.

#include "syncctl/commands/command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <optional>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef BGSYNC_VERSION
#define BGSYNC_VERSION "unknown"
#endif

namespace {

constexpr const char* footer = R"(
EXAMPLES
  syncctl enqueue -d 'msg=hello' https://example.com/inbox   store a POST; prints its id
  syncctl status                                           is the daemon up, online, paused?
  syncctl list --state queued                              what is waiting, and until when
  syncctl show ID                                          one action, response included
  syncctl show 0190c3b2-8c1e                               ... named by a unique prefix of its id
  syncctl watch --since 0                                  replay retained events, then follow
  syncctl wait ID                                          until it is sent (exit 0) or not (1)
  syncctl pause && syncctl resume                          hold and release all sending
  syncctl --json list | jq '.[] | .url'                    JSON for scripts: every action, streamed
  syncctl periodic register news --every 15m URL           fetch URL every 15 minutes, into a cache
  syncctl cache get news                                   the latest response it fetched
  syncctl config                                           the daemon's settings and their sources
  syncctl reload                                           apply an edited config file
  syncctl paths                                            socket, state dir and config file

Run `syncctl COMMAND --help` for a command's options and examples.

ENVIRONMENT
  BGSYNC_SOCKET    the daemon's socket when --socket is not given
  XDG_RUNTIME_DIR  the default socket is $XDG_RUNTIME_DIR/bgsync/bgsyncd.sock; without it,
                   /tmp/bgsync-UID/bgsyncd.sock

EXIT STATUS
  0  success
  1  the daemon refused the request or failed (its error message is printed)
  2  usage: bad options or arguments, or a request that can never be valid (e.g. an ftp:// URL)
  3  the daemon is not reachable: not running, permission denied, connection lost or timed out
  4  wait, enqueue --wait: the --timeout ran out before the actions finished)";

// Subcommand lists show each command's one-line summary; the full description (summary, blank line,
// details) appears in the command's own --help.
class HelpFormatter : public CLI::Formatter {
public:
  std::string make_subcommand(const CLI::App* sub) const override {
    const std::string& description = sub->get_description();
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(true), description.substr(0, description.find('\n')),
                             get_column_width());
    return out.str();
  }
  // A blank line between the description and the usage line, as in a man page.
  std::string make_description(const CLI::App* app) const override {
    std::string description = CLI::Formatter::make_description(app);
    return description.empty() ? description : description + "\n";
  }
};

// CLI11's messages, reworded into syncctl's one-line error format, pointing at the right --help.
std::string failure_message(const CLI::App* app, const CLI::Error& error) {
  std::string help = "syncctl";
  for (auto selected = app->get_subcommands(); !selected.empty(); selected = selected.front()->get_subcommands()) {
    help += " " + selected.front()->get_name();  // the innermost command: "syncctl periodic register"
  }
  help += " --help";
  return std::string("syncctl: ") + error.what() + " (see `" + help + "`)\n";
}

// Every subcommand, in the order `syncctl --help` lists them.
struct Registration {
  std::string_view name;
  syncctl::Command (*add)(CLI::App&, const syncctl::GlobalOptions&);
};
constexpr Registration registrations[] = {
    {"enqueue", syncctl::add_enqueue}, {"status", syncctl::add_status},   {"list", syncctl::add_list},
    {"show", syncctl::add_show},       {"cancel", syncctl::add_cancel},   {"retry", syncctl::add_retry},
    {"pause", syncctl::add_pause},     {"resume", syncctl::add_resume},   {"watch", syncctl::add_watch},
    {"config", syncctl::add_config},   {"reload", syncctl::add_reload},   {"paths", syncctl::add_paths},
    {"periodic", syncctl::add_periodic}, {"cache", syncctl::add_cache},
    {"wait", syncctl::add_wait},
};

// The subcommand the line names, when that is plain before parsing: the first word after the
// global options. syncctl runs in shell loops, and building all fourteen subcommands' options
// (strings, validators, callbacks) costs a call heap pages, each a page fault; building one does
// not. Anything less plain (no command, --help, --version, an unknown word) builds them all, so
// CLI11 answers it as before.
const Registration* named_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--socket") {
      ++i;
      continue;
    }
    if (arg == "--json" || arg.starts_with("--socket=")) continue;
    for (const auto& registration : registrations) {
      if (registration.name == arg) return &registration;
    }
    return nullptr;
  }
  return nullptr;
}

// Optimal string alignment distance: a typed command swaps two letters ("lsit") as often as it
// drops or doubles one, and each of those is one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// "syncctl: unknown command 'lsit'; did you mean 'list'? (see `syncctl --help`)": the nearest
// command within two edits, if one is.
std::string unknown_command_message(const CLI::App& parent, const std::string& prefix, std::string_view word) {
  std::string best;
  std::size_t best_distance = 3;
  for (const CLI::App* command : parent.get_subcommands([](const CLI::App*) { return true; })) {
    const std::size_t distance = edit_distance(word, command->get_name());
    if (distance < best_distance) {
      best_distance = distance;
      best = command->get_name();
    }
  }
  std::string message = "syncctl: unknown command '" + prefix + std::string(word) + "'";
  if (!best.empty()) message += "; did you mean '" + prefix + best + "'?";
  return message + " (see `syncctl " + prefix + "--help`)\n";
}

// Checked before CLI11 parses, which would say only "The following argument was not expected":
// the first word after the global options must name a command, and the word after a command that
// has its own (periodic, cache) one of those. Options other than the globals end the check:
// CLI11 judges them. Returns the message for a word that names nothing.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
  const CLI::App* parent = &app;
  std::string prefix;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (parent == &app && arg == "--socket") {
      ++i;
      continue;
    }
    if (parent == &app && (arg == "--json" || arg.starts_with("--socket="))) continue;
    if (arg.starts_with("-")) return std::nullopt;
    const CLI::App* command = nullptr;
    for (const CLI::App* sub : parent->get_subcommands([](const CLI::App*) { return true; })) {
      if (sub->check_name(std::string(arg))) command = sub;
    }
    if (command == nullptr) return unknown_command_message(*parent, prefix, arg);
    if (command->get_subcommands([](const CLI::App*) { return true; }).empty()) return std::nullopt;
    parent = command;
    prefix += std::string(arg) + " ";
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  syncctl::GlobalOptions globals;

  CLI::App app("syncctl — control bgsyncd, the Background Sync daemon: enqueue HTTP requests to be sent\n"
               "when the network allows, inspect, retry and cancel them, pause sending, follow events;\n"
               "register URLs to fetch periodically and read what they fetched.",
               "syncctl");
  auto formatter = std::make_shared<HelpFormatter>();
  formatter->column_width(32);
  app.formatter(formatter);
  app.footer(footer);
  app.set_version_flag("--version", std::string("syncctl ") + BGSYNC_VERSION, "Print syncctl's version and exit");
  app.failure_message(failure_message);
  app.require_subcommand(1);
  // Global options may come after the command's own arguments, as git and systemctl users expect:
  // subcommands inherit fallthrough and hand options they do not know to the app.
  app.fallthrough();
  app.add_option("--socket", globals.socket,
                 "The daemon's Unix socket (default: $BGSYNC_SOCKET, else\n"
                 "$XDG_RUNTIME_DIR/bgsync/bgsyncd.sock)")
      ->type_name("PATH");
  app.add_flag("--json", globals.json,
               "Print one JSON document instead of text (watch: one event object per line)");

  std::vector<syncctl::Command> commands;
  if (const Registration* named = named_command(argc, argv)) {
    commands.push_back(named->add(app, globals));
  } else {
    for (const auto& registration : registrations) commands.push_back(registration.add(app, globals));
  }

  if (auto message = unknown_command(app, argc, argv)) {
    std::cerr << *message;
    return syncctl::exit_usage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? syncctl::exit_ok : syncctl::exit_usage;
  }

  for (const auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return syncctl::exit_usage;  // unreachable: require_subcommand(1)
}
