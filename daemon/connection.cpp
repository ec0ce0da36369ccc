// A client connection: request reader, per-request coroutines, and the bounded writer.
#include "daemon/connection.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "daemon/event_hub.hpp"
#include "daemon/handlers/table.hpp"
#include "daemon/store/commit_queue.hpp"
#include "daemon/store/outbox.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
// Events read from the log per catch-up step, and how many bytes one write gathers.
constexpr std::size_t catch_up_batch = 256;
constexpr std::size_t write_gather_bytes = 256 * 1024;

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}
}  // namespace

Connection::Connection(Socket socket, Services& services, std::uint64_t number)
    : socket_(std::move(socket)),
      services_(services),
      number_(number),
      writer_wake_(socket_.get_executor()),
      reader_wake_(socket_.get_executor()) {}

Connection::~Connection() { services_.hub.remove(this); }

void Connection::start() {
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
  asio::co_spawn(socket_.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
}

void Connection::shutdown() {
  reading_ = false;
  read_cancel_.emit(asio::cancellation_type::terminal);
  reader_wake_.cancel();
  wake_writer();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  reading_ = false;
  services_.hub.remove(this);
  subscriptions_.clear();
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  reader_wake_.cancel();
  wake_writer();
}

asio::awaitable<void> Connection::read_loop() {
  // Frames are found with memchr over the bytes not searched yet, and read with read_some into the
  // buffer's spare room. (asio's read_until walks the buffer a byte at a time through iterators:
  // a few percent of the io thread with 1 KiB requests.) A frame may take up to max_frame_size
  // bytes, its newline included. The buffer only grows: bytes past `filled` are room, not data,
  // so a read does not pay for zeroing it.
  std::string buffer;
  std::size_t start = 0;    // where the frame being gathered begins
  std::size_t scanned = 0;  // its bytes already searched for the newline
  std::size_t filled = 0;   // the end of what was read
  while (reading_ && !closed_) {
    const char* frame_begin = buffer.data() + start;
    const auto* newline =
        static_cast<const char*>(std::memchr(frame_begin + scanned, '\n', filled - start - scanned));
    if (newline == nullptr) {
      scanned = filled - start;
      if (scanned >= proto::max_frame_size) {
        // No newline within the limit: the stream cannot be resynchronised cheaply, so answer and close.
        spdlog::warn("connection {}: frame over {} bytes; closing it", number_, proto::max_frame_size);
        send(proto::make_error_reply(nullptr, proto::make_error(proto::errc::frame_too_large,
                                                                  "frame exceeds " + std::to_string(proto::max_frame_size) +
                                                                      " bytes; closing the connection")));
        break;
      }
      if (start > 0) {  // keep only the partial frame, at the front
        std::memmove(buffer.data(), buffer.data() + start, scanned);
        start = 0;
        filled = scanned;
      }
      // Room grows with the frame, so a large one takes few reads; never past the frame's limit.
      const std::size_t room = std::min(std::clamp<std::size_t>(scanned, 4096, 256 * 1024), proto::max_frame_size - scanned);
      if (buffer.size() < filled + room) buffer.resize(filled + room);
      auto [ec, n] = co_await socket_.async_read_some(
          asio::buffer(buffer.data() + filled, room),
          asio::bind_cancellation_slot(read_cancel_.slot(), asio::as_tuple(asio::use_awaitable)));
      filled += n;
      if (ec) break;  // EOF, reset, or shutdown()
      continue;
    }
    const std::size_t length = static_cast<std::size_t>(newline - frame_begin) + 1;
    const std::string_view frame(frame_begin, length);
    start += length;
    scanned = 0;
    if (!blank(frame)) {
      auto message = proto::decode_frame(frame);
      if (!message) {
        spdlog::warn("connection {}: {}; closing it", number_, message.error().message);
        send(proto::make_error_reply(nullptr, message.error()));
        break;
      }
      ++pending_;
      pending_bytes_ += length;
      asio::co_spawn(socket_.get_executor(), handle(std::move(*message), length), asio::detached);
    }
    if (start == filled) start = filled = 0;
    // A client that pipelines large requests, or sends without reading its replies, is read no
    // further until they are done or read: otherwise they would pile up here without bound.
    while ((pending_ >= max_pending_requests || pending_bytes_ >= max_pending_bytes || out_bytes_ >= max_unread_bytes) &&
           reading_ && !closed_) {
      reader_wake_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await reader_wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  reading_ = false;
  wake_writer();  // the writer closes once what is pending has been answered
}

asio::awaitable<void> Connection::handle(json::object message, std::size_t frame_size) {
  auto self = shared_from_this();  // keep the connection alive until the reply is queued
  const json::value id = proto::request_id(message);
  json::object reply;
  try {
    auto request = proto::parse_request(std::move(message));
    if (!request) {
      reply = proto::make_error_reply(id, request.error());
    } else {
      const OpHandler& op = find_handler(request->op);
      RequestContext context{services_, *this, std::nullopt};
      proto::Result<json::object> result = json::object{};
      if (op.reads == Reads::outbox) {
        // The read barrier: the handler's view sees every change acknowledged before this request.
        auto view = co_await services_.commits.visible();
        if (view) context.view = *view; else result = view.error();
      }
      if (result) result = co_await op.handle(context, request->message);
      reply = result ? proto::make_ok_reply(id, std::move(*result)) : proto::make_error_reply(id, result.error());
    }
  } catch (const std::exception& e) {
    // A bug, not bad input: answer it as such and keep serving everybody.
    spdlog::error("connection {}: internal error: {}", number_, e.what());
    reply = proto::make_error_reply(id, proto::make_error(proto::errc::internal, e.what()));
  }
  send(reply);
  --pending_;
  pending_bytes_ -= frame_size;
  reader_wake_.cancel();
}

void Connection::send(const json::object& message) {
  if (closed_) return;
  auto frame = proto::encode_frame(message);
  out_bytes_ += frame.size();
  out_.push_back(std::move(frame));
  wake_writer();
}

void Connection::wake_writer() { writer_wake_.cancel(); }

asio::awaitable<void> Connection::write_loop() {
  auto self = shared_from_this();
  std::string batch;
  while (!closed_) {
    if (out_.empty() && catch_up()) continue;
    if (out_.empty()) {
      if (!reading_ && pending_ == 0) break;  // nothing more will come
      writer_wake_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await writer_wake_.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    const bool reader_may_wait = out_bytes_ >= max_unread_bytes;
    // Gather several frames into one write: fewer syscalls for pipelined replies and events.
    batch.clear();
    while (!out_.empty() && (batch.empty() || batch.size() + out_.front().size() <= write_gather_bytes)) {
      batch += out_.front();
      out_bytes_ -= out_.front().size();
      out_.pop_front();
    }
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(batch), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    if (reader_may_wait && out_bytes_ < max_unread_bytes) reader_wake_.cancel();
  }
  close();
}

proto::SubscribeResult Connection::subscribe(const proto::SubscribeArgs& args, std::uint64_t last_seq,
                                             std::uint64_t first_seq) {
  const auto id = next_subscription_++;
  Subscription sub;
  sub.tag = args.tag;
  if (args.since) {
    // Replay from the log first; the writer switches the subscription to live once caught up.
    sub.last_seq = *args.since;
    sub.live = *args.since >= last_seq;
  } else {
    sub.last_seq = last_seq;
    sub.live = true;
  }
  subscriptions_.emplace(id, std::move(sub));
  services_.hub.add(this);
  wake_writer();
  return proto::SubscribeResult{id, last_seq, first_seq};
}

bool Connection::unsubscribe(std::uint64_t subscription) {
  const bool erased = subscriptions_.erase(subscription) > 0;
  if (subscriptions_.empty()) services_.hub.remove(this);
  return erased;
}

void Connection::on_events(const std::vector<proto::Event>& events) {
  if (closed_) return;
  for (auto& [id, sub] : subscriptions_) {
    if (!sub.live) continue;
    for (const auto& event : events) {
      if (event.seq <= sub.last_seq) continue;  // already taken from the log
      if (out_bytes_ >= event_queue_cap) {
        // The client is not keeping up: stop buffering, read the log when it has drained.
        sub.live = false;
        break;
      }
      sub.last_seq = event.seq;
      if (sub.tag && *sub.tag != event.tag) continue;
      send(proto::make_event_push(id, event));
    }
  }
}

bool Connection::catch_up() {
  bool queued = false;  // true when the log gave us events: the writer should look again
  for (auto& [id, sub] : subscriptions_) {
    if (sub.live) continue;
    // What LMDB has published is enough: events reach on_events only once published, and a
    // subscription starts from a seq read after the barrier.
    auto events = services_.outbox.published().events_after(sub.last_seq, catch_up_batch);
    if (!events) {
      spdlog::error("connection {}: cannot read the event log: {}", number_, events.error().message);
      continue;
    }
    queued = queued || !events->empty();  // progress, even if the tag filter kept none
    for (const auto& event : *events) {
      sub.last_seq = event.seq;
      if (sub.tag && *sub.tag != event.tag) continue;
      send(proto::make_event_push(id, event));
    }
    // Everything committed before this read is now queued; what commits later reaches us live
    // (on_events skips what this read already took, by seq).
    if (events->size() < catch_up_batch) sub.live = true;
    if (out_bytes_ >= event_queue_cap) break;
  }
  return queued;
}

}  // namespace bgsync::daemon
