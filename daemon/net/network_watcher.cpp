// The NetworkWatcher's machinery: a coroutine that waits for the netlink socket to be readable and
// drains it into the pending model, and one re-armable timer that copies the pending model over
// the effective one when the debounce runs out. Handlers hold the Impl by shared_ptr and check
// `stopped`, so nothing runs against a stopped watcher.
#include "daemon/net/network_watcher.hpp"

#include <cstring>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <linux/netlink.h>
#include <spdlog/spdlog.h>

#include "daemon/net/rtnetlink.hpp"

namespace bgsync::net {

namespace asio = boost::asio;
using std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_buffer_size = 64 * 1024;
constexpr std::chrono::milliseconds dump_timeout{2000};
// Datagrams read per wake-up before yielding to the rest of the daemon; the socket stays
// readable, so the next wait completes at once.
constexpr int max_datagrams_per_wakeup = 256;

}  // namespace

struct NetworkWatcher::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, WatcherOptions options)
      : options(options), descriptor(executor), timer(executor), buffer(read_buffer_size / sizeof(nlmsghdr)) {}

  static asio::awaitable<void> read_loop(std::shared_ptr<Impl> self);
  std::span<std::byte> bytes() { return {reinterpret_cast<std::byte*>(buffer.data()), read_buffer_size}; }
  void drain();
  bool resync();
  void schedule();
  void arm(steady_clock::time_point due);
  void apply_pending();
  void fail_open(const std::string& why);
  void stop();

  WatcherOptions options;
  asio::posix::stream_descriptor descriptor;  // the subscribed socket
  UniqueFd requests;                          // dumps go over their own socket: replies only
  asio::steady_timer timer;
  std::vector<nlmsghdr> buffer;               // nlmsghdr-aligned storage for one datagram

  ConnectivityModel pending;    // every kernel message, applied at once
  ConnectivityModel effective;  // what reach() answers from; a copy of pending after the debounce
  ConnectivityModel::Paths effective_paths;

  bool started = false;
  bool available = false;
  bool stopped = false;
  bool timer_armed = false;
  steady_clock::time_point timer_due;
  std::uint64_t timer_generation = 0;  // a wait whose generation is stale was superseded

  std::function<void(bool)> callback;
  std::optional<std::chrono::system_clock::time_point> online_since;
  std::uint32_t port = 0;
  std::uint64_t foreign = 0;
  std::uint64_t resyncs = 0;
};

asio::awaitable<void> NetworkWatcher::Impl::read_loop(std::shared_ptr<Impl> self) {
  while (!self->stopped && self->available) {
    auto [error] = co_await self->descriptor.async_wait(asio::posix::descriptor_base::wait_read, use_tuple);
    if (self->stopped || error == asio::error::operation_aborted) co_return;
    if (error) {
      self->fail_open("cannot wait for rtnetlink: " + error.message());
      co_return;
    }
    self->drain();
  }
}

void NetworkWatcher::Impl::drain() {
  bool changed = false;
  for (int count = 0; count < max_datagrams_per_wakeup && available && !stopped; ++count) {
    const ReadResult read = read_datagram(descriptor.native_handle(), bytes());
    if (read.status == ReadStatus::empty) break;
    if (read.status == ReadStatus::datagram) {
      pending.apply(bytes().first(read.size));
      changed = true;
    } else if (read.status == ReadStatus::foreign) {
      // Logged loudly once: it is either a bug in another program or an attack.
      if (foreign++ == 0) {
        spdlog::warn("network: ignored a rtnetlink message from process port {}: only the kernel's are trusted",
                     read.sender);
      }
    } else if (read.status == ReadStatus::overrun) {
      spdlog::warn("network: rtnetlink messages were lost ({}); reading the whole network state again",
                   std::strerror(read.error));
      if (!resync()) return;
      changed = true;
    } else {
      fail_open(std::string("cannot read from rtnetlink: ") + std::strerror(read.error));
      return;
    }
  }
  if (changed) schedule();
}

// After an overrun the socket still holds notifications from before the loss; applied over a
// fresh dump they would roll the model back to a state whose undoing was among the lost ones. So
// they are discarded first: the dump that follows covers them.
bool NetworkWatcher::Impl::resync() {
  constexpr int discard_limit = 100000;  // a flood that never ends must not hold the loop
  for (int count = 0; count < discard_limit; ++count) {
    const ReadResult read = read_datagram(descriptor.native_handle(), bytes());
    if (read.status == ReadStatus::empty) break;
    if (read.status == ReadStatus::failed) {
      fail_open(std::string("cannot read from rtnetlink: ") + std::strerror(read.error));
      return false;
    }
  }
  auto dump = dump_state(requests.get(), dump_timeout);
  if (!dump) {
    fail_open(dump.error().message);
    return false;
  }
  pending.clear_network();
  for (const auto& datagram : *dump) pending.apply(datagram);
  ++resyncs;
  return true;
}

void NetworkWatcher::Impl::schedule() {
  const bool grows = adds_connectivity(pending.paths(), effective_paths);
  const auto due = steady_clock::now() + (grows ? options.online_debounce : options.offline_debounce);
  // A gain pulls a waiting loss forward (everything applies at once); nothing pushes a wait back.
  if (!timer_armed || due < timer_due) arm(due);
}

