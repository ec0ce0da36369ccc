// sd_notify messages for bgsyncd: readiness, the status line, stopping and the watchdog.
#include "daemon/systemd_notify.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "daemon/send_gate.hpp"
#include "daemon/store/read_view.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto status_interval = 1s;

// sd_notify fails only when the manager's socket is gone (it is stopping us, or was never there
// for real); the daemon carries on either way, so a failure is worth a debug line, not more.
void notify(const std::string& state) {
  if (const int rc = ::sd_notify(0, state.c_str()); rc < 0) {
    spdlog::debug("sd_notify({}) failed: {}", state.substr(0, state.find('\n')), std::strerror(-rc));
  }
}

// Rounded up, so "next attempt in 1s" never shows for an attempt that is still 1.5 s away.
std::string format_wait(std::chrono::milliseconds wait) {
  const auto up = [&](auto unit) { return (wait + unit - 1ms) / unit; };
  if (wait <= 59s) return std::to_string(up(std::chrono::milliseconds(1s))) + "s";
  if (wait <= 59min) return std::to_string(up(std::chrono::milliseconds(1min))) + "m";
  return std::to_string(up(std::chrono::milliseconds(1h))) + "h";
}

}  // namespace

SystemdNotifier::SystemdNotifier(asio::any_io_executor executor, std::function<std::string()> status)
    : status_(std::move(status)), status_timer_(executor), watchdog_timer_(executor) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  if (!enabled_) return;
  std::uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
  }
}

void SystemdNotifier::ready() {
  if (!enabled_) return;
  last_status_ = status_();
  notify("READY=1\nSTATUS=" + last_status_);
  spdlog::debug("told systemd we are ready{}",
                watchdog_interval_ ? ", pinging its watchdog every " + std::to_string(watchdog_interval_->count() / 1000) + " ms"
                                   : std::string());
  schedule_status();
  if (watchdog_interval_) {
    notify("WATCHDOG=1");
    schedule_watchdog();
  }
}

void SystemdNotifier::stopping() {
  if (!enabled_ || stopping_) return;
  stopping_ = true;
  status_timer_.cancel();
  notify("STOPPING=1\nSTATUS=stopping");
}

void SystemdNotifier::schedule_status() {
  status_timer_.expires_after(status_interval);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    send_status();
    schedule_status();
  });
}

void SystemdNotifier::send_status() {
  auto status = status_();
  if (status == last_status_) return;
  last_status_ = std::move(status);
  notify("STATUS=" + last_status_);
}

void SystemdNotifier::schedule_watchdog() {
  watchdog_timer_.expires_after(*watchdog_interval_);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    notify("WATCHDOG=1");
    schedule_watchdog();
  });
}

std::string format_status(const StatusSnapshot& s, proto::TimePoint now) {
  std::string out;
  if (s.paused) out += "paused, ";
  out += s.reach.reachable ? "online" : "offline (" + s.reach.reason + ")";
  out += ", " + std::to_string(s.counts[proto::ActionState::queued]) + " queued";
  if (const auto n = s.counts[proto::ActionState::sending]; n > 0) out += ", " + std::to_string(n) + " sending";
  if (const auto n = s.counts[proto::ActionState::failed]; n > 0) out += ", " + std::to_string(n) + " failed";
  if (!s.paused && s.reach.reachable && s.next_attempt && *s.next_attempt > now) {
    out += ", next attempt in " + format_wait(*s.next_attempt - now);
  }
  return out;
}

std::string read_status(const store::Outbox& outbox, const SendGate& gate) {
  StatusSnapshot snapshot;
  snapshot.paused = gate.paused();
  snapshot.reach = gate.connectivity();
  const store::ReadView published = outbox.published();
  auto counts = published.counts();
  if (!counts) return "cannot read the outbox: " + counts.error().message;
  snapshot.counts = *counts;
  auto due = published.due(1);
  if (!due) return "cannot read the outbox: " + due.error().message;
  if (!due->empty()) snapshot.next_attempt = due->front().next_attempt;
  return format_status(snapshot, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

}  // namespace bgsync::daemon
