// Benchmark: `syncctl enqueue` as a process, the way a shell user's loop runs it: fork/exec, one
// durable enqueue of a 1 KiB POST, exit — per call wall time. Baselines in the same run, same body
// and URL: `nq curl ...` (the figure's baseline) and `tsp curl ...`, which return once the job is
// queued. bgsyncd is paused, so nothing is sent; the queued curl jobs meet a closed port. Target
// (issue 7): p50 <= 5 ms.
#include "bench/bench_report.hpp"
#include "bgsync/client.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/test_util.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Env = std::vector<std::pair<std::string, std::string>>;

constexpr double p50_target_ms = 5;
constexpr std::size_t body_bytes = 1024;
// Port 9 (discard) on loopback: nothing listens, so the baselines' curl jobs end at once.
constexpr const char* url = "http://127.0.0.1:9/inbox";

struct Options {
  int calls = 200;
  int runs = 5;
  bool quick = false;
  bool verbose = false;
  std::string json;
};

// `name` on $PATH, or nullopt.
std::optional<fs::path> find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::vector<std::string> environment_with(const Env& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    bool overridden = false;
    for (const auto& [k, v] : extra) overridden = overridden || entry.rfind(k + "=", 0) == 0;
    if (!overridden) env.push_back(entry);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct CallTimes {
  double wall_ms = 0;
  double cpu_ms = 0;  // the process's own user + system time (not its children's): load-independent
};

double ms_of(const timeval& t) { return static_cast<double>(t.tv_sec) * 1000 + static_cast<double>(t.tv_usec) / 1000; }

// One call as a shell loop makes it: spawn, wait for exit. Output goes to /dev/null (a loop that
// captured the id would add a pipe read). Throws if it did not exit 0.
CallTimes timed_call(std::vector<std::string> argv, const Env& extra) {
  auto env = environment_with(extra);
  auto c_argv = c_strings(argv);
  auto c_env = c_strings(env);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const auto t0 = Clock::now();
  const int rc = ::posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  const auto t1 = Clock::now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // Run it again with its output captured, so the message says why.
    const auto again = bgsync::test::run_process(argv, {}, extra);
    throw std::runtime_error(argv[0] + " failed (status " + std::to_string(status) + "): " + again.err + again.out);
  }
  return {std::chrono::duration<double, std::milli>(t1 - t0).count(), ms_of(usage.ru_utime) + ms_of(usage.ru_stime)};
}

// Untimed housekeeping (waiting for queued jobs, clearing them, stopping tsp's server). Its exit
// status is not checked: `tsp -w` exits with the job's, and every curl job fails on the closed port.
void run_untimed(const std::vector<std::string>& argv, const Env& env) { bgsync::test::run_process(argv, {}, env); }

// One series: its command, environment and the housekeeping after each run's calls.
struct Series {
  std::string label;
  std::vector<std::string> argv;
  Env env;
  std::vector<std::string> settle;  // waits until the run's queued jobs are done (empty: none)
  std::vector<std::string> clear;   // forgets them (empty: none)
  std::vector<double> p50, p99;     // per run
  std::vector<double> cpu_p50;      // per run
};

Series make_series(std::string label, std::vector<std::string> argv, Env env = {}, std::vector<std::string> settle = {},
                   std::vector<std::string> clear = {}) {
  Series s;
  s.label = std::move(label);
  s.argv = std::move(argv);
  s.env = std::move(env);
  s.settle = std::move(settle);
  s.clear = std::move(clear);
  return s;
}

void record_run(Series& s, const std::vector<double>& samples) {
  s.p50.push_back(bgsync::bench::percentile(samples, 0.5));
  s.p99.push_back(bgsync::bench::percentile(samples, 0.99));
}

void measure_run(Series& s, int calls) {
  std::vector<double> samples, cpu;
  for (int i = 0; i < calls; ++i) {
    const auto times = timed_call(s.argv, s.env);
    samples.push_back(times.wall_ms);
    cpu.push_back(times.cpu_ms);
  }
  if (!s.settle.empty()) run_untimed(s.settle, s.env);
  if (!s.clear.empty()) run_untimed(s.clear, s.env);
  record_run(s, samples);
  s.cpu_p50.push_back(bgsync::bench::percentile(cpu, 0.5));
}

