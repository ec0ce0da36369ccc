// bgsyncd under systemd, without systemd running: the sd_notify protocol received on a socket of
// the test's own (readiness, status, stopping, watchdog), socket activation through the real
// systemd-socket-activate, journal logging received on a stand-in journal socket, and the unit
// files checked by systemd-analyze verify.
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bgsync/proto/codec.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/raw_socket.hpp"
#include "tests/support/skip.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* socket_activate_path = "/usr/bin/systemd-socket-activate";
constexpr const char* analyze_path = "/usr/bin/systemd-analyze";
constexpr const char* unshare_path = "/usr/bin/unshare";

// A bound AF_UNIX datagram socket that collects what arrives on it: the service manager's end of
// NOTIFY_SOCKET, or journald's /run/systemd/journal/socket.
class DatagramSink {
 public:
  explicit DatagramSink(fs::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path_.string().size() < sizeof address.sun_path);
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    const int buffer = 1 << 20;  // room for a burst of debug lines while the test looks elsewhere
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  }
  ~DatagramSink() { ::close(fd_); }
  DatagramSink(const DatagramSink&) = delete;
  DatagramSink& operator=(const DatagramSink&) = delete;

  const fs::path& path() const noexcept { return path_; }

  // Waits for a datagram, received from now on or already collected, that `pred` accepts.
  template <class Pred>
  std::optional<std::string> wait_for(Pred pred, std::chrono::milliseconds timeout) {
    for (; next_ < received_.size(); ++next_) {
      if (pred(received_[next_])) return received_[next_++];
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[65536];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0) continue;
      received_.emplace_back(buf, static_cast<std::size_t>(n));
      next_ = received_.size();
      if (pred(received_.back())) return received_.back();
    }
  }

  // Everything received so far.
  const std::vector<std::string>& received() const noexcept { return received_; }

 private:
  fs::path path_;
  int fd_ = -1;
  std::vector<std::string> received_;
  std::size_t next_ = 0;  // received_[next_..] have not been offered to a wait_for yet
};

// The lines of an sd_notify datagram ("READY=1\nSTATUS=...").
bool has_line(std::string_view datagram, std::string_view line) {
  for (std::size_t at = 0; at <= datagram.size();) {
    const auto end = std::min(datagram.find('\n', at), datagram.size());
    if (datagram.substr(at, end - at) == line) return true;
    at = end + 1;
  }
  return false;
}

std::optional<std::string> field(std::string_view datagram, std::string_view name) {
  const std::string key = std::string(name) + "=";
  for (std::size_t at = 0; at < datagram.size();) {
    const auto end = std::min(datagram.find('\n', at), datagram.size());
    const auto line = datagram.substr(at, end - at);
    if (line.starts_with(key)) return std::string(line.substr(key.size()));
    at = end + 1;
  }
  return std::nullopt;
}

// Parses a native journal protocol datagram in its plain form (KEY=value lines; bgsyncd's
// messages carry no newlines, so the binary-length form never appears).
std::map<std::string, std::string> journal_fields(std::string_view datagram) {
  std::map<std::string, std::string> fields;
  for (std::size_t at = 0; at < datagram.size();) {
    const auto end = std::min(datagram.find('\n', at), datagram.size());
    const auto line = datagram.substr(at, end - at);
    if (const auto eq = line.find('='); eq != std::string_view::npos) {
      fields.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
    at = end + 1;
  }
  return fields;
}

// Whether a Unix stream socket listens on `path`, found without connecting to it: the file
// appears at bind(), a moment before listen(), and until then a connect is refused.
bool listening_on(const std::string& path) {
  std::ifstream table("/proc/net/unix");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    // Num RefCount Protocol Flags Type St Inode Path; Flags has __SO_ACCEPTCON (0x10000) set
    // for a listening socket.
    std::istringstream fields(line);
    std::string num, refs, protocol, flags, type, state, inode, socket_path;
    if (!(fields >> num >> refs >> protocol >> flags >> type >> state >> inode >> socket_path)) continue;
    if (socket_path == path && (std::stoul(flags, nullptr, 16) & 0x10000) != 0) return true;
  }
  return false;
}

