// One overwrite and one fdatasync per item: the journal's floor (see flush_floor.hpp).
#include "bench/flush_floor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace bgsync::bench {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error("flush floor: cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

void write_at(int fd, const char* data, std::size_t size, std::size_t offset, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path, "write");
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::size_t>(n);
  }
}

}  // namespace

FlushFloor::FlushFloor(const std::filesystem::path& path, std::size_t capacity) : path_(path), capacity_(capacity) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) fail(path, "create");
  const std::vector<char> zeros(std::size_t{1} << 20, '\0');
  for (std::size_t at = 0; at < capacity_; at += zeros.size()) {
    write_at(fd_, zeros.data(), std::min(zeros.size(), capacity_ - at), at, path_);
  }
  if (::fsync(fd_) != 0) fail(path, "sync");
}

FlushFloor::~FlushFloor() {
  if (fd_ >= 0) ::close(fd_);
}

void FlushFloor::put(std::string_view record) {
  if (offset_ + record.size() > capacity_) offset_ = 0;
  write_at(fd_, record.data(), record.size(), offset_, path_);
  offset_ += record.size();
  if (::fdatasync(fd_) != 0) fail(path_, "fdatasync");
}

}  // namespace bgsync::bench
