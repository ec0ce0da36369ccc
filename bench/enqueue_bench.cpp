// Benchmark: how fast does bgsyncd take work durably? Durable enqueues/s from 1 client (one at a
// time, each acked after its commit) and from 32 concurrent clients, and the ack latency of 1 client
// paced at 1,000 enqueues/s (open loop). Baselines in the same run, on the same filesystem (/tmp):
// a SQLite outbox (WAL, synchronous=FULL, one commit per row), raw LMDB (one synced commit per
// item) and the flush floor (one overwrite + fdatasync per item). Targets: 1 client >= 0.9x the
// flush floor (no durable ack on this disk can beat it: docs/performance.md); 32 clients >= 40,000/s
// and >= 10x SQLite; latency p50 <= 0.5 ms, p99 <= 2 ms.
#include "bench/bench_report.hpp"
#include "bench/enqueue_load.hpp"
#include "bench/flush_floor.hpp"
#include "bench/lmdb_commit.hpp"
#include "bench/sqlite_outbox.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/test_util.hpp"

#include <CLI/CLI.hpp>

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using bgsync::bench::Goal;

constexpr double one_client_floor_ratio_target = 0.9;  // of the flush floor's rate, same run
constexpr double many_clients_rate_target = 40'000;
constexpr double many_clients_ratio_target = 10;
constexpr double latency_p50_target_ms = 0.5;
constexpr double latency_p99_target_ms = 2;
constexpr auto pace = 1ms;  // 1,000 enqueues/s
// Port 9 (discard) on loopback: a valid URL that nothing would answer. Sending is paused anyway.
constexpr const char* action_url = "http://127.0.0.1:9/inbox";
constexpr std::size_t body_bytes = 1024;

struct Options {
  std::size_t count = 20'000;
  std::size_t clients = 32;
  std::size_t latency_count = 10'000;
  bool latency_count_given = false;
  int runs = 5;
  bool quick = false;
  bool verbose = false;
  std::string json;
};

// One paced series: ack latencies (ms) from each enqueue's due time, and how the pacing itself went.
struct Paced {
  std::vector<double> latency;
  std::vector<double> wake_late;  // ms past the due time at which the loop woke up to enqueue
  std::size_t backlogged = 0;     // enqueues already due when the previous one was acked
};

// One repetition's measurements; rates in enqueues/s.
struct Run {
  double bgsync_one = 0, sqlite_one = 0, lmdb_one = 0, flush_one = 0;
  double bgsync_many = 0, sqlite_many = 0;
  Paced bgsync_paced, sqlite_paced;
  std::optional<std::uint64_t> commits_one, commits_many;  // bgsyncd's LMDB commits per series
  std::optional<bgsync::bench::DiskIo> disk_bgsync, disk_sqlite, disk_lmdb;  // during the 1-client series
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

template <class Op>
double seconds_for(std::size_t count, Op&& op) {
  const auto start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) op();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Open loop: the i-th operation is due at t0 + i * pace whatever happened before it, and its latency
// is counted from that due time, so a stall also shows in the operations that queued behind it
// (no coordinated omission). Appends latencies (ms) to `out`.
template <class Op>
void paced(std::size_t count, Op&& op, Paced& out) {
  const auto t0 = Clock::now() + pace;
  for (std::size_t i = 0; i < count; ++i) {
    const auto due = t0 + i * pace;
    if (Clock::now() < due) {
      std::this_thread::sleep_until(due);
      out.wake_late.push_back(ms(Clock::now() - due));
    } else {
      ++out.backlogged;
    }
    op();
    out.latency.push_back(ms(Clock::now() - due));
  }
}

template <class Body>
std::optional<bgsync::bench::DiskIo> disk_io_during(Body&& body) {
  const auto before = bgsync::bench::disk_io("/tmp");
  body();
  const auto after = bgsync::bench::disk_io("/tmp");
  if (!before || !after) return std::nullopt;
  return bgsync::bench::DiskIo{after->flushes - before->flushes, after->writes - before->writes,
                               after->sectors_written - before->sectors_written};
}

// The LMDB environment bgsyncd keeps in its state dir (the directory holding data.mdb).
std::optional<std::filesystem::path> find_env(const std::filesystem::path& state_dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(state_dir, ec)) {
    if (entry.path().filename() == "data.mdb") return entry.path().parent_path();
  }
  return std::nullopt;
}

