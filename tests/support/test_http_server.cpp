// The test HTTP server: an accept loop and one coroutine per connection on a private io_context
// and thread. Requests are parsed with a custom Beast parser so headers are recorded exactly as
// sent; replies are written by hand so tests control every byte. Stopping closes every socket and
// cancels every timer, so the thread ends even with connections that were told to hang.
#include "tests/support/test_http_server.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>

namespace bgsync::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds handshake_limit{5};
constexpr std::chrono::seconds tls_shutdown_limit{1};

using TlsStream = ssl::stream<beast::tcp_stream>;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool has_field(const proto::Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const proto::Header& h) { return iequals(h.name, name); });
}

// Records a request as sent: every field in order (trailers of a chunked body are left out).
class RequestParser final : public beast::http::basic_parser<true> {
 public:
  RequestParser() {
    header_limit(64 * 1024);
    body_limit(std::uint64_t{256} << 20);
  }
  RecordedRequest take() { return std::move(request_); }

 private:
  using string_view = beast::string_view;

  void on_request_impl(beast::http::verb, string_view method, string_view target, int, error_code&) override {
    request_.method = method;
    request_.target = target;
  }
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(beast::http::field, string_view name, string_view value, error_code&) override {
    if (!header_done_) request_.headers.push_back(proto::Header{std::string(name), std::string(value)});
  }
  void on_header_impl(error_code&) override { header_done_ = true; }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override {
    request_.body.append(body);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(error_code&) override {}

  RecordedRequest request_;
  bool header_done_ = false;
};

std::string serialize_reply_head(const Reply& reply, bool close) {
  const auto reason = beast::http::obsolete_reason(beast::http::int_to_status(static_cast<unsigned>(reply.status)));
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + std::string(reason) + "\r\n";
  for (const auto& h : reply.headers) out += h.name + ": " + h.value + "\r\n";
  const bool bodiless = (reply.status >= 100 && reply.status < 200) || reply.status == 204 || reply.status == 304;
  if (!bodiless && !has_field(reply.headers, "Content-Length") && !has_field(reply.headers, "Transfer-Encoding"))
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  if (close && !has_field(reply.headers, "Connection")) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

bool asks_to_close(const proto::Headers& headers) {
  return std::any_of(headers.begin(), headers.end(), [](const proto::Header& h) {
    return iequals(h.name, "Connection") && h.value.find("close") != std::string::npos;
  });
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::uint16_t port = 0;
  std::thread thread;

  // Shared between the test's thread and the server's thread.
  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  std::vector<RecordedRequest> log;
  Handler handler = [](const RecordedRequest&) { return Reply::with_status(200, "ok"); };
  std::uint64_t connections = 0;

  // Server thread only.
  bool stopping = false;
  std::map<std::uint64_t, std::function<void()>> live;  // connection -> closes its socket and timer

  std::uint64_t next_connection() {
    const std::lock_guard lock(mutex);
    return ++connections;
  }

  Reply record_and_answer(const RecordedRequest& request) {
    Handler current;
    {
      const std::lock_guard lock(mutex);
      log.push_back(request);
      current = handler;
    }
    arrived.notify_all();
    try {
      return current(request);
    } catch (const std::exception& e) {
      return Reply::with_status(500, std::string("test handler threw: ") + e.what());
    }
  }
};

namespace {

// Keeps a connection reachable by stop() while its coroutine runs.
class Registration {
 public:
  Registration(HttpServer::Impl& server, std::uint64_t id, beast::tcp_stream& stream, asio::steady_timer& timer)
      : server_(server), id_(id) {
    server_.live[id_] = [&stream, &timer] {
      error_code ignored;
      stream.socket().close(ignored);
      timer.cancel();
    };
  }
  ~Registration() { server_.live.erase(id_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  HttpServer::Impl& server_;
  std::uint64_t id_;
};

asio::awaitable<void> finish(beast::tcp_stream& stream) {
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
  co_return;
}

asio::awaitable<void> finish(TlsStream& stream) {
  stream.next_layer().expires_after(tls_shutdown_limit);
  co_await stream.async_shutdown(use_tuple);
  error_code ignored;
  stream.next_layer().socket().close(ignored);
}

template <class Stream>
asio::awaitable<void> serve(HttpServer::Impl& server, Stream& stream, asio::steady_timer& timer,
                            std::uint64_t connection) {
  beast::flat_buffer buffer;
  for (;;) {
    RequestParser parser;
    auto [read_ec, n] = co_await beast::http::async_read(stream, buffer, parser, use_tuple);
    if (read_ec || server.stopping) co_return;
    const bool keep_alive = parser.keep_alive();
    RecordedRequest request = parser.take();
    request.arrival = std::chrono::steady_clock::now();
    request.connection = connection;
    const Reply reply = server.record_and_answer(request);

    if (reply.action == Reply::Action::hang) {
      timer.expires_at(asio::steady_timer::time_point::max());
      co_await timer.async_wait(use_tuple);
      co_return;
    }
    if (reply.delay.count() > 0) {
      timer.expires_after(reply.delay);
      co_await timer.async_wait(use_tuple);
      if (server.stopping) co_return;
    }
    if (reply.action == Reply::Action::reset) {
      auto& socket = beast::get_lowest_layer(stream).socket();
      error_code ignored;
      socket.set_option(tcp::socket::linger(true, 0), ignored);
      socket.close(ignored);
      co_return;
    }
    if (reply.action == Reply::Action::raw) {
      co_await asio::async_write(stream, asio::buffer(reply.body), use_tuple);
      co_await finish(stream);
      co_return;
    }

    const bool close = !keep_alive || asks_to_close(reply.headers);
    const std::string head = serialize_reply_head(reply, close);
    const std::string_view body = request.method == "HEAD" ? std::string_view() : std::string_view(reply.body);
    const std::array buffers{asio::buffer(head), asio::buffer(body)};
    auto [write_ec, written] = co_await asio::async_write(stream, buffers, use_tuple);
    if (write_ec) co_return;
    if (close) {
      co_await finish(stream);
      co_return;
    }
  }
}

asio::awaitable<void> session(HttpServer::Impl& server, tcp::socket socket, std::uint64_t connection) {
  if (server.stopping) co_return;  // accepted just before stop(): nobody would close it later
  try {
    asio::steady_timer timer(socket.get_executor());
    beast::tcp_stream tcp_stream(std::move(socket));
    if (!server.tls) {
      const Registration registration(server, connection, tcp_stream, timer);
      co_await serve(server, tcp_stream, timer, connection);
      co_return;
    }
    TlsStream stream(std::move(tcp_stream), *server.tls);
    const Registration registration(server, connection, stream.next_layer(), timer);
    stream.next_layer().expires_after(handshake_limit);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (ec) co_return;  // e.g. a client that rejected our certificate
    stream.next_layer().expires_never();
    co_await serve(server, stream, timer, connection);
  } catch (const std::exception&) {
    // A test server connection has nobody to report to; the test sees the missing response.
  }
}

asio::awaitable<void> accept_loop(HttpServer::Impl& server) {
  for (;;) {
    auto [ec, socket] = co_await server.acceptor.async_accept(use_tuple);
    if (server.stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    asio::co_spawn(server.ioc, session(server, std::move(socket), server.next_connection()), asio::detached);
  }
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return std::nullopt;
}

std::vector<std::string> RecordedRequest::header_values(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& h : headers)
    if (iequals(h.name, name)) values.push_back(h.value);
  return values;
}

Reply Reply::with_status(int status, std::string body, proto::Headers headers) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers = std::move(headers);
  return reply;
}

Reply Reply::reset_connection() {
  Reply reply;
  reply.action = Action::reset;
  return reply;
}

Reply Reply::hang_forever() {
  Reply reply;
  reply.action = Action::hang;
  return reply;
}

Reply Reply::raw_bytes(std::string bytes) {
  Reply reply;
  reply.action = Action::raw;
  reply.body = std::move(bytes);
  return reply;
}

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.options = std::move(options);
  if (!s.options.cert_path.empty() || !s.options.key_path.empty()) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->use_certificate_chain_file(s.options.cert_path);
    s.tls->use_private_key_file(s.options.key_path, ssl::context::pem);
  }
  const tcp::endpoint endpoint(asio::ip::make_address(s.options.address), 0);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen();
  s.port = s.acceptor.local_endpoint().port();
  asio::co_spawn(s.ioc, accept_loop(s), asio::detached);
  s.thread = std::thread([&s] { s.ioc.run(); });
}

HttpServer::~HttpServer() {
  Impl& s = *impl_;
  asio::post(s.ioc, [&s] {
    s.stopping = true;
    error_code ignored;
    s.acceptor.close(ignored);
    // Closing completes the pending operations later, on this thread: `live` is not modified
    // while we walk it.
    for (const auto& [id, close] : s.live) close();
  });
  s.thread.join();
}

std::uint16_t HttpServer::port() const noexcept { return impl_->port; }

bool HttpServer::is_tls() const noexcept { return impl_->tls.has_value(); }

std::string HttpServer::url(std::string_view path) const {
  const bool v6 = impl_->options.address.find(':') != std::string::npos;
  return url(path, v6 ? "[" + impl_->options.address + "]" : impl_->options.address);
}

std::string HttpServer::url(std::string_view path, std::string_view host) const {
  std::string out = is_tls() ? "https://" : "http://";
  out.append(host).append(":").append(std::to_string(port()));
  if (path.empty() || path.front() != '/') out += '/';
  out.append(path);
  return out;
}

void HttpServer::set_handler(Handler handler) {
  const std::lock_guard lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

std::vector<RecordedRequest> HttpServer::requests() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->log;
}

std::size_t HttpServer::request_count() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->log.size();
}

bool HttpServer::wait_for_requests(std::size_t n, std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->arrived.wait_until(lock, deadline, [&] { return impl_->log.size() >= n; });
}

bool HttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  return wait_for_requests(n, std::chrono::steady_clock::now() + timeout);
}

void HttpServer::clear() {
  const std::lock_guard lock(impl_->mutex);
  impl_->log.clear();
}

std::uint64_t HttpServer::connection_count() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

}  // namespace bgsync::test
