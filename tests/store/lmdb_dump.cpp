// The raw-LMDB dump the replay tests compare (see lmdb_dump.hpp). It opens the environment
// read-only and lists the named databases from the main (unnamed) database, so a table added
// to the outbox is dumped without a change here.
#include "tests/store/lmdb_dump.hpp"

#include <lmdb.h>

#include <algorithm>
#include <iterator>
#include <memory>

#include <catch2/catch.hpp>

namespace bgsync::store::test {
namespace {

// Far more than the outbox has, so that opening every named database never runs out of slots.
constexpr MDB_dbi max_dbs = 64;

struct EnvClose {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};
struct TxnAbort {
  void operator()(MDB_txn* txn) const { mdb_txn_abort(txn); }
};
struct CursorClose {
  void operator()(MDB_cursor* cursor) const { mdb_cursor_close(cursor); }
};
using EnvPtr = std::unique_ptr<MDB_env, EnvClose>;
using TxnPtr = std::unique_ptr<MDB_txn, TxnAbort>;
using CursorPtr = std::unique_ptr<MDB_cursor, CursorClose>;

void check_rc(int rc, std::string_view what) {
  if (rc != 0) FAIL("LMDB dump: " << what << ": " << mdb_strerror(rc));
}

std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// Every (key, value) of `dbi`, in key order.
std::vector<std::pair<std::string, std::string>> entries(MDB_txn* txn, MDB_dbi dbi) {
  MDB_cursor* raw = nullptr;
  check_rc(mdb_cursor_open(txn, dbi, &raw), "open a cursor");
  CursorPtr cursor(raw);
  std::vector<std::pair<std::string, std::string>> out;
  MDB_val k{};
  MDB_val v{};
  int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) out.emplace_back(view(k), view(v));
  if (rc != MDB_NOTFOUND) check_rc(rc, "walk a database");
  return out;
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

Dump dump_lmdb(const std::filesystem::path& dir) {
  MDB_env* raw_env = nullptr;
  check_rc(mdb_env_create(&raw_env), "mdb_env_create");
  EnvPtr env(raw_env);
  check_rc(mdb_env_set_maxdbs(env.get(), max_dbs), "mdb_env_set_maxdbs");
  // Read-only and without the lock file: nothing else has the environment open meanwhile.
  check_rc(mdb_env_open(env.get(), dir.c_str(), MDB_RDONLY | MDB_NOLOCK, 0600), "open " + dir.string());
  MDB_txn* raw_txn = nullptr;
  check_rc(mdb_txn_begin(env.get(), nullptr, MDB_RDONLY, &raw_txn), "begin a read transaction");
  TxnPtr txn(raw_txn);
  MDB_dbi main_dbi = 0;
  check_rc(mdb_dbi_open(txn.get(), nullptr, 0, &main_dbi), "open the main database");
  Dump dump;
  // The main database's keys are the names of the named databases.
  for (const auto& [name, unused] : entries(txn.get(), main_dbi)) {
    MDB_dbi dbi = 0;
    check_rc(mdb_dbi_open(txn.get(), name.c_str(), 0, &dbi), "open database " + name);
    dump.push_back(name);
    for (const auto& [key, value] : entries(txn.get(), dbi)) dump.push_back(name + '\t' + hex(key) + '\t' + hex(value));
  }
  std::sort(dump.begin(), dump.end());
  return dump;
}

Dump dump_outbox(const std::filesystem::path& dir) {
  Dump dump = dump_lmdb(dir);
  const std::string journal_key = "meta\t" + hex("journal") + '\t';
  std::erase_if(dump, [&](const std::string& line) { return line.starts_with(journal_key); });
  return dump;
}

std::string to_text(const Dump& dump) {
  std::string text;
  for (const auto& line : dump) text += line + '\n';
  return text;
}

Dump from_text(std::string_view text) {
  Dump dump;
  while (!text.empty()) {
    const auto end = text.find('\n');
    dump.emplace_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return dump;
}

std::string dump_diff(Dump expected, Dump actual, std::size_t max_lines) {
  std::sort(expected.begin(), expected.end());
  std::sort(actual.begin(), actual.end());
  Dump missing;
  Dump extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  std::vector<std::string> lines;
  for (const auto& line : missing) lines.push_back("- " + line);
  for (const auto& line : extra) lines.push_back("+ " + line);
  // A database's and a key's lines together.
  std::stable_sort(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
    return a.compare(2, std::string::npos, b, 2) < 0;
  });
  std::string out;
  for (std::size_t i = 0; i < lines.size() && i < max_lines; ++i) out += lines[i] + '\n';
  if (lines.size() > max_lines) out += "... and " + std::to_string(lines.size() - max_lines) + " more\n";
  return out;
}

}  // namespace bgsync::store::test
