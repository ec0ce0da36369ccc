// status: is the daemon sending, and how many actions are in each state.
#include "daemon/handlers/handlers.hpp"

#include "daemon/send_gate.hpp"
#include "daemon/store/read_view.hpp"

namespace bgsync::daemon {

HandlerResult handle_status(RequestContext& ctx, const boost::json::object&) {
  // The connection took the read barrier (handler table): every change acknowledged before this
  // request is visible.
  const auto& outbox = ctx.reads();
  proto::Status status;
  status.version = BGSYNC_VERSION;
  const auto& gate = ctx.services.gate;
  const auto reach = gate.connectivity();
  status.online = reach.reachable;
  if (!reach.reachable) status.network_reason = reach.reason;
  status.network_since = std::chrono::time_point_cast<std::chrono::milliseconds>(gate.online_since());
  status.paused = gate.paused();
  auto counts = outbox.counts();
  if (!counts) co_return counts.error();
  status.counts = *counts;
  auto last = outbox.last_seq();
  if (!last) co_return last.error();
  status.last_seq = *last;
  auto due = outbox.due(1);
  if (!due) co_return due.error();
  if (!due->empty()) status.next_attempt = due->front().next_attempt;
  co_return proto::to_json(status);
}

}  // namespace bgsync::daemon
