// A journal written by the bgsyncd of its time still replays correctly: data/recorded.journal is
// a journal as the outbox wrote it, never published, and data/recorded.dump the state a twin
// reached by publishing the same batches (lmdb_dump.hpp's format). Replaying the journal onto an
// empty outbox must reach that state, so a change of the journal's format or of a database's
// journal number, which would replay old journals into the wrong place, fails here.
//
// The data was made by the hidden test case below, with the code of 2026-12 (schema 3). Do not
// regenerate it to make this test pass: a new format must replay the old journal. Regenerate it
// only to record a journal of a newer format as well (then keep the old files too):
//   BGSYNC_RECORD_JOURNAL_DIR=$PWD/tests/store/data build/tests/store/bgsync_store_tests "[record-journal]"
#include "daemon/store/batch_writer.hpp"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "tests/store/lmdb_dump.hpp"
#include "tests/store/periodic_test_support.hpp"
#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

const std::filesystem::path data_dir = BGSYNC_STORE_TEST_DATA;
constexpr std::int64_t base_ms = 1'700'000'000'000;
constexpr std::size_t recorded_batches = 5;

// The k-th second of the recording.
TimePoint sec(std::int64_t k) { return at(base_ms + 1000 * k); }

AttemptResult response(int status) {
  return AttemptResult{status, {{"Content-Type", "text/plain"}}, "reply", "HTTP error"};
}
AttemptResult network_error() { return AttemptResult{std::nullopt, {}, "", "connection refused"}; }

periodic::Run updated_run(const periodic::Registration& reg, std::int64_t next_sec, std::string body) {
  periodic::Run run;
  run.outcome = proto::PeriodicOutcome::updated;
  run.status = 200;
  run.registered = reg.updated;
  run.next_earliest = sec(next_sec);
  run.etag = "\"v1\"";
  run.cache = periodic::CacheEntry{200, {{"Content-Type", "text/plain"}}, std::move(body), sec(next_sec - 60)};
  run.report = true;
  run.duration = std::chrono::milliseconds(120);
  return run;
}

// Every kind of write the journal records today (put, delete, cursor delete: prune_events) into
// every database, ending with something in each but `inflight` (an action left sending would be
// recovered at the wall clock's time). Nothing today journals a drop: the only one, of
// `inflight`, is the recovery at open, which writes LMDB directly.
void record_batches(BatchWriter& writer, bool publish) {
  auto batch = [&](auto&& body) {
    WriteTxn& txn = *check(writer.begin());
    body(txn);
    check(writer.end());
    if (publish) check(writer.publish());
  };
  batch([](WriteTxn& t) {
    check(t.enqueue(request("", "news"), make_id(1), sec(1)));
    check(t.enqueue(request("alpha", "news"), make_id(2), sec(2)));
    check(t.enqueue(request("alpha", "news"), make_id(3), sec(3)));
    check(t.enqueue(request("", "mail"), make_id(4), sec(4)));
    check(t.enqueue(request("beta", "mail"), make_id(5), sec(5)));
    check(t.record_network(false, "link eth0 down", sec(6)));
  });
  batch([](WriteTxn& t) {
    check(t.mark_sending(make_id(1), sec(10)));
    check(t.mark_sent(make_id(1), response(200), sec(11)));
    check(t.mark_sending(make_id(2), sec(12)));
    check(t.mark_retry(make_id(2), network_error(), sec(300), sec(13)));
    check(t.mark_sending(make_id(4), sec(14)));
    check(t.mark_failed(make_id(4), response(500), sec(15)));
    REQUIRE_FALSE(t.mark_sending(make_id(3), sec(16)));  // behind its tag's head: writes nothing
  });
  batch([](WriteTxn& t) {
    check(t.park(make_id(5), "a.example", sec(20)));
    check(t.enqueue(request("", "mail"), make_id(6), sec(21)));
    check(t.park(make_id(6), "b.example", sec(22)));
    REQUIRE(check(t.unpark("b.example", sec(23), 10)) == 1);
    check(t.retry(make_id(4), sec(24)));
    check(t.cancel(proto::CancelArgs{make_id(6), std::nullopt}, sec(25)));
    check(t.enqueue(request("gamma", "news"), make_id(7), sec(26)));
    check(t.enqueue(request("gamma", "news"), make_id(8), sec(27)));
    check(t.mark_sending(make_id(7), sec(28)));
    REQUIRE(check(t.cancel(proto::CancelArgs{std::nullopt, "gamma"}, sec(29))).size() == 2);
  });
  batch([](WriteTxn& t) {
    check(t.enqueue(request("", "news"), make_id(9), sec(30)));
    check(t.mark_sending(make_id(9), sec(31)));
    check(t.mark_retry(make_id(9), network_error(), sec(900), sec(32)));
    check(t.record_network(true, "", sec(33)));
    REQUIRE(check(t.reset_network_backoff(sec(34), 10)) == 2);
    check(t.enqueue(request("", "news"), make_id(10), sec(35)));
    check(t.mark_sending(make_id(10), sec(36)));
    check(t.mark_retry(make_id(10), network_error(), sec(600), sec(37)));  // stays marked
    check(t.enqueue(request("", "news"), make_id(11), sec(38)));
    check(t.mark_sending(make_id(11), sec(39)));
    check(t.mark_retry(make_id(11), response(503), sec(500), sec(40)));
  });
  batch([](WriteTxn& t) {
    const auto feed = check(t.periodic_put(registration("feed", "news"), sec(50))).registration;
    const auto chat = check(t.periodic_put(registration("feed", "chat"), sec(51))).registration;
    const auto mail = check(t.periodic_put(registration("mail", "news"), sec(52))).registration;
    check(t.periodic_record("news", "feed", updated_run(feed, 120, "the news"), sec(60)));
    check(t.periodic_record("news", "mail", updated_run(mail, 130, "the mail"), sec(61)));
    periodic::Run failed;
    failed.outcome = proto::PeriodicOutcome::failed;
    failed.error = "timed out";
    failed.registered = chat.updated;
    failed.next_earliest = sec(90);
    failed.period_start = sec(55);
    check(t.periodic_record("chat", "feed", failed, sec(62)));
    check(t.periodic_reschedule("chat", "feed", sec(100)));
    REQUIRE(check(t.periodic_remove("news", "mail")));
    check(t.set_paused(true));
    REQUIRE(check(t.prune_events(sec(12), 100)) == 8);  // the events before second 12
  });
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot read " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) FAIL("cannot write " << path);
}

