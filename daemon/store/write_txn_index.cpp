// WriteTxn's index helpers: the tag queues (tagq: who heads a tag), the due and parked indexes
// (where an action at the front waits) and the netwait marks. Invariants in write_txn_impl.hpp.
#include "daemon/store/write_txn_impl.hpp"

namespace bgsync::store {

Result<bool> WriteTxn::Impl::at_front(const Stored& stored) {
  const Action& a = stored.action;
  if (a.state != proto::ActionState::queued) return false;
  if (a.tag.empty()) return true;
  auto head = io.head_of(a.tag);
  if (!head) return head.error();
  return *head == a.id;
}

Result<bool> WriteTxn::Impl::would_head(std::string_view tag) {
  if (tag.empty()) return true;
  auto current = io.head_of(tag);
  if (!current) return current.error();
  return !current->has_value();
}

Result<void> WriteTxn::Impl::schedule(const Stored& stored) {
  const Action& a = stored.action;
  if (!stored.parked.empty()) {
    return io.put(Db::parked, record::parked_key(stored.parked, stored.order), record::id_bytes(a.id),
                  "write the parked index");
  }
  return io.put(Db::due, record::due_key(a.next_attempt.value_or(TimePoint{}), stored.order), record::id_bytes(a.id),
                "write the due index");
}

Result<void> WriteTxn::Impl::unschedule(const Stored& stored) {
  const Action& a = stored.action;
  if (!stored.parked.empty()) {
    return io.del(Db::parked, record::parked_key(stored.parked, stored.order), "update the parked index");
  }
  return io.del(Db::due, record::due_key(a.next_attempt.value_or(TimePoint{}), stored.order), "update the due index");
}

Result<void> WriteTxn::Impl::add_to_tag(const Stored& stored) {
  const Action& a = stored.action;
  if (a.tag.empty()) return {};
  return io.put(Db::tagq, record::tag_key(a.tag, stored.order), record::id_bytes(a.id), "write tagq");
}

Result<void> WriteTxn::Impl::promote_head(std::string_view tag) {
  auto head = io.head_of(tag);
  if (!head) return head.error();
  if (!*head) return {};
  auto stored = load(**head);
  if (!stored) return stored.error();
  if (!*stored) return io.corrupt("tagq names action " + (*head)->to_string() + ", which does not exist");
  const Stored& next = **stored;
  if (next.action.state != proto::ActionState::queued) return {};
  return schedule(next);
}

Result<void> WriteTxn::Impl::unmark_network(const ActionId& id) {
  return io.del(Db::netwait, record::id_bytes(id), "update the netwait index");
}

}  // namespace bgsync::store
