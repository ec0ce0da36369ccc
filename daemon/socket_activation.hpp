// Socket activation: the control socket handed over by systemd (bgsyncd.socket) instead of one
// bgsyncd binds itself. systemd listens before the daemon runs, so a client that connects while the
// daemon starts waits in the socket's backlog instead of failing, and the first client can start
// the daemon at all.
#pragma once

#include <optional>
#include <string>

#include "bgsync/proto/codec.hpp"
#include "daemon/net/unique_fd.hpp"

namespace bgsync::daemon {

struct ActivatedSocket {
  net::UniqueFd fd;  // listening, close-on-exec
  std::string path;  // the file system path it is bound to
};

// Takes the socket systemd passed (LISTEN_FDS/LISTEN_PID, which are then removed from the
// environment), or nullopt when none was passed to this process. Errors, with what to fix: more
// than one socket, or one that is not a listening AF_UNIX stream socket bound to a path.
proto::Result<std::optional<ActivatedSocket>> take_activated_socket();

}  // namespace bgsync::daemon
