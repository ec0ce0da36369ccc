// Turning the daemon's frames into results, shared by Client and AsyncClient: matching a frame to the
// request it answers, mapping error replies, and decoding each operation's result fields.
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

// Decoders of an ok reply's result fields. Errors: client_errc::protocol_error.
// decode_hello also checks the version: client_errc::unsupported_version.
Result<proto::HelloResult> decode_hello(const boost::json::object& reply);
Result<Action> decode_action(const boost::json::object& reply, std::string_view op);  // field "action"
// An enqueue's reply: the brief one rebuilt into the action with `request`, or a whole "action".
Result<Action> decode_enqueued(const boost::json::object& reply, const EnqueueRequest& request);
Result<ListPage> decode_list(const boost::json::object& reply);
Result<std::vector<Action>> decode_cancelled(const boost::json::object& reply);
Result<Status> decode_status(const boost::json::object& reply);
Result<bool> decode_paused(const boost::json::object& reply, std::string_view op);
Result<SubscribeResult> decode_subscribe(const boost::json::object& reply);
Result<ConfigInfo> decode_config(const boost::json::object& reply);
Result<ReloadResult> decode_reload(const boost::json::object& reply);
Result<PeriodicRegisterResult> decode_periodic_register(const boost::json::object& reply);
Result<PeriodicList> decode_periodic_list(const boost::json::object& reply);
Result<PeriodicRegistration> decode_registration(const boost::json::object& reply, std::string_view op);  // field "registration"
Result<CachedResponse> decode_cached(const boost::json::object& reply);
// For replies without result fields (unsubscribe): success, or the reply's error. Out of line on
// purpose: g++ 12 with sanitizers warns (maybe-uninitialized) when it sees a Result<void> built in a
// coroutine.
Result<void> decode_empty(const Result<boost::json::object>& reply);

// The error of a hello error reply: unsupported_version becomes client_errc::unsupported_version.
Error hello_error(const Error& error);

}  // namespace bgsync::detail
