// The values the bgsync protocol talks about: actions, their states, events, status.
// Plain structs shared by the daemon and the client library; the codec turns them into JSON and back.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgsync::proto {

// Wall-clock time in milliseconds; on the wire as RFC 3339 UTC ("2026-11-24T20:11:57.123Z").
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// A UUID (the daemon makes version 7, so ids sort by creation time). Text form: 8-4-4-4-12 lowercase hex.
struct ActionId {
  std::array<std::uint8_t, 16> bytes{};

  std::string to_string() const;
  static std::optional<ActionId> parse(std::string_view text);  // accepts upper or lower case hex
  auto operator<=>(const ActionId&) const = default;
};

// An action as a request names it: its whole id, or a prefix of at least min_digits hex digits
// that the daemon resolves to the one action whose id starts with it (as git does with commit
// ids). Text form: the digits, with or without the dashes where the 8-4-4-4-12 form has them
// ("0190c3b2-8c1e", "0190c3b28c1e"). UUIDv7 ids begin with their creation time in milliseconds,
// so actions made close together share a long prefix: 12 digits within the same millisecond.
struct ActionRef {
  static constexpr std::uint8_t min_digits = 8;
  std::array<std::uint8_t, 16> bytes{};  // the digits given, from the first; the rest zero
  std::uint8_t digits = 32;              // how many hex digits were given: min_digits..32

  ActionRef() = default;
  ActionRef(const ActionId& id) noexcept : bytes(id.bytes) {}  // implicit: a whole id names its action
  static std::optional<ActionRef> parse(std::string_view text);  // upper or lower case hex
  std::optional<ActionId> whole() const noexcept;                // the id, when all 32 digits were given
  bool matches(const ActionId& id) const noexcept;               // whether `id` starts with these digits
  std::string to_string() const;  // the digits in the 8-4-4-4-12 form, as far as they go
  bool operator==(const ActionRef&) const = default;
};

enum class ActionState : std::uint8_t { queued, sending, sent, failed, cancelled };
inline constexpr std::size_t action_state_count = 5;
std::string_view to_string(ActionState s) noexcept;
std::optional<ActionState> parse_action_state(std::string_view text) noexcept;
inline bool is_terminal(ActionState s) noexcept {
  return s == ActionState::sent || s == ActionState::failed || s == ActionState::cancelled;
}

// Why a queued action is not on the wire right now (none: it goes as soon as a slot is free).
// held: an operator held it (or the head of its tag); blocked: its tag's head failed and blocks
// the tag (see Action::blocked_by); not_before: its not_before time has not come.
enum class WaitReason : std::uint8_t { none, network, backoff, tag, paused, held, blocked, not_before };
std::string_view to_string(WaitReason r) noexcept;
std::optional<WaitReason> parse_wait_reason(std::string_view text) noexcept;

struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};
using Headers = std::vector<Header>;

enum class BackoffKind : std::uint8_t { exponential, linear };
std::string_view to_string(BackoffKind k) noexcept;
std::optional<BackoffKind> parse_backoff_kind(std::string_view text) noexcept;

// How long to wait before attempt n+1 after a retryable failure: exponential doubles `initial`
// per attempt, linear adds it; never above `max`; always with jitter.
struct Backoff {
  std::chrono::milliseconds initial{0};
  std::chrono::milliseconds max{0};
  BackoffKind kind = BackoffKind::exponential;
  bool operator==(const Backoff&) const = default;
};

// What happens to the rest of a tag when this action fails for good: block holds them (shown as
// waiting `blocked`) until it is retried, cancelled or deleted; continue lets the next one go.
enum class OnFailure : std::uint8_t { block, continue_ };
std::string_view to_string(OnFailure f) noexcept;
std::optional<OnFailure> parse_on_failure(std::string_view text) noexcept;

