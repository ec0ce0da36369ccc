// Unit tests of the outbox's redo journal (daemon/store/journal.hpp): framing, recovery after a
// reopen, the applied prefix, torn tails, restarts, growth and the CRC-32C implementations.
// Each test works on a journal file in its own temporary directory.
#include "daemon/store/journal.hpp"

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/store/store_test_support.hpp"
#include "tests/support/skip.hpp"

namespace bgsync::store::detail {
namespace {

using test::check;
using Records = std::vector<std::pair<std::uint64_t, std::string>>;

constexpr std::size_t mib = std::size_t{1} << 20;

// A temporary directory (created) holding the journal file.
struct Dir {
  Dir() { std::filesystem::create_directories(tmp.path()); }
  std::filesystem::path journal() const { return tmp.path() / "journal"; }
  test::TempDir tmp;
};

Journal open_journal(const std::filesystem::path& path, std::uint64_t applied) {
  auto journal = Journal::open(path, applied);
  if (!journal) FAIL("open failed: " << journal.error().message);
  return std::move(*journal);
}

Records records(const Journal& journal) {
  Records out;
  for (const auto& r : journal.recovered()) out.emplace_back(r.seq, r.payload);
  return out;
}

// Appends each payload, syncs, and closes the journal.
void write_all(const std::filesystem::path& path, std::uint64_t applied, const std::vector<std::string>& payloads) {
  auto journal = open_journal(path, applied);
  for (const auto& p : payloads) check(journal.append(p));
  check(journal.sync());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_at(const std::filesystem::path& path, std::size_t offset, std::string_view bytes) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

std::uint64_t nonce_at(const std::string& file, std::size_t frame_offset) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(file[frame_offset + 8 + static_cast<std::size_t>(i)]);
  return v;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

std::size_t frame_size(std::size_t payload) { return Journal::header_size + payload; }

}  // namespace

TEST_CASE("journal: a new journal is an empty 0600 file and counts its seqs", "[journal]") {
  Dir dir;
  auto journal = open_journal(dir.journal(), 0);
  struct stat st {};
  REQUIRE(::stat(dir.journal().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 0);  // nothing preallocated until the first append
  CHECK(journal.path() == dir.journal());
  CHECK(journal.recovered().empty());
  CHECK(journal.last_seq() == 0);
  CHECK(journal.synced_seq() == 0);
  CHECK(journal.write_offset() == 0);

  CHECK(check(journal.append("abc")) == 1);
  CHECK(journal.last_seq() == 1);
  CHECK(journal.synced_seq() == 0);
  CHECK(journal.write_offset() == frame_size(3));
  CHECK(std::filesystem::file_size(dir.journal()) == mib);
  check(journal.sync());
  CHECK(journal.synced_seq() == 1);
  check(journal.sync());  // nothing new: returns at once

  CHECK(check(journal.append("")) == 2);
  CHECK(journal.write_offset() == frame_size(3) + frame_size(0));
  CHECK(journal.synced_seq() == 1);
  check(journal.sync());
  CHECK(journal.synced_seq() == 2);

  Dir other;
  auto ahead = open_journal(other.journal(), 7);
  CHECK(ahead.last_seq() == 7);
  CHECK(ahead.synced_seq() == 7);
  CHECK(check(ahead.append("x")) == 8);
}

TEST_CASE("journal: records come back in order after a reopen", "[journal]") {
  Dir dir;
  const std::string binary("a\0b\xff\n", 5);
  write_all(dir.journal(), 0, {"first", "", binary, std::string(5000, 'z')});
  auto journal = open_journal(dir.journal(), 0);
  CHECK(records(journal) == Records{{1, "first"}, {2, ""}, {3, binary}, {4, std::string(5000, 'z')}});
  CHECK(journal.last_seq() == 4);
  CHECK(journal.synced_seq() == 4);
  CHECK(journal.write_offset() == frame_size(5) + frame_size(0) + frame_size(5) + frame_size(5000));
  journal.clear_recovered();
  CHECK(journal.recovered().empty());

  Journal moved = std::move(journal);  // the fd moves along
  CHECK(check(moved.append("fifth")) == 5);
  check(moved.sync());
  CHECK(records(open_journal(dir.journal(), 4)) == Records{{5, "fifth"}});
}

TEST_CASE("journal: records already applied are skipped", "[journal]") {
  Dir dir;
  write_all(dir.journal(), 0, {"r1", "r2", "r3", "r4", "r5"});
  CHECK(records(open_journal(dir.journal(), 3)) == Records{{4, "r4"}, {5, "r5"}});

  SECTION("all applied: new records follow the old ones") {
    auto journal = open_journal(dir.journal(), 5);
    CHECK(journal.recovered().empty());
    CHECK(journal.last_seq() == 5);
    CHECK(journal.write_offset() == 5 * frame_size(2));
    CHECK(check(journal.append("r6")) == 6);
    check(journal.sync());
    CHECK(records(open_journal(dir.journal(), 5)) == Records{{6, "r6"}});
    CHECK(records(open_journal(dir.journal(), 0)).size() == 6);
  }
  SECTION("the outbox is ahead of the journal: a new run starts at offset 0") {
    auto journal = open_journal(dir.journal(), 9);
    CHECK(journal.recovered().empty());
    CHECK(journal.last_seq() == 9);
    CHECK(journal.synced_seq() == 9);
    CHECK(journal.write_offset() == 0);
    CHECK(check(journal.append("r10")) == 10);
    check(journal.sync());
    CHECK(records(open_journal(dir.journal(), 9)) == Records{{10, "r10"}});
  }
}

TEST_CASE("journal: records missing between the outbox and the journal are refused", "[journal]") {
  Dir dir;
  write_all(dir.journal(), 10, {"r11", "r12"});
  auto gap = Journal::open(dir.journal(), 2);
  REQUIRE_FALSE(gap);
  CHECK(gap.error().code == proto::errc::storage_error);
  CHECK_THAT(gap.error().message, Catch::Contains("does not follow the outbox") && Catch::Contains("3 to 10") &&
                                      Catch::Contains(dir.journal().string()));
  CHECK(records(open_journal(dir.journal(), 10)) == Records{{11, "r11"}, {12, "r12"}});
  CHECK(records(open_journal(dir.journal(), 11)) == Records{{12, "r12"}});
}

TEST_CASE("journal: a torn tail ends recovery and the next append replaces it", "[journal]") {
  Dir dir;
  write_all(dir.journal(), 0, {"one", "two", "three"});
  const std::size_t last = frame_size(3) + frame_size(3);

  SECTION("truncated inside the header") { std::filesystem::resize_file(dir.journal(), last + 10); }
  SECTION("truncated inside the payload") { std::filesystem::resize_file(dir.journal(), last + frame_size(5) - 1); }
  SECTION("a payload byte corrupted") { write_at(dir.journal(), last + Journal::header_size + 2, "X"); }
  SECTION("the length corrupted") { write_at(dir.journal(), last + 24, "\x04"); }

  {
    auto journal = open_journal(dir.journal(), 0);
    CHECK(records(journal) == Records{{1, "one"}, {2, "two"}});
    CHECK(journal.last_seq() == 2);
    CHECK(journal.write_offset() == last);
    CHECK(check(journal.append("new three")) == 3);
    check(journal.sync());
  }
  CHECK(records(open_journal(dir.journal(), 0)) == Records{{1, "one"}, {2, "two"}, {3, "new three"}});
}

TEST_CASE("journal: frames of the same run past a torn one are not revived", "[journal]") {
  // A crash can leave frame 2 torn and frame 3 whole. A new frame 2 of the same length would
  // make the old frame 3 follow it.
  Dir dir;
  write_all(dir.journal(), 0, {"aaaa", "bbbb", "cccc"});
  write_at(dir.journal(), frame_size(4) + Journal::header_size, "X");
  {
    auto journal = open_journal(dir.journal(), 0);
    CHECK(records(journal) == Records{{1, "aaaa"}});
    CHECK(check(journal.append("BBBB")) == 2);
    check(journal.sync());
  }
  auto journal = open_journal(dir.journal(), 0);
  CHECK(records(journal) == Records{{1, "aaaa"}, {2, "BBBB"}});
  CHECK(journal.last_seq() == 2);
}

TEST_CASE("journal: after a restart the older, longer run is ignored", "[journal]") {
  Dir dir;
  {
    auto journal = open_journal(dir.journal(), 0);
    for (int i = 0; i < 5; ++i) check(journal.append(std::string(100, static_cast<char>('a' + i))));
    check(journal.sync());
    journal.restart();
    CHECK(journal.write_offset() == 0);
    CHECK(journal.last_seq() == 5);
    CHECK(journal.synced_seq() == 5);
    CHECK(check(journal.append("six")) == 6);
    CHECK(check(journal.append("seven")) == 7);
    CHECK(journal.write_offset() == frame_size(3) + frame_size(5));
    check(journal.sync());
  }
  const std::string file = read_file(dir.journal());
  CHECK(nonce_at(file, 0) != nonce_at(file, 5 * frame_size(100) - frame_size(100)));  // old frame 5 is intact
  CHECK(records(open_journal(dir.journal(), 5)) == Records{{6, "six"}, {7, "seven"}});
  CHECK_FALSE(Journal::open(dir.journal(), 0));  // 1..5 are gone: refused, not guessed
}

TEST_CASE("journal: a restart with nothing appended keeps the applied run", "[journal]") {
  Dir dir;
  {
    auto journal = open_journal(dir.journal(), 0);
    check(journal.append("one"));
    check(journal.sync());
    journal.restart();
  }
  auto journal = open_journal(dir.journal(), 1);
  CHECK(journal.recovered().empty());
  CHECK(check(journal.append("two")) == 2);
  check(journal.sync());
  CHECK(records(open_journal(dir.journal(), 1)) == Records{{2, "two"}});
}

TEST_CASE("journal: a frame with another run's nonce ends the run", "[journal]") {
  Dir dir;
  Dir other;
  write_all(dir.journal(), 0, {"mine 1", "mine 2"});
  write_all(other.journal(), 0, {"them 1"});
  // Their frame 1 in place of ours: same length, seq 1 and a valid crc, then our frame 2 (seq 2).
  write_at(dir.journal(), 0, read_file(other.journal()).substr(0, frame_size(6)));
  CHECK(records(open_journal(dir.journal(), 0)) == Records{{1, "them 1"}});
}

TEST_CASE("journal: a payload holding a frame is not replayed as one", "[journal]") {
  Dir dir;
  Dir other;
  write_all(other.journal(), 0, {"foreign"});
  const std::string foreign = read_file(other.journal()).substr(0, frame_size(7));
  write_all(dir.journal(), 0, {"one"});
  // A frame of this very journal (its nonce, the next seq but one) inside a payload.
  const std::string own_nonce = read_file(dir.journal()).substr(8, 8);
  std::string own = foreign;
  own.replace(8, 8, own_nonce);
  own[16] = 3;
  const std::string crc = [&] {
    const std::uint32_t c = crc32c(std::string_view(own).substr(8));
    return std::string{static_cast<char>(c), static_cast<char>(c >> 8), static_cast<char>(c >> 16), static_cast<char>(c >> 24)};
  }();
  own.replace(4, 4, crc);
  {
    auto journal = open_journal(dir.journal(), 0);
    CHECK(check(journal.append(foreign)) == 2);
    CHECK(check(journal.append(own)) == 3);
    check(journal.sync());
  }
  CHECK(records(open_journal(dir.journal(), 0)) == Records{{1, "one"}, {2, foreign}, {3, own}});

  // With the frame around it torn, the one inside is not picked up either.
  write_at(dir.journal(), frame_size(3) + frame_size(foreign.size()) + 4, "XXXX");
  CHECK(records(open_journal(dir.journal(), 0)) == Records{{1, "one"}, {2, foreign}});
}

TEST_CASE("journal: a 3 MiB record grows the file in MiB steps", "[journal]") {
  Dir dir;
  const std::string big = random_bytes(3 * mib, 7);
  {
    auto journal = open_journal(dir.journal(), 0);
    check(journal.append("small"));
    CHECK(std::filesystem::file_size(dir.journal()) == mib);
    CHECK(check(journal.append(big)) == 2);
    CHECK(std::filesystem::file_size(dir.journal()) == 4 * mib);
    check(journal.append("after"));
    CHECK(std::filesystem::file_size(dir.journal()) == 4 * mib);
    check(journal.sync());
  }
  auto journal = open_journal(dir.journal(), 0);
  CHECK(records(journal) == Records{{1, "small"}, {2, big}, {3, "after"}});
  CHECK(journal.write_offset() == frame_size(5) + frame_size(big.size()) + frame_size(5));
}

TEST_CASE("journal: appends after a reopen continue the seq and the nonce", "[journal]") {
  Dir dir;
  write_all(dir.journal(), 0, {"one", "two"});
  {
    auto journal = open_journal(dir.journal(), 0);
    CHECK(check(journal.append("three")) == 3);
    check(journal.sync());
  }
  {
    auto journal = open_journal(dir.journal(), 0);
    CHECK(journal.last_seq() == 3);
    CHECK(check(journal.append("four")) == 4);
    check(journal.sync());
  }
  CHECK(records(open_journal(dir.journal(), 0)) == Records{{1, "one"}, {2, "two"}, {3, "three"}, {4, "four"}});
  const std::string file = read_file(dir.journal());
  CHECK(nonce_at(file, 0) == nonce_at(file, 2 * frame_size(3) + frame_size(5)));
}

TEST_CASE("journal: a failed append writes nothing and reports a full disk", "[journal]") {
  if (!std::filesystem::exists("/dev/full")) {
    BGSYNC_SKIP("no /dev/full here");
  }
  auto journal = open_journal("/dev/full", 0);  // every write fails with ENOSPC
  auto appended = journal.append("payload");
  REQUIRE_FALSE(appended);
  CHECK(appended.error().code == proto::errc::storage_full);
  CHECK_THAT(appended.error().message, Catch::Contains("/dev/full") && Catch::Contains("No space left"));
  CHECK(journal.last_seq() == 0);
  CHECK(journal.write_offset() == 0);
  check(journal.sync());  // nothing was appended
  CHECK(journal.synced_seq() == 0);
}

TEST_CASE("journal: hardware and portable CRC-32C agree", "[journal]") {
  CHECK(crc32c_portable("123456789") == 0xE3069283);  // the standard check value
  CHECK(crc32c("123456789") == 0xE3069283);
  const auto hw_check = crc32c_hardware("123456789");
  if (!hw_check) {
    WARN("no SSE4.2 on this machine: only the portable CRC is tested");
    return;
  }
  CHECK(*hw_check == 0xE3069283);
  const std::string bytes = random_bytes(100'000 + 8, 42);
  for (std::size_t len = 0; len <= 17; ++len) {
    for (std::size_t start = 0; start < 8; ++start) {  // every alignment
      const std::string_view s = std::string_view(bytes).substr(start, len);
      INFO("len " << len << " start " << start);
      CHECK(crc32c_hardware(s) == crc32c_portable(s));
    }
  }
  const std::string_view big = std::string_view(bytes).substr(3, 100'000);
  CHECK(crc32c_hardware(big) == crc32c_portable(big));
  CHECK(crc32c(big) == crc32c_portable(big));
}

}  // namespace bgsync::store::detail
