// The bgsync wire codec: newline-delimited JSON frames, requests, replies and pushed events.
// Used by bgsyncd and libbgsync alike; proto/PROTOCOL.md is the contract this code implements.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include "bgsync/proto/errc.hpp"
#include "bgsync/proto/types.hpp"

namespace bgsync::proto {

template <class T>
using Result = boost::system::result<T, Error>;

inline constexpr int protocol_version = 1;
inline constexpr std::size_t max_frame_size = 16 * 1024 * 1024;  // bytes, including the '\n'

// Limits on an enqueued action, checked by validate_enqueue.
inline constexpr std::size_t max_url_size = 8 * 1024;
inline constexpr std::size_t max_method_size = 32;
inline constexpr std::size_t max_header_count = 100;
inline constexpr std::size_t max_headers_size = 64 * 1024;  // names + values
inline constexpr std::size_t max_tag_size = 256;            // also for app
inline constexpr std::uint32_t max_list_limit = 1000;
inline constexpr std::uint64_t max_attempts_limit = 1'000'000;   // an action's max_attempts: 1..this
inline constexpr std::chrono::milliseconds max_ttl{315'360'000'000};  // 10 years; also a backoff's bound

// Every field an enqueue request may carry. Any other is refused (bad_field naming it): a client
// that asks for a ttl must never be silently given none by a daemon that does not know ttls.
inline constexpr std::array<std::string_view, 18> enqueue_fields{
    "id",        "op",           "url",          "method",     "headers",    "body",
    "body_base64", "tag",        "app",          "brief",      "ttl_ms",     "expires_at",
    "max_attempts", "backoff",   "not_before",   "collapse_key", "on_failure", "unordered"};

// What the daemon can do beyond protocol version 1's first operations, as `hello` lists them; a
// client checks one before relying on it. Append only, and only what takes effect: enqueue accepts
// and stores ttl_ms/expires_at, max_attempts, backoff, collapse_key, on_failure and unordered, but
// until their rules are enforced they are not listed here.
inline constexpr std::array<std::string_view, 5> daemon_features{"not_before", "id_prefix", "list_count",
                                                                 "enqueue_seq", "spool"};

// The protocol's operations. Values index op_table below: append only, each with its row there.
enum class Op {
  hello, enqueue, get, list, cancel, retry, status, pause, resume, subscribe, unsubscribe, config, reload,
  periodic_register, periodic_list, periodic_unregister, periodic_run, cache_get,  // periodic.hpp
  count_  // not an op: how many there are, so that a new op above without a row does not compile
};
inline constexpr std::size_t op_count = static_cast<std::size_t>(Op::count_);

struct OpName {
  Op op;
  std::string_view name;  // on the wire
};

// One row per Op, row i holding Op i (checked below): to_string() indexes it, parse_op() searches it.
inline constexpr std::array<OpName, op_count> op_table{{
    {Op::hello, "hello"},
    {Op::enqueue, "enqueue"},
    {Op::get, "get"},
    {Op::list, "list"},
    {Op::cancel, "cancel"},
    {Op::retry, "retry"},
    {Op::status, "status"},
    {Op::pause, "pause"},
    {Op::resume, "resume"},
    {Op::subscribe, "subscribe"},
    {Op::unsubscribe, "unsubscribe"},
    {Op::config, "config"},
    {Op::reload, "reload"},
    {Op::periodic_register, "periodic_register"},
    {Op::periodic_list, "periodic_list"},
    {Op::periodic_unregister, "periodic_unregister"},
    {Op::periodic_run, "periodic_run"},
    {Op::cache_get, "cache_get"},
}};

namespace detail {
// A missing row leaves a value-initialised one ({hello, ""}) at the end, which fails both checks.
consteval bool op_rows_in_order() {
  for (std::size_t i = 0; i < op_table.size(); ++i) {
    if (op_table[i].op != static_cast<Op>(i)) return false;
  }
  return true;
}
consteval bool op_names_unique_and_set() {
  for (std::size_t i = 0; i < op_table.size(); ++i) {
    if (op_table[i].name.empty()) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (op_table[i].name == op_table[j].name) return false;
    }
  }
  return true;
}
}  // namespace detail
static_assert(detail::op_rows_in_order(), "op_table: row i must hold Op i, one row for every Op");
static_assert(detail::op_names_unique_and_set(), "op_table: every Op needs a name of its own");

// Its wire name ("unknown" for a value that is no Op); the Op of a wire name.
std::string_view to_string(Op op) noexcept;
std::optional<Op> parse_op(std::string_view name) noexcept;

// ---- frames -----------------------------------------------------------------------------------

// One JSON object and the trailing '\n'. Never contains a raw newline before the end.
std::string encode_frame(const boost::json::object& message);

// Parses one frame (with or without its trailing '\n'). Errors: frame_too_large, bad_frame
// (invalid UTF-8 or JSON, or not an object). The object's keys and values are allocated from
// `storage` (Boost.JSON's default resource when none is given): a caller that is done with the
// object before its arena is gone can spare a malloc and a free per string.
Result<boost::json::object> decode_frame(std::string_view frame, boost::json::storage_ptr storage = {});

// ---- validation (shared so syncctl can say no before connecting) -------------------------------

Result<void> validate_url(std::string_view url);          // absolute http/https, a host, no whitespace/control chars
Result<void> validate_method(std::string_view method);    // an RFC 9110 token, 1..max_method_size
Result<void> validate_header(std::string_view name, std::string_view value);  // token name, no CR/LF/NUL in value, not a daemon-owned header
Result<void> validate_label(std::string_view field, std::string_view value);  // tag or app: <= max_tag_size, no control chars
Result<void> validate_policy(const ActionPolicy& policy);                      // max_attempts, backoff bounds, collapse_key
Result<void> validate_enqueue(const EnqueueRequest& request);                  // all of the above + header limits

// ---- requests: what a client sends ------------------------------------------------------------

// A request as the daemon sees it: the echoed id (any JSON scalar or null), the operation, and the
// whole message for the per-op parsers below.
struct Request {
  boost::json::value id;
  Op op = Op::hello;
  boost::json::object message;
};

// Errors: bad_frame, missing_field ("op"), bad_field, unknown_op. The id is recovered whenever the
// frame was a JSON object, so that even error replies can echo it: see request_id(). Taken by
// value: a caller done with the message moves it in, and a 1 KiB body is not copied.
Result<Request> parse_request(boost::json::object message);
boost::json::value request_id(const boost::json::object& message);  // null when absent or not a scalar

// Per-operation argument parsers (daemon side). Each validates fully and names the bad field.
Result<int> parse_hello(const boost::json::object& message);                // the client's version
// Runs validate_enqueue; refuses a field not in enqueue_fields.
Result<EnqueueRequest> parse_enqueue(const boost::json::object& message);
Result<bool> parse_enqueue_brief(const boost::json::object& message);       // field "brief", default false
// Field "action": a whole id or a prefix of one, which the daemon resolves (ActionRef).
Result<ActionRef> parse_action_ref(const boost::json::object& message);
Result<ListQuery> parse_list(const boost::json::object& message);
Result<CancelRequest> parse_cancel(const boost::json::object& message);     // exactly one of action, tag
Result<SubscribeArgs> parse_subscribe(const boost::json::object& message);
Result<std::uint64_t> parse_unsubscribe(const boost::json::object& message);  // field "subscription"

// Request builders (client side). `id` is the client's request id.
boost::json::object make_request(std::uint64_t id, Op op);  // an op without arguments
boost::json::object make_hello(std::uint64_t id, std::string_view client_name);
// Asks for the brief reply (see Enqueued): the client already holds the rest of the action.
boost::json::object make_enqueue(std::uint64_t id, const EnqueueRequest& request);
boost::json::object make_action_request(std::uint64_t id, Op op, const ActionRef& action);  // get, retry, cancel
boost::json::object make_list(std::uint64_t id, const ListQuery& query);
boost::json::object make_cancel(std::uint64_t id, const CancelArgs& args);
boost::json::object make_subscribe(std::uint64_t id, const SubscribeArgs& args);
boost::json::object make_unsubscribe(std::uint64_t id, std::uint64_t subscription);

// ---- replies and events: what the daemon sends ------------------------------------------------

// {"id":..,"ok":true, <result fields>}
boost::json::object make_ok_reply(const boost::json::value& id, boost::json::object result = {});
// {"id":..,"ok":false,"error":{"code":"bad_url","message":"..."}}
boost::json::object make_error_reply(const boost::json::value& id, const Error& error);
// {"event":{...},"subscription":N}
boost::json::object make_event_push(std::uint64_t subscription, const Event& event);

// JSON forms of the protocol's values. Actions: body as "body" when valid UTF-8, else
// "body_base64"; same for the response body. `with_bodies=false` leaves both bodies out (list).
boost::json::object to_json(const Action& action, bool with_bodies = true);
boost::json::object to_json(const Event& event);
boost::json::object to_json(const Status& status);
boost::json::object to_json(const SubscribeResult& result);
boost::json::object to_json(const HelloResult& result);
boost::json::object to_json(const Enqueued& enqueued);  // {"action_id":..,"created":..,"waiting":..|null,"seq":..}
boost::json::object to_json(const ConfigInfo& info);
boost::json::object to_json(const ReloadResult& result);
// {"actions":[...without bodies],"next":id|null}, and "remaining":N when counted
boost::json::object to_json(const ListPage& page);
boost::json::value to_json(const Headers& headers);  // [["Name","value"],...]
std::string format_time(TimePoint t);                 // RFC 3339 UTC, millisecond precision
Result<TimePoint> parse_time(std::string_view text);  // RFC 3339 with Z or an offset

Result<Action> action_from_json(const boost::json::object& object);
Result<Event> event_from_json(const boost::json::object& object);
Result<Status> status_from_json(const boost::json::object& object);
Result<SubscribeResult> subscribe_result_from_json(const boost::json::object& object);
Result<HelloResult> hello_result_from_json(const boost::json::object& object);
Result<Enqueued> enqueued_from_json(const boost::json::object& object);
// The action, without its body, that enqueueing `request` made, as the daemon stored it: the
// request's fields as sent, queued, no attempts yet, due at once.
Action enqueued_action(const EnqueueRequest& request, const Enqueued& enqueued);
Result<ListPage> list_page_from_json(const boost::json::object& object);
Result<ConfigInfo> config_info_from_json(const boost::json::object& object);
Result<ReloadResult> reload_result_from_json(const boost::json::object& object);

// What a client reads: a reply to one of its requests, or a pushed event.
struct Reply {
  boost::json::value id;
  Result<boost::json::object> result;  // the whole reply object on ok, else the decoded error
};
struct EventPush {
  std::uint64_t subscription = 0;
  Event event;
};
using Incoming = std::variant<Reply, EventPush>;
Result<Incoming> parse_incoming(boost::json::object message);  // by value, as parse_request

}  // namespace bgsync::proto
