// WriteTxn's actions: enqueue, the sending lifecycle, cancel, manual retry and start-up recovery
// of `sending`. Each one validates first, then updates the action, the tagq/due/parked/netwait/
// inflight indexes, the meta counters, and appends its event (invariants in write_txn_impl.hpp).
#include "daemon/store/write_txn_impl.hpp"

#include "bgsync/proto/codec.hpp"

namespace bgsync::store {
namespace {

using detail::Db;
using proto::ActionState;
using proto::EventType;
using Stored = record::StoredAction;

proto::Error wrong_state(const Action& a, std::string_view wanted) {
  return proto::make_error(proto::errc::bad_state, "action " + a.id.to_string() + " is " +
                                                       std::string(proto::to_string(a.state)) + ", not " +
                                                       std::string(wanted));
}

// Takes a sending action out of inflight and tagq (letting the next go) and records the result.
Result<void> finish_sending(WriteTxn::Impl& t, Stored& stored, ActionState to, const AttemptResult& result,
                            TimePoint now) {
  Action& a = stored.action;
  a.state = to;
  a.updated = now;
  a.next_attempt.reset();
  a.response_status = result.status;
  a.response_headers = result.headers;
  a.response_body = result.body;
  a.last_error = to == ActionState::sent ? std::string() : result.error;
  if (auto r = t.save(stored); !r) return r;
  if (auto r = t.io.del(Db::inflight, record::id_bytes(a.id), "update the inflight index"); !r) return r;
  if (auto r = t.unmark_network(a.id); !r) return r;
  if (!a.tag.empty()) {
    if (auto r = t.io.del(Db::tagq, record::tag_key(a.tag, stored.order), "update tagq"); !r) return r;
    if (auto r = t.promote_head(a.tag); !r) return r;
  }
  t.move_count(ActionState::sending, to);
  return {};
}

// mark_sent and mark_failed: a sending action ends with `result`, and its event says how.
Result<Action> finish(WriteTxn::Impl& t, const ActionId& id, ActionState to, const AttemptResult& result,
                      TimePoint now) {
  if (auto r = t.usable(); !r) return r.error();
  auto stored = t.load_existing(id);
  if (!stored) return stored.error();
  if (stored->action.state != ActionState::sending) return wrong_state(stored->action, "sending");
  if (auto r = finish_sending(t, *stored, to, result, now); !r) return r.error();
  const bool failed = to == ActionState::failed;
  if (auto r = t.append_event(failed ? EventType::failed : EventType::sent, stored->action, now, result.status,
                              failed ? result.error : std::string());
      !r) {
    return r.error();
  }
  return std::move(stored->action);
}

Result<Action> cancel_one(WriteTxn::Impl& t, Stored stored, TimePoint now) {
  Action& a = stored.action;
  auto front = t.at_front(stored);
  if (!front) return front.error();
  bool head = false;
  if (!a.tag.empty()) {
    auto current = t.io.head_of(a.tag);
    if (!current) return current.error();
    head = *current == a.id;
  }
  if (*front) {
    if (auto r = t.unschedule(stored); !r) return r.error();
  }
  if (a.state == ActionState::sending) {
    if (auto r = t.io.del(Db::inflight, record::id_bytes(a.id), "update the inflight index"); !r) return r.error();
  }
  if (auto r = t.unmark_network(a.id); !r) return r.error();
  const ActionState from = a.state;
  a.state = ActionState::cancelled;
  a.next_attempt.reset();
  a.updated = now;
  stored.parked.clear();
  if (auto r = t.save(stored); !r) return r.error();
  if (!a.tag.empty()) {
    if (auto r = t.io.del(Db::tagq, record::tag_key(a.tag, stored.order), "update tagq"); !r) return r.error();
    if (head) {
      if (auto r = t.promote_head(a.tag); !r) return r.error();
    }
  }
  t.move_count(from, ActionState::cancelled);
  if (auto r = t.append_event(EventType::cancelled, a, now); !r) return r.error();
  return std::move(stored.action);
}

}  // namespace

Result<Action> WriteTxn::enqueue(const proto::EnqueueRequest& request, const ActionId& id, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  // The tagq key relies on both (proto validates tags; this keeps the index sound regardless).
  if (request.tag.find('\0') != std::string::npos || request.tag.size() > proto::max_tag_size) {
    return proto::make_error(proto::errc::bad_field, "tag: at most " + std::to_string(proto::max_tag_size) +
                                                         " bytes and no NUL");
  }
  auto existing = t.io.get(Db::actions, record::id_bytes(id));
  if (!existing) return existing.error();
  if (*existing) return proto::make_error(proto::errc::internal, "action id " + id.to_string() + " is already taken");
  auto head = t.would_head(request.tag);
  if (!head) return head.error();

  Stored stored;
  stored.order = t.take_order();
  Action& a = stored.action;
  // The very action a client rebuilds from a brief enqueue reply, plus the body.
  a = proto::enqueued_action(request, proto::Enqueued{id, now, proto::WaitReason::none, request.policy.expires_at, 0});
  a.body = request.body;
  if (auto r = t.save(stored); !r) return r.error();
  if (auto r = t.add_to_tag(stored); !r) return r.error();
  if (*head) {
    if (auto r = t.io.put(Db::due, record::due_key(*a.next_attempt, stored.order), record::id_bytes(id),
                          "write the due index");
        !r) {
      return r.error();
    }
  }
  t.count_new_queued();
  if (auto r = t.append_event(EventType::queued, a, now); !r) return r.error();
  return t.reply(std::move(stored), now);
}

Result<std::optional<Action>> WriteTxn::enqueue_spooled(const proto::EnqueueRequest& request, const ActionId& id,
                                                        TimePoint created, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  auto existing = t.io.get(Db::actions, record::id_bytes(id));
  if (!existing) return existing.error();
  if (*existing) return std::optional<Action>();
  auto action = enqueue(request, id, now);
  if (!action) return action.error();
  // Enqueued as of now (due now, its event now); only its creation time is the client's.
  auto stored = t.load_existing(id);
  if (!stored) return stored.error();
  stored->action.created = created;
  if (auto r = t.save(*stored); !r) return r.error();
  action->created = created;
  return std::optional<Action>(std::move(*action));
}

Result<Event> WriteTxn::record_rejected(const ActionId& id, std::string_view reason, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  Event e;
  e.type = EventType::rejected;
  e.id = id;
  e.time = now;
  e.error = std::string(reason);
  if (auto r = t.append_event(std::move(e)); !r) return r.error();
  return t.events.back();
}

Result<Action> WriteTxn::mark_sending(const ActionId& id, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  auto stored = t.load_existing(id);
  if (!stored) return stored.error();
  Action& a = stored->action;
  if (a.state != ActionState::queued) return wrong_state(a, "queued");
  if (!stored->parked.empty()) {
    return proto::make_error(proto::errc::bad_state, "action " + id.to_string() + " is parked until the network to \"" +
                                                         stored->parked + "\" is back; unpark it first");
  }
  auto front = t.at_front(*stored);
  if (!front) return front.error();
  if (!*front) {
    return proto::make_error(proto::errc::bad_state, "action " + id.to_string() +
                                                         " waits behind the head of its tag \"" + a.tag + "\"");
  }
  if (auto r = t.unschedule(*stored); !r) return r.error();
  if (auto r = t.unmark_network(id); !r) return r.error();
  a.state = ActionState::sending;
  ++a.attempts;
  a.next_attempt.reset();
  a.updated = now;
  if (auto r = t.save(*stored); !r) return r.error();
  if (auto r = t.io.put(Db::inflight, record::id_bytes(id), std::string_view(""), "write the inflight index"); !r) return r.error();
  t.move_count(ActionState::queued, ActionState::sending);
  if (auto r = t.append_event(EventType::sending, a, now); !r) return r.error();
  return std::move(a);  // `a` is the loaded record's: moved, body and all, not copied
}

Result<Action> WriteTxn::mark_sent(const ActionId& id, const AttemptResult& result, TimePoint now) {
  return finish(*impl_, id, ActionState::sent, result, now);
}

Result<Action> WriteTxn::mark_failed(const ActionId& id, const AttemptResult& result, TimePoint now) {
  return finish(*impl_, id, ActionState::failed, result, now);
}

Result<Action> WriteTxn::mark_retry(const ActionId& id, const AttemptResult& result, TimePoint next_attempt,
                                    TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  auto stored = t.load_existing(id);
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
  if (auto r = t.save(*stored); !r) return r.error();
  if (auto r = t.io.del(Db::inflight, record::id_bytes(id), "update the inflight index"); !r) return r.error();
  // Still the head of its tag (it kept its tagq entry) and never parked, so straight back into due.
  if (auto r = t.schedule(*stored); !r) return r.error();
  if (result.status) {
    if (auto r = t.unmark_network(id); !r) return r.error();
  } else if (auto r = t.io.put(Db::netwait, record::id_bytes(id), std::string_view(""), "write the netwait index"); !r) {
    return r.error();
  }
  t.move_count(ActionState::sending, ActionState::queued);
  if (auto r = t.append_event(EventType::retry, a, now, result.status, result.error, next_attempt); !r) return r.error();
  return t.reply(std::move(*stored), now);
}

Result<std::vector<Action>> WriteTxn::cancel(const proto::CancelArgs& args, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  if (args.action.has_value() == args.tag.has_value()) {
    return proto::make_error(proto::errc::bad_field, "cancel takes exactly one of action and tag");
  }
  std::vector<Action> cancelled;
  if (args.action) {
    auto stored = t.load_existing(*args.action);
    if (!stored) return stored.error();
    if (proto::is_terminal(stored->action.state)) return wrong_state(stored->action, "queued or sending");
    auto a = cancel_one(t, std::move(*stored), now);
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
  const std::string prefix = record::tag_prefix(tag);
  auto walked = t.io.walk(Db::tagq, prefix, [&](std::string_view key, std::string_view value) -> Result<bool> {
    if (!key.starts_with(prefix)) return false;
    auto id = record::id_from_bytes(value);
    if (!id) return t.io.corrupt("a tagq entry of tag \"" + tag + "\" is not an id");
    ids.push_back(*id);
    return true;
  });
  if (!walked) return walked.error();
  for (const auto& id : ids) {
    auto stored = t.load(id);
    if (!stored) return stored.error();
    if (!*stored) return t.io.corrupt("tagq names action " + id.to_string() + ", which does not exist");
    auto a = cancel_one(t, std::move(**stored), now);
    if (!a) return a.error();
    cancelled.push_back(std::move(*a));
  }
  return cancelled;
}

Result<Action> WriteTxn::retry(const ActionId& id, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  auto stored = t.load_existing(id);
  if (!stored) return stored.error();
  Action& a = stored->action;
  if (a.state == ActionState::sent || a.state == ActionState::sending) {
    return wrong_state(a, "failed, cancelled or queued");
  }
  // Parked: it goes when its destination is reachable again, whatever its backoff; nothing to do.
  if (!stored->parked.empty()) return t.reply(std::move(*stored), now);
  if (auto r = t.unmark_network(id); !r) return r.error();
  if (a.state == ActionState::queued) {
    // Skip the backoff: due now, same place in its tag.
    auto front = t.at_front(*stored);
    if (!front) return front.error();
    if (*front) {
      if (auto r = t.unschedule(*stored); !r) return r.error();
    }
    a.next_attempt = now;
    a.updated = now;
    if (*front) {
      if (auto r = t.schedule(*stored); !r) return r.error();
    }
    if (auto r = t.save(*stored); !r) return r.error();
  } else {
    // failed or cancelled: back in line at the tail of its tag; attempts and last_error stay.
    auto head = t.would_head(a.tag);
    if (!head) return head.error();
    const ActionState from = a.state;
    stored->order = t.take_order();
    stored->parked.clear();
    a.state = ActionState::queued;
    a.next_attempt = now;
    a.updated = now;
    if (auto r = t.save(*stored); !r) return r.error();
    if (auto r = t.add_to_tag(*stored); !r) return r.error();
    if (*head) {
      if (auto r = t.schedule(*stored); !r) return r.error();
    }
    t.move_count(from, ActionState::queued);
  }
  if (auto r = t.append_event(EventType::queued, a, now); !r) return r.error();
  return t.reply(std::move(*stored), now);
}

Result<std::size_t> WriteTxn::recover_inflight(TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  std::vector<ActionId> ids;
  auto walked = t.io.walk(Db::inflight, {}, [&](std::string_view key, std::string_view) -> Result<bool> {
    auto id = record::id_from_bytes(key);
    if (!id) return t.io.corrupt("an inflight key is not an id");
    ids.push_back(*id);
    return true;
  });
  if (!walked) return walked.error();
  static constexpr std::string_view reason = "daemon restarted during the attempt";
  std::size_t recovered = 0;
  for (const auto& id : ids) {
    auto loaded = t.load(id);
    if (!loaded) return loaded.error();
    if (!*loaded || (*loaded)->action.state != proto::ActionState::sending) continue;  // stale entry
    Stored& stored = **loaded;
    Action& a = stored.action;
    a.state = proto::ActionState::queued;
    a.next_attempt = now;
    a.updated = now;
    a.last_error = reason;
    if (auto r = t.save(stored); !r) return r.error();
    // A sending tagged action is its tag's head (and never parked), so it goes straight back
    // into due.
    auto front = t.at_front(stored);
    if (!front) return front.error();
    if (*front) {
      if (auto r = t.schedule(stored); !r) return r.error();
    }
    t.move_count(proto::ActionState::sending, proto::ActionState::queued);
    if (auto r = t.append_event(proto::EventType::retry, a, now, std::nullopt, std::string(reason), now); !r) return r.error();
    ++recovered;
  }
  if (!ids.empty()) {
    if (auto r = t.io.drop(Db::inflight, "empty the inflight index"); !r) return r.error();
  }
  return recovered;
}

}  // namespace bgsync::store
