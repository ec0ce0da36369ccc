// Benchmark: how fast does bgsyncd drain a full outbox to a local server? Each run fills a fresh
// bgsyncd with N copies of a 1 KiB POST while sending is paused, then times from the resume reply
// until status counts all N sent. The baseline is `wrk -c6` with the same request against the same
// nginx, in the same run, just before the drain. Over HTTP and HTTPS; nginx's counters also say
// how many requests came on a reused connection (the HTTPS target: at least 95%).
#include "bench/bench_report.hpp"
#include "bench/enqueue_load.hpp"
#include "bench/nginx_server.hpp"
#include "bench/wrk_runner.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/test_util.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using bgsync::bench::NginxServer;
using Clock = std::chrono::steady_clock;
using State = bgsync::ActionState;

constexpr double drain_ratio_target = 0.5;   // of wrk -c6's requests/s
constexpr double https_reuse_target = 95;    // % of requests on a reused connection
constexpr std::size_t enqueue_clients = 32;
constexpr auto status_poll = 5ms;
// A drain that makes no progress this long is broken (or waiting out a 10 s retry backoff twice).
constexpr auto stall_timeout = 30s;

struct Options {
  std::size_t count = 100'000;
  int runs = 5;
  int wrk_seconds = 5;
  int nginx_workers = 1;
  std::vector<std::string> daemon_args;  // extra bgsyncd arguments, for experiments
  bool quick = false;
  bool verbose = false;
  std::string json;
};

