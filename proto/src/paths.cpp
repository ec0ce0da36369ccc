// Where bgsyncd's socket lives: the same rules for the daemon, libbgsync and syncctl.
// Pure string logic on the environment; creating and checking the directory is the daemon's job.
#include "bgsync/proto/paths.hpp"

#include <unistd.h>

#include <cstdlib>

namespace bgsync::proto {
namespace {

std::string_view environment(const char* name) noexcept {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string_view() : std::string_view(value);
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

}  // namespace bgsync::proto
