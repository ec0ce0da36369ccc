// bgsyncd's settings and its command line. Every field has a sane default, so a bare `bgsyncd`
// runs on XDG paths; tests shorten the delays.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <variant>

#include "daemon/connectivity_probe.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/retry_policy.hpp"

namespace bgsync::daemon {

struct DaemonOptions {
  std::string socket_path;               // empty: BGSYNC_SOCKET, else the XDG default
  std::filesystem::path state_dir;       // empty: default_state_dir()
  std::string log_level = "info";
  RetryPolicy retry;
  http::Timeouts timeouts;
  std::chrono::milliseconds event_retention{7LL * 24 * 3'600'000};
  std::size_t parallel = 16;             // actions in flight at once, across all tags
  std::size_t map_size_mib = 16 * 1024;  // LMDB map size: the outbox's maximum size
  // Network changes are applied after these delays: quickly when connectivity grows, slowly
  // when it shrinks, so that a brief flap does not park everything.
  std::chrono::milliseconds online_debounce{20};
  std::chrono::milliseconds offline_debounce{2000};
  // The optional captive-portal check (off unless probe.url is set).
  ProbeOptions probe;
};

// Either options to run with, or an exit code (0 after --help/--version, 2 on a usage error)
// with the text already printed.
using ParsedOptions = std::variant<DaemonOptions, int>;
ParsedOptions parse_options(int argc, char** argv);

}  // namespace bgsync::daemon
