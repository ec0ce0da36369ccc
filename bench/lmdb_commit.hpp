// The storage floor of the enqueue benchmark: raw LMDB, one put per write transaction and one
// synced mdb_txn_commit per item, with nothing else around it (no socket, no encoding, no index).
// And probes of what storage did: an environment's commits, the disk's flushes, the filesystem.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync::bench {

// An LMDB environment in `dir` (created if missing) with default flags, i.e. every commit is
// synced (fdatasync) before mdb_txn_commit returns. Not thread-safe. Errors throw
// std::runtime_error with LMDB's message.
class LmdbCommit {
 public:
  explicit LmdbCommit(const std::filesystem::path& dir);
  ~LmdbCommit();
  LmdbCommit(const LmdbCommit&) = delete;
  LmdbCommit& operator=(const LmdbCommit&) = delete;

  // One write transaction: puts `value` under the next key (a 16-byte big-endian counter, so keys
  // append like bgsync's time-ordered ids) and commits it durably.
  void put(std::string_view value);

 private:
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  std::uint64_t next_key_ = 0;
};

// The id of the last committed write transaction of the LMDB environment in `dir`, which another
// process (bgsyncd) may have open: LMDB numbers write transactions, so the difference between two
// readings is the number of commits in between. Unset if the environment cannot be opened.
std::optional<std::uint64_t> lmdb_last_txnid(const std::filesystem::path& dir);

// What the block device under a path has done since boot: flush requests completed (what
// durability costs), write requests completed and 512-byte sectors written. Counted for the whole
// disk, so every process's I/O shows up.
struct DiskIo {
  std::uint64_t flushes = 0;
  std::uint64_t writes = 0;
  std::uint64_t sectors_written = 0;
};

// The counters of /sys/dev/block/MAJ:MIN/stat for the disk holding `path` (the disk's, not the
// partition's: flushes are counted on the disk). Unset where there is no block device (tmpfs,
// overlay) or the kernel does not count flushes (before Linux 5.5).
std::optional<DiskIo> disk_io(const std::filesystem::path& path);

// The filesystem type of `path` as `stat -f` names it, with statfs's f_type, and for ext2/3/4
// whether it has a journal (a jbd2 instance for its device): "ext2/ext3 (0xef53), no journal".
std::string filesystem_of(const std::filesystem::path& path);

}  // namespace bgsync::bench
