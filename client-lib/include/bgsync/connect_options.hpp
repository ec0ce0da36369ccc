// How libbgsync finds and talks to bgsyncd: the socket path, the name it gives itself, the timeout,
// and where bgsync::enqueue spools a request while bgsyncd is not running.
// Shared by the synchronous Client and the AsyncClient.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace bgsync {

struct ConnectOptions {
  // Empty: $BGSYNC_SOCKET when set, else $XDG_RUNTIME_DIR/bgsync/bgsyncd.sock, else
  // /tmp/bgsync-<uid>/bgsyncd.sock (see proto::resolve_socket_path). syncctl finds it the same way.
  std::string socket_path;
  // Sent in hello; the daemon logs it.
  std::string client_name = "libbgsync";
  // The longest wait for a reply (connect and hello included). Zero or negative: wait forever.
  std::chrono::milliseconds timeout{30000};
  // AsyncClient only: how many pushed events are buffered before the client stops reading the
  // socket (the daemon then holds or drops them for this subscriber; it never buffers unboundedly).
  std::size_t event_queue_capacity = 1024;
  // bgsync::enqueue only: when bgsyncd is not running (client_errc::not_running), store the request
  // in the spool, for bgsyncd to take in when it starts (client.hpp). false: fail with not_running.
  bool spool = true;
  // The spool directory. Empty: $BGSYNC_SPOOL when set, else $XDG_STATE_HOME/bgsync/spool (else
  // ~/.local/state/bgsync/spool): where a bgsyncd started without options looks (proto/spool.hpp).
  std::string spool_dir;
};

}  // namespace bgsync