// The daemon's part of one call, without a process: `calls` enqueues of the same request on one
// connected Client, each timed from send to durable ack.
void measure_in_process(Series& s, bgsync::Client& client, const bgsync::EnqueueRequest& request, int calls) {
  std::vector<double> samples;
  for (int i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    auto action = client.enqueue(request);
    const auto t1 = Clock::now();
    if (!action) throw std::runtime_error("enqueue: " + action.error().message);
    samples.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  record_run(s, samples);
}

void print_series(const Series& s) {
  std::cout << "  " << std::left << std::setw(22) << s.label << std::right << std::fixed << std::setprecision(2)
            << " p50 per run:";
  for (const double v : s.p50) std::cout << " " << v;
  std::cout << " ms; p99 per run:";
  for (const double v : s.p99) std::cout << " " << v;
  if (!s.cpu_p50.empty()) {
    std::cout << " ms; CPU p50 per run:";
    for (const double v : s.cpu_p50) std::cout << " " << v;
  }
  std::cout << " ms\n";
}

int run(const Options& o) {
  const int calls = o.quick ? std::min(o.calls, 50) : o.calls;
  bgsync::test::TempDir dir("bgsync-cli");
  {
    std::ofstream file(dir / "body");
    for (std::size_t i = 0; i < body_bytes; ++i) file.put(static_cast<char>('a' + i % 26));
  }
  std::string inline_body;
  for (std::size_t i = 0; i < body_bytes; ++i) inline_body.push_back(static_cast<char>('a' + i % 26));

  bgsync::test::DaemonProcess daemon;
  // Back to bgsyncd's defaults from DaemonProcess's test ones; nothing is sent anyway.
  daemon.start({"--retry-base", "10s", "--retry-max", "1h", "--connect-timeout", "10s", "--exchange-timeout", "30s",
                "--log-level", "warn"});
  {
    auto client = daemon.client();
    if (auto paused = client.pause(); !paused) throw std::runtime_error("pause: " + paused.error().message);
  }

  std::vector<Series> series;
  series.push_back(make_series("syncctl enqueue", {BGSYNC_SYNCCTL_PATH, "--socket", daemon.socket(), "enqueue", "-X",
                                                   "POST", "-d", inline_body, url}));
  std::vector<std::string> notes;
  const auto curl = find_program("curl");
  const auto nq = find_program("nq");
  const auto tsp = find_program("tsp");
  const std::string data = "@" + (dir / "body").string();
  const auto curl_post = [&](const fs::path& queue) {
    return std::vector<std::string>{queue.string(), curl->string(), "-s", "-X", "POST", "--data-binary", data, url};
  };
  std::optional<std::size_t> nq_index, tsp_index;
  if (nq && curl) {
    fs::create_directories(dir / "nq");
    nq_index = series.size();
    series.push_back(make_series("nq curl", curl_post(*nq), {{"NQDIR", (dir / "nq").string()}}, {nq->string(), "-w"}));
  } else {
    notes.push_back("nq baseline skipped: " + std::string(nq ? "curl" : "nq") + " is not installed");
  }
  if (tsp && curl) {
    fs::create_directories(dir / "tsp");
    const Env env{{"TS_SOCKET", (dir / "tsp.sock").string()}, {"TMPDIR", (dir / "tsp").string()}};
    tsp_index = series.size();
    series.push_back(make_series("tsp curl", curl_post(*tsp), env, {tsp->string(), "-w"}, {tsp->string(), "-C"}));
  } else {
    notes.push_back("tsp baseline skipped: " + std::string(tsp ? "curl" : "tsp (task-spooler)") + " is not installed");
  }
  // Where syncctl's time goes: starting syncctl itself, and starting any process at all.
  const std::size_t version_index = series.size();
  series.push_back(make_series("syncctl --version", {BGSYNC_SYNCCTL_PATH, "--version"}));
  const auto true_program = find_program("true");
  std::optional<std::size_t> true_index;
  if (true_program) {
    true_index = series.size();
    series.push_back(make_series("true", {true_program->string()}));
  }
  // syncctl's request as the library sends it: what the daemon does per call.
  Series in_process = make_series("enqueue, in-process", {});
  bgsync::EnqueueRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};  // what curl's -d implies
  request.body = inline_body;
  request.app = "syncctl";
  auto client = daemon.client();
  const auto stop_tsp = [&] {
    if (tsp_index) run_untimed({tsp->string(), "-K"}, series.at(*tsp_index).env);
  };

  std::cout << "cli: " << calls << " calls per series and run, " << o.runs << " runs; 1 KiB POST to " << url << "\n";
  try {
    // One untimed call each: page cache, and tsp's server, which its first call starts.
    for (auto& s : series) {
      timed_call(s.argv, s.env);
      if (!s.settle.empty()) run_untimed(s.settle, s.env);
    }
    for (int r = 0; r < o.runs; ++r) {
      for (auto& s : series) measure_run(s, calls);
      measure_in_process(in_process, client, request, calls);
    }
  } catch (...) {
    stop_tsp();
    throw;
  }
  stop_tsp();
  for (const auto& s : series) print_series(s);
  print_series(in_process);
  if (o.verbose) std::cout << "bgsyncd log:\n" << daemon.log() << "\n";
  daemon.terminate();

  using bgsync::bench::Goal;
  using bgsync::bench::repeated;
  const Series& ours = series.front();
  const Series none;
  const Series& nq_series = nq_index ? series.at(*nq_index) : none;
  std::vector<bgsync::bench::Figure> figures;
  figures.push_back(repeated("syncctl enqueue per call p50", ours.p50, nq_series.p50, "ms", p50_target_ms,
                             Goal::at_most));
  figures.push_back(repeated("syncctl enqueue per call p99", ours.p99, nq_series.p99, "ms", std::nullopt,
                             Goal::at_most));
  if (tsp_index) {
    figures.push_back(repeated("syncctl enqueue per call p50 vs tsp", ours.p50, series.at(*tsp_index).p50, "ms",
                               std::nullopt, Goal::at_most));
  }
  figures.push_back(repeated("syncctl enqueue CPU per call p50", ours.cpu_p50, nq_series.cpu_p50, "ms", std::nullopt,
                             Goal::at_most));
  figures.push_back(repeated("enqueue round trip in-process p50", in_process.p50, {}, "ms", std::nullopt,
                             Goal::at_most));
  figures.push_back(repeated("syncctl --version per call p50 vs true", series.at(version_index).p50,
                             true_index ? series.at(*true_index).p50 : none.p50, "ms", std::nullopt, Goal::at_most));
  figures.push_back(repeated("syncctl --version CPU per call p50 vs true", series.at(version_index).cpu_p50,
                             true_index ? series.at(*true_index).cpu_p50 : none.cpu_p50, "ms", std::nullopt,
                             Goal::at_most));
  std::cout << "\n";
  bgsync::bench::print_table(std::cout, figures);
  std::cout << "note: per call = posix_spawn to wait4 of one process, output to /dev/null, " << calls
            << " calls in a row per series and run; each figure is the median over runs of that run's p50 (or p99),"
               " min..max across runs. syncctl: `syncctl --socket S enqueue -X POST -d <1 KiB> URL` against bgsyncd"
               " (defaults but --log-level warn), paused; each call connects, says hello, and returns after the"
               " durable commit. Baselines (same body from a file, same URL): `nq curl -s -X POST --data-binary @FILE"
               " URL` (private NQDIR) and `tsp curl ...` (private TS_SOCKET and TMPDIR, server started before"
               " timing); both return once the job is queued, and each run waits untimed for its jobs to finish"
               " (nq -w, tsp -w) before the next series. `syncctl --version` (no socket) and `true` are informational:"
               " the cost of starting syncctl, and of starting any process; `enqueue, in-process` is the same request"
               " on one connected Client in this process (send to durable ack): the daemon's share of a call. CPU ="
               " the process's own user + system time from wait4 (nq's and tsp's jobs not included), which load"
               " on the machine barely changes\n";
  for (const auto& note : notes) std::cout << "note: " << note << "\n";
  if (!o.json.empty()) bgsync::bench::write_json(o.json, figures);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"`syncctl enqueue` per call as a process, against nq and tsp with curl (see bench/README.md)",
               "bgsync_bench_cli"};
  app.add_option("--calls", options.calls, "Calls per series and run (default 200)")->check(CLI::Range(1, 100000));
  app.add_option("--runs", options.runs, "Runs (default 5)")->check(CLI::Range(1, 100));
  app.add_flag("--quick", options.quick, "At most 50 calls per series and run");
  app.add_option("--json", options.json, "Also write the figures to FILE as JSON")->type_name("FILE");
  app.add_flag("--verbose", options.verbose, "Print the daemon's log");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "cli: failed: " << e.what() << "\n";
    return 1;
  }
}
