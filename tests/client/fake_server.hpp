// A scripted stand-in for bgsyncd, for libbgsync's own tests: a thread that accepts connections on a
// socket in a temporary directory, reads request lines and answers what the test's script says.
// It exists to test the client's framing, timeouts and error mapping; real daemon tests are in e2e/.
#pragma once

#include <boost/json/object.hpp>

#include "tests/support/test_util.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bgsync::test {

// What the server does with one request.
struct Answer {
  enum class Kind { send, close, silence } kind = Kind::send;
  std::string frames;  // raw bytes to send (one or more '\n'-terminated frames, or garbage)

  static Answer send(std::string frames) { return {Kind::send, std::move(frames)}; }
  static Answer close() { return {Kind::close, {}}; }
  static Answer silence() { return {Kind::silence, {}}; }
};

// The request's "op".
std::string op_of(const boost::json::object& request);

// Every request a script hands it (scripts run on the server thread), for the test thread to look at.
class RequestRecorder {
public:
  void add(const boost::json::object& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }
  std::vector<boost::json::object> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // The latest one; there must be one.
  boost::json::object last() const;

private:
  mutable std::mutex mutex_;
  std::vector<boost::json::object> requests_;
};

// Answer helpers: a proper reply to a request, in the protocol's shape.
std::string ok_reply(const boost::json::object& request, boost::json::object result = {});
std::string error_reply(const boost::json::object& request, std::string_view code, std::string_view message);
std::string hello_reply(const boost::json::object& request, int version = 1);
// A syntactically valid action object with this id ("0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a" style).
boost::json::object sample_action(std::string_view id);
boost::json::object sample_event(std::uint64_t seq, std::string_view id);
// A periodic registration object as PERIODIC.md / PROTOCOL.md spell it: app "test", GET
// https://example.com/news, 15 minutes, no constraints, never run, due.
boost::json::object sample_registration(std::string_view tag);
// A `periodic` event of (app "test", tag): outcome updated, HTTP 200, 152 ms.
boost::json::object sample_periodic_event(std::uint64_t seq, std::string_view tag);

class FakeServer {
public:
  // Called on the server thread for each request line that parses as a JSON object.
  using Script = std::function<Answer(const boost::json::object& request)>;

  explicit FakeServer(Script script);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  const std::string& path() const { return path_; }
  int connections() const { return connections_.load(); }

  // A script that answers hello properly and hands every other request to `rest`.
  static Script with_hello(Script rest);

private:
  void run();
  void serve(int fd);

  Script script_;
  TempDir dir_;
  std::string path_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace bgsync::test
