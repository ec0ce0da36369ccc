// Collects a subscription's events on a background io_context, for tests to wait on and inspect.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "bgsync/async_client.hpp"

namespace bgsync::test {

class EventCollector {
 public:
  // Connects to `socket`, subscribes with `args`; REQUIREs success. capacity: the client's event
  // queue; with `paused_reading`, events are not taken until resume_reading(), so the client stops
  // reading the socket once its queue is full (backpressure on the daemon).
  EventCollector(const std::string& socket, SubscribeArgs args, std::size_t capacity = 1024, bool paused_reading = false);
  ~EventCollector();

  SubscribeResult subscription() const { return subscription_; }
  void resume_reading();
  // Waits until `n` events were collected; false on deadline.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout);
  std::vector<Event> events() const;

 private:
  boost::asio::awaitable<void> collect();

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<AsyncClient> client_;
  SubscribeResult subscription_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Event> events_;
  bool reading_ = true;
};

}  // namespace bgsync::test
