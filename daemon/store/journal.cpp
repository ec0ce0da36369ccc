// The outbox's redo journal (see journal.hpp for the format): the outbox acknowledges writes once
// they are here (one sequential write + one fdatasync per batch) and applies them to LMDB later.
// This file frames, checksums, writes, flushes, reads back and restarts opaque payloads.
#include "daemon/store/journal.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

#include <boost/crc.hpp>

namespace bgsync::store::detail {
namespace {

// Growth step: frames then overwrite written blocks, and the size changes (a metadata flush) rarely.
constexpr std::size_t grow_step = std::size_t{1} << 20;
// Above this, append()'s buffer is freed after use rather than kept for the next frame.
constexpr std::size_t keep_buffer = std::size_t{1} << 20;

void put_le(char* at, std::uint64_t v, int size) noexcept {
  for (int i = 0; i < size; ++i) at[i] = static_cast<char>(v >> (8 * i));
}
std::uint64_t get_le(std::string_view bytes, std::size_t at, int size) noexcept {
  std::uint64_t v = 0;
  for (int i = size - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t crc = 0xFFFFFFFF;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;  // little-endian like the CRC's bit order: x86-64 loads it so
    std::memcpy(&word, p, sizeof word);
    crc = __builtin_ia32_crc32di(crc, word);
  }
  auto c = static_cast<std::uint32_t>(crc);
  for (; n > 0; ++p, --n) c = __builtin_ia32_crc32qi(c, *p);
  return ~c;
}

bool have_sse42() noexcept {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return yes;
}
#endif

// A nonce other than `previous`, so a restart always changes it.
std::uint64_t random_nonce(std::uint64_t previous) {
  std::uint64_t n = previous;
  while (n == previous) {
    if (::getrandom(&n, sizeof n, 0) != static_cast<ssize_t>(sizeof n)) {
      std::random_device rd;
      n = (std::uint64_t{rd()} << 32) ^ rd();
    }
  }
  return n;
}

// 0, or the errno of the failure. Handles short writes and EINTR.
int pwrite_all(int fd, const char* data, std::size_t size, std::size_t offset) noexcept {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::size_t>(n);
  }
  return 0;
}

int fdatasync_retry(int fd) noexcept {
  int rc = 0;
  do rc = ::fdatasync(fd);
  while (rc != 0 && errno == EINTR);
  return rc == 0 ? 0 : errno;
}

// The whole file into `out`; 0 or the errno of the failure.
int read_all(int fd, std::string& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;  // shrunk meanwhile: what was read is the file
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return 0;
}

}  // namespace

