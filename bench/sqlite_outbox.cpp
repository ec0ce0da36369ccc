// The SQLite outbox baseline: schema, pragmas, one prepared INSERT per connection, and the
// many-threads variant of the enqueue benchmark's 32-client figure.
#include "bench/sqlite_outbox.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bgsync::bench {
namespace {

constexpr int busy_timeout_ms = 10'000;

// The headers as the JSON text an app would store: [["Name","value"],...].
std::string headers_json(const Headers& headers) {
  std::string out = "[";
  const auto quoted = [&out](const std::string& s) {
    out += '"';
    for (const char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  };
  for (const auto& h : headers) {
    if (out.size() > 1) out += ',';
    out += '[';
    quoted(h.name);
    out += ',';
    quoted(h.value);
    out += ']';
  }
  return out + "]";
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SqliteOutbox::SqliteOutbox(const std::filesystem::path& file) : random_(std::random_device{}()) {
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    fail("open " + file.string());
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec(
      "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL, app TEXT, tag TEXT,"
      " method TEXT, url TEXT, headers TEXT, body BLOB, state TEXT NOT NULL, created INTEGER NOT NULL,"
      " next_attempt INTEGER)");
  exec("CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt)");
  const char* sql =
      "INSERT INTO outbox (idempotency_key, app, tag, method, url, headers, body, state, created, next_attempt)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)";
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &insert_, nullptr) != SQLITE_OK) {
    fail("prepare the INSERT");
  }
}

SqliteOutbox::~SqliteOutbox() {
  sqlite3_finalize(insert_);
  sqlite3_close_v2(db_);
}

void SqliteOutbox::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error(std::string("sqlite: ") + sql + ": " + text);
  }
}

void SqliteOutbox::fail(const std::string& what) const {
  throw std::runtime_error("sqlite: " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void SqliteOutbox::enqueue(const EnqueueRequest& request) {
  // A random 128-bit key, as an app would make for its server's deduplication.
  static constexpr char hex[] = "0123456789abcdef";
  key_.clear();
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = random_();
    for (int i = 0; i < 16; ++i, bits >>= 4) key_ += hex[bits & 0xf];
  }
  const std::string headers = headers_json(request.headers);
  const std::int64_t now = now_ms();
  sqlite3_bind_text(insert_, 1, key_.data(), static_cast<int>(key_.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert_, 2, request.app.data(), static_cast<int>(request.app.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert_, 3, request.tag.data(), static_cast<int>(request.tag.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert_, 4, request.method.data(), static_cast<int>(request.method.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert_, 5, request.url.data(), static_cast<int>(request.url.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert_, 6, headers.data(), static_cast<int>(headers.size()), SQLITE_STATIC);
  sqlite3_bind_blob(insert_, 7, request.body.data(), static_cast<int>(request.body.size()), SQLITE_STATIC);
  sqlite3_bind_int64(insert_, 8, now);
  sqlite3_bind_int64(insert_, 9, now);
  const int rc = sqlite3_step(insert_);
  sqlite3_reset(insert_);
  if (rc != SQLITE_DONE) fail("INSERT");
}

std::int64_t SqliteOutbox::count() {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM outbox", -1, &stmt, nullptr) != SQLITE_OK) fail("prepare count");
  const int rc = sqlite3_step(stmt);
  const std::int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  if (n < 0) fail("count the rows");
  return n;
}

double sqlite_enqueue_concurrently(const std::filesystem::path& file, const EnqueueRequest& request,
                                   std::size_t count, std::size_t threads) {
  if (threads == 0) threads = 1;
  std::vector<std::unique_ptr<SqliteOutbox>> connections;
  for (std::size_t i = 0; i < threads; ++i) connections.push_back(std::make_unique<SqliteOutbox>(file));
  std::mutex mutex;
  std::string failure;
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < threads; ++i) {
    const std::size_t share = count / threads + (i < count % threads ? 1 : 0);
    workers.emplace_back([&, i, share] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      try {
        for (std::size_t n = 0; n < share; ++n) connections[i]->enqueue(request);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (failure.empty()) failure = e.what();
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : workers) t.join();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  if (!failure.empty()) throw std::runtime_error(failure);
  return took.count();
}

}  // namespace bgsync::bench
