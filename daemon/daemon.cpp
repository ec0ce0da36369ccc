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

}  // namespace

int run_daemon(const DaemonOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);  // a reload asked for before LiveConfig watches it must not kill us

  // --- where things live ---------------------------------------------------------------------
  // A socket from systemd (bgsyncd.socket) wins over the configured path: clients are there.
  auto activated = take_activated_socket();
  if (!activated) {
    spdlog::error("{}", activated.error().message);
    return 1;
  }
  auto socket = proto::resolve_socket_path(options.socket_path);
  if (*activated) {
    if ((*activated)->path != socket.path) {
      spdlog::warn("systemd passed the socket {}; listening there, not on {} ({})", (*activated)->path, socket.path, socket.source);
    }
    socket.path = (*activated)->path;
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
    return 1;
  }
  const fs::path state_dir = options.state_dir.empty() ? default_state_dir() : options.state_dir;
  if (auto ok = ensure_private_dir(state_dir, /*create_parents=*/true, /*require_private=*/false); !ok) {
    spdlog::error("state directory: {}", ok.error().message);
    return 1;
  }

  // --- one daemon per state dir and per socket ------------------------------------------------
  auto state_lock = InstanceLock::acquire(state_dir / "bgsyncd.lock", "state dir " + state_dir.string());
  if (!state_lock) {
    spdlog::error("{}", state_lock.error().message);
    return 1;
  }
  auto socket_lock = InstanceLock::acquire(socket.path + ".lock", "socket " + socket.path);
  if (!socket_lock) {
    spdlog::error("{}", socket_lock.error().message);
    return 1;
  }

  // --- the outbox, recovered before anyone can connect -----------------------------------------
  auto outbox = store::Outbox::open({state_dir, options.map_size_mib << 20});
  if (!outbox) {
    spdlog::error("cannot open the outbox: {}", outbox.error().message);
    return 1;
  }
  if ((*outbox)->replayed() > 0) {
    spdlog::info("applied {} journal records acknowledged before the daemon stopped", (*outbox)->replayed());
  }
  if ((*outbox)->recovered() > 0) {
    spdlog::info("queued {} actions again that were being sent when the daemon stopped", (*outbox)->recovered());
  }
  auto paused = (*outbox)->paused();
  auto counts = (*outbox)->counts();
  if (!paused || !counts) {
    spdlog::error("cannot read the outbox: {}", (!paused ? paused.error() : counts.error()).message);
    return 1;
  }

  const FdBudget fds = raise_fd_limit();
  spdlog::debug("file descriptors: up to {}, of which {} for client connections", fds.limit, fds.max_connections);
  asio::io_context io(1);
  EventHub hub;
  store::CommitQueue commits(**outbox, io.get_executor(), [&hub](std::vector<proto::Event> events) { hub.publish(events); });
  http::Client http(io.get_executor(), http::ClientOptions{options.timeouts});
  net::NetworkWatcher network(io.get_executor(), net::WatcherOptions{options.online_debounce, options.offline_debounce});
  if (auto ok = network.start(); !ok) {
    // Fail open, as Chromium does: without netlink every destination counts as reachable and
    // backoff still limits the damage of sending into a dead network.
    spdlog::warn("network watching unavailable ({}); treating every destination as reachable", ok.error().message);
  }
  ConnectivityProbe probe(io.get_executor(), http, options.probe);
  SendGate gate(io.get_executor(), commits, network, probe);
  Scheduler scheduler(io.get_executor(), **outbox, commits, http, network, gate, options.retry, options.parallel);
  IdGenerator ids;
  LiveConfig config(io.get_executor(), options, {scheduler, network, probe, http}, socket.path, socket.source, state_dir);
  constraints::PowerSourceOptions power;
  if (!options.power_supply_dir.empty()) power.power_supply_dir = options.power_supply_dir;
  constraints::MachineStateReader machine(power);
  PeriodicScheduler periodic(io.get_executor(), **outbox, commits, http, gate, machine, config.options());
  network.on_change([&](bool grew) {
    scheduler.network_changed(grew);
    periodic.conditions_changed();
  });
  probe.on_checked([&](ProbeVerdict, bool changed) {
    scheduler.probe_checked(changed);
    if (changed) periodic.conditions_changed();
  });
  Services services{**outbox, commits, scheduler, gate, periodic, hub, ids, network, config.options(), config};
  ControlServer server(io.get_executor(), services, fds.max_connections);
  if (auto ok = *activated ? server.adopt(std::move((*activated)->fd)) : server.listen(socket.path); !ok) {
    spdlog::error("{}", ok.error().message);
    return 1;
  }
  if (*activated) spdlog::info("listening on {}: the socket came from systemd (socket activation)", socket.path);

  server.start();
  probe.start();  // first: until its first answer, the gate holds all but loopback
  gate.start(*paused);
  scheduler.start();
  periodic.start();
  asio::steady_timer prune_timer(io);
  asio::co_spawn(io, prune_events(commits, config.options().event_retention, prune_timer), asio::detached);
  config.watch_sighup();

  SystemdNotifier notifier(io.get_executor(), [&] { return read_status(**outbox, gate); });

  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("stopping on {}", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    notifier.stopping();
    server.stop();
    scheduler.stop();
    periodic.stop();
    probe.stop();
    network.stop();
    prune_timer.cancel();
    config.stop();
    // Give open requests their replies, and aborted sends and runs their ends, within a bound;
    // then stop whatever is left. A send or run still suspended when io stops would be destroyed
    // only by ~io_context, after the scheduler it refers to.
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const auto deadline = std::chrono::steady_clock::now() + shutdown_grace;
          asio::steady_timer tick(io);
          auto busy = [&] { return server.open_connections() > 0 || scheduler.in_flight() > 0 || periodic.running() > 0; };
          while (busy() && std::chrono::steady_clock::now() < deadline) {
            tick.expires_after(10ms);
            co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
          }
          io.stop();
        },
        asio::detached);
  });

  const auto reach = gate.connectivity();
  spdlog::info("bgsyncd {} ready: socket {}, state dir {}, {} queued, {}{}", BGSYNC_VERSION, socket.path,
               state_dir.string(), (*counts)[proto::ActionState::queued],
               reach.reachable ? "online" : "offline (" + reach.reason + ")", *paused ? ", sending paused" : "");
  notifier.ready();  // the outbox is recovered and the socket listens: clients can come
  io.run();

  commits.stop();  // the batch in progress, if any, is committed before this returns
  server.remove_socket_file();
  spdlog::info("stopped");
  return 0;
}

}  // namespace bgsync::daemon
