// WriteTxn's event log: appending an event (the next seq, into the log and the transaction's
// events()) and pruning the oldest.
#include "daemon/store/write_txn_impl.hpp"

namespace bgsync::store {

Result<void> WriteTxn::Impl::append_event(proto::EventType type, const Action& action, TimePoint now,
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

Result<void> WriteTxn::Impl::append_event(Event e) {
  e.seq = meta.next_seq;
  if (auto r = io.put(Db::events, record::u64_key(e.seq), record::encode_event(e), "append an event"); !r) return r;
  ++meta.next_seq;
  meta_dirty = true;
  events.push_back(std::move(e));
  return {};
}

Result<std::size_t> WriteTxn::prune_events(TimePoint cutoff, std::size_t max) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  detail::WriteAccess::Cursor cursor(t.io, detail::Db::events);
  std::size_t pruned = 0;
  while (pruned < max) {
    // Always the first entry: re-seeking after each delete avoids relying on cursor state.
    auto entry = cursor.first();
    if (!entry) return entry.error();
    if (!*entry) break;
    auto seq = record::parse_u64_key((*entry)->key);
    auto event = seq ? record::decode_event(*seq, (*entry)->value) : std::nullopt;
    if (!event) return t.io.corrupt("an event record cannot be decoded");
    if (event->time >= cutoff) break;
    if (auto r = cursor.erase("prune the event log"); !r) return r.error();
    ++pruned;
  }
  return pruned;
}

}  // namespace bgsync::store
