// The outbox's state changes: enqueue, the sending lifecycle, cancel and manual retry. Each one
// validates first, then updates the action, the tagq/due/parked/netwait/inflight indexes, the
// meta counters, and appends its event (invariants in txn_writer.hpp).
#include "daemon/store/txn_writer.hpp"

#include "bgsync/proto/codec.hpp"

namespace bgsync::store::detail {
namespace {

using proto::ActionState;
using proto::EventType;

proto::Error wrong_state(const Action& a, std::string_view wanted) {
  return proto::make_error(proto::errc::bad_state, "action " + a.id.to_string() + " is " +
                                                       std::string(proto::to_string(a.state)) + ", not " +
                                                       std::string(wanted));
}

}  // namespace

Result<Action> TxnWriter::enqueue(const proto::EnqueueRequest& request, const ActionId& id, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  // The tagq key relies on both (proto validates tags; this keeps the index sound regardless).
  if (request.tag.find('\0') != std::string::npos || request.tag.size() > proto::max_tag_size) {
    return proto::make_error(proto::errc::bad_field, "tag: at most " + std::to_string(proto::max_tag_size) +
                                                         " bytes and no NUL");
  }
  auto existing = store_.get(txn_, store_.dbi[Db::actions], record::id_bytes(id));
  if (!existing) return fail(existing.error());
  if (*existing) return proto::make_error(proto::errc::internal, "action id " + id.to_string() + " is already taken");
  bool head = true;
  if (!request.tag.empty()) {
    auto current = head_of(request.tag);
    if (!current) return current.error();
    head = !current->has_value();
  }

  Stored stored;
  stored.order = meta_.next_order++;
  meta_dirty_ = true;
  Action& a = stored.action;
  // The very action a client rebuilds from a brief enqueue reply, plus the body.
  a = proto::enqueued_action(request, proto::Enqueued{id, now, proto::WaitReason::none});
  a.body = request.body;
  if (auto r = save(stored); !r) return r.error();
  if (!a.tag.empty()) {
    if (auto r = put(store_.dbi[Db::tagq], record::tag_key(a.tag, stored.order), record::id_bytes(id), "write tagq"); !r) {
      return r.error();
    }
  }
  if (head) {
    if (auto r = put(store_.dbi[Db::due], record::due_key(now, stored.order), record::id_bytes(id), "write the due index"); !r) {
      return r.error();
    }
  }
  ++meta_.counts[ActionState::queued];
  if (auto r = append_event(EventType::queued, a, now); !r) return r.error();
  return reply(std::move(stored), now);
}

Result<Action> TxnWriter::mark_sending(const ActionId& id, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  auto stored = load_existing(id);
  if (!stored) return stored.error();
  Action& a = stored->action;
  if (a.state != ActionState::queued) return wrong_state(a, "queued");
  if (!stored->parked.empty()) {
    return proto::make_error(proto::errc::bad_state, "action " + id.to_string() + " is parked until the network to \"" +
                                                         stored->parked + "\" is back; unpark it first");
  }
  auto front = at_front(*stored);
  if (!front) return front.error();
  if (!*front) {
    return proto::make_error(proto::errc::bad_state, "action " + id.to_string() +
                                                         " waits behind the head of its tag \"" + a.tag + "\"");
  }
  if (auto r = unschedule(*stored); !r) return r.error();
  if (auto r = unmark_network(id); !r) return r.error();
  a.state = ActionState::sending;
  ++a.attempts;
  a.next_attempt.reset();
  a.updated = now;
  if (auto r = save(*stored); !r) return r.error();
  if (auto r = put(store_.dbi[Db::inflight], record::id_bytes(id), std::string_view(""), "write the inflight index"); !r) return r.error();
  move_count(ActionState::queued, ActionState::sending);
  if (auto r = append_event(EventType::sending, a, now); !r) return r.error();
  return std::move(a);  // `a` is the loaded record's: moved, body and all, not copied
}

Result<void> TxnWriter::finish_sending(Stored& stored, ActionState to, const AttemptResult& result, TimePoint now) {
  Action& a = stored.action;
  a.state = to;
  a.updated = now;
  a.next_attempt.reset();
  a.response_status = result.status;
  a.response_headers = result.headers;
  a.response_body = result.body;
  a.last_error = to == ActionState::sent ? std::string() : result.error;
  if (auto r = save(stored); !r) return r;
  if (auto r = del(store_.dbi[Db::inflight], record::id_bytes(a.id), "update the inflight index"); !r) return r;
  if (auto r = unmark_network(a.id); !r) return r;
  if (!a.tag.empty()) {
    if (auto r = del(store_.dbi[Db::tagq], record::tag_key(a.tag, stored.order), "update tagq"); !r) return r;
    if (auto r = promote_head(a.tag); !r) return r;
  }
  move_count(ActionState::sending, to);
  return {};
}

Result<Action> TxnWriter::mark_sent(const ActionId& id, const AttemptResult& result, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  auto stored = load_existing(id);
  if (!stored) return stored.error();
  if (stored->action.state != ActionState::sending) return wrong_state(stored->action, "sending");
  if (auto r = finish_sending(*stored, ActionState::sent, result, now); !r) return r.error();
  if (auto r = append_event(EventType::sent, stored->action, now, result.status); !r) return r.error();
  return std::move(stored->action);
}

Result<Action> TxnWriter::mark_failed(const ActionId& id, const AttemptResult& result, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  auto stored = load_existing(id);
  if (!stored) return stored.error();
  if (stored->action.state != ActionState::sending) return wrong_state(stored->action, "sending");
  if (auto r = finish_sending(*stored, ActionState::failed, result, now); !r) return r.error();
  if (auto r = append_event(EventType::failed, stored->action, now, result.status, result.error); !r) return r.error();
  return std::move(stored->action);
}

Result<Action> TxnWriter::mark_retry(const ActionId& id, const AttemptResult& result, TimePoint next_attempt,
                                     TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  auto stored = load_existing(id);
  if (!stored) return stored.error();
  Action& a = stored->action;
  if (a.state != ActionState::sending) return wrong_state(a, "sending");
  a.state = ActionState::queued;
  a.next_attempt = next_attempt;
  a.updated = now;
  a.last_error = result.error;
  if (result.status) {
    // Keep the response that caused the retry (its Retry-After, its error body) visible.
    a.response_status = result.status;
    a.response_headers = result.headers;
    a.response_body = result.body;
  }
  if (auto r = save(*stored); !r) return r.error();
  if (auto r = del(store_.dbi[Db::inflight], record::id_bytes(id), "update the inflight index"); !r) return r.error();
  // Still the head of its tag (it kept its tagq entry) and never parked, so straight back into due.
  if (auto r = schedule(*stored); !r) return r.error();
  if (result.status) {
    if (auto r = unmark_network(id); !r) return r.error();
  } else if (auto r = put(store_.dbi[Db::netwait], record::id_bytes(id), std::string_view(""), "write the netwait index"); !r) {
    return r.error();
  }
  move_count(ActionState::sending, ActionState::queued);
  if (auto r = append_event(EventType::retry, a, now, result.status, result.error, next_attempt); !r) return r.error();
  return reply(std::move(*stored), now);
}

Result<Action> TxnWriter::cancel_one(Stored stored, TimePoint now) {
  Action& a = stored.action;
  auto front = at_front(stored);
  if (!front) return front.error();
  bool head = false;
  if (!a.tag.empty()) {
    auto current = head_of(a.tag);
    if (!current) return current.error();
    head = *current == a.id;
  }
  if (*front) {
    if (auto r = unschedule(stored); !r) return r.error();
  }
  if (a.state == ActionState::sending) {
    if (auto r = del(store_.dbi[Db::inflight], record::id_bytes(a.id), "update the inflight index"); !r) return r.error();
  }
  if (auto r = unmark_network(a.id); !r) return r.error();
  const ActionState from = a.state;
  a.state = ActionState::cancelled;
  a.next_attempt.reset();
  a.updated = now;
  stored.parked.clear();
  if (auto r = save(stored); !r) return r.error();
  if (!a.tag.empty()) {
    if (auto r = del(store_.dbi[Db::tagq], record::tag_key(a.tag, stored.order), "update tagq"); !r) return r.error();
    if (head) {
      if (auto r = promote_head(a.tag); !r) return r.error();
    }
  }
  move_count(from, ActionState::cancelled);
  if (auto r = append_event(EventType::cancelled, a, now); !r) return r.error();
  return std::move(stored.action);
}

Result<std::vector<Action>> TxnWriter::cancel(const proto::CancelArgs& args, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  if (args.action.has_value() == args.tag.has_value()) {
    return proto::make_error(proto::errc::bad_field, "cancel takes exactly one of action and tag");
  }
  std::vector<Action> cancelled;
  if (args.action) {
    auto stored = load_existing(*args.action);
    if (!stored) return stored.error();
    if (proto::is_terminal(stored->action.state)) return wrong_state(stored->action, "queued or sending");
    auto a = cancel_one(std::move(*stored), now);
    if (!a) return a.error();
    cancelled.push_back(std::move(*a));
    return cancelled;
  }
  const std::string& tag = *args.tag;
  if (tag.empty()) {
    return proto::make_error(proto::errc::bad_field, "tag: empty; untagged actions are cancelled one by one, by id");
  }
  // Collect first: cancelling rewrites tagq under the cursor.
  std::vector<ActionId> ids;
  {
    lmdb::Cursor cursor;
    if (int rc = cursor.open(txn_, store_.dbi[Db::tagq]); rc != 0) return fail(rc, "open a tagq cursor");
    const std::string prefix = record::tag_prefix(tag);
    MDB_val k = lmdb::to_val(prefix);
    MDB_val v{};
    for (int rc = cursor.get(k, v, MDB_SET_RANGE); rc != MDB_NOTFOUND; rc = cursor.get(k, v, MDB_NEXT)) {
      if (rc != 0) return fail(rc, "read tagq");
      if (!lmdb::to_view(k).starts_with(prefix)) break;
      auto id = record::id_from_bytes(lmdb::to_view(v));
      if (!id) return fail(store_.corrupt("a tagq entry of tag \"" + tag + "\" is not an id"));
      ids.push_back(*id);
    }
  }
  for (const auto& id : ids) {
    auto stored = load(id);
    if (!stored) return stored.error();
    if (!*stored) return fail(store_.corrupt("tagq names action " + id.to_string() + ", which does not exist"));
    auto a = cancel_one(std::move(**stored), now);
    if (!a) return a.error();
    cancelled.push_back(std::move(*a));
  }
  return cancelled;
}

Result<Action> TxnWriter::retry(const ActionId& id, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  auto stored = load_existing(id);
  if (!stored) return stored.error();
  Action& a = stored->action;
  if (a.state == ActionState::sent || a.state == ActionState::sending) {
    return wrong_state(a, "failed, cancelled or queued");
  }
  // Parked: it goes when its destination is reachable again, whatever its backoff; nothing to do.
  if (!stored->parked.empty()) return reply(std::move(*stored), now);
  if (auto r = unmark_network(id); !r) return r.error();
  if (a.state == ActionState::queued) {
    // Skip the backoff: due now, same place in its tag.
    auto front = at_front(*stored);
    if (!front) return front.error();
    if (*front) {
      if (auto r = unschedule(*stored); !r) return r.error();
    }
    a.next_attempt = now;
    a.updated = now;
    if (*front) {
      if (auto r = schedule(*stored); !r) return r.error();
    }
    if (auto r = save(*stored); !r) return r.error();
  } else {
    // failed or cancelled: back in line at the tail of its tag; attempts and last_error stay.
    bool head = true;
    if (!a.tag.empty()) {
      auto current = head_of(a.tag);
      if (!current) return current.error();
      head = !current->has_value();
    }
    const ActionState from = a.state;
    stored->order = meta_.next_order++;
    stored->parked.clear();
    meta_dirty_ = true;
    a.state = ActionState::queued;
    a.next_attempt = now;
    a.updated = now;
    if (auto r = save(*stored); !r) return r.error();
    if (!a.tag.empty()) {
      if (auto r = put(store_.dbi[Db::tagq], record::tag_key(a.tag, stored->order), record::id_bytes(id), "write tagq"); !r) {
        return r.error();
      }
    }
    if (head) {
      if (auto r = schedule(*stored); !r) return r.error();
    }
    move_count(from, ActionState::queued);
  }
  if (auto r = append_event(EventType::queued, a, now); !r) return r.error();
  return reply(std::move(*stored), now);
}

}  // namespace bgsync::store::detail
