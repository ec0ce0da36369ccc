// What survives a restart or a crash: `sending` actions re-queued at open, uncommitted work
// gone, counters and the paused flag kept; a full outbox refuses cleanly and stays readable;
// older schemas are upgraded in place; an outbox from a newer bgsyncd is refused.
#include "daemon/store/outbox.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <initializer_list>

#include "daemon/store/record.hpp"
#include "tests/store/raw_lmdb.hpp"
#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;
using proto::errc;
using proto::EventType;

TEST_CASE("actions left sending are queued again at open", "[store][recovery]") {
  TempDir dir;
  const ActionId u1 = make_id(1), t1 = make_id(2), t2 = make_id(3), u2 = make_id(4);
  {
    auto outbox = open_outbox(dir.path());
    write(*outbox, [&](WriteTxn& txn) {
      check(txn.enqueue(request(""), u1, at(t0)));
      check(txn.enqueue(request("T"), t1, at(t0)));
      check(txn.enqueue(request("T"), t2, at(t0)));
      check(txn.enqueue(request(""), u2, at(t0)));
      check(txn.mark_sending(u1, at(t0)));
      check(txn.mark_sending(t1, at(t0)));
    });
    // A crash between the attempt and recording its outcome: the result never commits.
    WriteTxn lost(*outbox);
    check(lost.mark_sent(u1, AttemptResult{200, {}, {}, {}}, at(t0 + 1)));
  }
  const TimePoint before = wall_now();
  auto outbox = open_outbox(dir.path());
  REQUIRE(outbox->recovered() == 2);
  for (const auto& id : {u1, t1}) {
    auto a = check(outbox->published().get(id));
    REQUIRE(a->state == ActionState::queued);
    REQUIRE(a->attempts == 1);
    REQUIRE(a->next_attempt >= before);
    REQUIRE(a->last_error == "daemon restarted during the attempt");
  }
  auto due = due_ids(*outbox);
  REQUIRE(due.size() == 3);  // u2 (due at t0) first, then the recovered ones; t2 still waits
  REQUIRE(due[0] == u2);
  REQUIRE(std::find(due.begin(), due.end(), t2) == due.end());
  auto counts = check(outbox->published().counts());
  REQUIRE(counts[ActionState::queued] == 4);
  REQUIRE(counts[ActionState::sending] == 0);

  auto events = check(outbox->published().events_after(6, 10));
  REQUIRE(events.size() == 2);
  for (const auto& e : events) {
    REQUIRE(e.type == EventType::retry);
    REQUIRE(e.attempt == 1);
    REQUIRE(e.error == "daemon restarted during the attempt");
    REQUIRE(e.next_attempt);
  }
  REQUIRE(check(outbox->published().last_seq()) == 8);

  // Recovered actions carry on normally, and a second open finds nothing to recover.
  write(*outbox, [&](WriteTxn& txn) {
    check(txn.mark_sending(t1, at(t0 + 5)));
    check(txn.mark_sent(t1, AttemptResult{204, {}, {}, {}}, at(t0 + 6)));
  });
  outbox.reset();
  outbox = open_outbox(dir.path());
  REQUIRE(outbox->recovered() == 0);
  due = due_ids(*outbox);
  REQUIRE(std::find(due.begin(), due.end(), t2) != due.end());
  counts = check(outbox->published().counts());
  REQUIRE(counts[ActionState::queued] == 3);
  REQUIRE(counts[ActionState::sent] == 1);
  require_counts_match(*outbox);
}

TEST_CASE("a process that dies mid-flight loses nothing committed", "[store][recovery]") {
  TempDir dir;
  const ActionId a = make_id(1);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No Catch2 here: report by exit code, and die without closing anything.
    auto outbox = Outbox::open(OutboxOptions{dir.path(), std::size_t{1} << 30});
    if (!outbox) ::_exit(2);
    WriteTxn txn(**outbox);
    if (!txn.enqueue(request("T"), a, at(t0)) || !txn.mark_sending(a, at(t0)) || !txn.commit()) ::_exit(3);
    WriteTxn pending(**outbox);
    if (!pending.enqueue(request("T"), make_id(2), at(t0))) ::_exit(4);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  auto outbox = open_outbox(dir.path());
  REQUIRE(outbox->recovered() == 1);
  REQUIRE(check(outbox->published().get(a))->state == ActionState::queued);
  REQUIRE_FALSE(check(outbox->published().get(make_id(2))));
  REQUIRE(due_ids(*outbox) == std::vector{a});
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == 1);
}

