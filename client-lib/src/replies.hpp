// Turning the daemon's frames into results, shared by Client and AsyncClient: matching a frame to the
// request it answers, and the field readers that the op descriptors (ops.hpp) decode replies with.
#pragma once

#include "bgsync/errors.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace bgsync::detail {

// A malformed frame or field from the daemon, as client_errc::protocol_error naming the operation.
Error malformed(std::string_view op, const Error& cause);

// The request id a reply echoes, when it is one of ours (a non-negative integer).
std::optional<std::uint64_t> reply_id(const boost::json::value& id);

// Readers of an ok reply's result fields, for the op descriptors (ops.hpp). Each returns a
// client_errc::protocol_error naming `op` for a field that is missing or malformed.

// The result of a proto decoder of the whole reply (proto::status_from_json...).
template <class T>
Result<T> parsed(proto::Op op, Result<T> result) {
  if (!result) return malformed(proto::to_string(op), result.error());
  return result;
}
// The whole reply, read by `from_json`.
template <auto from_json>
auto whole(const boost::json::object& reply, proto::Op op) {
  return parsed(op, from_json(reply));
}
Result<Action> action_field(const boost::json::object& reply, proto::Op op);                     // "action"
Result<std::vector<Action>> cancelled_field(const boost::json::object& reply, proto::Op op);     // "cancelled"
Result<bool> paused_field(const boost::json::object& reply, proto::Op op);                       // "paused"
Result<PeriodicRegistration> registration_field(const boost::json::object& reply, proto::Op op);  // "registration"
// An enqueue's reply: the brief one rebuilt into the action with `request`, or a whole "action".
Result<Action> decode_enqueued(const boost::json::object& reply, const EnqueueRequest& request);
// A hello's reply; also checks the version: client_errc::unsupported_version.
Result<proto::HelloResult> decode_hello(const boost::json::object& reply);
// The error of a hello error reply: unsupported_version becomes client_errc::unsupported_version.
Error hello_error(const Error& error);

}  // namespace bgsync::detail
