// list: a page of actions in creation order, filtered by tag, state and app; bodies left out.
#include "daemon/handlers/handlers.hpp"

namespace bgsync::daemon {

HandlerResult handle_list(RequestContext& ctx, const boost::json::object& message) {
  auto query = proto::parse_list(message);
  if (!query) co_return query.error();
  auto page = ctx.reads().list(*query);
  if (!page) co_return page.error();
  co_return proto::to_json(*page);
}

}  // namespace bgsync::daemon