TEST_CASE("paused survives a restart", "[store][recovery]") {
  TempDir dir;
  {
    auto outbox = open_outbox(dir.path());
    write(*outbox, [](WriteTxn& txn) { check(txn.set_paused(true)); });
    REQUIRE(check(outbox->published().paused()));
  }
  {
    auto outbox = open_outbox(dir.path());
    REQUIRE(check(outbox->published().paused()));
    write(*outbox, [](WriteTxn& txn) { check(txn.set_paused(false)); });
  }
  REQUIRE_FALSE(check(open_outbox(dir.path())->published().paused()));
}

TEST_CASE("a full outbox says so and keeps what it had", "[store][full]") {
  TempDir dir;
  constexpr std::size_t map_size = std::size_t{1} << 20;
  const std::string big(64 * 1024, 'b');
  std::vector<std::uint64_t> stored;
  std::optional<proto::Error> error;
  {
    auto outbox = open_outbox(dir.path(), map_size);
    for (std::uint64_t i = 1; i <= 200 && !error; ++i) {
      WriteTxn txn(*outbox);
      auto a = txn.enqueue(request("", "test", big + std::to_string(i)), make_id(i), at(t0));
      if (!a) {
        REQUIRE(txn.poisoned());
        error = a.error();
        // A poisoned transaction refuses further work and cannot commit.
        REQUIRE(txn.set_paused(true).error().code == errc::storage_full);
        REQUIRE(txn.commit().error().code == errc::storage_full);
      } else if (auto c = txn.commit(); !c) {
        error = c.error();
      } else {
        stored.push_back(i);
      }
    }
    REQUIRE(error);
    REQUIRE(error->code == errc::storage_full);
    INFO(error->message);
    REQUIRE(error->message.find("the outbox is full (map size 1 MiB or disk)") == 0);
    REQUIRE(stored.size() >= 3);
  }
  auto outbox = open_outbox(dir.path(), map_size);
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == stored.size());
  for (auto i : stored) {
    auto a = check(outbox->published().get(make_id(i)));
    REQUIRE(a);
    REQUIRE(a->body == big + std::to_string(i));
  }
  REQUIRE(check(outbox->published().last_seq()) == stored.size());
}

void raw_set_schema(MDB_txn* txn, std::uint64_t version) {
  MDB_dbi meta = 0;
  REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
  std::string key = "schema";
  std::string value = record::u64_key(version);
  MDB_val k{key.size(), key.data()};
  MDB_val v{value.size(), value.data()};
  REQUIRE(mdb_put(txn, meta, &k, &v, 0) == 0);
}

// The schema this bgsyncd stamps (detail::schema_version), pinned here so a bump is deliberate.
constexpr std::uint64_t current_schema = 4;

TEST_CASE("an outbox from a newer bgsyncd is refused", "[store][schema]") {
  TempDir dir;
  open_outbox(dir.path()).reset();
  raw_write(dir.path(), [](MDB_txn* txn) { raw_set_schema(txn, 99); });
  auto outbox = Outbox::open(OutboxOptions{dir.path(), std::size_t{1} << 30});
  REQUIRE(outbox.has_error());
  REQUIRE(outbox.error().code == errc::storage_error);
  INFO(outbox.error().message);
  REQUIRE(outbox.error().message.find("newer bgsyncd (schema 99") != std::string::npos);
}

void raw_drop(MDB_txn* txn, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    MDB_dbi dbi = 0;
    REQUIRE(mdb_dbi_open(txn, name, 0, &dbi) == 0);
    REQUIRE(mdb_drop(txn, dbi, 1) == 0);
  }
}

std::optional<std::uint64_t> raw_schema(const std::filesystem::path& dir) {
  std::optional<std::uint64_t> schema;
  raw_write(dir, [&](MDB_txn* txn) {
    MDB_dbi meta = 0;
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    std::string key = "schema";
    MDB_val k{key.size(), key.data()};
    MDB_val v{};
    REQUIRE(mdb_get(txn, meta, &k, &v) == 0);
    schema = record::parse_u64_key(std::string_view(static_cast<const char*>(v.mv_data), v.mv_size));
  });
  return schema;
}

TEST_CASE("a schema 1 outbox is upgraded in place", "[store][schema]") {
  TempDir dir;
  {
    auto outbox = open_outbox(dir.path());
    write(*outbox, [](WriteTxn& txn) { check(txn.enqueue(request("T"), make_id(1), at(t0))); });
  }
  // What schema 1 had: no parked, netwait or periodic databases.
  raw_write(dir.path(), [](MDB_txn* txn) {
    raw_set_schema(txn, 1);
    raw_drop(txn, {"parked", "netwait", "periodic", "pdue", "pcache"});
  });
  auto outbox = open_outbox(dir.path());
  REQUIRE(check(outbox->published().get(make_id(1)))->state == ActionState::queued);
  REQUIRE(check(outbox->published().parked_destinations()).empty());
  REQUIRE(check(outbox->published().network_backoff_marks()) == 0);
  write(*outbox, [](WriteTxn& txn) { check(txn.park(make_id(1), "example.com", at(t0))); });
  REQUIRE(check(outbox->published().parked_destinations()) == std::vector<std::string>{"example.com"});
  outbox.reset();
  REQUIRE(raw_schema(dir.path()) == current_schema);
}

