// Private to daemon/store: the open LMDB environment with its named databases, the meta record,
// and the definition of Outbox::Impl shared by outbox.cpp and write_txn.cpp.
//
// The databases (see record.hpp for the key formats):
//   actions   id (16 bytes, UUIDv7 so id order is creation order) -> action record
//   tagq      tag NUL order -> id: every unfinished (queued or sending) action with a tag;
//             the first key of a tag is its head
//   due       next_attempt order -> id: exactly the queued actions that may go (untagged ones
//             and queued tag heads); the scheduler reads its first entries
//   inflight  id -> empty: the actions in `sending`, re-queued by open() without a scan
//   events    seq -> event record
//   meta      schema, next_seq, next_order, paused, counts (per state): all u64 big-endian
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <lmdb.h>

#include "daemon/store/lmdb.hpp"
#include "daemon/store/outbox.hpp"

namespace bgsync::store::detail {

// The layout version this code writes; open() refuses an outbox with a larger one.
inline constexpr std::uint64_t schema_version = 1;

inline constexpr std::string_view meta_schema = "schema";
inline constexpr std::string_view meta_next_seq = "next_seq";
inline constexpr std::string_view meta_next_order = "next_order";
inline constexpr std::string_view meta_paused = "paused";
inline constexpr std::string_view meta_counts = "counts";

struct Dbis {
  MDB_dbi actions = 0;
  MDB_dbi tagq = 0;
  MDB_dbi due = 0;
  MDB_dbi inflight = 0;
  MDB_dbi events = 0;
  MDB_dbi meta = 0;
};

// The mutable counters of meta, as one transaction sees them.
struct Meta {
  std::uint64_t next_seq = 1;
  std::uint64_t next_order = 1;
  bool paused = false;
  proto::StateCounts counts;
};

struct Store {
  lmdb::Env env;
  Dbis dbi;
  std::size_t map_size = 0;  // the environment's actual map size, for storage_full messages
  std::filesystem::path dir;

  // Creates the directory and environment, opens (creating) the databases and checks the schema.
  static Result<Store> open(const OutboxOptions& options);

  proto::Error error(int rc, std::string_view what) const { return lmdb::to_error(rc, what, map_size); }
  proto::Error corrupt(std::string_view what) const;
  Result<lmdb::Txn> begin_read() const;

  // One value, or std::nullopt when the key is absent. The view lives as long as the transaction
  // (and, in a write transaction, until the next write).
  Result<std::optional<std::string_view>> get(MDB_txn* txn, MDB_dbi dbi, std::string_view key) const;
  Result<Meta> read_meta(MDB_txn* txn) const;
  Result<void> write_meta(MDB_txn* txn, const Meta& meta) const;
};

}  // namespace bgsync::store::detail

namespace bgsync::store {

struct Outbox::Impl {
  detail::Store store;
  std::size_t recovered = 0;
};

}  // namespace bgsync::store
