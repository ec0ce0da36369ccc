// The bgsyncd command line, on CLI11, with a help text that reads like a man page. The options
// come from option_table.cpp; the values they set are layered over the config file's by
// resolve_options (config_file.cpp).
#include "daemon/options.hpp"

#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "bgsync/proto/paths.hpp"
#include "daemon/config_file.hpp"
#include "daemon/option_table.hpp"

namespace bgsync::daemon {
namespace {

constexpr const char* description = R"(bgsyncd - the bgsync daemon: durable deferred HTTP requests for every app of a user.

Apps (through libbgsync) and syncctl hand bgsyncd HTTP requests to make later. bgsyncd
stores each one durably in an LMDB outbox before it answers, sends it when it can, retries
failures with exponential backoff (honouring Retry-After), keeps requests with the same tag in
order, and publishes every state change as an event. It watches the network itself (rtnetlink):
an action whose destination has no usable route waits without burning attempts, and goes out
the moment a route appears. With --probe-url it also checks for a captive portal, like
NetworkManager does, and sends nothing but to loopback while it finds one. It also runs periodic
sync registrations: fetches of a URL at a minimum interval, under constraints, into a cache
(see PERIODIC SYNC). It runs in the foreground and stops cleanly on SIGTERM or SIGINT.)";

constexpr const char* footer_files = R"(
FILES
  $XDG_CONFIG_HOME/bgsync/bgsyncd.toml  (default ~/.config/bgsync/bgsyncd.toml)   the config
      file, read at start and on reload; a missing one means the defaults. See CONFIGURATION.
  $XDG_RUNTIME_DIR/bgsync/bgsyncd.sock   the control socket (mode 0600 in a 0700 directory).
      Without XDG_RUNTIME_DIR: /tmp/bgsync-<uid>/bgsyncd.sock, whose directory must be a real
      directory owned by the user with mode 0700, or bgsyncd refuses to start.
  $XDG_STATE_HOME/bgsync/  (default ~/.local/state/bgsync/)   the outbox (LMDB, files 0600).

CONFIGURATION
  Every option above can also be set in the config file: the key is the option's name without
  "--", the value as on the command line, in quotes except for numbers. The command line wins
  over the file. An unknown key or a bad value stops the start-up with the file and line.
      # ~/.config/bgsync/bgsyncd.toml
      retry-base = "30s"
      max-attempts = 20
      probe-url = "http://nmcheck.gnome.org/check_network_status.txt"
      probe-body = "NetworkManager is online"
  SIGHUP or `syncctl reload` reads the file again and applies the changes at once, except to
  these, which need a restart (until then the old value stays in effect):
      )";

constexpr const char* footer_rest = R"(
  A file with an error changes nothing. `syncctl config` shows every value in effect and where
  it came from.

ENVIRONMENT
  BGSYNC_SOCKET      socket path when --socket is not given (also read by syncctl and libbgsync).
  SSL_CERT_FILE, SSL_CERT_DIR   override the system CA store used to verify HTTPS servers.

EXIT STATUS
  0  stopped on SIGTERM or SIGINT
  1  could not start (the message says why)
  2  usage error, or an error in the config file

CAPTIVE PORTALS
  --probe-url http://HOST/generate_204 (any URL whose answer you know; http, not https: a
  portal cannot answer an https URL, it can only break it) is fetched at start, after every
  network gain, every --probe-interval while the answer is right and every
  --probe-portal-interval while it is not. The right answer is --probe-status (default 204;
  any 2xx when only --probe-body is given) and, if given, exactly --probe-body (trailing
  whitespace ignored). Any other answer means a portal: nothing is sent except to loopback, and
  `syncctl status` says so. No answer at all is not a portal; sending is left to the network
  watch and to backoff.

PERIODIC SYNC
  A registration (`syncctl periodic register`, or libbgsync) runs when its interval has passed,
  plus a random flex of up to a tenth of it (at most 5 minutes), and only when its constraints
  hold and its destination is reachable; one that missed runs (offline, asleep, bgsyncd stopped)
  runs once, not once per missed period. Intervals below --periodic-floor are raised to it.
  Constraints come from the machine: `network unmetered` from NetworkManager's Metered property
  (guess-yes counts as metered), `power` from UPower's OnBattery, else /sys/class/power_supply
  (--power-supply-dir replaces both, for tests). Without a source the constraint counts as
  satisfied, and `syncctl periodic list` says so. A registration held by a constraint is looked
  at again every --periodic-floor (at most every 30s), and at once when the network changes.

EXAMPLES
  bgsyncd                                   run on the defaults and the config file
  bgsyncd --probe-url http://nmcheck.gnome.org/check_network_status.txt \
          --probe-body "NetworkManager is online"     check for captive portals
  bgsyncd --log-level debug                 see every attempt
  bgsyncd --config ./test.toml              another config file
  bgsyncd --socket /tmp/t/s.sock --state-dir /tmp/t/state --retry-base 100ms   a test instance
)";

// "--socket, --state-dir, --probe-url and --max-size": the options a reload cannot change.
std::string restart_only_options() {
  std::vector<std::string> names;
  for (const auto& spec : option_table()) {
    if (!spec.reloadable) names.push_back("--" + std::string(spec.name));
  }
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return text;
}

}  // namespace

ParsedOptions parse_options(int argc, char** argv) {
  CLI::App app{description, "bgsyncd"};
  app.footer(footer_files + restart_only_options() + footer_rest);
  app.set_version_flag("--version", std::string("bgsyncd ") + BGSYNC_VERSION);
  app.get_formatter()->column_width(34);
  // As with most daemons, a later --option overrides an earlier one (wrappers append to defaults).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  std::optional<std::string> config_file;
  app.add_option_function<std::string>(
         "--config", [&config_file](const std::string& path) { config_file = path; },
         "Read settings from this file, which must exist; \"\" reads none (default: see FILES)")
      ->type_name("FILE");

  // Each value is checked as it is parsed, so errors come in CLI11's usual form; it is applied
  // over the file's by resolve_options.
  const DaemonOptions defaults;
  DaemonOptions scratch;
  std::vector<std::pair<std::string, std::string>> given;
  for (const OptionSpec& spec : option_table()) {
    const std::string flag = "--" + std::string(spec.name);
    std::string help = spec.help;
    if (const auto value = spec.get(defaults); value && help.find("(default") == std::string::npos) {
      help += " (default " + *value + ")";
    }
    app.add_option_function<std::string>(
           flag,
           [&spec, &scratch, &given, flag](const std::string& text) {
             if (auto ok = spec.set(scratch, text); !ok) throw CLI::ValidationError(flag, ok.error().message);
             given.emplace_back(spec.name, text);
           },
           help)
        ->type_name(std::string(type_name(spec.type)));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version, or the error
    return code == 0 ? 0 : 2;
  }

  ConfigOrigin origin;
  // Absolute, so that a reload reads the same file whatever the working directory is by then.
  if (config_file && !config_file->empty()) {
    std::error_code ec;
    origin.file = std::filesystem::absolute(*config_file, ec);
    if (ec) origin.file = *config_file;
  } else if (!config_file) {
    origin.file = proto::default_config_file();
  }
  origin.file_explicit = config_file.has_value();
  origin.command_line = std::move(given);
  auto options = resolve_options(std::move(origin));
  if (!options) {
    std::cerr << options.error().message << '\n';  // it starts with the file:line or the --option
    return 2;
  }
  return std::move(*options);
}

}  // namespace bgsync::daemon
