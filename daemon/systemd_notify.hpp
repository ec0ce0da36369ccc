// Telling the service manager how bgsyncd is doing (sd_notify): READY=1 once the outbox is
// recovered and the control socket listens, a one-line STATUS= that `systemctl status` shows,
// STOPPING=1 on shutdown, and WATCHDOG=1 keep-alives.
//
// The watchdog pings come from a timer on the io_context, the thread that runs all of the daemon's
// logic: if that loop gets stuck (a handler that never returns, a lock-up in a library), the pings
// stop and systemd restarts the service (WatchdogSec= with Restart=on-failure). A ping from a
// thread of its own would keep a wedged daemon looking alive.
//
// STATUS= is recomputed by a one-second timer and sent only when the text changed, so systemd gets
// at most one status message a second however busy the daemon is. Computing it is cheap (the
// outbox keeps its counts; the next attempt is one seek in the due index).
//
// Without NOTIFY_SOCKET (not started by systemd, or by a manager that does not listen) every call
// is a no-op and no timer runs. Use on the io thread only.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgsync/proto/types.hpp"
#include "daemon/net/connectivity_model.hpp"

namespace bgsync::store {
class Outbox;
}  // namespace bgsync::store

namespace bgsync::daemon {

class SendGate;

class SystemdNotifier {
 public:
  // `status` returns the STATUS= line; called on the io thread, once a second at most.
  SystemdNotifier(boost::asio::any_io_executor executor, std::function<std::string()> status);

  // Whether a service manager listens (NOTIFY_SOCKET is set).
  bool enabled() const noexcept { return enabled_; }
  // The keep-alive interval (half of WATCHDOG_USEC), when the manager asked for one for this
  // process (sd_watchdog_enabled: WATCHDOG_PID unset or ours).
  std::optional<std::chrono::microseconds> watchdog_interval() const noexcept { return watchdog_interval_; }

  // READY=1 with the first STATUS=; starts the status timer and the watchdog pings.
  void ready();
  // STOPPING=1; stops the status updates. The watchdog pings go on until the loop stops, so a
  // slow but bounded shutdown is not mistaken for a hang.
  void stopping();

 private:
  void schedule_status();
  void schedule_watchdog();
  void send_status();

  std::function<std::string()> status_;
  bool enabled_ = false;
  bool stopping_ = false;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  std::string last_status_;
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer watchdog_timer_;
};

// What the daemon is doing, in the words of its STATUS= line.
struct StatusSnapshot {
  bool paused = false;
  net::Reachability reach;                       // SendGate::connectivity()
  proto::StateCounts counts;
  std::optional<proto::TimePoint> next_attempt;  // the earliest due action's, if any
};

// "online, 3 queued, 1 failed, next attempt in 12s", "offline (no default route), 3 queued",
// "paused, online, 3 queued". Counts other than queued appear only when non-zero; the next attempt
// only when it is in the future and sending is neither paused nor offline. Durations are rounded
// up to whole seconds under a minute, to minutes under an hour, then to hours, so the line changes
// at most once a second and, for a distant attempt, rarely.
std::string format_status(const StatusSnapshot& snapshot, proto::TimePoint now);

// Reads a snapshot from the outbox and the send gate and formats it. A read error becomes the
// status line itself ("cannot read the outbox: ..."): systemctl status is where a user looks.
// Deliberately reads what is published, without the read barrier: a summary redrawn each second
// need not force an LMDB commit, and lags acknowledged writes by at most the commit queue's
// publish age (250 ms in a busy stretch).
std::string read_status(const store::Outbox& outbox, const SendGate& gate);

}  // namespace bgsync::daemon
