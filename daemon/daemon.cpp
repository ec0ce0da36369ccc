// bgsyncd's start-up, main loop and shutdown.
//
// Start-up order matters: take the instance locks before touching the socket path (so a second
// daemon never removes a live one's socket), open and recover the outbox before listening (so
// the first client already sees recovered actions), then listen and start sending.
// Shutdown: stop accepting, stop reading new requests, let requests in progress finish (their
// commits included) and their replies go out, abort HTTP attempts on the wire (they stay
// `sending` and are queued again at the next start), all within a few seconds.
#include "daemon/daemon.hpp"

#include <csignal>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bgsync/proto/paths.hpp"
#include "bgsync/proto/spool.hpp"
#include "daemon/control_server.hpp"
#include "daemon/duration.hpp"
#include "daemon/connectivity_probe.hpp"
#include "daemon/event_hub.hpp"
#include "daemon/fd_budget.hpp"
#include "daemon/clock.hpp"
#include "daemon/id_generator.hpp"
#include "daemon/live_config.hpp"
#include "daemon/net/network_watcher.hpp"
#include "daemon/periodic_scheduler.hpp"
#include "daemon/runtime_paths.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/send_gate.hpp"
#include "daemon/services.hpp"
#include "daemon/spool_intake.hpp"
#include "daemon/socket_activation.hpp"
#include "daemon/store/commit_queue.hpp"
#include "daemon/store/outbox.hpp"
#include "daemon/systemd_notify.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto shutdown_grace = 3s;
constexpr auto prune_interval = 1h;

