// The control socket: a Unix stream socket (never abstract) in a private directory, bound by the
// daemon or handed over by systemd (socket activation). Each accepted peer must be our own uid
// (SO_PEERCRED) or it is refused and logged. Past max_connections open connections it accepts no
// more until some close: later peers wait in the listen backlog.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/net/unique_fd.hpp"
#include "daemon/services.hpp"

namespace bgsync::daemon {

class Connection;

class ControlServer {
 public:
  ControlServer(boost::asio::any_io_executor executor, Services& services, std::size_t max_connections);

  // Binds `path` (replacing a stale socket file: the caller holds the instance lock), makes it
  // 0600 and listens.
  proto::Result<void> listen(const std::string& path);
  // Takes over a socket that already listens (from systemd). Its file, mode and directory are the
  // socket unit's to manage; connections queued in its backlog are accepted once start() runs.
  proto::Result<void> adopt(net::UniqueFd listening);
  void start();
  // Stops accepting; open connections finish their requests in progress, then close.
  void stop();
  std::size_t open_connections();
  // Removes the socket file if listen() created it (an adopted socket's file stays: systemd
  // listens on it again for the next start).
  void remove_socket_file();

 private:
  boost::asio::awaitable<void> accept_loop();

  boost::asio::any_io_executor executor_;
  Services& services_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::size_t max_connections_;
  std::vector<std::weak_ptr<Connection>> connections_;
  std::string bound_path_;  // set by listen(), not by adopt()
  std::uint64_t accepted_ = 0;
  bool stopping_ = false;
};

}  // namespace bgsync::daemon
