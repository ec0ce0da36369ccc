// Outbox: opening (with crash recovery of `sending` actions and replay of the journal). The read
// side is ReadView's (read_view.cpp).
#include "daemon/store/outbox.hpp"

#include <system_error>

#include "daemon/clock.hpp"
#include "daemon/store/store_env.hpp"
#include "daemon/store/txn_writer.hpp"

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
  for (const auto& record : records) {
    if (auto r = store.apply_redo(txn.get(), record.payload); !r) return r.error();
  }
  if (auto r = store.write_journal_seq(txn.get(), records.back().seq); !r) return r.error();
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
  try {
    // Whatever was in flight when the last daemon died may or may not have reached its server:
    // send it again (at-least-once; the Idempotency-Key lets servers drop the duplicate).
    detail::TxnWriter writer(impl->store);
    auto recovered = writer.recover_inflight(daemon::now_ms());
    if (!recovered) return recovered.error();
    if (*recovered > 0) {
      if (auto r = writer.commit(); !r) return r.error();
      if (int rc = mdb_env_sync(impl->store.env.get(), 1); rc != 0) return impl->store.error(rc, "flush the recovery");
    }
    impl->recovered = *recovered;
  } catch (const std::system_error& e) {
    return proto::make_error(proto::errc::storage_error, e.what());
  }
  return std::unique_ptr<Outbox>(new Outbox(std::move(impl)));
}

std::size_t Outbox::recovered() const noexcept { return impl_->recovered; }
std::size_t Outbox::replayed() const noexcept { return impl_->replayed; }

Result<void> Outbox::sync() {
  if (int rc = mdb_env_sync(impl_->store.env.get(), 1); rc != 0) return impl_->store.error(rc, "flush the outbox");
  return {};
}

}  // namespace bgsync::store
