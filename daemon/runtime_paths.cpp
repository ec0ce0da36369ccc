// Private directories and single-instance locks for bgsyncd.
#include "daemon/runtime_paths.hpp"

#include "bgsync/proto/paths.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bgsync::daemon {
namespace fs = std::filesystem;

namespace {

proto::Error path_error(const fs::path& p, const std::string& what) {
  return proto::make_error(proto::errc::storage_error, p.string() + ": " + what);
}

}  // namespace

// One rule for the daemon and for `syncctl paths`: proto's.
fs::path default_state_dir() { return proto::default_state_dir(); }

proto::Result<void> ensure_private_dir(const fs::path& dir, bool create_parents, bool require_private) {
  if (dir.empty()) return path_error(dir, "empty directory path");
  if (create_parents && dir.has_parent_path()) {
    std::error_code ec;
    if (!fs::exists(dir.parent_path(), ec)) {
      fs::create_directories(dir.parent_path(), ec);
      if (ec) return path_error(dir.parent_path(), "cannot create: " + ec.message());
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return path_error(dir, std::string("cannot create directory: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return path_error(dir, std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISLNK(st.st_mode)) return path_error(dir, "is a symbolic link; refusing to use it");
  if (!S_ISDIR(st.st_mode)) return path_error(dir, "exists and is not a directory");
  if (st.st_uid != geteuid()) {
    return path_error(dir, "is owned by uid " + std::to_string(st.st_uid) + ", not by us (uid " +
                               std::to_string(geteuid()) + "); refusing to use it");
  }
  if (require_private && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return path_error(dir, std::string("has mode ") + mode + "; it must be 0700 (chmod 700 it, or choose another path)");
  }
  return {};
}

proto::Result<InstanceLock> InstanceLock::acquire(const fs::path& file, const std::string& what) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return path_error(file, std::string("cannot open lock file: ") + std::strerror(errno));
  InstanceLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return proto::make_error(proto::errc::storage_error,
                             "another bgsyncd (pid " + pid + ") is already using " + what);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] auto n = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return lock;
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace bgsync::daemon