std::string hello_line() {
  return R"({"id":1,"op":"hello","version":)" + std::to_string(proto::protocol_version) + "}\n";
}

}  // namespace

TEST_CASE("under systemd the daemon reports readiness, a status line and stopping", "[e2e][systemd]") {
  DaemonProcess daemon;
  DatagramSink manager(daemon.dir() / "notify.sock");
  daemon.start({}, {{"NOTIFY_SOCKET", manager.path().string()}});

  const auto ready = manager.wait_for([](const std::string& d) { return has_line(d, "READY=1"); }, 10s);
  REQUIRE(ready);
  const auto first_status = field(*ready, "STATUS");
  REQUIRE(first_status);
  INFO("first status: " << *first_status);
  CHECK_THAT(*first_status, Catch::Matches("(online|offline \\(.+\\)), 0 queued"));

  // The line follows what happens: paused, then an action waiting.
  auto client = daemon.client();
  REQUIRE(client.pause());
  enqueue_ok(client, post("http://127.0.0.1:9/unreachable", "x"));
  const auto paused = manager.wait_for(
      [](const std::string& d) {
        const auto status = field(d, "STATUS");
        return status && status->starts_with("paused, ") && status->ends_with(", 1 queued");
      },
      10s);
  CHECK(paused);

  CHECK(daemon.terminate() == 0);
  CHECK(manager.wait_for([](const std::string& d) { return has_line(d, "STOPPING=1"); }, 5s));
}

TEST_CASE("the event loop pings the watchdog at half of WATCHDOG_USEC", "[e2e][systemd]") {
  DaemonProcess daemon;
  DatagramSink manager(daemon.dir() / "notify.sock");
  // WATCHDOG_PID unset: the watchdog is meant for whichever process reads it (sd_watchdog_enabled).
  daemon.start({}, {{"NOTIFY_SOCKET", manager.path().string()}, {"WATCHDOG_USEC", "200000"}});
  REQUIRE(manager.wait_for([](const std::string& d) { return has_line(d, "READY=1"); }, 10s));
  const auto started = std::chrono::steady_clock::now();
  int pings = 0;
  while (pings < 10 && manager.wait_for([](const std::string& d) { return has_line(d, "WATCHDOG=1"); }, 2s)) ++pings;
  CHECK(pings == 10);
  // Every 100 ms: ten pings take about a second; far more would mean a stalled or busy loop.
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK_THAT(daemon.log(), Catch::Contains("pinging its watchdog every 100 ms"));
  CHECK(daemon.terminate() == 0);
}

TEST_CASE("a watchdog meant for another process is not pinged", "[e2e][systemd]") {
  DaemonProcess daemon;
  DatagramSink manager(daemon.dir() / "notify.sock");
  daemon.start({}, {{"NOTIFY_SOCKET", manager.path().string()}, {"WATCHDOG_USEC", "200000"}, {"WATCHDOG_PID", "1"}});
  REQUIRE(manager.wait_for([](const std::string& d) { return has_line(d, "READY=1"); }, 10s));
  // The daemon logs its decision when it says it is ready; no need to wait for pings not to come.
  REQUIRE(wait_until([&] { return daemon.log().find("told systemd we are ready") != std::string::npos; }, 5s));
  CHECK_THAT(daemon.log(), !Catch::Contains("watchdog"));
  CHECK(daemon.terminate() == 0);
  for (const auto& d : manager.received()) CHECK_FALSE(has_line(d, "WATCHDOG=1"));
}

