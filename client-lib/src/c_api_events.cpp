// The C API's events (bgsync_subscribe, bgsync_next_event, bgsync_watch) over bgsync::AsyncClient.
//
// C callers have no event loop, so each subscription owns a private io_context and drives it only
// inside its own calls: a call spawns one AsyncClient operation and runs the context until that
// operation completes, cancelling it when the caller's timeout passes. Between calls nothing runs:
// events wait in the AsyncClient's bounded queue or in the socket, and the daemon's backpressure
// rules (PROTOCOL.md section 9) keep a slow caller from losing any.

#include "bgsync/bgsync.h"

#include "bgsync/async_client.hpp"
#include "client-lib/src/c_api_internal.hpp"
#include "client-lib/src/c_api_values.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

namespace asio = boost::asio;
namespace capi = bgsync::capi;

struct bgsync_subscription {
  asio::io_context io;  // declared first, destroyed last: the client's operations live in it
  std::unique_ptr<bgsync::AsyncClient> client;
  bgsync::SubscribeResult info;
};

namespace bgsync::capi {
namespace {

using Clock = std::chrono::steady_clock;

// No deadline. (Not std::optional: g++ 12 reports an optional time_point as maybe-uninitialized.)
constexpr Clock::time_point never = Clock::time_point::max();

// Awaits `operation` with Asio's throw_if_cancelled off, so that a cancellation comes back as the
// operation's own result (std::errc::operation_canceled), not as an exception thrown by Asio at
// the operation's next co_await after the cancellation (the default).
template <class T>
asio::awaitable<Result<T>> without_throwing(asio::awaitable<Result<T>> operation) {
  co_await asio::this_coro::throw_if_cancelled(false);
  co_return co_await std::move(operation);
}

// Runs `operation` on `io` until it completes. Cancels it once `deadline` passes and still waits
// for it to complete (it then reports std::errc::operation_canceled, unless it had finished
// anyway). Exceptions from the operation are rethrown here.
template <class T>
Result<T> run(asio::io_context& io, asio::awaitable<Result<T>> operation, Clock::time_point deadline) {
  std::optional<Result<T>> result;
  std::exception_ptr failure;
  asio::cancellation_signal cancel;
  asio::co_spawn(io, without_throwing(std::move(operation)),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, Result<T> r) {
                   failure = e;
                   result.emplace(std::move(r));
                 }));
  if (io.stopped()) io.restart();  // it stops whenever it runs out of work, e.g. after a disconnect
  io.poll();                       // what is ready already, so that a zero timeout still sees it
  while (!result) {
    const std::size_t ran = deadline != never ? io.run_one_until(deadline) : io.run_one();
    if (result) break;
    if (deadline != never && Clock::now() >= deadline) {
      cancel.emit(asio::cancellation_type::terminal);
      deadline = never;
    } else if (ran == 0 && io.stopped()) {
      throw std::logic_error("the subscription's event loop ran out of work before the operation completed");
    }
  }
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

Clock::time_point deadline_after(int timeout_ms) {
  if (timeout_ms < 0) return never;
  return Clock::now() + std::chrono::milliseconds(timeout_ms);
}

// The next event, as a C struct; a cancellation by the deadline reads as TIMEOUT.
bgsync_error next_event(bgsync_subscription& subscription, Clock::time_point deadline,
                        BoxPtr<bgsync_event>& out, bgsync_client* client) {
  auto event = run(subscription.io, subscription.client->next_event(), deadline);
  if (!event) {
    if (event.error().code == std::errc::operation_canceled) {
      return fail(client, BGSYNC_ERR_TIMEOUT, "no event arrived in the time given");
    }
    return fail(client, event.error());
  }
  out = make_event(*event);
  return BGSYNC_OK;
}

bgsync_error subscribe(bgsync_client* client, const char* tag, std::int64_t since, bgsync_subscription** out) {
  *out = nullptr;
  auto subscription = std::make_unique<bgsync_subscription>();
  auto connected = run(subscription->io, AsyncClient::connect(subscription->io.get_executor(), client->options), never);
  if (!connected) return fail(client, connected.error());
  subscription->client = std::move(*connected);

  SubscribeArgs args;
  if (tag != nullptr) args.tag = tag;
  if (since >= 0) args.since = static_cast<std::uint64_t>(since);
  auto subscribed = run(subscription->io, subscription->client->subscribe(args), never);
  if (!subscribed) return fail(client, subscribed.error());
  subscription->info = *subscribed;
  *out = subscription.release();
  return BGSYNC_OK;
}

}  // namespace
}  // namespace bgsync::capi

extern "C" {

bgsync_error bgsync_subscribe(bgsync_client* client, const char* tag, int64_t since, bgsync_subscription** out) {
  return capi::guarded(client, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (client == nullptr || out == nullptr) {
      return capi::fail(client, BGSYNC_ERR_INVALID_ARGUMENT, "bgsync_subscribe: `client` or `out` is NULL");
    }
    return capi::subscribe(client, tag, since, out);
  });
}

uint64_t bgsync_subscription_last_seq(const bgsync_subscription* subscription) {
  return subscription == nullptr ? 0 : subscription->info.last_seq;
}

uint64_t bgsync_subscription_first_seq(const bgsync_subscription* subscription) {
  return subscription == nullptr ? 0 : subscription->info.first_seq;
}

bgsync_error bgsync_next_event(bgsync_subscription* subscription, int timeout_ms, bgsync_event** out) {
  return capi::guarded(nullptr, [&]() -> bgsync_error {
    if (out != nullptr) *out = nullptr;
    if (subscription == nullptr || out == nullptr) {
      return capi::fail(nullptr, BGSYNC_ERR_INVALID_ARGUMENT, "bgsync_next_event: `subscription` or `out` is NULL");
    }
    capi::BoxPtr<bgsync_event> event;
    const auto code = capi::next_event(*subscription, capi::deadline_after(timeout_ms), event, nullptr);
    if (code == BGSYNC_OK) *out = capi::release(std::move(event));
    return code;
  });
}

void bgsync_subscription_close(bgsync_subscription* subscription) { delete subscription; }

bgsync_error bgsync_watch(bgsync_client* client, const char* tag, int64_t since, int timeout_ms,
                          bgsync_event_callback callback, void* userdata) {
  return capi::guarded(client, [&]() -> bgsync_error {
    if (client == nullptr || callback == nullptr) {
      return capi::fail(client, BGSYNC_ERR_INVALID_ARGUMENT, "bgsync_watch: `client` or `callback` is NULL");
    }
    const auto deadline = capi::deadline_after(timeout_ms);
    bgsync_subscription* raw = nullptr;
    if (const auto code = capi::subscribe(client, tag, since, &raw); code != BGSYNC_OK) return code;
    const std::unique_ptr<bgsync_subscription> subscription(raw);
    for (;;) {
      capi::BoxPtr<bgsync_event> event;
      if (const auto code = capi::next_event(*subscription, deadline, event, client); code != BGSYNC_OK) return code;
      if (callback(&event->value, userdata) != 0) return BGSYNC_OK;
    }
  });
}

}  // extern "C"
