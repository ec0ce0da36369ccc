// WriteTxn's meta record: the counters (next event seq, next enqueue order, actions per state)
// and the paused flag, kept in memory for the transaction and written once, at commit.
#include "daemon/store/write_txn_impl.hpp"

namespace bgsync::store {

void WriteTxn::Impl::load_meta() {
  // A failure poisons the transaction; it surfaces from the first operation (or commit).
  if (auto loaded = io.read_meta()) meta = *loaded;
}

std::uint64_t WriteTxn::Impl::take_order() {
  meta_dirty = true;
  return meta.next_order++;
}

void WriteTxn::Impl::count_new_queued() {
  ++meta.counts[proto::ActionState::queued];
  meta_dirty = true;
}

void WriteTxn::Impl::move_count(proto::ActionState from, proto::ActionState to) {
  if (meta.counts[from] > 0) --meta.counts[from];
  ++meta.counts[to];
  meta_dirty = true;
}

Result<void> WriteTxn::Impl::write_meta_if_changed() {
  if (!meta_dirty) return {};
  return detail::write_meta(io, meta);
}

Result<void> WriteTxn::set_paused(bool paused) {
  if (auto r = impl_->usable(); !r) return r;
  impl_->meta.paused = paused;
  impl_->meta_dirty = true;
  return {};
}

}  // namespace bgsync::store