// bgsyncd's LMDB commits while `body` runs (unset if its environment cannot be read).
template <class Body>
std::optional<std::uint64_t> commits_during(const std::optional<std::filesystem::path>& env, Body&& body) {
  const auto before = env ? bgsync::bench::lmdb_last_txnid(*env) : std::nullopt;
  body();
  const auto after = env ? bgsync::bench::lmdb_last_txnid(*env) : std::nullopt;
  if (!before || !after) return std::nullopt;
  return *after - *before;
}

// The LMDB floor's record: the request's bytes plus about what an outbox keeps beside them (id,
// times, state, attempts), ~1.1 KiB in all.
std::string lmdb_record(const bgsync::EnqueueRequest& request) {
  std::string record = request.method + request.url;
  for (const auto& h : request.headers) record += h.name + h.value;
  record += request.body;
  record.resize(record.size() + 64, 'm');
  return record;
}

Run measure(const Options& options, std::size_t latency_count, int n) {
  const auto request = bgsync::bench::sample_post(action_url, body_bytes);
  const std::string record = lmdb_record(request);
  bgsync::test::TempDir baseline_dir("bgsync-bench-enqueue");  // in /tmp, beside the daemon's state dir
  const auto sqlite_file = baseline_dir / "outbox.db";
  bgsync::test::DaemonProcess daemon;
  daemon.start({"--log-level", options.verbose ? "debug" : "warn"});
  auto client = daemon.client();
  if (auto paused = client.pause(); !paused) throw std::runtime_error("pause: " + paused.error().message);
  const auto env = find_env(daemon.state_dir());
  bgsync::bench::SqliteOutbox sqlite(sqlite_file);
  bgsync::bench::LmdbCommit lmdb(baseline_dir / "lmdb");
  bgsync::bench::FlushFloor flush(baseline_dir / "flush", std::size_t{64} << 20);
  const auto enqueue = [&client, &request] {
    if (auto done = client.enqueue(request); !done) throw std::runtime_error("enqueue: " + done.error().message);
  };

  Run run;
  const double count = static_cast<double>(options.count);
  run.disk_bgsync = disk_io_during([&] {
    run.commits_one = commits_during(env, [&] { run.bgsync_one = count / seconds_for(options.count, enqueue); });
  });
  run.disk_sqlite = disk_io_during(
      [&] { run.sqlite_one = count / seconds_for(options.count, [&] { sqlite.enqueue(request); }); });
  run.disk_lmdb = disk_io_during([&] { run.lmdb_one = count / seconds_for(options.count, [&] { lmdb.put(record); }); });
  run.flush_one = count / seconds_for(options.count, [&] { flush.put(record); });
  run.commits_many = commits_during(env, [&] {
    run.bgsync_many =
        count / bgsync::bench::enqueue_concurrently(daemon.socket(), request, options.count, options.clients);
  });
  run.sqlite_many =
      count / bgsync::bench::sqlite_enqueue_concurrently(sqlite_file, request, options.count, options.clients);
  paced(latency_count, enqueue, run.bgsync_paced);
  paced(latency_count, [&] { sqlite.enqueue(request); }, run.sqlite_paced);

  // Both outboxes must hold every enqueue, and bgsyncd must have sent none of them.
  const auto expected = 2 * options.count + latency_count;
  auto status = client.status();
  if (!status) throw std::runtime_error("status: " + status.error().message);
  const auto queued = status->counts[bgsync::ActionState::queued];
  if (queued != expected) {
    throw std::runtime_error("run " + std::to_string(n) + ": bgsyncd holds " + std::to_string(queued) +
                             " queued actions, expected " + std::to_string(expected) +
                             "\nbgsyncd log:\n" + daemon.log());
  }
  if (const auto rows = sqlite.count(); rows != static_cast<std::int64_t>(expected)) {
    throw std::runtime_error("run " + std::to_string(n) + ": the SQLite outbox holds " + std::to_string(rows) +
                             " rows, expected " + std::to_string(expected));
  }
  if (options.verbose) std::cout << "bgsyncd log (run " << n << "):\n" << daemon.log() << "\n";
  if (const int rc = daemon.terminate(); rc != 0) {
    throw std::runtime_error("bgsyncd exited with status " + std::to_string(rc) + "\nbgsyncd log:\n" + daemon.log());
  }
  return run;
}

