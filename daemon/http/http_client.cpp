// The HTTP client's request path: resolve + connect, TLS handshake, write, read, close — one
// coroutine per stage, each under its own deadline, every failure mapped to an http::errc whose
// message names the stage and the peer. One connection per request.
#include "daemon/http/http_client.hpp"

#include <array>
#include <optional>
#include <string>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "daemon/http/request_head.hpp"
#include "daemon/http/response_parser.hpp"
#include "daemon/http/tls.hpp"
#include "daemon/http/url.hpp"

namespace bgsync::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Interim (1xx) responses tolerated before the final one; more is a broken or hostile server.
constexpr int max_interim_responses = 8;

// Bounds the TLS close_notify exchange after a complete response: the result is already known.
constexpr std::chrono::milliseconds max_tls_shutdown{1000};

// One request's view of where it is going, and the error for each way it can go wrong.
struct Attempt {
  const Target& target;
  const ClientOptions& options;

  proto::Error fail(errc code, std::string_view stage, std::string_view why) const {
    return proto::Error{make_error_code(code), std::string(stage) + " " + target.authority + ": " + std::string(why)};
  }
  proto::Error timed_out(std::string_view stage, std::chrono::milliseconds limit) const {
    return fail(errc::timeout, stage, "timed out after " + std::to_string(limit.count()) + " ms");
  }
  proto::Error aborted() const {
    return proto::Error{std::error_code(error_code(asio::error::operation_aborted)),
                        "request to " + target.authority + " cancelled"};
  }
};

