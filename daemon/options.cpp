// The bgsyncd command line, on CLI11, with a help text that reads like a man page.
#include "daemon/options.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

#include "daemon/duration.hpp"

namespace bgsync::daemon {
namespace {

constexpr const char* description = R"(bgsyncd - the bgsync daemon: durable deferred HTTP requests for every app of a user.

Apps (through libbgsync) and syncctl hand bgsyncd HTTP requests to make later. bgsyncd
stores each one durably in an LMDB outbox before it answers, sends it when it can, retries
failures with exponential backoff (honouring Retry-After), keeps requests with the same tag in
order, and publishes every state change as an event. It watches the network itself (rtnetlink):
an action whose destination has no usable route waits without burning attempts, and goes out
the moment a route appears. With --probe-url it also checks for a captive portal, like
NetworkManager does, and sends nothing but to loopback while it finds one. It runs in the foreground and stops cleanly on SIGTERM or SIGINT.)";

constexpr const char* footer = R"(
FILES
  $XDG_RUNTIME_DIR/bgsync/bgsyncd.sock   the control socket (mode 0600 in a 0700 directory).
      Without XDG_RUNTIME_DIR: /tmp/bgsync-<uid>/bgsyncd.sock, whose directory must be a real
      directory owned by the user with mode 0700, or bgsyncd refuses to start.
  $XDG_STATE_HOME/bgsync/  (default ~/.local/state/bgsync/)   the outbox (LMDB, files 0600).

ENVIRONMENT
  BGSYNC_SOCKET      socket path when --socket is not given (also read by syncctl and libbgsync).
  SSL_CERT_FILE, SSL_CERT_DIR   override the system CA store used to verify HTTPS servers.

EXIT STATUS
  0  stopped on SIGTERM or SIGINT;  1  could not start (the message says why);  2  usage error.

CAPTIVE PORTALS
  --probe-url http://HOST/generate_204 (any URL whose answer you know; http, not https: a
  portal cannot answer an https URL, it can only break it) is fetched at start, after every
  network gain, every --probe-interval while the answer is right and every
  --probe-portal-interval while it is not. The right answer is --probe-status (default 204;
  any 2xx when only --probe-body is given) and, if given, exactly --probe-body (trailing
  whitespace ignored). Any other answer means a portal: nothing is sent except to loopback, and
  `syncctl status` says so. No answer at all is not a portal; sending is left to the network
  watch and to backoff.

EXAMPLES
  bgsyncd                                   run on the defaults
  bgsyncd --probe-url http://nmcheck.gnome.org/check_network_status.txt --probe-body "NetworkManager is online"
  bgsyncd --log-level debug                 see every attempt
  bgsyncd --socket /tmp/t/s.sock --state-dir /tmp/t/state --retry-base 100ms   a test instance
)";

// A CLI11 option that takes a duration like "250ms" or "7d".
void add_duration(CLI::App& app, const std::string& name, std::chrono::milliseconds& target, const std::string& help) {
  app.add_option_function<std::string>(
         name,
         [&target, name](const std::string& text) {
           auto d = parse_duration(text);
           if (!d) throw CLI::ValidationError(name, "expected a duration like 250ms, 10s, 5m, 2h or 7d, got \"" + text + "\"");
           target = *d;
         },
         help + " (default " + format_duration(target) + ")")
      ->type_name("DURATION");
}

}  // namespace

ParsedOptions parse_options(int argc, char** argv) {
  DaemonOptions o;
  CLI::App app{description, "bgsyncd"};
  app.footer(footer);
  app.set_version_flag("--version", std::string("bgsyncd ") + BGSYNC_VERSION);
  app.get_formatter()->column_width(34);
  // As with most daemons, a later --option overrides an earlier one (wrappers append to defaults).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  std::string state_dir;
  app.add_option("--socket", o.socket_path, "Listen on this Unix socket path (default: $BGSYNC_SOCKET, else see FILES)")
      ->type_name("PATH");
  app.add_option("--state-dir", state_dir, "Keep the outbox in this directory (default: see FILES)")->type_name("DIR");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off (default info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  add_duration(app, "--retry-base", o.retry.base, "Delay after the first failed attempt; doubles each time");
  add_duration(app, "--retry-max", o.retry.max, "Longest backoff delay");
  app.add_option("--max-attempts", o.retry.max_attempts, "Give up (state failed) after this many attempts; 0 retries for ever (default 0)");
  add_duration(app, "--connect-timeout", o.timeouts.connect, "Deadline for name resolution and TCP connect");
  add_duration(app, "--tls-timeout", o.timeouts.handshake, "Deadline for the TLS handshake");
  add_duration(app, "--exchange-timeout", o.timeouts.exchange, "Deadline for sending a request and reading its response");
  add_duration(app, "--event-retention", o.event_retention, "How long the event log keeps events for replay");
  add_duration(app, "--online-debounce", o.online_debounce, "Delay before a network change that adds connectivity is acted on");
  add_duration(app, "--offline-debounce", o.offline_debounce, "Delay before a network change that removes connectivity is acted on");
  app.add_option("--probe-url", o.probe.url, "Check for a captive portal with this URL (default: no check)")->type_name("URL");
  app.add_option("--probe-status", o.probe.expect_status, "The status a working network answers the probe with (default 204)")
      ->type_name("CODE");
  app.add_option("--probe-body", o.probe.expect_body, "The exact body a working network answers the probe with")->type_name("TEXT");
  add_duration(app, "--probe-interval", o.probe.interval, "Time between probes while the network works");
  add_duration(app, "--probe-portal-interval", o.probe.portal_interval, "Time between probes while in a portal or unanswered");
  add_duration(app, "--probe-timeout", o.probe.timeout, "A probe not answered by then counts as no answer");
  app.add_option("--parallel", o.parallel, "Actions sent at once, across tags (default 16)")->check(CLI::Range(1, 1024));
  app.add_option("--max-size", o.map_size_mib, "Largest the outbox may grow, in MiB (default 16384)")->check(CLI::Range(1, 1 << 24));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version, or the error
    return code == 0 ? 0 : 2;
  }
  if (auto valid = validate(o.probe); !valid) {
    // validate() names the setting ("probe status: ..."); say it the way it was typed.
    std::string message = valid.error().message;
    for (const auto& [setting, option] : {std::pair{"probe URL:", "--probe-url:"}, {"probe status:", "--probe-status:"},
                                         {"probe body:", "--probe-body:"}, {"probe interval:", "--probe-interval:"},
                                         {"probe timeout:", "--probe-timeout:"}}) {
      if (message.rfind(setting, 0) == 0) message = option + message.substr(std::string_view(setting).size());
    }
    std::cerr << message << "\nRun with --help for more information.\n";
    return 2;
  }
  o.state_dir = state_dir;
  return o;
}

}  // namespace bgsync::daemon
