// bgsync::AsyncClient: pipelined requests over one Asio local stream socket.
//
// Three kinds of coroutine share the Impl (all on the client's executor, so no locks):
//  - callers (enqueue, status...: each an Impl::run of its op descriptor, ops.hpp) queue a frame,
//    register a Pending under their request id and sleep on the Pending's timer until the reply
//    arrives or the timeout passes;
//  - one writer, spawned while the write queue is non-empty, so that frames never interleave and a
//    cancelled caller never leaves half a frame on the wire;
//  - one reader for the connection's life, which hands replies to their Pending (waking it by
//    cancelling its timer) and events to the callback or the bounded queue. When the queue is full it
//    stops reading until next_event() makes room: the daemon sees backpressure.
// Timers serve as wake-up signals: cancel() wakes the coroutine waiting on one; the waiter then
// re-checks the state it waits for, so a spurious wake-up is harmless.

#include "bgsync/async_client.hpp"

#include "bgsync/proto/paths.hpp"
#include "client-lib/src/async_impl.hpp"
#include "client-lib/src/replies.hpp"
#include "client-lib/src/transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace bgsync {
namespace asio = boost::asio;
namespace json = boost::json;
namespace ops = detail::ops;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

Error cancelled() { return Error{std::make_error_code(std::errc::operation_canceled), "cancelled"}; }

// True when the awaiting coroutine has been asked to stop (as opposed to woken by a signal).
asio::awaitable<bool> was_cancelled() {
  const auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

}  // namespace

void AsyncClient::Impl::finish(Error why) {
  if (closed) return;
  closed = std::move(why);
  boost::system::error_code ignored;
  socket.close(ignored);  // aborts the reader's and writer's operations
  for (auto& [id, call] : pending) {
    call->result = *closed;
    call->wake.cancel();
  }
  pending.clear();
  event_signal.cancel();
  space_signal.cancel();
}

asio::awaitable<Result<json::object>> AsyncClient::Impl::call(json::object request, std::uint64_t id) {
  if (closed) co_return *closed;
  std::string frame = proto::encode_frame(request);
  if (frame.size() > max_frame) {
    co_return proto::make_error(proto::errc::frame_too_large, "the request is " + std::to_string(frame.size()) +
                                                                  " bytes; bgsyncd accepts at most " +
                                                                  std::to_string(max_frame));
  }

  auto call = std::make_shared<Pending>(socket.get_executor());
  if (timeout > std::chrono::milliseconds::zero()) {
    call->wake.expires_after(timeout);
  } else {
    call->wake.expires_at(asio::steady_timer::time_point::max());
  }
  pending.emplace(id, call);
  write_queue.push_back(std::move(frame));
  if (!writing) {
    writing = true;
    asio::co_spawn(socket.get_executor(), write_loop(shared_from_this()), asio::detached);
  }

  while (!call->result) {
    auto [ec] = co_await call->wake.async_wait(use_tuple);
    if (call->result) break;
    if (!ec) {  // the deadline passed; a late reply will find no Pending and be dropped
      pending.erase(id);
      co_return detail::timed_out(timeout, path);
    }
    if (co_await was_cancelled()) {
      pending.erase(id);
      co_return cancelled();
    }
  }
  co_return std::move(*call->result);
}

asio::awaitable<void> AsyncClient::Impl::write_loop(std::shared_ptr<Impl> self) {
  while (!self->write_queue.empty() && !self->closed) {
    auto [ec, n] = co_await asio::async_write(self->socket, asio::buffer(self->write_queue.front()), use_tuple);
    if (ec) {
      self->finish(detail::io_error(ec.value(), "sending a request"));
      break;
    }
    self->write_queue.pop_front();
  }
  self->write_queue.clear();
  self->writing = false;
}

