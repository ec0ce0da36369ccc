// store::WriteTxn: one outbox write transaction, the only way to write to the outbox. Its
// operations, by concern (each file says more):
//   write_txn.cpp          beginning, committing, the action record helpers shared by the others
//   write_txn_actions.cpp  enqueue, the sending lifecycle, cancel, retry, start-up recovery
//   write_txn_index.cpp    the tag queues and the due index: who is at the front, (un)scheduling
//   write_txn_network.cpp  parking per destination, network backoff, the `network` event
//   write_txn_events.cpp   appending to the event log, pruning it
//   write_txn_periodic.cpp periodic sync's registrations and runs (storage in periodic.cpp)
//   write_txn_meta.cpp     the meta counters and the paused flag
// All of them read and write LMDB through a detail::WriteAccess (write_access.hpp), which
// captures a batch's writes for the journal and poisons the transaction on any storage error.
// Included by outbox.hpp, so including that one is enough.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/outbox.hpp"

namespace bgsync::store {

// One LMDB write transaction. Each operation either applies fully or returns an error having
// written nothing (so one bad request in a batch does not spoil the others), except storage
// errors (LMDB's, or a corrupt record), after which the transaction must be aborted (poisoned()
// turns true). The request's own errors (bad_field, not_found, bad_state) never poison.
// Every state change appends its event; events() lists them, with seqs, in order.
// Actions returned in the queued state have `waiting` filled in as of `now` (see Outbox::get).
// Every operation below on an action, other than mark_retry without a response, clears its
// network-backoff mark (see reset_network_backoff).
class WriteTxn {
 public:
  struct Impl;  // its state and shared helpers (write_txn_impl.hpp)

