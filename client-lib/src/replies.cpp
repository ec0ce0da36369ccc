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

Error missing(std::string_view op, std::string_view field, std::string_view what) {
  return malformed(op, Error{make_error_code(client_errc::protocol_error),
                             "\"" + std::string(field) + "\" is missing or not " + std::string(what)});
}

Result<std::vector<Action>> decode_action_array(const json::object& reply, std::string_view field,
                                                std::string_view op) {
  const auto* array = reply.if_contains(field);
  if (array == nullptr || !array->is_array()) return missing(op, field, "an array");
  std::vector<Action> actions;
  actions.reserve(array->get_array().size());
  for (const auto& item : array->get_array()) {
    if (!item.is_object()) return missing(op, field, "an array of objects");
    auto action = proto::action_from_json(item.get_object());
    if (!action) return malformed(op, action.error());
    actions.push_back(std::move(*action));
  }
  return actions;
}

}  // namespace

Result<proto::HelloResult> decode_hello(const json::object& reply) {
  auto hello = proto::hello_result_from_json(reply);
  if (!hello) return malformed("hello", hello.error());
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

Result<Action> decode_action(const json::object& reply, std::string_view op) {
  const auto* object = reply.if_contains("action");
  if (object == nullptr || !object->is_object()) return missing(op, "action", "an object");
  auto action = proto::action_from_json(object->get_object());
  if (!action) return malformed(op, action.error());
  return action;
}

Result<Action> decode_enqueued(const json::object& reply, const EnqueueRequest& request) {
  if (reply.contains("action")) return decode_action(reply, "enqueue");  // a bgsyncd that ignores "brief"
  auto enqueued = proto::enqueued_from_json(reply);
  if (!enqueued) return malformed("enqueue", enqueued.error());
  return proto::enqueued_action(request, *enqueued);
}

Result<ListPage> decode_list(const json::object& reply) {
  auto page = proto::list_page_from_json(reply);
  if (!page) return malformed("list", page.error());
  return page;
}

Result<std::vector<Action>> decode_cancelled(const json::object& reply) {
  return decode_action_array(reply, "cancelled", "cancel");
}

Result<Status> decode_status(const json::object& reply) {
  auto status = proto::status_from_json(reply);
  if (!status) return malformed("status", status.error());
  return status;
}

Result<bool> decode_paused(const json::object& reply, std::string_view op) {
  const auto* paused = reply.if_contains("paused");
  if (paused == nullptr || !paused->is_bool()) return missing(op, "paused", "a boolean");
  return paused->get_bool();
}

Result<SubscribeResult> decode_subscribe(const json::object& reply) {
  auto result = proto::subscribe_result_from_json(reply);
  if (!result) return malformed("subscribe", result.error());
  return result;
}

Result<ConfigInfo> decode_config(const json::object& reply) {
  auto info = proto::config_info_from_json(reply);
  if (!info) return malformed("config", info.error());
  return info;
}

Result<ReloadResult> decode_reload(const json::object& reply) {
  auto result = proto::reload_result_from_json(reply);
  if (!result) return malformed("reload", result.error());
  return result;
}

Result<PeriodicRegisterResult> decode_periodic_register(const json::object& reply) {
  auto result = proto::periodic_register_result_from_json(reply);
  if (!result) return malformed("periodic_register", result.error());
  return result;
}

Result<PeriodicList> decode_periodic_list(const json::object& reply) {
  auto list = proto::periodic_list_from_json(reply);
  if (!list) return malformed("periodic_list", list.error());
  return list;
}

Result<PeriodicRegistration> decode_registration(const json::object& reply, std::string_view op) {
  const auto* object = reply.if_contains("registration");
  if (object == nullptr || !object->is_object()) return missing(op, "registration", "an object");
  auto registration = proto::periodic_registration_from_json(object->get_object());
  if (!registration) return malformed(op, registration.error());
  return registration;
}

Result<CachedResponse> decode_cached(const json::object& reply) {
  auto cached = proto::cached_response_from_json(reply);
  if (!cached) return malformed("cache_get", cached.error());
  return cached;
}

Result<void> decode_empty(const Result<json::object>& reply) {
  if (!reply) return reply.error();
  return {};
}

}  // namespace bgsync::detail
