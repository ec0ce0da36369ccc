// WriteAccess: the only calls of mdb_put, mdb_del, mdb_cursor_del and mdb_drop on the outbox, each
// captured for the journal when there is a capture buffer, and their replay (format in the header).
#include "daemon/store/write_access.hpp"

namespace bgsync::store::detail {
namespace {

enum Kind : std::uint8_t { put_op = 1, del_op = 2, drop_op = 3 };
constexpr std::size_t op_header = 10;

void append_u32(std::string& out, std::size_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t read_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

}  // namespace

proto::Error WriteAccess::fail(proto::Error error) {
  if (!poison_) poison_ = error;
  return error;
}

void WriteAccess::capture(std::uint8_t kind, Db db, std::string_view key, std::string_view value) {
  if (capture_ == nullptr) return;
  std::string& out = *capture_;
  out.push_back(static_cast<char>(kind));
  out.push_back(static_cast<char>(table(db).journal_number));
  append_u32(out, key.size());
  append_u32(out, value.size());
  out.append(key);
  out.append(value);
}

Result<std::optional<std::string_view>> WriteAccess::get(Db db, std::string_view key) {
  auto value = store_->get(txn_, store_->dbi[db], key);
  if (!value) return fail(value.error());
  return value;
}

Result<std::optional<ActionId>> WriteAccess::head_of(std::string_view tag) {
  auto head = store_->head_of(txn_, tag);
  if (!head) return fail(head.error());
  return head;
}

Result<proto::WaitReason> WriteAccess::waiting(const record::StoredAction& stored, bool paused, TimePoint now) {
  auto waiting = store_->waiting(txn_, stored, paused, now);
  if (!waiting) return fail(waiting.error());
  return waiting;
}

Result<Meta> WriteAccess::read_meta() {
  auto meta = store_->read_meta(txn_);
  if (!meta) return fail(meta.error());
  return meta;
}

Result<void> WriteAccess::put(Db db, std::string_view key, std::string_view value, std::string_view what) {
  MDB_val k = lmdb::to_val(key);
  MDB_val v = lmdb::to_val(value);
  if (int rc = mdb_put(txn_, store_->dbi[db], &k, &v, 0); rc != 0) return fail(rc, what);
  capture(put_op, db, key, value);
  return {};
}

Result<void> WriteAccess::del(Db db, std::string_view key, std::string_view what) {
  MDB_val k = lmdb::to_val(key);
  int rc = mdb_del(txn_, store_->dbi[db], &k, nullptr);
  if (rc == MDB_NOTFOUND) return {};
  if (rc != 0) return fail(rc, what);
  capture(del_op, db, key, {});
  return {};
}

Result<void> WriteAccess::drop(Db db, std::string_view what) {
  if (int rc = mdb_drop(txn_, store_->dbi[db], 0); rc != 0) return fail(rc, what);
  capture(drop_op, db, {}, {});
  return {};
}

auto WriteAccess::Cursor::position(MDB_cursor_op op, MDB_val key) -> Result<std::optional<Entry>> {
  const std::string_view name = table(db_).name;
  if (cursor_.get() == nullptr) {
    if (int rc = cursor_.open(access_.txn_, access_.store_->dbi[db_]); rc != 0) {
      return access_.fail(rc, "open a cursor on " + std::string(name));
    }
  }
  MDB_val value{};
  const int rc = cursor_.get(key, value, op);
  key_ = {};
  if (rc == MDB_NOTFOUND) return std::optional<Entry>{};
  if (rc != 0) return access_.fail(rc, "read " + std::string(name));
  key_ = lmdb::to_view(key);
  return std::optional<Entry>{Entry{key_, lmdb::to_view(value)}};
}

Result<void> WriteAccess::Cursor::erase(std::string_view what) {
  if (key_.data() == nullptr) return access_.fail(proto::make_error(proto::errc::internal, "erase() off an entry"));
  const std::string key(key_);  // the view dies with the entry
  key_ = {};
  if (int rc = mdb_cursor_del(cursor_.get(), 0); rc != 0) return access_.fail(rc, what);
  access_.capture(del_op, db_, key, {});
  return {};
}

Result<void> apply_redo(WriteAccess& access, std::string_view ops) {
  std::size_t at = 0;
  while (at < ops.size()) {
    if (ops.size() - at < op_header) return access.corrupt("a journal record ends inside an operation");
    const auto kind = static_cast<std::uint8_t>(ops[at]);
    const auto number = static_cast<std::uint8_t>(ops[at + 1]);
    const std::size_t key_size = read_u32(ops, at + 2);
    const std::size_t value_size = read_u32(ops, at + 6);
    at += op_header;
    const std::optional<Db> db = db_of_journal_number(number);
    if (!db) return access.corrupt("a journal operation names database " + std::to_string(number));
    if (ops.size() - at < key_size || ops.size() - at - key_size < value_size) {
      return access.corrupt("a journal operation is longer than its record");
    }
    const std::string_view key = ops.substr(at, key_size);
    const std::string_view value = ops.substr(at + key_size, value_size);
    at += key_size + value_size;
    Result<void> applied;
    switch (kind) {
      case put_op: applied = access.put(*db, key, value, "replay the journal"); break;
      case del_op: applied = access.del(*db, key, "replay the journal"); break;
      case drop_op: applied = access.drop(*db, "replay the journal"); break;
      default: return access.corrupt("a journal operation has unknown kind " + std::to_string(kind));
    }
    if (!applied) return applied;
  }
  return {};
}

}  // namespace bgsync::store::detail
