// The journaled write path: batches are durable once ended (a kill -9 before they reach LMDB loses
// none), readers see them at publish, a failed batch is undone without its predecessors, and the
// journal starts over instead of growing.
#include "daemon/store/batch_writer.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;
using proto::errc;

// One batch enqueueing ids [first, first + n), ended with a flush.
void enqueue_batch(BatchWriter& writer, std::uint64_t first, std::uint64_t n, const std::string& body = "payload") {
  auto txn = check(writer.begin());
  for (std::uint64_t i = first; i < first + n; ++i) check(txn->enqueue(request("", "test", body), make_id(i), at(t0)));
  check(writer.end());
}

}  // namespace

TEST_CASE("a batch is durable when ended and visible when published", "[store][journal]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  BatchWriter writer(*outbox);
  enqueue_batch(writer, 1, 3);
  REQUIRE(writer.unpublished() == 1);
  REQUIRE_FALSE(check(outbox->published().get(make_id(1))));  // not published yet
  check(writer.publish());
  REQUIRE(writer.unpublished() == 0);
  REQUIRE(check(outbox->published().get(make_id(3)))->state == ActionState::queued);
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == 3);
  require_counts_match(*outbox);
}

TEST_CASE("batches never published are applied again at open", "[store][journal]") {
  TempDir dir;
  {
    auto outbox = open_outbox(dir.path());
    BatchWriter writer(*outbox);
    enqueue_batch(writer, 1, 2);
    check(writer.publish());
    enqueue_batch(writer, 3, 2);
    {
      auto txn = check(writer.begin());
      check(txn->mark_sending(make_id(1), at(t0)));
      check(txn->set_paused(true));
      check(writer.end());
    }
    // Dropped without a publish, as by a crash: only the journal has batches 2 and 3.
  }
  auto outbox = open_outbox(dir.path());
  REQUIRE(outbox->replayed() == 2);
  REQUIRE(outbox->recovered() == 1);  // the replayed `sending` is queued again, as after any crash
  for (std::uint64_t i = 1; i <= 4; ++i) REQUIRE(check(outbox->published().get(make_id(i))));
  REQUIRE(check(outbox->published().paused()));
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == 4);
  require_counts_match(*outbox);
  // Replayed once: a second open finds nothing left to apply.
  outbox.reset();
  outbox = open_outbox(dir.path());
  REQUIRE(outbox->replayed() == 0);
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == 4);
}

TEST_CASE("kill -9 after a batch ended loses nothing of it", "[store][journal]") {
  TempDir dir;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No Catch2 here: report through the pipe, then wait to be killed mid-stream.
    ::close(ready[0]);
    auto outbox = Outbox::open(OutboxOptions{dir.path(), std::size_t{1} << 30});
    if (!outbox) ::_exit(2);
    BatchWriter writer(**outbox);
    for (std::uint64_t i = 1;; ++i) {
      auto txn = writer.begin();
      if (!txn || !(*txn)->enqueue(request(), make_id(i), at(t0)) || !writer.end()) ::_exit(3);
      if (i % 50 == 0 && !writer.publish()) ::_exit(4);
      const std::uint64_t acked = i;
      if (::write(ready[1], &acked, sizeof acked) != static_cast<ssize_t>(sizeof acked)) ::_exit(5);
    }
  }
  ::close(ready[1]);
  std::uint64_t last = 0;
  std::uint64_t got = 0;
  while (last < 120 && ::read(ready[0], &got, sizeof got) == static_cast<ssize_t>(sizeof got)) last = got;
  REQUIRE(::kill(child, SIGKILL) == 0);
  while (::read(ready[0], &got, sizeof got) == static_cast<ssize_t>(sizeof got)) last = got;  // acks sent before death
  ::close(ready[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  auto outbox = open_outbox(dir.path());
  INFO("acknowledged " << last << ", replayed " << outbox->replayed());
  for (std::uint64_t i = 1; i <= last; ++i) REQUIRE(check(outbox->published().get(make_id(i))));
  require_counts_match(*outbox);
}

TEST_CASE("a failed batch is undone and the unpublished ones before it stay", "[store][journal]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path(), std::size_t{1} << 20);
  BatchWriter writer(*outbox);
  enqueue_batch(writer, 1, 2);
  {
    // Larger than the whole map: LMDB fails, the batch is poisoned.
    auto txn = check(writer.begin());
    check(txn->enqueue(request(), make_id(10), at(t0)));
    auto big = txn->enqueue(request("", "test", std::string(std::size_t{2} << 20, 'x')), make_id(11), at(t0));
    REQUIRE_FALSE(big);
    REQUIRE(txn->poisoned());
    auto ended = writer.end();
    REQUIRE_FALSE(ended);
    REQUIRE(ended.error().code == errc::storage_full);
  }
  enqueue_batch(writer, 3, 1);
  check(writer.publish());
  REQUIRE(check(outbox->published().get(make_id(1))));
  REQUIRE(check(outbox->published().get(make_id(3))));
  REQUIRE_FALSE(check(outbox->published().get(make_id(10))));
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == 3);
  require_counts_match(*outbox);
}

TEST_CASE("a batch that writes nothing journals nothing", "[store][journal]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  BatchWriter writer(*outbox);
  auto txn = check(writer.begin());
  REQUIRE(txn->mark_sending(make_id(9), at(t0)).error().code == errc::not_found);
  check(writer.end());
  REQUIRE(writer.unpublished() == 0);
  // And it does not keep LMDB's writer lock: a plain transaction can go ahead.
  write(*outbox, [](WriteTxn& t) { check(t.enqueue(request(), make_id(1), at(t0))); });
}

TEST_CASE("the journal starts over once published past a few MiB", "[store][journal]") {
  TempDir dir;
  const auto journal = dir.path() / "journal";
  const std::string body(64 * 1024, 'j');
  {
    auto outbox = open_outbox(dir.path());
    BatchWriter writer(*outbox);
    for (std::uint64_t i = 1; i <= 200; ++i) {  // about 13 MiB of records
      enqueue_batch(writer, i, 1, body);
      if (i % 10 == 0) check(writer.publish());
    }
    check(writer.publish());
    check(outbox->sync());
  }
  // Restarted at least twice: never much more than the restart size plus a publish's worth.
  REQUIRE(std::filesystem::file_size(journal) < std::size_t{6} << 20);
  auto outbox = open_outbox(dir.path());
  REQUIRE(outbox->replayed() == 0);
  REQUIRE(check(outbox->published().counts())[ActionState::queued] == 200);
}

}  // namespace bgsync::store::test