TEST_CASE("socket activation: a client that connects before the daemon runs is answered", "[e2e][systemd]") {
  if (::access(socket_activate_path, X_OK) != 0) {
    BGSYNC_SKIP(socket_activate_path << " (package systemd) is needed");
  }
  std::optional<RawSocket> early;
  DaemonProcess* self = nullptr;
  // systemd-socket-activate binds the socket and starts bgsyncd only when a client connects, so
  // this client is there before the daemon even runs; DaemonProcess::start connects after it.
  DaemonProcess daemon([&](const std::function<void()>& spawn) {
    spawn();
    if (!wait_until([&] { return listening_on(self->socket()); }, 10s, 1ms)) return;
    early.emplace(self->socket());
    early->send(hello_line());
  });
  self = &daemon;
  DatagramSink manager(daemon.dir() / "notify.sock");
  daemon.set_launcher({socket_activate_path, "--listen", daemon.socket(), "--setenv", "NOTIFY_SOCKET"});
  daemon.start({}, {{"NOTIFY_SOCKET", manager.path().string()}});
  REQUIRE(early);

  const auto reply = early->read_json(10s);
  CHECK(reply.at("ok").as_bool());
  CHECK(reply.at("version").as_int64() == proto::protocol_version);
  CHECK(manager.wait_for([](const std::string& d) { return has_line(d, "READY=1"); }, 10s));
  CHECK_THAT(daemon.log(), Catch::Contains("the socket came from systemd"));
  auto client = daemon.client();
  CHECK(client.status());

  // The socket is systemd's: the daemon leaves its file for the next activation.
  CHECK(daemon.terminate() == 0);
  CHECK(fs::exists(daemon.socket()));
}

TEST_CASE("under the journal, log lines are journal entries with priority and action id", "[e2e][systemd]") {
  if (::geteuid() != 0 || ::access(unshare_path, X_OK) != 0) {
    BGSYNC_SKIP("needs root and " << unshare_path << " to give the daemon a stand-in journal socket");
  }
  DaemonProcess daemon;
  DatagramSink journal(daemon.dir() / "journal.sock");
  // In a mount namespace of its own, the daemon finds the test's socket where journald's would
  // be; JOURNAL_STREAM names its stderr, as systemd sets it for a service logging to the journal.
  daemon.set_launcher({unshare_path, "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                       "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && touch /run/systemd/journal/socket && "
                       "mount --bind \"$0\" /run/systemd/journal/socket && "
                       "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) && exec \"$@\"",
                       journal.path().string()});
  daemon.start();

  const auto is_ready = [](const std::string& d) {
    const auto f = journal_fields(d);
    return f.contains("MESSAGE") && f.at("MESSAGE").find(" ready: socket ") != std::string::npos;
  };
  const auto ready = journal.wait_for(is_ready, 10s);
  REQUIRE(ready);
  auto fields = journal_fields(*ready);
  CHECK(fields["PRIORITY"] == "6");
  CHECK(fields["SYSLOG_IDENTIFIER"] == "bgsyncd");
  CHECK_THAT(fields["MESSAGE"], Catch::StartsWith("bgsyncd "));  // no timestamp, no level: fields carry those
  CHECK_FALSE(fields.contains("BGSYNC_ACTION_ID"));

  auto client = daemon.client();
  const auto id = enqueue_ok(client, post("http://127.0.0.1:9/unreachable", "x")).id.to_string();
  const auto about_action = journal.wait_for(
      [&](const std::string& d) {
        const auto f = journal_fields(d);
        return f.contains("BGSYNC_ACTION_ID") && f.at("BGSYNC_ACTION_ID") == id;
      },
      10s);
  REQUIRE(about_action);
  fields = journal_fields(*about_action);
  CHECK_THAT(fields["MESSAGE"], Catch::StartsWith("action " + id));
  CHECK((fields["PRIORITY"] == "6" || fields["PRIORITY"] == "7"));  // info or debug

  CHECK(daemon.terminate() == 0);
  // Nothing went to stderr: it was all in the journal.
  CHECK_THAT(daemon.log(), !Catch::Contains("ready: socket"));
}

TEST_CASE("systemd-analyze verify accepts the units", "[e2e][systemd]") {
  if (::access(analyze_path, X_OK) != 0) {
    BGSYNC_SKIP(analyze_path << " (package systemd) is needed");
  }
  // The test copies of the units name the bgsyncd of this build tree, which verify checks exists.
  // --man=no: the man pages are installed, not in the build tree.
  const fs::path units = BGSYNC_TEST_UNIT_DIR;
  TempDir runtime("bgsync-analyze");
  const auto result = run_process({analyze_path, "--user", "--man=no", "verify", (units / "bgsyncd.socket").string(),
                                   (units / "bgsyncd.service").string()},
                                  {}, {{"XDG_RUNTIME_DIR", runtime.path().string()}, {"SYSTEMD_LOG_LEVEL", "notice"}});
  INFO("systemd-analyze verify said:\n" << result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
}
