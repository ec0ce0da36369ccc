// retry: send a failed or cancelled action again (at the tail of its tag), or a queued one now.
#include "daemon/handlers/handlers.hpp"

#include "daemon/scheduler.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {

HandlerResult handle_retry(RequestContext& ctx, const boost::json::object& message) {
  auto ref = proto::parse_action_ref(message);
  if (!ref) co_return ref.error();
  auto id = co_await resolve_action(ctx, *ref);
  if (!id) co_return id.error();
  store::CommitQueue::Job<proto::Action> job = [id = *id](store::WriteTxn& txn) { return txn.retry(id, now_ms()); };
  auto action = co_await ctx.services.commits.run(std::move(job));
  if (!action) co_return action.error();
  ctx.services.scheduler.wake();
  co_return boost::json::object{{"action", proto::to_json(*action, /*with_bodies=*/false)}};
}

}  // namespace bgsync::daemon
