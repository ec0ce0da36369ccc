// The blocking side of libbgsync's transport: an owned AF_UNIX stream socket that sends whole frames
// and reads '\n'-terminated lines with deadlines (poll + recv), and the errno-to-Error rules that the
// AsyncClient shares, so both clients word "bgsyncd is not running" the same way.
#pragma once

#include "bgsync/errors.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync::detail {

using Clock = std::chrono::steady_clock;
// No deadline: wait forever.
using Deadline = std::optional<Clock::time_point>;
Deadline deadline_after(std::chrono::milliseconds timeout);  // none for timeout <= 0

// An owned file descriptor, closed on destruction.
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset() noexcept;

private:
  int fd_ = -1;
};

// ---- messages shared by both clients ----------------------------------------------------------

Error client_error(client_errc code, std::string message);
// A failed connect(2) to `path`, as a message a person can act on (ENOENT, ECONNREFUSED, EACCES...).
Error connect_error(int error_number, const std::string& path);
// A path that does not fit in sockaddr_un::sun_path; std::nullopt when it fits.
std::optional<Error> check_path_length(const std::string& path);
// The daemon only serves its own user, so a socket owned by another uid is a refusal in waiting:
// checks the peer's uid (SO_PEERCRED) on a connected socket.
Result<void> check_peer(int fd, const std::string& path);
Error connection_closed();                                  // "bgsyncd closed the connection"
Error timed_out(std::chrono::milliseconds timeout, const std::string& path);
Error io_error(int error_number, std::string_view what);    // connection_lost with strerror

// ---- the blocking line socket -----------------------------------------------------------------

class LineSocket {
public:
  // Connects (blocking, bounded by the deadline) and switches the socket to non-blocking mode.
  // Errors: see connect_error, check_path_length, check_peer; client_errc::timeout.
  static Result<LineSocket> connect(const std::string& path, std::chrono::milliseconds timeout);

  // Sends all of `data`. Errors: connection_lost, timeout.
  Result<void> write_all(std::string_view data, Deadline deadline);
  // The next line, without its '\n'. Errors: connection_lost, timeout, protocol_error (a line longer
  // than proto::max_frame_size). With `wait_first`, for an answer just asked for, it polls before
  // its first recv: that recv would find nothing, and a system call is dear on a busy machine.
  Result<std::string> read_line(Deadline deadline, bool wait_first = false);

  bool is_open() const noexcept { return static_cast<bool>(fd_); }
  void close() noexcept { fd_.reset(); }
  const std::string& path() const noexcept { return path_; }
  std::chrono::milliseconds timeout() const noexcept { return timeout_; }

private:
  LineSocket(UniqueFd fd, std::string path, std::chrono::milliseconds timeout)
      : fd_(std::move(fd)), path_(std::move(path)), timeout_(timeout) {}
  // Waits until poll reports `events`. Errors: timeout, connection_lost.
  Result<void> wait_for(short events, Deadline deadline);

  UniqueFd fd_;
  std::string path_;
  std::chrono::milliseconds timeout_;
  std::string buffer_;       // bytes received past the last line returned
  std::size_t scanned_ = 0;  // buffer_[0, scanned_) holds no '\n'
};

}  // namespace bgsync::detail
