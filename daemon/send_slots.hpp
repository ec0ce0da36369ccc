// A counting semaphore for coroutines on one io_context: at most `limit` holders at once, waiters
// served in arrival order. The scheduler uses it to bound requests on the wire (--parallel) while
// more actions than that move through the outbox's commits around them.
#pragma once

#include <cstddef>
#include <list>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace bgsync::daemon {

class SendSlots {
 public:
  SendSlots(boost::asio::any_io_executor executor, std::size_t limit) : executor_(executor), limit_(limit) {}

  // A raised limit serves waiters at once; a lowered one takes effect as holders release.
  void set_limit(std::size_t limit);
  // True once a slot is held (release() it); false if the awaiting coroutine was cancelled first
  // (through the cancellation slot it was spawned with).
  boost::asio::awaitable<bool> acquire();
  void release();

  std::size_t held() const noexcept { return held_; }

 private:
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor executor) : wake(executor) {}
    boost::asio::steady_timer wake;
    bool granted = false;
  };
  void grant();

  boost::asio::any_io_executor executor_;
  std::size_t limit_;
  std::size_t held_ = 0;
  std::list<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace bgsync::daemon
