// The scripted fake daemon: plain POSIX sockets and one thread, one connection at a time, woken for
// shutdown through a pipe so that no test ever hangs in accept or recv.

#include "tests/client/fake_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace bgsync::test {
namespace json = boost::json;

std::string ok_reply(const json::object& request, json::object result) {
  json::object reply = std::move(result);
  reply["id"] = request.contains("id") ? request.at("id") : json::value();
  reply["ok"] = true;
  return json::serialize(reply) + "\n";
}

std::string error_reply(const json::object& request, std::string_view code, std::string_view message) {
  json::object reply;
  reply["id"] = request.contains("id") ? request.at("id") : json::value();
  reply["ok"] = false;
  reply["error"] = json::object{{"code", code}, {"message", message}};
  return json::serialize(reply) + "\n";
}

std::string hello_reply(const json::object& request, int version) {
  return ok_reply(request, json::object{{"version", version}, {"server", "fake-bgsyncd/0"}, {"max_frame", 16777216}});
}

json::object sample_action(std::string_view id) {
  return json::object{
      {"id", id},
      {"app", "test"},
      {"tag", ""},
      {"state", "queued"},
      {"method", "GET"},
      {"url", "https://example.com/"},
      {"headers", json::array{}},
      {"body", ""},
      {"attempts", 0},
      {"created", "2026-11-24T20:11:57.123Z"},
      {"updated", "2026-11-24T20:11:57.123Z"},
      {"next_attempt", "2026-11-24T20:11:57.123Z"},
      {"last_error", nullptr},
      {"response_status", nullptr},
      {"response_headers", json::array{}},
  };
}

json::object sample_event(std::uint64_t seq, std::string_view id) {
  return json::object{
      {"seq", seq},
      {"type", "queued"},
      {"id", id},
      {"tag", ""},
      {"app", "test"},
      {"time", "2026-11-24T20:11:57.123Z"},
      {"attempt", 0},
      {"status", nullptr},
      {"error", nullptr},
      {"next_attempt", nullptr},
  };
}

json::object sample_registration(std::string_view tag) {
  return json::object{
      {"app", "test"},
      {"tag", tag},
      {"min_interval_ms", 900000},
      {"method", "GET"},
      {"url", "https://example.com/news"},
      {"headers", json::array{}},
      {"body", ""},
      {"network", "any"},
      {"power", "any"},
      {"created", "2026-11-24T20:11:57.123Z"},
      {"updated", "2026-11-24T20:11:57.123Z"},
      {"last_run", nullptr},
      {"last_outcome", nullptr},
      {"last_status", nullptr},
      {"last_error", nullptr},
      {"consecutive_failures", 0},
      {"next_earliest", "2026-11-24T20:11:57.123Z"},
      {"etag", nullptr},
      {"last_modified", nullptr},
      {"cached", nullptr},
      {"running", false},
      {"network_state", {{"satisfied", true}, {"reason", "any network"}}},
      {"power_state", {{"satisfied", true}, {"reason", "any power"}}},
      {"waiting", nullptr},
  };
}

json::object sample_periodic_event(std::uint64_t seq, std::string_view tag) {
  return json::object{
      {"seq", seq},
      {"type", "periodic"},
      {"id", "00000000-0000-0000-0000-000000000000"},
      {"tag", tag},
      {"app", "test"},
      {"time", "2026-11-24T20:12:00.000Z"},
      {"attempt", 0},
      {"status", 200},
      {"error", nullptr},
      {"next_attempt", nullptr},
      {"outcome", "updated"},
      {"duration_ms", 152},
  };
}

FakeServer::Script FakeServer::with_hello(Script rest) {
  return [rest = std::move(rest)](const json::object& request) {
    const auto* op = request.if_contains("op");
    if (op != nullptr && op->is_string() && op->get_string() == "hello") return Answer::send(hello_reply(request));
    return rest(request);
  };
}

FakeServer::FakeServer(Script script) : script_(std::move(script)) {
  path_ = (dir_ / "bgsyncd.sock").string();

  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 8) != 0 || ::pipe(stop_pipe_) != 0) {
    throw std::runtime_error(std::string("fake server: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { run(); });
}

FakeServer::~FakeServer() {
  const char byte = 'x';
  [[maybe_unused]] auto written = ::write(stop_pipe_[1], &byte, 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

void FakeServer::run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    serve(fd);
    ::close(fd);
  }
}

void FakeServer::serve(int fd) {
  std::string buffer;
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return;
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (auto newline = buffer.find('\n'); newline != std::string::npos; newline = buffer.find('\n')) {
      const std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      std::error_code ec;
      auto parsed = json::parse(line, ec);
      if (ec || !parsed.is_object()) return;
      const Answer answer = script_(parsed.get_object());
      if (answer.kind == Answer::Kind::close) return;
      if (answer.kind == Answer::Kind::send) {
        std::string_view data = answer.frames;
        while (!data.empty()) {
          const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
          if (sent <= 0) return;
          data.remove_prefix(static_cast<std::size_t>(sent));
        }
      }
    }
  }
}

std::string op_of(const boost::json::object& request) { return std::string(request.at("op").as_string()); }

boost::json::object RequestRecorder::last() const {
  std::lock_guard lock(mutex_);
  if (requests_.empty()) throw std::logic_error("RequestRecorder::last: no request recorded");
  return requests_.back();
}

}  // namespace bgsync::test
