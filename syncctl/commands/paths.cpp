// `syncctl paths`: the socket, state directory, spool directory and config file in use. The running daemon is
// asked; without one, syncctl computes what a bgsyncd started now with no options would use, and
// says so. Either way the exit status is 0: "where would it be" is a fair question when it is down.

#include "bgsync/client.hpp"
#include "bgsync/proto/paths.hpp"
#include "bgsync/proto/spool.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <iostream>

namespace syncctl {
namespace {

struct Paths {
  std::string socket;
  std::string state_dir;
  std::string spool_dir;
  std::optional<std::string> config_file;
  bool config_file_found = false;
  bool running = false;
  std::string note;  // why these are computed locally, when they are
};

Paths local_paths(const GlobalOptions& globals, std::string note) {
  Paths paths;
  paths.socket = bgsync::proto::resolve_socket_path(globals.socket).path;
  paths.state_dir = bgsync::proto::default_state_dir();
  paths.spool_dir = bgsync::proto::resolve_spool_dir("", paths.state_dir).path;
  paths.config_file = bgsync::proto::default_config_file();
  std::error_code ec;
  paths.config_file_found = std::filesystem::exists(*paths.config_file, ec);
  paths.note = std::move(note);
  return paths;
}

// The daemon's spool-dir setting; a daemon older than the spool has none: then where one would look.
std::string spool_dir_of(const bgsync::ConfigInfo& info) {
  for (const auto& setting : info.settings) {
    if (setting.name == "spool-dir" && setting.value) return *setting.value;
  }
  return bgsync::proto::resolve_spool_dir("", info.state_dir).path;
}

int run_paths(const GlobalOptions& globals) {
  Paths paths;
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) {
    if (!bgsync::is_unreachable(client.error().code)) return fail(client.error());
    const bool down = client.error().code == bgsync::client_errc::not_running;
    paths = local_paths(globals, (down ? std::string("bgsyncd is not running") : "bgsyncd cannot be reached (" + client.error().message + ")") +
                                     ": these are the paths a bgsyncd started now without options would use");
  } else if (auto info = client->config()) {
    paths = Paths{info->socket, info->state_dir, spool_dir_of(*info), info->config_file, info->config_file_found, true, {}};
  } else if (info.error().code == bgsync::errc::unknown_op) {
    paths = local_paths(globals, "this bgsyncd is too old to report its paths; these are the defaults");
    paths.running = true;
  } else {
    return fail(info.error());
  }

  if (globals.json) {
    boost::json::object o;
    o["socket"] = paths.socket;
    o["state_dir"] = paths.state_dir;
    o["spool_dir"] = paths.spool_dir;
    o["config_file"] = paths.config_file ? boost::json::value(*paths.config_file) : boost::json::value(nullptr);
    o["config_file_found"] = paths.config_file_found;
    o["running"] = paths.running;
    o["from_daemon"] = paths.note.empty();
    print_json(std::cout, o);
    return exit_ok;
  }
  Fields fields;
  fields.add("socket", paths.socket);
  fields.add("state dir", paths.state_dir);
  fields.add("spool dir", paths.spool_dir);
  std::string file = paths.config_file ? *paths.config_file : "none";
  if (paths.config_file && !paths.config_file_found) file += " (not found: defaults in use)";
  fields.add("config file", file);
  fields.print(std::cout);
  if (!paths.note.empty()) std::cout << '\n' << paths.note << '\n';
  return exit_ok;
}

}  // namespace

Command add_paths(CLI::App& parent, const GlobalOptions& globals) {
  auto* command = parent.add_subcommand("paths", "Show the socket, state and spool directories and config file in use");
  command->description(command->get_description() + "\n\n" +
      "Show where bgsyncd listens, keeps its outbox, takes in spooled requests (those `enqueue` stores\n"
      "while it is not running) and reads its configuration. The running daemon is asked, so options it\n"
      "was started with count. When it is not running, syncctl prints what a bgsyncd started now\n"
      "without options would use (from $BGSYNC_SOCKET, $XDG_RUNTIME_DIR, $XDG_STATE_HOME,\n"
      "$BGSYNC_SPOOL, $XDG_CONFIG_HOME and the home directory) and says so. The exit status is 0 in\n"
      "both cases; --json has \"running\" and \"from_daemon\" to tell them apart.");
  command->footer(command_footer(
      "  syncctl paths\n"
      "  syncctl paths --json | jq -r .state_dir\n"
      "  $EDITOR \"$(syncctl paths --json | jq -r .config_file)\""));
  return Command{command, [&globals] { return run_paths(globals); }};
}

}  // namespace syncctl
