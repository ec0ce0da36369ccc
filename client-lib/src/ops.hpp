// libbgsync's ops, each described once: the request it sends and how its reply reads. Client
// (Client::Impl::run, blocking) and AsyncClient (AsyncClient::Impl::run, awaitable) each run every
// descriptor through one generic path; the C API calls Client. A new op: a struct here, a line per door.
#pragma once

#include "bgsync/errors.hpp"
#include "client-lib/src/replies.hpp"

#include <boost/json/object.hpp>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bgsync::detail::ops {
namespace json = boost::json;

// A descriptor holds the call's arguments by reference (it lives for one call, in the door's run) and has
//   static constexpr proto::Op op;                      the op, as named on the wire and in errors
//   json::object build(std::uint64_t id) const;         the request, with the client's request id
//   Result<T> decode(const json::object& reply) const;  an ok reply's result (T may be void)
// and, only where the op needs them:
//   Result<void> check() const;                    refuses a bad request before anything is sent
//   static Error refused(const Error& error);      rewords the daemon's error reply
//   static constexpr bool small_reply = true;      Client reads the reply into a stack arena
template <class Op>
concept Descriptor = requires(const Op& op, std::uint64_t id, const json::object& reply) {
  { Op::op } -> std::convertible_to<proto::Op>;
  { op.build(id) } -> std::same_as<json::object>;
  op.decode(reply);
};

// What the op returns to the caller: the T of its decode.
template <Descriptor Op>
using Value = typename decltype(std::declval<const Op&>().decode(std::declval<const json::object&>()))::value_type;

template <class Op>
concept Checked = requires(const Op& op) { { op.check() } -> std::same_as<Result<void>>; };

template <class Op>
constexpr bool small_reply() {
  if constexpr (requires { Op::small_reply; }) return Op::small_reply;
  return false;
}

// The reply, once it arrived, as the op's result: the daemon's error (reworded by the op if it
// says so) or the decoded fields.
template <Descriptor Op>
Result<Value<Op>> finish(const Op& op, const Result<json::object>& reply) {
  if (!reply) {
    if constexpr (requires { Op::refused(reply.error()); }) return Op::refused(reply.error());
    return reply.error();
  }
  return op.decode(*reply);
}

// ---- the handshake ----------------------------------------------------------------------------

struct Hello {
  static constexpr proto::Op op = proto::Op::hello;
  std::string_view client_name;
  json::object build(std::uint64_t id) const { return proto::make_hello(id, client_name); }
  Result<proto::HelloResult> decode(const json::object& reply) const { return decode_hello(reply); }
  static Error refused(const Error& error) { return hello_error(error); }
};

// ---- the outbox -------------------------------------------------------------------------------

struct Enqueue {
  static constexpr proto::Op op = proto::Op::enqueue;
  static constexpr bool small_reply = true;  // apps enqueue in loops: see Client::Impl::run
  const EnqueueRequest& request;
  Result<void> check() const { return proto::validate_enqueue(request); }
  json::object build(std::uint64_t id) const { return proto::make_enqueue(id, request); }
  // The brief reply rebuilt into the action with the request, or a whole "action".
  Result<Action> decode(const json::object& reply) const { return decode_enqueued(reply, request); }
};

// get, retry: one action by id or id prefix; the reply's "action".
template <proto::Op Which>
struct ActionCall {
  static constexpr proto::Op op = Which;
  const ActionRef& action;
  json::object build(std::uint64_t id) const { return proto::make_action_request(id, op, action); }
  Result<Action> decode(const json::object& reply) const { return action_field(reply, op); }
};
using Get = ActionCall<proto::Op::get>;
using Retry = ActionCall<proto::Op::retry>;

struct List {
  static constexpr proto::Op op = proto::Op::list;
  const ListQuery& query;
  json::object build(std::uint64_t id) const { return proto::make_list(id, query); }
  Result<ListPage> decode(const json::object& reply) const { return parsed(op, proto::list_page_from_json(reply)); }
};

