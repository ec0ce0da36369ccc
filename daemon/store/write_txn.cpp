// WriteTxn: the public face of one outbox write transaction (or of one batch of the BatchWriter's),
// forwarding to detail::TxnWriter. Only the writer thread makes these (and tests), one at a time.
#include "daemon/store/outbox.hpp"

#include "daemon/store/store_env.hpp"
#include "daemon/store/txn_writer.hpp"

namespace bgsync::store {

struct WriteTxn::Impl {
  explicit Impl(detail::Store& store) : writer(store) {}
  Impl(detail::Store& store, MDB_txn* batch) : writer(store, batch) {}
  detail::TxnWriter writer;
};

WriteTxn::WriteTxn(Outbox& outbox) : impl_(std::make_unique<Impl>(outbox.impl_->store)) {}
WriteTxn::WriteTxn(Outbox& outbox, void* batch_txn, Batch)
    : impl_(std::make_unique<Impl>(outbox.impl_->store, static_cast<MDB_txn*>(batch_txn))) {}
WriteTxn::~WriteTxn() = default;

Result<Action> WriteTxn::enqueue(const proto::EnqueueRequest& request, const ActionId& id, TimePoint now) {
  return impl_->writer.enqueue(request, id, now);
}
Result<Action> WriteTxn::mark_sending(const ActionId& id, TimePoint now) { return impl_->writer.mark_sending(id, now); }
Result<Action> WriteTxn::mark_sent(const ActionId& id, const AttemptResult& result, TimePoint now) {
  return impl_->writer.mark_sent(id, result, now);
}
Result<Action> WriteTxn::mark_retry(const ActionId& id, const AttemptResult& result, TimePoint next_attempt,
                                    TimePoint now) {
  return impl_->writer.mark_retry(id, result, next_attempt, now);
}
Result<Action> WriteTxn::mark_failed(const ActionId& id, const AttemptResult& result, TimePoint now) {
  return impl_->writer.mark_failed(id, result, now);
}
Result<std::vector<Action>> WriteTxn::cancel(const proto::CancelArgs& args, TimePoint now) {
  return impl_->writer.cancel(args, now);
}
Result<Action> WriteTxn::retry(const ActionId& id, TimePoint now) { return impl_->writer.retry(id, now); }
Result<Action> WriteTxn::park(const ActionId& id, std::string_view destination, TimePoint now) {
  return impl_->writer.park(id, destination, now);
}
Result<std::size_t> WriteTxn::unpark(std::string_view destination, TimePoint /*now*/, std::size_t max) {
  return impl_->writer.unpark(destination, max);
}
Result<std::size_t> WriteTxn::reset_network_backoff(TimePoint now, std::size_t max) {
  return impl_->writer.reset_network_backoff(now, max);
}
Result<Event> WriteTxn::record_network(bool online, std::string_view reason, TimePoint now) {
  return impl_->writer.record_network(online, reason, now);
}
Result<periodic::PutResult> WriteTxn::periodic_put(periodic::Registration reg, TimePoint now) {
  return impl_->writer.periodic_put(std::move(reg), now);
}
Result<bool> WriteTxn::periodic_remove(std::string_view app, std::string_view tag) {
  return impl_->writer.periodic_remove(app, tag);
}
Result<periodic::Registration> WriteTxn::periodic_reschedule(std::string_view app, std::string_view tag,
                                                             TimePoint when) {
  return impl_->writer.periodic_reschedule(app, tag, when);
}
Result<periodic::Registration> WriteTxn::periodic_record(std::string_view app, std::string_view tag,
                                                         const periodic::Run& run, TimePoint now) {
  return impl_->writer.periodic_record(app, tag, run, now);
}
Result<void> WriteTxn::set_paused(bool paused) { return impl_->writer.set_paused(paused); }
Result<std::size_t> WriteTxn::prune_events(TimePoint cutoff, std::size_t max) {
  return impl_->writer.prune_events(cutoff, max);
}
bool WriteTxn::poisoned() const noexcept { return impl_->writer.poisoned(); }
Result<void> WriteTxn::commit() { return impl_->writer.commit(); }
const std::vector<Event>& WriteTxn::events() const noexcept { return impl_->writer.events(); }
std::vector<Event> WriteTxn::take_events() noexcept { return impl_->writer.take_events(); }

}  // namespace bgsync::store
