// Periodic sync on the wire: registrations that fetch a URL at a minimum interval under
// constraints, and the cached response of their latest successful run (PROTOCOL.md, "Periodic sync").
// The browser's periodicSync.register/getTags/unregister, generalised to every local app.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"

namespace bgsync::proto {

// Values index the wire names: append only.
enum class NetworkConstraint : std::uint8_t { any, unmetered };
enum class PowerConstraint : std::uint8_t { any, not_on_battery, not_low_battery };
std::string_view to_string(NetworkConstraint c) noexcept;
std::string_view to_string(PowerConstraint c) noexcept;
std::optional<NetworkConstraint> parse_network_constraint(std::string_view text) noexcept;
std::optional<PowerConstraint> parse_power_constraint(std::string_view text) noexcept;

// Which registration: (app, tag). app "" is the default app, as for enqueue.
struct PeriodicRef {
  std::string app;
  std::string tag;  // non-empty
};

// periodic_register: what an app asks for. Registering an existing (app, tag) replaces it.
struct PeriodicRegisterRequest {
  std::string app;
  std::string tag;                            // non-empty
  std::chrono::milliseconds min_interval{0};  // > 0; the daemon raises it to its floor
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  NetworkConstraint network = NetworkConstraint::any;
  PowerConstraint power = PowerConstraint::any;
};

// Whether one constraint holds on this machine now, and why; an unknown state (no
// NetworkManager, no battery information) holds, and the reason says so.
struct ConstraintState {
  bool satisfied = true;
  std::string reason;  // "not metered (NetworkManager)", "on battery (UPower)", "unknown ...: treated as satisfied"
};

struct PeriodicRegistration {
  std::string app;
  std::string tag;
  std::chrono::milliseconds min_interval{0};  // in effect (at least the daemon's floor)
  std::string method;
  std::string url;
  Headers headers;
  std::string body;
  NetworkConstraint network = NetworkConstraint::any;
  PowerConstraint power = PowerConstraint::any;
  TimePoint created{};
  TimePoint updated{};                        // the latest (re-)registration
  std::optional<TimePoint> last_run;          // when the latest attempt finished
  std::optional<PeriodicOutcome> last_outcome;
  std::optional<int> last_status;             // of the latest attempt, when it got a response
  std::string last_error;                     // of the latest attempt when it failed
  std::uint32_t consecutive_failures = 0;     // failed attempts since the last success
  TimePoint next_earliest{};                  // not before then (a retry within the period, or the next period)
  std::string etag;                           // validators of the cached body ("" when none)
  std::string last_modified;
  std::optional<TimePoint> cached;            // when the cached body was fetched; unset: nothing cached
  // Filled in by the daemon as of the reply:
  bool running = false;                       // a run is on the wire now
  ConstraintState network_state;              // the `network` constraint on this machine now
  ConstraintState power_state;                // the `power` constraint on this machine now
  std::string waiting;                        // why a due registration does not run ("" when it would);
                                              // e.g. "sending is paused", "on battery (UPower)",
                                              // "destination unreachable: no default route"
};

struct PeriodicRegisterResult {
  PeriodicRegistration registration;
  bool replaced = false;                            // an existing registration of (app, tag) was replaced
  std::chrono::milliseconds requested_interval{0};  // as asked; registration.min_interval is what applies
};

// periodic_list: every registration, or one app's, in (app, tag) order.
struct PeriodicListQuery {
  std::optional<std::string> app;
};
struct PeriodicList {
  std::vector<PeriodicRegistration> registrations;
};

// cache_get: the latest successful response of a registration (a 304 keeps it and sets validated).
struct CachedResponse {
  std::string app;
  std::string tag;
  int status = 0;
  Headers headers;
  std::string body;                     // all of it (at most 4 MiB is cached)
  TimePoint fetched{};                  // when this body arrived
  std::optional<TimePoint> validated;   // the latest 304 that confirmed it, if any after `fetched`
};

// app and tag together name a registration in one storage key: at most this many bytes in all
// (each alone is also at most max_tag_size).
inline constexpr std::size_t max_periodic_name_size = 500;

// ---- validation (shared so syncctl can say no before connecting) -------------------------------
// URL, method, headers and labels as for enqueue; tag non-empty; app + tag at most
// max_periodic_name_size bytes; min_interval > 0.
Result<void> validate_periodic_register(const PeriodicRegisterRequest& request);

// ---- requests ----------------------------------------------------------------------------------
// Daemon side; each validates fully and names the bad field. Wire fields in PROTOCOL.md.
Result<PeriodicRegisterRequest> parse_periodic_register(const boost::json::object& message);
Result<PeriodicListQuery> parse_periodic_list(const boost::json::object& message);
Result<PeriodicRef> parse_periodic_ref(const boost::json::object& message);  // unregister, run, cache_get

// Client side.
boost::json::object make_periodic_register(std::uint64_t id, const PeriodicRegisterRequest& request);
boost::json::object make_periodic_list(std::uint64_t id, const PeriodicListQuery& query);
boost::json::object make_periodic_ref(std::uint64_t id, Op op, const PeriodicRef& ref);

// ---- values ------------------------------------------------------------------------------------
boost::json::object to_json(const PeriodicRegistration& registration);
boost::json::object to_json(const PeriodicRegisterResult& result);  // {"registration":{..},"replaced":..,"requested_interval_ms":..}
boost::json::object to_json(const PeriodicList& list);              // {"registrations":[..]}
boost::json::object to_json(const CachedResponse& response);

Result<PeriodicRegistration> periodic_registration_from_json(const boost::json::object& object);
Result<PeriodicRegisterResult> periodic_register_result_from_json(const boost::json::object& object);
Result<PeriodicList> periodic_list_from_json(const boost::json::object& object);
Result<CachedResponse> cached_response_from_json(const boost::json::object& object);

}  // namespace bgsync::proto