  explicit WriteTxn(Outbox& outbox);  // begins; throws std::system_error only if LMDB cannot begin
  ~WriteTxn();                        // aborts unless committed
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  // queued; next_attempt = now. Becomes due at once when its tag has no unfinished action.
  Result<Action> enqueue(const proto::EnqueueRequest& request, const ActionId& id, TimePoint now);
  // A spooled action (libbgsync wrote it while bgsyncd was down): enqueue with the client's id,
  // keeping the client's `created`. nullopt, writing nothing, when an action with this id exists
  // already: the file was taken in before a crash kept it from being removed.
  Result<std::optional<Action>> enqueue_spooled(const proto::EnqueueRequest& request, const ActionId& id,
                                                TimePoint created, TimePoint now);
  // Appends a `rejected` event: a spool file was moved aside. `id` all zeros when its name held none.
  Result<Event> record_rejected(const ActionId& id, std::string_view reason, TimePoint now);
  // queued -> sending, attempts+1, leaves the due index. Errors: not_found, bad_state (not
  // queued, behind its tag's head, or parked).
  Result<Action> mark_sending(const ActionId& id, TimePoint now);
  // sending -> sent; the next action of its tag becomes due. Errors: not_found, bad_state
  // (e.g. cancelled while in flight: the result is then dropped).
  Result<Action> mark_sent(const ActionId& id, const AttemptResult& result, TimePoint now);
  // sending -> queued with next_attempt; stays the head of its tag. Without result.status (no
  // HTTP response: a network-level error) the action is marked for reset_network_backoff.
  Result<Action> mark_retry(const ActionId& id, const AttemptResult& result, TimePoint next_attempt, TimePoint now);
  // sending -> failed; kept; the next action of its tag becomes due.
  Result<Action> mark_failed(const ActionId& id, const AttemptResult& result, TimePoint now);
  // queued|sending -> cancelled (one action, or every unfinished action of a tag). Errors:
  // not_found, bad_state (action already finished). A tag with nothing unfinished cancels nothing.
  // A cancelled parked head leaves `parked`; the next of its tag goes into due (unparked).
  Result<std::vector<Action>> cancel(const proto::CancelArgs& args, TimePoint now);
  // failed|cancelled -> queued at the tail of its tag, due now; queued -> due now (backoff
  // skipped). A parked action stays parked and unchanged (no event): it waits for the network
  // either way, and is returned with waiting = network. Errors: not_found, bad_state (sent or sending).
  Result<Action> retry(const ActionId& id, TimePoint now);
  // Moves a queued action out of due into `parked` under `destination`, keeping next_attempt; no
  // event, `updated` unchanged (`now` only computes the returned `waiting`). Errors: not_found;
  // bad_state (not queued, already parked, or not in due: behind its tag's head); bad_field
  // (destination empty, longer than max_destination_size, or containing NUL).
  Result<Action> park(const ActionId& id, std::string_view destination, TimePoint now);
  // Moves up to `max` of `destination`'s parked actions, in enqueue order, back into due with
  // their own next_attempt (so those parked when due are due at once); no events, `updated`
  // unchanged (`now` is not needed today; it keeps the write API uniform). Returns how many
  // moved (fewer than `max`: none are left). An unknown destination moves none. Errors:
  // bad_field (as for park).
  Result<std::size_t> unpark(std::string_view destination, TimePoint now, std::size_t max);
  // Examines up to `max` actions marked by mark_retry without a response (in id order), unmarks
  // each, and makes each that is queued, in due and backing off (next_attempt > now) due at `now`
  // (next_attempt = now). No events, `updated` unchanged. Returns how many were made due; since
  // every examined mark is consumed, repeat while Outbox::network_backoff_marks() is non-zero.
  Result<std::size_t> reset_network_backoff(TimePoint now, std::size_t max);
  // Appends a `network` event (id all zeros, no tag or app, attempt 0) saying whether the
  // daemon is online and, if not, why.
  Result<Event> record_network(bool online, std::string_view reason, TimePoint now);
  // ---- periodic sync (semantics in periodic.hpp) ---------------------------------------------
  // Registers or replaces (app, tag). Errors: bad_field.
  Result<periodic::PutResult> periodic_put(periodic::Registration reg, TimePoint now);
  // Removes a registration and its cache; false when there was none.
  Result<bool> periodic_remove(std::string_view app, std::string_view tag);
  // Moves its next run to `when`. Errors: not_found.
  Result<periodic::Registration> periodic_reschedule(std::string_view app, std::string_view tag, TimePoint when);
  // Records an attempt; with run.report, appends a `periodic` event (id all zeros, tag and app
  // the registration's, outcome, status, error, duration). Errors: not_found, bad_state
  // (replaced since the run started), bad_field (cache body too big).
  Result<periodic::Registration> periodic_record(std::string_view app, std::string_view tag, const periodic::Run& run,
                                                 TimePoint now);

  Result<void> set_paused(bool paused);
  // Drops events older than `cutoff`, oldest first, at most `max`; returns how many.
  Result<std::size_t> prune_events(TimePoint cutoff, std::size_t max);

  bool poisoned() const noexcept;
  // Commits (made durable by the next commit or Outbox::sync()). Errors: storage_full, storage_error.
  // A batch's WriteTxn is ended by its BatchWriter instead.
  Result<void> commit();
  const std::vector<Event>& events() const noexcept;
  // Moves them out (events() is empty after): for a batch's owner, before the batch ends.
  std::vector<Event> take_events() noexcept;

 private:
  friend class BatchWriter;
  friend class Outbox;
  struct Batch {};
  // A batch of the BatchWriter's MDB_txn: its writes are captured for the journal.
  WriteTxn(Outbox& outbox, void* batch_txn, Batch);
  // The batch's captured journal operations, after commit() (empty when it wrote nothing).
  std::string take_captured() noexcept;
  // For Outbox::open: moves every `sending` action back to `queued`, due now, with a `retry` event.
  Result<std::size_t> recover_inflight(TimePoint now);

  std::unique_ptr<Impl> impl_;
};

}  // namespace bgsync::store
