// Debian's nginx-light on loopback, the benchmarks' target server: started in a private temp
// directory with a generated config, it answers every request with 204 after reading the body, and
// can log one line per request with its connection's serial number, to count connection reuse.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync::bench {

struct NginxOptions {
  bool tls = false;             // HTTPS with a throw-away CA (tests/support/test_ca.hpp)
  bool log_requests = false;    // an access log with $connection per request (for connection_counts)
  int workers = 1;              // worker_processes
  // Without log_requests: connection_counts() from nginx's own counters (stub_status, on a second,
  // plain-HTTP listener on loopback), which cost the server nothing per request, where a log line
  // costs it a write(2) each (about 1.5 µs, some 15% of answering a 1 KiB POST here).
  bool count_connections = false;
};

class NginxServer {
 public:
  // The nginx binary (/usr/sbin/nginx), or an empty path when it is not installed.
  static std::filesystem::path binary();

  // Starts nginx on 127.0.0.1 at a free port and waits until it accepts connections. Throws
  // std::runtime_error, with nginx's error log, if it does not. nginx gets SIGTERM when the
  // thread that constructed this dies (PR_SET_PDEATHSIG), so construct it on a long-lived thread.
  explicit NginxServer(NginxOptions options = {});
  ~NginxServer();  // stops nginx (SIGTERM, then SIGKILL) and removes its directory
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // "http://127.0.0.1:PORT/path", or "https://localhost:PORT/path" with tls (the certificate is
  // for localhost and 127.0.0.1).
  std::string url(std::string_view path = "/") const;
  std::uint16_t port() const noexcept;
  // With tls: the CA certificate (PEM) to trust, e.g. as SSL_CERT_FILE for bgsyncd; else "".
  std::string ca_file() const;

  // With log_requests: requests logged since the last clear_log(), and how many distinct
  // connections carried them. Reuse fraction = 1 - connections / requests.
  // Else with count_connections: requests received and connections accepted since the last
  // clear_log() (or the start), not counting the status reads themselves.
  struct ConnectionCounts {
    std::uint64_t requests = 0;
    std::uint64_t connections = 0;
  };
  ConnectionCounts connection_counts() const;
  // With log_requests: when nginx logged the first request since the last clear_log() ($msec:
  // wall-clock milliseconds since the Unix epoch, taken as the request completed, at nginx's
  // millisecond resolution), or nullopt if none has been logged yet.
  std::optional<double> first_request_epoch_ms() const;
  // Starts counting afresh: empties the access log (log_requests) or notes the counters
  // (count_connections).
  void clear_log();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bgsync::bench
