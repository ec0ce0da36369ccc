// Opening the outbox's LMDB environment and reading/writing its meta record.
// The environment uses MDB_NOTLS because read transactions are made on the io thread while
// the commit queue's writer thread holds the write transaction.
#include "daemon/store/store_env.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include "daemon/store/record.hpp"
#include "daemon/store/write_access.hpp"

namespace bgsync::store::detail {
namespace {

constexpr unsigned max_dbs = 16;  // room to grow the table without touching open()
static_assert(table_count <= max_dbs);
constexpr mdb_mode_t file_mode = 0600;

Result<void> make_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return {};
  if (!dir.parent_path().empty()) std::filesystem::create_directories(dir.parent_path(), ec);
  // mkdir with the final mode so the directory is never briefly readable by others.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return proto::make_error(proto::errc::storage_error, "cannot create the outbox directory " +
                                                             dir.string() + ": " +
                                                             std::generic_category().message(errno));
  }
  return {};
}

std::uint64_t read_u64_be(std::string_view bytes, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return v;
}

}  // namespace

proto::Error Store::corrupt(std::string_view what) const {
  return proto::make_error(proto::errc::storage_error,
                           "the outbox in " + dir.string() + " is corrupt: " + std::string(what));
}

Result<lmdb::Txn> Store::begin_read() const {
  lmdb::Txn txn;
  if (int rc = txn.begin(env.get(), MDB_RDONLY); rc != 0) return error(rc, "begin a read transaction");
  return txn;
}

Result<std::optional<std::string_view>> Store::get(MDB_txn* txn, MDB_dbi dbi, std::string_view key) const {
  MDB_val k = lmdb::to_val(key);
  MDB_val v{};
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>{};
  if (rc != 0) return error(rc, "mdb_get");
  return std::optional<std::string_view>{lmdb::to_view(v)};
}

Result<std::optional<ActionId>> Store::head_of(MDB_txn* txn, std::string_view tag) const {
  lmdb::Cursor cursor;
  if (int rc = cursor.open(txn, dbi[Db::tagq]); rc != 0) return error(rc, "open a tagq cursor");
  const std::string prefix = record::tag_prefix(tag);
  MDB_val k = lmdb::to_val(prefix);
  MDB_val v{};
  int rc = cursor.get(k, v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) return std::optional<ActionId>{};
  if (rc != 0) return error(rc, "seek in tagq");
  if (!lmdb::to_view(k).starts_with(prefix)) return std::optional<ActionId>{};
  auto id = record::id_from_bytes(lmdb::to_view(v));
  if (!id) return corrupt("a tagq entry of tag \"" + std::string(tag) + "\" is not an id");
  return std::optional<ActionId>{*id};
}

Result<proto::WaitReason> Store::waiting(MDB_txn* txn, const record::StoredAction& stored, bool paused,
                                         TimePoint now) const {
  using proto::WaitReason;
  const Action& a = stored.action;
  if (a.state != proto::ActionState::queued) return WaitReason::none;
  if (a.held) return WaitReason::held;
  if (paused) return WaitReason::paused;
  if (!stored.parked.empty()) return WaitReason::network;
  if (!a.tag.empty()) {
    auto head = head_of(txn, a.tag);
    if (!head) return head.error();
    if (*head != a.id) return WaitReason::tag;
  }
  if (a.next_attempt && *a.next_attempt > now) {
    const bool first_not_yet = a.attempts == 0 && a.policy.not_before && *a.next_attempt <= *a.policy.not_before;
    return first_not_yet ? WaitReason::not_before : WaitReason::backoff;
  }
  return WaitReason::none;
}

Result<Meta> Store::read_meta(MDB_txn* txn) const {
  Meta meta;
  auto read_u64 = [&](std::string_view key, std::uint64_t& out) -> Result<void> {
    auto v = get(txn, dbi[Db::meta], key);
    if (!v) return v.error();
    if (!*v) return {};
    if ((*v)->size() != 8) return corrupt("meta key \"" + std::string(key) + "\" has the wrong size");
    out = read_u64_be(**v, 0);
    return {};
  };
  std::uint64_t paused = 0;
  if (auto r = read_u64(meta_next_seq, meta.next_seq); !r) return r.error();
  if (auto r = read_u64(meta_next_order, meta.next_order); !r) return r.error();
  if (auto r = read_u64(meta_paused, paused); !r) return r.error();
  meta.paused = paused != 0;
  auto counts = get(txn, dbi[Db::meta], meta_counts);
  if (!counts) return counts.error();
  if (*counts) {
    if ((*counts)->size() != 8 * proto::action_state_count) return corrupt("meta key \"counts\" has the wrong size");
    for (std::size_t i = 0; i < proto::action_state_count; ++i) meta.counts.by_state[i] = read_u64_be(**counts, 8 * i);
  }
  return meta;
}

