// What every syncctl command shares: the global options, the exit codes, connecting, and reporting
// an error as one line on stderr. Each commands/*.cpp registers its subcommand through add_*().
#pragma once

#include "bgsync/client.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace syncctl {

// Exit statuses, as documented in `syncctl --help`.
enum Exit : int {
  exit_ok = 0,
  exit_refused = 1,      // the daemon answered with an error, or sent nonsense
  exit_usage = 2,        // bad command line (also a request that fails validation before sending)
  exit_unreachable = 3,  // bgsyncd is not running, refused us, went away or did not answer
  exit_timeout = 4,      // wait, enqueue --wait: the time given ran out before the actions finished
};

// Options accepted before or after any command.
struct GlobalOptions {
  std::string socket;  // --socket; empty: BGSYNC_SOCKET, else the default path
  bool json = false;   // --json
};

// A registered subcommand and what to run when the command line selected it.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_enqueue(CLI::App& parent, const GlobalOptions& globals);
Command add_status(CLI::App& parent, const GlobalOptions& globals);
Command add_list(CLI::App& parent, const GlobalOptions& globals);
Command add_show(CLI::App& parent, const GlobalOptions& globals);
Command add_cancel(CLI::App& parent, const GlobalOptions& globals);
Command add_retry(CLI::App& parent, const GlobalOptions& globals);
Command add_pause(CLI::App& parent, const GlobalOptions& globals);
Command add_resume(CLI::App& parent, const GlobalOptions& globals);
Command add_watch(CLI::App& parent, const GlobalOptions& globals);
Command add_config(CLI::App& parent, const GlobalOptions& globals);
Command add_reload(CLI::App& parent, const GlobalOptions& globals);
Command add_paths(CLI::App& parent, const GlobalOptions& globals);
Command add_periodic(CLI::App& parent, const GlobalOptions& globals);  // register, list, unregister, run
Command add_cache(CLI::App& parent, const GlobalOptions& globals);     // get
Command add_wait(CLI::App& parent, const GlobalOptions& globals);

// ---- helpers for the commands -----------------------------------------------------------------

// Prints "syncctl: <message>" on stderr and returns the exit status the error deserves.
int fail(const bgsync::Error& error);
// Prints "syncctl: <message>" on stderr and returns exit_usage.
int usage_error(std::string_view message);
// The exit status for an error: exit_unreachable, exit_refused or exit_usage.
int exit_code_for(const bgsync::Error& error);

bgsync::ConnectOptions connect_options(const GlobalOptions& globals);

// Parses an action id given on the command line; a usage error names the argument.
std::optional<bgsync::ActionId> parse_id(std::string_view text);
// An action named on the command line: a whole id or a prefix of at least 8 hex digits, which
// the daemon resolves (it says ambiguous_id when the prefix matches more than one action).
std::optional<bgsync::ActionRef> parse_ref(std::string_view text);
// The usage error for an argument parse_ref refused: exit_usage.
int bad_ref(std::string_view text);

// The footer every subcommand's --help ends with: its examples, then a reminder of the globals.
std::string command_footer(std::string_view examples);

}  // namespace syncctl
