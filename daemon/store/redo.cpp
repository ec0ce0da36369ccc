// The one funnel for the outbox's LMDB writes, and its redo form: with Store::redo set, each put,
// delete and drop is also appended as an operation, so a batch can be journaled (one sequential
// write) and replayed onto the outbox after a crash, exactly as it was first applied.
//
// An operation: kind (u8: 1 put, 2 del, 3 drop), database (u8: its journal number, tables.hpp), key size and
// value size (u32 little-endian each), key, value. Physical operations, not requests: replay
// needs no clock, no id generator and no version of the request logic, only the same bytes.
#include "daemon/store/store_env.hpp"

#include <array>

namespace bgsync::store::detail {
namespace {

enum class Op : std::uint8_t { put = 1, del = 2, drop = 3 };
constexpr std::size_t op_header = 10;

void append_u32(std::string& out, std::size_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// One operation in the form described above.
void append_op(std::string& out, Op kind, std::size_t number, std::string_view key, std::string_view value) {
  out.push_back(static_cast<char>(kind));
  out.push_back(static_cast<char>(number));
  append_u32(out, key.size());
  append_u32(out, value.size());
  out.append(key);
  out.append(value);
}

std::uint32_t read_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

// The journal number of the database with handle `db` (step 1 only: writes name handles).
std::uint8_t journal_number(const Dbis& dbis, MDB_dbi db) noexcept {
  for (const Table& t : tables) {
    if (dbis[t.db] == db) return t.journal_number;
  }
  return 0xff;
}

}  // namespace

void Store::note_del(MDB_dbi db, std::string_view key) const {
  if (redo != nullptr) append_op(*redo, Op::del, journal_number(dbi, db), key, {});
}

Result<void> Store::put(MDB_txn* txn, MDB_dbi db, std::string_view key, std::string_view value,
                        std::string_view what) const {
  MDB_val k = lmdb::to_val(key);
  MDB_val v = lmdb::to_val(value);
  if (int rc = mdb_put(txn, db, &k, &v, 0); rc != 0) return error(rc, what);
  if (redo != nullptr) append_op(*redo, Op::put, journal_number(dbi, db), key, value);
  return {};
}

Result<void> Store::del(MDB_txn* txn, MDB_dbi db, std::string_view key, std::string_view what) const {
  MDB_val k = lmdb::to_val(key);
  int rc = mdb_del(txn, db, &k, nullptr);
  if (rc == MDB_NOTFOUND) return {};
  if (rc != 0) return error(rc, what);
  note_del(db, key);
  return {};
}

Result<void> Store::drop(MDB_txn* txn, MDB_dbi db, std::string_view what) const {
  if (int rc = mdb_drop(txn, db, 0); rc != 0) return error(rc, what);
  if (redo != nullptr) append_op(*redo, Op::drop, journal_number(dbi, db), {}, {});
  return {};
}

Result<void> Store::apply_redo(MDB_txn* txn, std::string_view ops) const {
  std::size_t at = 0;
  while (at < ops.size()) {
    if (ops.size() - at < op_header) return corrupt("a journal record ends inside an operation");
    const auto kind = static_cast<std::uint8_t>(ops[at]);
    const auto number = static_cast<std::uint8_t>(ops[at + 1]);
    const std::size_t key_size = read_u32(ops, at + 2);
    const std::size_t value_size = read_u32(ops, at + 6);
    at += op_header;
    const auto named = db_of_journal_number(number);
    if (!named) return corrupt("a journal operation names database " + std::to_string(number));
    if (ops.size() - at < key_size || ops.size() - at - key_size < value_size) {
      return corrupt("a journal operation is longer than its record");
    }
    const MDB_dbi db = dbi[*named];
    const std::string_view key = ops.substr(at, key_size);
    const std::string_view value = ops.substr(at + key_size, value_size);
    at += key_size + value_size;
    Result<void> applied;
    switch (static_cast<Op>(kind)) {
      case Op::put: applied = put(txn, db, key, value, "replay the journal"); break;
      case Op::del: applied = del(txn, db, key, "replay the journal"); break;
      case Op::drop: applied = drop(txn, db, "replay the journal"); break;
      default: return corrupt("a journal operation has unknown kind " + std::to_string(kind));
    }
    if (!applied) return applied;
  }
  return {};
}

Result<std::uint64_t> Store::read_journal_seq(MDB_txn* txn) const {
  auto v = get(txn, dbi[Db::meta], meta_journal);
  if (!v) return v.error();
  if (!*v) return std::uint64_t{0};
  auto seq = record::parse_u64_key(**v);
  if (!seq) return corrupt("meta key \"journal\" has the wrong size");
  return *seq;
}

Result<void> Store::write_journal_seq(MDB_txn* txn, std::uint64_t seq) const {
  // Straight to LMDB, never journaled: it says which journal records this state already holds.
  const std::string value = record::u64_key(seq);
  MDB_val k = lmdb::to_val(meta_journal);
  MDB_val v = lmdb::to_val(value);
  if (int rc = mdb_put(txn, dbi[Db::meta], &k, &v, 0); rc != 0) return error(rc, "write meta");
  return {};
}

}  // namespace bgsync::store::detail
