// enqueue: store a new action durably, then answer. The reply leaves only after the group commit
// that holds it has reached the disk. A brief reply carries only what the client did not send.
#include "daemon/handlers/handlers.hpp"

#include "daemon/enqueue_defaults.hpp"
#include "daemon/id_generator.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {

HandlerResult handle_enqueue(RequestContext& ctx, const boost::json::object& message) {
  auto request = proto::parse_enqueue(message);
  if (!request) co_return request.error();
  const auto brief = proto::parse_enqueue_brief(message);
  if (!brief) co_return brief.error();
  const auto id = ctx.services.ids.next();
  // Jobs are named locals: g++ 12 destroys non-trivial temporaries inside co_await twice.
  // The expiry is fixed at the enqueue's own time, inside the job, with the default ttl in effect now.
  store::CommitQueue::Job<proto::Action> job = [id, default_ttl = ctx.services.options.default_ttl,
                                                request = std::move(*request)](store::WriteTxn& txn) mutable {
    const auto now = now_ms();
    fill_in_expiry(request, now, default_ttl);
    auto action = txn.enqueue(request, id, now);
    // Its `queued` event is the batch's newest one: its seq lets a client wait without a race.
    if (action && !txn.events().empty() && txn.events().back().id == id) action->queued_seq = txn.events().back().seq;
    return action;
  };
  auto action = co_await ctx.services.commits.run(std::move(job));
  if (!action) co_return action.error();
  ctx.services.scheduler.wake_soon();
  if (*brief) {
    co_return proto::to_json(
        proto::Enqueued{action->id, action->created, action->waiting, action->policy.expires_at, action->queued_seq});
  }
  co_return boost::json::object{{"action", proto::to_json(*action, /*with_bodies=*/false)},
                                {"seq", action->queued_seq}};
}

}  // namespace bgsync::daemon
