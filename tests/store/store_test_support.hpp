// Helpers shared by the store tests: a temporary outbox directory removed afterwards, fabricated
// action ids in creation order, fixed times, and one-transaction shorthands.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "daemon/store/outbox.hpp"

namespace bgsync::store::test {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("bgsync-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             std::to_string(rd()));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Ids that sort like UUIDv7s made in order: version and variant bits set, n big-endian in the
// last 7 bytes.
inline ActionId make_id(std::uint64_t n) {
  ActionId id;
  id.bytes[6] = 0x70;
  id.bytes[8] = 0x80;
  for (std::size_t i = 0; i < 7; ++i) id.bytes[15 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  return id;
}

inline TimePoint at(std::int64_t ms) { return TimePoint{std::chrono::milliseconds{ms}}; }
inline constexpr std::int64_t t0 = 1'790'000'000'000;  // a fixed "now" in 2026

// The clock get() and list() judge backoff by; tests of `waiting` place times around it.
inline TimePoint wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

inline std::unique_ptr<Outbox> open_outbox(const std::filesystem::path& dir, std::size_t map_size = std::size_t{1} << 30) {
  auto outbox = Outbox::open(OutboxOptions{dir, map_size});
  if (!outbox) FAIL("open failed: " << outbox.error().message);
  return std::move(*outbox);
}

inline proto::EnqueueRequest request(std::string tag = {}, std::string app = "test", std::string body = "payload") {
  proto::EnqueueRequest r;
  r.method = "POST";
  r.url = "https://example.com/api";
  r.headers = {{"Content-Type", "text/plain"}};
  r.body = std::move(body);
  r.tag = std::move(tag);
  r.app = std::move(app);
  return r;
}

// Runs `body(txn)` in one write transaction and commits it, failing the test on any error.
template <class Body>
void write(Outbox& outbox, Body&& body) {
  WriteTxn txn(outbox);
  body(txn);
  auto committed = txn.commit();
  if (!committed) FAIL("commit failed: " << committed.error().message);
}

template <class T>
T check(Result<T> r) {
  if (!r) FAIL("unexpected error: " << r.error().message);
  return std::move(*r);
}
inline void check(Result<void> r) {
  if (!r) FAIL("unexpected error: " << r.error().message);
}

inline std::vector<ActionId> due_ids(const Outbox& outbox, std::size_t max = 100) {
  std::vector<ActionId> ids;
  for (const auto& e : check(outbox.published().due(max))) ids.push_back(e.id);
  return ids;
}

// counts() (kept incrementally in meta) must always equal a count of the actions themselves.
inline void require_counts_match(const Outbox& outbox) {
  proto::StateCounts actual;
  proto::ListQuery q;
  q.limit = proto::max_list_limit;
  for (;;) {
    auto page = check(outbox.published().list(q));
    for (const auto& a : page.actions) ++actual[a.state];
    if (!page.next) break;
    q.after = page.next;
  }
  REQUIRE(check(outbox.published().counts()).by_state == actual.by_state);
}

}  // namespace bgsync::store::test

namespace Catch {
// Results show their error message when a check fails (Boost's own operator<< would need one
// for every value type).
template <class T>
struct StringMaker<boost::system::result<T, bgsync::proto::Error>> {
  static std::string convert(const boost::system::result<T, bgsync::proto::Error>& r) {
    return r ? std::string("ok") : "error: " + r.error().message;
  }
};
template <>
struct StringMaker<bgsync::proto::ActionId> {
  static std::string convert(const bgsync::proto::ActionId& id) { return id.to_string(); }
};
template <>
struct StringMaker<bgsync::proto::WaitReason> {
  static std::string convert(bgsync::proto::WaitReason r) { return std::string(bgsync::proto::to_string(r)); }
};
}  // namespace Catch
