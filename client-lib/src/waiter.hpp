// The bookkeeping of one wait for actions, shared by Client::wait and AsyncClient::wait (which
// differ only in how they read the socket): which subscription to make so that no outcome is
// missed, which actions to read with `get` after it, and what the events and actions read say.
#pragma once

#include "bgsync/wait.hpp"

#include <cstddef>
#include <map>
#include <vector>

namespace bgsync::detail {

class Waiter {
public:
  explicit Waiter(const std::vector<WaitTarget>& targets);

  // Replays from the oldest target's `queued` event when every target's seq is known (nothing
  // to read then); else live events only, and every target is read with `get` after subscribing.
  SubscribeArgs subscription() const;
  // What to `get` once subscribed: the unfinished targets, unless the replay covers them all
  // (their queued events are still retained).
  std::vector<ActionId> to_read(const SubscribeResult& subscribed) const;
  // The targets not finished yet: read once more when the time is up, so that the results say
  // their state then (and an outcome whose event had not arrived yet still counts).
  std::vector<ActionId> unfinished() const;

  void on_event(const Event& event);     // an event of the subscription
  void on_action(const Action& action);  // an action read after subscribing
  bool done() const { return unfinished_ == 0; }
  // One per target, in the targets' order.
  std::vector<WaitResult> results() const;

private:
  void finish(WaitResult& result, WaitOutcome outcome);

  std::vector<ActionId> order_;
  std::map<ActionId, WaitResult> results_;
  std::uint64_t oldest_seq_ = 0;  // the smallest queued_seq; 0 when one is not known
  std::size_t unfinished_ = 0;
};

}  // namespace bgsync::detail
