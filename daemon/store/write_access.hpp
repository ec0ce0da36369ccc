// Private to daemon/store: the one primitive through which an LMDB write transaction is written
// (put, del, a cursor's erase, drop) and read, and the one place where storage errors poison it.
//
// Capture by construction: given a capture buffer (a BatchWriter batch's), every write is also
// appended to it as a journal operation, so a batch's journal record holds all its writes without
// any call site having to remember. Without one (Outbox::open's recovery and replay, tests, the
// publish step's journal seq) nothing is captured.
//
// Poisoning: every error that comes out of here is a storage error (LMDB's, or a corrupt record
// reported through corrupt()) and poisons: the transaction must then be aborted. Errors of the
// request's own (bad_field, not_found, bad_state) never pass through here, so they never poison.
//
// Journal operation format (the payload of a journal record is a run of these):
//   kind u8 (1 put, 2 del, 3 drop) | table u8 (its journal number, tables.hpp) |
//   key size u32 LE | value size u32 LE | key | value
// Physical operations, not requests: replay needs no clock, no id generator and no version of the
// request logic, only the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <lmdb.h>

#include "daemon/store/lmdb.hpp"
#include "daemon/store/record.hpp"
#include "daemon/store/store_env.hpp"
#include "daemon/store/tables.hpp"

namespace bgsync::store::detail {

class WriteAccess {
 public:
  // `capture`: where the journal operations go; nullptr captures nothing.
  WriteAccess(const Store& store, MDB_txn* txn, std::string* capture = nullptr) noexcept
      : store_(&store), txn_(txn), capture_(capture) {}

  const Store& store() const noexcept { return *store_; }
  MDB_txn* txn() const noexcept { return txn_; }

  // The first storage error met, if any.
  const std::optional<proto::Error>& poison() const noexcept { return poison_; }
  // Poisons with a storage error (kept if it is the first) and returns it.
  proto::Error fail(proto::Error error);
  proto::Error fail(int rc, std::string_view what) { return fail(store_->error(rc, what)); }
  proto::Error corrupt(std::string_view what) { return fail(store_->corrupt(what)); }

  // Store's reads, in this transaction. A view lives until the next write.
  Result<std::optional<std::string_view>> get(Db db, std::string_view key);
  Result<std::optional<ActionId>> head_of(std::string_view tag);
  Result<proto::WaitReason> waiting(const record::StoredAction& stored, bool paused, TimePoint now);
  Result<Meta> read_meta();

  // del() of an absent key is not an error; drop() empties a table.
  Result<void> put(Db db, std::string_view key, std::string_view value, std::string_view what);
  Result<void> del(Db db, std::string_view key, std::string_view what);
  Result<void> drop(Db db, std::string_view what);

  // A cursor over one table whose erase() is a captured write like the others.
  class Cursor {
   public:
    struct Entry {
      std::string_view key;
      std::string_view value;
    };
    Cursor(WriteAccess& access, Db db) noexcept : access_(access), db_(db) {}
    // Each positions the cursor and returns its entry; std::nullopt past the end.
    Result<std::optional<Entry>> first() { return position(MDB_FIRST, MDB_val{}); }
    Result<std::optional<Entry>> seek(std::string_view from) { return position(MDB_SET_RANGE, lmdb::to_val(from)); }
    Result<std::optional<Entry>> next() { return position(MDB_NEXT, MDB_val{}); }
    // Deletes the entry the cursor is on.
    Result<void> erase(std::string_view what);

   private:
    Result<std::optional<Entry>> position(MDB_cursor_op op, MDB_val key);
    WriteAccess& access_;
    Db db_;
    lmdb::Cursor cursor_;
    std::string_view key_;  // of the current entry
  };

  // Visits `db` from the first key >= `from` (from the start when empty) while `visit(key,
  // value)` returns true (a Result<bool>). The views die at the next write: collect, then write.
  template <class Visit>
  Result<void> walk(Db db, std::string_view from, Visit&& visit) {
    Cursor cursor(*this, db);
    for (auto entry = from.empty() ? cursor.first() : cursor.seek(from);; entry = cursor.next()) {
      if (!entry) return entry.error();
      if (!*entry) return {};
      auto more = visit((*entry)->key, (*entry)->value);
      if (!more) return more.error();
      if (!*more) return {};
    }
  }

 private:
  void capture(std::uint8_t kind, Db db, std::string_view key, std::string_view value);

  const Store* store_;
  MDB_txn* txn_;
  std::string* capture_;
  std::optional<proto::Error> poison_;
};

// Applies one journal record's operations (captured as above) through `access`, which captures
// nothing. Errors: storage_error (a corrupt record: the journal's checksum passed, so it names a
// bug), LMDB's errors.
Result<void> apply_redo(WriteAccess& access, std::string_view ops);

// meta's counters, and its journal seq, written (store_env.cpp, next to the reads). The journal
// seq says which journal records the state holds, so it is written without capture.
Result<void> write_meta(WriteAccess& access, const Meta& meta);
Result<void> write_journal_seq(WriteAccess& access, std::uint64_t seq);

}  // namespace bgsync::store::detail
