// Where bgsyncd keeps its socket and state, made safe before use: private directories that must be
// ours, and lock files that keep a second daemon off the same socket or state dir.
#pragma once

#include <filesystem>
#include <string>

#include "bgsync/proto/codec.hpp"

namespace bgsync::daemon {

// $XDG_STATE_HOME/bgsync, else ~/.local/state/bgsync (HOME, else the passwd entry).
std::filesystem::path default_state_dir();

// Creates `dir` with mode 0700 if missing (its parents too when create_parents; those get 0700
// only if we create them). Then insists it is a real directory (not a symlink) owned by our
// effective uid; when require_private, also that group and others have no access.
// Errors carry a message that names the path and what is wrong with it.
proto::Result<void> ensure_private_dir(const std::filesystem::path& dir, bool create_parents, bool require_private);

// An exclusive flock on a file (created 0600), held for the object's lifetime. The file records
// our pid so the refusal message of a second daemon can name the one that holds it.
class InstanceLock {
 public:
  // what: "state dir /x" or "socket /y", used in the error ("another bgsyncd (pid 42) is using ...").
  static proto::Result<InstanceLock> acquire(const std::filesystem::path& file, const std::string& what);
  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace bgsync::daemon
