// list: a page of actions in creation order, filtered by tag, state and app; bodies left out.
#include "daemon/handlers/handlers.hpp"

#include "daemon/store/commit_queue.hpp"
#include "daemon/store/outbox.hpp"

namespace bgsync::daemon {

HandlerResult handle_list(RequestContext& ctx, const boost::json::object& message) {
  auto query = proto::parse_list(message);
  if (!query) co_return query.error();
  // Reads after a barrier: every change acknowledged before this request is visible.
  auto seen = co_await ctx.services.commits.visible();
  if (!seen) co_return seen.error();
  auto page = ctx.services.outbox.list(*query);
  if (!page) co_return page.error();
  co_return proto::to_json(*page);
}

}  // namespace bgsync::daemon
