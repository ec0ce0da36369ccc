// JSON forms of the periodic sync values (registration, register result, list, cached response)
// and the wire names of the constraints. PROTOCOL.md, section 13, lists the fields.
#include "bgsync/proto/periodic.hpp"

#include "fields.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <array>
#include <cstddef>

namespace bgsync::proto {
namespace json = boost::json;
using detail::text;

namespace {

// Indexed by the enums; wire names, never renamed.
constexpr std::array<std::string_view, 2> network_names{"any", "unmetered"};
constexpr std::array<std::string_view, 3> power_names{"any", "not_on_battery", "not_low_battery"};

constexpr std::string_view network_choices = "any, unmetered";
constexpr std::string_view power_choices = "any, not_on_battery, not_low_battery";
constexpr std::string_view outcome_choices = "updated, not_modified, failed";

template <class T, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, T value) noexcept {
  const auto index = static_cast<std::size_t>(value);
  return index < names.size() ? names[index] : std::string_view("unknown");
}

template <class T, std::size_t N>
std::optional<T> value_of(const std::array<std::string_view, N>& names, std::string_view text) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return static_cast<T>(i);
  }
  return std::nullopt;
}

json::value int_or_null(const std::optional<int>& value) { return value ? json::value(*value) : json::value(nullptr); }

json::object to_json(const ConstraintState& state) {
  return json::object{{"satisfied", state.satisfied}, {"reason", text(state.reason)}};
}

Result<ConstraintState> constraint_state_from_json(const json::object& o, std::string_view name) {
  const json::value* value = detail::find_field(o, name);
  if (value == nullptr) return detail::missing_field(name);
  if (!value->is_object()) return detail::bad_field(name, "must be an object with \"satisfied\" and \"reason\"");
  ConstraintState state;
  const std::string prefix = std::string(name) + ".";
  auto satisfied = detail::required_bool(value->get_object(), "satisfied");
  if (!satisfied) return detail::bad_field(prefix + "satisfied", "must be true or false");
  state.satisfied = *satisfied;
  auto reason = detail::optional_string(value->get_object(), "reason");
  if (!reason) return detail::bad_field(prefix + "reason", "must be a string");
  state.reason = reason->value_or("");
  return state;
}

}  // namespace

std::string_view to_string(NetworkConstraint c) noexcept { return name_of(network_names, c); }
std::string_view to_string(PowerConstraint c) noexcept { return name_of(power_names, c); }

std::optional<NetworkConstraint> parse_network_constraint(std::string_view text) noexcept {
  return value_of<NetworkConstraint>(network_names, text);
}

std::optional<PowerConstraint> parse_power_constraint(std::string_view text) noexcept {
  return value_of<PowerConstraint>(power_names, text);
}

json::object to_json(const PeriodicRegistration& r) {
  json::object o;
  o["app"] = text(r.app);
  o["tag"] = text(r.tag);
  o["min_interval_ms"] = r.min_interval.count();
  o["method"] = text(r.method);
  o["url"] = text(r.url);
  o["headers"] = to_json(r.headers);
  detail::put_body(o, "body", r.body);
  o["network"] = to_string(r.network);
  o["power"] = to_string(r.power);
  o["created"] = detail::time_text(r.created);
  o["updated"] = detail::time_text(r.updated);
  o["last_run"] = detail::time_or_null(r.last_run);
  o["last_outcome"] = r.last_outcome ? json::value(to_string(*r.last_outcome)) : json::value(nullptr);
  o["last_status"] = int_or_null(r.last_status);
  o["last_error"] = detail::text_or_null(r.last_error);
  o["consecutive_failures"] = r.consecutive_failures;
  o["next_earliest"] = detail::time_text(r.next_earliest);
  o["etag"] = detail::text_or_null(r.etag);
  o["last_modified"] = detail::text_or_null(r.last_modified);
  o["cached"] = detail::time_or_null(r.cached);
  o["running"] = r.running;
  o["network_state"] = to_json(r.network_state);
  o["power_state"] = to_json(r.power_state);
  o["waiting"] = detail::text_or_null(r.waiting);
  return o;
}

