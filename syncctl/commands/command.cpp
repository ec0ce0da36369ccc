// The helpers every syncctl command shares: exit statuses for errors, stderr reporting, connecting.

#include "syncctl/commands/command.hpp"

#include <iostream>

namespace syncctl {

int exit_code_for(const bgsync::Error& error) {
  if (error.code.category() == bgsync::client_category()) {
    return bgsync::is_unreachable(error.code) ? exit_unreachable : exit_refused;
  }
  if (error.code.category() == bgsync::proto::error_category()) return exit_refused;
  // A socket path that cannot be one (too long, empty): the user's to fix.
  if (error.code == std::errc::filename_too_long || error.code == std::errc::invalid_argument) return exit_usage;
  return exit_unreachable;
}

int fail(const bgsync::Error& error) {
  std::cout.flush();
  std::cerr << "syncctl: " << error.message << '\n';
  return exit_code_for(error);
}

int usage_error(std::string_view message) {
  std::cerr << "syncctl: " << message << '\n';
  return exit_usage;
}

bgsync::ConnectOptions connect_options(const GlobalOptions& globals) {
  bgsync::ConnectOptions options;
  options.socket_path = globals.socket;
  options.client_name = "syncctl";
  return options;
}

std::optional<bgsync::ActionId> parse_id(std::string_view text) { return bgsync::ActionId::parse(text); }

std::optional<bgsync::ActionRef> parse_ref(std::string_view text) { return bgsync::ActionRef::parse(text); }

int bad_ref(std::string_view text) {
  return usage_error("'" + std::string(text) +
                     "' is not an action id (8-4-4-4-12 hex digits, as enqueue prints) or a prefix of one with at "
                     "least 8 hex digits");
}

std::string command_footer(std::string_view examples) {
  return "\nEXAMPLES\n" + std::string(examples) +
         "\n\nThe global options --socket PATH and --json work here too, before or after the command's own\n"
         "arguments (see `syncctl --help`).";
}

}  // namespace syncctl
