// TxnWriter's plumbing: beginning and committing, poisoning on LMDB errors, record and index
// helpers, the event log, pruning and start-up recovery. The state changes are in txn_ops.cpp.
#include "daemon/store/txn_writer.hpp"

#include <system_error>

namespace bgsync::store::detail {

TxnWriter::TxnWriter(Store& store) : store_(store) {
  if (int rc = own_.begin(store.env.get(), 0); rc != 0) {
    proto::Error e = store.error(rc, "begin a write transaction");
    throw std::system_error(e.code, e.message);
  }
  txn_ = own_.get();
  load_meta();
}

TxnWriter::TxnWriter(Store& store, MDB_txn* batch) : store_(store), txn_(batch) { load_meta(); }

void TxnWriter::load_meta() {
  // A failure here surfaces from the first operation (or commit) as the poisoning error.
  if (auto meta = store_.read_meta(txn_)) {
    meta_ = *meta;
  } else {
    poison_ = meta.error();
  }
}

Result<void> TxnWriter::usable() const {
  if (finished_) return proto::make_error(proto::errc::internal, "the write transaction was used after commit()");
  if (poison_) return *poison_;
  return {};
}

proto::Error TxnWriter::fail(int rc, std::string_view what) { return fail(store_.error(rc, what)); }

proto::Error TxnWriter::fail(proto::Error error) {
  if (!poison_) poison_ = error;
  return error;
}

Result<void> TxnWriter::put(MDB_dbi dbi, std::string_view key, std::string_view value, std::string_view what) {
  if (auto r = store_.put(txn_, dbi, key, value, what); !r) return fail(r.error());
  return {};
}

Result<void> TxnWriter::del(MDB_dbi dbi, std::string_view key, std::string_view what) {
  // An index entry already missing is not worth failing the transaction over (Store::del agrees).
  if (auto r = store_.del(txn_, dbi, key, what); !r) return fail(r.error());
  return {};
}

Result<std::optional<TxnWriter::Stored>> TxnWriter::load(const ActionId& id) {
  auto bytes = store_.get(txn_, store_.dbi[Db::actions], record::id_bytes(id));
  if (!bytes) return fail(bytes.error());
  if (!*bytes) return std::optional<Stored>{};
  auto stored = record::decode_action(id, **bytes);
  if (!stored) return fail(store_.corrupt("the record of action " + id.to_string() + " cannot be decoded"));
  return std::optional<Stored>{std::move(*stored)};
}

Result<TxnWriter::Stored> TxnWriter::load_existing(const ActionId& id) {
  auto stored = load(id);
  if (!stored) return stored.error();
  if (!*stored) return proto::make_error(proto::errc::not_found, "no action " + id.to_string());
  return std::move(**stored);
}

Result<void> TxnWriter::save(const Stored& stored) {
  return put(store_.dbi[Db::actions], record::id_bytes(stored.action.id), record::encode_action(stored), "write an action");
}

Result<std::optional<ActionId>> TxnWriter::head_of(std::string_view tag) {
  auto head = store_.head_of(txn_, tag);
  if (!head) return fail(head.error());
  return head;
}

Result<bool> TxnWriter::at_front(const Stored& stored) {
  const Action& a = stored.action;
  if (a.state != proto::ActionState::queued) return false;
  if (a.tag.empty()) return true;
  auto head = head_of(a.tag);
  if (!head) return head.error();
  return *head == a.id;
}

Result<void> TxnWriter::schedule(const Stored& stored) {
  const Action& a = stored.action;
  if (!stored.parked.empty()) {
    return put(store_.dbi[Db::parked], record::parked_key(stored.parked, stored.order), record::id_bytes(a.id),
               "write the parked index");
  }
  return put(store_.dbi[Db::due], record::due_key(a.next_attempt.value_or(TimePoint{}), stored.order),
             record::id_bytes(a.id), "write the due index");
}

Result<void> TxnWriter::unschedule(const Stored& stored) {
  const Action& a = stored.action;
  if (!stored.parked.empty()) {
    return del(store_.dbi[Db::parked], record::parked_key(stored.parked, stored.order), "update the parked index");
  }
  return del(store_.dbi[Db::due], record::due_key(a.next_attempt.value_or(TimePoint{}), stored.order),
             "update the due index");
}

Result<void> TxnWriter::unmark_network(const ActionId& id) {
  return del(store_.dbi[Db::netwait], record::id_bytes(id), "update the netwait index");
}

Result<void> TxnWriter::promote_head(std::string_view tag) {
  auto head = head_of(tag);
  if (!head) return head.error();
  if (!*head) return {};
  auto stored = load(**head);
  if (!stored) return stored.error();
  if (!*stored) return fail(store_.corrupt("tagq names action " + (*head)->to_string() + ", which does not exist"));
  const Stored& next = **stored;
  if (next.action.state != proto::ActionState::queued) return {};
  return schedule(next);
}

Result<Action> TxnWriter::reply(Stored&& stored, TimePoint now) {
  auto waiting = store_.waiting(txn_, stored, meta_.paused, now);
  if (!waiting) return fail(waiting.error());
  stored.action.waiting = *waiting;
  return std::move(stored.action);
}

bool TxnWriter::valid_destination(std::string_view destination) noexcept {
  return !destination.empty() && destination.size() <= max_destination_size &&
         destination.find('\0') == std::string_view::npos;
}

Result<void> TxnWriter::append_event(proto::EventType type, const Action& action, TimePoint now,
                                     std::optional<int> status, std::string error,
                                     std::optional<TimePoint> next_attempt) {
  Event e;
  e.type = type;
  e.id = action.id;
  e.tag = action.tag;
  e.app = action.app;
  e.time = now;
  e.attempt = action.attempts;
  e.status = status;
  e.error = std::move(error);
  e.next_attempt = next_attempt;
  return append_event(std::move(e));
}

Result<void> TxnWriter::append_event(Event e) {
  e.seq = meta_.next_seq;
  if (auto r = put(store_.dbi[Db::events], record::u64_key(e.seq), record::encode_event(e), "append an event"); !r) return r;
  ++meta_.next_seq;
  meta_dirty_ = true;
  events_.push_back(std::move(e));
  return {};
}

void TxnWriter::move_count(proto::ActionState from, proto::ActionState to) {
  if (meta_.counts[from] > 0) --meta_.counts[from];
  ++meta_.counts[to];
  meta_dirty_ = true;
}

Result<void> TxnWriter::set_paused(bool paused) {
  if (auto r = usable(); !r) return r;
  meta_.paused = paused;
  meta_dirty_ = true;
  return {};
}

Result<std::size_t> TxnWriter::prune_events(TimePoint cutoff, std::size_t max) {
  if (auto r = usable(); !r) return r.error();
  lmdb::Cursor cursor;
  if (int rc = cursor.open(txn_, store_.dbi[Db::events]); rc != 0) return fail(rc, "open an events cursor");
  std::size_t pruned = 0;
  while (pruned < max) {
    // Always the first entry: re-seeking after each delete avoids relying on cursor state.
    MDB_val k{};
    MDB_val v{};
    int rc = cursor.get(k, v, MDB_FIRST);
    if (rc == MDB_NOTFOUND) break;
    if (rc != 0) return fail(rc, "read the event log");
    auto seq = record::parse_u64_key(lmdb::to_view(k));
    auto event = seq ? record::decode_event(*seq, lmdb::to_view(v)) : std::nullopt;
    if (!event) return fail(store_.corrupt("an event record cannot be decoded"));
    if (event->time >= cutoff) break;
    const std::string key(lmdb::to_view(k));
    if (rc = mdb_cursor_del(cursor.get(), 0); rc != 0) return fail(rc, "prune the event log");
    store_.note_del(store_.dbi[Db::events], key);
    ++pruned;
  }
  return pruned;
}

Result<std::size_t> TxnWriter::recover_inflight(TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  std::vector<ActionId> ids;
  {
    lmdb::Cursor cursor;
    if (int rc = cursor.open(txn_, store_.dbi[Db::inflight]); rc != 0) return fail(rc, "open an inflight cursor");
    MDB_val k{};
    MDB_val v{};
    for (int rc = cursor.get(k, v, MDB_FIRST); rc != MDB_NOTFOUND; rc = cursor.get(k, v, MDB_NEXT)) {
      if (rc != 0) return fail(rc, "read the inflight index");
      auto id = record::id_from_bytes(lmdb::to_view(k));
      if (!id) return fail(store_.corrupt("an inflight key is not an id"));
      ids.push_back(*id);
    }
  }
  static constexpr std::string_view reason = "daemon restarted during the attempt";
  std::size_t recovered = 0;
  for (const auto& id : ids) {
    auto loaded = load(id);
    if (!loaded) return loaded.error();
    if (!*loaded || (*loaded)->action.state != proto::ActionState::sending) continue;  // stale entry
    Stored& stored = **loaded;
    Action& a = stored.action;
    a.state = proto::ActionState::queued;
    a.next_attempt = now;
    a.updated = now;
    a.last_error = reason;
    if (auto r = save(stored); !r) return r.error();
    // A sending tagged action is its tag's head (and never parked), so it goes straight back
    // into due.
    auto front = at_front(stored);
    if (!front) return front.error();
    if (*front) {
      if (auto r = schedule(stored); !r) return r.error();
    }
    move_count(proto::ActionState::sending, proto::ActionState::queued);
    if (auto r = append_event(proto::EventType::retry, a, now, std::nullopt, std::string(reason), now); !r) return r.error();
    ++recovered;
  }
  if (!ids.empty()) {
    if (auto r = store_.drop(txn_, store_.dbi[Db::inflight], "empty the inflight index"); !r) return fail(r.error());
  }
  return recovered;
}

Result<void> TxnWriter::commit() {
  if (finished_) return proto::make_error(proto::errc::internal, "commit() called twice on one write transaction");
  finished_ = true;
  if (poison_) {
    own_.abort();
    return *poison_;
  }
  if (meta_dirty_) {
    if (auto r = store_.write_meta(txn_, meta_); !r) {
      own_.abort();
      return fail(r.error());
    }
  }
  // A batch's transaction is its owner's to commit.
  if (own_) {
    if (int rc = own_.commit(); rc != 0) return fail(rc, "commit");
  }
  return {};
}

}  // namespace bgsync::store::detail