// Drops events past their retention, in bounded steps so the writer never holds a long txn.
// `retention` is read each round: a reload may change it.
asio::awaitable<void> prune_events(store::CommitQueue& commits, const std::chrono::milliseconds& retention,
                                   asio::steady_timer& timer) {
  for (;;) {
    for (;;) {
      const auto cutoff = now_ms() - retention;
      store::CommitQueue::Job<std::size_t> job = [cutoff](store::WriteTxn& txn) { return txn.prune_events(cutoff, 10'000); };
      auto pruned = co_await commits.run(std::move(job));
      if (!pruned) {
        if (pruned.error().code != proto::errc::shutting_down) spdlog::warn("pruning events: {}", pruned.error().message);
        break;
      }
      if (*pruned > 0) spdlog::debug("pruned {} events older than {}", *pruned, format_duration(retention));
      if (*pruned < 10'000) break;
    }
    timer.expires_after(prune_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

// Where the daemon listens and keeps its state. A socket from systemd (bgsyncd.socket) wins over
// the configured path: clients are there.
struct Places {
  proto::SocketPath socket;
  std::optional<ActivatedSocket> activated;
  fs::path state_dir;
  proto::SpoolDir spool;
};

std::optional<Places> find_places(const DaemonOptions& options) {
  auto activated = take_activated_socket();
  if (!activated) {
    spdlog::error("{}", activated.error().message);
    return std::nullopt;
  }
  Places places{proto::resolve_socket_path(options.socket_path), std::move(*activated), {}, {}};
  auto& socket = places.socket;
  if (places.activated) {
    if (places.activated->path != socket.path) {
      spdlog::warn("systemd passed the socket {}; listening there, not on {} ({})", places.activated->path, socket.path,
                   socket.source);
    }
    socket.path = places.activated->path;
    socket.source = "systemd";
  }
  if (socket.source == "fallback") {
    spdlog::warn("XDG_RUNTIME_DIR is not set; using {} (a private directory, checked before use)", socket.path);
  }
  const fs::path socket_path(socket.path);
  if (auto ok = ensure_private_dir(socket_path.parent_path(), socket.source != "fallback" && socket.source != "XDG_RUNTIME_DIR",
                                   /*require_private=*/true);
      !ok) {
    spdlog::error("socket directory: {}", ok.error().message);
    return std::nullopt;
  }
  places.state_dir = options.state_dir.empty() ? default_state_dir() : options.state_dir;
  if (auto ok = ensure_private_dir(places.state_dir, /*create_parents=*/true, /*require_private=*/false); !ok) {
    spdlog::error("state directory: {}", ok.error().message);
    return std::nullopt;
  }
  places.spool = proto::resolve_spool_dir(options.spool_dir.string(), places.state_dir.string());
  return places;
}

// One daemon per state dir and per socket.
struct Locks {
  InstanceLock state;
  InstanceLock socket;
};

std::optional<Locks> take_locks(const Places& places) {
  auto state_lock = InstanceLock::acquire(places.state_dir / "bgsyncd.lock", "state dir " + places.state_dir.string());
  if (!state_lock) {
    spdlog::error("{}", state_lock.error().message);
    return std::nullopt;
  }
  const auto& socket = places.socket.path;
  auto socket_lock = InstanceLock::acquire(socket + ".lock", "socket " + socket);
  if (!socket_lock) {
    spdlog::error("{}", socket_lock.error().message);
    return std::nullopt;
  }
  return Locks{std::move(*state_lock), std::move(*socket_lock)};
}

// The outbox, recovered before anyone can connect, with what start-up needs from it.
struct Recovered {
  std::unique_ptr<store::Outbox> outbox;
  bool paused = false;
  proto::StateCounts counts;
};

std::optional<Recovered> recover_outbox(const DaemonOptions& options, const fs::path& state_dir) {
  auto outbox = store::Outbox::open({state_dir, options.map_size_mib << 20});
  if (!outbox) {
    spdlog::error("cannot open the outbox: {}", outbox.error().message);
    return std::nullopt;
  }
  if ((*outbox)->replayed() > 0) {
    spdlog::info("applied {} journal records acknowledged before the daemon stopped", (*outbox)->replayed());
  }
  if ((*outbox)->recovered() > 0) {
    spdlog::info("queued {} actions again that were being sent when the daemon stopped", (*outbox)->recovered());
  }
  // Before the commit queue exists, what LMDB has published is everything there is.
  const store::ReadView published = (*outbox)->published();
  auto paused = published.paused();
  auto counts = published.counts();
  if (!paused || !counts) {
    spdlog::error("cannot read the outbox: {}", (!paused ? paused.error() : counts.error()).message);
    return std::nullopt;
  }
  return Recovered{std::move(*outbox), *paused, *counts};
}

constraints::PowerSourceOptions power_options(const DaemonOptions& options) {
  constraints::PowerSourceOptions power;
  if (!options.power_supply_dir.empty()) power.power_supply_dir = options.power_supply_dir;
  return power;
}

// bgsyncd's running parts, wired together. Constructed in this order and destroyed in the
// reverse, the io_context last: a send or run still suspended when io stops is destroyed only by
// ~io_context, after the parts it refers to.
struct Parts {
  Parts(const DaemonOptions& options, store::Outbox& outbox, const Places& places, std::size_t max_connections);

  store::Outbox& outbox;
  asio::io_context io{1};
  EventHub hub;
  store::CommitQueue commits;
  http::Client http;
  net::NetworkWatcher network;
  ConnectivityProbe probe;
  SendGate gate;
  Scheduler scheduler;
  IdGenerator ids;
  LiveConfig config;
  constraints::MachineStateReader machine;
  PeriodicScheduler periodic;
  Services services;
  ControlServer server;
  asio::steady_timer prune_timer{io};
  SpoolIntake spool;
  SystemdNotifier notifier;
};

Parts::Parts(const DaemonOptions& options, store::Outbox& outbox, const Places& places, std::size_t max_connections)
    : outbox(outbox),
      commits(outbox, io.get_executor(), [this](std::vector<proto::Event> events) { hub.publish(events); }),
      http(io.get_executor(), http::ClientOptions{options.timeouts}),
      network(io.get_executor(), net::WatcherOptions{options.online_debounce, options.offline_debounce}),
      probe(io.get_executor(), http, options.probe),
      gate(io.get_executor(), commits, network, probe),
      scheduler(io.get_executor(), outbox, commits, http, network, gate, options.retry, options.parallel),
      config(io.get_executor(), options, {scheduler, network, probe, http}, places.socket.path, places.socket.source,
             places.state_dir),
      machine(power_options(options)),
      periodic(io.get_executor(), outbox, commits, http, gate, machine, config.options()),
      services{outbox, commits, scheduler, gate, periodic, hub, ids, network, config.options(), config},
      server(io.get_executor(), services, max_connections),
      spool(io.get_executor(), commits, scheduler, config.options()),
      notifier(io.get_executor(), [this] { return read_status(this->outbox, gate); }) {
  if (auto ok = network.start(); !ok) {
    // Fail open, as Chromium does: without netlink every destination counts as reachable and
    // backoff still limits the damage of sending into a dead network.
    spdlog::warn("network watching unavailable ({}); treating every destination as reachable", ok.error().message);
  }
  network.on_change([this](bool grew) {
    scheduler.network_changed(grew);
    periodic.conditions_changed();
  });
  probe.on_checked([this](ProbeVerdict, bool changed) {
    scheduler.probe_checked(changed);
    if (changed) periodic.conditions_changed();
  });
}

// Listens on the socket systemd passed, or on our own.
bool listen(Parts& parts, Places& places) {
  auto& server = parts.server;
  if (auto ok = places.activated ? server.adopt(std::move(places.activated->fd)) : server.listen(places.socket.path); !ok) {
    spdlog::error("{}", ok.error().message);
    return false;
  }
  if (places.activated) spdlog::info("listening on {}: the socket came from systemd (socket activation)", places.socket.path);
  return true;
}

void start(Parts& parts, bool paused) {
  parts.server.start();
  parts.probe.start();  // first: until its first answer, the gate holds all but loopback
  parts.gate.start(paused);
  parts.scheduler.start();
  parts.periodic.start();
  asio::co_spawn(parts.io, prune_events(parts.commits, parts.config.options().event_retention, parts.prune_timer),
                 asio::detached);
  parts.config.watch_sighup();
}

// Takes in what clients spooled while no bgsyncd ran, then what they spool from now on. Without a
// usable spool directory the daemon still runs: the spool is a fallback, not its work.
void take_in_spool(Parts& parts, const Places& places) {
  if (auto ok = parts.spool.start(places.spool.path); !ok) {
    spdlog::warn("spool ({}): {}; spooled actions are not taken in", places.spool.source, ok.error().message);
  }
}

// Stops accepting and sending; gives open requests their replies, and aborted sends and runs
// their ends, within a bound; then stops whatever is left.
void shut_down(Parts& parts) {
  parts.notifier.stopping();
  parts.server.stop();
  parts.scheduler.stop();
  parts.periodic.stop();
  parts.probe.stop();
  parts.network.stop();
  parts.prune_timer.cancel();
  parts.spool.stop();
  parts.config.stop();
  // A send or run still suspended when io stops would be destroyed only by ~io_context, after
  // the scheduler it refers to.
  asio::co_spawn(
      parts.io,
      [&parts]() -> asio::awaitable<void> {
        const auto deadline = std::chrono::steady_clock::now() + shutdown_grace;
        asio::steady_timer tick(parts.io);
        auto busy = [&] {
          return parts.server.open_connections() > 0 || parts.scheduler.in_flight() > 0 || parts.periodic.running() > 0;
        };
        while (busy() && std::chrono::steady_clock::now() < deadline) {
          tick.expires_after(10ms);
          co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        parts.io.stop();
      },
      asio::detached);
}

// Runs the loop until SIGTERM or SIGINT has shut it down.
void serve(Parts& parts, const Places& places, const Recovered& recovered) {
  asio::signal_set signals(parts.io, SIGTERM, SIGINT);
  signals.async_wait([&parts](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("stopping on {}", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    shut_down(parts);
  });
  const auto reach = parts.gate.connectivity();
  spdlog::info("bgsyncd {} ready: socket {}, state dir {}, {} queued, {}{}", BGSYNC_VERSION, places.socket.path,
               places.state_dir.string(), recovered.counts[proto::ActionState::queued],
               reach.reachable ? "online" : "offline (" + reach.reason + ")",
               recovered.paused ? ", sending paused" : "");
  parts.notifier.ready();  // the outbox is recovered and the socket listens: clients can come
  parts.io.run();
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);  // a reload asked for before LiveConfig watches it must not kill us
  auto places = find_places(options);
  if (!places) return 1;
  auto locks = take_locks(*places);
  if (!locks) return 1;
  auto recovered = recover_outbox(options, places->state_dir);
  if (!recovered) return 1;

  const FdBudget fds = raise_fd_limit();
  spdlog::debug("file descriptors: up to {}, of which {} for client connections", fds.limit, fds.max_connections);
  Parts parts(options, *recovered->outbox, *places, fds.max_connections);
  if (!listen(parts, *places)) return 1;
  start(parts, recovered->paused);
  take_in_spool(parts, *places);
  serve(parts, *places, *recovered);

  parts.commits.stop();  // the batch in progress, if any, is committed before this returns
  parts.server.remove_socket_file();
  spdlog::info("stopped");
  return 0;
}

}  // namespace bgsync::daemon
