// reload: read the config file again and apply what can change without a restart (SIGHUP does
// the same). A file with an error is a bad_config error, and then nothing changed.
#include "daemon/handlers/handlers.hpp"

#include "daemon/live_config.hpp"

namespace bgsync::daemon {

HandlerResult handle_reload(RequestContext& ctx, const boost::json::object&) {
  auto result = ctx.services.config.reload();
  if (!result) co_return result.error();
  co_return proto::to_json(*result);
}

}  // namespace bgsync::daemon