std::uint32_t crc32c_portable(std::string_view bytes) noexcept {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::optional<std::uint32_t> crc32c_hardware(std::string_view bytes) noexcept {
#if defined(__x86_64__)
  if (have_sse42()) return crc32c_sse42(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
#endif
  (void)bytes;
  return std::nullopt;
}

std::uint32_t crc32c(std::string_view bytes) noexcept {
  if (auto hw = crc32c_hardware(bytes)) return *hw;
  return crc32c_portable(bytes);
}

Journal::Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Journal::Journal(std::filesystem::path path, Fd fd) noexcept : path_(std::move(path)), fd_(std::move(fd)) {}

proto::Error Journal::io_error(std::string_view what, int error) const {
  const bool full = error == ENOSPC || error == EDQUOT;
  return proto::make_error(full ? proto::errc::storage_full : proto::errc::storage_error,
                           "cannot " + std::string(what) + " the journal " + path_.string() + ": " +
                               std::generic_category().message(error) + (full ? " (free some disk space)" : ""));
}

Result<Journal> Journal::open(const std::filesystem::path& path, std::uint64_t applied) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  const int open_error = errno;
  Journal journal(path, Fd(fd));
  if (fd < 0) return journal.io_error("open", open_error);
  std::string file;
  if (int e = read_all(fd, file); e != 0) return journal.io_error("read", e);
  journal.file_size_ = file.size();
  if (auto r = journal.recover(file, applied); !r) return r.error();
  return journal;
}

Result<void> Journal::recover(std::string_view file, std::uint64_t applied) {
  std::size_t at = 0;
  std::uint64_t nonce = 0;
  std::uint64_t seq = 0;  // of the last valid frame, if any
  bool any = false;
  while (file.size() - at >= header_size) {
    const std::string_view frame = file.substr(at);
    if (get_le(frame, 0, 4) != magic) break;
    const std::uint64_t frame_nonce = get_le(frame, 8, 8);
    const std::uint64_t frame_seq = get_le(frame, 16, 8);
    const std::size_t len = get_le(frame, 24, 4);
    if (len > max_payload || len > frame.size() - header_size) break;
    if (any && (frame_nonce != nonce || frame_seq != seq + 1)) break;
    if (crc32c(frame.substr(8, header_size - 8 + len)) != get_le(frame, 4, 4)) break;
    if (frame_seq > applied) recovered_.push_back(Record{frame_seq, std::string(frame.substr(header_size, len))});
    nonce = frame_nonce;
    seq = frame_seq;
    any = true;
    at += header_size + len;
  }
  if (!recovered_.empty() && recovered_.front().seq != applied + 1) {
    const std::uint64_t first = recovered_.front().seq;
    recovered_.clear();
    return proto::make_error(
        proto::errc::storage_error,
        "the journal " + path_.string() + " does not follow the outbox: the outbox holds records up to " +
            std::to_string(applied) + " but the journal starts at record " + std::to_string(first) +
            ", so records " + std::to_string(applied + 1) + " to " + std::to_string(first - 1) +
            " are missing. Was data.mdb replaced? Put back the one that goes with this journal, or move"
            " the journal aside to open the outbox without records " +
            std::to_string(first) + " to " + std::to_string(seq));
  }
  if (any && seq >= applied) {
    nonce_ = nonce;
    write_offset_ = at;
    last_seq_ = seq;
    if (auto r = spoil_stale(file); !r) return r;
  } else {
    // Everything in the file is applied, and a frame appended after an older run would not follow
    // it: start a run of our own.
    nonce_ = random_nonce(nonce);
    write_offset_ = 0;
    last_seq_ = applied;
  }
  synced_seq_ = last_seq_;
  return {};
}

// Past a frame torn by a crash there may be later frames of the same run. Once a new frame of the
// torn one's length took its place they would follow it, and be replayed: spoil their magic first.
Result<void> Journal::spoil_stale(std::string_view file) {
  std::array<char, 4> magic_bytes{};
  put_le(magic_bytes.data(), magic, 4);
  const std::string_view needle(magic_bytes.data(), magic_bytes.size());
  bool spoiled = false;
  for (auto at = file.find(needle, write_offset_); at != std::string_view::npos && file.size() - at >= header_size;
       at = file.find(needle, at + 1)) {
    if (get_le(file, at + 8, 8) != nonce_) continue;
    static constexpr std::array<char, 4> zeros{};
    if (int e = pwrite_all(fd_.get(), zeros.data(), zeros.size(), at); e != 0) return io_error("clear a stale frame of", e);
    spoiled = true;
  }
  if (int e = spoiled ? fdatasync_retry(fd_.get()) : 0; e != 0) return io_error("flush", e);
  return {};
}

void Journal::clear_recovered() { std::vector<Record>().swap(recovered_); }

// Makes the file at least `end` bytes long with written zeros, durably, so frames below it are
// plain overwrites (fallocate's unwritten extents would cost a metadata update on first write).
Result<void> Journal::grow(std::size_t end) {
  if (end <= file_size_) return {};
  const std::size_t target = (std::max(end, file_size_ + grow_step) + grow_step - 1) / grow_step * grow_step;
  static constexpr std::array<char, 64 * 1024> zeros{};
  for (std::size_t at = file_size_; at < target; at += zeros.size()) {
    if (int e = pwrite_all(fd_.get(), zeros.data(), std::min(zeros.size(), target - at), at); e != 0) return io_error("grow", e);
  }
  if (int e = fdatasync_retry(fd_.get()); e != 0) return io_error("flush", e);
  file_size_ = target;
  return {};
}

Result<std::uint64_t> Journal::append(std::string_view payload) {
  if (payload.size() > max_payload) {
    return proto::make_error(proto::errc::storage_error, "a journal record of " + std::to_string(payload.size()) +
                                                             " bytes is over the 1 GiB limit of " + path_.string());
  }
  const std::uint64_t seq = last_seq_ + 1;
  frame_.resize(header_size + payload.size());
  char* f = frame_.data();
  put_le(f, magic, 4);
  put_le(f + 8, nonce_, 8);
  put_le(f + 16, seq, 8);
  put_le(f + 24, payload.size(), 4);
  if (!payload.empty()) std::memcpy(f + header_size, payload.data(), payload.size());
  put_le(f + 4, crc32c(std::string_view(frame_).substr(8)), 4);

  const std::size_t end = write_offset_ + frame_.size();
  auto written = grow(end);
  if (written) {
    if (int e = pwrite_all(fd_.get(), frame_.data(), frame_.size(), write_offset_); e != 0) written = io_error("write", e);
  }
  if (frame_.size() > keep_buffer) frame_ = std::string();
  if (!written) return written.error();
  write_offset_ = end;
  last_seq_ = seq;
  dirty_ = true;
  return seq;
}

Result<void> Journal::sync() {
  if (!dirty_) return {};
  if (int e = fdatasync_retry(fd_.get()); e != 0) return io_error("flush", e);
  dirty_ = false;
  synced_seq_ = last_seq_;
  return {};
}

void Journal::restart() {
  nonce_ = random_nonce(nonce_);
  write_offset_ = 0;
}

}  // namespace bgsync::store::detail
