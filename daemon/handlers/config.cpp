// config: the settings in effect, each with where its value came from (default, config file line,
// command line) and whether a reload can change it; plus the config file, socket and state dir.
#include "daemon/handlers/handlers.hpp"

#include "daemon/live_config.hpp"

namespace bgsync::daemon {

HandlerResult handle_config(RequestContext& ctx, const boost::json::object&) {
  co_return proto::to_json(ctx.services.config.describe());
}

}  // namespace bgsync::daemon
