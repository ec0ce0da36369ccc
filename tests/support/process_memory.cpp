// A daemon's pid through its socket, and its memory from /proc.
#include "tests/support/process_memory.hpp"
#include "daemon/net/unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace bgsync::test {
namespace {

using Fd = net::UniqueFd;

std::runtime_error system_failure(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

pid_t peer_pid(const std::string& path) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw system_failure("socket(AF_UNIX)");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) throw std::runtime_error("socket path too long: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    throw system_failure("connect to " + path);
  }
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    throw system_failure("SO_PEERCRED on " + path);
  }
  return credentials.pid;
}

ProcessMemory process_memory(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + ": the process is gone");
  std::optional<double> anon, file, hwm;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "RssAnon:") anon = kib / 1024;
    if (key == "RssFile:") file = kib / 1024;
    if (key == "VmHWM:") hwm = kib / 1024;
  }
  if (!anon || !file || !hwm) throw std::runtime_error(path + " lacks RssAnon, RssFile or VmHWM");
  return {*anon, *file, *hwm};
}

}  // namespace bgsync::test
