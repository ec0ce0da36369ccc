// Outbox: opening (with crash recovery of `sending` actions and replay of the journal). The read
// side is ReadView's (read_view.cpp).
#include "daemon/store/outbox.hpp"

#include <system_error>

#include "daemon/clock.hpp"
#include "daemon/store/store_env.hpp"
#include "daemon/store/write_access.hpp"

namespace bgsync::store {

Outbox::Outbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Outbox::~Outbox() = default;

namespace {

// Applies the journal records past the outbox's journal seq: batches that were acknowledged but
// not yet published when the last daemon stopped. Then LMDB holds everything, durably, and the
// journal starts over.
Result<std::size_t> replay_journal(detail::Store& store, detail::Journal& journal) {
  const auto& records = journal.recovered();
  if (records.empty()) return std::size_t{0};
  lmdb::Txn txn;
  if (int rc = txn.begin(store.env.get(), 0); rc != 0) return store.error(rc, "begin the journal replay");
  detail::WriteAccess replay(store, txn.get());  // captures nothing: replaying the journal itself
  for (const auto& record : records) {
    if (auto r = detail::apply_redo(replay, record.payload); !r) return r.error();
  }
  if (auto r = detail::write_journal_seq(replay, records.back().seq); !r) return r.error();
  if (int rc = txn.commit(); rc != 0) return store.error(rc, "commit the journal replay");
  if (int rc = mdb_env_sync(store.env.get(), 1); rc != 0) return store.error(rc, "flush the journal replay");
  const std::size_t replayed = records.size();
  journal.clear_recovered();
  journal.restart();
  return replayed;
}

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(const OutboxOptions& options) {
  auto store = detail::Store::open(options);
  if (!store) return store.error();
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(*store);
  {
    std::uint64_t applied = 0;
    {
      auto txn = impl->store.begin_read();
      if (!txn) return txn.error();
      auto seq = impl->store.read_journal_seq(txn->get());
      if (!seq) return seq.error();
      applied = *seq;
    }
    auto journal = detail::Journal::open(options.dir / "journal", applied);
    if (!journal) return journal.error();
    impl->journal.emplace(std::move(*journal));
    auto replayed = replay_journal(impl->store, *impl->journal);
    if (!replayed) return replayed.error();
    impl->replayed = *replayed;
  }
  std::unique_ptr<Outbox> outbox(new Outbox(std::move(impl)));
  try {
    // Whatever was in flight when the last daemon died may or may not have reached its server:
    // send it again (at-least-once; the Idempotency-Key lets servers drop the duplicate).
    WriteTxn writer(*outbox);
    auto recovered = writer.recover_inflight(daemon::now_ms());
    if (!recovered) return recovered.error();
    detail::Store& store = outbox->impl_->store;
    if (*recovered > 0) {
      if (auto r = writer.commit(); !r) return r.error();
      if (int rc = mdb_env_sync(store.env.get(), 1); rc != 0) return store.error(rc, "flush the recovery");
    }
    outbox->impl_->recovered = *recovered;
  } catch (const std::system_error& e) {
    return proto::make_error(proto::errc::storage_error, e.what());
  }
  return outbox;
}

std::size_t Outbox::recovered() const noexcept { return impl_->recovered; }
std::size_t Outbox::replayed() const noexcept { return impl_->replayed; }

Result<void> Outbox::sync() {
  if (int rc = mdb_env_sync(impl_->store.env.get(), 1); rc != 0) return impl_->store.error(rc, "flush the outbox");
  return {};
}

}  // namespace bgsync::store
