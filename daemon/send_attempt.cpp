// An attempt's request, the meaning of its answer, and a retry's delay.
#include "daemon/send_attempt.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/clock.hpp"

namespace bgsync::daemon {
using namespace std::chrono_literals;

http::Request request_for(proto::Action& action, const std::string& id_text) {
  http::Request request{action.method, action.url, std::move(action.headers), std::move(action.body)};
  if (!http::find_header(request.headers, "Idempotency-Key")) request.headers.push_back({"Idempotency-Key", id_text});
  return request;
}

AttemptOutcome judge(const proto::Action& action, const std::string& id_text, proto::Result<http::Response> response,
                     std::chrono::milliseconds took, std::uint32_t max_attempts) {
  AttemptOutcome out;
  if (response) {
    out.result.status = response->status;
    out.verdict = classify_status(response->status);
    if (out.verdict != Verdict::sent) out.result.error = "HTTP " + std::to_string(response->status) + " from the server";
    if (out.verdict == Verdict::retry) {
      if (const auto* value = http::find_header(response->headers, "Retry-After")) out.delay = parse_retry_after(*value, now_ms());
    }
    out.result.headers = std::move(response->headers);
    out.result.body = std::move(response->body);
    // Successes are in the event log (syncctl watch, list); a line each would cost more than
    // the send at drain rates.
    spdlog::log(out.verdict == Verdict::sent ? spdlog::level::debug : spdlog::level::info,
                "action {}: {} {} -> {} in {} ms (attempt {})", id_text, action.method, action.url, response->status,
                took.count(), action.attempts);
  } else {
    out.result.error = response.error().message;
    out.verdict = response.error().code == http::errc::bad_url ? Verdict::failed : Verdict::retry;
    spdlog::info("action {}: {} {} -> {} (attempt {})", id_text, action.method, action.url, out.result.error,
                 action.attempts);
  }
  if (out.verdict == Verdict::retry && max_attempts != 0 && action.attempts >= max_attempts) {
    out.verdict = Verdict::failed;
    out.result.error = "gave up after " + std::to_string(action.attempts) + " attempts; last: " + out.result.error;
  }
  return out;
}

AttemptOutcome held_back() {
  AttemptOutcome out;
  out.result.error = "held back: sending was paused";
  out.delay = 0ms;
  return out;
}

void settle_delay(AttemptOutcome& outcome, std::uint32_t attempts, const RetryPolicy& retry, std::mt19937_64& rng) {
  if (outcome.verdict != Verdict::retry) return;
  auto d = outcome.delay.value_or(retry.backoff(attempts, rng));
  outcome.delay = std::min(d, retry.retry_after_cap);
}

}  // namespace bgsync::daemon
