// The outbox: bgsyncd's durable LMDB store of actions, their indexes and the event log.
// Reads go through a ReadView (read_view.hpp), from CommitQueue::visible() or published(); every
// write goes through a WriteTxn, which only the CommitQueue's writer thread creates (see
// commit_queue.hpp for group commit).
//
// Network awareness lives here as two pieces of bookkeeping the daemon drives:
// - Parking. A queued action that may go (untagged, or its tag's head) is either in the due
//   index or parked under a destination (an opaque string the daemon picks — the URL's
//   lower-cased host). Parked actions are invisible to due(), so the scheduler never attempts
//   them and burns no attempts or backoff; unpark() puts a destination's actions back into due
//   unchanged. A parked tag head keeps blocking its tag. Parked actions stay `queued`.
// - Network backoff. An attempt that failed without an HTTP response (AttemptResult::status
//   unset) marks its action; reset_network_backoff() makes the marked ones due now when
//   connectivity returns, so they do not sit out a long backoff.
// Connectivity changes are logged as `network` events (record_network) among the action events.
// `updated` is always the time of the action's latest event: park, unpark and
// reset_network_backoff record no event and leave it alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"
#include "daemon/store/periodic_record.hpp"

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

// A queued, unparked action that heads its tag (or has none) and so may be sent when its time comes.
struct DueEntry {
  TimePoint next_attempt;
  ActionId id;
};

// Where a due action goes, and how large its record is (about what it holds in memory while
// being sent): what the scheduler looks at before deciding to send it.
struct ActionRoute {
  std::string url;
  std::size_t record_bytes = 0;
};

// What an HTTP attempt produced, to record on the action.
struct AttemptResult {
  std::optional<int> status;        // set when a response arrived; unset: a network-level error
  proto::Headers headers;
  std::string body;                 // at most the first 64 KiB
  std::string error;                // human-readable cause when not a 2xx
};

// Destinations for park(): non-empty, no NUL, at most this many bytes (a DNS name is at most 253).
inline constexpr std::size_t max_destination_size = 255;

// A registration as listed, with when its cached body was fetched (unset: nothing cached).
struct PeriodicListed {
  periodic::Registration registration;
  std::optional<TimePoint> cached;
};

class WriteTxn;
class BatchWriter;
class ReadView;

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
  // How many journal records open() applied: batches acknowledged but not yet in LMDB when the
  // last daemon stopped (see batch_writer.hpp).
  std::size_t replayed() const noexcept;

  // Makes every committed transaction durable: a commit flushes its data but its meta page only
  // with the next commit's flush (MDB_NOMETASYNC), so the last one needs this. Errors: storage_error.
  Result<void> sync();

  // What LMDB has published: possibly behind the commit queue's acknowledged writes, which only
  // CommitQueue::visible() promises. For start-up before the queue exists, for deliberately stale
  // reads, and for tests that write without a queue. The read methods are ReadView's (read_view.hpp).
  ReadView published() const noexcept;

 private:
  friend class WriteTxn;
  friend class BatchWriter;
  friend class ReadView;
  struct Impl;
  explicit Outbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bgsync::store

// WriteTxn, the only way to write to the outbox, needs the types above.
#include "daemon/store/write_txn.hpp"  // IWYU pragma: export
// ReadView, the only way to read it (Outbox::published(), CommitQueue::visible()), likewise.
#include "daemon/store/read_view.hpp"  // IWYU pragma: export
