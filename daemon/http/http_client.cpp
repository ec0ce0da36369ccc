// The HTTP client's request path: take an idle connection to the origin or open one (resolve +
// connect, TLS handshake), write, read, and give the connection back for the next request — one
// coroutine per stage, each under its own deadline, every failure mapped to an http::errc whose
// message names the stage and the peer.
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

#include "daemon/http/connection_pool.hpp"
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

// What one exchange on a connection came to.
struct Exchanged {
  proto::Result<Response> response;
  bool reusable = false;  // the connection may carry the next request
  // Nothing at all came back before the connection failed: on a reused connection, the server
  // most likely closed it while idle, and the request is worth making again on a fresh one.
  bool stale = false;
};

bool is_closed_error(const error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

// Writes the request and reads the final response, all under one exchange deadline.
template <class Stream>
asio::awaitable<Exchanged> exchange(Stream& stream, beast::flat_buffer& buffer, const Attempt& a,
                                    const std::string& head, const Request& request) {
  beast::get_lowest_layer(stream).expires_after(a.options.timeouts.exchange);
  const std::array buffers{asio::buffer(head), asio::buffer(request.body)};
  auto [write_ec, written] = co_await asio::async_write(stream, buffers, use_tuple);
  if (write_ec == beast::error::timeout) co_return Exchanged{a.timed_out("send request to", a.options.timeouts.exchange)};
  if (write_ec == asio::error::operation_aborted) co_return Exchanged{a.aborted()};
  // A server may answer early (413, 401) and close without reading the whole body; its response
  // is still the better outcome to report, so read on and report the write error only if that fails.

  std::optional<ResponseParser> parser;
  for (int interim = 0;; ++interim) {
    parser.emplace(request.body_keep != 0 ? request.body_keep : a.options.body_keep);
    if (request.method == "HEAD") parser->skip(true);
    auto [ec, n] = co_await beast::http::async_read(stream, buffer, *parser, use_tuple);
    if (ec) {
      const bool stale = interim == 0 && !parser->got_some() && (is_closed_error(ec) || is_closed_error(write_ec));
      if (write_ec) co_return Exchanged{a.fail(errc::connection_lost, "send request to", write_ec.message()), false, stale};
      co_return Exchanged{read_error(ec, a), false, stale};
    }
    if (parser->status() >= 200 || parser->status() == 101) break;
    if (interim == max_interim_responses)
      co_return Exchanged{a.fail(errc::bad_response, "read response from", "too many interim (1xx) responses")};
  }
  Exchanged out;
  out.reusable = !write_ec && parser->keep_alive() && parser->status() != 101 && buffer.size() == 0;
  Response response;
  response.status = parser->status();
  response.headers = std::move(parser->headers());
  response.body = std::move(parser->body());
  response.body_size = parser->body_size();
  out.response = std::move(response);
  co_return out;
}

// A new connection to the attempt's origin, TLS handshake done. `context` is set for https:// only.
asio::awaitable<proto::Result<std::unique_ptr<Connection>>> open(asio::any_io_executor executor,
                                                                 asio::ssl::context* context, const Attempt& a) {
  if (!a.target.tls) {
    auto c = std::make_unique<Connection>(executor);
    if (auto connected = co_await connect(*c->plain, a); !connected) co_return connected.error();
    co_return c;
  }
  auto c = std::make_unique<Connection>(executor, *context);
  auto& stream = *c->tls;
  if (auto prepared = prepare_tls(stream, a.target); !prepared) co_return prepared.error();
  if (auto connected = co_await connect(beast::get_lowest_layer(stream), a); !connected) co_return connected.error();
  beast::get_lowest_layer(stream).expires_after(a.options.timeouts.handshake);
  auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
  if (handshake_ec == beast::error::timeout) co_return a.timed_out("TLS handshake with", a.options.timeouts.handshake);
  if (handshake_ec == asio::error::operation_aborted) co_return a.aborted();
  if (handshake_ec) co_return handshake_error(stream, handshake_ec, a.target);
  co_return c;
}

// Ends a connection that will not be reused: TLS says close_notify first, bounded, since the
// result is already known; a peer that just closes (stream_truncated) is fine then.
asio::awaitable<void> close(Connection& c, const Attempt& a) {
  error_code ignored;
  if (c.tls) {
    beast::get_lowest_layer(*c.tls).expires_after(std::min(a.options.timeouts.handshake, max_tls_shutdown));
    co_await c.tls->async_shutdown(use_tuple);
  }
  c.tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
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
  Impl(asio::any_io_executor executor, ClientOptions options)
      : executor(executor), options(std::move(options)), pool(executor, ConnectionPool::Limits{}) {}

  // Made at the first https:// connection: loading the system trust store is most of a daemon's
  // start-up (about 25 ms of CPU and 1 MiB, docs/performance.md, "Scale"), and many users send only http://.
  asio::ssl::context& tls_context() {
    if (!tls) tls.emplace(make_tls_context());
    return *tls;
  }

  asio::any_io_executor executor;
  ClientOptions options;
  std::optional<asio::ssl::context> tls;
  ConnectionPool pool;
  Stats stats;
};

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(options))) {}

Client::~Client() = default;

void Client::set_timeouts(const Timeouts& timeouts) { impl_->options.timeouts = timeouts; }

void Client::drop_idle_connections() { impl_->pool.clear(); }

Client::Stats Client::stats() const noexcept { return impl_->stats; }

asio::awaitable<proto::Result<Response>> Client::send(const Request& request) {
  auto target = parse_target(request.url);
  if (!target) co_return target.error();
  if (auto checked = check_request(request); !checked) co_return checked.error();
  const Attempt attempt{*target, impl_->options};
  const std::string head = serialize_head(request, *target, impl_->options.user_agent);
  const std::string origin = (target->tls ? "https://" : "http://") + target->authority;
  try {
    auto connection = impl_->pool.take(origin);
    for (;;) {
      const bool reused = connection != nullptr;
      if (!connection) {
        asio::ssl::context* tls = target->tls ? &impl_->tls_context() : nullptr;
        auto opened = co_await open(impl_->executor, tls, attempt);
        if (!opened) co_return opened.error();
        connection = std::move(*opened);
        ++impl_->stats.connections_opened;
      }
      // Not a conditional expression of two co_awaits: g++ 12 destroys its result twice.
      Exchanged outcome;
      if (connection->tls) {
        outcome = co_await exchange(*connection->tls, connection->buffer, attempt, head, request);
      } else {
        outcome = co_await exchange(*connection->plain, connection->buffer, attempt, head, request);
      }
      if (!outcome.response && reused && outcome.stale) {
        // Closed by the server while idle, racing our request: once more on a new connection.
        connection.reset();
        continue;
      }
      if (outcome.response) {
        ++impl_->stats.requests;
        if (reused) ++impl_->stats.requests_reused;
      }
      if (outcome.reusable) {
        impl_->pool.give_back(origin, std::move(connection));
      } else if (outcome.response) {
        co_await close(*connection, attempt);
      }
      co_return std::move(outcome.response);
    }
  } catch (const boost::system::system_error& e) {
    // Asio throws instead of starting an operation once the awaiting coroutine has been
    // cancelled (a cancellation that arrived between two operations).
    if (e.code() == asio::error::operation_aborted) co_return attempt.aborted();
    throw;
  }
}

}  // namespace bgsync::http
