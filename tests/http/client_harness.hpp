// Runs one Client::send to completion on a private io_context for a test, with a wall-clock
// limit so that a bug fails the test instead of hanging it.
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

inline SendOutcome send_once(const http::Request& request, http::ClientOptions options = {},
                             std::chrono::seconds limit = std::chrono::seconds{20}) {
  boost::asio::io_context ioc;
  http::Client client(ioc.get_executor(), std::move(options));
  std::optional<proto::Result<http::Response>> result;
  const auto start = std::chrono::steady_clock::now();
  boost::asio::co_spawn(
      ioc, [&]() -> boost::asio::awaitable<void> { result = co_await client.send(request); },
      [&ioc](std::exception_ptr e) {
        ioc.stop();  // the client's idle-connection timer would keep it running
        if (e) std::rethrow_exception(e);
      });
  ioc.run_for(limit);
  if (!result) throw std::runtime_error("Client::send did not complete within the test's limit");
  return SendOutcome{std::move(*result), std::chrono::steady_clock::now() - start};
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
