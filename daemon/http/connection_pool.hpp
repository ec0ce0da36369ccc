// Keep-alive for the HTTP client: idle connections per origin (scheme, host, port), handed to the
// next request to the same origin while they are still open. A drain of a thousand actions to one
// server then costs a few TCP and TLS handshakes, not a thousand.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "daemon/http/tls.hpp"

namespace bgsync::http {

// One TCP connection, TLS or not, and the bytes read on it past the last response.
struct Connection {
  explicit Connection(boost::asio::any_io_executor executor) : plain(std::in_place, std::move(executor)) {}
  Connection(boost::asio::any_io_executor executor, boost::asio::ssl::context& context)
      : tls(std::in_place, std::move(executor), context) {}

  boost::beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }

  std::optional<boost::beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  boost::beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
};

class ConnectionPool {
 public:
  struct Limits {
    std::size_t idle_per_origin = 32;
    std::size_t idle_total = 256;
    // Shorter than most servers' keep-alive timeouts (nginx 75 s, Apache 5 s is the exception:
    // its closes are noticed when the connection is taken, see take()).
    std::chrono::milliseconds idle_timeout{30'000};
    // Taken within this of being given back, a connection is not peeked at (a recv per request
    // while draining): servers close idle keep-alive connections after seconds, and a request
    // that a connection closed meanwhile swallowed with nothing answered is made again on a new
    // one (http_client.cpp, stale).
    std::chrono::milliseconds trusted_for{100};
  };

  ConnectionPool(boost::asio::any_io_executor executor, Limits limits);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // The most recently used idle connection to `origin` that is still open, or nullptr. One the
  // server has closed (or written to, which HTTP/1.1 servers only do to close) is dropped here,
  // when seen: idle for less than trusted_for, it is not looked at.
  std::unique_ptr<Connection> take(const std::string& origin);
  // After a complete response on a connection the server keeps open, with nothing read past it.
  void give_back(const std::string& origin, std::unique_ptr<Connection> connection);
  // Closes every idle connection: after a network change they may be bound to an address that is
  // gone, and a request on one would wait for its exchange deadline instead of failing at once.
  // Also stops the sweep timer, which otherwise keeps the io_context busy while any are idle.
  void clear();

 private:
  void schedule_sweep();
  void sweep();

  Limits limits_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;  // oldest first
  std::size_t idle_count_ = 0;
  boost::asio::steady_timer sweeper_;
  bool sweep_scheduled_ = false;
};

}  // namespace bgsync::http
