// Idle keep-alive connections: taken newest first (the likeliest to be open still), checked with a
// non-blocking peek unless given back moments ago, swept after the idle timeout so that a burst
// to many hosts does not hold their sockets for ever.
#include "daemon/http/connection_pool.hpp"

#include <cerrno>

#include <sys/socket.h>

namespace bgsync::http {

namespace {

// An idle HTTP/1.1 connection has nothing to read: readable means the server closed it (EOF, a
// TLS close_notify) or broke the protocol, and either way it cannot carry the next request.
// `peek`: look at the socket for that, one recv; else trust what we know.
bool still_open(Connection& c, bool peek) {
  if (c.buffer.size() != 0) return false;
  auto& socket = c.tcp().socket();
  if (!socket.is_open()) return false;
  if (!peek) return true;
  char byte = 0;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

ConnectionPool::ConnectionPool(boost::asio::any_io_executor executor, Limits limits)
    : limits_(limits), sweeper_(std::move(executor)) {}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<Connection> ConnectionPool::take(const std::string& origin) {
  auto it = idle_.find(origin);
  if (it == idle_.end()) return nullptr;
  auto& connections = it->second;
  const auto now = std::chrono::steady_clock::now();
  std::unique_ptr<Connection> found;
  while (!connections.empty() && !found) {
    auto c = std::move(connections.back());
    connections.pop_back();
    --idle_count_;
    const auto idle = now - c->idle_since;
    if (idle < limits_.idle_timeout && still_open(*c, idle >= limits_.trusted_for)) found = std::move(c);
  }
  if (connections.empty()) idle_.erase(it);
  return found;
}

void ConnectionPool::give_back(const std::string& origin, std::unique_ptr<Connection> connection) {
  if (idle_count_ >= limits_.idle_total) return;
  auto& connections = idle_[origin];
  if (connections.size() >= limits_.idle_per_origin) return;
  connection->idle_since = std::chrono::steady_clock::now();
  connections.push_back(std::move(connection));
  ++idle_count_;
  schedule_sweep();
}

void ConnectionPool::clear() {
  idle_.clear();
  idle_count_ = 0;
  // Nothing left to sweep; and an io_context with no other work can then run out of it.
  sweeper_.cancel();
  sweep_scheduled_ = false;
}

void ConnectionPool::schedule_sweep() {
  if (sweep_scheduled_) return;
  sweep_scheduled_ = true;
  sweeper_.expires_after(limits_.idle_timeout);
  sweeper_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the pool is being destroyed
    sweep_scheduled_ = false;
    sweep();
  });
}

void ConnectionPool::sweep() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& connections = it->second;
    // Oldest first: the expired ones are a prefix.
    std::size_t expired = 0;
    while (expired < connections.size() && now - connections[expired]->idle_since >= limits_.idle_timeout) ++expired;
    connections.erase(connections.begin(), connections.begin() + static_cast<std::ptrdiff_t>(expired));
    idle_count_ -= expired;
    it = connections.empty() ? idle_.erase(it) : std::next(it);
  }
  if (idle_count_ > 0) schedule_sweep();
}

}  // namespace bgsync::http
