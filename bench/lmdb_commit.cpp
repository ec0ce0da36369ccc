// Raw LMDB, one durable commit per item: the floor under any LMDB outbox's enqueue rate; and the
// probes that read commits, disk flushes and the filesystem type.
#include "bench/lmdb_commit.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace bgsync::bench {
namespace {

constexpr std::size_t map_size = std::size_t{4} << 30;  // room for a million ~1 KiB records

[[noreturn]] void fail(const std::string& what, int rc) {
  throw std::runtime_error("lmdb: " + what + ": " + mdb_strerror(rc));
}

// Aborts a write transaction unless it was committed.
class WriteTxn {
 public:
  explicit WriteTxn(MDB_env* env) {
    if (int rc = mdb_txn_begin(env, nullptr, 0, &txn_); rc != 0) fail("begin a write transaction", rc);
  }
  ~WriteTxn() {
    if (txn_) mdb_txn_abort(txn_);
  }
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;
  MDB_txn* get() const noexcept { return txn_; }
  void commit() {
    MDB_txn* txn = txn_;
    txn_ = nullptr;  // freed by mdb_txn_commit whatever it returns
    if (int rc = mdb_txn_commit(txn); rc != 0) fail("commit", rc);
  }

 private:
  MDB_txn* txn_ = nullptr;
};

// Closes an environment handle on every path out of a scope.
struct EnvCloser {
  MDB_env* env;
  ~EnvCloser() { mdb_env_close(env); }
};

}  // namespace

LmdbCommit::LmdbCommit(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  if (int rc = mdb_env_create(&env_); rc != 0) fail("mdb_env_create", rc);
  try {
    if (int rc = mdb_env_set_mapsize(env_, map_size); rc != 0) fail("mdb_env_set_mapsize", rc);
    if (int rc = mdb_env_open(env_, dir.c_str(), 0, 0600); rc != 0) fail("open " + dir.string(), rc);
    WriteTxn txn(env_);
    if (int rc = mdb_dbi_open(txn.get(), nullptr, 0, &dbi_); rc != 0) fail("open the main database", rc);
    txn.commit();
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

LmdbCommit::~LmdbCommit() { mdb_env_close(env_); }

void LmdbCommit::put(std::string_view value) {
  std::array<unsigned char, 16> key{};
  std::uint64_t n = ++next_key_;
  for (std::size_t i = key.size(); i-- > 8; n >>= 8) key[i] = static_cast<unsigned char>(n & 0xff);
  MDB_val k{key.size(), key.data()};
  MDB_val v{value.size(), const_cast<char*>(value.data())};  // LMDB copies it; the API is not const
  WriteTxn txn(env_);
  if (int rc = mdb_put(txn.get(), dbi_, &k, &v, 0); rc != 0) fail("put", rc);
  txn.commit();
}

std::optional<std::uint64_t> lmdb_last_txnid(const std::filesystem::path& dir) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0) return std::nullopt;
  EnvCloser closer{env};
  // Read-only, and no transaction is begun: nothing of bgsyncd's is held or changed.
  if (mdb_env_open(env, dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0600) != 0) return std::nullopt;
  MDB_envinfo info{};
  if (mdb_env_info(env, &info) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(info.me_last_txnid);
}

namespace {

// /sys/block/NAME for the device holding `path` (a partition's own directory), if it has one.
std::optional<std::filesystem::path> block_device_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  std::error_code ec;
  auto dir = std::filesystem::canonical(
      "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)), ec);
  if (ec) return std::nullopt;
  return dir;
}

}  // namespace

std::optional<DiskIo> disk_io(const std::filesystem::path& path) {
  auto dir = block_device_of(path);
  if (!dir) return std::nullopt;
  std::error_code ec;
  if (std::filesystem::exists(*dir / "partition", ec)) dir = dir->parent_path();
  std::ifstream in(*dir / "stat");
  std::vector<std::uint64_t> fields;
  for (std::uint64_t x = 0; in >> x;) fields.push_back(x);
  // 1: reads ... 5: writes completed, 6: merged, 7: sectors written ... 16: flushes completed.
  if (fields.size() < 17) return std::nullopt;
  return DiskIo{fields[15], fields[4], fields[6]};
}

std::string filesystem_of(const std::filesystem::path& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return "unknown";
  const auto magic = static_cast<unsigned long>(fs.f_type);
  std::string name = "other";
  switch (magic) {
    case 0xEF53: name = "ext2/ext3"; break;  // ext4 too: it shares the magic, as `stat -f` shows
    case 0x01021994: name = "tmpfs"; break;
    case 0x9123683E: name = "btrfs"; break;
    case 0x58465342: name = "xfs"; break;
    case 0x794C7630: name = "overlayfs"; break;
    default: break;
  }
  std::ostringstream out;
  out << name << " (0x" << std::hex << magic << ")";
  // ext4 without a journal syncs very differently (no jbd2 commit per fsync): say which it is.
  if (magic == 0xEF53) {
    const auto device = block_device_of(path);
    std::error_code ec;
    const bool journal = device && std::filesystem::exists("/proc/fs/jbd2/" + device->filename().string() + "-8", ec);
    if (device) out << (journal ? ", journal" : ", no journal");
  }
  return out.str();
}

}  // namespace bgsync::bench
