// Starting, stopping and killing a real bgsyncd, and running syncctl, for end-to-end tests.
#include "tests/e2e/daemon_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bgsync::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> merged_env(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    bool overridden = false;
    for (const auto& [k, v] : extra) overridden = overridden || entry.rfind(k + "=", 0) == 0;
    if (!overridden) env.push_back(std::move(entry));
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::vector<std::string> DaemonProcess::default_args() {
  return {"--retry-base", "100ms", "--retry-max", "1s", "--log-level", "debug",
          "--connect-timeout", "2s", "--exchange-timeout", "5s"};
}

DaemonProcess::DaemonProcess(SpawnContext context) : context_(std::move(context)), dir_("bgsync-e2e") {
  ::mkdir((dir_.path() / "run").c_str(), 0700);
  socket_ = (dir_.path() / "run" / "bgsyncd.sock").string();
  state_dir_ = dir_.path() / "state";
  log_path_ = dir_.path() / "daemon.log";
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) kill9();
}

pid_t DaemonProcess::spawn(const std::vector<std::string>& extra, const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> args = launcher_;
  for (const char* arg : {BGSYNC_DAEMON_PATH, "--socket"}) args.emplace_back(arg);
  args.insert(args.end(), {socket_, "--state-dir", state_dir_.string()});
  args.insert(args.end(), extra.begin(), extra.end());
  // The developer's own ~/.config/bgsync/bgsyncd.toml must not change what a test daemon does:
  // its config home is the (empty) temporary directory unless the test says otherwise.
  auto with_config_home = env;
  if (std::none_of(env.begin(), env.end(), [](const auto& kv) { return kv.first == "XDG_CONFIG_HOME"; })) {
    with_config_home.emplace_back("XDG_CONFIG_HOME", (dir_.path() / "config").string());
  }
  auto envs = merged_env(with_config_home);
  auto argv = c_strings(args);
  auto envp = c_strings(envs);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = -1;
  int rc = 0;
  const auto spawn = [&] { rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()); };
  if (context_) {
    context_(spawn);
  } else {
    spawn();
  }
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(std::string("cannot start bgsyncd: ") + std::strerror(rc));
  return pid;
}

void DaemonProcess::start(std::vector<std::string> extra, std::vector<std::pair<std::string, std::string>> env) {
  if (pid_ > 0) throw std::logic_error("DaemonProcess::start: bgsyncd is already running");
  auto args = default_args();
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = spawn(args, env);
  bool exited = false;
  const bool ready = wait_until(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          exited = true;
          return true;
        }
        ConnectOptions options;
        options.socket_path = socket_;
        options.timeout = 2s;
        return Client::connect(options).has_value();
      },
      10s, 10ms);
  if (exited) {
    pid_ = -1;
    throw std::runtime_error("bgsyncd exited during start-up; its log:\n" + log());
  }
  if (!ready) throw std::runtime_error("bgsyncd did not accept connections within 10 s; its log:\n" + log());
}

int DaemonProcess::run_to_exit(std::vector<std::string> extra, std::chrono::milliseconds timeout) {
  const pid_t pid = spawn(extra, {});
  int status = 0;
  const bool done = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout, 10ms);
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return decode_status(status);
}

int DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
  int status = 0;
  const bool done = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout, 5ms);
  if (!done) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return decode_status(status);
}

int DaemonProcess::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw std::logic_error("DaemonProcess::terminate: bgsyncd is not running");
  ::kill(pid_, SIGTERM);
  return wait_exit(timeout);
}

void DaemonProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool DaemonProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string DaemonProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Client DaemonProcess::client() const {
  ConnectOptions options;
  options.socket_path = socket_;
  options.timeout = 10s;
  auto client = Client::connect(options);
  if (!client) throw std::runtime_error("cannot connect to the test bgsyncd: " + client.error().message);
  return std::move(*client);
}

std::vector<Action> list_all(Client& client, ListQuery query) {
  std::vector<Action> all;
  query.limit = 1000;
  for (;;) {
    auto page = client.list(query);
    if (!page) throw std::runtime_error("list: " + page.error().message);
    all.insert(all.end(), page->actions.begin(), page->actions.end());
    if (!page->next) return all;
    query.after = page->next;
  }
}

ProcessResult run_process(const std::vector<std::string>& argv_in, const std::string& stdin_data,
                          const std::vector<std::pair<std::string, std::string>>& env) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> args = argv_in;
  auto envs = merged_env(env);
  auto argv = c_strings(args);
  auto envp = c_strings(envs);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) throw std::runtime_error(std::string("cannot run ") + argv_in.at(0) + ": " + std::strerror(rc));

  // Feed stdin and drain both outputs together, so a chatty child never blocks on a full pipe.
  ProcessResult result;
  std::size_t written = 0;
  int in_fd = in_pipe[1];
  if (stdin_data.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[3] = {{out_open ? out_pipe[0] : -1, POLLIN, 0}, {err_open ? err_pipe[0] : -1, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (::poll(fds, 3, -1) < 0 && errno != EINTR) break;
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const auto n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const auto n = ::write(in_fd, stdin_data.data() + written, stdin_data.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n <= 0 || written == stdin_data.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = decode_status(status);
  return result;
}

}  // namespace bgsync::test