Result<std::uint64_t> Store::read_journal_seq(MDB_txn* txn) const {
  auto v = get(txn, dbi[Db::meta], meta_journal);
  if (!v) return v.error();
  if (!*v) return std::uint64_t{0};
  auto seq = record::parse_u64_key(**v);
  if (!seq) return corrupt("meta key \"journal\" has the wrong size");
  return *seq;
}

Result<void> write_meta(WriteAccess& access, const Meta& meta) {
  auto put = [&](std::string_view key, std::string_view value) { return access.put(Db::meta, key, value, "write meta"); };
  std::string counts;
  for (auto c : meta.counts.by_state) counts += record::u64_key(c);
  if (auto r = put(meta_next_seq, record::u64_key(meta.next_seq)); !r) return r;
  if (auto r = put(meta_next_order, record::u64_key(meta.next_order)); !r) return r;
  if (auto r = put(meta_paused, record::u64_key(meta.paused ? 1 : 0)); !r) return r;
  return put(meta_counts, counts);
}

Result<void> write_journal_seq(WriteAccess& access, std::uint64_t seq) {
  return access.put(Db::meta, meta_journal, record::u64_key(seq), "write meta");
}

Result<Store> Store::open(const OutboxOptions& options) {
  Store store;
  store.dir = options.dir;
  store.map_size = options.map_size;
  const std::string where = " (outbox " + options.dir.string() + ")";
  if (auto r = make_dir(options.dir); !r) return r.error();

  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != 0) return store.error(rc, "mdb_env_create" + where);
  store.env = lmdb::Env(raw);
  if (int rc = mdb_env_set_maxdbs(raw, max_dbs); rc != 0) return store.error(rc, "mdb_env_set_maxdbs" + where);
  if (int rc = mdb_env_set_mapsize(raw, options.map_size); rc != 0) return store.error(rc, "mdb_env_set_mapsize" + where);
  // MDB_NOMETASYNC: a commit flushes its data pages but leaves its meta page to the next commit's
  // flush (or Outbox::sync()). The outbox stays consistent whatever happens; what is not durable
  // yet is only the last commit, which the commit queue acknowledges after the next flush. Under
  // load that is one flush per batch instead of two.
  if (int rc = mdb_env_open(raw, options.dir.c_str(), MDB_NOTLS | MDB_NOMETASYNC, file_mode); rc != 0) {
    return store.error(rc, "cannot open the LMDB environment" + where);
  }
  // LMDB keeps an existing file's larger map size; report the real one when full.
  MDB_envinfo info{};
  if (mdb_env_info(raw, &info) == 0) store.map_size = info.me_mapsize;
  // Free reader slots left by processes that died holding a read transaction.
  int dead = 0;
  if (int rc = mdb_reader_check(raw, &dead); rc != 0) return store.error(rc, "mdb_reader_check" + where);

  lmdb::Txn txn;
  if (int rc = txn.begin(raw, 0); rc != 0) return store.error(rc, "begin the set-up transaction" + where);
  for (const Table& t : tables) {
    MDB_dbi& handle = store.dbi.handles[static_cast<std::size_t>(t.db)];
    if (int rc = mdb_dbi_open(txn.get(), std::string(t.name).c_str(), MDB_CREATE, &handle); rc != 0) {
      return store.error(rc, "open database " + std::string(t.name) + where);
    }
  }

  WriteAccess setup(store, txn.get());
  auto stamp = [&](std::string_view what) {
    return setup.put(Db::meta, meta_schema, record::u64_key(schema_version), std::string(what) + where);
  };
  auto schema = store.get(txn.get(), store.dbi[Db::meta], meta_schema);
  if (!schema) return schema.error();
  if (!*schema) {
    // A new outbox: stamp it, with counters at their starting values.
    if (auto r = stamp("initialise"); !r) return r.error();
    if (auto r = write_meta(setup, Meta{}); !r) return r.error();
  } else {
    auto version = record::parse_u64_key(**schema);
    if (!version) return store.corrupt("meta key \"schema\" has the wrong size");
    if (*version > schema_version) {
      return proto::make_error(proto::errc::storage_error,
                               "the outbox in " + options.dir.string() + " was written by a newer bgsyncd (schema " +
                                   std::to_string(*version) + "; this one reads up to " +
                                   std::to_string(schema_version) + "): upgrade bgsyncd or use another --state-dir");
    }
    // Older layouts only lack databases, just created empty, which is their correct content:
    // nothing was parked, waiting for the network or registered for periodic sync then.
    // Restamp so older daemons refuse it (they could not read format-3 events either).
    if (*version < schema_version) {
      if (auto r = stamp("upgrade the schema"); !r) return r.error();
    }
  }
  if (int rc = txn.commit(); rc != 0) return store.error(rc, "commit the set-up transaction" + where);
  if (int rc = mdb_env_sync(raw, 1); rc != 0) return store.error(rc, "flush the set-up transaction" + where);
  return store;
}

}  // namespace bgsync::store::detail
