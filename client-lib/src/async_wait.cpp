// AsyncClient::wait: Client::wait's bookkeeping (Waiter) over two connections: a subscription on a
// connection of the wait's own, so that the app's event queue and callback are left alone, and the
// `get`s on the client's, made after the subscription so that no outcome falls between the two.

#include "bgsync/async_client.hpp"

#include "client-lib/src/async_impl.hpp"
#include "client-lib/src/waiter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bgsync {
namespace asio = boost::asio;
namespace ops = detail::ops;

namespace {

using Clock = std::chrono::steady_clock;

// The next event of `events`, or std::nullopt once `deadline` has passed.
asio::awaitable<std::optional<Result<Event>>> next_before(AsyncClient& events, asio::steady_timer& timer,
                                                          Clock::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  if (deadline == Clock::time_point::max()) co_return co_await events.next_event();
  timer.expires_at(deadline);
  auto first = co_await (events.next_event() || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (first.index() == 1) co_return std::nullopt;
  co_return std::move(std::get<0>(first));
}

}  // namespace

// Reads each of `ids` on the client's own connection into `waiter`; the first error, if any.
asio::awaitable<std::optional<Error>> AsyncClient::Impl::read_actions(std::shared_ptr<Impl> self,
                                                                      std::vector<ActionId> ids,
                                                                      detail::Waiter& waiter) {
  for (const auto& id : ids) {
    auto action = co_await run<ops::Get>(self, id);
    if (!action) co_return action.error();
    waiter.on_action(*action);
  }
  co_return std::nullopt;
}

asio::awaitable<Result<std::vector<WaitResult>>> AsyncClient::wait(std::vector<WaitTarget> targets,
                                                                   std::optional<std::chrono::milliseconds> timeout) {
  auto impl = impl_;
  const auto deadline =
      timeout ? Clock::now() + std::max(*timeout, std::chrono::milliseconds::zero()) : Clock::time_point::max();
  detail::Waiter waiter(targets);
  if (waiter.done()) co_return waiter.results();

  ConnectOptions options = impl->options;
  options.socket_path = impl->path;
  auto connected = co_await AsyncClient::connect(impl->socket.get_executor(), options);
  if (!connected) co_return connected.error();
  AsyncClient& events = **connected;
  const auto args = waiter.subscription();
  auto subscribed = co_await events.subscribe(args);
  if (!subscribed) co_return subscribed.error();
  const auto to_read = waiter.to_read(*subscribed);
  if (auto error = co_await Impl::read_actions(impl, to_read, waiter)) co_return *error;

  asio::steady_timer timer(impl->socket.get_executor());
  while (!waiter.done()) {
    auto event = co_await next_before(events, timer, deadline);
    if (!event) {  // the time is up: the results say where the unfinished ones are
      const auto unfinished = waiter.unfinished();
      if (auto error = co_await Impl::read_actions(impl, unfinished, waiter)) co_return *error;
      break;
    }
    if (!*event) co_return event->error();
    waiter.on_event(**event);
  }
  co_return waiter.results();
}

}  // namespace bgsync
