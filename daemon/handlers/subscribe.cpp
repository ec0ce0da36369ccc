// subscribe and unsubscribe: events of this connection, live and replayed from the event log.
#include "daemon/handlers/handlers.hpp"

#include "daemon/connection.hpp"

namespace bgsync::daemon {

HandlerResult handle_subscribe(RequestContext& ctx, const boost::json::object& message) {
  auto args = proto::parse_subscribe(message);
  if (!args) co_return args.error();
  auto last = ctx.reads().last_seq();
  if (!last) co_return last.error();
  auto first = ctx.reads().first_seq();
  if (!first) co_return first.error();
  co_return proto::to_json(ctx.connection.subscribe(*args, *last, *first));
}

HandlerResult handle_unsubscribe(RequestContext& ctx, const boost::json::object& message) {
  auto subscription = proto::parse_unsubscribe(message);
  if (!subscription) co_return subscription.error();
  if (!ctx.connection.unsubscribe(*subscription)) {
    co_return proto::make_error(proto::errc::not_found, "no subscription " + std::to_string(*subscription) + " on this connection");
  }
  co_return boost::json::object{};
}

}  // namespace bgsync::daemon
