// The scale benchmark's steps against a real bgsyncd.
#include "bench/scale_steps.hpp"

#include "bench/enqueue_load.hpp"
#include "tests/support/test_util.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace bgsync::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using bgsync::test::wait_until;

constexpr std::size_t clients = 32;
constexpr std::size_t progress_every = 100'000;
constexpr auto poll_step = 2ms;  // status polls while timing: small next to any measured span

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t.time_since_epoch()).count();
}

// Generous: no healthy daemon comes near it, a stuck one is reported instead of hanging the run.
Clock::duration drain_deadline(std::size_t count) { return 60s + std::chrono::milliseconds(count * 10); }

}  // namespace

TargetServer::TargetServer() {
  if (NginxServer::binary().empty()) {
    fallback_ = std::make_unique<bgsync::test::HttpServer>();
  } else {
    NginxOptions options;
    options.log_requests = true;  // the first request's time, from $msec
    nginx_ = std::make_unique<NginxServer>(options);
  }
}

std::string TargetServer::url(std::string_view path) const { return nginx_ ? nginx_->url(path) : fallback_->url(path); }

std::string TargetServer::description() const {
  return nginx_ ? "nginx-light on loopback (204, access log with $msec)"
                : "the in-process test HTTP server (200 \"ok\"; nginx is not installed)";
}

void TargetServer::forget() {
  if (nginx_) {
    nginx_->clear_log();
  } else {
    fallback_->clear();
  }
}

std::optional<double> TargetServer::first_request_epoch_ms() const {
  if (nginx_) return nginx_->first_request_epoch_ms();
  if (fallback_->request_count() == 0) return std::nullopt;
  // The test server stamps arrivals with the steady clock; the wall clock is read right after.
  const auto arrival = fallback_->requests().front().arrival;
  return epoch_ms(std::chrono::system_clock::now()) - ms(Clock::now() - arrival);
}

ScaleDaemon::ScaleDaemon(bool verbose) : verbose_(verbose) {}

void ScaleDaemon::start() {
  client_.reset();
  // DaemonProcess's defaults are for tests (100 ms retries, 2 s connect timeout, debug logs);
  // later arguments win, so these restore bgsyncd's own defaults.
  process_.start({"--retry-base", "10s", "--retry-max", "1h", "--connect-timeout", "10s", "--exchange-timeout", "30s",
                  "--log-level", verbose_ ? "info" : "warn"});
}

void ScaleDaemon::stop() {
  client_.reset();
  if (const int code = process_.terminate(); code != 0) {
    throw std::runtime_error("bgsyncd did not stop cleanly on SIGTERM (exit status " + std::to_string(code) +
                             "); its log:\n" + process_.log());
  }
}

Client& ScaleDaemon::client() {
  if (!client_) client_.emplace(process_.client());
  return *client_;
}

Status ScaleDaemon::status() {
  auto status = client().status();
  if (!status) throw std::runtime_error("status: " + status.error().message);
  return *status;
}

void ScaleDaemon::pause() {
  if (auto paused = client().pause(); !paused) throw std::runtime_error("pause: " + paused.error().message);
}

void ScaleDaemon::resume() {
  if (auto paused = client().resume(); !paused) throw std::runtime_error("resume: " + paused.error().message);
}

void ScaleDaemon::wait_quiescent() {
  if (!wait_until([&] { return status().counts[ActionState::sending] == 0; }, 30s)) {
    throw std::runtime_error("actions still sending 30 s after pause; bgsyncd's log:\n" + log());
  }
}

double ScaleDaemon::data_file_mib() const {
  return static_cast<double>(std::filesystem::file_size(process_.state_dir() / "data.mdb")) / (1024.0 * 1024.0);
}

test::ProcessMemory ScaleDaemon::memory() const { return test::process_memory(test::peer_pid(process_.socket())); }

double enqueue_rate(ScaleDaemon& daemon, const EnqueueRequest& request, std::size_t count) {
  return static_cast<double>(count) / enqueue_concurrently(daemon.socket(), request, count, clients);
}

double fill(ScaleDaemon& daemon, const EnqueueRequest& request, std::size_t count, const std::string& label) {
  double total = 0;
  for (std::size_t done = 0; done < count;) {
    const std::size_t chunk = std::min(progress_every, count - done);
    total += enqueue_concurrently(daemon.socket(), request, chunk, clients);
    done += chunk;
    if (count > progress_every) {
      std::cerr << label << ": " << done << "/" << count << " enqueued, "
                << static_cast<long>(static_cast<double>(done) / total) << "/s\n";
    }
  }
  return total;
}

StartupTimes restart_to_first_send(ScaleDaemon& daemon, TargetServer& server) {
  if (daemon.status().counts[ActionState::queued] == 0) {
    throw std::runtime_error("nothing queued to send after a restart: raise --queued or lower --runs");
  }
  // The pause flag is durable: the daemon must be resumed before it stops to send after a restart.
  // It starts sending at once; the SIGTERM right after cuts that short.
  daemon.resume();
  daemon.stop();
  server.forget();
  const double t0_epoch = epoch_ms(std::chrono::system_clock::now());
  const auto t0 = Clock::now();
  daemon.start();
  const auto ready = Clock::now();
  std::optional<double> first;
  if (!wait_until([&] { return (first = server.first_request_epoch_ms()).has_value(); }, ready + 10s, 1ms)) {
    throw std::runtime_error("no request reached the server within 10 s of bgsyncd's restart; its log:\n" +
                             daemon.log());
  }
  daemon.pause();
  daemon.wait_quiescent();
  server.forget();
  return {*first - t0_epoch, ms(ready - t0)};
}

double drain_rate(ScaleDaemon& daemon, TargetServer& server, std::optional<std::size_t> count) {
  daemon.wait_quiescent();
  server.forget();
  const auto before = daemon.status();
  const std::uint64_t queued = before.counts[ActionState::queued];
  const std::uint64_t target = std::min<std::uint64_t>(count.value_or(queued), queued);
  if (target == 0) throw std::runtime_error("nothing queued to drain");
  const std::uint64_t goal = before.counts[ActionState::sent] + target;
  const auto t0 = Clock::now();
  daemon.resume();
  const bool drained = wait_until([&] { return daemon.status().counts[ActionState::sent] >= goal; },
                                  t0 + drain_deadline(target), poll_step);
  const auto t1 = Clock::now();
  daemon.pause();
  if (!drained) {
    const auto after = daemon.status();
    throw std::runtime_error("only " + std::to_string(after.counts[ActionState::sent] - (goal - target)) + " of " +
                             std::to_string(target) + " actions sent in " + std::to_string(seconds(t1 - t0)) +
                             " s; bgsyncd's log:\n" + daemon.log());
  }
  daemon.wait_quiescent();
  server.forget();
  return static_cast<double>(target) / seconds(t1 - t0);
}

}  // namespace bgsync::bench
