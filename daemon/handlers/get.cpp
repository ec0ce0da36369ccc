// get: one action, with its body and the stored response.
#include "daemon/handlers/handlers.hpp"

#include "daemon/store/commit_queue.hpp"
#include "daemon/store/outbox.hpp"

namespace bgsync::daemon {

HandlerResult handle_get(RequestContext& ctx, const boost::json::object& message) {
  auto id = proto::parse_action_ref(message);
  if (!id) co_return id.error();
  // Reads after a barrier: every change acknowledged before this request is visible.
  auto seen = co_await ctx.services.commits.visible();
  if (!seen) co_return seen.error();
  auto action = ctx.services.outbox.get(*id);
  if (!action) co_return action.error();
  if (!*action) co_return proto::make_error(proto::errc::not_found, "no action " + id->to_string());
  co_return boost::json::object{{"action", proto::to_json(**action)}};
}

}  // namespace bgsync::daemon