asio::awaitable<proto::Result<void>> connect(beast::tcp_stream& stream, const Attempt& a) {
  using namespace asio::experimental::awaitable_operators;
  const auto limit = a.options.timeouts.connect;
  const auto deadline = std::chrono::steady_clock::now() + limit;

  // The resolver has no deadline of its own: race it against a timer on the same budget.
  tcp::resolver resolver(stream.get_executor());
  asio::steady_timer timer(stream.get_executor(), deadline);
  auto raced = co_await (resolver.async_resolve(a.target.host, std::to_string(a.target.port), use_tuple) ||
                         timer.async_wait(use_tuple));
  if (raced.index() == 1) {
    if (std::get<0>(std::get<1>(raced)) == asio::error::operation_aborted) co_return a.aborted();
    co_return a.timed_out("resolve", limit);
  }
  auto [resolve_ec, endpoints] = std::get<0>(std::move(raced));
  if (resolve_ec == asio::error::operation_aborted) co_return a.aborted();
  if (resolve_ec) co_return a.fail(errc::resolve_failed, "resolve", resolve_ec.message());

  stream.expires_at(deadline);
  auto [ec, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
  if (ec == beast::error::timeout) co_return a.timed_out("connect to", limit);
  if (ec == asio::error::operation_aborted) co_return a.aborted();
  if (ec) co_return a.fail(errc::connect_failed, "connect to", ec.message());
  co_return proto::Result<void>{};
}

proto::Error read_error(const error_code& ec, const Attempt& a) {
  constexpr std::string_view stage = "read response from";
  if (ec == beast::error::timeout) return a.timed_out(stage, a.options.timeouts.exchange);
  if (ec == asio::error::operation_aborted) return a.aborted();
  if (ec == beast::http::error::end_of_stream) return a.fail(errc::connection_lost, stage, "closed before any response");
  if (ec == beast::http::error::partial_message || ec == asio::ssl::error::stream_truncated)
    return a.fail(errc::connection_lost, stage, "closed in the middle of the response");
  if (ec.category() == beast::http::make_error_code(beast::http::error::end_of_stream).category())
    return a.fail(errc::bad_response, stage, "malformed HTTP response: " + ec.message());  // a parse error
  return a.fail(errc::connection_lost, stage, ec.message());
}

// Writes the request and reads the final response, all under one exchange deadline.
template <class Stream>
asio::awaitable<proto::Result<Response>> exchange(Stream& stream, const Attempt& a, const std::string& head,
                                                  const Request& request) {
  beast::get_lowest_layer(stream).expires_after(a.options.timeouts.exchange);
  const std::array buffers{asio::buffer(head), asio::buffer(request.body)};
  auto [write_ec, written] = co_await asio::async_write(stream, buffers, use_tuple);
  if (write_ec == beast::error::timeout) co_return a.timed_out("send request to", a.options.timeouts.exchange);
  if (write_ec == asio::error::operation_aborted) co_return a.aborted();
  // A server may answer early (413, 401) and close without reading the whole body; its response
  // is still the better outcome to report, so read on and report the write error only if that fails.

  beast::flat_buffer buffer;
  std::optional<ResponseParser> parser;
  for (int interim = 0;; ++interim) {
    parser.emplace(request.body_keep != 0 ? request.body_keep : a.options.body_keep);
    if (request.method == "HEAD") parser->skip(true);
    auto [ec, n] = co_await beast::http::async_read(stream, buffer, *parser, use_tuple);
    if (ec) {
      if (write_ec) co_return a.fail(errc::connection_lost, "send request to", write_ec.message());
      co_return read_error(ec, a);
    }
    if (parser->status() >= 200 || parser->status() == 101) break;
    if (interim == max_interim_responses)
      co_return a.fail(errc::bad_response, "read response from", "too many interim (1xx) responses");
  }
  Response response;
  response.status = parser->status();
  response.headers = std::move(parser->headers());
  response.body = std::move(parser->body());
  response.body_size = parser->body_size();
  co_return response;
}

asio::awaitable<proto::Result<Response>> send_plain(asio::any_io_executor executor, const Attempt& a,
                                                    const std::string& head, const Request& request) {
  beast::tcp_stream stream(executor);
  if (auto connected = co_await connect(stream, a); !connected) co_return connected.error();
  auto response = co_await exchange(stream, a, head, request);
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return response;
}

asio::awaitable<proto::Result<Response>> send_tls(asio::any_io_executor executor, asio::ssl::context& context,
                                                  const Attempt& a, const std::string& head, const Request& request) {
  TlsStream stream(executor, context);
  if (auto prepared = prepare_tls(stream, a.target); !prepared) co_return prepared.error();
  if (auto connected = co_await connect(beast::get_lowest_layer(stream), a); !connected) co_return connected.error();

  beast::get_lowest_layer(stream).expires_after(a.options.timeouts.handshake);
  auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
  if (handshake_ec == beast::error::timeout) co_return a.timed_out("TLS handshake with", a.options.timeouts.handshake);
  if (handshake_ec == asio::error::operation_aborted) co_return a.aborted();
  if (handshake_ec) co_return handshake_error(stream, handshake_ec, a.target);

  auto response = co_await exchange(stream, a, head, request);
  if (response) {
    // close_notify, bounded; a peer that just closes (stream_truncated) is fine once the
    // response is complete, since HTTP framing already told us we have all of it.
    beast::get_lowest_layer(stream).expires_after(std::min(a.options.timeouts.handshake, max_tls_shutdown));
    co_await stream.async_shutdown(use_tuple);
  }
  co_return response;
}

class ErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "bgsync.http"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_url: return "bad URL";
      case errc::resolve_failed: return "host name lookup failed";
      case errc::connect_failed: return "connection failed";
      case errc::tls_failed: return "TLS handshake failed";
      case errc::certificate_invalid: return "server certificate not accepted";
      case errc::timeout: return "timed out";
      case errc::connection_lost: return "connection lost before a complete response";
      case errc::bad_response: return "malformed HTTP response";
      case errc::bad_request: return "request cannot be sent as given";
    }
    return "unknown bgsync.http error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const ErrorCategory category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

struct Client::Impl {
  asio::any_io_executor executor;
  ClientOptions options;
  asio::ssl::context tls;
};

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_unique<Impl>(Impl{std::move(executor), std::move(options), make_tls_context()})) {}

Client::~Client() = default;

void Client::set_timeouts(const Timeouts& timeouts) { impl_->options.timeouts = timeouts; }

asio::awaitable<proto::Result<Response>> Client::send(const Request& request) {
  auto target = parse_target(request.url);
  if (!target) co_return target.error();
  if (auto checked = check_request(request); !checked) co_return checked.error();
  const Attempt attempt{*target, impl_->options};
  const std::string head = serialize_head(request, *target, impl_->options.user_agent);
  try {
    if (target->tls) co_return co_await send_tls(impl_->executor, impl_->tls, attempt, head, request);
    co_return co_await send_plain(impl_->executor, attempt, head, request);
  } catch (const boost::system::system_error& e) {
    // Asio throws instead of starting an operation once the awaiting coroutine has been
    // cancelled (a cancellation that arrived between two operations).
    if (e.code() == asio::error::operation_aborted) co_return attempt.aborted();
    throw;
  }
}

}  // namespace bgsync::http
