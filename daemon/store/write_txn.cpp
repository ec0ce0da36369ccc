// WriteTxn's life — beginning (its own transaction or a batch of the BatchWriter's), committing,
// poisoning — and the action record helpers every group of operations uses.
#include "daemon/store/write_txn_impl.hpp"

#include <system_error>

namespace bgsync::store {
namespace {

lmdb::Txn begin_write(const detail::Store& store) {
  lmdb::Txn txn;
  if (int rc = txn.begin(store.env.get(), 0); rc != 0) {
    proto::Error e = store.error(rc, "begin a write transaction");
    throw std::system_error(e.code, e.message);
  }
  return txn;
}

}  // namespace

WriteTxn::Impl::Impl(detail::Store& s, MDB_txn* batch)
    : store(s),
      own(batch != nullptr ? lmdb::Txn() : begin_write(s)),
      io(s, batch != nullptr ? batch : own.get(), batch != nullptr ? &captured : nullptr) {
  load_meta();
}

WriteTxn::WriteTxn(Outbox& outbox) : impl_(std::make_unique<Impl>(outbox.impl_->store, nullptr)) {}
WriteTxn::WriteTxn(Outbox& outbox, void* batch_txn, Batch)
    : impl_(std::make_unique<Impl>(outbox.impl_->store, static_cast<MDB_txn*>(batch_txn))) {}
WriteTxn::~WriteTxn() = default;

Result<void> WriteTxn::Impl::usable() const {
  if (finished) return proto::make_error(proto::errc::internal, "the write transaction was used after commit()");
  if (io.poison()) return *io.poison();
  return {};
}

bool WriteTxn::poisoned() const noexcept { return impl_->io.poison().has_value(); }

Result<void> WriteTxn::commit() {
  Impl& t = *impl_;
  if (t.finished) return proto::make_error(proto::errc::internal, "commit() called twice on one write transaction");
  t.finished = true;
  if (t.io.poison()) {
    t.own.abort();
    return *t.io.poison();
  }
  if (auto r = t.write_meta_if_changed(); !r) {
    t.own.abort();
    return r;
  }
  // A batch's transaction is its owner's to commit.
  if (t.own) {
    if (int rc = t.own.commit(); rc != 0) return t.io.fail(rc, "commit");
  }
  return {};
}

const std::vector<Event>& WriteTxn::events() const noexcept { return impl_->events; }
std::vector<Event> WriteTxn::take_events() noexcept { return std::exchange(impl_->events, {}); }
std::string WriteTxn::take_captured() noexcept { return std::exchange(impl_->captured, {}); }

Result<std::optional<WriteTxn::Impl::Stored>> WriteTxn::Impl::load(const ActionId& id) {
  auto bytes = io.get(Db::actions, record::id_bytes(id));
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<Stored>{};
  auto stored = record::decode_action(id, **bytes);
  if (!stored) return io.corrupt("the record of action " + id.to_string() + " cannot be decoded");
  return std::optional<Stored>{std::move(*stored)};
}

Result<WriteTxn::Impl::Stored> WriteTxn::Impl::load_existing(const ActionId& id) {
  auto stored = load(id);
  if (!stored) return stored.error();
  if (!*stored) return proto::make_error(proto::errc::not_found, "no action " + id.to_string());
  return std::move(**stored);
}

Result<void> WriteTxn::Impl::save(const Stored& stored) {
  return io.put(Db::actions, record::id_bytes(stored.action.id), record::encode_action(stored), "write an action");
}

Result<Action> WriteTxn::Impl::reply(Stored&& stored, TimePoint now) {
  auto waiting = io.waiting(stored, meta.paused, now);
  if (!waiting) return waiting.error();
  stored.action.waiting = *waiting;
  return std::move(stored.action);
}

}  // namespace bgsync::store
