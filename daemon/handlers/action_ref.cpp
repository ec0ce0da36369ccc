// The one place where an operation's action argument (a whole id or a prefix of one) becomes the
// action's id: every op that names an action resolves it here, so a prefix works for all of them.
#include "daemon/handlers/handlers.hpp"

#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {

boost::asio::awaitable<proto::Result<proto::ActionId>> resolve_action(RequestContext& ctx, const proto::ActionRef& ref) {
  if (auto id = ref.whole()) co_return *id;  // the op itself says not_found: no read needed here
  if (ctx.view) co_return ctx.view->resolve(ref);
  // An op that writes has no view: the barrier makes an action acknowledged before the request
  // findable by its prefix.
  auto view = co_await ctx.services.commits.visible();
  if (!view) co_return view.error();
  co_return view->resolve(ref);
}

}  // namespace bgsync::daemon