std::string commits_text(const std::optional<std::uint64_t>& commits) {
  return commits ? std::to_string(*commits) : "?";
}

// "2.00 / 9.1 / 45.1" (flushes / write requests / KiB written, per item), or "?" without counters.
std::string per_item_text(const std::optional<bgsync::bench::DiskIo>& io, std::size_t items) {
  if (!io) return "?";
  const auto per = [items](std::uint64_t n) { return static_cast<double>(n) / static_cast<double>(items); };
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << per(io->flushes) << " / " << std::setprecision(1) << per(io->writes)
      << " / " << per(io->sectors_written) / 2;
  return out.str();
}

void print_run(int n, int runs, const Options& options, const Run& run) {
  using bgsync::bench::percentile;
  const auto& bg = run.bgsync_paced.latency;
  const auto& sq = run.sqlite_paced.latency;
  std::cout << std::fixed << std::setprecision(0) << "  run " << n << "/" << runs << "\n    1 client:   bgsync "
            << run.bgsync_one << "/s (" << commits_text(run.commits_one) << " LMDB commits), SQLite " << run.sqlite_one
            << "/s, raw LMDB " << run.lmdb_one << "/s, raw overwrite + fdatasync " << run.flush_one
            << "/s\n    disk flushes / writes / KiB written per enqueue (1 client): bgsync "
            << per_item_text(run.disk_bgsync, options.count) << ", SQLite "
            << per_item_text(run.disk_sqlite, options.count)
            << ", raw LMDB " << per_item_text(run.disk_lmdb, options.count) << "\n    " << std::setw(11) << std::left
            << (std::to_string(options.clients) + " clients:") << std::right << " bgsync " << run.bgsync_many << "/s ("
            << commits_text(run.commits_many) << " LMDB commits), SQLite " << run.sqlite_many << "/s\n"
            << std::setprecision(3) << "    paced at 1/ms, ack p50/p99: bgsync " << percentile(bg, 0.5) << " / "
            << percentile(bg, 0.99) << " ms, SQLite " << percentile(sq, 0.5) << " / " << percentile(sq, 0.99)
            << " ms\n";
}

// Every series of every run, pooled.
struct Pooled {
  std::vector<double> bgsync_one, sqlite_one, lmdb_one, flush_one, bgsync_many, sqlite_many, per_commit;
  std::vector<double> flushes_bgsync, flushes_sqlite, flushes_lmdb;  // per 1-client enqueue, per run
  Paced bgsync, sqlite;
};

void pool(const Paced& from, Paced& to) {
  to.latency.insert(to.latency.end(), from.latency.begin(), from.latency.end());
  to.wake_late.insert(to.wake_late.end(), from.wake_late.begin(), from.wake_late.end());
  to.backlogged += from.backlogged;
}