Result<PeriodicRegistration> periodic_registration_from_json(const json::object& o) {
  PeriodicRegistration r;
  if (auto v = detail::optional_string(o, "app")) r.app = v->value_or(""); else return v.error();
  if (auto v = detail::required_string(o, "tag")) r.tag = std::move(*v); else return v.error();
  if (auto v = detail::required_millis(o, "min_interval_ms")) r.min_interval = *v; else return v.error();
  if (auto v = detail::required_string(o, "method")) r.method = std::move(*v); else return v.error();
  if (auto v = detail::required_string(o, "url")) r.url = std::move(*v); else return v.error();
  if (auto v = detail::optional_headers(o, "headers")) r.headers = std::move(*v); else return v.error();
  if (auto v = detail::optional_body(o, "body")) r.body = std::move(*v); else return v.error();
  if (auto v = detail::required_enum<NetworkConstraint>(o, "network", parse_network_constraint, network_choices)) {
    r.network = *v;
  } else {
    return v.error();
  }
  if (auto v = detail::required_enum<PowerConstraint>(o, "power", parse_power_constraint, power_choices)) {
    r.power = *v;
  } else {
    return v.error();
  }
  if (auto v = detail::required_time(o, "created")) r.created = *v; else return v.error();
  if (auto v = detail::required_time(o, "updated")) r.updated = *v; else return v.error();
  if (auto v = detail::optional_time(o, "last_run")) r.last_run = *v; else return v.error();
  if (auto v = detail::optional_enum<PeriodicOutcome>(o, "last_outcome", parse_periodic_outcome, outcome_choices)) {
    r.last_outcome = *v;
  } else {
    return v.error();
  }
  if (auto v = detail::optional_int(o, "last_status")) r.last_status = *v; else return v.error();
  if (auto v = detail::optional_string(o, "last_error")) r.last_error = v->value_or(""); else return v.error();
  if (auto v = detail::required_uint32(o, "consecutive_failures")) r.consecutive_failures = *v; else return v.error();
  if (auto v = detail::required_time(o, "next_earliest")) r.next_earliest = *v; else return v.error();
  if (auto v = detail::optional_string(o, "etag")) r.etag = v->value_or(""); else return v.error();
  if (auto v = detail::optional_string(o, "last_modified")) r.last_modified = v->value_or(""); else return v.error();
  if (auto v = detail::optional_time(o, "cached")) r.cached = *v; else return v.error();
  if (auto v = detail::optional_bool(o, "running")) r.running = v->value_or(false); else return v.error();
  if (auto v = constraint_state_from_json(o, "network_state")) r.network_state = std::move(*v); else return v.error();
  if (auto v = constraint_state_from_json(o, "power_state")) r.power_state = std::move(*v); else return v.error();
  if (auto v = detail::optional_string(o, "waiting")) r.waiting = v->value_or(""); else return v.error();
  return r;
}

json::object to_json(const PeriodicRegisterResult& result) {
  json::object o;
  o["registration"] = to_json(result.registration);
  o["replaced"] = result.replaced;
  o["requested_interval_ms"] = result.requested_interval.count();
  return o;
}

Result<PeriodicRegisterResult> periodic_register_result_from_json(const json::object& o) {
  PeriodicRegisterResult result;
  const json::value* registration = detail::find_field(o, "registration");
  if (registration == nullptr) return detail::missing_field("registration");
  if (!registration->is_object()) return detail::bad_field("registration", "must be a registration object");
  if (auto v = periodic_registration_from_json(registration->get_object())) {
    result.registration = std::move(*v);
  } else {
    return v.error();
  }
  if (auto v = detail::required_bool(o, "replaced")) result.replaced = *v; else return v.error();
  if (auto v = detail::required_millis(o, "requested_interval_ms")) {
    result.requested_interval = *v;
  } else {
    return v.error();
  }
  return result;
}

json::object to_json(const PeriodicList& list) {
  json::array registrations;
  registrations.reserve(list.registrations.size());
  for (const PeriodicRegistration& registration : list.registrations) registrations.push_back(to_json(registration));
  return json::object{{"registrations", std::move(registrations)}};
}

Result<PeriodicList> periodic_list_from_json(const json::object& o) {
  const json::value* registrations = detail::find_field(o, "registrations");
  if (registrations == nullptr) return detail::missing_field("registrations");
  constexpr std::string_view shape = "must be an array of registration objects";
  if (!registrations->is_array()) return detail::bad_field("registrations", shape);
  PeriodicList list;
  list.registrations.reserve(registrations->get_array().size());
  for (const json::value& element : registrations->get_array()) {
    if (!element.is_object()) return detail::bad_field("registrations", shape);
    auto registration = periodic_registration_from_json(element.get_object());
    if (!registration) return registration.error();
    list.registrations.push_back(std::move(*registration));
  }
  return list;
}

json::object to_json(const CachedResponse& response) {
  json::object o;
  o["app"] = text(response.app);
  o["tag"] = text(response.tag);
  o["status"] = response.status;
  o["headers"] = to_json(response.headers);
  detail::put_body(o, "body", response.body);
  o["fetched"] = detail::time_text(response.fetched);
  o["validated"] = detail::time_or_null(response.validated);
  return o;
}

Result<CachedResponse> cached_response_from_json(const json::object& o) {
  CachedResponse c;
  if (auto v = detail::optional_string(o, "app")) c.app = v->value_or(""); else return v.error();
  if (auto v = detail::required_string(o, "tag")) c.tag = std::move(*v); else return v.error();
  if (auto v = detail::required_int(o, "status")) c.status = *v; else return v.error();
  if (auto v = detail::optional_headers(o, "headers")) c.headers = std::move(*v); else return v.error();
  if (auto v = detail::optional_body(o, "body")) c.body = std::move(*v); else return v.error();
  if (auto v = detail::required_time(o, "fetched")) c.fetched = *v; else return v.error();
  if (auto v = detail::optional_time(o, "validated")) c.validated = *v; else return v.error();
  return c;
}

}  // namespace bgsync::proto
