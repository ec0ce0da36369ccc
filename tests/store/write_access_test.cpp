// The write primitive's two rules and the table of databases: a cursor delete in a batch reaches
// the journal like any other write, every storage error poisons the transaction whatever the
// operation (and the request's own errors never do), and the tables' journal numbers stay put.
#include <string>

#include "daemon/store/batch_writer.hpp"
#include "daemon/store/periodic_record.hpp"
#include "daemon/store/record.hpp"
#include "daemon/store/tables.hpp"
#include "tests/store/periodic_test_support.hpp"
#include "tests/store/raw_lmdb.hpp"
#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::errc;

// Puts `value` under `key` in the table `name` of the closed outbox in `dir`, bypassing bgsyncd.
void raw_put(const std::filesystem::path& dir, const char* name, const std::string& key, const std::string& value) {
  raw_write(dir, [&](MDB_txn* txn) {
    MDB_dbi dbi = 0;
    REQUIRE(mdb_dbi_open(txn, name, 0, &dbi) == 0);
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
  });
}

}  // namespace

TEST_CASE("events pruned in an unpublished batch stay pruned after replay", "[store][journal]") {
  TempDir dir;
  {
    auto outbox = open_outbox(dir.path());
    BatchWriter writer(*outbox);
    auto txn = check(writer.begin());
    for (std::uint64_t i = 1; i <= 3; ++i) check(txn->enqueue(request(), make_id(i), at(t0 + static_cast<int>(i))));
    check(writer.end());
    check(writer.publish());
    txn = check(writer.begin());
    REQUIRE(check(txn->prune_events(at(t0 + 3), 10)) == 2);  // a cursor delete, not a del()
    check(writer.end());
    // Dropped without a publish: only the journal knows of the pruning.
  }
  auto outbox = open_outbox(dir.path());
  REQUIRE(outbox->replayed() == 1);
  REQUIRE(check(outbox->published().first_seq()) == 3);
}

TEST_CASE("a storage error poisons the transaction, a request's error does not", "[store][poison]") {
  TempDir dir;
  {
    auto outbox = open_outbox(dir.path());
    write(*outbox, [](WriteTxn& txn) {
      check(txn.enqueue(request(), make_id(1), at(t0)));
      check(txn.periodic_put(registration("feed"), at(t0)));
    });
  }
  SECTION("request errors leave the transaction usable") {
    auto outbox = open_outbox(dir.path());
    WriteTxn txn(*outbox);
    REQUIRE(txn.mark_sending(make_id(9), at(t0)).error().code == errc::not_found);
    REQUIRE(txn.mark_sent(make_id(1), AttemptResult{}, at(t0)).error().code == errc::bad_state);
    REQUIRE(txn.park(make_id(1), "", at(t0)).error().code == errc::bad_field);
    REQUIRE(txn.periodic_reschedule("news", "none", at(t0)).error().code == errc::not_found);
    REQUIRE_FALSE(txn.poisoned());
    check(txn.commit());
  }
  SECTION("a corrupt action record poisons") {
    raw_put(dir.path(), "actions", std::string(record::id_bytes(make_id(1))), "garbage");
    auto outbox = open_outbox(dir.path());
    WriteTxn txn(*outbox);
    REQUIRE(txn.mark_sending(make_id(1), at(t0)).error().code == errc::storage_error);
    REQUIRE(txn.poisoned());
    REQUIRE(txn.commit().error().code == errc::storage_error);
  }
  SECTION("a corrupt periodic registration poisons") {
    raw_put(dir.path(), "periodic", periodic::reg_key("news", "feed"), "garbage");
    auto outbox = open_outbox(dir.path());
    WriteTxn txn(*outbox);
    REQUIRE(txn.periodic_reschedule("news", "feed", at(t0)).error().code == errc::storage_error);
    REQUIRE(txn.poisoned());
    REQUIRE(txn.commit().error().code == errc::storage_error);
  }
}

// Journal records name tables by these numbers: a journal written by any earlier bgsyncd must
// replay into the same tables, so they may never change.
TEST_CASE("the tables' journal numbers are those journals were written with", "[store][journal]") {
  using detail::Db;
  const Db by_number[] = {Db::actions, Db::tagq,   Db::due,      Db::parked, Db::netwait, Db::inflight,
                          Db::events,  Db::meta,   Db::periodic, Db::pdue,   Db::pcache};
  for (std::uint8_t n = 0; n < std::size(by_number); ++n) {
    INFO("journal number " << int(n));
    REQUIRE(detail::db_of_journal_number(n) == by_number[n]);
    REQUIRE(detail::table(by_number[n]).journal_number == n);
  }
  REQUIRE_FALSE(detail::db_of_journal_number(static_cast<std::uint8_t>(std::size(by_number))));
}

}  // namespace bgsync::store::test
