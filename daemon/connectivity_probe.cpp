// The ConnectivityProbe's machinery: one coroutine per probe that checks, waits out the interval
// (or until check_now() cancels the wait), and checks again; a deadline timer that cancels a check
// without an answer. Handlers hold the Impl by shared_ptr and check `stopped`, so nothing runs
// against a stopped probe, and the request stays alive until the client lets go of it.
#include "daemon/connectivity_probe.hpp"

#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "daemon/duration.hpp"

namespace bgsync::daemon {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_quoted = 200;  // of a Location or body shown in a reason

proto::Error invalid(std::string message) {
  return proto::Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

std::string_view trim_trailing_space(std::string_view text) {
  const auto end = text.find_last_not_of(" \t\r\n");
  return end == std::string_view::npos ? std::string_view{} : text.substr(0, end + 1);
}

// Server-chosen text in a log line or a status reply: control characters replaced, length bounded.
std::string printable(std::string_view text) {
  std::string out;
  for (const char ch : text.substr(0, max_quoted)) {
    const auto c = static_cast<unsigned char>(ch);
    out += c < 0x20 || c == 0x7f ? '?' : ch;
  }
  if (text.size() > max_quoted) out += "...";
  return out;
}

const std::string* find_header(const proto::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) {
      same = (key[i] | 0x20) == (name[i] | 0x20);
    }
    if (same) return &value;
  }
  return nullptr;
}

struct Outcome {
  ProbeVerdict verdict;
  std::string reason;
};

Outcome judge(const ProbeOptions& options, const http::Response& response) {
  const std::string status = std::to_string(response.status);
  if (!expects_status(options, response.status)) {
    std::string reason = "captive portal: " + options.url + " answered " + status;
    if (const auto* location = find_header(response.headers, "Location")) {
      reason += " (Location: " + printable(*location) + ")";
    } else if (options.expect_status) {
      reason += ", expected " + std::to_string(*options.expect_status);
    } else {
      reason += options.expect_body ? ", expected 2xx" : ", expected 204";
    }
    return {ProbeVerdict::portal, std::move(reason)};
  }
  if (options.expect_body) {
    // A body cut at the client's limit is longer than anything validate() lets us expect.
    const bool whole = response.body_size == response.body.size();
    if (!whole || trim_trailing_space(response.body) != trim_trailing_space(*options.expect_body)) {
      return {ProbeVerdict::portal, "captive portal: " + options.url + " answered " + status +
                                        " with an unexpected body (" + std::to_string(response.body_size) +
                                        " bytes: \"" + printable(response.body) + "\")"};
    }
    return {ProbeVerdict::full, "probe " + options.url + " answered " + status + " with the expected body"};
  }
  return {ProbeVerdict::full, "probe " + options.url + " answered " + status};
}

}  // namespace

bool expects_status(const ProbeOptions& options, int status) noexcept {
  if (options.expect_status) return status == *options.expect_status;
  if (options.expect_body) return status >= 200 && status <= 299;
  return status == 204;
}

proto::Result<void> validate(const ProbeOptions& options) {
  if (options.url.empty()) {
    if (options.expect_status) return invalid("probe status: it needs a probe URL to check against");
    if (options.expect_body) return invalid("probe body: it needs a probe URL to check against");
    return {};
  }
  if (auto url = proto::validate_url(options.url); !url) {
    return proto::Error{url.error().code, "probe URL: " + url.error().message};
  }
  if (options.expect_status && (*options.expect_status < 100 || *options.expect_status > 599)) {
    return invalid("probe status: " + std::to_string(*options.expect_status) +
                   " is not an HTTP status; use 100..599, e.g. 204 or 200");
  }
  const std::size_t keep = http::ClientOptions{}.body_keep;
  if (options.expect_body && options.expect_body->size() > keep) {
    return invalid("probe body: it is " + std::to_string(options.expect_body->size()) + " bytes; at most " +
                   std::to_string(keep) + " can be compared");
  }
  if (options.interval <= std::chrono::milliseconds::zero() ||
      options.portal_interval <= std::chrono::milliseconds::zero()) {
    return invalid("probe interval: it must be positive, e.g. 5m (or 30s while in a portal)");
  }
  if (options.timeout <= std::chrono::milliseconds::zero()) {
    return invalid("probe timeout: it must be positive, e.g. 10s");
  }
  return {};
}

std::string_view to_string(ProbeVerdict verdict) noexcept {
  switch (verdict) {
    case ProbeVerdict::off: return "off";
    case ProbeVerdict::unknown: return "unknown";
    case ProbeVerdict::full: return "full";
    case ProbeVerdict::portal: return "portal";
    case ProbeVerdict::unreachable: return "unreachable";
  }
  return "?";
}

struct ConnectivityProbe::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, http::Client& client, ProbeOptions options)
      : executor(executor), client(client), options(std::move(options)), timer(executor), deadline(executor) {
    request.method = "GET";
    request.url = this->options.url;
    // A caching proxy must not answer for the network beyond it.
    request.headers.push_back({"Cache-Control", "no-cache"});
  }

  static asio::awaitable<void> run(std::shared_ptr<Impl> self);
  asio::awaitable<Outcome> check();
  void apply(Outcome outcome);
  void stop();

  asio::any_io_executor executor;
  http::Client& client;
  ProbeOptions options;            // reconfigure() changes all but the URL
  http::Request request;           // lives here: the client reads it until the send completes
  asio::steady_timer timer;        // the wait between checks; check_now() and stop() cancel it
  asio::steady_timer deadline;     // of the check in flight
  asio::cancellation_signal abort; // of the check in flight

  bool started = false;
  bool stopped = false;
  bool checking = false;
  bool again = false;  // check_now() came during a check: its answer may predate the caller's news
  bool timed_out = false;
  std::uint64_t generation = 0;  // of the check a deadline belongs to

  ProbeVerdict verdict = ProbeVerdict::off;
  std::string reason = "connectivity probe off";
  std::optional<std::chrono::system_clock::time_point> since;
  std::function<void(ProbeVerdict, bool)> callback;
};

