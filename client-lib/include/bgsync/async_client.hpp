// bgsync::AsyncClient — the Boost.Asio client: pipelined requests as C++20 coroutines, and the
// daemon's pushed events, awaited one by one (next_event) or delivered to a callback (on_event).
#pragma once

#include "bgsync/connect_options.hpp"
#include "bgsync/errors.hpp"
#include "bgsync/wait.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgsync {

// A connection to bgsyncd driven by an Asio executor. Any number of requests may be in flight at
// once (each has a request id; one reader coroutine matches replies to them and takes the pushed
// events aside). Each request waits at most ConnectOptions::timeout for its reply.
// It talks to a running daemon only: it never spools (ConnectOptions::spool is not used). To
// enqueue whether or not bgsyncd runs, use bgsync::enqueue (client.hpp).
//
// Events: after subscribe(), the daemon pushes events. They go to the on_event callback when one is
// set, else into a bounded queue read by next_event(). When the queue holds
// ConnectOptions::event_queue_capacity events, the client stops reading the socket until
// next_event() makes room: the daemon sees backpressure instead of the app's memory growing.
// While reading is stopped, replies wait too — so keep draining events (or use a callback) while
// making requests on a subscribed client.
//
// Thread safety: none. Call every member, and resume every coroutine, on the executor passed to
// connect(): a single-threaded io_context, or a strand when the io_context runs on several threads.
//
// Arguments: with g++ 12, pass named values (`co_await client.cache_get(ref)`), not temporaries built
// in the co_await expression (`co_await client.cache_get({"app", "tag"})`): g++ 12 destroys those
// twice (a compiler bug), which corrupts the heap.
//
// Lifetime: destroying the client closes the connection; requests still in flight (and a pending
// next_event) then complete with client_errc::connection_lost. Not copyable, not movable (it is
// handed out as a unique_ptr).
//
// Errors common to every request:
//   client_errc::connection_lost  the daemon closed the connection, it broke, or close() was called
//   client_errc::timeout          no reply within the timeout (the request may still take effect)
//   client_errc::protocol_error   the daemon sent something that is not valid protocol; the
//                                 connection is closed then
//   errc::shutting_down, errc::internal, errc::frame_too_large (as for Client)
//   std::errc::operation_canceled   the awaiting coroutine was cancelled (e.g. by a cancellation slot)
class AsyncClient {
public:
  using executor_type = boost::asio::any_io_executor;

  // Connects to proto::resolve_socket_path(options.socket_path) and says hello (protocol version 1).
  // Errors: as Client::connect — client_errc::not_running, permission_denied, unsupported_version,
  // connection_lost, timeout, protocol_error.
  static boost::asio::awaitable<Result<std::unique_ptr<AsyncClient>>> connect(executor_type executor,
                                                                              ConnectOptions options = {});

  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;
  ~AsyncClient();

  // The requests of Client, with the same results and errors.
  boost::asio::awaitable<Result<Action>> enqueue(EnqueueRequest request);
  boost::asio::awaitable<Result<Action>> get(ActionRef id);
  boost::asio::awaitable<Result<ListPage>> list(ListQuery query = {});
  boost::asio::awaitable<Result<std::vector<Action>>> cancel(ActionRef id);
  boost::asio::awaitable<Result<std::vector<Action>>> cancel_tag(std::string tag);
  boost::asio::awaitable<Result<Action>> retry(ActionRef id);
  boost::asio::awaitable<Result<Status>> status();
  boost::asio::awaitable<Result<bool>> pause();
  boost::asio::awaitable<Result<bool>> resume();

  // Periodic sync: the requests of Client, with the same results and errors. run_periodic's outcome
  // arrives as an EventType::periodic event: subscribe (with the tag) before calling it.
  boost::asio::awaitable<Result<PeriodicRegisterResult>> register_periodic(PeriodicRegisterRequest request);
  boost::asio::awaitable<Result<PeriodicList>> list_periodic(PeriodicListQuery query = {});
  boost::asio::awaitable<Result<void>> unregister_periodic(PeriodicRef ref);
  boost::asio::awaitable<Result<PeriodicRegistration>> run_periodic(PeriodicRef ref);
  boost::asio::awaitable<Result<CachedResponse>> cache_get(PeriodicRef ref);

  // Starts a subscription: events of `args.tag` (all tags when unset), first the retained ones with
  // seq > args.since (when set), then live ones, with no gap and no duplicate at the seam. Compare
  // args.since with the result's first_seq to learn whether events were dropped by retention.
  // Events of every subscription of this client share one queue (Event carries no subscription).
  // Errors: errc::bad_field, plus the common ones.
  boost::asio::awaitable<Result<SubscribeResult>> subscribe(SubscribeArgs args = {});

  // Ends a subscription. Events already queued stay queued.
  // Errors: errc::not_found (no such subscription on this connection), plus the common ones.
  boost::asio::awaitable<Result<void>> unsubscribe(std::uint64_t subscription);

  // Client::wait's awaitable twin, with the same results and errors: until each target has finished
  // or `timeout` passes (nullopt: no limit). Its subscription is on a connection of its own, opened
  // for the call with this client's options and closed at its end, so it neither takes events from
  // this client's queue or callback nor waits behind them; it reads the actions with this client.
  boost::asio::awaitable<Result<std::vector<WaitResult>>> wait(
      std::vector<WaitTarget> targets, std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // The oldest queued event; waits for one when the queue is empty. At most one next_event() may be
  // waiting at a time. While an on_event callback is set, events bypass the queue, so this waits
  // until the connection ends. Queued events are still returned after the connection ends; then:
  // Errors: client_errc::connection_lost (or the protocol_error that ended the connection),
  // std::errc::operation_canceled (the awaiting coroutine was cancelled).
  boost::asio::awaitable<Result<Event>> next_event();

  // Delivers events to `callback`, on the executor, in order, instead of queueing them; events
  // already queued are handed to it before on_event returns. An empty function returns to queueing.
  // The callback must not throw; it may call any member of this client, including close() and
  // on_event(), and may destroy the client.
  void on_event(std::function<void(const Event&)> callback);

  // Closes the connection now: pending requests and a waiting next_event() complete with
  // client_errc::connection_lost. Idempotent.
  void close();

  bool is_open() const;
  const std::string& socket_path() const;
  const std::string& server() const;  // as Client::server()
  executor_type get_executor() const;

private:
  struct Impl;  // shared with the reader coroutine, which may outlive this object briefly
  explicit AsyncClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace bgsync
