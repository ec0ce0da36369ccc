// Thin RAII wrappers over the LMDB C API for the store's own use (never exposed past daemon/store),
// and the one place where LMDB return codes become proto::Error values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <lmdb.h>

#include "bgsync/proto/errc.hpp"

namespace bgsync::store::lmdb {

// MDB_MAP_FULL and ENOSPC -> storage_full (naming the map size, so the fix is obvious);
// anything else -> storage_error with LMDB's own text. `what` says which step failed.
proto::Error to_error(int rc, std::string_view what, std::size_t map_size);

inline MDB_val to_val(std::string_view bytes) noexcept {
  // LMDB never writes through mv_data of a key or of a value being put.
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
inline std::string_view to_view(const MDB_val& v) noexcept {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class Env {
 public:
  Env() = default;
  explicit Env(MDB_env* env) noexcept : env_(env) {}
  ~Env() {
    if (env_ != nullptr) mdb_env_close(env_);
  }
  Env(Env&& other) noexcept : env_(std::exchange(other.env_, nullptr)) {}
  Env& operator=(Env&& other) noexcept {
    std::swap(env_, other.env_);
    return *this;
  }
  MDB_env* get() const noexcept { return env_; }

 private:
  MDB_env* env_ = nullptr;
};

// A transaction that aborts on destruction unless committed. Read-only ones are simply aborted.
class Txn {
 public:
  Txn() = default;
  ~Txn() { abort(); }
  Txn(Txn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
  Txn& operator=(Txn&& other) noexcept {
    std::swap(txn_, other.txn_);
    return *this;
  }

  // Returns LMDB's code; on success *this holds the new transaction.
  int begin(MDB_env* env, unsigned flags) noexcept {
    abort();
    return mdb_txn_begin(env, nullptr, flags, &txn_);
  }
  // LMDB frees the handle whether or not the commit succeeds.
  int commit() noexcept { return mdb_txn_commit(std::exchange(txn_, nullptr)); }
  void abort() noexcept {
    if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
  }
  MDB_txn* get() const noexcept { return txn_; }
  explicit operator bool() const noexcept { return txn_ != nullptr; }

 private:
  MDB_txn* txn_ = nullptr;
};

// A cursor closed on destruction; it must not outlive its transaction.
class Cursor {
 public:
  Cursor() = default;
  ~Cursor() { close(); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  int open(MDB_txn* txn, MDB_dbi dbi) noexcept {
    close();
    return mdb_cursor_open(txn, dbi, &cursor_);
  }
  void close() noexcept {
    if (cursor_ != nullptr) mdb_cursor_close(std::exchange(cursor_, nullptr));
  }
  // MDB_SUCCESS, MDB_NOTFOUND, or an error; on success key/value are filled in.
  int get(MDB_val& key, MDB_val& value, MDB_cursor_op op) noexcept {
    return mdb_cursor_get(cursor_, &key, &value, op);
  }
  MDB_cursor* get() const noexcept { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace bgsync::store::lmdb
