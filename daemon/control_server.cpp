// Accepting control connections, checking who is on the other end.
#include "daemon/control_server.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "daemon/connection.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

ControlServer::ControlServer(asio::any_io_executor executor, Services& services, std::size_t max_connections)
    : executor_(executor), services_(services), acceptor_(executor), max_connections_(max_connections) {}

proto::Result<void> ControlServer::listen(const std::string& path) {
  auto fail = [&](const std::string& what, const boost::system::error_code& ec) {
    return proto::make_error(proto::errc::storage_error, "cannot listen on " + path + ": " + what + ": " + ec.message());
  };
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return proto::make_error(proto::errc::storage_error,
                             "socket path is too long for a Unix socket (" + std::to_string(path.size()) + " bytes): " + path);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return proto::make_error(proto::errc::storage_error, path + " exists and is not a socket; refusing to replace it");
    }
    spdlog::info("replacing stale socket {}", path);
    ::unlink(path.c_str());
  }
  boost::system::error_code ec;
  acceptor_.open(stream(), ec);
  if (ec) return fail("socket", ec);
  acceptor_.bind(stream::endpoint(path), ec);
  if (ec) return fail("bind", ec);
  if (::chmod(path.c_str(), 0600) != 0) {
    return fail("chmod 0600", boost::system::error_code(errno, boost::system::system_category()));
  }
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen", ec);
  bound_path_ = path;
  return {};
}

proto::Result<void> ControlServer::adopt(net::UniqueFd listening) {
  boost::system::error_code ec;
  acceptor_.assign(stream(), listening.get(), ec);
  if (ec) return proto::make_error(proto::errc::storage_error, "cannot use the socket from systemd: " + ec.message());
  listening.release();  // the acceptor owns it now
  return {};
}

void ControlServer::remove_socket_file() {
  if (!bound_path_.empty()) ::unlink(bound_path_.c_str());
}

void ControlServer::start() { asio::co_spawn(executor_, accept_loop(), asio::detached); }

void ControlServer::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& weak : connections_) {
    if (auto c = weak.lock()) c->shutdown();
  }
}

std::size_t ControlServer::open_connections() {
  std::erase_if(connections_, [](const auto& w) { return w.expired(); });
  return connections_.size();
}

asio::awaitable<void> ControlServer::accept_loop() {
  bool full = false;  // at max_connections_: said once in the log, until below it again
  while (!stopping_) {
    if (connections_.size() >= max_connections_ && open_connections() >= max_connections_) {
      // Connections do not tell us when they close: look again shortly, only while full.
      if (!full) {
        spdlog::warn("{} client connections are open, the most bgsyncd takes at once; the next ones wait until some "
                     "close (an app that opens connections and never closes them?)",
                     max_connections_);
      }
      full = true;
      asio::steady_timer pause(executor_, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (full) spdlog::info("client connections below {} again; accepting", max_connections_);
    full = false;
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      // EMFILE and friends: log, breathe, go on; the daemon must not die of a client flood.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(executor_, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      spdlog::warn("refused a connection: cannot read its credentials: {}", std::strerror(errno));
      continue;
    }
    if (cred.uid != ::geteuid()) {
      spdlog::warn("refused a connection from uid {} (pid {}): only uid {} may use this daemon", cred.uid, cred.pid,
                   ::geteuid());
      continue;
    }
    const auto number = ++accepted_;
    spdlog::debug("connection {}: accepted from pid {}", number, cred.pid);
    auto connection = std::make_shared<Connection>(std::move(socket), services_, number);
    connection->start();
    if (connections_.size() > 64) open_connections();  // prune expired entries now and then
    connections_.push_back(connection);
  }
}

}  // namespace bgsync::daemon