TEST_CASE("a schema 2 outbox is upgraded in place", "[store][schema][periodic]") {
  TempDir dir;
  {
    auto outbox = open_outbox(dir.path());
    write(*outbox, [](WriteTxn& txn) { check(txn.enqueue(request("T"), make_id(1), at(t0))); });
  }
  // What schema 2 had: no periodic databases, and events in format 2 — seq 1 (the `queued` event)
  // as the old encoder wrote it: today's bytes without the final outcome (u8) and duration (i64).
  raw_write(dir.path(), [](MDB_txn* txn) {
    raw_set_schema(txn, 2);
    raw_drop(txn, {"periodic", "pdue", "pcache"});
    MDB_dbi events = 0;
    REQUIRE(mdb_dbi_open(txn, "events", 0, &events) == 0);
    std::string key = record::u64_key(1);
    MDB_val k{key.size(), key.data()};
    MDB_val v{};
    REQUIRE(mdb_get(txn, events, &k, &v) == 0);
    std::string old(static_cast<const char*>(v.mv_data), v.mv_size);
    REQUIRE(old[0] == 3);
    old[0] = 2;
    old.resize(old.size() - 9);
    MDB_val ov{old.size(), old.data()};
    REQUIRE(mdb_put(txn, events, &k, &ov, 0) == 0);
  });
  REQUIRE(raw_schema(dir.path()) == 2u);

  auto outbox = open_outbox(dir.path());
  REQUIRE(check(outbox->published().get(make_id(1)))->state == ActionState::queued);
  auto old_events = check(outbox->published().events_after(0, 10));
  REQUIRE(old_events.size() == 1);
  REQUIRE(old_events[0].type == EventType::queued);
  REQUIRE(old_events[0].id == make_id(1));
  REQUIRE_FALSE(old_events[0].outcome);
  REQUIRE_FALSE(old_events[0].duration);
  REQUIRE(check(outbox->published().periodic_list(std::nullopt, 10)).empty());
  REQUIRE_FALSE(check(outbox->published().periodic_next()));

  periodic::Registration reg;
  reg.app = "news";
  reg.tag = "feed";
  reg.min_interval_ms = 60'000;
  reg.request.url = "https://example.com/feed";
  write(*outbox, [&](WriteTxn& txn) {
    reg = check(txn.periodic_put(reg, at(t0))).registration;
    periodic::Run run;
    run.outcome = proto::PeriodicOutcome::updated;
    run.status = 200;
    run.registered = reg.updated;
    run.next_earliest = at(t0 + 60'000);
    run.cache = periodic::CacheEntry{200, {}, "fresh", at(t0 + 1)};
    run.report = true;
    run.duration = std::chrono::milliseconds{7};
    check(txn.periodic_record("news", "feed", run, at(t0 + 1)));
  });
  outbox.reset();
  REQUIRE(raw_schema(dir.path()) == current_schema);

  outbox = open_outbox(dir.path());
  auto listed = check(outbox->published().periodic_get("news", "feed"));
  REQUIRE(listed);
  REQUIRE(listed->registration.last_outcome == proto::PeriodicOutcome::updated);
  REQUIRE(listed->cached == at(t0 + 1));
  REQUIRE(check(outbox->published().periodic_cache("news", "feed"))->body == "fresh");
  REQUIRE(check(outbox->published().periodic_next()) == at(t0 + 60'000));
  auto events = check(outbox->published().events_after(0, 10));
  REQUIRE(events.size() == 2);
  REQUIRE_FALSE(events[0].outcome);
  REQUIRE(events[1].type == EventType::periodic);
  REQUIRE(events[1].outcome == proto::PeriodicOutcome::updated);
  REQUIRE(events[1].duration == std::chrono::milliseconds{7});
}

TEST_CASE("open reports where and why it failed", "[store][open]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  const auto file = dir.path() / "not-a-dir";
  { std::ofstream(file) << "x"; }
  auto outbox = Outbox::open(OutboxOptions{file, std::size_t{1} << 30});
  REQUIRE(outbox.has_error());
  REQUIRE(outbox.error().code == errc::storage_error);
  INFO(outbox.error().message);
  REQUIRE(outbox.error().message.find(file.string()) != std::string::npos);
}

}  // namespace
}  // namespace bgsync::store::test
