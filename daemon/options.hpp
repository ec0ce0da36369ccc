// bgsyncd's settings: the values (every field has a sane default, so a bare `bgsyncd` runs on XDG
// paths; tests shorten the delays), where each came from, and the command line that sets them.
// The options themselves are listed once, in option_table.cpp; the config file is config_file.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/connectivity_probe.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/retry_policy.hpp"

namespace bgsync::daemon {

// Where one setting's value came from.
struct ValueSource {
  enum class Kind { default_value, file, command_line };
  Kind kind = Kind::default_value;
  int line = 0;  // in the config file, for Kind::file
};

// What start-up learnt besides the values: where each came from, and what a reload needs to read
// the same layers again (defaults < config file < command line).
struct ConfigOrigin {
  std::filesystem::path file;   // the config file: --config, else the XDG default (empty: none)
  bool file_explicit = false;   // given with --config: then it must exist
  bool file_found = false;      // it existed when last read
  std::vector<std::pair<std::string, std::string>> command_line;  // option name (no dashes), text as given
  std::map<std::string, ValueSource, std::less<>> sources;        // by option name; absent: default
};

struct DaemonOptions {
  std::string socket_path;               // empty: BGSYNC_SOCKET, else the XDG default
  std::filesystem::path state_dir;       // empty: default_state_dir()
  std::filesystem::path spool_dir;       // empty: BGSYNC_SPOOL, else <state dir>/spool
  std::string log_level = "info";
  RetryPolicy retry;
  http::Timeouts timeouts;
  std::chrono::milliseconds event_retention{7LL * 24 * 3'600'000};
  // An action that asks for no ttl of its own expires this long after its enqueue.
  std::chrono::milliseconds default_ttl{7LL * 24 * 3'600'000};
  // Requests on the wire at once, across all tags and servers. 32 rather than 16: a backlog drains
  // 14% faster to one server (docs/performance.md, "Drain"), and servers take that many from one client
  // (Postfix allows 20 deliveries to one destination; HTTP/2 servers 100 or more streams).
  std::size_t parallel = 32;
  std::size_t map_size_mib = 16 * 1024;  // LMDB map size: the outbox's maximum size
  // Network changes are applied after these delays: quickly when connectivity grows, slowly
  // when it shrinks, so that a brief flap does not park everything.
  std::chrono::milliseconds online_debounce{20};
  std::chrono::milliseconds offline_debounce{2000};
  // The optional captive-portal check (off unless probe.url is set).
  ProbeOptions probe;
  // Periodic sync: registrations asking for a shorter interval get this one, to protect servers.
  std::chrono::milliseconds periodic_floor{60'000};
  // Empty: battery state from UPower, else /sys/class/power_supply. Set (tests, containers): only
  // this sysfs-like directory.
  std::filesystem::path power_supply_dir;

  ConfigOrigin origin;
};

// Either options to run with, or an exit code (0 after --help/--version, 2 on a usage error or a
// bad config file) with the text already printed.
using ParsedOptions = std::variant<DaemonOptions, int>;
ParsedOptions parse_options(int argc, char** argv);

}  // namespace bgsync::daemon