// An action's life beyond its request: when it expires, how often and how patiently it is retried,
// when it may go first, what it replaces, and how it stands in its tag. The same in a request and
// in a stored action; unset fields take the daemon's defaults (expires_at is always set once stored).
struct ActionPolicy {
  std::optional<TimePoint> expires_at;       // past it: failed with error "expired", never sent
  std::optional<std::uint32_t> max_attempts; // unset: the daemon's --max-attempts
  std::optional<Backoff> backoff;            // unset: the daemon's --retry-base/--retry-max, exponential
  std::optional<TimePoint> not_before;       // held (waiting not_before) until then
  std::string collapse_key;                  // replaces a queued action of the same app, tag and key
  OnFailure on_failure = OnFailure::block;
  bool unordered = false;                    // tagged, but outside its tag's FIFO
  bool operator==(const ActionPolicy&) const = default;
};

// What an app hands over: an HTTP request to make later.
struct EnqueueRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;  // any bytes
  std::string tag;   // actions with the same non-empty tag are sent one at a time, in enqueue order
  std::string app;   // who enqueued it, for filtering; free text
  ActionPolicy policy;
  std::optional<std::chrono::milliseconds> ttl;  // expires_at = enqueue time + ttl (not with policy.expires_at)
};

// An action as stored by the daemon.
struct Action {
  ActionId id;
  std::string app;
  std::string tag;
  TimePoint created{};
  TimePoint updated{};
  std::string method;
  std::string url;
  Headers headers;
  std::string body;
  std::uint32_t attempts = 0;
  ActionState state = ActionState::queued;
  std::optional<TimePoint> next_attempt;  // set while queued
  WaitReason waiting = WaitReason::none;  // queued only: network (destination unreachable),
                                          // backoff (until next_attempt), tag (behind its head), paused
  std::string last_error;                 // empty when there was none
  std::optional<int> response_status;     // once an HTTP response arrived
  Headers response_headers;
  std::string response_body;              // the first 64 KiB
  ActionPolicy policy;                    // expires_at set (from the request or the daemon's --default-ttl)
  bool held = false;                      // an operator holds it: never sent until released
  std::optional<ActionId> blocked_by;     // queued and waiting `blocked`: the failed head of its tag
  std::uint64_t queued_seq = 0;           // enqueue results only: the seq of its `queued` event, from
                                          // which a wait replays without a gap (0: not known)
};

// network: connectivity changed (no action; id is all zeros): `online` and `reason` say how.
// periodic: a periodic registration ran (no action; id is all zeros; tag and app name it):
// `outcome`, `status`, `error` and `duration` say how.
// rejected: a spool file was not taken in (moved to the spool's rejected/ directory): `error` says
// why and names the file; id is the action's when the file's name holds one, else all zeros.
enum class EventType : std::uint8_t { queued, sending, retry, sent, failed, cancelled, network, periodic, rejected };
std::string_view to_string(EventType t) noexcept;
std::optional<EventType> parse_event_type(std::string_view text) noexcept;

// How a periodic run ended: a new body (2xx), the cached one confirmed (304), or no luck.
enum class PeriodicOutcome : std::uint8_t { updated, not_modified, failed };
std::string_view to_string(PeriodicOutcome o) noexcept;
std::optional<PeriodicOutcome> parse_periodic_outcome(std::string_view text) noexcept;

// One state change, as appended to the event log in the same transaction as the change.
struct Event {
  std::uint64_t seq = 0;  // global, strictly increasing, never reused
  EventType type = EventType::queued;
  ActionId id;
  std::string tag;
  std::string app;
  TimePoint time{};
  std::uint32_t attempt = 0;              // the attempt number this event concerns (0 before the first)
  std::optional<int> status;              // HTTP status, for sent/failed/retry after a response
  std::string error;                      // for retry/failed
  std::optional<TimePoint> next_attempt;  // for retry
  std::optional<bool> online;             // for network
  std::string reason;                     // for network: why offline ("no route to ...", "link eth0 down")
  std::optional<PeriodicOutcome> outcome;             // for periodic
  std::optional<std::chrono::milliseconds> duration;  // for periodic: how long the run took
};

