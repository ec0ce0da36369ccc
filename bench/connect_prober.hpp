// The baseline of the route-up benchmark, the kernel floor: the least any program can do to send
// the moment a route appears — retry a plain blocking TCP connect() every millisecond from inside
// the client namespace, and write a tiny HTTP GET as soon as one succeeds. No netlink, no store,
// no event loop: whatever bgsync adds on top of this is its own cost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace bgsync::bench {

class ConnectProber {
 public:
  // Starts a thread that enters network namespace `netns` (its sockets stay there) and retries
  // connect() to address:port every `interval` while it fails for want of a route (ENETUNREACH,
  // EHOSTUNREACH); once one succeeds it sends "GET `target`" with Connection: close, reads the
  // answer and stops. Any other failure stops it too, and is reported by the waits below.
  ConnectProber(std::string netns, std::string address, std::uint16_t port, std::string target,
                std::chrono::microseconds interval = std::chrono::milliseconds{1});
  ~ConnectProber();  // stops retrying and joins (a connect() under way ends within 2 s)
  ConnectProber(const ConnectProber&) = delete;
  ConnectProber& operator=(const ConnectProber&) = delete;

  // Returns once a connect() has failed for want of a route, i.e. the prober is retrying. Throws
  // std::runtime_error with the reason if it stopped otherwise or `timeout` passed first.
  void wait_retrying(std::chrono::milliseconds timeout);
  // Returns once the request was sent and the answer read; throws std::runtime_error with the
  // reason if that failed or `timeout` passed first.
  void wait_done(std::chrono::milliseconds timeout);

 private:
  void run();
  void probe();
  void finish(std::string error);
  bool stopping();

  std::string netns_;
  std::string address_;
  std::uint16_t port_;
  std::string target_;
  std::chrono::microseconds interval_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  int unreachable_ = 0;               // connect() failures for want of a route so far
  std::optional<std::string> done_;  // set when the thread ends: empty on success, else why not
  std::thread thread_;               // last: started once everything above exists
};

}  // namespace bgsync::bench
