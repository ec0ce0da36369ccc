// The optional active connectivity check: a GET of a configured probe URL, like NetworkManager's
// connectivity check or Chromium's generate_204, that tells full connectivity from a captive portal.
//
// Why a probe at all. A route and a carrier say packets can leave; they do not say the network
// lets them through. Behind a hotel or train portal every HTTP request gets the login page (a
// redirect, or a 200 with HTML), and an action "sent" there was answered by the portal, not its
// server: it would be recorded as sent, or burn its attempts. So when configured, the daemon asks a
// URL whose answer it knows; any other answer means someone in between answered: a portal.
//
// The verdicts. An answer that matches the expectation (by default status 204) is `full`. Any
// other HTTP answer — a redirect, a 200 login page, the wrong body — is `portal`, and so is a TLS
// certificate that fails verification for an https probe URL (a portal intercepting the
// connection; a probe server with a broken certificate is a configuration error). No answer at all
// (resolve, connect, timeout, reset) is `unreachable`, not `portal`: then the network itself is
// down, which the NetworkWatcher and the retry backoff already handle, and the probe must not hold
// back destinations it cannot judge (a LAN host while the internet is gone).
//
// When it runs. start() checks at once, then again after `interval` while full and after
// `portal_interval` otherwise (a portal is left by logging in, and the queue should drain soon
// after). check_now() — on a network change — runs a check now; during a check it asks for one
// more right after (that answer may predate the change): checks never overlap, and a burst of
// calls costs at most one extra request.
//
// Threading: use the probe only on its executor's thread (the daemon runs one).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/http/http_client.hpp"

namespace bgsync::daemon {

struct ProbeOptions {
  std::string url;                         // empty: probing off (the default)
  std::optional<int> expect_status;        // the status a full connection answers; see expects_status()
  std::optional<std::string> expect_body;  // the exact body a full connection answers; trailing whitespace ignored
  std::chrono::milliseconds interval{300'000};        // re-check while full (NetworkManager's default)
  std::chrono::milliseconds portal_interval{30'000};  // re-check while portal or unreachable
  std::chrono::milliseconds timeout{10'000};          // a check without an answer by then is unreachable
};

// The status a full connection must answer: expect_status when set; otherwise any 2xx when
// expect_body is set (the body decides), else 204 (generate_204).
bool expects_status(const ProbeOptions& options, int status) noexcept;

// Checks options before they are used: the URL (unless empty) is an absolute http or https URL, the
// status is 100..599, the body fits what the client keeps, status and body need a URL, intervals
// and timeout are positive. Messages name the setting ("probe URL: ...", "probe status: ...",
// "probe body: ...", "probe interval: ...", "probe timeout: ..."); the code is proto::errc::bad_url
// for the URL, std::errc::invalid_argument otherwise.
proto::Result<void> validate(const ProbeOptions& options);

enum class ProbeVerdict {
  off,          // no probe URL, or not started
  unknown,      // started; the first check has not finished
  full,         // the probe answered as expected
  portal,       // something answered, but not as expected: nothing but loopback may be sent
  unreachable,  // no answer at all: sending is left to the network watcher and backoff
};
std::string_view to_string(ProbeVerdict verdict) noexcept;

class ConnectivityProbe {
 public:
  // `client` must outlive the probe and every handler it left on the executor (a cancelled
  // request completes asynchronously): destroy the client after the io_context has stopped.
  ConnectivityProbe(boost::asio::any_io_executor executor, http::Client& client, ProbeOptions options);
  // Stops (see stop()).
  ~ConnectivityProbe();
  ConnectivityProbe(const ConnectivityProbe&) = delete;
  ConnectivityProbe& operator=(const ConnectivityProbe&) = delete;

  // Starts the first check now (the verdict becomes unknown), then re-checks on the intervals.
  // Does nothing when the URL is empty, when already started, or after stop().
  void start();
  // Runs a check now, or right after the one running. Does nothing before start() or after stop().
  void check_now();
  // Cancels the timer and any request in flight. Idempotent. No on_change() call happens after it
  // returns; the last verdict stays.
  void stop();

  ProbeVerdict verdict() const;
  // Why, for people and `syncctl status`: "probe http://... answered 204", "captive portal:
  // http://... answered 302 (Location: http://portal.example/login)", "probe http://... failed:
  // connect to ...: Connection refused".
  std::string reason() const;
  // When a check last changed the verdict; unset until the first check finishes.
  std::optional<std::chrono::system_clock::time_point> since() const;
  // True while a request is in flight.
  bool checking() const;
  // True while a check runs or one is due at once (asked for by check_now() during a check).
  bool check_pending() const;

  // Called on the executor after every check with the verdict and whether it changed (never for
  // the off -> unknown of start()). No call happens after stop().
  void on_checked(std::function<void(ProbeVerdict verdict, bool changed)> callback);

  // A reload: new expectations (checked again at once), intervals and timeout (from the next wait
  // or check). The URL stays: changing it needs a restart.
  void reconfigure(ProbeOptions options);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bgsync::daemon