asio::awaitable<void> AsyncClient::Impl::read_loop(std::shared_ptr<Impl> self) {
  while (!self->closed) {
    if (!self->callback && self->events.size() >= self->capacity) {
      self->space_signal.expires_at(asio::steady_timer::time_point::max());
      co_await self->space_signal.async_wait(use_tuple);
      continue;
    }
    auto [ec, n] = co_await asio::async_read_until(
        self->socket, asio::dynamic_buffer(self->read_buffer, proto::max_frame_size), '\n', use_tuple);
    if (self->closed) break;
    if (ec == asio::error::eof) {
      self->finish(detail::connection_closed());
    } else if (ec == asio::error::not_found) {
      self->finish(detail::client_error(client_errc::protocol_error, "bgsyncd sent a frame larger than " +
                                                                        std::to_string(proto::max_frame_size) +
                                                                        " bytes"));
    } else if (ec) {
      self->finish(detail::io_error(ec.value(), "reading a reply"));
    } else {
      const std::string line = self->read_buffer.substr(0, n);
      self->read_buffer.erase(0, n);
      self->dispatch(line);
    }
  }
}

void AsyncClient::Impl::dispatch(std::string_view line) {
  auto message = proto::decode_frame(line);
  if (!message) {
    finish(detail::malformed("a request", message.error()));
    return;
  }
  auto incoming = proto::parse_incoming(std::move(*message));
  if (!incoming) {
    finish(detail::malformed("a request", incoming.error()));
    return;
  }
  if (auto* push = std::get_if<proto::EventPush>(&*incoming)) {
    deliver(std::move(push->event));
    return;
  }

  auto& reply = std::get<proto::Reply>(*incoming);
  const auto id = detail::reply_id(reply.id);
  if (!id) {
    // Only a request the daemon could not read gets an id-less reply; with several in flight we
    // cannot tell whose it was, and our own frames should never be unreadable.
    const std::string why = reply.result ? std::string("a reply without a request id")
                                         : "an error without a request id: " + reply.result.error().message;
    finish(detail::client_error(client_errc::protocol_error, "bgsyncd sent " + why));
    return;
  }
  const auto it = pending.find(*id);
  if (it == pending.end()) return;  // the reply to a request that timed out or was cancelled
  auto call = it->second;
  pending.erase(it);
  const bool too_large = !reply.result && reply.result.error().code == proto::errc::frame_too_large;
  call->result = std::move(reply.result);
  call->wake.cancel();
  if (too_large) {  // the daemon closes the connection after this reply
    finish(detail::client_error(client_errc::connection_lost,
                                "bgsyncd closed the connection after a request that was too large"));
  }
}

void AsyncClient::Impl::deliver(Event event) {
  if (callback) {
    auto handler = callback;  // the callback may replace itself or close the client
    handler(event);
    return;
  }
  events.push_back(std::move(event));
  event_signal.cancel();
}

// ---- AsyncClient ------------------------------------------------------------------------------

AsyncClient::AsyncClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

AsyncClient::~AsyncClient() { close(); }

asio::awaitable<Result<std::unique_ptr<AsyncClient>>> AsyncClient::connect(executor_type executor,
                                                                           ConnectOptions options) {
  const auto path = proto::resolve_socket_path(options.socket_path);
  if (auto error = detail::check_path_length(path.path)) co_return *error;

  auto impl = std::make_shared<Impl>(executor, path.path, options);
  auto [ec] = co_await impl->socket.async_connect(asio::local::stream_protocol::endpoint(path.path), use_tuple);
  if (ec) co_return detail::connect_error(ec.value(), path.path);
  if (auto peer = detail::check_peer(impl->socket.native_handle(), path.path); !peer) co_return peer.error();

  asio::co_spawn(executor, Impl::read_loop(impl), asio::detached);
  std::unique_ptr<AsyncClient> client(new AsyncClient(impl));  // from here on, failures close the socket

  auto hello = co_await Impl::run<ops::Hello>(impl, std::string_view(options.client_name));
  if (!hello) co_return hello.error();
  impl->server = std::move(hello->server);
  if (hello->max_frame != 0) impl->max_frame = static_cast<std::size_t>(hello->max_frame);
  co_return std::move(client);
}

