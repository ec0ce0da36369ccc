// Event collection on a background thread, through libbgsync's AsyncClient.
#include "tests/e2e/event_collector.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

namespace bgsync::test {
namespace asio = boost::asio;

EventCollector::EventCollector(const std::string& socket, SubscribeArgs args, std::size_t capacity, bool paused_reading)
    : work_(io_.get_executor()), reading_(!paused_reading) {
  ConnectOptions options;
  options.socket_path = socket;
  options.timeout = std::chrono::seconds(10);
  options.event_queue_capacity = capacity;
  // The client's reader runs for as long as the connection: run the io_context on its own thread
  // from the start and wait for the setup through a future.
  thread_ = std::thread([this] { io_.run(); });
  auto setup = asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<std::string> {
        auto client = co_await AsyncClient::connect(io_.get_executor(), options);
        if (!client) co_return "connect: " + client.error().message;
        client_ = std::move(*client);
        auto sub = co_await client_->subscribe(args);
        if (!sub) co_return "subscribe: " + sub.error().message;
        subscription_ = *sub;
        // Take events with next_event() (not a callback), so that pausing really stops the reader.
        asio::co_spawn(io_, collect(), asio::detached);
        co_return std::string();
      },
      asio::use_future);
  const auto error = setup.get();
  if (!error.empty()) {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  INFO(error);
  REQUIRE(error.empty());
}

asio::awaitable<void> EventCollector::collect() {
  for (;;) {
    bool reading = false;
    {
      std::lock_guard lock(mutex_);
      reading = reading_;
    }
    if (!reading) {
      // Only while a test holds reading back; no notification exists for "the test said go".
      asio::steady_timer t(io_, std::chrono::milliseconds(5));
      co_await t.async_wait(asio::use_awaitable);
      continue;
    }
    auto event = co_await client_->next_event();
    if (!event) co_return;
    std::lock_guard lock(mutex_);
    events_.push_back(*event);
    changed_.notify_all();
  }
}

EventCollector::~EventCollector() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] { client_->close(); });
  work_.reset();
  thread_.join();
}

void EventCollector::resume_reading() {
  std::lock_guard lock(mutex_);
  reading_ = true;
}

bool EventCollector::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
}

std::vector<Event> EventCollector::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

}  // namespace bgsync::test
