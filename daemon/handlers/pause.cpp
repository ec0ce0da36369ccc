// pause and resume: hold all sending until resumed. The flag is durable, so a paused daemon
// stays paused across restarts.
#include "daemon/handlers/handlers.hpp"

#include "daemon/periodic_scheduler.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {
namespace {

HandlerResult set_paused(RequestContext& ctx, bool paused) {
  auto& scheduler = ctx.services.scheduler;
  const bool was_paused = scheduler.paused();
  // Hold the scheduler first, so nothing new starts while the flag is being committed; resume
  // only once the flag is durable.
  if (paused) scheduler.set_paused(true);
  store::CommitQueue::Job<void> job = [paused](store::WriteTxn& txn) { return txn.set_paused(paused); };
  auto stored = co_await ctx.services.commits.run(std::move(job));
  if (!stored) {
    scheduler.set_paused(was_paused);
    co_return stored.error();
  }
  scheduler.set_paused(paused);
  ctx.services.periodic.wake();
  co_return boost::json::object{{"paused", paused}};
}

}  // namespace

HandlerResult handle_pause(RequestContext& ctx, const boost::json::object&) { return set_paused(ctx, true); }
HandlerResult handle_resume(RequestContext& ctx, const boost::json::object&) { return set_paused(ctx, false); }

}  // namespace bgsync::daemon