struct StateCounts {
  std::array<std::uint64_t, action_state_count> by_state{};  // indexed by ActionState
  std::uint64_t& operator[](ActionState s) { return by_state[static_cast<std::size_t>(s)]; }
  std::uint64_t operator[](ActionState s) const { return by_state[static_cast<std::size_t>(s)]; }
};

struct Status {
  std::string version;  // the daemon's version string
  bool online = true;                        // some destination beyond loopback is reachable
  std::string network_reason;                // why offline (empty when online)
  std::optional<TimePoint> network_since;    // when online/offline last changed (unset: since start)
  bool paused = false;
  StateCounts counts;
  std::uint64_t last_seq = 0;                // the newest event's seq (0: none yet)
  std::optional<TimePoint> next_attempt;     // the earliest queued action's next attempt
};

struct ListQuery {
  std::optional<std::string> tag;
  std::optional<ActionState> state;
  std::optional<std::string> app;
  std::uint32_t limit = 100;           // 1..1000
  std::optional<ActionId> after;       // page cursor: the last id of the previous page
  bool count = false;                  // also count the matches after the page (ListPage::remaining)
};

struct ListPage {
  std::vector<Action> actions;         // bodies and response bodies are left out
  std::optional<ActionId> next;        // set when there may be more: pass as `after`
  std::optional<std::uint64_t> remaining;  // with ListQuery::count: how many more match after this page
};

// cancel takes either one action or every unfinished action of a tag.
struct CancelArgs {
  std::optional<ActionId> action;
  std::optional<std::string> tag;
};

// cancel as the daemon reads it: the action may be named by a prefix, which the daemon resolves
// to the CancelArgs above.
struct CancelRequest {
  std::optional<ActionRef> action;
  std::optional<std::string> tag;
};

struct SubscribeArgs {
  std::optional<std::string> tag;      // only events of this tag
  std::optional<std::uint64_t> since;  // replay retained events with seq > since first
};

struct SubscribeResult {
  std::uint64_t subscription = 0;
  std::uint64_t last_seq = 0;   // newest seq at subscribe time
  std::uint64_t first_seq = 0;  // oldest retained seq (0: log empty); since < first_seq-1 means a gap
};

// One daemon setting as `config` reports it.
struct ConfigSetting {
  std::string name;                    // the option's name: "--retry-base" on the command line, `retry-base` in the file
  std::optional<std::string> value;    // as you would type it ("10s", "16"); unset: none (e.g. no probe URL)
  std::string source;                  // "default", "command line", "$BGSYNC_SOCKET", or "FILE:LINE"
  bool reloadable = false;             // reload applies a change without a restart
  std::optional<std::string> pending;  // set when a reload found another value that needs a restart to apply
                                       // (the empty string stands for "unset")
};

// The daemon's effective configuration (the `config` operation).
struct ConfigInfo {
  std::optional<std::string> config_file;  // the file read at start and on reload (null: none)
  bool config_file_found = false;          // whether it existed when last read (absent means defaults)
  std::string socket;                      // the control socket in use
  std::string state_dir;                   // the outbox's directory in use
  std::vector<ConfigSetting> settings;     // every option, in the daemon's order
};

// What a reload did (the `reload` operation).
struct ReloadResult {
  std::vector<std::string> changed;         // options whose new value is in effect now
  std::vector<std::string> restart_needed;  // options whose new value needs a restart; the old one stays
};

// The fields of a new action that its enqueue request did not say: what a brief enqueue reply carries.
// enqueued_action() rebuilds the whole action, without its body, from them and the request.
struct Enqueued {
  ActionId id;
  TimePoint created{};                    // also its `updated`, and its `next_attempt` unless not_before is later
  WaitReason waiting = WaitReason::none;
  std::optional<TimePoint> expires_at;    // as stored (the request's, or the daemon's default ttl)
  std::uint64_t seq = 0;                  // its `queued` event's seq (0: a daemon that does not say)
};

struct HelloResult {
  int version = 0;
  std::string server;
  std::uint64_t max_frame = 0;
  std::vector<std::string> features;  // proto::daemon_features of the daemon (empty from an older one)
};

}  // namespace bgsync::proto
