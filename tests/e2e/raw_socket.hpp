// A bare Unix-socket client for tests that must send what no real client would: garbage, huge or
// half frames. Reads whole lines back with a deadline.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace bgsync::test {

class RawSocket {
 public:
  explicit RawSocket(const std::string& path);  // throws std::runtime_error if it cannot connect
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // Sends everything; false if the peer closed or reset.
  bool send(std::string_view bytes);
  // Sends as much of `bytes` as the peer takes, giving up once it has taken nothing for `stall`
  // (or closed); returns how many bytes went out.
  std::size_t send_until_stalled(std::string_view bytes, std::chrono::milliseconds stall);
  // Shuts both directions down: a send or read blocked on it (in another thread) returns.
  void shutdown();
  // The next line (without '\n'), or nullopt on EOF/error/timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next line parsed as a JSON object (REQUIRE it is one).
  boost::json::object read_json(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the daemon has closed its end (EOF) within the timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace bgsync::test
