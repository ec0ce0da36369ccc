// WriteTxn's network parking: parking actions per destination while it is unreachable,
// unparking them, cutting short the backoff of network failures, and the `network` event. None
// of these change an action's state, so none appends an action event (invariants in
// write_txn_impl.hpp).
#include "daemon/store/write_txn_impl.hpp"

namespace bgsync::store {
namespace {

using detail::Db;
using Stored = record::StoredAction;

bool valid_destination(std::string_view destination) noexcept {
  return !destination.empty() && destination.size() <= max_destination_size &&
         destination.find('\0') == std::string_view::npos;
}

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

Result<Action> WriteTxn::park(const ActionId& id, std::string_view destination, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  if (!valid_destination(destination)) return bad_destination(destination);
  auto stored = t.load_existing(id);
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
  auto front = t.at_front(*stored);
  if (!front) return front.error();
  if (!*front) {
    return proto::make_error(proto::errc::bad_state, "action " + id.to_string() +
                                                         " is not due: it waits behind the head of its tag \"" +
                                                         a.tag + "\"");
  }
  if (auto r = t.unschedule(*stored); !r) return r.error();
  if (auto r = t.unmark_network(id); !r) return r.error();
  stored->parked = std::string(destination);
  if (auto r = t.schedule(*stored); !r) return r.error();
  if (auto r = t.save(*stored); !r) return r.error();
  return t.reply(std::move(*stored), now);
}

Result<std::size_t> WriteTxn::unpark(std::string_view destination, TimePoint /*now*/, std::size_t max) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  if (!valid_destination(destination)) return bad_destination(destination);
  // Collect first: moving rewrites `parked` under the cursor.
  std::vector<Entry> entries;
  if (max > 0) {
    const std::string prefix = record::parked_prefix(destination);
    auto walked = t.io.walk(Db::parked, prefix, [&](std::string_view key, std::string_view value) -> Result<bool> {
      if (!key.starts_with(prefix)) return false;
      auto id = record::id_from_bytes(value);
      if (!id) return t.io.corrupt("a parked entry of \"" + std::string(destination) + "\" is not an id");
      entries.push_back(Entry{std::string(key), *id});
      return entries.size() < max;
    });
    if (!walked) return walked.error();
  }
  std::size_t moved = 0;
  for (const auto& entry : entries) {
    if (auto r = t.io.del(Db::parked, entry.key, "update the parked index"); !r) return r.error();
    auto stored = t.load(entry.id);
    if (!stored) return stored.error();
    // The invariants rule out an entry whose action moved on; should one exist, it is dropped.
    if (!*stored || (*stored)->parked != destination || (*stored)->action.state != proto::ActionState::queued) continue;
    (*stored)->parked.clear();
    if (auto r = t.schedule(**stored); !r) return r.error();
    if (auto r = t.save(**stored); !r) return r.error();
    ++moved;
  }
  return moved;
}

Result<std::size_t> WriteTxn::reset_network_backoff(TimePoint now, std::size_t max) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  std::vector<ActionId> ids;
  if (max > 0) {
    auto walked = t.io.walk(Db::netwait, {}, [&](std::string_view key, std::string_view) -> Result<bool> {
      auto id = record::id_from_bytes(key);
      if (!id) return t.io.corrupt("a netwait key is not an id");
      ids.push_back(*id);
      return ids.size() < max;
    });
    if (!walked) return walked.error();
  }
  std::size_t reset = 0;
  for (const auto& id : ids) {
    if (auto r = t.unmark_network(id); !r) return r.error();
    auto loaded = t.load(id);
    if (!loaded) return loaded.error();
    if (!*loaded) continue;
    Stored& stored = **loaded;
    Action& a = stored.action;
    if (!stored.parked.empty() || !a.next_attempt || *a.next_attempt <= now) continue;
    auto front = t.at_front(stored);  // false unless queued
    if (!front) return front.error();
    if (!*front) continue;
    if (auto r = t.unschedule(stored); !r) return r.error();
    a.next_attempt = now;
    if (auto r = t.schedule(stored); !r) return r.error();
    if (auto r = t.save(stored); !r) return r.error();
    ++reset;
  }
  return reset;
}

Result<Event> WriteTxn::record_network(bool online, std::string_view reason, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  Event e;
  e.type = proto::EventType::network;
  e.time = now;
  e.online = online;
  e.reason = std::string(reason);
  if (auto r = t.append_event(std::move(e)); !r) return r.error();
  return t.events.back();
}

}  // namespace bgsync::store
