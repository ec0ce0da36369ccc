// SendSlots, the scheduler's bound on requests on the wire: holders up to the limit, waiters served
// in arrival order, a cancelled waiter leaves without a slot, a raised limit serves waiters at once.
#include "daemon/send_slots.hpp"

#include <string>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

namespace asio = boost::asio;
using bgsync::daemon::SendSlots;

namespace {

// Acquires a slot, records "name" (or "name cancelled") and keeps the slot until released by the test.
void take(asio::io_context& io, SendSlots& slots, std::vector<std::string>& log, std::string name,
          asio::cancellation_signal* cancel = nullptr) {
  asio::co_spawn(
      io,
      [&slots, &log, name]() -> asio::awaitable<void> {
        auto acquiring = slots.acquire();
        const bool got = co_await std::move(acquiring);
        log.push_back(got ? name : name + " cancelled");
      },
      asio::bind_cancellation_slot(cancel ? cancel->slot() : asio::cancellation_slot(), asio::detached));
}

}  // namespace

TEST_CASE("send slots: holders up to the limit, then waiters in arrival order", "[daemon][send-slots]") {
  asio::io_context io;
  SendSlots slots(io.get_executor(), 2);
  std::vector<std::string> log;
  for (const char* name : {"a", "b", "c", "d"}) take(io, slots, log, name);
  io.poll();
  CHECK(log == std::vector<std::string>{"a", "b"});
  CHECK(slots.held() == 2);

  slots.release();
  io.poll();
  CHECK(log == std::vector<std::string>{"a", "b", "c"});
  CHECK(slots.held() == 2);

  slots.set_limit(3);  // raised: the next waiter gets one at once
  io.poll();
  CHECK(log == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(slots.held() == 3);
}

TEST_CASE("send slots: a cancelled waiter leaves the queue without a slot", "[daemon][send-slots]") {
  asio::io_context io;
  SendSlots slots(io.get_executor(), 1);
  std::vector<std::string> log;
  asio::cancellation_signal cancel_b;
  take(io, slots, log, "a");
  take(io, slots, log, "b", &cancel_b);
  take(io, slots, log, "c");
  io.poll();
  CHECK(log == std::vector<std::string>{"a"});

  cancel_b.emit(asio::cancellation_type::terminal);
  io.poll();
  CHECK(log == std::vector<std::string>{"a", "b cancelled"});
  CHECK(slots.held() == 1);

  slots.release();  // goes to c, not to the cancelled b
  io.poll();
  CHECK(log == std::vector<std::string>{"a", "b cancelled", "c"});
  CHECK(slots.held() == 1);
}
