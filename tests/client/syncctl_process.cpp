// Spawning syncctl for the client tests (see syncctl_process.hpp): posix_spawn with stdin from a file
// and stdout/stderr into files of a TempDir, read back once it exits.

#include "tests/client/syncctl_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace bgsync::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

Process::Process(const std::vector<std::string>& args, const std::string& input_file) {
  std::vector<std::string> argv_storage{SYNCCTL_PATH};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  // No daemon of the developer's may answer: BGSYNC_SOCKET points nowhere unless --socket says.
  std::vector<std::string> env_storage{"BGSYNC_SOCKET=" + (dir_ / "no-daemon.sock").string()};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("BGSYNC_SOCKET=", 0) != 0) env_storage.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, input_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, ((dir_ / "out").string()).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, ((dir_ / "err").string()).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int rc = posix_spawn(&pid_, SYNCCTL_PATH, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start syncctl");
}

void Process::signal(int number) const { ::kill(pid_, number); }

Outcome Process::wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  Outcome outcome;
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  outcome.out = slurp((dir_ / "out").string());
  outcome.err = slurp((dir_ / "err").string());
  return outcome;
}

std::string Process::out_so_far() const { return slurp((dir_ / "out").string()); }

Outcome syncctl(const std::vector<std::string>& args, const std::string& input_file) {
  Process process(args, input_file);
  return process.wait();
}

}  // namespace bgsync::test
