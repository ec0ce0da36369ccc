// The floor under bgsyncd's journal: one pwrite of a record into a preallocated file, overwriting
// blocks already on disk, and one fdatasync, per item: what one acknowledged enqueue must cost on
// this disk at the least, before any socket, thread hand-off or encoding.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace bgsync::bench {

// A file of `capacity` zero bytes at `path`, written and synced before the first put() so that
// puts only overwrite (as bgsyncd's journal does once grown). Not thread-safe. Errors throw
// std::runtime_error naming the file.
class FlushFloor {
 public:
  FlushFloor(const std::filesystem::path& path, std::size_t capacity);
  ~FlushFloor();
  FlushFloor(const FlushFloor&) = delete;
  FlushFloor& operator=(const FlushFloor&) = delete;

  // Writes `record` after the previous one (wrapping to the start when the file is full) and
  // fdatasyncs it.
  void put(std::string_view record);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t capacity_ = 0;
  std::size_t offset_ = 0;
};

}  // namespace bgsync::bench
