// One attempt's HTTP side, apart from the scheduler's bookkeeping: the request made from an
// action, what its answer (or its failure) means for the action, and how long a retry waits.
// The Scheduler sends with these and records the AttemptOutcome through the commit queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/types.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/retry_policy.hpp"
#include "daemon/store/outbox.hpp"

namespace bgsync::daemon {

// What an attempt came to: what to record, and as what.
struct AttemptOutcome {
  store::AttemptResult result;
  Verdict verdict = Verdict::retry;
  // Before the next attempt, for a retry: the server's Retry-After, else (unset) the backoff.
  std::optional<std::chrono::milliseconds> delay;
};

// The request for `action`. Its headers and body are needed only for the request: moved, not
// copied. Carries an Idempotency-Key of the action's id unless the app set one.
http::Request request_for(proto::Action& action, const std::string& id_text);

// What the answer to attempt number action.attempts means: sent, retry (with the server's
// Retry-After) or failed, and past `max_attempts` (0: no limit) a retry becomes failed. Logs it.
AttemptOutcome judge(const proto::Action& action, const std::string& id_text, proto::Result<http::Response> response,
                     std::chrono::milliseconds took, std::uint32_t max_attempts);

// Paused while `sending` was being committed: nothing may leave the machine, so put it back.
AttemptOutcome held_back();

// The action was cancelled (or retried by hand) while it was being parked or sent: the commit
// that would have recorded it has nothing left to do, and that is no error.
inline bool is_gone(const proto::Error& e) {
  return e.code == proto::errc::bad_state || e.code == proto::errc::not_found;
}

// A retry's delay: the server's Retry-After, else the policy's backoff, capped at retry_after_cap.
void settle_delay(AttemptOutcome& outcome, std::uint32_t attempts, const RetryPolicy& retry, std::mt19937_64& rng);

}  // namespace bgsync::daemon
