// The state behind an AsyncClient (see async_client.cpp for how its coroutines share it), and run(),
// the awaitable path every op descriptor (ops.hpp) takes; private, shared by async_periodic.cpp.
#pragma once

#include "bgsync/async_client.hpp"
#include "client-lib/src/ops.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bgsync {
namespace detail {
class Waiter;
}

struct AsyncClient::Impl : std::enable_shared_from_this<Impl> {
  struct Pending {
    explicit Pending(const executor_type& executor) : wake(executor) {}
    boost::asio::steady_timer wake;  // expires at the request's deadline; cancelled when the reply arrives
    std::optional<Result<boost::json::object>> result;
  };

  Impl(const executor_type& executor, std::string path_, const ConnectOptions& options)
      : socket(executor),
        event_signal(executor),
        space_signal(executor),
        path(std::move(path_)),
        options(options),
        timeout(options.timeout),
        capacity(std::max<std::size_t>(options.event_queue_capacity, 1)) {}

  boost::asio::local::stream_protocol::socket socket;
  boost::asio::steady_timer event_signal;  // next_event() sleeps on it while the queue is empty
  boost::asio::steady_timer space_signal;  // the reader sleeps on it while the queue is full
  std::string path;
  ConnectOptions options;  // as connected: wait() opens a connection of its own with them
  std::string server;
  std::chrono::milliseconds timeout;
  std::size_t capacity;
  std::size_t max_frame = proto::max_frame_size;

  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, std::shared_ptr<Pending>> pending;
  std::deque<std::string> write_queue;
  bool writing = false;
  std::string read_buffer;
  std::deque<Event> events;
  std::function<void(const Event&)> callback;
  std::optional<Error> closed;  // why the connection ended; set once

  // Runs the op that `Op{args...}` describes: its check, its request through call(), its reply
  // decoded. The arguments are kept, by value, in this coroutine's frame: a request's public member
  // returns run's awaitable as its own, so each request is one coroutine besides call().
  template <class Op, class... Args>
  static boost::asio::awaitable<Result<detail::ops::Value<Op>>> run(std::shared_ptr<Impl> self, Args... args);
  boost::asio::awaitable<Result<boost::json::object>> call(boost::json::object request, std::uint64_t id);
  static boost::asio::awaitable<void> write_loop(std::shared_ptr<Impl> self);
  static boost::asio::awaitable<void> read_loop(std::shared_ptr<Impl> self);
  // Handles one frame: a reply to its Pending, an event to deliver(), anything else ends the connection.
  void dispatch(std::string_view line);
  void deliver(Event event);
  // wait()'s reads: each of `ids` with `get`, into `waiter` (async_wait.cpp). The first error, if any.
  static boost::asio::awaitable<std::optional<Error>> read_actions(std::shared_ptr<Impl> self,
                                                                   std::vector<ActionId> ids, detail::Waiter& waiter);
  // Ends the connection for `why`: every waiter wakes and sees it. Idempotent.
  void finish(Error why);
};

// ops::finish, out of line on purpose: g++ 12 with sanitizers warns (maybe-uninitialized) when it
// sees a Result<void> built inside a coroutine.
namespace detail {
template <class Op>
[[gnu::noinline]] Result<ops::Value<Op>> finish_apart(const Op& op, const Result<boost::json::object>& reply) {
  return ops::finish(op, reply);
}
}  // namespace detail

template <class Op, class... Args>
boost::asio::awaitable<Result<detail::ops::Value<Op>>> AsyncClient::Impl::run(std::shared_ptr<Impl> self,
                                                                              Args... args) {
  const Op op{args...};
  if constexpr (detail::ops::Checked<Op>) {
    if (auto valid = op.check(); !valid) co_return valid.error();
  }
  const auto id = self->next_id++;
  auto reply = co_await self->call(op.build(id), id);
  co_return detail::finish_apart(op, reply);
}

}  // namespace bgsync
