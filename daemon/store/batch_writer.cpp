// BatchWriter: the pending LMDB transaction, the batches' journal records, undo by rebuild, and
// publishing (see batch_writer.hpp for the why).
#include "daemon/store/batch_writer.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/store/store_env.hpp"
#include "daemon/store/write_access.hpp"

namespace bgsync::store {
namespace {

// Past this many journal bytes, publish() makes LMDB durable and starts the journal over, so it
// stays a few MiB that are overwritten in place (the cheap kind of flush) and replays quickly.
constexpr std::size_t journal_restart_bytes = std::size_t{4} << 20;

}  // namespace

struct BatchWriter::Impl {
  explicit Impl(Outbox& o) : outbox(o), store(o.impl_->store), journal(*o.impl_->journal) {}

  // Begins the pending transaction if there is none, with every unpublished batch applied again.
  Result<void> ensure_txn() {
    if (txn) return {};
    if (int rc = txn.begin(store.env.get(), 0); rc != 0) return store.error(rc, "begin a write transaction");
    detail::WriteAccess replay(store, txn.get());  // captures nothing: these are journaled already
    for (const auto& ops : unpublished) {
      if (auto r = detail::apply_redo(replay, ops); !r) {
        txn.abort();
        return r.error();
      }
    }
    return {};
  }

  // Drops the current batch's writes: the transaction is rebuilt without them on next use.
  void undo() { txn.abort(); }

  Outbox& outbox;
  detail::Store& store;
  detail::Journal& journal;
  lmdb::Txn txn;
  std::vector<std::string> unpublished;  // the journal records since the last publish, in order
  std::size_t unpublished_bytes = 0;
  std::unique_ptr<WriteTxn> batch;
  std::optional<proto::Error> broken;
};

BatchWriter::BatchWriter(Outbox& outbox) : impl_(std::make_unique<Impl>(outbox)) {}

BatchWriter::~BatchWriter() { impl_->batch.reset(); }

Result<WriteTxn*> BatchWriter::begin() {
  Impl& s = *impl_;
  if (s.batch) return proto::make_error(proto::errc::internal, "a batch was begun before the last one ended");
  if (s.broken) return *s.broken;
  if (auto r = s.ensure_txn(); !r) return r.error();
  // A batch WriteTxn captures its writes for the journal itself.
  s.batch.reset(new WriteTxn(s.outbox, static_cast<void*>(s.txn.get()), WriteTxn::Batch{}));
  return s.batch.get();
}

Result<void> BatchWriter::end(bool flush) {
  Impl& s = *impl_;
  if (!s.batch) return proto::make_error(proto::errc::internal, "end() without a batch");
  // commit() of a batch writes its meta counters (journaled with the rest), or reports the poison.
  auto ended = s.batch->commit();
  std::string ops = s.batch->take_captured();
  s.batch.reset();
  if (!ended) {
    s.undo();
    return ended.error();
  }
  if (ops.empty()) {
    if (s.unpublished.empty()) s.txn.abort();  // unchanged: do not hold LMDB's writer lock
    return {};
  }
  if (auto appended = s.journal.append(ops); !appended) {
    // Nothing of the record counts as written: the journal writes the next one in its place.
    s.undo();
    return appended.error();
  }
  s.unpublished_bytes += ops.size();
  s.unpublished.push_back(std::move(ops));
  if (flush) {
    if (auto synced = s.journal.sync(); !synced) {
      // The record may or may not be on disk, and Linux may not report the lost write again:
      // keep it (in memory and LMDB it stays consistent with the journal) but promise nothing more.
      s.broken = proto::Error{synced.error().code,
                              synced.error().message + "; bgsyncd accepts no more changes until it is restarted"};
      return synced.error();
    }
  }
  return {};
}

Result<void> BatchWriter::publish() {
  Impl& s = *impl_;
  if (s.batch) return proto::make_error(proto::errc::internal, "publish() inside a batch");
  if (s.unpublished.empty()) {
    s.txn.abort();  // nothing in it; do not hold LMDB's writer lock
    return {};
  }
  if (auto r = s.ensure_txn(); !r) return r.error();
  detail::WriteAccess publishing(s.store, s.txn.get());  // the journal seq is never journaled
  if (auto r = detail::write_journal_seq(publishing, s.journal.last_seq()); !r) {
    s.txn.abort();
    return r.error();
  }
  if (int rc = s.txn.commit(); rc != 0) return s.store.error(rc, "commit the outbox");
  s.unpublished.clear();
  s.unpublished_bytes = 0;
  if (s.journal.write_offset() >= journal_restart_bytes) {
    // Every record is in LMDB; once that is durable the journal may start over. If the flush
    // fails the journal simply keeps growing until one succeeds.
    if (mdb_env_sync(s.store.env.get(), 1) == 0) s.journal.restart();
  }
  return {};
}

std::size_t BatchWriter::unpublished() const noexcept { return impl_->unpublished.size(); }
std::size_t BatchWriter::unpublished_bytes() const noexcept { return impl_->unpublished_bytes; }

}  // namespace bgsync::store