// The journal without the zeros it is preallocated with: up to the end of its run of frames
// (journal.hpp: magic u32, crc u32, nonce u64, seq u64, len u32, payload; little-endian).
std::string trim_journal(std::string file) {
  auto le = [&](std::size_t at, int size) {
    std::uint64_t v = 0;
    for (int i = size - 1; i >= 0; --i) {
      v = (v << 8) | static_cast<unsigned char>(file[at + static_cast<std::size_t>(i)]);
    }
    return v;
  };
  constexpr std::size_t header = 28;
  std::size_t end = 0;
  while (file.size() - end >= header && le(end, 4) == 0x314A4742) end += header + le(end + 24, 4);
  file.resize(end);
  return file;
}

// Leaves out what the journal does not write: meta's "schema" (stamped by open), and databases
// that a later schema adds, empty on a replay of an older journal.
Dump replayable(Dump dump, const std::set<std::string>& databases) {
  const std::string schema_key = "meta\t" + hex("schema") + '\t';
  std::erase_if(dump, [&](const std::string& line) {
    return line.starts_with(schema_key) || !databases.contains(line.substr(0, line.find('\t')));
  });
  return dump;
}

}  // namespace

TEST_CASE("a recorded journal replays onto an empty outbox as it was published", "[store][journal][replay]") {
  const Dump expected = from_text(read_file(data_dir / "recorded.dump"));
  REQUIRE(expected.size() > 11);
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  std::filesystem::copy_file(data_dir / "recorded.journal", dir.path() / "journal");
  {
    auto outbox = open_outbox(dir.path());
    REQUIRE(outbox->replayed() == recorded_batches);
    REQUIRE(outbox->recovered() == 0);
  }
  std::set<std::string> databases;
  for (const auto& line : expected) databases.insert(line.substr(0, line.find('\t')));
  // The differences, if any: "- " lines only the recorded state has, "+ " only the replayed one.
  REQUIRE(dump_diff(replayable(expected, databases), replayable(dump_outbox(dir.path()), databases)) == "");
}

// Makes the data above (see the top of this file). Hidden: it runs only when asked by its tag.
TEST_CASE("record a journal and the state it replays to", "[.][record-journal]") {
  const char* out = std::getenv("BGSYNC_RECORD_JOURNAL_DIR");
  if (out == nullptr) FAIL("set BGSYNC_RECORD_JOURNAL_DIR to the directory to write the data to");
  TempDir unpublished;
  TempDir published;
  {
    auto outbox = open_outbox(unpublished.path());
    BatchWriter writer(*outbox);
    record_batches(writer, false);
  }
  {
    auto outbox = open_outbox(published.path());
    BatchWriter writer(*outbox);
    record_batches(writer, true);
  }
  const std::filesystem::path dir = out;
  std::filesystem::create_directories(dir);
  write_file(dir / "recorded.journal", trim_journal(read_file(unpublished.path() / "journal")));
  write_file(dir / "recorded.dump", to_text(dump_outbox(published.path())));
}

}  // namespace bgsync::store::test
