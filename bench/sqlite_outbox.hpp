// The SQLite baseline of the enqueue benchmark: the outbox most apps (and Android's WorkManager)
// would write themselves — one table in a WAL database with synchronous=FULL, each enqueue an
// INSERT committed on its own, from one connection or from several threads with one each.
#pragma once

#include "bgsync/client.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

namespace bgsync::bench {

// One connection to an outbox database. Opening creates the file and its schema if missing:
//   outbox(id INTEGER PRIMARY KEY, idempotency_key TEXT, app, tag, method, url, headers TEXT,
//          body BLOB, state, created INTEGER, next_attempt INTEGER), index on (state, next_attempt)
// with journal_mode=WAL, synchronous=FULL and a 10 s busy_timeout, so that several connections
// (one per thread) wait for each other's write lock the way concurrent app threads would.
// Not thread-safe: one SqliteOutbox per thread. Errors throw std::runtime_error with SQLite's message.
class SqliteOutbox {
 public:
  explicit SqliteOutbox(const std::filesystem::path& file);
  ~SqliteOutbox();
  SqliteOutbox(const SqliteOutbox&) = delete;
  SqliteOutbox& operator=(const SqliteOutbox&) = delete;

  // Stores `request` as a queued row with a fresh random idempotency key, in its own transaction
  // (autocommit): returns once the commit is durable, as bgsyncd's enqueue ack does.
  void enqueue(const EnqueueRequest& request);

  // Rows in the table (to check that a series stored what it claims).
  std::int64_t count();

 private:
  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& what) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::mt19937_64 random_;
  std::string key_;
};

// `count` enqueues of `request` from `threads` threads (count split evenly), each with its own
// SqliteOutbox on `file`, opened before the clock starts. Returns the seconds from the first
// INSERT to the last commit. Throws std::runtime_error if any INSERT fails.
double sqlite_enqueue_concurrently(const std::filesystem::path& file, const EnqueueRequest& request,
                                   std::size_t count, std::size_t threads);

}  // namespace bgsync::bench
