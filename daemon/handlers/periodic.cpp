// periodic_register, periodic_list, periodic_unregister and periodic_run: managing periodic-sync
// registrations (the browser's periodicSync.register / getTags / unregister, and a run on demand).
#include "daemon/handlers/handlers.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "bgsync/proto/periodic.hpp"
#include "daemon/duration.hpp"
#include "daemon/periodic_scheduler.hpp"
#include "daemon/send_gate.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {
namespace {

// Enough for any one user's apps; a reply must fit in one frame.
constexpr std::size_t max_listed = 10'000;

std::string label(const proto::PeriodicRef& ref) {
  return ref.app.empty() ? "periodic \"" + ref.tag + "\"" : "periodic \"" + ref.tag + "\" of " + ref.app;
}

proto::Error no_such(const proto::PeriodicRef& ref) {
  return proto::make_error(proto::errc::not_found,
                           "no periodic registration \"" + ref.tag + "\"" +
                               (ref.app.empty() ? std::string() : " for app \"" + ref.app + "\""));
}

// The registration as stored now, described for a reply: after the handler's own write, so
// through a read barrier of its own.
boost::asio::awaitable<proto::Result<proto::PeriodicRegistration>> current(Services& services,
                                                                           const proto::PeriodicRef& ref) {
  auto view = co_await services.commits.visible();
  if (!view) co_return view.error();
  auto listed = view->periodic_get(ref.app, ref.tag);
  if (!listed) co_return listed.error();
  if (!*listed) co_return no_such(ref);
  std::vector<store::PeriodicListed> one{std::move(**listed)};
  auto described = co_await services.periodic.describe(std::move(one));
  co_return std::move(described.front());
}

}  // namespace

HandlerResult handle_periodic_register(RequestContext& ctx, const boost::json::object& message) {
  auto request = proto::parse_periodic_register(message);
  if (!request) co_return request.error();
  store::periodic::Registration reg;
  reg.app = request->app;
  reg.tag = request->tag;
  reg.min_interval_ms = static_cast<std::uint64_t>(std::max(request->min_interval, ctx.services.periodic.floor()).count());
  reg.request = {request->method, request->url, request->headers, request->body};
  reg.network = request->network;
  reg.power = request->power;
  store::CommitQueue::Job<store::periodic::PutResult> job = [reg](store::WriteTxn& txn) {
    return txn.periodic_put(reg, now_ms());
  };
  auto put = co_await ctx.services.commits.run(std::move(job));
  if (!put) co_return put.error();
  ctx.services.periodic.wake();
  const proto::PeriodicRef ref{request->app, request->tag};
  spdlog::info("{}: {} every {}: {} {}", label(ref), put->replaced ? "replaced" : "registered",
               format_duration(std::chrono::milliseconds(reg.min_interval_ms)), reg.request.method, reg.request.url);
  auto registration = co_await current(ctx.services, ref);
  if (!registration) co_return registration.error();
  co_return proto::to_json(proto::PeriodicRegisterResult{std::move(*registration), put->replaced, request->min_interval});
}

HandlerResult handle_periodic_list(RequestContext& ctx, const boost::json::object& message) {
  auto query = proto::parse_periodic_list(message);
  if (!query) co_return query.error();
  std::optional<std::string_view> app;
  if (query->app) app = *query->app;
  auto listed = ctx.reads().periodic_list(app, max_listed);
  if (!listed) co_return listed.error();
  auto registrations = co_await ctx.services.periodic.describe(std::move(*listed));
  co_return proto::to_json(proto::PeriodicList{std::move(registrations)});
}

HandlerResult handle_periodic_unregister(RequestContext& ctx, const boost::json::object& message) {
  auto ref = proto::parse_periodic_ref(message);
  if (!ref) co_return ref.error();
  store::CommitQueue::Job<bool> job = [ref = *ref](store::WriteTxn& txn) { return txn.periodic_remove(ref.app, ref.tag); };
  auto removed = co_await ctx.services.commits.run(std::move(job));
  if (!removed) co_return removed.error();
  if (!*removed) co_return no_such(*ref);
  ctx.services.periodic.forget(ref->app, ref->tag);
  spdlog::info("{}: unregistered", label(*ref));
  co_return boost::json::object{};
}

HandlerResult handle_periodic_run(RequestContext& ctx, const boost::json::object& message) {
  auto ref = proto::parse_periodic_ref(message);
  if (!ref) co_return ref.error();
  if (ctx.services.gate.paused()) {
    co_return proto::make_error(proto::errc::bad_state, "sending is paused: nothing runs until `syncctl resume`");
  }
  store::CommitQueue::Job<store::periodic::Registration> job = [ref = *ref](store::WriteTxn& txn) {
    return txn.periodic_reschedule(ref.app, ref.tag, now_ms());
  };
  auto rescheduled = co_await ctx.services.commits.run(std::move(job));
  if (!rescheduled) {
    if (rescheduled.error().code == proto::errc::not_found) co_return no_such(*ref);
    co_return rescheduled.error();
  }
  ctx.services.periodic.force(ref->app, ref->tag);
  auto registration = co_await current(ctx.services, *ref);
  if (!registration) co_return registration.error();
  co_return boost::json::object{{"registration", proto::to_json(*registration)}};
}

HandlerResult handle_cache_get(RequestContext& ctx, const boost::json::object& message) {
  auto ref = proto::parse_periodic_ref(message);
  if (!ref) co_return ref.error();
  auto listed = ctx.reads().periodic_get(ref->app, ref->tag);
  if (!listed) co_return listed.error();
  if (!*listed) co_return no_such(*ref);
  auto entry = ctx.reads().periodic_cache(ref->app, ref->tag);
  if (!entry) co_return entry.error();
  if (!*entry) {
    co_return proto::make_error(proto::errc::not_found,
                                "nothing cached for " + label(*ref) + " yet: no run of it has succeeded");
  }
  const auto& reg = (*listed)->registration;
  proto::CachedResponse response{ref->app, ref->tag, (*entry)->status, std::move((*entry)->headers),
                                 std::move((*entry)->body), (*entry)->fetched, reg.validated};
  co_return proto::to_json(response);
}

}  // namespace bgsync::daemon
