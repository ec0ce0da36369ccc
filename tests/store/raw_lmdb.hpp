// For store tests that play another program writing the outbox: LMDB opened directly, around
// bgsyncd, to plant old layouts or corrupt records.
#pragma once

#include <lmdb.h>

#include <filesystem>

#include <catch2/catch.hpp>

namespace bgsync::store::test {

// Opens the environment in `dir` with LMDB directly (as another bgsyncd would) and runs `body`
// in one write transaction.
template <class Body>
void raw_write(const std::filesystem::path& dir, Body&& body) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_set_maxdbs(env, 16) == 0);
  REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0600) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  body(txn);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

}  // namespace bgsync::store::test