asio::awaitable<void> ConnectivityProbe::Impl::run(std::shared_ptr<Impl> self) {
  while (!self->stopped) {
    self->checking = true;
    auto checked = self->check();
    Outcome outcome = co_await std::move(checked);
    self->checking = false;
    if (self->stopped) co_return;
    const bool full = outcome.verdict == ProbeVerdict::full;
    self->apply(std::move(outcome));
    if (self->stopped) co_return;
    if (std::exchange(self->again, false)) continue;
    self->timer.expires_after(full ? self->options.interval : self->options.portal_interval);
    // Cancelled by check_now() (check again) or stop() (the loop ends); either way no error to see.
    auto waiting = self->timer.async_wait(use_tuple);
    co_await std::move(waiting);
  }
}

asio::awaitable<Outcome> ConnectivityProbe::Impl::check() {
  const std::uint64_t current = ++generation;
  timed_out = false;
  deadline.expires_after(options.timeout);
  deadline.async_wait([self = shared_from_this(), current](boost::system::error_code error) {
    if (error || self->stopped || current != self->generation || !self->checking) return;
    self->timed_out = true;
    self->abort.emit(asio::cancellation_type::terminal);
  });
  spdlog::debug("connectivity: checking {}", options.url);
  auto sending = asio::co_spawn(executor, client.send(request),
                                asio::bind_cancellation_slot(abort.slot(), asio::use_awaitable));
  auto response = co_await std::move(sending);
  deadline.cancel();
  if (response) co_return judge(options, *response);
  const proto::Error& error = response.error();
  if (timed_out) {
    co_return Outcome{ProbeVerdict::unreachable,
                      "probe " + options.url + " failed: no answer within " + format_duration(options.timeout)};
  }
  if (error.code == http::errc::certificate_invalid) {
    co_return Outcome{ProbeVerdict::portal,
                      "captive portal: " + options.url + " failed TLS verification: " + error.message};
  }
  co_return Outcome{ProbeVerdict::unreachable, "probe " + options.url + " failed: " + error.message};
}

void ConnectivityProbe::Impl::apply(Outcome outcome) {
  const bool changed = outcome.verdict != verdict;
  verdict = outcome.verdict;
  reason = std::move(outcome.reason);
  if (changed) {
    since = std::chrono::system_clock::now();
    spdlog::info("connectivity: {} ({})", to_string(verdict), reason);
  }
  if (callback) callback(verdict, changed);
}

void ConnectivityProbe::Impl::stop() {
  if (stopped) return;
  stopped = true;
  timer.cancel();
  deadline.cancel();
  abort.emit(asio::cancellation_type::terminal);
}

ConnectivityProbe::ConnectivityProbe(asio::any_io_executor executor, http::Client& client, ProbeOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), client, std::move(options))) {}

ConnectivityProbe::~ConnectivityProbe() { impl_->stop(); }

void ConnectivityProbe::start() {
  Impl& s = *impl_;
  if (s.options.url.empty() || s.started || s.stopped) return;
  s.started = true;
  s.verdict = ProbeVerdict::unknown;
  s.reason = "probe " + s.options.url + " not answered yet";
  spdlog::info("connectivity: probing {} every {} ({} while in a portal or unreachable)", s.options.url,
               format_duration(s.options.interval), format_duration(s.options.portal_interval));
  auto running = Impl::run(impl_);
  auto done = [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("connectivity: the probe stopped: {}", x.what());
    } catch (...) {
      spdlog::error("connectivity: the probe stopped on an unknown exception");
    }
  };
  asio::co_spawn(s.executor, std::move(running), std::move(done));
}

void ConnectivityProbe::check_now() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  if (s.checking) {
    s.again = true;
  } else {
    s.timer.cancel();
  }
}

void ConnectivityProbe::stop() { impl_->stop(); }

void ConnectivityProbe::reconfigure(ProbeOptions options) {
  Impl& s = *impl_;
  options.url = s.options.url;  // `request` holds it, and a send in flight reads it
  const bool recheck = options.expect_status != s.options.expect_status || options.expect_body != s.options.expect_body;
  s.options = std::move(options);
  if (recheck) check_now();
}

ProbeVerdict ConnectivityProbe::verdict() const { return impl_->verdict; }
std::string ConnectivityProbe::reason() const { return impl_->reason; }
std::optional<std::chrono::system_clock::time_point> ConnectivityProbe::since() const { return impl_->since; }
bool ConnectivityProbe::checking() const { return impl_->checking; }
bool ConnectivityProbe::check_pending() const { return impl_->checking || impl_->again; }

void ConnectivityProbe::on_checked(std::function<void(ProbeVerdict, bool)> callback) {
  impl_->callback = std::move(callback);
}

}  // namespace bgsync::daemon