void NetworkWatcher::Impl::arm(steady_clock::time_point due) {
  timer_armed = true;
  timer_due = due;
  const std::uint64_t generation = ++timer_generation;
  timer.expires_at(due);
  timer.async_wait([self = shared_from_this(), generation](boost::system::error_code error) {
    if (error || self->stopped || generation != self->timer_generation) return;
    self->timer_armed = false;
    self->apply_pending();
  });
}

void NetworkWatcher::Impl::apply_pending() {
  ConnectivityModel::Paths paths = pending.paths();
  const bool grew = adds_connectivity(paths, effective_paths);
  const bool changed = grew || paths != effective_paths;
  const bool was_online = effective.online();
  effective = pending;
  effective_paths = std::move(paths);
  const Reachability now = effective.reach_any();
  if (now.reachable != was_online) {
    online_since = std::chrono::system_clock::now();
    spdlog::info("network: {} ({})", now.reachable ? "online" : "offline", now.reason);
  }
  if (!changed) return;
  spdlog::debug("network: {} connectivity; now:\n{}", grew ? "gained" : "lost", effective.describe());
  if (callback) callback(grew);
}

void NetworkWatcher::Impl::fail_open(const std::string& why) {
  spdlog::error("network: {}; treating every destination as reachable from now on", why);
  available = false;
  timer_armed = false;
  timer.cancel();
  boost::system::error_code ignored;
  descriptor.close(ignored);
  if (callback) callback(true);
}

void NetworkWatcher::Impl::stop() {
  if (stopped) return;
  stopped = true;
  timer_armed = false;
  timer.cancel();
  boost::system::error_code ignored;
  descriptor.close(ignored);
  requests = UniqueFd();
}

NetworkWatcher::NetworkWatcher(asio::any_io_executor executor, WatcherOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), options)) {}

NetworkWatcher::~NetworkWatcher() { impl_->stop(); }

proto::Result<void> NetworkWatcher::start() {
  Impl& s = *impl_;
  if (s.started || s.stopped)
    return proto::Error{std::make_error_code(std::errc::operation_not_permitted),
                        "the network watcher cannot start twice or after stop()"};
  // Subscribe before dumping: a change made during the dump then arrives as a notification
  // afterwards, and applying notifications over a newer dump converges on the current state.
  auto subscribed = open_rtnetlink(watched_groups(), s.options.receive_buffer);
  if (!subscribed) return subscribed.error();
  auto requests = open_rtnetlink(0, 0);
  if (!requests) return requests.error();
  auto port = netlink_port(subscribed->get());
  if (!port) return port.error();
  auto dump = dump_state(requests->get(), dump_timeout);
  if (!dump) return dump.error();

  boost::system::error_code error;
  s.descriptor.assign(subscribed->get(), error);
  if (error) return proto::Error{error, "cannot watch the rtnetlink socket: " + error.message()};
  subscribed->release();
  s.requests = std::move(*requests);
  s.port = *port;
  s.pending.clear_network();
  for (const auto& datagram : *dump) s.pending.apply(datagram);
  s.effective = s.pending;
  s.effective_paths = s.effective.paths();
  s.started = true;
  s.available = true;
  s.online_since = std::chrono::system_clock::now();
  const Reachability online = s.effective.reach_any();
  spdlog::info("network: watching rtnetlink: {} links, {} routes; {} ({})", s.effective.link_count(),
               s.effective.route_count(), online.reachable ? "online" : "offline", online.reason);
  asio::co_spawn(s.descriptor.get_executor(), Impl::read_loop(impl_), asio::detached);
  return {};
}

void NetworkWatcher::stop() { impl_->stop(); }

bool NetworkWatcher::available() const { return impl_->available; }

namespace {
Reachability unknown() { return {true, "network state unknown (netlink unavailable)"}; }
}  // namespace

Reachability NetworkWatcher::reach(std::string_view host) const {
  return impl_->available ? impl_->effective.reach(host) : unknown();
}

Reachability NetworkWatcher::reach(const boost::asio::ip::address& destination) const {
  return impl_->available ? impl_->effective.reach(destination) : unknown();
}

Reachability NetworkWatcher::reach_any() const { return impl_->available ? impl_->effective.reach_any() : unknown(); }

const ConnectivityModel& NetworkWatcher::model() const { return impl_->effective; }

void NetworkWatcher::learn(std::string_view host, std::vector<boost::asio::ip::address> addresses) {
  impl_->pending.learn(host, addresses);
  impl_->effective.learn(host, std::move(addresses));
}

void NetworkWatcher::on_change(std::function<void(bool grew)> callback) { impl_->callback = std::move(callback); }

void NetworkWatcher::set_debounce(std::chrono::milliseconds online, std::chrono::milliseconds offline) {
  impl_->options.online_debounce = online;
  impl_->options.offline_debounce = offline;
}

std::optional<std::chrono::system_clock::time_point> NetworkWatcher::online_since() const {
  return impl_->online_since;
}

bool NetworkWatcher::settling() const { return impl_->timer_armed; }

std::uint32_t NetworkWatcher::port_id() const { return impl_->port; }
std::uint64_t NetworkWatcher::foreign_datagrams() const { return impl_->foreign; }
std::uint64_t NetworkWatcher::resyncs() const { return impl_->resyncs; }

}  // namespace bgsync::net
