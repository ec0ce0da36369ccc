// A real bgsyncd for end-to-end tests: started as a child process on a private socket and state
// dir, with short retry delays, and stopped the way the test needs (SIGTERM, or kill -9).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "bgsync/client.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_util.hpp"

namespace bgsync::test {

class DaemonProcess {
 public:
  // Arguments every test daemon gets unless a test overrides them: fast retries, verbose logs.
  static std::vector<std::string> default_args();

  // Runs its argument (which spawns bgsyncd) in whatever context the daemon must start in, e.g.
  // inside a network namespace (tests/netns). The default just calls it.
  using SpawnContext = std::function<void(const std::function<void()>& spawn)>;

  explicit DaemonProcess(SpawnContext context = {});
  virtual ~DaemonProcess();  // kill -9 if still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Starts bgsyncd with default_args() + extra and waits until it accepts connections; throws
  // std::runtime_error with the daemon's log if it does not (Catch2 reports the message, and
  // benchmarks can use this without a test runner). env: extra environment variables.
  void start(std::vector<std::string> extra = {}, std::vector<std::pair<std::string, std::string>> env = {});
  // Starts it and returns its exit status without waiting for readiness (for refusal tests).
  int run_to_exit(std::vector<std::string> extra, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM; returns the exit status (-1 if it did not exit within `timeout`, then kill -9).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void kill9();
  bool running();

  // Programs bgsyncd is started through, e.g. {"/usr/bin/unshare", "-m", "--", ...}: the daemon's
  // path and arguments follow them. The first must be an absolute path.
  void set_launcher(std::vector<std::string> launcher) { launcher_ = std::move(launcher); }

  // The process started last (the launcher's, when there is one); -1 before start().
  pid_t pid() const noexcept { return pid_; }
  const std::string& socket() const noexcept { return socket_; }
  const std::filesystem::path& state_dir() const noexcept { return state_dir_; }
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  std::string log() const;  // everything the daemon(s) wrote to stderr so far

  // A connected synchronous client (throws std::runtime_error on failure).
  Client client() const;

 private:
  pid_t spawn(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env);
  int wait_exit(std::chrono::milliseconds timeout);

  SpawnContext context_;
  std::vector<std::string> launcher_;
  TempDir dir_;
  std::string socket_;
  std::filesystem::path state_dir_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
};

// Every action in the outbox, page by page; throws std::runtime_error if a page cannot be read.
std::vector<Action> list_all(Client& client, ListQuery query = {});

// Runs a program to completion, capturing stdout and stderr. For syncctl tests.
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_data = {},
                          const std::vector<std::pair<std::string, std::string>>& env = {});

}  // namespace bgsync::test
