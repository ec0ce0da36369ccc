// Frames and envelopes: newline-delimited JSON objects in and out, the request envelope (id, op),
// replies and pushed events. The per-op arguments live in requests.cpp, the values in json_values.cpp.
#include "bgsync/proto/codec.hpp"

#include "fields.hpp"
#include "text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace bgsync::proto {
namespace json = boost::json;

namespace {

std::string_view kind_name(json::kind kind) noexcept {
  switch (kind) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "something else";
}

Error bad_frame(std::string problem) { return make_error(errc::bad_frame, "bad frame: " + std::move(problem)); }

}  // namespace

std::string_view to_string(Op op) noexcept {
  const auto index = static_cast<std::size_t>(op);
  return index < op_table.size() ? op_table[index].name : std::string_view("unknown");
}

std::optional<Op> parse_op(std::string_view name) noexcept {
  for (const auto& row : op_table) {
    if (row.name == name) return row.op;
  }
  return std::nullopt;
}

std::string encode_frame(const json::object& message) {
  // The serializer escapes control characters inside strings, so the only '\n' is the last byte.
  std::string frame = json::serialize(message);
  frame.push_back('\n');
  return frame;
}

Result<json::object> decode_frame(std::string_view frame, json::storage_ptr storage) {
  const bool terminated = !frame.empty() && frame.back() == '\n';
  const std::size_t size = frame.size() + (terminated ? 0 : 1);
  if (size > max_frame_size) {
    return make_error(errc::frame_too_large, "frame of " + std::to_string(size) + " bytes is over the limit of " +
                                                 std::to_string(max_frame_size) + " bytes (newline included)");
  }
  if (terminated) frame.remove_suffix(1);
  if (frame.find_first_not_of(" \t\r") == std::string_view::npos) {
    return bad_frame("empty line; expected one JSON object per line");
  }
  // Boost.JSON refuses invalid UTF-8 itself (anywhere: outside strings any byte over 0x7f is a
  // syntax error), so the frame is scanned for it only to say where, once parsing failed.
  boost::system::error_code ec;
  json::value value = json::parse(frame, ec, std::move(storage));
  if (ec) {
    if (const std::size_t offset = detail::first_invalid_utf8(frame); offset != std::string_view::npos) {
      return bad_frame("not valid UTF-8 (byte " + std::to_string(offset) + ")");
    }
    return bad_frame("not valid JSON (" + ec.message() + ")");
  }
  if (!value.is_object()) {
    return bad_frame("expected a JSON object, got " + std::string(kind_name(value.kind())));
  }
  return std::move(value.get_object());
}

boost::json::value request_id(const json::object& message) {
  const json::value* id = message.if_contains("id");
  if (id == nullptr || id->is_array() || id->is_object()) return nullptr;
  return *id;
}

Result<Request> parse_request(json::object message) {
  Request request;
  request.id = request_id(message);
  const json::value* op = message.if_contains("op");
  if (op == nullptr || op->is_null()) return detail::missing_field("op");
  if (!op->is_string()) return detail::bad_field("op", "must be a string, like \"status\"");
  const auto parsed = parse_op(op->get_string());
  if (!parsed) return make_error(errc::unknown_op, "unknown op " + detail::quote(op->get_string()));
  request.op = *parsed;
  request.message = std::move(message);
  return request;
}

json::object make_ok_reply(const json::value& id, json::object result) {
  json::object reply;
  reply.reserve(result.size() + 2);
  reply["id"] = id;
  reply["ok"] = true;
  for (auto& field : result) {
    if (field.key() != "id" && field.key() != "ok") reply[field.key()] = std::move(field.value());
  }
  return reply;
}

json::object make_error_reply(const json::value& id, const Error& error) {
  const bool ours = error.code.category() == error_category();
  const std::string_view code = ours ? errc_name(static_cast<errc>(error.code.value())) : errc_name(errc::internal);
  std::string message = error.message.empty() ? error.code.message() : error.message;
  json::object reply;
  reply["id"] = id;
  reply["ok"] = false;
  reply["error"] = json::object{{"code", code}, {"message", detail::text(message)}};
  return reply;
}

json::object make_event_push(std::uint64_t subscription, const Event& event) {
  json::object push;
  push["event"] = to_json(event);
  push["subscription"] = subscription;
  return push;
}

Result<Incoming> parse_incoming(json::object message) {
  if (const json::value* event = detail::find_field(message, "event")) {
    if (!event->is_object()) return detail::bad_field("event", "must be an object");
    EventPush push;
    if (auto r = detail::required_uint64(message, "subscription")) push.subscription = *r; else return r.error();
    if (auto r = event_from_json(event->get_object())) push.event = std::move(*r); else return r.error();
    return Incoming{std::move(push)};
  }
  Reply reply{request_id(message), json::object()};
  auto ok = detail::required_bool(message, "ok");
  if (!ok) return ok.error();
  if (*ok) {
    reply.result = std::move(message);
    return Incoming{std::move(reply)};
  }
  const json::value* error = detail::find_field(message, "error");
  if (error == nullptr) return detail::missing_field("error");
  if (!error->is_object()) return detail::bad_field("error", "must be an object with \"code\" and \"message\"");
  const json::value* code = detail::find_field(error->get_object(), "code");
  const json::value* text = detail::find_field(error->get_object(), "message");
  if (code == nullptr) return detail::missing_field("error.code");
  if (!code->is_string()) return detail::bad_field("error.code", "must be a string");
  if (text == nullptr) return detail::missing_field("error.message");
  if (!text->is_string()) return detail::bad_field("error.message", "must be a string");
  // A code from a newer daemon still fails the request; the message tells the person what happened.
  const errc value = errc_from_name(code->get_string()).value_or(errc::internal);
  reply.result = make_error(value, std::string(text->get_string()));
  return Incoming{std::move(reply)};
}

}  // namespace bgsync::proto
