// A real HTTP/1.1 (and HTTPS) server for tests, on loopback: it records every request it receives
// exactly (headers in order, duplicates kept, binary bodies) and answers as the test tells it —
// any status, slowly, never, or by resetting the connection. It runs on its own thread, so tests
// drive it from the outside like any remote server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgsync/proto/types.hpp"

namespace bgsync::test {

// One request as the server received it.
struct RecordedRequest {
  std::string method;
  std::string target;  // as on the request line: "/path?query"
  proto::Headers headers;  // exactly as received: order, case and duplicates kept
  std::string body;
  std::chrono::steady_clock::time_point arrival;  // when the whole request had been read
  std::uint64_t connection = 0;                  // 1 for the first accepted connection, then 2, ...

  // The first value of a header (name compared case-insensitively), if any.
  std::optional<std::string> header(std::string_view name) const;
  // Every value of a header, in order received.
  std::vector<std::string> header_values(std::string_view name) const;
};

// How to answer one request.
struct Reply {
  enum class Action {
    respond,  // send status, headers and body (after `delay`)
    reset,    // after `delay`, close the connection with an RST (SO_LINGER {1, 0}); no response
    hang,     // never answer; the connection stays open until the server is destroyed
    raw,      // after `delay`, write `body` as the raw bytes of the response, then close
  };

  int status = 200;
  proto::Headers headers;  // sent in order; Content-Length is added unless given
  std::string body;
  std::chrono::milliseconds delay{0};  // waited on a timer, so other connections go on meanwhile
  Action action = Action::respond;

  static Reply with_status(int status, std::string body = {}, proto::Headers headers = {});
  static Reply reset_connection();
  static Reply hang_forever();
  static Reply raw_bytes(std::string bytes);
};

struct HttpServerOptions {
  // Both set: HTTPS with this certificate chain and key (PEM). Both empty: plain HTTP.
  std::string cert_path;
  std::string key_path;
  std::string address = "127.0.0.1";  // "::1" for IPv6 tests
};

class HttpServer {
 public:
  // Called on the server thread for each request, after it has been recorded; must be
  // thread-safe with respect to the test's own data. The default answers 200 "ok".
  using Handler = std::function<Reply(const RecordedRequest&)>;

  // Listens on `options.address`, an ephemeral port, and starts serving at once (on return, the
  // port accepts connections). Throws on failure (bad certificate files, no such address).
  explicit HttpServer(HttpServerOptions options = {});
  // Stops accepting, closes every connection (hanging ones too), joins the thread.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const noexcept;
  bool is_tls() const noexcept;
  // "http://127.0.0.1:PORT/path" ("https://..." with TLS, "[::1]" for IPv6); a missing leading
  // '/' in `path` is added. The second form names the host in the URL ("localhost").
  std::string url(std::string_view path = "/") const;
  std::string url(std::string_view path, std::string_view host) const;

  // Thread-safe; applies to requests that arrive afterwards.
  void set_handler(Handler handler);

  // Snapshot of every request received since construction or the last clear(), in arrival order.
  std::vector<RecordedRequest> requests() const;
  std::size_t request_count() const;
  // Waits (on a condition variable) until at least `n` requests are recorded; false on deadline.
  bool wait_for_requests(std::size_t n, std::chrono::steady_clock::time_point deadline) const;
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  void clear();

  // Connections accepted so far (not reset by clear()).
  std::uint64_t connection_count() const;

  struct Impl;  // public only so that the session code in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace bgsync::test
