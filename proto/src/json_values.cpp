// JSON forms of the protocol's values (action, event, status, ...) and back; PROTOCOL.md lists the
// fields. Writers always emit every field (null when empty); readers treat null and absent alike.
#include "bgsync/proto/codec.hpp"

#include "fields.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

namespace bgsync::proto {
namespace json = boost::json;
using detail::text;

namespace {

// An action's `waiting`, in an action object and in a brief enqueue reply: null for none.
json::value waiting_json(WaitReason waiting) {
  return waiting == WaitReason::none ? json::value(nullptr) : json::value(to_string(waiting));
}

// The reverse. A reason from a newer daemon reads as none rather than failing the whole value.
Result<WaitReason> waiting_from_json(const json::object& o) {
  auto r = detail::optional_string(o, "waiting");
  if (!r) return r.error();
  return *r ? parse_wait_reason(**r).value_or(WaitReason::none) : WaitReason::none;
}

}  // namespace

json::value to_json(const Headers& headers) {
  json::array array;
  array.reserve(headers.size());
  for (const Header& header : headers) array.push_back(json::array{text(header.name), text(header.value)});
  return array;
}

json::object to_json(const Action& action, bool with_bodies) {
  json::object o;
  o.reserve(with_bodies ? 26 : 24);  // every key below: the table is not rebuilt as it fills
  o["id"] = action.id.to_string();
  o["app"] = text(action.app);
  o["tag"] = text(action.tag);
  o["state"] = to_string(action.state);
  o["method"] = text(action.method);
  o["url"] = text(action.url);
  o["headers"] = to_json(action.headers);
  if (with_bodies) detail::put_body(o, "body", action.body);
  o["attempts"] = action.attempts;
  o["created"] = detail::time_text(action.created);
  o["updated"] = detail::time_text(action.updated);
  o["next_attempt"] = detail::time_or_null(action.next_attempt);
  o["waiting"] = waiting_json(action.waiting);
  o["last_error"] = detail::text_or_null(action.last_error);
  o["response_status"] = action.response_status ? json::value(*action.response_status) : json::value(nullptr);
  o["response_headers"] = to_json(action.response_headers);
  if (with_bodies) detail::put_body(o, "response_body", action.response_body);
  detail::put_policy(o, action.policy, true);
  o["held"] = action.held;
  o["blocked_by"] = action.blocked_by ? json::value(action.blocked_by->to_string()) : json::value(nullptr);
  return o;
}

Result<Action> action_from_json(const json::object& o) {
  Action a;
  if (auto r = detail::required_action_id(o, "id")) a.id = *r; else return r.error();
  if (auto r = detail::optional_string(o, "app")) a.app = r->value_or(""); else return r.error();
  if (auto r = detail::optional_string(o, "tag")) a.tag = r->value_or(""); else return r.error();
  if (auto r = detail::required_enum<ActionState>(o, "state", parse_action_state,
                                                  "queued, sending, sent, failed, cancelled")) {
    a.state = *r;
  } else {
    return r.error();
  }
  if (auto r = detail::required_string(o, "method")) a.method = std::move(*r); else return r.error();
  if (auto r = detail::required_string(o, "url")) a.url = std::move(*r); else return r.error();
  if (auto r = detail::optional_headers(o, "headers")) a.headers = std::move(*r); else return r.error();
  if (auto r = detail::optional_body(o, "body")) a.body = std::move(*r); else return r.error();
  if (auto r = detail::required_uint32(o, "attempts")) a.attempts = *r; else return r.error();
  if (auto r = detail::required_time(o, "created")) a.created = *r; else return r.error();
  if (auto r = detail::required_time(o, "updated")) a.updated = *r; else return r.error();
  if (auto r = detail::optional_time(o, "next_attempt")) a.next_attempt = *r; else return r.error();
  if (auto r = waiting_from_json(o)) a.waiting = *r; else return r.error();
  if (auto r = detail::optional_string(o, "last_error")) a.last_error = r->value_or(""); else return r.error();
  if (auto r = detail::optional_int(o, "response_status")) a.response_status = *r; else return r.error();
  if (auto r = detail::optional_headers(o, "response_headers")) {
    a.response_headers = std::move(*r);
  } else {
    return r.error();
  }
  if (auto r = detail::optional_body(o, "response_body")) a.response_body = std::move(*r); else return r.error();
  if (auto r = detail::policy_from_json(o)) a.policy = std::move(*r); else return r.error();
  if (auto r = detail::optional_bool(o, "held")) a.held = r->value_or(false); else return r.error();
  if (auto r = detail::optional_action_id(o, "blocked_by")) a.blocked_by = *r; else return r.error();
  return a;
}

json::object to_json(const Event& event) {
  json::object o;
  o.reserve(14);  // every key below
  o["seq"] = event.seq;
  o["type"] = to_string(event.type);
  o["id"] = event.id.to_string();
  o["tag"] = text(event.tag);
  o["app"] = text(event.app);
  o["time"] = detail::time_text(event.time);
  o["attempt"] = event.attempt;
  o["status"] = event.status ? json::value(*event.status) : json::value(nullptr);
  o["error"] = detail::text_or_null(event.error);
  o["next_attempt"] = detail::time_or_null(event.next_attempt);
  o["online"] = event.online ? json::value(*event.online) : json::value(nullptr);
  o["reason"] = detail::text_or_null(event.reason);
  o["outcome"] = event.outcome ? json::value(to_string(*event.outcome)) : json::value(nullptr);
  o["duration_ms"] = event.duration ? json::value(event.duration->count()) : json::value(nullptr);
  return o;
}

Result<Event> event_from_json(const json::object& o) {
  Event e;
  if (auto r = detail::required_uint64(o, "seq")) e.seq = *r; else return r.error();
  if (auto r = detail::required_enum<EventType>(o, "type", parse_event_type,
                                                "queued, sending, retry, sent, failed, cancelled, network, periodic")) {
    e.type = *r;
  } else {
    return r.error();
  }
  if (auto r = detail::required_action_id(o, "id")) e.id = *r; else return r.error();
  if (auto r = detail::optional_string(o, "tag")) e.tag = r->value_or(""); else return r.error();
  if (auto r = detail::optional_string(o, "app")) e.app = r->value_or(""); else return r.error();
  if (auto r = detail::required_time(o, "time")) e.time = *r; else return r.error();
  if (auto r = detail::required_uint32(o, "attempt")) e.attempt = *r; else return r.error();
  if (auto r = detail::optional_int(o, "status")) e.status = *r; else return r.error();
  if (auto r = detail::optional_string(o, "error")) e.error = r->value_or(""); else return r.error();
  if (auto r = detail::optional_time(o, "next_attempt")) e.next_attempt = *r; else return r.error();
  if (auto r = detail::optional_bool(o, "online")) e.online = *r; else return r.error();
  if (auto r = detail::optional_string(o, "reason")) e.reason = r->value_or(""); else return r.error();
  if (auto r = detail::optional_enum<PeriodicOutcome>(o, "outcome", parse_periodic_outcome,
                                                      "updated, not_modified, failed")) {
    e.outcome = *r;
  } else {
    return r.error();
  }
  if (auto r = detail::optional_millis(o, "duration_ms")) e.duration = *r; else return r.error();
  return e;
}

json::object to_json(const Status& status) {
  json::object counts;
  for (std::size_t i = 0; i < action_state_count; ++i) {
    counts[to_string(static_cast<ActionState>(i))] = status.counts.by_state[i];
  }
  json::object o;
  o["version"] = text(status.version);
  o["online"] = status.online;
  o["network_reason"] = detail::text_or_null(status.network_reason);
  o["network_since"] = detail::time_or_null(status.network_since);
  o["paused"] = status.paused;
  o["counts"] = std::move(counts);
  o["last_seq"] = status.last_seq;
  o["next_attempt"] = detail::time_or_null(status.next_attempt);
  return o;
}

Result<Status> status_from_json(const json::object& o) {
  Status s;
  if (auto r = detail::optional_string(o, "version")) s.version = r->value_or(""); else return r.error();
  if (auto r = detail::required_bool(o, "online")) s.online = *r; else return r.error();
  if (auto r = detail::optional_string(o, "network_reason")) s.network_reason = r->value_or(""); else return r.error();
  if (auto r = detail::optional_time(o, "network_since")) s.network_since = *r; else return r.error();
  if (auto r = detail::required_bool(o, "paused")) s.paused = *r; else return r.error();
  const json::value* counts = detail::find_field(o, "counts");
  if (counts == nullptr) return detail::missing_field("counts");
  if (!counts->is_object()) return detail::bad_field("counts", "must be an object of counts by state");
  for (std::size_t i = 0; i < action_state_count; ++i) {
    const std::string_view state = to_string(static_cast<ActionState>(i));
    // A state the daemon does not report counts as zero; a newer daemon's extra states are ignored.
    auto r = detail::optional_uint64(counts->get_object(), state);
    if (!r) return detail::bad_field("counts." + std::string(state), "must be a non-negative integer");
    s.counts.by_state[i] = r->value_or(0);
  }
  if (auto r = detail::optional_uint64(o, "last_seq")) s.last_seq = r->value_or(0); else return r.error();
  if (auto r = detail::optional_time(o, "next_attempt")) s.next_attempt = *r; else return r.error();
  return s;
}

json::object to_json(const SubscribeResult& result) {
  return json::object{
      {"subscription", result.subscription}, {"last_seq", result.last_seq}, {"first_seq", result.first_seq}};
}

Result<SubscribeResult> subscribe_result_from_json(const json::object& o) {
  SubscribeResult s;
  if (auto r = detail::required_uint64(o, "subscription")) s.subscription = *r; else return r.error();
  if (auto r = detail::required_uint64(o, "last_seq")) s.last_seq = *r; else return r.error();
  if (auto r = detail::required_uint64(o, "first_seq")) s.first_seq = *r; else return r.error();
  return s;
}

json::object to_json(const HelloResult& result) {
  json::array features;
  for (const std::string& feature : result.features) features.push_back(text(feature));
  return json::object{{"version", result.version},
                      {"server", text(result.server)},
                      {"max_frame", result.max_frame},
                      {"features", std::move(features)}};
}

json::object to_json(const Enqueued& enqueued) {
  return json::object{{"action_id", enqueued.id.to_string()},
                      {"created", detail::time_text(enqueued.created)},
                      {"waiting", waiting_json(enqueued.waiting)},
                      {"expires_at", detail::time_or_null(enqueued.expires_at)},
                      {"seq", enqueued.seq}};
}

Result<Enqueued> enqueued_from_json(const json::object& o) {
  Enqueued e;
  if (auto r = detail::required_action_id(o, "action_id")) e.id = *r; else return r.error();
  if (auto r = detail::required_time(o, "created")) e.created = *r; else return r.error();
  if (auto r = waiting_from_json(o)) e.waiting = *r; else return r.error();
  if (auto r = detail::optional_time(o, "expires_at")) e.expires_at = *r; else return r.error();
  if (auto r = detail::optional_uint64(o, "seq")) e.seq = r->value_or(0); else return r.error();
  return e;
}

Action enqueued_action(const EnqueueRequest& request, const Enqueued& enqueued) {
  Action a;
  a.id = enqueued.id;
  a.app = request.app;
  a.tag = request.tag;
  a.created = enqueued.created;
  a.updated = enqueued.created;
  a.method = request.method;
  a.url = request.url;
  a.headers = request.headers;
  a.state = ActionState::queued;
  a.next_attempt = enqueued.created;
  a.waiting = enqueued.waiting;
  a.policy = request.policy;
  a.policy.expires_at = enqueued.expires_at;
  if (a.policy.not_before && *a.policy.not_before > enqueued.created) a.next_attempt = a.policy.not_before;
  a.queued_seq = enqueued.seq;
  return a;
}

Result<HelloResult> hello_result_from_json(const json::object& o) {
  HelloResult h;
  if (auto r = detail::required_int(o, "version")) h.version = *r; else return r.error();
  if (auto r = detail::optional_string(o, "server")) h.server = r->value_or(""); else return r.error();
  if (auto r = detail::required_uint64(o, "max_frame")) h.max_frame = *r; else return r.error();
  if (const json::value* features = detail::find_field(o, "features"); features && features->is_array()) {
    for (const json::value& feature : features->get_array()) {
      if (feature.is_string()) h.features.emplace_back(feature.get_string());
    }
  }
  return h;
}

json::object to_json(const ListPage& page) {
  json::array actions;
  actions.reserve(page.actions.size());
  for (const Action& action : page.actions) actions.push_back(to_json(action, false));
  json::object o;
  o["actions"] = std::move(actions);
  o["next"] = page.next ? json::value(page.next->to_string()) : json::value(nullptr);
  if (page.remaining) o["remaining"] = *page.remaining;
  return o;
}

Result<ListPage> list_page_from_json(const json::object& o) {
  ListPage page;
  const json::value* actions = detail::find_field(o, "actions");
  if (actions == nullptr) return detail::missing_field("actions");
  if (!actions->is_array()) return detail::bad_field("actions", "must be an array of action objects");
  page.actions.reserve(actions->get_array().size());
  for (const json::value& element : actions->get_array()) {
    if (!element.is_object()) return detail::bad_field("actions", "must be an array of action objects");
    auto action = action_from_json(element.get_object());
    if (!action) return action.error();
    page.actions.push_back(std::move(*action));
  }
  if (auto r = detail::optional_action_id(o, "next")) page.next = *r; else return r.error();
  if (auto r = detail::optional_uint64(o, "remaining")) page.remaining = *r; else return r.error();
  return page;
}

}  // namespace bgsync::proto
