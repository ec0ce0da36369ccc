// get: one action, with its body and the stored response.
#include "daemon/handlers/handlers.hpp"

namespace bgsync::daemon {

HandlerResult handle_get(RequestContext& ctx, const boost::json::object& message) {
  auto ref = proto::parse_action_ref(message);
  if (!ref) co_return ref.error();
  auto id = co_await resolve_action(ctx, *ref);
  if (!id) co_return id.error();
  auto action = ctx.reads().get(*id);
  if (!action) co_return action.error();
  if (!*action) co_return proto::make_error(proto::errc::not_found, "no action " + id->to_string());
  co_return boost::json::object{{"action", proto::to_json(**action)}};
}

}  // namespace bgsync::daemon
