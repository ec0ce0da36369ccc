// The blocking transport of the synchronous Client, and the connect/IO error wording both clients use.
// Plain POSIX on purpose: syncctl must connect, enqueue and exit in a few milliseconds.

#include "client-lib/src/transport.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bgsync::detail {

Deadline deadline_after(std::chrono::milliseconds timeout) {
  if (timeout <= std::chrono::milliseconds::zero()) return std::nullopt;
  return Clock::now() + timeout;
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() noexcept { return std::exchange(fd_, -1); }

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);  // close(2) frees the fd even when it reports EINTR: never retry
  fd_ = -1;
}

// ---- messages ---------------------------------------------------------------------------------

Error client_error(client_errc code, std::string message) { return Error{make_error_code(code), std::move(message)}; }

Error connect_error(int error_number, const std::string& path) {
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return client_error(client_errc::not_running, "bgsyncd is not running: no socket at " + path +
                                                        " (start it with `bgsyncd`, or set BGSYNC_SOCKET)");
    case ECONNREFUSED:
      return client_error(client_errc::not_running,
                          "bgsyncd is not running: nothing listens on " + path + " (stale socket?)");
    case EACCES:
    case EPERM:
      return client_error(client_errc::permission_denied,
                          "permission denied on " + path + " (the socket or its directory belongs to another user?)");
    case EAGAIN:
    case ETIMEDOUT:
      return client_error(client_errc::timeout, "bgsyncd did not accept the connection on " + path +
                                                    " in time (its listen queue is full: is it stuck?)");
    default:
      return client_error(client_errc::not_running,
                          "cannot connect to bgsyncd at " + path + ": " + std::strerror(error_number));
  }
}

std::optional<Error> check_path_length(const std::string& path) {
  if (path.empty()) return Error{std::make_error_code(std::errc::invalid_argument), "the socket path is empty"};
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error{std::make_error_code(std::errc::filename_too_long),
                 "the socket path is too long for a Unix socket (" + std::to_string(path.size()) + " bytes, at most " +
                     std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + "): " + path};
  }
  return std::nullopt;
}

Result<void> check_peer(int fd, const std::string& path) {
  ucred peer{};
  socklen_t size = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) return {};  // cannot tell: let the daemon decide
  if (peer.uid != ::geteuid()) {
    return client_error(client_errc::permission_denied,
                        "the bgsyncd listening on " + path + " runs as uid " + std::to_string(peer.uid) +
                            ", not as you (uid " + std::to_string(::geteuid()) +
                            "); it serves only its own user: start your own bgsyncd");
  }
  return {};
}

Error connection_closed() { return client_error(client_errc::connection_lost, "bgsyncd closed the connection"); }

Error timed_out(std::chrono::milliseconds timeout, const std::string& path) {
  const auto ms = timeout.count();
  const std::string amount = ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  return client_error(client_errc::timeout, "bgsyncd did not answer within " + amount + " (socket " + path + ")");
}

Error io_error(int error_number, std::string_view what) {
  if (error_number == EPIPE || error_number == ECONNRESET) return connection_closed();
  return client_error(client_errc::connection_lost,
                      "the connection to bgsyncd broke while " + std::string(what) + ": " + std::strerror(error_number));
}

// ---- LineSocket -------------------------------------------------------------------------------

namespace {

// Remaining milliseconds for poll(2), rounded up so that we never wake just before the deadline.
int poll_timeout(const Deadline& deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(left)>(left, 0, 24 * 3600 * 1000));
}

}  // namespace

Result<LineSocket> LineSocket::connect(const std::string& path, std::chrono::milliseconds timeout) {
  if (auto error = check_path_length(path)) return *error;

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return io_error(errno, "creating a socket");

  // A blocking AF_UNIX connect waits only when the listen queue is full, and for at most
  // SO_SNDTIMEO (then EAGAIN): that bounds it by our timeout without a non-blocking dance.
  if (timeout > std::chrono::milliseconds::zero()) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  int rc = 0;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return connect_error(errno, path);

  if (auto peer = check_peer(fd.get(), path); !peer) return peer.error();

  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) return io_error(errno, "configuring the socket");

  return LineSocket(std::move(fd), path, timeout);
}

Result<void> LineSocket::wait_for(short events, Deadline deadline) {
  for (;;) {
    pollfd p{fd_.get(), events, 0};
    const int n = ::poll(&p, 1, poll_timeout(deadline));
    if (n > 0) return {};  // readiness, or an error/hangup that the next recv/send reports precisely
    if (n == 0) return timed_out(timeout_, path_);
    if (errno != EINTR) return io_error(errno, "waiting for bgsyncd");
  }
}

Result<void> LineSocket::write_all(std::string_view data, Deadline deadline) {
  if (!fd_) return connection_closed();
  while (!data.empty()) {
    const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return io_error(errno, "sending a request");
    if (auto ready = wait_for(POLLOUT, deadline); !ready) return ready;
  }
  return {};
}

Result<std::string> LineSocket::read_line(Deadline deadline, bool wait_first) {
  if (!fd_) return connection_closed();
  for (bool wait = wait_first;; wait = false) {
    const auto newline = buffer_.find('\n', scanned_);
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      scanned_ = 0;
      return line;
    }
    scanned_ = buffer_.size();
    if (buffer_.size() >= proto::max_frame_size) {
      return client_error(client_errc::protocol_error, "bgsyncd sent a frame larger than " +
                                                           std::to_string(proto::max_frame_size) + " bytes");
    }

    if (wait) {
      if (auto ready = wait_for(POLLIN, deadline); !ready) return ready.error();
    }
    char chunk[64 * 1024];
    const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return connection_closed();
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return io_error(errno, "reading a reply");
    if (auto ready = wait_for(POLLIN, deadline); !ready) return ready.error();
  }
}

}  // namespace bgsync::detail
