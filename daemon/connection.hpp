// One client connection: reads newline-delimited requests, runs each in its own coroutine
// (pipelining), and writes replies and event pushes through one bounded outgoing queue.
//
// Subscriptions never make the daemon buffer without bound. A subscription is either live (events
// pushed as they commit) or catching up (read from the outbox's event log). When the outgoing
// queue passes its cap, a live subscription drops back to catching up from the last event it
// took, and the writer reads the log again once the client has drained the queue. Events carry
// seqs, so the switch from log to live is exact: nothing skipped, nothing twice.
//
// Nor do requests and replies: a connection is read no further while max_pending_requests, or
// max_pending_bytes of request frames, are being handled, or while max_unread_bytes of replies wait
// for the client to read them. Its requests then back up in the kernel, on the client's side.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/services.hpp"

namespace bgsync::daemon {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Socket = boost::asio::local::stream_protocol::socket;

  // Limits per connection: requests being handled at once, and the bytes of their frames (one
  // frame of the largest size, so a client pipelining 16 MiB uploads has one or two in memory, not
  // 256); bytes queued for the client beyond which live events stop being buffered (the
  // subscription catches up from the log); and bytes queued beyond which its requests are not
  // read until it has read some of its replies.
  static constexpr std::size_t max_pending_requests = 256;
  static constexpr std::size_t max_pending_bytes = proto::max_frame_size;
  static constexpr std::size_t event_queue_cap = 1 << 20;
  static constexpr std::size_t max_unread_bytes = 1 << 20;

  Connection(Socket socket, Services& services, std::uint64_t number);
  ~Connection();

  void start();
  // Stops reading; lets requests in progress finish and their replies go out, then closes.
  void shutdown();
  // Closes at once.
  void close();
  bool closed() const noexcept { return closed_; }
  std::uint64_t number() const noexcept { return number_; }

  // For the subscribe/unsubscribe handlers.
  proto::SubscribeResult subscribe(const proto::SubscribeArgs& args, std::uint64_t last_seq, std::uint64_t first_seq);
  bool unsubscribe(std::uint64_t subscription);
  // From the EventHub, after each durable commit.
  void on_events(const std::vector<proto::Event>& events);

 private:
  struct Subscription {
    std::optional<std::string> tag;
    std::uint64_t last_seq = 0;  // every event up to here has been queued (or filtered out)
    bool live = false;
  };

  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> handle(boost::json::object message, std::size_t frame_size);
  void send(const boost::json::object& message);
  void wake_writer();
  bool catch_up();  // queues log events for subscriptions that are catching up; true if it did

  Socket socket_;
  Services& services_;
  std::uint64_t number_;
  std::deque<std::string> out_;
  std::size_t out_bytes_ = 0;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer reader_wake_;
  boost::asio::cancellation_signal read_cancel_;
  std::size_t pending_ = 0;
  std::size_t pending_bytes_ = 0;  // the frame sizes of the pending_ requests
  bool reading_ = true;
  bool closed_ = false;
  std::map<std::uint64_t, Subscription> subscriptions_;
  std::uint64_t next_subscription_ = 1;
};

}  // namespace bgsync::daemon
