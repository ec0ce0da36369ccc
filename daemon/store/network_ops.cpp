// The outbox's network bookkeeping: parking actions per destination while it is unreachable,
// unparking them, cutting short the backoff of network failures, and the `network` event.
// None of these change an action's state, so none appends an action event (invariants in txn_writer.hpp).
#include "daemon/store/txn_writer.hpp"

namespace bgsync::store::detail {
namespace {

proto::Error bad_destination(std::string_view destination) {
  return proto::make_error(proto::errc::bad_field,
                           "destination \"" + std::string(destination.substr(0, max_destination_size)) +
                               "\": must be 1 to " + std::to_string(max_destination_size) +
                               " bytes without NUL (the URL's host)");
}

// A parked entry, collected before unpark rewrites the index under its cursor.
struct Entry {
  std::string key;
  ActionId id;
};

}  // namespace

Result<Action> TxnWriter::park(const ActionId& id, std::string_view destination, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  if (!valid_destination(destination)) return bad_destination(destination);
  auto stored = load_existing(id);
  if (!stored) return stored.error();
  const Action& a = stored->action;
  if (a.state != proto::ActionState::queued) {
    return proto::make_error(proto::errc::bad_state, "action " + id.to_string() + " is " +
                                                         std::string(proto::to_string(a.state)) +
                                                         "; only a queued action can be parked");
  }
  if (!stored->parked.empty()) {
    return proto::make_error(proto::errc::bad_state,
                             "action " + id.to_string() + " is already parked under \"" + stored->parked + "\"");
  }
  auto front = at_front(*stored);
  if (!front) return front.error();
  if (!*front) {
    return proto::make_error(proto::errc::bad_state, "action " + id.to_string() +
                                                         " is not due: it waits behind the head of its tag \"" +
                                                         a.tag + "\"");
  }
  if (auto r = unschedule(*stored); !r) return r.error();
  if (auto r = unmark_network(id); !r) return r.error();
  stored->parked = std::string(destination);
  if (auto r = schedule(*stored); !r) return r.error();
  if (auto r = save(*stored); !r) return r.error();
  return reply(std::move(*stored), now);
}

Result<std::size_t> TxnWriter::unpark(std::string_view destination, std::size_t max) {
  if (auto r = usable(); !r) return r.error();
  if (!valid_destination(destination)) return bad_destination(destination);
  // Collect first: moving rewrites `parked` under the cursor.
  std::vector<Entry> entries;
  if (max > 0) {
    lmdb::Cursor cursor;
    if (int rc = cursor.open(txn_, store_.dbi[Db::parked]); rc != 0) return fail(rc, "open a parked cursor");
    const std::string prefix = record::parked_prefix(destination);
    MDB_val k = lmdb::to_val(prefix);
    MDB_val v{};
    for (int rc = cursor.get(k, v, MDB_SET_RANGE); rc != MDB_NOTFOUND && entries.size() < max;
         rc = cursor.get(k, v, MDB_NEXT)) {
      if (rc != 0) return fail(rc, "read the parked index");
      if (!lmdb::to_view(k).starts_with(prefix)) break;
      auto id = record::id_from_bytes(lmdb::to_view(v));
      if (!id) return fail(store_.corrupt("a parked entry of \"" + std::string(destination) + "\" is not an id"));
      entries.push_back(Entry{std::string(lmdb::to_view(k)), *id});
    }
  }
  std::size_t moved = 0;
  for (const auto& entry : entries) {
    if (auto r = del(store_.dbi[Db::parked], entry.key, "update the parked index"); !r) return r.error();
    auto stored = load(entry.id);
    if (!stored) return stored.error();
    // The invariants rule out an entry whose action moved on; should one exist, it is dropped.
    if (!*stored || (*stored)->parked != destination || (*stored)->action.state != proto::ActionState::queued) continue;
    (*stored)->parked.clear();
    if (auto r = schedule(**stored); !r) return r.error();
    if (auto r = save(**stored); !r) return r.error();
    ++moved;
  }
  return moved;
}

Result<std::size_t> TxnWriter::reset_network_backoff(TimePoint now, std::size_t max) {
  if (auto r = usable(); !r) return r.error();
  std::vector<ActionId> ids;
  if (max > 0) {
    lmdb::Cursor cursor;
    if (int rc = cursor.open(txn_, store_.dbi[Db::netwait]); rc != 0) return fail(rc, "open a netwait cursor");
    MDB_val k{};
    MDB_val v{};
    for (int rc = cursor.get(k, v, MDB_FIRST); rc != MDB_NOTFOUND && ids.size() < max; rc = cursor.get(k, v, MDB_NEXT)) {
      if (rc != 0) return fail(rc, "read the netwait index");
      auto id = record::id_from_bytes(lmdb::to_view(k));
      if (!id) return fail(store_.corrupt("a netwait key is not an id"));
      ids.push_back(*id);
    }
  }
  std::size_t reset = 0;
  for (const auto& id : ids) {
    if (auto r = unmark_network(id); !r) return r.error();
    auto loaded = load(id);
    if (!loaded) return loaded.error();
    if (!*loaded) continue;
    Stored& stored = **loaded;
    Action& a = stored.action;
    if (!stored.parked.empty() || !a.next_attempt || *a.next_attempt <= now) continue;
    auto front = at_front(stored);  // false unless queued
    if (!front) return front.error();
    if (!*front) continue;
    if (auto r = unschedule(stored); !r) return r.error();
    a.next_attempt = now;
    if (auto r = schedule(stored); !r) return r.error();
    if (auto r = save(stored); !r) return r.error();
    ++reset;
  }
  return reset;
}

Result<Event> TxnWriter::record_network(bool online, std::string_view reason, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  Event e;
  e.type = proto::EventType::network;
  e.time = now;
  e.online = online;
  e.reason = std::string(reason);
  if (auto r = append_event(std::move(e)); !r) return r.error();
  return events_.back();
}

}  // namespace bgsync::store::detail
