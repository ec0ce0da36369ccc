// The settings in effect while bgsyncd runs: what `config` reports (each value with where it came
// from), and reload — on the `reload` op or SIGHUP — which reads the config file again (the
// command line still wins) and applies what can change without a restart.
//
// What a reload applies, and from when:
//   log-level                          at once
//   retry-base, retry-max, max-attempts  to outcomes recorded from now on; a backoff already
//                                      scheduled keeps its time
//   connect-, tls-, exchange-timeout   to each stage of a request that starts from now on
//   event-retention                    at the next (hourly) pruning of the event log
//   online-, offline-debounce          to the next network change
//   probe-status, probe-body           at once, with a new check against the new expectation
//   probe-interval, probe-portal-interval, probe-timeout   from the next wait or check
//   parallel                           at once; when lowered, attempts on the wire finish first
// What needs a restart (reported in restart_needed; the old value stays in effect):
//   socket, state-dir   the daemon holds their locks, files and listening socket
//   max-size            the LMDB map is sized when the outbox is opened
//   probe-url           turning the probe on, off or to another server changes what the
//                       scheduler holds back; a restart starts from a clean verdict
// A file that cannot be read or has an error changes nothing; the error names the file and line.
//
// Threading: use it only on the io_context thread, like the parts it reconfigures.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/signal_set.hpp>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"
#include "daemon/options.hpp"

namespace bgsync::http {
class Client;
}  // namespace bgsync::http

namespace bgsync::net {
class NetworkWatcher;
}  // namespace bgsync::net

namespace bgsync::daemon {

class ConnectivityProbe;
class Scheduler;

// The running parts a reload reconfigures.
struct ReloadTargets {
  Scheduler& scheduler;
  net::NetworkWatcher& network;
  ConnectivityProbe& probe;
  http::Client& http;
};

class LiveConfig {
 public:
  // `socket` and `state_dir` are the ones in use (after defaults and socket activation);
  // `socket_source` as proto::SocketPath::source.
  LiveConfig(boost::asio::any_io_executor executor, DaemonOptions options, ReloadTargets targets,
             std::string socket, std::string socket_source, std::filesystem::path state_dir);
  LiveConfig(const LiveConfig&) = delete;
  LiveConfig& operator=(const LiveConfig&) = delete;

  // The values in effect. The object stays at the same address for the daemon's life, so a part
  // may keep a reference to a field and see reloads (event_retention does).
  const DaemonOptions& options() const noexcept { return options_; }

  // Every setting with its value, source and whether a reload can change it (the `config` reply).
  proto::ConfigInfo describe() const;

  // Reads the config file again and applies what changed (see above); logs the outcome.
  // Errors: proto::errc::bad_config, and then nothing changed.
  proto::Result<proto::ReloadResult> reload();

  // Reloads on every SIGHUP, until stop().
  void watch_sighup();
  void stop();

 private:
  void apply();
  void wait_sighup();

  DaemonOptions options_;
  ReloadTargets targets_;
  std::string socket_;
  std::string socket_source_;
  std::filesystem::path state_dir_;
  // Values found by a reload that wait for a restart, by option name (nullopt: unset).
  std::map<std::string, std::optional<std::string>, std::less<>> pending_;
  boost::asio::signal_set hup_;
};

}  // namespace bgsync::daemon
