// The test server itself, since every end-to-end test leans on it: keep-alive and pipelining,
// request recording, the waits, and a prompt stop even with connections that hang.
#include "tests/support/test_http_server.hpp"

#include "tests/support/test_util.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

namespace asio = boost::asio;
using bgsync::test::HttpServer;
using bgsync::test::RecordedRequest;
using bgsync::test::Reply;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

// A blocking client socket: the server's behaviour is checked byte by byte, without our client.
struct RawClient {
  asio::io_context ioc;
  asio::ip::tcp::socket socket{ioc};

  explicit RawClient(std::uint16_t port) { socket.connect({asio::ip::make_address("127.0.0.1"), port}); }
  void send(std::string_view bytes) { asio::write(socket, asio::buffer(bytes)); }
  std::string read_to_eof() {
    std::string out;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(out), ec);
    return out;
  }
};

}  // namespace

TEST_CASE("test server: keep-alive and pipelined requests on one connection", "[support]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest& r) { return Reply::with_status(200, "re:" + r.target); });
  RawClient client(server.port());
  client.send(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
      "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string responses = client.read_to_eof();
  CHECK_THAT(responses, Contains("re:/a") && Contains("re:/b") && Contains("re:/c"));
  CHECK(responses.rfind("Connection: close") > responses.find("re:/b"));

  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].body == "xyz");
  CHECK(requests[0].connection == requests[2].connection);
  CHECK(server.connection_count() == 1);
  CHECK(requests[0].arrival <= requests[2].arrival);
}

TEST_CASE("test server: wait_for_requests, clear, and headers exactly as sent", "[support]") {
  HttpServer server;
  CHECK_FALSE(server.wait_for_requests(1, 50ms));
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nhost: x\r\nX-Dup: 1\r\nX-Other: o\r\nx-dup: 2\r\nConnection: close\r\n\r\n");
  REQUIRE(server.wait_for_requests(1, 5s));
  const auto r = server.requests().at(0);
  REQUIRE(r.headers.size() == 5);
  CHECK(r.headers[1].name == "X-Dup");
  CHECK(r.headers[3].name == "x-dup");
  CHECK(r.header_values("X-DUP") == std::vector<std::string>{"1", "2"});
  server.clear();
  CHECK(server.request_count() == 0);
}

TEST_CASE("test server: a delayed reply arrives after its delay, others meanwhile", "[support]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest& r) {
    auto reply = Reply::with_status(200, r.target);
    if (r.target == "/slow") reply.delay = 1s;
    return reply;
  });
  RawClient slow(server.port());
  const auto start = std::chrono::steady_clock::now();
  slow.send("GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(server.wait_for_requests(1, 5s));
  RawClient fast(server.port());
  fast.send("GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK_THAT(fast.read_to_eof(), Contains("/fast"));
  CHECK(slow.socket.available() == 0);  // still waiting out its delay
  CHECK_THAT(slow.read_to_eof(), Contains("/slow"));
  CHECK(std::chrono::steady_clock::now() - start >= 1s);
}

TEST_CASE("test server: stops promptly with hanging and idle connections", "[support]") {
  auto server = std::make_unique<HttpServer>();
  server->set_handler([](const RecordedRequest&) { return Reply::hang_forever(); });
  RawClient hanging(server->port());
  hanging.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  RawClient idle(server->port());
  REQUIRE(server->wait_for_requests(1, 5s));
  REQUIRE(bgsync::test::wait_until([&] { return server->connection_count() == 2; }, 5s));

  const auto start = std::chrono::steady_clock::now();
  server.reset();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK(hanging.read_to_eof().empty());
  CHECK(idle.read_to_eof().empty());
}
