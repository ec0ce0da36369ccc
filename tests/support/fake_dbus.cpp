// A private dbus-daemon started for one test, and a fake service on it driven by sd-bus on a
// thread of its own. See fake_dbus.hpp.
#include "tests/support/fake_dbus.hpp"

#include <systemd/sd-bus.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

extern char** environ;

namespace bgsync::test {
namespace {

using namespace std::chrono_literals;

std::string errno_text(int error) { return std::generic_category().message(error); }

// The policy of dbus-daemon's own session.conf without its service directories: anyone of our
// uid may connect, own any name and call anything; no name is ever activated.
std::string bus_config(const std::filesystem::path& socket) {
  return R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=)" +
         socket.string() + R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)";
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Reads the line dbus-daemon prints once it listens. On failure returns "" and says why in `why`.
std::string read_address(int fd, std::chrono::milliseconds timeout, std::string& why) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  while (text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    const int ready = left > 0ms ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      why = ready == 0 ? "did not print its address within " + std::to_string(timeout.count()) + " ms"
                       : "poll: " + errno_text(errno);
      return {};
    }
    char buffer[512];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = n == 0 ? "exited (or closed its address pipe) before printing its address" : "read: " + errno_text(errno);
      return {};
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text.substr(0, text.find('\n'));
}

// Waits up to `timeout` for the child to exit; true if it did (and is reaped).
bool reap(pid_t pid, std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        return r == pid || (r < 0 && errno == ECHILD);
      },
      timeout, 5ms);
}

}  // namespace

std::unique_ptr<FakeDbus> FakeDbus::start(std::string* why_not, std::chrono::milliseconds timeout) {
  auto fail = [&](std::string reason) -> std::unique_ptr<FakeDbus> {
    if (why_not) *why_not = std::move(reason);
    return nullptr;
  };
  const char* from_env = std::getenv("BGSYNC_TEST_DBUS_DAEMON");
  const std::string binary = from_env && *from_env ? from_env : "/usr/bin/dbus-daemon";
  if (::access(binary.c_str(), X_OK) != 0)
    return fail(binary + " is not there (" + errno_text(errno) + "); it comes with the Debian package dbus-daemon");

  std::unique_ptr<FakeDbus> bus(new FakeDbus);
  const auto config = bus->dir_ / "bus.conf";
  std::ofstream(config) << bus_config(bus->dir_ / "bus");
  const auto log = bus->dir_ / "dbus-daemon.log";

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail("pipe2: " + errno_text(errno));
  Fd read_end{fds[0]};
  Fd write_end{fds[1]};
  // The child gets the write end at a fixed number without O_CLOEXEC (dup2 clears it, unless the
  // numbers are equal — hence not 3 when the pipe already is 3).
  const int child_fd = write_end.fd == 3 ? 4 : 3;
  std::vector<std::string> args{binary, "--nofork", "--nosyslog", "--config-file=" + config.string(),
                                "--print-address=" + std::to_string(child_fd)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, child_fd);
  const int rc = ::posix_spawn(&bus->pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    bus->pid_ = -1;
    return fail("cannot start " + binary + ": " + errno_text(rc));
  }
  write_end.reset();  // so that the read sees EOF if the daemon dies before printing

  std::string why;
  bus->address_ = read_address(read_end.fd, timeout, why);
  if (bus->address_.empty()) return fail(binary + " " + why + "; its log:\n" + bus->log());  // ~FakeDbus stops it
  return bus;
}

