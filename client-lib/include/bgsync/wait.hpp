// What waiting for actions returns (Client::wait, AsyncClient::wait, bgsync_wait, `syncctl wait`):
// per action how it ended, or that it had not ended when the time was up.
#pragma once

#include "bgsync/errors.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bgsync {

// How an action ended. `expired` is a `failed` action whose error is exactly "expired" (its ttl
// passed before it could be sent). `unfinished`: still queued or sending when the wait timed out.
enum class WaitOutcome : std::uint8_t { unfinished, sent, failed, expired, cancelled };
std::string_view to_string(WaitOutcome outcome) noexcept;  // "unfinished", "sent", "failed", ...
// The outcome an action in `state` stands for, `error` being its last_error (or its final event's).
WaitOutcome outcome_of(ActionState state, std::string_view error) noexcept;
// The state an event leaves its action in (queued after `queued` and `retry`, ...); std::nullopt for
// events of no action (network, periodic) and types newer than this library.
std::optional<ActionState> state_after(EventType type) noexcept;

struct WaitResult {
  ActionId id;
  WaitOutcome outcome = WaitOutcome::unfinished;
  ActionState state = ActionState::queued;  // its state then (queued or sending when unfinished)
  std::optional<int> status;                // the HTTP status of its final response, if one came
  std::string error;                        // failed or expired: why; else empty
  std::uint64_t seq = 0;                    // the event that ended it (0: learned from `get`)
};

// {"id":..,"outcome":..,"state":..,"status":..|null,"error":..|null,"seq":..|null}
boost::json::object to_json(const WaitResult& result);

// What an action waited for by id: its id, and the seq of its `queued` event when known (an
// enqueue result's Action::queued_seq), which lets the wait replay from there instead of reading it.
// Converts from either on purpose, so that `wait({action})` and `wait({id1, id2})` both read well.
struct WaitTarget {
  WaitTarget(const ActionId& id_) : id(id_) {}  // NOLINT(google-explicit-constructor)
  WaitTarget(const Action& enqueued) : id(enqueued.id), queued_seq(enqueued.queued_seq) {}  // NOLINT(google-explicit-constructor)

  ActionId id;
  std::uint64_t queued_seq = 0;  // 0: not known
};

}  // namespace bgsync