// bgsyncd's own defaults (daemon/options.hpp, retry_policy.hpp, http_client.hpp) where
// DaemonProcess::default_args() shortens them for tests, so that the daemon measured is the one
// users run; only the log level differs (debug lines for 100,000 sends would be measured too).
std::vector<std::string> daemon_args(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--retry-base", "10s", "--retry-max", "1h", "--connect-timeout", "10s",
                                "--exchange-timeout", "30s", "--log-level", "warn"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// What wrk sends: the enqueued request plus the headers bgsyncd adds to each send (an
// Idempotency-Key of the same length as an action id, and its User-Agent), so both put the same
// bytes on the wire, bar bgsyncd's "Connection: close" while it opens a connection per request.
bgsync::EnqueueRequest wrk_request(bgsync::EnqueueRequest request) {
  request.headers.push_back({"Idempotency-Key", "00000000-0000-7000-8000-000000000000"});
  request.headers.push_back({"User-Agent", "bgsyncd/0.1"});
  return request;
}

double reuse_percent(const NginxServer::ConnectionCounts& counts) {
  if (counts.requests == 0) return 0;
  return 100.0 * (1.0 - static_cast<double>(counts.connections) / static_cast<double>(counts.requests));
}

template <class T>
T checked(bgsync::Result<T> result, const std::string& what) {
  if (!result) throw std::runtime_error(what + ": " + result.error().message);
  return std::move(*result);
}

struct RunResult {
  double enqueue_seconds = 0;
  double drain_seconds = 0;
  double drain_rate = 0;
  NginxServer::ConnectionCounts drain_counts;
  bgsync::bench::WrkResult wrk;
  NginxServer::ConnectionCounts wrk_counts;
};

// From the resume reply until status says `count` sent; throws if any action fails or the drain
// stalls. The status op is O(1) (counts are kept in the store's meta), so polling it every 5 ms
// costs bgsyncd a few hundred cheap requests a second.
double drain(bgsync::Client& client, std::size_t count, const bgsync::test::DaemonProcess& daemon) {
  checked(client.resume(), "resume");
  const auto start = Clock::now();
  auto finish = start;
  std::uint64_t sent = 0;
  auto progressed = start;
  const bool done = bgsync::test::wait_until(
      [&] {
        const auto status = checked(client.status(), "status");
        const auto now = Clock::now();
        if (status.counts[State::failed] > 0) {
          bgsync::ListQuery failed;
          failed.state = bgsync::ActionState::failed;
          failed.limit = 1;
          const auto page = checked(client.list(failed), "list failed actions");
          throw std::runtime_error(std::to_string(status.counts[State::failed]) + " actions failed during the drain" +
                                   (page.actions.empty() ? "" : ", e.g.: " + page.actions.front().last_error) +
                                   "\nbgsyncd log:\n" + daemon.log());
        }
        if (status.counts[State::sent] >= count) {
          finish = now;
          return true;
        }
        if (status.counts[State::sent] != sent) {
          sent = status.counts[State::sent];
          progressed = now;
        } else if (now - progressed > stall_timeout) {
          throw std::runtime_error("the drain stalled: " + std::to_string(sent) + " of " + std::to_string(count) +
                                   " sent, none for 30 s (queued " + std::to_string(status.counts[State::queued]) +
                                   ", sending " + std::to_string(status.counts[State::sending]) + ")\nbgsyncd log:\n" +
                                   daemon.log());
        }
        return false;
      },
      // The stall check above is the real bound; this one only keeps the loop finite.
      start + stall_timeout + std::chrono::milliseconds(count * 100), status_poll);
  if (!done) throw std::runtime_error("the drain did not finish\nbgsyncd log:\n" + daemon.log());
  return std::chrono::duration<double>(finish - start).count();
}

// One run against one server: a fresh bgsyncd, paused and filled; wrk; then the drain.
RunResult run_once(NginxServer& nginx, std::size_t count, const bgsync::bench::WrkOptions& wrk,
                   const Options& options) {
  bgsync::test::DaemonProcess daemon;
  std::vector<std::pair<std::string, std::string>> env;
  if (!nginx.ca_file().empty()) env.emplace_back("SSL_CERT_FILE", nginx.ca_file());
  daemon.start(daemon_args(options.daemon_args), env);
  auto client = daemon.client();
  checked(client.pause(), "pause");

  RunResult result;
  const auto request = bgsync::bench::sample_post(nginx.url("/inbox"));
  result.enqueue_seconds = bgsync::bench::enqueue_concurrently(daemon.socket(), request, count, enqueue_clients);
  const auto filled = checked(client.status(), "status");
  if (filled.counts[State::queued] != count) {
    throw std::runtime_error("after enqueueing " + std::to_string(count) + " actions, bgsyncd counts " +
                             std::to_string(filled.counts[State::queued]) + " queued");
  }

  // The baseline runs while bgsyncd waits, paused, with its outbox full.
  nginx.clear_log();
  result.wrk = bgsync::bench::run_wrk(wrk_request(request), wrk);
  result.wrk_counts = nginx.connection_counts();
  if (options.verbose) std::cout << result.wrk.output;

  nginx.clear_log();
  result.drain_seconds = drain(client, count, daemon);
  result.drain_rate = static_cast<double>(count) / result.drain_seconds;
  result.drain_counts = nginx.connection_counts();
  if (result.drain_counts.requests != count) {
    std::cerr << "warning: nginx received " << result.drain_counts.requests << " requests for " << count
              << " actions (more: some were sent again after an error)\n";
  }
  if (options.verbose) {
    const auto log = daemon.log();
    if (!log.empty()) std::cout << "bgsyncd log:\n" << log << "\n";
  }
  daemon.terminate();
  return result;
}

struct Series {
  std::vector<double> drain_rate, wrk_rate, reuse, wrk_reuse;

  void add(const RunResult& r) {
    drain_rate.push_back(r.drain_rate);
    wrk_rate.push_back(r.wrk.requests_per_second);
    reuse.push_back(reuse_percent(r.drain_counts));
    wrk_reuse.push_back(reuse_percent(r.wrk_counts));
  }
};

void print_run(int run, const std::string& scheme, std::size_t count, const RunResult& r) {
  std::cout << std::fixed << std::setprecision(0) << "  run " << run << " " << std::left << std::setw(5) << scheme
            << std::right << " enqueue " << count << " in " << std::setprecision(2) << r.enqueue_seconds
            << " s; drain in " << r.drain_seconds << " s = " << std::setprecision(0) << r.drain_rate
            << " req/s on " << r.drain_counts.connections << " connections (reuse " << std::setprecision(1)
            << reuse_percent(r.drain_counts) << "%); wrk " << std::setprecision(0) << r.wrk.requests_per_second
            << " req/s, " << r.wrk.requests << " requests on " << r.wrk_counts.connections << " connections";
  if (r.wrk.socket_errors > 0) std::cout << ", " << r.wrk.socket_errors << " socket errors";
  std::cout << "\n";
}

int run(const Options& options) {
  const auto skip = [&](const std::string& why) {
    std::cout << "drain: skipped: " << why << "\n";
    if (!options.json.empty()) bgsync::bench::write_json(options.json, {});
    return 0;
  };
  if (NginxServer::binary().empty()) {
    return skip("nginx is not installed (/usr/sbin/nginx, Debian package nginx-light)");
  }
  if (bgsync::bench::wrk_binary().empty()) return skip("wrk is not installed (Debian package wrk)");

  const std::size_t count = options.quick ? std::min<std::size_t>(options.count, 10'000) : options.count;
  bgsync::bench::WrkOptions wrk;
  wrk.duration = std::chrono::seconds(options.quick ? std::min(options.wrk_seconds, 2) : options.wrk_seconds);

  // Connections are counted from nginx's counters, not an access log: a log line per request
  // would slow the server for wrk more than for a client that is slower than the server.
  NginxServer http({.tls = false, .log_requests = false, .workers = options.nginx_workers, .count_connections = true});
  NginxServer https({.tls = true, .log_requests = false, .workers = options.nginx_workers, .count_connections = true});
  std::cout << "drain: " << count << " queued 1 KiB POSTs per run, " << options.runs
            << (options.runs == 1 ? " run" : " runs") << "; nginx (" << options.nginx_workers << " worker"
            << (options.nginx_workers == 1 ? "" : "s")
            << ") at " << http.url() << " and " << https.url() << "; wrk -t" << wrk.threads << " -c"
            << wrk.connections << " -d" << wrk.duration.count() << "s\n";
  Series plain, tls;
  for (int n = 1; n <= options.runs; ++n) {
    const auto r = run_once(http, count, wrk, options);
    print_run(n, "HTTP", count, r);
    plain.add(r);
    const auto s = run_once(https, count, wrk, options);
    print_run(n, "HTTPS", count, s);
    tls.add(s);
  }

  using bgsync::bench::Goal;
  using bgsync::bench::repeated;
  const std::string what = std::to_string(count) + " queued 1 KiB POSTs to nginx";
  std::vector<bgsync::bench::Figure> figures{
      repeated("drain: " + what, plain.drain_rate, plain.wrk_rate, "req/s", drain_ratio_target, Goal::ratio_at_least),
      repeated("HTTP drain: requests on a reused connection", plain.reuse, plain.wrk_reuse, "%", std::nullopt,
               Goal::at_least),
      repeated("HTTPS drain: " + what, tls.drain_rate, tls.wrk_rate, "req/s", std::nullopt, Goal::ratio_at_least),
      repeated("HTTPS drain: requests on a reused connection", tls.reuse, tls.wrk_reuse, "%", https_reuse_target,
               Goal::at_least),
  };
  std::cout << "\n";
  bgsync::bench::print_table(std::cout, figures);
  std::cout << "note: each run starts a fresh bgsyncd (its defaults, --log-level warn), pauses it, enqueues "
            << count << " copies of one 1 KiB POST from " << enqueue_clients
            << " clients, runs the baseline, then resumes it and times from the resume reply until status counts all "
               "sent (polled every 5 ms). The baseline is wrk -t2 -c6 for "
            << wrk.duration.count()
            << " s with the same request and the headers bgsyncd adds, against the same nginx (return 204, "
               "keep-alive, no access log) while bgsyncd is paused. Reuse = 1 - connections / requests, from "
               "nginx's counters (stub_status) over that drain (or that wrk run, as its baseline). The HTTP reuse "
               "and HTTPS rate rows "
               "are informational.\n";
  if (!options.daemon_args.empty()) {
    std::cout << "note: bgsyncd ran with these extra arguments:";
    for (const auto& arg : options.daemon_args) std::cout << " " << arg;
    std::cout << "\n";
  }
  if (!options.json.empty()) bgsync::bench::write_json(options.json, figures);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Drain rate of bgsyncd's outbox to a local nginx, against wrk -c6 (see bench/README.md)",
               "bgsync_bench_drain"};
  app.add_option("--count", options.count, "Actions queued before each drain (default 100000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  app.add_option("--runs", options.runs, "Repetitions, each with a fresh bgsyncd, over HTTP and HTTPS (default 5)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--wrk-seconds", options.wrk_seconds, "Duration of each wrk baseline run (default 5)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--nginx-workers", options.nginx_workers, "nginx worker_processes (default 1)")
      ->check(CLI::Range(1, 64));
  std::string daemon_args;
  app.add_option("--daemon-args", daemon_args,
                 "Extra bgsyncd arguments, space-separated, e.g. --daemon-args='--parallel 64' (for experiments)");
  app.add_flag("--quick", options.quick, "At most 10000 actions and 2 s of wrk per run");
  app.add_option("--json", options.json, "Also write the figures to FILE as JSON")->type_name("FILE");
  app.add_flag("--verbose", options.verbose, "Print wrk's output and bgsyncd's log (warnings) of each run");
  CLI11_PARSE(app, argc, argv);
  std::istringstream words(daemon_args);
  for (std::string word; words >> word;) options.daemon_args.push_back(word);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "drain: failed: " << e.what() << "\n";
    return 1;
  }
}
