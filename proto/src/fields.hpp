// Typed access to the fields of a JSON message (internal), with the protocol's error messages:
// missing_field `missing field "url"`, bad_field `field "limit" must be an integer 1..1000`.
// A field that is null counts as absent everywhere: clients may send either for "not given".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "bgsync/proto/codec.hpp"

namespace bgsync::proto::detail {

Error missing_field(std::string_view name);
Error bad_field(std::string_view name, std::string_view requirement);  // "field \"name\" " + requirement

// The field's value, or nullptr when it is absent or null.
const boost::json::value* find_field(const boost::json::object& object, std::string_view name) noexcept;

Result<std::optional<std::string>> optional_string(const boost::json::object& object, std::string_view name);
Result<std::string> required_string(const boost::json::object& object, std::string_view name);
Result<std::optional<std::uint64_t>> optional_uint64(const boost::json::object& object, std::string_view name);
Result<std::uint64_t> required_uint64(const boost::json::object& object, std::string_view name);
Result<std::uint32_t> required_uint32(const boost::json::object& object, std::string_view name);
Result<std::optional<int>> optional_int(const boost::json::object& object, std::string_view name);
Result<int> required_int(const boost::json::object& object, std::string_view name);
Result<bool> required_bool(const boost::json::object& object, std::string_view name);
Result<std::optional<bool>> optional_bool(const boost::json::object& object, std::string_view name);
Result<std::optional<ActionId>> optional_action_id(const boost::json::object& object, std::string_view name);
Result<ActionId> required_action_id(const boost::json::object& object, std::string_view name);
// A whole id or a prefix of one (ActionRef::parse).
Result<std::optional<ActionRef>> optional_action_ref(const boost::json::object& object, std::string_view name);
Result<ActionRef> required_action_ref(const boost::json::object& object, std::string_view name);
Result<std::optional<TimePoint>> optional_time(const boost::json::object& object, std::string_view name);
Result<TimePoint> required_time(const boost::json::object& object, std::string_view name);
// A non-negative integer number of milliseconds that fits a std::chrono::milliseconds.
Result<std::optional<std::chrono::milliseconds>> optional_millis(const boost::json::object& object,
                                                                 std::string_view name);
Result<std::chrono::milliseconds> required_millis(const boost::json::object& object, std::string_view name);

// One of an enum's wire names; `choices` lists them for the error ("any, unmetered").
template <class T>
using EnumParser = std::optional<T> (*)(std::string_view) noexcept;

template <class T>
Result<std::optional<T>> optional_enum(const boost::json::object& object, std::string_view name, EnumParser<T> parse,
                                       std::string_view choices) {
  auto text = optional_string(object, name);
  if (!text) return text.error();
  if (!*text) return std::optional<T>();
  if (auto value = parse(**text)) return value;
  return bad_field(name, "must be one of " + std::string(choices));
}

template <class T>
Result<T> required_enum(const boost::json::object& object, std::string_view name, EnumParser<T> parse,
                        std::string_view choices) {
  auto value = optional_enum<T>(object, name, parse, choices);
  if (!value) return value.error();
  if (!*value) return missing_field(name);
  return **value;
}

// [["Name","value"],...]; absent or null is no headers.
Result<Headers> optional_headers(const boost::json::object& object, std::string_view name);
// `name` (UTF-8 text) or `name`_base64; at most one of them; neither is an empty body.
Result<std::string> optional_body(const boost::json::object& object, std::string_view name);

// Writers for the same shapes. Every string goes through to_valid_utf8 so a frame is always UTF-8.
boost::json::string text(std::string_view value);
boost::json::value text_or_null(std::string_view value);  // null when empty
boost::json::value time_or_null(const std::optional<TimePoint>& time);
boost::json::string time_text(TimePoint time);  // format_time's text, with no std::string between
// format_time's text into `out`, NUL-terminated; returns its length (24 for years 0 to 9999).
std::size_t format_time(TimePoint time, char (&out)[32]) noexcept;
void put_body(boost::json::object& object, std::string_view name, std::string_view bytes);

// An action's policy fields (policy_values.cpp): all of them (null when unset) for an action
// object, only those set for a request.
void put_policy(boost::json::object& object, const ActionPolicy& policy, bool every_field);
Result<ActionPolicy> policy_from_json(const boost::json::object& object);  // checks types, not bounds

// ---- checks shared by validate.cpp and periodic_requests.cpp (defined in validate.cpp) ----------
// At most max_header_count headers of at most max_headers_size bytes in all, each as validate_header.
Result<void> validate_headers(const Headers& headers);

}  // namespace bgsync::proto::detail
