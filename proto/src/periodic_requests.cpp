// Periodic sync requests: validation of a registration, the daemon's parsers (which name the bad
// field) and the client's builders (which write exactly what the parsers read). PROTOCOL.md, section 13.
#include "bgsync/proto/periodic.hpp"

#include "fields.hpp"

#include <boost/json/string.hpp>

#include <cassert>

namespace bgsync::proto {
namespace json = boost::json;

namespace {

// An interval longer than this is a slip of units, not a schedule.
constexpr std::chrono::milliseconds max_periodic_interval = std::chrono::days{3650};

constexpr std::string_view network_choices = "any, unmetered";
constexpr std::string_view power_choices = "any, not_on_battery, not_low_battery";

// The tag that names a registration: present, non-empty, a valid label.
Result<void> validate_registration_tag(std::string_view tag) {
  if (tag.empty()) return detail::bad_field("tag", "must not be empty: it names the registration");
  return validate_label("tag", tag);
}

Result<std::string> required_tag(const json::object& message) {
  auto tag = detail::required_string(message, "tag");
  if (!tag) return tag.error();
  if (auto ok = validate_registration_tag(*tag); !ok) return ok.error();
  return std::move(*tag);
}

// The app a registration belongs to: absent or null is the default app "".
Result<std::string> app_or_default(const json::object& message) {
  auto app = detail::optional_string(message, "app");
  if (!app) return app.error();
  if (auto ok = validate_label("app", app->value_or("")); !ok) return ok.error();
  return app->value_or("");
}

// An integer of milliseconds 1..max_periodic_interval; 1.0, "60000", 0 and -5 are refused alike.
Result<std::chrono::milliseconds> required_interval(const json::object& message) {
  const json::value* value = detail::find_field(message, "min_interval_ms");
  if (value == nullptr) return detail::missing_field("min_interval_ms");
  if (value->is_int64() && value->get_int64() > 0 && value->get_int64() <= max_periodic_interval.count()) {
    return std::chrono::milliseconds{value->get_int64()};
  }
  return detail::bad_field("min_interval_ms", "must be an integer number of milliseconds 1.." +
                                                  std::to_string(max_periodic_interval.count()) + " (10 years)");
}

}  // namespace

Result<void> validate_name_size(const std::string& app, const std::string& tag) {
  if (app.size() + tag.size() <= max_periodic_name_size) return {};
  return detail::bad_field("tag", "and app must be at most " + std::to_string(max_periodic_name_size) +
                                      " bytes together, not " + std::to_string(app.size() + tag.size()));
}

Result<void> validate_periodic_register(const PeriodicRegisterRequest& request) {
  if (auto r = validate_registration_tag(request.tag); !r) return r;
  if (auto r = validate_label("app", request.app); !r) return r;
  if (auto r = validate_name_size(request.app, request.tag); !r) return r;
  if (request.min_interval <= std::chrono::milliseconds::zero() || request.min_interval > max_periodic_interval) {
    return detail::bad_field("min_interval_ms", "must be 1.." + std::to_string(max_periodic_interval.count()) +
                                                    " milliseconds (10 years), not " +
                                                    std::to_string(request.min_interval.count()));
  }
  if (auto r = validate_method(request.method); !r) return r;
  if (auto r = validate_url(request.url); !r) return r;
  return detail::validate_headers(request.headers);
}

Result<PeriodicRegisterRequest> parse_periodic_register(const json::object& message) {
  PeriodicRegisterRequest request;
  if (auto r = required_tag(message)) request.tag = std::move(*r); else return r.error();
  if (auto r = app_or_default(message)) request.app = std::move(*r); else return r.error();
  if (auto r = required_interval(message)) request.min_interval = *r; else return r.error();
  if (auto r = detail::required_string(message, "url")) request.url = std::move(*r); else return r.error();
  if (auto r = detail::optional_string(message, "method")) request.method = r->value_or("GET"); else return r.error();
  if (auto r = detail::optional_headers(message, "headers")) request.headers = std::move(*r); else return r.error();
  if (auto r = detail::optional_body(message, "body")) request.body = std::move(*r); else return r.error();
  if (auto r = detail::optional_enum<NetworkConstraint>(message, "network", parse_network_constraint,
                                                        network_choices)) {
    request.network = r->value_or(NetworkConstraint::any);
  } else {
    return r.error();
  }
  if (auto r = detail::optional_enum<PowerConstraint>(message, "power", parse_power_constraint, power_choices)) {
    request.power = r->value_or(PowerConstraint::any);
  } else {
    return r.error();
  }
  if (auto ok = validate_periodic_register(request); !ok) return ok.error();
  return request;
}

Result<PeriodicListQuery> parse_periodic_list(const json::object& message) {
  PeriodicListQuery query;
  auto app = detail::optional_string(message, "app");
  if (!app) return app.error();
  if (*app) {
    if (auto ok = validate_label("app", **app); !ok) return ok.error();
  }
  query.app = std::move(*app);
  return query;
}

Result<PeriodicRef> parse_periodic_ref(const json::object& message) {
  PeriodicRef ref;
  if (auto r = required_tag(message)) ref.tag = std::move(*r); else return r.error();
  if (auto r = app_or_default(message)) ref.app = std::move(*r); else return r.error();
  if (auto r = validate_name_size(ref.app, ref.tag); !r) return r.error();
  return ref;
}

json::object make_periodic_register(std::uint64_t id, const PeriodicRegisterRequest& request) {
  json::object o = make_request(id, Op::periodic_register);
  o["tag"] = detail::text(request.tag);
  if (!request.app.empty()) o["app"] = detail::text(request.app);
  o["min_interval_ms"] = request.min_interval.count();
  o["method"] = detail::text(request.method);
  o["url"] = detail::text(request.url);
  if (!request.headers.empty()) o["headers"] = to_json(request.headers);
  if (!request.body.empty()) detail::put_body(o, "body", request.body);
  o["network"] = to_string(request.network);
  o["power"] = to_string(request.power);
  return o;
}

json::object make_periodic_list(std::uint64_t id, const PeriodicListQuery& query) {
  json::object o = make_request(id, Op::periodic_list);
  if (query.app) o["app"] = detail::text(*query.app);
  return o;
}

json::object make_periodic_ref(std::uint64_t id, Op op, const PeriodicRef& ref) {
  assert(op == Op::periodic_unregister || op == Op::periodic_run || op == Op::cache_get);
  json::object o = make_request(id, op);
  o["tag"] = detail::text(ref.tag);
  if (!ref.app.empty()) o["app"] = detail::text(ref.app);
  return o;
}

}  // namespace bgsync::proto
