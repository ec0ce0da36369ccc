// The outbox: bgsyncd's durable LMDB store of actions, their indexes and the event log.
// Reads happen anywhere in their own read transaction; every write goes through a WriteTxn,
// which only the CommitQueue's writer thread creates (see commit_queue.hpp for group commit).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"

namespace bgsync::store {

using proto::Action;
using proto::ActionId;
using proto::Error;
using proto::Event;
using proto::TimePoint;
template <class T>
using Result = proto::Result<T>;

struct OutboxOptions {
  std::filesystem::path dir;                        // created 0700 if missing; files inside are 0600
  std::size_t map_size = std::size_t{16} << 30;     // LMDB map size: the outbox's maximum size
};

// A queued action that heads its tag (or has none) and so may be sent when its time comes.
struct DueEntry {
  TimePoint next_attempt;
  ActionId id;
};

// What an HTTP attempt produced, to record on the action.
struct AttemptResult {
  std::optional<int> status;        // set when a response arrived
  proto::Headers headers;
  std::string body;                 // at most the first 64 KiB
  std::string error;                // human-readable cause when not a 2xx
};

class WriteTxn;

class Outbox {
 public:
  // Opens (creating if needed) the environment in options.dir, runs mdb_reader_check, and moves
  // every action found in `sending` back to `queued` (at-least-once after a crash), recording a
  // `retry` event for each. Errors: storage_error (with the path and LMDB's reason), storage_full.
  static Result<std::unique_ptr<Outbox>> open(const OutboxOptions& options);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // How many actions open() found in `sending` and re-queued.
  std::size_t recovered() const noexcept;

  // ---- reads: callable from any thread, each in its own read transaction -------------------
  Result<std::optional<Action>> get(const ActionId& id) const;
  Result<proto::ListPage> list(const proto::ListQuery& query) const;   // id order (= creation order)
  Result<proto::StateCounts> counts() const;                           // O(1): kept in meta
  Result<bool> paused() const;
  Result<std::uint64_t> last_seq() const;                              // 0 when no event yet
  Result<std::uint64_t> first_seq() const;                             // oldest retained; 0 when empty
  // Queued tag heads in (next_attempt, enqueue order) order, at most `max`, starting at the
  // earliest; callers stop at the first one in the future. O(max), never a scan of the outbox.
  Result<std::vector<DueEntry>> due(std::size_t max) const;
  Result<std::vector<Event>> events_after(std::uint64_t seq, std::size_t max) const;

 private:
  friend class WriteTxn;
  struct Impl;
  explicit Outbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One LMDB write transaction. Each operation either applies fully or returns an error having
// written nothing (so one bad request in a batch does not spoil the others), except storage
// errors, after which the transaction must be aborted (poisoned() turns true).
// Every state change appends its event; events() lists them, with seqs, in order.
class WriteTxn {
 public:
  explicit WriteTxn(Outbox& outbox);  // begins; throws std::system_error only if LMDB cannot begin
  ~WriteTxn();                        // aborts unless committed
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  // queued; next_attempt = now. Becomes due at once when its tag has no unfinished action.
  Result<Action> enqueue(const proto::EnqueueRequest& request, const ActionId& id, TimePoint now);
  // queued -> sending, attempts+1, leaves the due index. Errors: not_found, bad_state.
  Result<Action> mark_sending(const ActionId& id, TimePoint now);
  // sending -> sent; the next action of its tag becomes due. Errors: not_found, bad_state
  // (e.g. cancelled while in flight: the result is then dropped).
  Result<Action> mark_sent(const ActionId& id, const AttemptResult& result, TimePoint now);
  // sending -> queued with next_attempt; stays the head of its tag.
  Result<Action> mark_retry(const ActionId& id, const AttemptResult& result, TimePoint next_attempt, TimePoint now);
  // sending -> failed; kept; the next action of its tag becomes due.
  Result<Action> mark_failed(const ActionId& id, const AttemptResult& result, TimePoint now);
  // queued|sending -> cancelled (one action, or every unfinished action of a tag). Errors:
  // not_found, bad_state (action already finished). A tag with nothing unfinished cancels nothing.
  Result<std::vector<Action>> cancel(const proto::CancelArgs& args, TimePoint now);
  // failed|cancelled -> queued at the tail of its tag, due now; queued -> due now (backoff
  // skipped). Errors: not_found, bad_state (sent or sending).
  Result<Action> retry(const ActionId& id, TimePoint now);
  Result<void> set_paused(bool paused);
  // Drops events older than `cutoff`, oldest first, at most `max`; returns how many.
  Result<std::size_t> prune_events(TimePoint cutoff, std::size_t max);

  bool poisoned() const noexcept;
  // Commits durably (fsync). Errors: storage_full, storage_error.
  Result<void> commit();
  const std::vector<Event>& events() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bgsync::store
