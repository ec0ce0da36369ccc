// How libbgsync finds and talks to bgsyncd: the socket path, the name it gives itself, the timeout.
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
};

}  // namespace bgsync