Pooled pool(const Options& options, const std::vector<Run>& runs) {
  Pooled p;
  for (const auto& r : runs) {
    p.bgsync_one.push_back(r.bgsync_one);
    p.sqlite_one.push_back(r.sqlite_one);
    p.lmdb_one.push_back(r.lmdb_one);
    p.flush_one.push_back(r.flush_one);
    p.bgsync_many.push_back(r.bgsync_many);
    p.sqlite_many.push_back(r.sqlite_many);
    if (r.commits_many && *r.commits_many > 0) {
      p.per_commit.push_back(static_cast<double>(options.count) / static_cast<double>(*r.commits_many));
    }
    if (r.disk_bgsync && r.disk_sqlite && r.disk_lmdb) {
      const auto per = [&](const bgsync::bench::DiskIo& io) {
        return static_cast<double>(io.flushes) / static_cast<double>(options.count);
      };
      p.flushes_bgsync.push_back(per(*r.disk_bgsync));
      p.flushes_sqlite.push_back(per(*r.disk_sqlite));
      p.flushes_lmdb.push_back(per(*r.disk_lmdb));
    }
    pool(r.bgsync_paced, p.bgsync);
    pool(r.sqlite_paced, p.sqlite);
  }
  return p;
}

std::vector<bgsync::bench::Figure> figures_of(const Options& options, const Pooled& p) {
  using bgsync::bench::repeated;
  const std::string many = std::to_string(options.clients) + " clients";
  std::vector<bgsync::bench::Figure> figures{
      repeated("enqueues/s, 1 client, one at a time, vs the flush floor (one raw overwrite + fdatasync per item)",
               p.bgsync_one, p.flush_one, "/s", one_client_floor_ratio_target, Goal::ratio_at_least),
      repeated("enqueues/s, 1 client, vs SQLite (one commit per row)", p.bgsync_one, p.sqlite_one, "/s", std::nullopt,
               Goal::at_least),
      repeated("enqueues/s, 1 client, vs raw LMDB (one durable commit per item)", p.bgsync_one, p.lmdb_one, "/s",
               std::nullopt, Goal::at_least),
      repeated("enqueues/s, " + many, p.bgsync_many, p.sqlite_many, "/s", many_clients_rate_target, Goal::at_least),
      repeated("enqueues/s, " + many + ", vs SQLite", p.bgsync_many, p.sqlite_many, "/s", many_clients_ratio_target,
               Goal::ratio_at_least),
  };
  for (auto& f : bgsync::bench::summarize("ack latency at 1,000 enqueues/s, 1 client", p.bgsync.latency,
                                          p.sqlite.latency, "ms", latency_p50_target_ms, latency_p99_target_ms)) {
    figures.push_back(std::move(f));
  }
  if (!p.flushes_bgsync.empty()) {
    const std::string what = "disk flushes per enqueue, 1 client";
    figures.push_back(repeated(what, p.flushes_bgsync, p.flushes_sqlite, "", std::nullopt, Goal::at_most));
    figures.push_back(
        repeated(what + ", vs raw LMDB", p.flushes_bgsync, p.flushes_lmdb, "", std::nullopt, Goal::at_most));
  }
  if (!p.per_commit.empty()) {
    figures.push_back(
        repeated("bgsyncd enqueues per LMDB commit, " + many, p.per_commit, {}, "", std::nullopt, Goal::at_least));
  }
  return figures;
}

// How the paced loop itself did: late wake-ups would be the harness's fault, backlog the outbox's.
std::string pacing_text(const char* who, const Paced& paced) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(0) << who << " ";
  if (!paced.wake_late.empty()) {
    out << "woke p50 " << bgsync::bench::percentile(paced.wake_late, 0.5) * 1000 << " / p99 "
        << bgsync::bench::percentile(paced.wake_late, 0.99) * 1000 << " µs after the due time, ";
  }
  out << paced.backlogged << " of " << paced.latency.size() << " enqueues were due before the previous ack";
  return out.str();
}

