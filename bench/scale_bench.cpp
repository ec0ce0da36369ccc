// Benchmark: does bgsyncd stay fast and small with a million actions queued? It fills one daemon's
// outbox with N 1 KiB POSTs (32 clients) and measures, against small daemons holding only K in the
// same run: the enqueue rate at depth N, anonymous memory with N queued, start-up with N queued to
// the first request at the server, and the drain rate at depth N. Targets (issue 7): memory
// <= 64 MiB, start-up <= 1 s, enqueue and drain rates at N within 20% of those near empty.
#include "bench/bench_report.hpp"
#include "bench/enqueue_load.hpp"
#include "bench/scale_steps.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using bgsync::bench::Figure;
using bgsync::bench::Goal;
using bgsync::bench::ScaleDaemon;

constexpr double memory_target_mib = 64;
constexpr double startup_target_ms = 1000;
constexpr double rate_ratio_target = 0.8;  // "within 20%"
constexpr std::size_t body_bytes = 1024;

struct Options {
  std::size_t queued = 1'000'000;
  std::size_t window = 20'000;
  int runs = 5;
  bool quick = false;
  bool verbose = false;
  std::string json;
};

// 1000000 -> "1M", 20000 -> "20k", 300 -> "300": sizes in figure names.
std::string count_text(std::size_t n) {
  if (n >= 1'000'000 && n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "M";
  if (n >= 1'000 && n % 1'000 == 0) return std::to_string(n / 1'000) + "k";
  return std::to_string(n);
}

// A figure measured once (no min..max): `target`, if any, is an upper bound.
Figure single(std::string name, double value, std::string unit, std::optional<double> baseline = std::nullopt,
              std::optional<double> target = std::nullopt) {
  Figure f;
  f.name = std::move(name);
  f.value = value;
  f.unit = std::move(unit);
  f.baseline = baseline;
  f.target = target;
  f.goal = Goal::at_most;
  return f;
}

void print_samples(const std::string& label, const std::vector<double>& samples, const std::string& unit) {
  std::cout << "  " << std::left << std::setw(44) << label << std::right << std::fixed << std::setprecision(1);
  for (const double s : samples) std::cout << " " << s;
  std::cout << " " << unit << "\n";
}

// One series' samples: the large daemon's (about N queued) or the small ones' (about K).
struct Series {
  std::vector<double> enqueue_rate;
  std::vector<double> rss_anon, rss_file, vm_hwm;  // after each run's enqueues
  std::vector<std::uint64_t> depth;                // queued when the memory was read
  std::vector<double> data_file;                   // data.mdb then, MiB
  std::vector<double> first_send_ms, ready_ms;
  std::vector<double> drain_rate;
};

void read_memory(ScaleDaemon& daemon, Series& s) {
  const auto memory = daemon.memory();
  s.rss_anon.push_back(memory.rss_anon_mib);
  s.rss_file.push_back(memory.rss_file_mib);
  s.vm_hwm.push_back(memory.vm_hwm_mib);
  s.depth.push_back(daemon.status().counts[bgsync::ActionState::queued]);
  s.data_file.push_back(daemon.data_file_mib());
}

// The large daemon is filled to N - K once. Then each run pairs a fresh small daemon with it, step
// by step, so that both series see the same machine load: K enqueues into each (the large one
// reaches about N), memory, a restart of the large one to its first send, a drain of K from each
// (the large one is back at about N - K, less the few sent around its restart), and a restart of
// the small one, refilled with K first (untimed) so that a restart always has something to send.
void measure(const Options& o, bgsync::bench::TargetServer& server, const bgsync::EnqueueRequest& request,
             Series& small, Series& large, double& fill_rate) {
  using namespace bgsync::bench;
  ScaleDaemon big(o.verbose);
  big.start();
  big.pause();
  if (o.queued > o.window) {
    const std::size_t bulk = o.queued - o.window;
    fill_rate = static_cast<double>(bulk) / fill(big, request, bulk, "fill");
  }
  const auto add_startup = [](Series& s, const StartupTimes& t) {
    s.first_send_ms.push_back(t.first_send_ms);
    s.ready_ms.push_back(t.ready_ms);
  };
  for (int run = 0; run < o.runs; ++run) {
    ScaleDaemon fresh(o.verbose);
    fresh.start();
    fresh.pause();
    small.enqueue_rate.push_back(enqueue_rate(fresh, request, o.window));
    large.enqueue_rate.push_back(enqueue_rate(big, request, o.window));
    read_memory(fresh, small);
    read_memory(big, large);
    add_startup(large, restart_to_first_send(big, server));
    small.drain_rate.push_back(drain_rate(fresh, server, std::nullopt));
    large.drain_rate.push_back(drain_rate(big, server, o.window));
    enqueue_rate(fresh, request, o.window);
    add_startup(small, restart_to_first_send(fresh, server));
    if (o.verbose) std::cout << "bgsyncd log (K queued, run " << run + 1 << "):\n" << fresh.log() << "\n";
    fresh.stop();
    if (o.queued >= 100'000) std::cerr << "scale: run " << run + 1 << "/" << o.runs << " done\n";
  }
  if (o.verbose) std::cout << "bgsyncd log (N queued):\n" << big.log() << "\n";
  big.stop();
}

int run(Options o) {
  if (o.queued < o.window) {
    std::cerr << "scale: --queued must be at least --window (the large daemon holds --queued after its window)\n";
    return 2;
  }
  bgsync::bench::TargetServer server;
  const auto request = bgsync::bench::sample_post(server.url("/scale"), body_bytes);
  const std::string n = count_text(o.queued);
  const std::string k = count_text(o.window);
  std::cout << "scale: " << n << " queued 1 KiB POSTs vs " << k << ", " << o.runs
            << " runs; target: " << server.description() << "\n";

  Series small, large;
  double fill_rate = 0;
  measure(o, server, request, small, large, fill_rate);

  print_samples("enqueues/s, 32 clients, 0.." + k + " queued:", small.enqueue_rate, "/s");
  print_samples("enqueues/s, 32 clients, ~" + count_text(o.queued - o.window) + ".." + n + " queued:",
                large.enqueue_rate, "/s");
  print_samples("RssAnon, " + k + " queued:", small.rss_anon, "MiB");
  print_samples("RssAnon, ~" + n + " queued:", large.rss_anon, "MiB");
  print_samples("start-up -> first send, " + k + " queued:", small.first_send_ms, "ms");
  print_samples("start-up -> first send, ~" + n + " queued:", large.first_send_ms, "ms");
  print_samples("drain/s, " + k + " queued, all " + k + ":", small.drain_rate, "/s");
  print_samples("drain/s, ~" + n + " queued, first " + k + ":", large.drain_rate, "/s");
  std::cout << "  large daemon's queued actions at each memory read:";
  for (const auto d : large.depth) std::cout << " " << d;
  std::cout << "\n";

  using bgsync::bench::repeated;
  const auto median = [](const std::vector<double>& v) { return bgsync::bench::percentile(v, 0.5); };
  std::vector<Figure> figures;
  figures.push_back(repeated("enqueues/s (32 clients) at " + n + " queued vs near empty", large.enqueue_rate,
                             small.enqueue_rate, "/s", rate_ratio_target, Goal::ratio_at_least));
  // The first reading is the daemon that took all N enqueues: the state a long-running daemon is
  // in. Later runs read it after a restart.
  figures.push_back(single("RssAnon with " + n + " queued", large.rss_anon.front(), "MiB", median(small.rss_anon),
                           memory_target_mib));
  if (large.rss_anon.size() > 1) {
    const std::vector<double> restarted(large.rss_anon.begin() + 1, large.rss_anon.end());
    figures.push_back(repeated("RssAnon with " + n + " queued, after a restart", restarted, small.rss_anon, "MiB",
                               std::nullopt, Goal::at_most));
  }
  figures.push_back(single("RssFile with " + n + " queued", large.rss_file.front(), "MiB", median(small.rss_file)));
  figures.push_back(single("VmHWM with " + n + " queued", large.vm_hwm.front(), "MiB", median(small.vm_hwm)));
  figures.push_back(single("data.mdb with " + n + " queued", large.data_file.front(), "MiB", median(small.data_file)));
  figures.push_back(repeated("start-up with " + n + " queued → first send", large.first_send_ms, small.first_send_ms,
                             "ms", startup_target_ms, Goal::at_most));
  figures.push_back(repeated("start-up with " + n + " queued → ready", large.ready_ms, small.ready_ms, "ms",
                             std::nullopt, Goal::at_most));
  figures.push_back(repeated("drain req/s at " + n + " queued vs at " + k, large.drain_rate, small.drain_rate, "/s",
                             rate_ratio_target, Goal::ratio_at_least));
  if (fill_rate > 0) figures.push_back(single("fill enqueues/s (32 clients), 0 → " + n, fill_rate, "/s"));
  std::cout << "\n";
  bgsync::bench::print_table(std::cout, figures);
  std::cout << "note: bgsyncd with its defaults but --log-level warn; 1 KiB POSTs to " << server.description()
            << ". One large daemon is filled to " << n << " - " << k
            << " from 32 clients (the fill row); then each of " << o.runs << " runs takes a fresh small daemon"
            << " (the baseline) and the large one side by side: " << k << " enqueues into each from 32 clients"
            << " (timed; the large one reaches ~" << n << "), their memory from /proc/PID/status (RssAnon:"
               " heap and stacks; RssFile: resident LMDB and library pages) and data.mdb's size (the large"
               " daemon's rows are run 1, right after its fill; the small daemons' the median), a restart of"
               " the large one (resume, SIGTERM, t0, spawn on the same state dir; first send = the server's time"
               " of the first request, ready = a client could connect, polled every 10 ms; then pause), a drain of"
               " each (from paused and quiescent, resume, until " << k << " more are recorded sent: status counts polled every 2 ms),"
               " and a restart of the small one, refilled with " << k << " untimed\n";
  if (!o.json.empty()) bgsync::bench::write_json(o.json, figures);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"bgsyncd with a large outbox: enqueue and drain rates, memory and start-up (see bench/README.md)",
               "bgsync_bench_scale"};
  auto* queued = app.add_option("--queued", options.queued, "Actions queued in the large outbox (default 1000000)")
                     ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}));
  auto* window = app.add_option("--window", options.window, "Enqueues or sends per timed window (default 20000)")
                     ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  app.add_option("--runs", options.runs, "Repetitions of each timed step (default 5)")->check(CLI::Range(1, 100));
  app.add_flag("--quick", options.quick, "50000 queued, windows of 5000, unless given");
  app.add_option("--json", options.json, "Also write the figures to FILE as JSON")->type_name("FILE");
  app.add_flag("--verbose", options.verbose, "Run the daemons at info level and print their logs");
  CLI11_PARSE(app, argc, argv);
  if (options.quick) {
    if (queued->count() == 0) options.queued = 50'000;
    if (window->count() == 0) options.window = 5'000;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "scale: failed: " << e.what() << "\n";
    return 1;
  }
}
