// Waiter: the outcome of each waited-for action, from events and from `get`. The first outcome seen
// counts: an action retried by hand after it failed had still failed when it was waited for.

#include "client-lib/src/waiter.hpp"

#include <algorithm>
#include <limits>

namespace bgsync {

std::string_view to_string(WaitOutcome outcome) noexcept {
  switch (outcome) {
    case WaitOutcome::unfinished: return "unfinished";
    case WaitOutcome::sent: return "sent";
    case WaitOutcome::failed: return "failed";
    case WaitOutcome::expired: return "expired";
    case WaitOutcome::cancelled: return "cancelled";
  }
  return "unknown";
}

boost::json::object to_json(const WaitResult& result) {
  namespace json = boost::json;
  return json::object{
      {"id", result.id.to_string()},
      {"outcome", to_string(result.outcome)},
      {"state", proto::to_string(result.state)},
      {"status", result.status ? json::value(*result.status) : json::value(nullptr)},
      {"error", result.error.empty() ? json::value(nullptr) : json::value(result.error)},
      {"seq", result.seq != 0 ? json::value(result.seq) : json::value(nullptr)},
  };
}

WaitOutcome outcome_of(ActionState state, std::string_view error) noexcept {
  // The error text that says a failed action expired rather than got a final answer.
  constexpr std::string_view expired_error = "expired";
  switch (state) {
    case ActionState::sent: return WaitOutcome::sent;
    case ActionState::failed: return error == expired_error ? WaitOutcome::expired : WaitOutcome::failed;
    case ActionState::cancelled: return WaitOutcome::cancelled;
    default: return WaitOutcome::unfinished;
  }
}

std::optional<ActionState> state_after(EventType type) noexcept {
  switch (type) {
    case EventType::queued:
    case EventType::retry: return ActionState::queued;
    case EventType::sending: return ActionState::sending;
    case EventType::sent: return ActionState::sent;
    case EventType::failed: return ActionState::failed;
    case EventType::cancelled: return ActionState::cancelled;
    default: return std::nullopt;
  }
}

namespace detail {

Waiter::Waiter(const std::vector<WaitTarget>& targets) {
  order_.reserve(targets.size());
  oldest_seq_ = std::numeric_limits<std::uint64_t>::max();
  for (const auto& target : targets) {
    order_.push_back(target.id);
    oldest_seq_ = target.queued_seq == 0 ? 0 : std::min(oldest_seq_, target.queued_seq);
    auto [it, added] = results_.try_emplace(target.id);
    if (added) {
      it->second.id = target.id;
      ++unfinished_;
    }
  }
  if (targets.empty()) oldest_seq_ = 0;
}

SubscribeArgs Waiter::subscription() const {
  SubscribeArgs args;
  if (oldest_seq_ != 0) args.since = oldest_seq_ - 1;
  return args;
}

std::vector<ActionId> Waiter::to_read(const SubscribeResult& subscribed) const {
  const bool replayed = oldest_seq_ != 0 && subscribed.first_seq != 0 && subscribed.first_seq <= oldest_seq_;
  if (replayed) return {};
  return unfinished();
}

std::vector<ActionId> Waiter::unfinished() const {
  std::vector<ActionId> ids;
  for (const auto& [id, result] : results_) {
    if (result.outcome == WaitOutcome::unfinished) ids.push_back(id);
  }
  return ids;
}

void Waiter::finish(WaitResult& result, WaitOutcome outcome) {
  if (outcome == WaitOutcome::unfinished || result.outcome != WaitOutcome::unfinished) return;
  result.outcome = outcome;
  --unfinished_;
}

void Waiter::on_event(const Event& event) {
  const auto it = results_.find(event.id);
  if (it == results_.end() || it->second.outcome != WaitOutcome::unfinished) return;
  const auto state = state_after(event.type);
  if (!state) return;
  WaitResult& result = it->second;
  result.state = *state;
  const auto outcome = outcome_of(*state, event.error);
  if (outcome == WaitOutcome::unfinished) return;
  result.status = event.status;
  result.error = event.error;
  result.seq = event.seq;
  finish(result, outcome);
}

void Waiter::on_action(const Action& action) {
  const auto it = results_.find(action.id);
  if (it == results_.end() || it->second.outcome != WaitOutcome::unfinished) return;
  WaitResult& result = it->second;
  result.state = action.state;
  const auto outcome = outcome_of(action.state, action.last_error);
  if (outcome == WaitOutcome::unfinished) return;
  result.status = action.response_status;
  if (action.state != ActionState::sent) result.error = action.last_error;
  finish(result, outcome);
}

std::vector<WaitResult> Waiter::results() const {
  std::vector<WaitResult> out;
  out.reserve(order_.size());
  for (const auto& id : order_) out.push_back(results_.at(id));
  return out;
}

}  // namespace detail
}  // namespace bgsync
