// The daemon's HTTP/HTTPS client: one request at a time per call, on Boost.Beast coroutines, over
// keep-alive connections kept per origin. TLS always verifies (system CA store via default verify
// paths, so SSL_CERT_FILE works; SNI; host name check); every stage has a deadline; at most the
// first 64 KiB of a body is kept.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"

namespace bgsync::http {

// Why an attempt got no HTTP response. All of these are worth retrying except bad_url and
// bad_request.
enum class errc {
  bad_url = 1,          // unparsable or unsupported URL (validated on enqueue, so rare)
  resolve_failed,       // DNS lookup failed
  connect_failed,       // every address refused or was unreachable
  tls_failed,           // handshake failed for a reason other than the certificate
  certificate_invalid,  // the peer's certificate failed verification or did not match the host
  timeout,              // a deadline passed (the message says which stage)
  connection_lost,      // reset or closed before a complete response
  bad_response,         // not parsable as HTTP/1.1
  bad_request,          // the request cannot be sent as given: method or header not a valid token/value,
                        // or a framing header (Content-Length, Transfer-Encoding) set by the caller
};
const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

struct Timeouts {
  std::chrono::milliseconds connect{10'000};    // resolve + TCP connect
  std::chrono::milliseconds handshake{10'000};  // TLS
  std::chrono::milliseconds exchange{30'000};   // write request + read whole response
};

struct Request {
  std::string method;
  std::string url;
  proto::Headers headers;  // sent as given, in order; Host, Content-Length, User-Agent added if absent
  std::string body;
  std::size_t body_keep = 0;  // keep this much of the response body; 0: ClientOptions::body_keep
};

// The value of the first header named `name` (case-insensitive), or nullptr.
const std::string* find_header(const proto::Headers& headers, std::string_view name);

struct Response {
  int status = 0;
  proto::Headers headers;
  std::string body;            // the first body_keep bytes (the request's, else the client's)
  std::size_t body_size = 0;   // the whole body's size as received
};

struct ClientOptions {
  Timeouts timeouts;
  std::size_t body_keep = 64 * 1024;
  std::string user_agent = "bgsyncd/0.1";
};

class Client {
 public:
  // Reads the TLS trust anchors at the first https:// connection, from OpenSSL's default paths
  // (so SSL_CERT_FILE and SSL_CERT_DIR as set at that moment).
  Client(boost::asio::any_io_executor executor, ClientOptions options = {});
  ~Client();

  // Makes one request; the error's message names host, port and stage ("connect to
  // example.com:443: Connection refused"). Cancellation (per-operation cancellation slot)
  // aborts the request with boost::asio::error::operation_aborted (as a std::error_code: equal
  // to std::errc::operation_canceled). Concurrent sends on one Client are fine; the Client and
  // `request` must outlive the returned awaitable.
  boost::asio::awaitable<proto::Result<Response>> send(const Request& request);

  // A reload: each stage that starts from now on (requests in flight included) has the new deadline.
  void set_timeouts(const Timeouts& timeouts);

  // Closes the idle keep-alive connections. After a network change: one bound to an address that
  // is gone would hold the next request until its exchange deadline instead of failing at once.
  // While any are idle, a timer that closes them after 30 s keeps the io_context busy.
  void drop_idle_connections();

  // Since construction. A request made again on a new connection after its reused one turned
  // out closed counts once, as not reused.
  struct Stats {
    std::uint64_t requests = 0;           // that got a response
    std::uint64_t requests_reused = 0;    // of those, on a connection an earlier request used
    std::uint64_t connections_opened = 0;
  };
  Stats stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bgsync::http

template <>
struct std::is_error_code_enum<bgsync::http::errc> : std::true_type {};
