// The kernel-floor prober: blocking connect() retries from a thread inside the client namespace.
#include "bench/connect_prober.hpp"

#include "tests/netns/netns_topology.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace bgsync::bench {
namespace {

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// Bounds a blocking connect() (SO_SNDTIMEO applies to it on Linux) and recv(), so that a lost
// SYN cannot keep the destructor waiting for the kernel's two-minute connect timeout.
void set_timeouts(int fd) {
  const timeval limit{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

}  // namespace

ConnectProber::ConnectProber(std::string netns, std::string address, std::uint16_t port, std::string target,
                             std::chrono::microseconds interval)
    : netns_(std::move(netns)),
      address_(std::move(address)),
      port_(port),
      target_(std::move(target)),
      interval_(interval),
      thread_([this] { run(); }) {}

ConnectProber::~ConnectProber() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  thread_.join();
}

void ConnectProber::wait_retrying(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return unreachable_ > 0 || done_; })) {
    throw std::runtime_error("prober: connect() to " + address_ + " neither failed nor succeeded within the timeout");
  }
  if (unreachable_ == 0) {
    throw std::runtime_error("prober: expected no route to " + address_ + ", but " +
                             (done_->empty() ? std::string("the request went out") : *done_));
  }
}

void ConnectProber::wait_done(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return done_.has_value(); })) {
    throw std::runtime_error("prober: the request to " + address_ + " was not done within the timeout");
  }
  if (!done_->empty()) throw std::runtime_error("prober: " + *done_);
}

void ConnectProber::run() {
  try {
    const bgsync::test::ScopedNetns in(netns_);
    probe();
  } catch (const std::exception& e) {
    finish(e.what());
  }
}

void ConnectProber::probe() {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port_);
  if (::inet_pton(AF_INET, address_.c_str(), &to.sin_addr) != 1) throw std::runtime_error("bad address " + address_);
  const auto* to_address = reinterpret_cast<const sockaddr*>(&to);

  while (!stopping()) {
    const Socket socket;
    set_timeouts(socket.get());
    if (::connect(socket.get(), to_address, sizeof to) == 0) {
      const std::string request = "GET " + target_ + " HTTP/1.1\r\nHost: " + address_ + ":" + std::to_string(port_) +
                                  "\r\nConnection: close\r\n\r\n";
      if (::send(socket.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        return finish(std::string("send: ") + std::strerror(errno));
      }
      // Read the answer to the end (the server closes), so neither side sees a reset.
      char buffer[1024];
      while (::recv(socket.get(), buffer, sizeof buffer, 0) > 0) {
      }
      return finish("");
    }
    if (errno != ENETUNREACH && errno != EHOSTUNREACH) {
      return finish("connect to " + address_ + ": " + std::strerror(errno));
    }
    {
      const std::lock_guard lock(mutex_);
      ++unreachable_;
    }
    changed_.notify_all();
    std::this_thread::sleep_for(interval_);
  }
  finish("stopped before the route came back");
}

void ConnectProber::finish(std::string error) {
  {
    const std::lock_guard lock(mutex_);
    done_ = std::move(error);
  }
  changed_.notify_all();
}

bool ConnectProber::stopping() {
  const std::lock_guard lock(mutex_);
  return stop_;
}

}  // namespace bgsync::bench
