// Runs Client::send to completion on a private io_context for a test, with a wall-clock limit so
// that a bug fails the test instead of hanging it: once on a fresh client, or on a kept one.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon/http/http_client.hpp"

namespace bgsync::test {

struct SendOutcome {
  proto::Result<http::Response> result;
  std::chrono::steady_clock::duration elapsed;
};

// One Client kept across requests on a private io_context, so that tests can see keep-alive at
// work; each send runs to completion or fails the test after `limit`.
class KeptClient {
  boost::asio::io_context ioc_;  // first: the client is made on it

 public:
  explicit KeptClient(http::ClientOptions options = {}) : client(ioc_.get_executor(), std::move(options)) {}

  http::Client client;

  proto::Result<http::Response> send(const http::Request& request,
                                     std::chrono::seconds limit = std::chrono::seconds{20}) {
    std::optional<proto::Result<http::Response>> result;
    boost::asio::co_spawn(
        ioc_, [&]() -> boost::asio::awaitable<void> { result = co_await client.send(request); },
        [this](std::exception_ptr e) {
          ioc_.stop();  // the client's idle-connection timer would keep it running
          if (e) std::rethrow_exception(e);
        });
    ioc_.restart();
    ioc_.run_for(limit);
    if (!result) throw std::runtime_error("Client::send did not complete within the test's limit");
    return std::move(*result);
  }
};

// One request on a fresh Client (so never on a reused connection).
inline SendOutcome send_once(const http::Request& request, http::ClientOptions options = {},
                             std::chrono::seconds limit = std::chrono::seconds{20}) {
  KeptClient fresh(std::move(options));
  const auto start = std::chrono::steady_clock::now();
  auto result = fresh.send(request, limit);
  return SendOutcome{std::move(result), std::chrono::steady_clock::now() - start};
}

inline http::Request make_request(std::string method, std::string url, proto::Headers headers = {},
                                  std::string body = {}) {
  http::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

}  // namespace bgsync::test
