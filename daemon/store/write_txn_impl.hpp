// Private to daemon/store: WriteTxn's state — its LMDB transaction, WriteAccess, meta counters
// and events — and the helpers its operations share (each defined in the file of its concern,
// listed in write_txn.hpp).
//
// Invariants kept by every operation (see tables.hpp for the databases):
//   queued    in actions; in tagq when tagged. It is "at the front" when untagged or its tag's
//             head, and exactly the actions at the front are scheduled: in parked under the
//             destination their record names, or else in due. Only park() sets a destination and
//             only actions at the front can be parked; since a tag's head changes only when it
//             leaves tagq, a parked action stays at the front until it is unparked or cancelled.
//   sending   in actions, inflight, and tagq when tagged (it is then the head); never in due,
//             parked or netwait (mark_sending refuses a parked action)
//   finished  (sent, failed, cancelled) only in actions, with no destination
//   netwait   holds only queued, unparked actions whose latest state change was mark_retry
//             without a response (which adds the mark); every other state change, park, and
//             reset_network_backoff remove it.
//   updated   is the time of the action's latest event; park, unpark and reset_network_backoff
//             append none and so leave it.
// A new tag head (its predecessor finished or was cancelled) goes into due, never parked: the
// daemon parks it again if its destination is still unreachable.
// Operations check everything that can fail for a reason of the request's own before their
// first write, so such an error leaves the transaction untouched; a storage error poisons it
// (WriteAccess does that, whatever the operation).
// The meta counters are kept in memory and written once, at commit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/lmdb.hpp"
#include "daemon/store/record.hpp"
#include "daemon/store/store_env.hpp"
#include "daemon/store/write_access.hpp"
#include "daemon/store/write_txn.hpp"

namespace bgsync::store {

struct WriteTxn::Impl {
  using Stored = record::StoredAction;
  using Db = detail::Db;

  // `batch`: the BatchWriter's transaction, whose writes are captured; nullptr: one of its own,
  // begun here (throws std::system_error, code storage_error, only if LMDB cannot begin).
  Impl(detail::Store& store, MDB_txn* batch);
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // The transaction may still be used: not committed, not poisoned.
  Result<void> usable() const;

  // ---- action records (write_txn.cpp) ----
  Result<std::optional<Stored>> load(const ActionId& id);
  Result<Stored> load_existing(const ActionId& id);  // not_found when absent
  Result<void> save(const Stored& stored);
  // The action as returned to the caller: `waiting` filled in as of `now`.
  Result<Action> reply(Stored&& stored, TimePoint now);

  // ---- tags and due (write_txn_index.cpp) ----
  // Whether a queued action is at the front (untagged, or its tag's head): scheduled, in due or
  // parked. False for any other state.
  Result<bool> at_front(const Stored& stored);
  // Whether `tag` has no unfinished action, so a new one would head it (true when untagged).
  Result<bool> would_head(std::string_view tag);
  // Puts an action at the front into parked (when it names a destination) or due; unschedule
  // takes it out of whichever it is in.
  Result<void> schedule(const Stored& stored);
  Result<void> unschedule(const Stored& stored);
  Result<void> add_to_tag(const Stored& stored);  // tagq entry; none when untagged
  // After `tag`'s head left tagq: schedules the new head, if queued.
  Result<void> promote_head(std::string_view tag);
  // Removes the action's network-backoff mark, if any.
  Result<void> unmark_network(const ActionId& id);

  // ---- events (write_txn_events.cpp) ----
  Result<void> append_event(proto::EventType type, const Action& action, TimePoint now,
                            std::optional<int> status = std::nullopt, std::string error = {},
                            std::optional<TimePoint> next_attempt = std::nullopt);
  // Gives `event` the next seq and appends it (to the log and to events).
  Result<void> append_event(Event event);

  // ---- meta (write_txn_meta.cpp) ----
  void load_meta();
  std::uint64_t take_order();  // the next enqueue order
  void count_new_queued();
  void move_count(proto::ActionState from, proto::ActionState to);
  Result<void> write_meta_if_changed();

  detail::Store& store;
  lmdb::Txn own;            // unset for a batch
  std::string captured;     // a batch's journal operations
  detail::WriteAccess io;
  detail::Meta meta;
  bool meta_dirty = false;
  bool finished = false;
  std::vector<Event> events;
};

}  // namespace bgsync::store
