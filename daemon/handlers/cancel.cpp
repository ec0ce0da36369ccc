// cancel: one action, or every unfinished action of a tag. An attempt already on the wire
// finishes, but its outcome is dropped.
#include "daemon/handlers/handlers.hpp"

#include <boost/json/array.hpp>

#include "daemon/scheduler.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {

HandlerResult handle_cancel(RequestContext& ctx, const boost::json::object& message) {
  auto request = proto::parse_cancel(message);
  if (!request) co_return request.error();
  proto::CancelArgs args{std::nullopt, std::move(request->tag)};
  if (request->action) {
    auto id = co_await resolve_action(ctx, *request->action);
    if (!id) co_return id.error();
    args.action = *id;
  }
  store::CommitQueue::Job<std::vector<proto::Action>> job = [args = std::move(args)](store::WriteTxn& txn) {
    return txn.cancel(args, now_ms());
  };
  auto cancelled = co_await ctx.services.commits.run(std::move(job));
  if (!cancelled) co_return cancelled.error();
  ctx.services.scheduler.wake();  // the next action of the tag may go now
  boost::json::array out;
  for (const auto& a : *cancelled) out.push_back(proto::to_json(a, /*with_bodies=*/false));
  co_return boost::json::object{{"cancelled", std::move(out)}};
}

}  // namespace bgsync::daemon
