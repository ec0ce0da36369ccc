// Typed access to JSON message fields with the protocol's error messages, and the matching writers.
// Every parser in the codec goes through these, so the wording of field errors is uniform.
#include "fields.hpp"

#include "text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <limits>

namespace bgsync::proto::detail {
namespace json = boost::json;
namespace {

std::string quoted_name(std::string_view name) { return "\"" + std::string(name) + "\""; }

std::optional<std::uint64_t> as_uint64(const json::value& value) noexcept {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<std::uint64_t>(value.get_int64());
  return std::nullopt;
}

}  // namespace

Error missing_field(std::string_view name) {
  return make_error(errc::missing_field, "missing field " + quoted_name(name));
}

Error bad_field(std::string_view name, std::string_view requirement) {
  return make_error(errc::bad_field, "field " + quoted_name(name) + " " + std::string(requirement));
}

const json::value* find_field(const json::object& object, std::string_view name) noexcept {
  const json::value* value = object.if_contains(name);
  return value == nullptr || value->is_null() ? nullptr : value;
}

Result<std::optional<std::string>> optional_string(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return bad_field(name, "must be a string");
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<std::string> required_string(const json::object& object, std::string_view name) {
  auto value = optional_string(object, name);
  if (!value) return value.error();
  if (!*value) return missing_field(name);
  return std::move(**value);
}

Result<std::optional<std::uint64_t>> optional_uint64(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return std::optional<std::uint64_t>();
  const auto number = as_uint64(*value);
  if (!number) return bad_field(name, "must be a non-negative integer");
  return number;
}

Result<std::uint64_t> required_uint64(const json::object& object, std::string_view name) {
  auto value = optional_uint64(object, name);
  if (!value) return value.error();
  if (!*value) return missing_field(name);
  return **value;
}

Result<std::uint32_t> required_uint32(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return missing_field(name);
  const auto number = as_uint64(*value);
  if (!number || *number > std::numeric_limits<std::uint32_t>::max()) {
    return bad_field(name, "must be an integer 0..4294967295");
  }
  return static_cast<std::uint32_t>(*number);
}

Result<std::optional<int>> optional_int(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return std::optional<int>();
  constexpr auto low = std::numeric_limits<int>::min();
  constexpr auto high = std::numeric_limits<int>::max();
  if (value->is_int64() && value->get_int64() >= low && value->get_int64() <= high) {
    return std::optional<int>(static_cast<int>(value->get_int64()));
  }
  return bad_field(name, "must be an integer");
}

Result<int> required_int(const json::object& object, std::string_view name) {
  auto value = optional_int(object, name);
  if (!value) return value.error();
  if (!*value) return missing_field(name);
  return **value;
}

Result<bool> required_bool(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return missing_field(name);
  if (!value->is_bool()) return bad_field(name, "must be true or false");
  return value->get_bool();
}

Result<std::optional<bool>> optional_bool(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_bool()) return bad_field(name, "must be true, false or null");
  return std::optional<bool>(value->get_bool());
}

namespace {

// A string field read by `parse` (ActionId::parse, ActionRef::parse); `requirement` says what it
// must be when parse refuses it.
template <class T>
Result<std::optional<T>> optional_parsed(const json::object& object, std::string_view name,
                                         std::optional<T> (*parse)(std::string_view), std::string_view requirement) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return std::optional<T>();
  std::optional<T> parsed;
  if (value->is_string()) parsed = parse(value->get_string());
  if (!parsed) return bad_field(name, requirement);
  return parsed;
}

template <class T>
Result<T> required(Result<std::optional<T>> value, std::string_view name) {
  if (!value) return value.error();
  if (!*value) return missing_field(name);
  return **value;
}

}  // namespace

Result<std::optional<ActionId>> optional_action_id(const json::object& object, std::string_view name) {
  return optional_parsed<ActionId>(object, name, &ActionId::parse,
                                   "must be an action id: 32 hex digits as 8-4-4-4-12, like "
                                   "\"01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f\"");
}

