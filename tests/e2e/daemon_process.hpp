// A real bgsyncd for end-to-end tests: started as a child process on a private socket and state
// dir, with short retry delays, and stopped the way the test needs (SIGTERM, or kill -9).
#pragma once

#include <chrono>
#include <filesystem>
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

  DaemonProcess();
  ~DaemonProcess();  // kill -9 if still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Starts bgsyncd with default_args() + extra and waits until it accepts connections (Catch2
  // REQUIRE on failure, with the daemon's log). env: extra environment variables.
  void start(std::vector<std::string> extra = {}, std::vector<std::pair<std::string, std::string>> env = {});
  // Starts it and returns its exit status without waiting for readiness (for refusal tests).
  int run_to_exit(std::vector<std::string> extra, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM; returns the exit status (-1 if it did not exit within `timeout`, then kill -9).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void kill9();
  bool running();

  const std::string& socket() const noexcept { return socket_; }
  const std::filesystem::path& state_dir() const noexcept { return state_dir_; }
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  std::string log() const;  // everything the daemon(s) wrote to stderr so far

  // A connected synchronous client (REQUIRE on failure).
  Client client();

 private:
  pid_t spawn(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env);
  int wait_exit(std::chrono::milliseconds timeout);

  TempDir dir_;
  std::string socket_;
  std::filesystem::path state_dir_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
};

// Runs a program to completion, capturing stdout and stderr. For syncctl tests.
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_data = {},
                          const std::vector<std::pair<std::string, std::string>>& env = {});

}  // namespace bgsync::test
