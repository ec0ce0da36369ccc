// The writer thread's side of the outbox: batches of writes are acknowledged once journaled (one
// sequential write and one fdatasync), and reach LMDB, where readers see them, at publish(): one
// LMDB commit for many batches. The CommitQueue drives it; nothing else writes while it lives.
//
// Why: an LMDB commit is durable only after two ordered flushes of scattered pages (data, then
// meta); a journal record needs one flush of a few contiguous KiB. So an acknowledgement costs
// one cheap flush, and the LMDB commits, off the acknowledgement path, are shared by many batches.
//
// Batches run in one long LMDB write transaction. Each batch's writes are captured as physical
// operations by its WriteTxn (write_access.hpp) and appended to the journal (journal.hpp) when it ends; publish() commits
// the transaction with the seq of the last record it holds (meta "journal"). Outbox::open()
// replays the records past that seq, so a kill -9 between a batch and its publish loses nothing.
// A batch that fails (a poisoned transaction, a journal write that fails) is undone: the
// transaction is aborted and rebuilt from the records of the batches before it, which it holds
// in memory until they are published.
#pragma once

#include <cstddef>
#include <memory>

#include "daemon/store/outbox.hpp"

namespace bgsync::store {

class BatchWriter {
 public:
  explicit BatchWriter(Outbox& outbox);
  // Unpublished batches are dropped from LMDB's view only: they are in the journal, and the next
  // Outbox::open() applies them. Call publish() and Outbox::sync() first for a clean stop.
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Begins a batch, on the pending transaction (begun, and rebuilt, as needed). The WriteTxn
  // lives until end(). Errors: storage_error; also, once a journal flush has failed, that
  // failure, until bgsyncd restarts (what the flush covered is unknown, so nothing more is promised).
  Result<WriteTxn*> begin();
  // Ends the batch: journals its writes and, with `flush`, makes the journal durable. On an
  // error the batch is undone (none of its writes remain, earlier batches stay) and the error
  // is returned for every job of the batch. A batch that wrote nothing journals nothing.
  Result<void> end(bool flush = true);
  // Commits the pending transaction: readers see every batch ended so far. Restarts the journal
  // when it has grown past a few MiB (after making LMDB durable). On an error nothing is lost:
  // the batches stay pending and a later publish() tries again.
  Result<void> publish();

  // Batches ended since the last publish, and their journal bytes.
  std::size_t unpublished() const noexcept;
  std::size_t unpublished_bytes() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bgsync::store
