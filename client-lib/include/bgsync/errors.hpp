// libbgsync's error vocabulary: client-side failures (daemon not running, connection lost, timeout...)
// as client_errc, daemon-side failures as proto::errc, both carried in one Error with a human message.
#pragma once

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/errc.hpp"
#include "bgsync/proto/periodic.hpp"
#include "bgsync/proto/types.hpp"

#include <system_error>

namespace bgsync {

// What went wrong on the client's side of the socket. A daemon's error reply is not one of these:
// it arrives as Error{proto::errc code, the daemon's message}.
enum class client_errc {
  not_running = 1,      // no socket at the path, or nothing listens on it (ECONNREFUSED)
  permission_denied,    // EACCES on the socket, or the daemon serves another user and would refuse us
  connection_lost,      // the daemon closed the connection, or it broke
  protocol_error,       // the daemon sent something that is not a valid reply
  timeout,              // no reply within ConnectOptions::timeout
  unsupported_version,  // the daemon does not speak our protocol version
};

// The category is named "bgsync.client".
const std::error_category& client_category() noexcept;
std::error_code make_error_code(client_errc e) noexcept;

// True for the errors that mean "bgsyncd cannot be reached" (not_running, permission_denied,
// connection_lost, timeout): worth a retry later, or a hint to start the daemon.
bool is_unreachable(const std::error_code& code) noexcept;

// The protocol's types, so that an app includes only <bgsync/...> headers.
using Error = proto::Error;
template <class T>
using Result = proto::Result<T>;

using proto::errc;  // the daemon's error codes (bad_url, not_found...)

using proto::Action;
using proto::ActionId;
using proto::ActionRef;
using proto::ActionState;
using proto::CancelArgs;
using proto::ConfigInfo;
using proto::ConfigSetting;
using proto::EnqueueRequest;
using proto::Event;
using proto::EventType;
using proto::Header;
using proto::Headers;
using proto::ListPage;
using proto::ListQuery;
using proto::ReloadResult;
using proto::StateCounts;
using proto::Status;
using proto::SubscribeArgs;
using proto::SubscribeResult;
using proto::TimePoint;

// Periodic sync (proto/periodic.hpp).
using proto::CachedResponse;
using proto::ConstraintState;
using proto::NetworkConstraint;
using proto::PeriodicList;
using proto::PeriodicListQuery;
using proto::PeriodicOutcome;
using proto::PeriodicRef;
using proto::PeriodicRegisterRequest;
using proto::PeriodicRegisterResult;
using proto::PeriodicRegistration;
using proto::PowerConstraint;

using proto::format_time;
using proto::is_terminal;
using proto::parse_action_state;
using proto::parse_event_type;
using proto::parse_network_constraint;
using proto::parse_periodic_outcome;
using proto::parse_power_constraint;
using proto::to_json;
using proto::to_string;

}  // namespace bgsync

template <>
struct std::is_error_code_enum<bgsync::client_errc> : std::true_type {};