// cancel by action id or id prefix (Cancel) or by tag (CancelTag): the reply's "cancelled".
struct Cancel {
  static constexpr proto::Op op = proto::Op::cancel;
  const ActionRef& action;
  json::object build(std::uint64_t id) const { return proto::make_action_request(id, op, action); }
  Result<std::vector<Action>> decode(const json::object& reply) const { return cancelled_field(reply, op); }
};
struct CancelTag {
  static constexpr proto::Op op = proto::Op::cancel;
  std::string_view tag;
  json::object build(std::uint64_t id) const {
    return proto::make_cancel(id, CancelArgs{std::nullopt, std::string(tag)});
  }
  Result<std::vector<Action>> decode(const json::object& reply) const { return cancelled_field(reply, op); }
};

// status, config, reload, pause, resume: no arguments; `read` reads the reply.
template <proto::Op Which, auto read>
struct NoArgs {
  static constexpr proto::Op op = Which;
  json::object build(std::uint64_t id) const { return proto::make_request(id, op); }
  auto decode(const json::object& reply) const { return read(reply, op); }
};
using GetStatus = NoArgs<proto::Op::status, whole<proto::status_from_json>>;
using GetConfig = NoArgs<proto::Op::config, whole<proto::config_info_from_json>>;
using Reload = NoArgs<proto::Op::reload, whole<proto::reload_result_from_json>>;
using Pause = NoArgs<proto::Op::pause, paused_field>;
using Resume = NoArgs<proto::Op::resume, paused_field>;

// ---- events (AsyncClient only) ----------------------------------------------------------------

struct Subscribe {
  static constexpr proto::Op op = proto::Op::subscribe;
  const SubscribeArgs& args;
  json::object build(std::uint64_t id) const { return proto::make_subscribe(id, args); }
  Result<SubscribeResult> decode(const json::object& reply) const {
    return parsed(op, proto::subscribe_result_from_json(reply));
  }
};

struct Unsubscribe {
  static constexpr proto::Op op = proto::Op::unsubscribe;
  std::uint64_t subscription;
  json::object build(std::uint64_t id) const { return proto::make_unsubscribe(id, subscription); }
  Result<void> decode(const json::object&) const { return {}; }
};

// ---- periodic sync ----------------------------------------------------------------------------

struct PeriodicRegister {
  static constexpr proto::Op op = proto::Op::periodic_register;
  const PeriodicRegisterRequest& request;
  Result<void> check() const { return proto::validate_periodic_register(request); }
  json::object build(std::uint64_t id) const { return proto::make_periodic_register(id, request); }
  Result<PeriodicRegisterResult> decode(const json::object& reply) const {
    return parsed(op, proto::periodic_register_result_from_json(reply));
  }
};

struct ListPeriodic {
  static constexpr proto::Op op = proto::Op::periodic_list;
  const PeriodicListQuery& query;
  json::object build(std::uint64_t id) const { return proto::make_periodic_list(id, query); }
  auto decode(const json::object& reply) const { return parsed(op, proto::periodic_list_from_json(reply)); }
};

// The ops on one registration, named by (app, tag).
template <proto::Op Which>
struct OnRegistration {
  static constexpr proto::Op op = Which;
  const PeriodicRef& ref;
  json::object build(std::uint64_t id) const { return proto::make_periodic_ref(id, op, ref); }
};
struct Unregister : OnRegistration<proto::Op::periodic_unregister> {
  Result<void> decode(const json::object&) const { return {}; }
};
struct RunPeriodic : OnRegistration<proto::Op::periodic_run> {
  Result<PeriodicRegistration> decode(const json::object& reply) const { return registration_field(reply, op); }
};
struct CacheGet : OnRegistration<proto::Op::cache_get> {
  Result<CachedResponse> decode(const json::object& reply) const {
    return parsed(op, proto::cached_response_from_json(reply));
  }
};

}  // namespace bgsync::detail::ops
