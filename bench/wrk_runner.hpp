// wrk, the HTTP load generator, as the baseline for the network path: runs it against a server
// with the request a benchmark enqueues (method, headers, body; through a generated Lua script)
// and reads back its requests/s.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "bgsync/client.hpp"

namespace bgsync::bench {

struct WrkOptions {
  int threads = 2;      // wrk -t (2 is wrk's default)
  int connections = 6;  // wrk -c: keep-alive connections, each with one request in flight
  std::chrono::seconds duration{5};
};

struct WrkResult {
  double requests_per_second = 0;  // wrk's "Requests/sec:"
  std::uint64_t requests = 0;      // "N requests in ..."
  std::uint64_t non_2xx = 0;       // "Non-2xx or 3xx responses: N" (absent: 0)
  std::uint64_t socket_errors = 0; // "Socket errors: connect a, read b, write c, timeout d", summed
  std::string output;              // wrk's whole stdout
};

// The wrk on PATH, or an empty path when there is none.
std::filesystem::path wrk_binary();

// Runs `wrk -t -c -d -s SCRIPT URL` with `request`: its url, method, headers (as given) and body,
// sent on every request. HTTPS works (wrk does not verify the certificate). Throws
// std::runtime_error, with wrk's output, if wrk fails, reports no rate, or got any answer that is
// not 2xx or 3xx (the benchmarks' servers always answer 204, so that means something is broken).
WrkResult run_wrk(const EnqueueRequest& request, const WrkOptions& options = {});

}  // namespace bgsync::bench
