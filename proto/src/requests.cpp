// Per-operation request arguments: the daemon's parsers (which validate fully and name the bad
// field) and the client's builders (which write exactly what the parsers read).
#include "bgsync/proto/codec.hpp"

#include "fields.hpp"
#include "text.hpp"

#include <boost/json/string.hpp>

#include <algorithm>

namespace bgsync::proto {
namespace json = boost::json;

namespace {

// A label (tag, app) given as a filter or an argument: a string, checked like an enqueued one.
Result<std::optional<std::string>> optional_label(const json::object& message, std::string_view name) {
  auto value = detail::optional_string(message, name);
  if (!value) return value.error();
  if (*value) {
    if (auto ok = validate_label(name, **value); !ok) return ok.error();
  }
  return value;
}

}  // namespace

Result<int> parse_hello(const json::object& message) {
  auto client = detail::optional_string(message, "client");
  if (!client) return client.error();
  return detail::required_int(message, "version");
}

Result<EnqueueRequest> parse_enqueue(const json::object& message) {
  for (const auto& field : message) {
    if (std::find(enqueue_fields.begin(), enqueue_fields.end(), field.key()) == enqueue_fields.end()) {
      return make_error(errc::bad_field, "enqueue has no field " + detail::quote(field.key()) +
                                             "; this bgsyncd knows none of that name (is it older than the client?)");
    }
  }
  EnqueueRequest request;
  if (auto r = detail::required_string(message, "url")) request.url = std::move(*r); else return r.error();
  if (auto r = detail::optional_string(message, "method")) request.method = r->value_or("GET"); else return r.error();
  if (auto r = detail::optional_headers(message, "headers")) request.headers = std::move(*r); else return r.error();
  if (auto r = detail::optional_body(message, "body")) request.body = std::move(*r); else return r.error();
  if (auto r = detail::optional_string(message, "tag")) request.tag = r->value_or(""); else return r.error();
  if (auto r = detail::optional_string(message, "app")) request.app = r->value_or(""); else return r.error();
  if (auto r = detail::policy_from_json(message)) request.policy = std::move(*r); else return r.error();
  if (auto r = detail::optional_millis(message, "ttl_ms")) request.ttl = *r; else return r.error();
  if (auto ok = validate_enqueue(request); !ok) return ok.error();
  return request;
}

Result<bool> parse_enqueue_brief(const json::object& message) {
  auto brief = detail::optional_bool(message, "brief");
  if (!brief) return brief.error();
  return brief->value_or(false);
}

Result<ActionRef> parse_action_ref(const json::object& message) { return detail::required_action_ref(message, "action"); }

Result<ListQuery> parse_list(const json::object& message) {
  ListQuery query;
  if (auto r = optional_label(message, "tag")) query.tag = std::move(*r); else return r.error();
  if (auto r = optional_label(message, "app")) query.app = std::move(*r); else return r.error();
  auto state = detail::optional_string(message, "state");
  if (!state) return state.error();
  if (*state) {
    query.state = parse_action_state(**state);
    if (!query.state) return detail::bad_field("state", "must be one of queued, sending, sent, failed, cancelled");
  }
  if (const json::value* limit = detail::find_field(message, "limit")) {
    const std::string requirement = "must be an integer 1.." + std::to_string(max_list_limit);
    if (!limit->is_int64() || limit->get_int64() < 1 || limit->get_int64() > std::int64_t{max_list_limit}) {
      return detail::bad_field("limit", requirement);
    }
    query.limit = static_cast<std::uint32_t>(limit->get_int64());
  }
  if (auto r = detail::optional_action_id(message, "after")) query.after = *r; else return r.error();
  if (auto r = detail::optional_bool(message, "count")) query.count = r->value_or(false); else return r.error();
  return query;
}

Result<CancelRequest> parse_cancel(const json::object& message) {
  CancelRequest args;
  if (auto r = detail::optional_action_ref(message, "action")) args.action = *r; else return r.error();
  if (auto r = detail::optional_string(message, "tag")) args.tag = std::move(*r); else return r.error();
  if (args.action && args.tag) return make_error(errc::bad_field, "cancel takes \"action\" or \"tag\", not both");
  if (!args.action && !args.tag) return make_error(errc::missing_field, "cancel needs \"action\" or \"tag\"");
  if (args.tag) {
    // An empty tag would mean "every untagged action": too easy to send by mistake.
    if (args.tag->empty()) return detail::bad_field("tag", "must not be empty");
    if (auto ok = validate_label("tag", *args.tag); !ok) return ok.error();
  }
  return args;
}

Result<SubscribeArgs> parse_subscribe(const json::object& message) {
  SubscribeArgs args;
  if (auto r = optional_label(message, "tag")) args.tag = std::move(*r); else return r.error();
  if (auto r = detail::optional_uint64(message, "since")) args.since = *r; else return r.error();
  return args;
}

Result<std::uint64_t> parse_unsubscribe(const json::object& message) {
  return detail::required_uint64(message, "subscription");
}

json::object make_request(std::uint64_t id, Op op) { return json::object{{"id", id}, {"op", to_string(op)}}; }

json::object make_hello(std::uint64_t id, std::string_view client_name) {
  json::object o = make_request(id, Op::hello);
  o["version"] = protocol_version;
  if (!client_name.empty()) o["client"] = detail::text(client_name);
  return o;
}

json::object make_enqueue(std::uint64_t id, const EnqueueRequest& request) {
  json::object o = make_request(id, Op::enqueue);
  o["method"] = detail::text(request.method);
  o["url"] = detail::text(request.url);
  if (!request.headers.empty()) o["headers"] = to_json(request.headers);
  if (!request.body.empty()) detail::put_body(o, "body", request.body);
  if (!request.tag.empty()) o["tag"] = detail::text(request.tag);
  if (!request.app.empty()) o["app"] = detail::text(request.app);
  detail::put_policy(o, request.policy, false);
  if (request.ttl) o["ttl_ms"] = request.ttl->count();
  o["brief"] = true;
  return o;
}

json::object make_action_request(std::uint64_t id, Op op, const ActionRef& action) {
  json::object o = make_request(id, op);
  o["action"] = action.to_string();
  return o;
}

json::object make_list(std::uint64_t id, const ListQuery& query) {
  json::object o = make_request(id, Op::list);
  if (query.tag) o["tag"] = detail::text(*query.tag);
  if (query.state) o["state"] = to_string(*query.state);
  if (query.app) o["app"] = detail::text(*query.app);
  o["limit"] = query.limit;
  if (query.after) o["after"] = query.after->to_string();
  if (query.count) o["count"] = true;
  return o;
}

json::object make_cancel(std::uint64_t id, const CancelArgs& args) {
  json::object o = make_request(id, Op::cancel);
  if (args.action) o["action"] = args.action->to_string();
  if (args.tag) o["tag"] = detail::text(*args.tag);
  return o;
}

json::object make_subscribe(std::uint64_t id, const SubscribeArgs& args) {
  json::object o = make_request(id, Op::subscribe);
  if (args.tag) o["tag"] = detail::text(*args.tag);
  if (args.since) o["since"] = *args.since;
  return o;
}

json::object make_unsubscribe(std::uint64_t id, std::uint64_t subscription) {
  json::object o = make_request(id, Op::unsubscribe);
  o["subscription"] = subscription;
  return o;
}

}  // namespace bgsync::proto
