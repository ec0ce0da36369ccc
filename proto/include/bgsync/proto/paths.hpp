// Where bgsyncd's socket, state and config file live by default, computed the same way by the
// daemon, libbgsync and syncctl. Path logic on the environment (no filesystem access): the daemon
// creates and checks the directories, clients connect.
#pragma once

#include <string>
#include <string_view>

namespace bgsync::proto {

struct SocketPath {
  std::string path;
  std::string source;  // "--socket", "BGSYNC_SOCKET", "XDG_RUNTIME_DIR" or "fallback": for messages
};

// $XDG_RUNTIME_DIR/bgsync/bgsyncd.sock when XDG_RUNTIME_DIR is set and absolute, else
// /tmp/bgsync-<uid>/bgsyncd.sock (the daemon creates that directory 0700 and refuses it unless it
// is a real directory owned by the user with mode 0700).
SocketPath default_socket_path();

// explicit_path when non-empty, else $BGSYNC_SOCKET when set and non-empty, else the default.
SocketPath resolve_socket_path(std::string_view explicit_path);

// $XDG_STATE_HOME/bgsync when XDG_STATE_HOME is set and absolute, else ~/.local/state/bgsync
// (the home directory is $HOME, else the user's passwd entry).
std::string default_state_dir();

// $XDG_CONFIG_HOME/bgsync/bgsyncd.toml when XDG_CONFIG_HOME is set and absolute, else
// ~/.config/bgsync/bgsyncd.toml.
std::string default_config_file();

}  // namespace bgsync::proto
