// The operations bgsyncd answers: one handler per protocol op, listed in one table
// (handlers/table.hpp), each in its own file. A handler validates its arguments with the proto
// parsers, does its work, and returns the reply's result fields or a coded error.
#pragma once

#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/clock.hpp"
#include "daemon/services.hpp"
#include "daemon/store/read_view.hpp"

namespace bgsync::daemon {

class Connection;

struct RequestContext {
  Services& services;
  Connection& connection;
  // For an op whose row in the table says it reads the outbox, the connection takes the read
  // barrier before calling the handler: this view sees every change acknowledged before the
  // request. Throws std::logic_error (answered as `internal`) for an op whose row does not say so.
  const store::ReadView& reads() const;
  std::optional<store::ReadView> view;  // set by the connection
};

using HandlerResult = boost::asio::awaitable<proto::Result<boost::json::object>>;
using Handler = HandlerResult (*)(RequestContext& context, const boost::json::object& message);

// The action `ref` names (handlers/action_ref.cpp): a whole id as it is; a prefix resolved by
// ReadView::resolve (not_found, ambiguous_id), through the request's view or, for an op that
// has none, after the read barrier. Every op whose argument names an action calls this.
boost::asio::awaitable<proto::Result<proto::ActionId>> resolve_action(RequestContext& ctx, const proto::ActionRef& ref);

HandlerResult handle_hello(RequestContext&, const boost::json::object&);
HandlerResult handle_enqueue(RequestContext&, const boost::json::object&);
HandlerResult handle_get(RequestContext&, const boost::json::object&);
HandlerResult handle_list(RequestContext&, const boost::json::object&);
HandlerResult handle_cancel(RequestContext&, const boost::json::object&);
HandlerResult handle_retry(RequestContext&, const boost::json::object&);
HandlerResult handle_status(RequestContext&, const boost::json::object&);
HandlerResult handle_pause(RequestContext&, const boost::json::object&);
HandlerResult handle_resume(RequestContext&, const boost::json::object&);
HandlerResult handle_subscribe(RequestContext&, const boost::json::object&);
HandlerResult handle_unsubscribe(RequestContext&, const boost::json::object&);
HandlerResult handle_config(RequestContext&, const boost::json::object&);
HandlerResult handle_reload(RequestContext&, const boost::json::object&);
HandlerResult handle_periodic_register(RequestContext&, const boost::json::object&);
HandlerResult handle_periodic_list(RequestContext&, const boost::json::object&);
HandlerResult handle_periodic_unregister(RequestContext&, const boost::json::object&);
HandlerResult handle_periodic_run(RequestContext&, const boost::json::object&);
HandlerResult handle_cache_get(RequestContext&, const boost::json::object&);

}  // namespace bgsync::daemon
