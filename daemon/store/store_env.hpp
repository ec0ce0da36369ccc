// Private to daemon/store: the open LMDB environment with its databases (tables.hpp), the read
// side of the meta record, the reads both kinds of transaction share, and Outbox::Impl.
// Writes go through a WriteAccess (write_access.hpp), never through Store.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <lmdb.h>

#include "daemon/store/journal.hpp"
#include "daemon/store/lmdb.hpp"
#include "daemon/store/outbox.hpp"
#include "daemon/store/record.hpp"
#include "daemon/store/tables.hpp"

namespace bgsync::store::detail {

inline constexpr std::string_view meta_schema = "schema";
inline constexpr std::string_view meta_next_seq = "next_seq";
inline constexpr std::string_view meta_next_order = "next_order";
inline constexpr std::string_view meta_paused = "paused";
inline constexpr std::string_view meta_counts = "counts";
inline constexpr std::string_view meta_journal = "journal";

// The handles of the open databases, by Db (LMDB's handles depend on the order of opening).
struct Dbis {
  std::array<MDB_dbi, table_count> handles{};
  MDB_dbi operator[](Db db) const noexcept { return handles[static_cast<std::size_t>(db)]; }
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
  // meta's journal seq (0 when absent). Written by write_journal_seq (write_access.hpp).
  Result<std::uint64_t> read_journal_seq(MDB_txn* txn) const;

  // The id heading `tag`'s queue, if any: one cursor seek in tagq.
  Result<std::optional<ActionId>> head_of(MDB_txn* txn, std::string_view tag) const;
  // Why `stored` is not being sent (proto::WaitReason), for a read or a write transaction alike:
  // paused > network (parked) > tag (behind its head) > backoff (next_attempt > now) > none.
  // `paused` is meta's flag as `txn` sees it. Non-queued actions: none. At most one tagq seek.
  Result<proto::WaitReason> waiting(MDB_txn* txn, const record::StoredAction& stored, bool paused, TimePoint now) const;
};

}  // namespace bgsync::store::detail

namespace bgsync::store {

struct Outbox::Impl {
  detail::Store store;
  std::optional<detail::Journal> journal;  // set by open()
  std::size_t recovered = 0;
  std::size_t replayed = 0;
};

}  // namespace bgsync::store
