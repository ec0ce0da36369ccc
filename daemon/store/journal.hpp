// The outbox's redo journal: the outbox acknowledges writes once they are in this file (one
// sequential write + one fdatasync per batch) and applies them to LMDB later, in bigger transactions.
// It holds opaque payloads; it only frames, checksums, writes, flushes, reads back and restarts.
//
// Format (all little-endian). The file is a run of frames from offset 0:
//   magic u32 = 0x314A4742 ("BGJ1") | crc u32 | nonce u64 | seq u64 | len u32 | payload (len bytes)
// crc is CRC-32C (Castagnoli) over nonce, seq, len and payload, i.e. bytes [8, 28 + len) of the
// frame. The valid run ends at the first frame with a bad magic or crc, a len over 1 GiB or past
// the end of the file, a nonce other than the first frame's, or a seq other than previous + 1.
// restart() begins a new run at offset 0 under a new random nonce, so the older frames it does
// not overwrite end the run instead of being replayed. The file grows in zero-filled MiB steps
// and is never shrunk: frames overwrite blocks already written, so fdatasync flushes only data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bgsync/proto/codec.hpp"

namespace bgsync::store::detail {

template <class T>
using Result = proto::Result<T>;

// CRC-32C as the journal's frames carry it. crc32c() uses SSE4.2 when the CPU has it; both
// versions are exposed so tests can check they agree.
std::uint32_t crc32c(std::string_view bytes) noexcept;
std::uint32_t crc32c_portable(std::string_view bytes) noexcept;
// std::nullopt when this CPU (or this build's target) has no SSE4.2 crc32 instruction.
std::optional<std::uint32_t> crc32c_hardware(std::string_view bytes) noexcept;

// Not thread-safe: one thread (the outbox's writer) uses it at a time.
class Journal {
 public:
  struct Record {
    std::uint64_t seq = 0;
    std::string payload;
  };

  static constexpr std::uint32_t magic = 0x314A4742;  // "BGJ1" as little-endian bytes
  static constexpr std::size_t header_size = 28;
  static constexpr std::size_t max_payload = std::size_t{1} << 30;

  // Opens (creating, mode 0600) the journal at `path`. `applied` is the seq of the last record
  // already applied elsewhere (the caller keeps it in LMDB). Reads the valid run of frames:
  // records with seq <= applied are skipped, the rest are recovered() and must start exactly at
  // applied + 1. A torn or garbage tail is not an error: reading stops there. Afterwards new
  // frames follow the valid run and last_seq() = synced_seq() = max(applied, last valid seq);
  // if the run is empty or ends before `applied` (everything in it is applied), writing starts
  // over at offset 0 under a new nonce instead.
  // Errors: storage_error when the file cannot be opened or read, or when records between
  // `applied` and the journal's first are missing (the journal does not belong to this state).
  static Result<Journal> open(const std::filesystem::path& path, std::uint64_t applied);

  Journal(Journal&&) noexcept = default;
  Journal& operator=(Journal&&) noexcept = default;
  ~Journal() = default;

  // The records found by open() with seq > applied, in order, for the caller to replay.
  const std::vector<Record>& recovered() const noexcept { return recovered_; }
  void clear_recovered();

  // Writes one frame with seq = last_seq() + 1 and returns that seq. Not durable until sync().
  // On failure nothing counts as written: the next append() writes to the same place, with the
  // same seq. Errors: storage_full (ENOSPC, EDQUOT), else storage_error; both name the file.
  Result<std::uint64_t> append(std::string_view payload);
  // fdatasync, if anything was appended since the last successful sync. Errors: storage_error.
  Result<void> sync();

  std::uint64_t last_seq() const noexcept { return last_seq_; }
  std::uint64_t synced_seq() const noexcept { return synced_seq_; }
  std::size_t write_offset() const noexcept { return write_offset_; }  // bytes since the last restart
  const std::filesystem::path& path() const noexcept { return path_; }

  // Starts over at offset 0 under a new nonce; seqs continue from last_seq(). Call it only when
  // every record is durably applied elsewhere. Writes nothing itself.
  void restart();

 private:
  class Fd {
   public:
    explicit Fd(int fd = -1) noexcept : fd_(fd) {}
    ~Fd();
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
      std::swap(fd_, other.fd_);
      return *this;
    }
    int get() const noexcept { return fd_; }

   private:
    int fd_;
  };

  Journal(std::filesystem::path path, Fd fd) noexcept;
  proto::Error io_error(std::string_view what, int error) const;
  Result<void> recover(std::string_view file, std::uint64_t applied);
  Result<void> spoil_stale(std::string_view file);
  Result<void> grow(std::size_t end);

  std::filesystem::path path_;
  Fd fd_;
  std::uint64_t nonce_ = 0;
  std::size_t write_offset_ = 0;
  std::size_t file_size_ = 0;
  std::uint64_t last_seq_ = 0;
  std::uint64_t synced_seq_ = 0;
  bool dirty_ = false;  // appended since the last successful sync
  std::vector<Record> recovered_;
  std::string frame_;  // reused by append() so the hot path does not allocate
};

}  // namespace bgsync::store::detail
