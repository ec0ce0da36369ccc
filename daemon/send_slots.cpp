// SendSlots: a waiter sleeps on its own timer, which release() cancels to hand it the slot; the
// `granted` flag tells that handoff from a cancellation of the waiting coroutine.
#include "daemon/send_slots.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bgsync::daemon {
namespace asio = boost::asio;

void SendSlots::set_limit(std::size_t limit) {
  limit_ = limit;
  grant();
}

asio::awaitable<bool> SendSlots::acquire() {
  if (held_ < limit_ && waiters_.empty()) {
    ++held_;
    co_return true;
  }
  auto waiter = std::make_shared<Waiter>(executor_);
  waiter->wake.expires_at(asio::steady_timer::time_point::max());
  waiters_.push_back(waiter);
  // Cancellable through the awaiting coroutine's own cancellation slot.
  co_await waiter->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  if (waiter->granted) co_return true;
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), waiter));
  co_return false;
}

void SendSlots::release() {
  --held_;
  grant();
}

void SendSlots::grant() {
  while (held_ < limit_ && !waiters_.empty()) {
    auto waiter = waiters_.front();
    waiters_.pop_front();
    waiter->granted = true;
    ++held_;
    waiter->wake.cancel();
  }
}

}  // namespace bgsync::daemon
