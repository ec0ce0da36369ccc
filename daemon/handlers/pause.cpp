// pause and resume: hold all sending until resumed. The flag is durable, so a paused daemon
// stays paused across restarts; the SendGate holds it in memory and commits it.
#include "daemon/handlers/handlers.hpp"

#include "daemon/periodic_scheduler.hpp"
#include "daemon/send_gate.hpp"

namespace bgsync::daemon {
namespace {

HandlerResult set_paused(RequestContext& ctx, bool paused) {
  auto set = ctx.services.gate.set_paused(paused);
  if (auto stored = co_await std::move(set); !stored) co_return stored.error();
  ctx.services.periodic.wake();
  co_return boost::json::object{{"paused", paused}};
}

}  // namespace

HandlerResult handle_pause(RequestContext& ctx, const boost::json::object&) { return set_paused(ctx, true); }
HandlerResult handle_resume(RequestContext& ctx, const boost::json::object&) { return set_paused(ctx, false); }

}  // namespace bgsync::daemon
