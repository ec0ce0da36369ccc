// The steps of the scale benchmark (scale_bench.cpp), each on a bgsyncd of the benchmark's own:
// filling the outbox, timing a window of enqueues, restarting to the first send, draining a
// number of actions, and reading the daemon's memory. Every wait has a bounded deadline.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bench/nginx_server.hpp"
#include "tests/support/process_memory.hpp"
#include "bgsync/client.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/test_http_server.hpp"

namespace bgsync::bench {

// Where the actions go: nginx-light on loopback (the default target, answering 204), or,
// when nginx is not installed, the in-process test server (200 "ok").
class TargetServer {
 public:
  TargetServer();
  std::string url(std::string_view path) const;
  std::string description() const;
  // Forgets the requests received so far.
  void forget();
  // When the first request since forget() had been read (milliseconds since the Unix epoch), or
  // nullopt if none came yet.
  std::optional<double> first_request_epoch_ms() const;

 private:
  std::unique_ptr<NginxServer> nginx_;
  std::unique_ptr<bgsync::test::HttpServer> fallback_;
};

// bgsyncd as users get it (DaemonProcess's fast test retries and short timeouts put back to the
// daemon's defaults), logging at warn, or at info with `verbose`.
class ScaleDaemon {
 public:
  explicit ScaleDaemon(bool verbose);

  // Starts bgsyncd (again, on the same state dir after stop()); returns once its socket accepts.
  void start();
  // SIGTERM and wait; throws std::runtime_error, with the log, if it did not exit cleanly.
  void stop();

  Status status();
  void pause();
  void resume();
  // Waits until no action is `sending` (after pause(), attempts on the wire finish).
  void wait_quiescent();

  // The daemon's resident memory now (its pid found through its socket).
  test::ProcessMemory memory() const;

  const std::string& socket() const noexcept { return process_.socket(); }
  // The outbox's LMDB data file, in MiB.
  double data_file_mib() const;
  std::string log() const { return process_.log(); }

 private:
  Client& client();

  bgsync::test::DaemonProcess process_;
  bool verbose_;
  std::optional<Client> client_;  // reconnected after each start()
};

// `count` enqueues of `request` from 32 clients, as enqueues per second.
double enqueue_rate(ScaleDaemon& daemon, const EnqueueRequest& request, std::size_t count);

// Enqueues `count` copies of `request` from 32 clients in chunks, printing progress to stderr
// every 100,000 (`label` names the daemon). Returns the seconds it took.
double fill(ScaleDaemon& daemon, const EnqueueRequest& request, std::size_t count, const std::string& label);

struct StartupTimes {
  double first_send_ms = 0;  // spawn -> the server has read the first request
  double ready_ms = 0;       // spawn -> a client could connect (DaemonProcess polls every 10 ms)
};

// From a running, paused daemon with actions queued: resume (so the restarted daemon sends at
// once), SIGTERM, then t0 = just before spawning a new bgsyncd on the same state dir, and t1 = the
// arrival at `server` of its first request. Leaves the daemon running and paused again, so that
// only the few actions sent around the restart leave the outbox.
StartupTimes restart_to_first_send(ScaleDaemon& daemon, TargetServer& server);

// From a running, paused daemon: waits for it to be quiescent, then resumes and times until
// `count` more actions are recorded sent (all queued ones, if unset); pauses again. Returns
// actions per second from resume to that point, and forgets the server's requests.
double drain_rate(ScaleDaemon& daemon, TargetServer& server, std::optional<std::size_t> count);

}  // namespace bgsync::bench
