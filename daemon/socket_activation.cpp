// Checking and adopting the listening socket systemd passes to bgsyncd.
#include "daemon/socket_activation.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

namespace bgsync::daemon {

namespace {

proto::Error activation_error(const std::string& what) {
  return proto::make_error(proto::errc::storage_error, "socket activation: " + what);
}

}  // namespace

proto::Result<std::optional<ActivatedSocket>> take_activated_socket() {
  const int count = ::sd_listen_fds(/*unset_environment=*/1);
  if (count < 0) return activation_error(std::string("cannot read LISTEN_FDS: ") + std::strerror(-count));
  if (count == 0) return std::optional<ActivatedSocket>();
  // Own every passed descriptor at once, so that none leaks whichever check fails.
  std::vector<net::UniqueFd> fds;
  for (int i = 0; i < count; ++i) fds.emplace_back(SD_LISTEN_FDS_START + i);
  if (count > 1) {
    return activation_error("systemd passed " + std::to_string(count) +
                            " sockets; bgsyncd listens on exactly one (give bgsyncd.socket a single ListenStream=)");
  }
  const int fd = fds.front().get();
  const int unix_stream = ::sd_is_socket_unix(fd, SOCK_STREAM, /*listening=*/1, nullptr, 0);
  if (unix_stream < 0) return activation_error(std::string("cannot inspect the passed socket: ") + std::strerror(-unix_stream));
  if (unix_stream == 0) {
    return activation_error("the passed socket is not a listening Unix stream socket (bgsyncd.socket needs ListenStream=<path>)");
  }
  sockaddr_un address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return activation_error(std::string("cannot read the passed socket's address: ") + std::strerror(errno));
  }
  const auto path_bytes = length > offsetof(sockaddr_un, sun_path) ? length - offsetof(sockaddr_un, sun_path) : 0;
  if (path_bytes == 0 || address.sun_path[0] == '\0') {
    // bgsyncd's only access control besides SO_PEERCRED is the socket's private directory, which
    // an abstract socket does not have.
    return activation_error("the passed socket has no file system path (abstract sockets are not supported)");
  }
  std::string path(address.sun_path, ::strnlen(address.sun_path, path_bytes));
  return std::optional<ActivatedSocket>(ActivatedSocket{std::move(fds.front()), std::move(path)});
}

}  // namespace bgsync::daemon
