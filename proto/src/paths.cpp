// Where bgsyncd's socket, state and config live: the same rules for the daemon, libbgsync and
// syncctl. String logic on the environment; creating and checking directories is the daemon's job.
#include "bgsync/proto/paths.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace bgsync::proto {
namespace {

std::string_view environment(const char* name) noexcept {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string_view() : std::string_view(value);
}

// dir + "/" + name, without doubling a trailing slash of dir.
std::string join(std::string_view dir, std::string_view name) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return std::string(dir) + (dir == "/" ? "" : "/") + std::string(name);
}

// XDG base directories must be absolute; a relative one is ignored, as the spec says.
std::string xdg_dir(const char* variable, std::string_view fallback_under_home) {
  const std::string_view dir = environment(variable);
  if (!dir.empty() && dir.front() == '/') return std::string(dir);
  std::string home(environment("HOME"));
  if (home.empty()) {
    if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr && entry->pw_dir != nullptr) home = entry->pw_dir;
  }
  return join(home, fallback_under_home);
}

}  // namespace

SocketPath default_socket_path() {
  std::string_view runtime_dir = environment("XDG_RUNTIME_DIR");
  // A relative XDG_RUNTIME_DIR is invalid per the XDG spec and would depend on the working directory.
  if (!runtime_dir.empty() && runtime_dir.front() == '/') {
    while (runtime_dir.size() > 1 && runtime_dir.back() == '/') runtime_dir.remove_suffix(1);
    const std::string_view separator = runtime_dir == "/" ? "" : "/";
    return {std::string(runtime_dir) + std::string(separator) + "bgsync/bgsyncd.sock", "XDG_RUNTIME_DIR"};
  }
  return {"/tmp/bgsync-" + std::to_string(::getuid()) + "/bgsyncd.sock", "fallback"};
}

SocketPath resolve_socket_path(std::string_view explicit_path) {
  if (!explicit_path.empty()) return {std::string(explicit_path), "--socket"};
  if (const std::string_view from_env = environment("BGSYNC_SOCKET"); !from_env.empty()) {
    return {std::string(from_env), "BGSYNC_SOCKET"};
  }
  return default_socket_path();
}

std::string default_state_dir() { return join(xdg_dir("XDG_STATE_HOME", ".local/state"), "bgsync"); }

std::string default_config_file() { return join(xdg_dir("XDG_CONFIG_HOME", ".config"), "bgsync/bgsyncd.toml"); }

}  // namespace bgsync::proto