void print_note(const Options& options, const Pooled& p) {
  std::cout
      << "note: bgsync: one bgsyncd per run (defaults but --log-level warn; sending paused, so nothing leaves), its\n"
         "  state dir in /tmp; each enqueue is a 1 KiB POST to "
      << action_url
      << " through\n  libbgsync, acked once its journal record is flushed. "
         "1 client: one Client, one enqueue at a time. Baselines, same run,\n"
         "  same /tmp: SQLite (one table with an index, WAL, synchronous=FULL, one autocommit INSERT per row);\n"
         "  raw LMDB (default flags, one put of a ~1.1 KiB record per synced mdb_txn_commit; informational:\n"
         "  LMDB's floor); the flush floor (one pwrite of that record into a preallocated file and one fdatasync\n"
         "  per item, as bgsyncd's journal does: the floor under any durable ack here, and the 1-client target's).\n  "
      << options.clients
      << " clients: as many threads, each with its own connection (SQLite: busy_timeout 10 s). Enqueues per LMDB\n"
         "  commit: that series' enqueues / bgsyncd's LMDB write transactions meanwhile (group commit).\n"
         "  Disk flushes: flush requests the disk under /tmp completed during the 1-client series, per enqueue\n"
         "  (/sys/dev/block/.../stat; the whole disk, so other processes' writes count too).\n"
         "  Latency: 1 client, the i-th enqueue due at t0 + i ms and measured from that due time to its ack (open\n"
         "  loop, no coordinated omission), pooled over the runs.\n  "
      << pacing_text("bgsync:", p.bgsync) << "\n  " << pacing_text("SQLite:", p.sqlite) << "\n";
}

int run(Options options) {
  if (options.quick) options.count = std::min<std::size_t>(options.count, 2'000);
  // Unless given, the latency series is as long as the rate series, within 1,000 (quick) or 10,000.
  std::size_t latency_count = options.latency_count_given
                                  ? options.latency_count
                                  : std::min<std::size_t>(options.count, options.quick ? 1'000 : 10'000);
  if (options.quick) latency_count = std::min<std::size_t>(latency_count, 1'000);
  options.clients = std::min(options.clients, options.count);
  // The default 50 µs timer slack would make every paced wake-up up to that much late, and the
  // lateness would count as latency: ask for exact wake-ups.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  const std::string fs = bgsync::bench::filesystem_of("/tmp");
  std::cout << "enqueue: " << options.runs << " runs; per run " << options.count << " enqueues from 1 client, "
            << options.count << " from " << options.clients << " clients, " << latency_count
            << " paced at 1/ms; /tmp is " << fs << "\n";
  if (fs.rfind("tmpfs", 0) == 0) {
    std::cout << "warning: /tmp is tmpfs: fsync costs nothing there, so nothing is durable\n";
  }
  std::vector<Run> runs;
  for (int n = 1; n <= options.runs; ++n) {
    runs.push_back(measure(options, latency_count, n));
    print_run(n, options.runs, options, runs.back());
  }
  const auto pooled = pool(options, runs);
  const auto figures = figures_of(options, pooled);
  std::cout << "\n";
  bgsync::bench::print_table(std::cout, figures);
  print_note(options, pooled);
  if (!options.json.empty()) bgsync::bench::write_json(options.json, figures);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "Durable enqueue rate and ack latency of bgsyncd against the flush floor, SQLite and raw LMDB (see "
      "bench/README.md).",
      "bgsync_bench_enqueue"};
  app.add_option("--count", options.count, "Enqueues per rate series and run (default 20000)")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--clients", options.clients, "Concurrent clients of the many-clients series (default 32)")
      ->check(CLI::Range(1, 1024));
  auto* latency = app.add_option("--latency-count", options.latency_count,
                                 "Paced enqueues per run for the latency series (default: --count, at most 10000)")
                      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--runs", options.runs, "Repetitions; figures are medians (default 5)")->check(CLI::Range(1, 1000));
  app.add_flag("--quick", options.quick, "At most 2000 enqueues per series and 1000 paced ones");
  app.add_option("--json", options.json, "Also write the figures to FILE as JSON")->type_name("FILE");
  app.add_flag("--verbose", options.verbose, "Run bgsyncd at debug level and print its logs");
  CLI11_PARSE(app, argc, argv);
  options.latency_count_given = latency->count() > 0;
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "enqueue: failed: " << e.what() << "\n";
    return 1;
  }
}
