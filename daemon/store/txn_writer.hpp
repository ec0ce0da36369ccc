// Private to daemon/store: the body of a write transaction — every state change, its index
// updates and its event. WriteTxn forwards to it; Outbox::open uses it to re-queue `sending`.
//
// Invariants kept by every operation (see store_env.hpp for the databases):
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
// first write, so such an error leaves the transaction untouched; an LMDB error poisons it.
// The meta counters are kept in memory and written once, at commit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/store/outbox.hpp"
#include "daemon/store/periodic.hpp"
#include "daemon/store/record.hpp"
#include "daemon/store/store_env.hpp"

namespace bgsync::store::detail {

class TxnWriter {
 public:
  // Throws std::system_error (code storage_error) only if LMDB cannot begin the transaction.
  explicit TxnWriter(Store& store);
  // One batch of a longer transaction, `batch`, which its owner commits: commit() then only
  // writes the meta counters (so they are in the batch's journal record).
  TxnWriter(Store& store, MDB_txn* batch);
  TxnWriter(const TxnWriter&) = delete;
  TxnWriter& operator=(const TxnWriter&) = delete;

  Result<Action> enqueue(const proto::EnqueueRequest& request, const ActionId& id, TimePoint now);
  Result<Action> mark_sending(const ActionId& id, TimePoint now);
  Result<Action> mark_sent(const ActionId& id, const AttemptResult& result, TimePoint now);
  Result<Action> mark_retry(const ActionId& id, const AttemptResult& result, TimePoint next_attempt, TimePoint now);
  Result<Action> mark_failed(const ActionId& id, const AttemptResult& result, TimePoint now);
  Result<std::vector<Action>> cancel(const proto::CancelArgs& args, TimePoint now);
  Result<Action> retry(const ActionId& id, TimePoint now);
  // Network bookkeeping (network_ops.cpp).
  Result<Action> park(const ActionId& id, std::string_view destination, TimePoint now);
  Result<std::size_t> unpark(std::string_view destination, std::size_t max);
  Result<std::size_t> reset_network_backoff(TimePoint now, std::size_t max);
  Result<Event> record_network(bool online, std::string_view reason, TimePoint now);
  // Periodic sync (periodic_ops.cpp; semantics in periodic.hpp).
  Result<periodic::PutResult> periodic_put(periodic::Registration reg, TimePoint now);
  Result<bool> periodic_remove(std::string_view app, std::string_view tag);
  Result<periodic::Registration> periodic_reschedule(std::string_view app, std::string_view tag, TimePoint when);
  Result<periodic::Registration> periodic_record(std::string_view app, std::string_view tag, const periodic::Run& run,
                                                 TimePoint now);
  Result<void> set_paused(bool paused);
  Result<std::size_t> prune_events(TimePoint cutoff, std::size_t max);
  // Moves every `sending` action back to `queued`, due now, with a `retry` event.
  Result<std::size_t> recover_inflight(TimePoint now);

  bool poisoned() const noexcept { return poison_.has_value(); }
  // On a poisoned transaction: aborts (its own) and returns the error that poisoned it.
  Result<void> commit();
  const std::vector<Event>& events() const noexcept { return events_; }
  std::vector<Event> take_events() noexcept { return std::exchange(events_, {}); }

 private:
  using Stored = record::StoredAction;

  void load_meta();

  Result<void> usable() const;
  proto::Error fail(int rc, std::string_view what);  // poisons
  proto::Error fail(proto::Error error);             // poisons
  Result<void> put(MDB_dbi dbi, std::string_view key, std::string_view value, std::string_view what);
  Result<void> del(MDB_dbi dbi, std::string_view key, std::string_view what);

  Result<std::optional<Stored>> load(const ActionId& id);
  Result<Stored> load_existing(const ActionId& id);  // not_found when absent
  Result<void> save(const Stored& stored);
  // The id heading `tag`'s queue, if any.
  Result<std::optional<ActionId>> head_of(std::string_view tag);
  // Whether a queued action is at the front (untagged, or its tag's head): scheduled, in due or
  // parked. False for any other state.
  Result<bool> at_front(const Stored& stored);
  // Puts an action at the front into parked (when it names a destination) or due; unschedule
  // takes it out of whichever it is in.
  Result<void> schedule(const Stored& stored);
  Result<void> unschedule(const Stored& stored);
  // Removes the action's network-backoff mark, if any.
  Result<void> unmark_network(const ActionId& id);
  // After `tag`'s head left tagq: schedules the new head, if queued.
  Result<void> promote_head(std::string_view tag);
  // The action as returned to the caller: `waiting` filled in as of `now`.
  Result<Action> reply(Stored&& stored, TimePoint now);
  // Takes a sending action out of inflight and tagq (letting the next go) and records the result.
  Result<void> finish_sending(Stored& stored, proto::ActionState to, const AttemptResult& result, TimePoint now);
  Result<Action> cancel_one(Stored stored, TimePoint now);
  Result<void> append_event(proto::EventType type, const Action& action, TimePoint now,
                            std::optional<int> status = std::nullopt, std::string error = {},
                            std::optional<TimePoint> next_attempt = std::nullopt);
  // Gives `event` the next seq and appends it (to the log and to events()).
  Result<void> append_event(Event event);
  // A storage error from the periodic functions poisons; the request's own errors do not.
  template <class T>
  Result<T> poison_on_storage_error(Result<T> result);
  static bool valid_destination(std::string_view destination) noexcept;
  void move_count(proto::ActionState from, proto::ActionState to);

  Store& store_;
  lmdb::Txn own_;            // unset for a batch
  MDB_txn* txn_ = nullptr;
  Meta meta_;
  bool meta_dirty_ = false;
  bool finished_ = false;
  std::optional<proto::Error> poison_;
  std::vector<Event> events_;
};

}  // namespace bgsync::store::detail