FakeDbus::~FakeDbus() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!reap(pid_, 2s)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string FakeDbus::log() const {
  std::ifstream in(dir_ / "dbus-daemon.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct FakeDbusService::Served {
  std::string service;
  std::string path;
  std::string interface;
  std::promise<std::string> ready;  // an empty message: the name is ours
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;
  std::map<std::string, Value, std::less<>> values;
  Mode mode = Mode::normal;
  std::size_t gets = 0;
};

namespace {

using Served = FakeDbusService::Served;

// A reply sent is a message handled (1); 0 would let sd-bus answer UnknownMethod as well.
int handled(int r) { return r < 0 ? r : 1; }

int on_message(sd_bus_message* m, void* userdata, sd_bus_error* /*ret_error*/) {
  auto& s = *static_cast<Served*>(userdata);
  if (sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Get") <= 0) return 0;
  const char* interface = nullptr;
  const char* property = nullptr;
  if (int r = sd_bus_message_read(m, "ss", &interface, &property); r < 0) return r;

  std::unique_lock lock(s.mutex);
  ++s.gets;
  switch (s.mode) {
    case FakeDbusService::Mode::silent: return 1;  // read, and never answered
    case FakeDbusService::Mode::wrong_type:
      lock.unlock();
      return handled(sd_bus_reply_method_return(m, "v", "s", "not the type you asked for"));
    case FakeDbusService::Mode::normal: break;
  }
  if (s.interface != interface) {
    lock.unlock();
    return handled(sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_INTERFACE, "no interface %s here", interface));
  }
  const auto it = s.values.find(std::string_view{property});
  if (it == s.values.end()) {
    lock.unlock();
    return handled(sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_PROPERTY, "no property %s", property));
  }
  const FakeDbusService::Value value = it->second;
  lock.unlock();
  if (const auto* b = std::get_if<bool>(&value)) return handled(sd_bus_reply_method_return(m, "v", "b", int{*b}));
  return handled(sd_bus_reply_method_return(m, "v", "u", std::get<std::uint32_t>(value)));
}

}  // namespace

FakeDbusService::FakeDbusService(const std::string& bus_address, std::string service, std::string path,
                                 std::string interface)
    : served_(std::make_unique<Served>()) {
  served_->service = std::move(service);
  served_->path = std::move(path);
  served_->interface = std::move(interface);
  auto ready = served_->ready.get_future();
  thread_ = std::thread([this, bus_address] { serve(bus_address); });
  // sd-bus bounds each blocking step of the start-up (25 s method timeout), so this returns.
  if (auto failure = ready.get(); !failure.empty()) {
    thread_.join();
    throw std::runtime_error("fake D-Bus service " + served_->service + ": " + failure);
  }
}

FakeDbusService::~FakeDbusService() {
  served_->stopping = true;
  thread_.join();
}

void FakeDbusService::serve(const std::string& bus_address) {
  Served& s = *served_;
  sd_bus* bus = nullptr;
  sd_bus_slot* slot = nullptr;
  const auto cleanup = [&] {
    sd_bus_slot_unref(slot);
    sd_bus_flush_close_unref(bus);
  };
  const auto fail = [&](const std::string& step, int r) {
    cleanup();
    s.ready.set_value(step + ": " + errno_text(-r));
  };
  if (int r = sd_bus_new(&bus); r < 0) return fail("sd_bus_new", r);
  if (int r = sd_bus_set_address(bus, bus_address.c_str()); r < 0) return fail("bad address " + bus_address, r);
  sd_bus_set_bus_client(bus, 1);
  if (int r = sd_bus_start(bus); r < 0) return fail("cannot connect to " + bus_address, r);
  if (int r = sd_bus_add_object(bus, &slot, s.path.c_str(), on_message, &s); r < 0)
    return fail("cannot serve " + s.path, r);
  if (int r = sd_bus_request_name(bus, s.service.c_str(), 0); r < 0) return fail("cannot own " + s.service, r);
  s.ready.set_value({});

  // Polls the stop flag every 20 ms: a test's teardown may wait that long, nothing else does.
  while (!s.stopping) {
    const int r = sd_bus_process(bus, nullptr);
    if (r < 0) break;  // the bus went away: nothing left to serve
    if (r > 0) continue;
    if (int w = sd_bus_wait(bus, 20'000); w < 0 && w != -EINTR) break;
  }
  cleanup();
}

void FakeDbusService::set(const std::string& property, Value value) {
  const std::lock_guard lock(served_->mutex);
  served_->values[property] = value;
}

void FakeDbusService::remove(const std::string& property) {
  const std::lock_guard lock(served_->mutex);
  served_->values.erase(property);
}

void FakeDbusService::set_mode(Mode mode) {
  const std::lock_guard lock(served_->mutex);
  served_->mode = mode;
}

std::size_t FakeDbusService::gets() const {
  const std::lock_guard lock(served_->mutex);
  return served_->gets;
}

}  // namespace bgsync::test