Result<ActionId> required_action_id(const json::object& object, std::string_view name) {
  return required(optional_action_id(object, name), name);
}

Result<std::optional<ActionRef>> optional_action_ref(const json::object& object, std::string_view name) {
  return optional_parsed<ActionRef>(object, name, &ActionRef::parse,
                                    "must be an action id (32 hex digits as 8-4-4-4-12) or a prefix of one with at "
                                    "least 8 hex digits, like \"01937a2e-5f00\"");
}

Result<ActionRef> required_action_ref(const json::object& object, std::string_view name) {
  return required(optional_action_ref(object, name), name);
}

Result<std::optional<TimePoint>> optional_time(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return std::optional<TimePoint>();
  if (value->is_string()) {
    if (auto time = parse_time(value->get_string())) return std::optional<TimePoint>(*time);
  }
  return bad_field(name, "must be an RFC 3339 time like \"2026-11-24T20:11:57.123Z\"");
}

Result<TimePoint> required_time(const json::object& object, std::string_view name) {
  auto value = optional_time(object, name);
  if (!value) return value.error();
  if (!*value) return missing_field(name);
  return **value;
}

Result<std::optional<std::chrono::milliseconds>> optional_millis(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return std::optional<std::chrono::milliseconds>();
  const auto number = as_uint64(*value);
  constexpr auto high = static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
  if (!number || *number > high) return bad_field(name, "must be a non-negative integer (milliseconds)");
  return std::optional(std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(*number)});
}

Result<std::chrono::milliseconds> required_millis(const json::object& object, std::string_view name) {
  auto value = optional_millis(object, name);
  if (!value) return value.error();
  if (!*value) return missing_field(name);
  return **value;
}

Result<Headers> optional_headers(const json::object& object, std::string_view name) {
  const json::value* value = find_field(object, name);
  if (value == nullptr) return Headers();
  constexpr std::string_view shape = "must be an array of [\"Name\", \"value\"] pairs of strings";
  if (!value->is_array()) return bad_field(name, shape);
  Headers headers;
  headers.reserve(value->get_array().size());
  std::size_t index = 0;
  for (const json::value& element : value->get_array()) {
    const json::array* pair = element.if_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) {
      return bad_field(name, std::string(shape) + " (element " + std::to_string(index) + " is not)");
    }
    headers.push_back(Header{std::string((*pair)[0].get_string()), std::string((*pair)[1].get_string())});
    ++index;
  }
  return headers;
}

Result<std::string> optional_body(const json::object& object, std::string_view name) {
  const std::string base64_name = std::string(name) + "_base64";
  auto plain = optional_string(object, name);
  if (!plain) return plain.error();
  auto encoded = optional_string(object, base64_name);
  if (!encoded) return encoded.error();
  if (*plain && *encoded) {
    return make_error(errc::bad_field, "give " + quoted_name(name) + " or " + quoted_name(base64_name) + ", not both");
  }
  if (*plain) return std::move(**plain);
  if (!*encoded) return std::string();
  auto bytes = base64_decode(**encoded);
  if (!bytes) return bad_field(base64_name, "must be base64 (RFC 4648, standard alphabet)");
  return std::move(*bytes);
}

json::string text(std::string_view value) {
  if (is_valid_utf8(value)) return json::string(value);  // the usual case, without a copy between
  return json::string(to_valid_utf8(value));
}

json::value text_or_null(std::string_view value) {
  if (value.empty()) return nullptr;
  return text(value);
}

json::value time_or_null(const std::optional<TimePoint>& time) {
  if (!time) return nullptr;
  return time_text(*time);
}

void put_body(json::object& object, std::string_view name, std::string_view bytes) {
  if (is_valid_utf8(bytes)) {
    object[name] = json::string(bytes);
  } else {
    object[std::string(name) + "_base64"] = json::string(base64_encode(bytes));
  }
}

}  // namespace bgsync::proto::detail
