// Decoding the daemon's replies into libbgsync's results; anything unexpected is a protocol_error
// that names the operation, so a version skew between daemon and library is easy to spot.

#include "client-lib/src/replies.hpp"

#include "client-lib/src/transport.hpp"

#include <string>

namespace bgsync::detail {
namespace json = boost::json;

Error malformed(std::string_view op, const Error& cause) {
  return client_error(client_errc::protocol_error,
                      "bgsyncd sent a malformed reply to " + std::string(op) + ": " + cause.message);
}

std::optional<std::uint64_t> reply_id(const json::value& id) {
  if (id.is_uint64()) return id.get_uint64();
  if (id.is_int64() && id.get_int64() >= 0) return static_cast<std::uint64_t>(id.get_int64());
  return std::nullopt;
}

namespace {

Error missing(proto::Op op, std::string_view field, std::string_view what) {
  std::string text = "\"" + std::string(field) + "\" is missing or not " + std::string(what);
  return malformed(proto::to_string(op), Error{make_error_code(client_errc::protocol_error), std::move(text)});
}

// The reply's object `field`, read by `from_json`.
template <class T>
Result<T> object_field(const json::object& reply, std::string_view field, proto::Op op,
                       Result<T> (*from_json)(const json::object&)) {
  const auto* object = reply.if_contains(field);
  if (object == nullptr || !object->is_object()) return missing(op, field, "an object");
  return parsed(op, from_json(object->get_object()));
}

}  // namespace

Result<Action> action_field(const json::object& reply, proto::Op op) {
  return object_field(reply, "action", op, proto::action_from_json);
}

Result<std::vector<Action>> cancelled_field(const json::object& reply, proto::Op op) {
  const auto* array = reply.if_contains("cancelled");
  if (array == nullptr || !array->is_array()) return missing(op, "cancelled", "an array");
  std::vector<Action> actions;
  actions.reserve(array->get_array().size());
  for (const auto& item : array->get_array()) {
    if (!item.is_object()) return missing(op, "cancelled", "an array of objects");
    auto action = proto::action_from_json(item.get_object());
    if (!action) return malformed(proto::to_string(op), action.error());
    actions.push_back(std::move(*action));
  }
  return actions;
}

Result<bool> paused_field(const json::object& reply, proto::Op op) {
  const auto* paused = reply.if_contains("paused");
  if (paused == nullptr || !paused->is_bool()) return missing(op, "paused", "a boolean");
  return paused->get_bool();
}

Result<PeriodicRegistration> registration_field(const json::object& reply, proto::Op op) {
  return object_field(reply, "registration", op, proto::periodic_registration_from_json);
}

Result<Action> decode_enqueued(const json::object& reply, const EnqueueRequest& request) {
  // A bgsyncd that ignores "brief" sends the whole action, and its queued event's seq beside it.
  if (reply.contains("action")) {
    auto action = action_field(reply, proto::Op::enqueue);
    if (!action) return action;
    if (const auto* seq = reply.if_contains("seq"); seq != nullptr && !seq->is_null()) {
      const auto number = reply_id(*seq);  // the same rule: a non-negative integer
      if (!number) return missing(proto::Op::enqueue, "seq", "an integer");
      action->queued_seq = *number;
    }
    return action;
  }
  auto enqueued = proto::enqueued_from_json(reply);  // not through parsed(): a move less per enqueue
  if (!enqueued) return malformed(proto::to_string(proto::Op::enqueue), enqueued.error());
  return proto::enqueued_action(request, *enqueued);
}

Result<proto::HelloResult> decode_hello(const json::object& reply) {
  auto hello = parsed(proto::Op::hello, proto::hello_result_from_json(reply));
  if (!hello) return hello;
  if (hello->version != proto::protocol_version) {
    return client_error(client_errc::unsupported_version,
                        "bgsyncd speaks protocol version " + std::to_string(hello->version) + ", this libbgsync speaks " +
                            std::to_string(proto::protocol_version) + " (update one of them)");
  }
  return hello;
}

Error hello_error(const Error& error) {
  if (error.code == proto::errc::unsupported_version) {
    return client_error(client_errc::unsupported_version, error.message);
  }
  return error;
}

}  // namespace bgsync::detail