// One line per op: its descriptor and the arguments its run keeps.
asio::awaitable<Result<Action>> AsyncClient::enqueue(EnqueueRequest request) {
  return Impl::run<ops::Enqueue>(impl_, std::move(request));
}
asio::awaitable<Result<Action>> AsyncClient::get(ActionRef action) { return Impl::run<ops::Get>(impl_, action); }
asio::awaitable<Result<ListPage>> AsyncClient::list(ListQuery query) {
  return Impl::run<ops::List>(impl_, std::move(query));
}
asio::awaitable<Result<std::vector<Action>>> AsyncClient::cancel(ActionRef action) {
  return Impl::run<ops::Cancel>(impl_, action);
}
asio::awaitable<Result<std::vector<Action>>> AsyncClient::cancel_tag(std::string tag) {
  return Impl::run<ops::CancelTag>(impl_, std::move(tag));
}
asio::awaitable<Result<Action>> AsyncClient::retry(ActionRef action) { return Impl::run<ops::Retry>(impl_, action); }
asio::awaitable<Result<Status>> AsyncClient::status() { return Impl::run<ops::GetStatus>(impl_); }
asio::awaitable<Result<bool>> AsyncClient::pause() { return Impl::run<ops::Pause>(impl_); }
asio::awaitable<Result<bool>> AsyncClient::resume() { return Impl::run<ops::Resume>(impl_); }
asio::awaitable<Result<SubscribeResult>> AsyncClient::subscribe(SubscribeArgs args) {
  return Impl::run<ops::Subscribe>(impl_, std::move(args));
}
asio::awaitable<Result<void>> AsyncClient::unsubscribe(std::uint64_t subscription) {
  return Impl::run<ops::Unsubscribe>(impl_, subscription);
}

asio::awaitable<Result<Event>> AsyncClient::next_event() {
  auto impl = impl_;
  // A cancellation is a result here (operation_canceled), not the exception Asio would throw at
  // our next co_await by default; the caller's own setting is restored before returning.
  const bool throws = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  std::optional<Result<Event>> result;
  while (!result) {
    if (!impl->events.empty()) {
      result.emplace(std::move(impl->events.front()));
      impl->events.pop_front();
      impl->space_signal.cancel();  // the reader may be waiting for room
    } else if (impl->closed) {
      result.emplace(*impl->closed);
    } else {
      impl->event_signal.expires_at(asio::steady_timer::time_point::max());
      co_await impl->event_signal.async_wait(use_tuple);
      if (impl->events.empty() && !impl->closed && co_await was_cancelled()) result.emplace(cancelled());
    }
  }
  co_await asio::this_coro::throw_if_cancelled(throws);
  co_return std::move(*result);
}

void AsyncClient::on_event(std::function<void(const Event&)> callback) {
  impl_->callback = std::move(callback);
  if (!impl_->callback) return;
  auto impl = impl_;  // the callback may destroy this client
  while (!impl->events.empty() && impl->callback) {
    Event event = std::move(impl->events.front());
    impl->events.pop_front();
    auto handler = impl->callback;
    handler(event);
  }
  impl->space_signal.cancel();
}

void AsyncClient::close() {
  if (impl_) {
    impl_->finish(
        detail::client_error(client_errc::connection_lost, "the connection to bgsyncd was closed by this client"));
  }
}

bool AsyncClient::is_open() const { return !impl_->closed; }
const std::string& AsyncClient::socket_path() const { return impl_->path; }
const std::string& AsyncClient::server() const { return impl_->server; }
AsyncClient::executor_type AsyncClient::get_executor() const { return impl_->socket.get_executor(); }

}  // namespace bgsync
