// The NetworkWatcher against a real kernel: each test runs the watcher on a thread that has
// unshared its network namespace (see netns_harness.hpp), configures that namespace over
// rtnetlink (a veth pair bgs0/bgs1, an address, a default route) and checks what the watcher
// reports and when. Skipped, with a warning, where namespaces cannot be made (not root).
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <optional>

#include "daemon/net/network_watcher.hpp"
#include "tests/net/netns_harness.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/test_util.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

namespace {

using namespace bgsync::net;
using namespace bgsync::net::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int bgs0 = 10;  // our end of the veth pair
constexpr int bgs1 = 11;  // its peer: taking it down takes bgs0's carrier
constexpr const char* target = "192.0.2.1";

struct Event {
  Clock::time_point at;
  bool grew = false;
  Reachability target;  // reach(target) right after the change
};

// A watcher in a namespace of its own, the namespace's configuration client, and a record of
// every on_change() call.
class Harness {
 public:
  explicit Harness(WatcherOptions options) {
    if (!ns_.ok()) return;
    ns_.run([this, options] {
      watcher_.emplace(ns_.io().get_executor(), options);
      watcher_->on_change([this](bool grew) {
        Event event{Clock::now(), grew, watcher_->reach(target)};
        const std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
      });
      started_ = watcher_->start();
      auto client = RtnlClient::open();
      if (client) control_.emplace(std::move(*client));
    });
  }
  ~Harness() {
    if (ns_.ok()) ns_.run([this] {
        watcher_.reset();
        control_.reset();
      });
  }

  // Why the test cannot run here, or empty.
  std::string skip_reason() const {
    if (!ns_.ok()) return "cannot make a network namespace: " + ns_.error();
    if (!control_) return "cannot open rtnetlink in the namespace";
    return {};
  }
  const bgsync::proto::Result<void>& started() const { return started_; }
  RtnlClient& control() { return *control_; }

  // Runs `f` with the watcher on the watcher's thread.
  template <class F>
  auto on_watcher(F f) {
    return ns_.run([this, &f] { return f(*watcher_); });
  }
  Reachability reach(std::string host) {
    return on_watcher([&host](NetworkWatcher& watcher) { return watcher.reach(host); });
  }
  bool wait_reach(std::string host, bool reachable, std::chrono::milliseconds timeout = 5s) {
    return bgsync::test::wait_until([&] { return reach(host).reachable == reachable; }, timeout);
  }
  std::vector<Event> events_since(Clock::time_point since) {
    const std::lock_guard lock(mutex_);
    std::vector<Event> out;
    for (const auto& event : events_)
      if (event.at >= since) out.push_back(event);
    return out;
  }
  // The namespace as a fresh dump describes it: what the watcher's model must converge to.
  std::string dumped() {
    return ns_.run([] {
      auto dump = dump_state();
      ConnectivityModel model;
      if (dump)
        for (const auto& datagram : *dump) model.apply(datagram);
      return dump ? model.describe() : "dump failed: " + dump.error().message;
    });
  }
  NetnsThread& ns() { return ns_; }

  // bgs0 (with 10.9.0.2/24) and bgs1, both up; returns once the watcher sees bgs0 with carrier.
  bgsync::proto::Result<void> make_link() {
    if (auto made = control().add_veth(bgs0, "bgs0", bgs1, "bgs1"); !made) return made;
    if (auto up = control().set_link(bgs0, true); !up) return up;
    if (auto up = control().set_link(bgs1, true); !up) return up;
    return control().add_address(bgs0, "10.9.0.2", 24);
  }

 private:
  NetnsThread ns_;
  std::optional<NetworkWatcher> watcher_;
  std::optional<RtnlClient> control_;
  bgsync::proto::Result<void> started_ = bgsync::proto::Error{};
  std::mutex mutex_;
  std::vector<Event> events_;
};

RouteSpec default_route() { return route().via("10.9.0.1").dev(bgs0); }

const Event* first_event(const std::vector<Event>& events, bool reachable) {
  for (const auto& event : events)
    if (event.target.reachable == reachable) return &event;
  return nullptr;
}

WatcherOptions debounce(std::chrono::milliseconds online, std::chrono::milliseconds offline) {
  WatcherOptions options;
  options.online_debounce = online;
  options.offline_debounce = offline;
  return options;
}

long long ms(Clock::duration duration) { return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count(); }

#define SKIP_WITHOUT_NAMESPACE(harness)                                                                   \
  if (const std::string why = (harness).skip_reason(); !why.empty()) {                                   \
    BGSYNC_SKIP(why << " (the watcher tests need root to make network namespaces)");                    \
  }

}  // namespace

TEST_CASE("watcher: a route appears within the online debounce, losses wait for the offline debounce",
          "[watcher][netns]") {
  const WatcherOptions options = debounce(10ms, 300ms);
  Harness h(options);
  SKIP_WITHOUT_NAMESPACE(h);
  REQUIRE(h.started());
  CHECK(h.on_watcher([](NetworkWatcher& w) { return w.available(); }));
  CHECK(h.reach(target).reason == "no route to 192.0.2.1");
  const auto started_offline = h.on_watcher([](NetworkWatcher& w) { return w.online_since(); });
  CHECK(started_offline.has_value());
  CHECK(h.on_watcher([](NetworkWatcher& w) { return w.port_id(); }) != 0);

  REQUIRE(h.make_link());
  REQUIRE(h.wait_reach("10.9.0.7", true));

  // Route up -> reachable: one grow, well within the online debounce plus scheduling slack.
  const auto added = Clock::now();
  REQUIRE(h.control().add_route(default_route()));
  REQUIRE(h.wait_reach(target, true));
  const auto since_added = h.events_since(added);
  const Event* up = first_event(since_added, true);
  REQUIRE(up != nullptr);
  CHECK(up->grew);
  CHECK(up->target.reason == "via bgs0");
  INFO("route up -> on_change after " << ms(up->at - added) << " ms");
  CHECK(up->at - added < options.online_debounce + 490ms);
  const auto went_online = h.on_watcher([](NetworkWatcher& w) { return w.online_since(); });
  REQUIRE(went_online.has_value());
  CHECK(started_offline < went_online);
  CHECK(h.reach("example.com").reachable);

  // Carrier lost (peer down) -> unreachable, but only after the offline debounce.
  const auto lost = Clock::now();
  REQUIRE(h.control().set_link(bgs1, false));
  REQUIRE(h.wait_reach(target, false));
  const auto since_lost = h.events_since(lost);
  const Event* down = first_event(since_lost, false);
  REQUIRE(down != nullptr);
  CHECK_FALSE(down->grew);
  CHECK(down->target.reason == "no carrier on bgs0");
  INFO("carrier lost -> on_change after " << ms(down->at - lost) << " ms");
  CHECK(down->at - lost >= options.offline_debounce);
  // The kernel's linkwatch may hold a carrier change back for up to a second.
  CHECK(down->at - lost < options.offline_debounce + 2500ms);

  // Carrier back -> reachable again, quickly.
  REQUIRE(h.control().set_link(bgs1, true));
  REQUIRE(h.wait_reach(target, true));

  // Link taken down: the kernel drops the IPv4 routes without a message; the reason names the link.
  const auto taken_down = Clock::now();
  REQUIRE(h.control().set_link(bgs0, false));
  REQUIRE(h.wait_reach(target, false));
  const auto since_taken_down = h.events_since(taken_down);
  const Event* admin = first_event(since_taken_down, false);
  REQUIRE(admin != nullptr);
  CHECK(admin->target.reason == "link bgs0 is down");
  CHECK(admin->at - taken_down >= options.offline_debounce);

  // Up again: the default route stays gone, as in the kernel; the model converges on a dump.
  REQUIRE(h.control().set_link(bgs0, true));
  std::string model, dumped;
  const bool converged = bgsync::test::wait_until(
      [&] {
        model = h.on_watcher([](NetworkWatcher& w) { return w.model().describe(); });
        dumped = h.dumped();
        return model == dumped;
      },
      5s, 20ms);
  INFO("model:\n" << model << "\ndump:\n" << dumped);
  CHECK(converged);
  CHECK(h.reach(target).reason == "no route to 192.0.2.1");
}

TEST_CASE("watcher: flaps shorter than the offline debounce are never reported", "[watcher][netns]") {
  // Long enough to absorb the kernel's linkwatch delay (up to 1 s) on carrier changes.
  const WatcherOptions options = debounce(10ms, 2000ms);
  Harness h(options);
  SKIP_WITHOUT_NAMESPACE(h);
  REQUIRE(h.started());
  REQUIRE(h.make_link());
  REQUIRE(h.wait_reach("10.9.0.7", true));
  REQUIRE(h.control().add_route(default_route()));
  REQUIRE(h.wait_reach(target, true));
  const auto settled = [&] { return h.on_watcher([](NetworkWatcher& w) { return w.settling(); }); };
  REQUIRE(bgsync::test::wait_until([&] { return !settled(); }, 10s));

  SECTION("carrier") {
    const auto start = Clock::now();
    REQUIRE(h.control().set_link(bgs1, false));
    // The watcher noticed (a loss is waiting out its debounce)...
    CHECK(bgsync::test::wait_until(settled, 1500ms, 1ms));
    REQUIRE(h.control().set_link(bgs1, true));
    // ...and lets it go without a word once the debounce has passed.
    CHECK(bgsync::test::wait_until([&] { return !settled(); }, 10s));
    for (const auto& event : h.events_since(start)) CHECK(event.target.reachable);
    CHECK(h.reach(target).reachable);
  }
  SECTION("link down and up, route put back") {
    const auto start = Clock::now();
    REQUIRE(h.control().set_link(bgs0, false));
    CHECK(h.on_watcher([](NetworkWatcher& w) { return w.reach(target).reachable; }));
    REQUIRE(h.control().set_link(bgs0, true));
    REQUIRE(h.control().add_route(default_route()));
    CHECK(bgsync::test::wait_until([&] { return !settled(); }, 10s));
    for (const auto& event : h.events_since(start)) CHECK(event.target.reachable);
    CHECK(h.reach(target).reachable);
  }
}

TEST_CASE("watcher: messages from a process are dropped, only the kernel's count", "[watcher][netns]") {
  Harness h(debounce(10ms, 300ms));
  SKIP_WITHOUT_NAMESPACE(h);
  REQUIRE(h.started());
  REQUIRE(h.control().set_link(1, true));  // lo, so that a forged route over it would be usable
  // Its local routes (127.0.0.0/8, ::1...) arrive and settle.
  REQUIRE(bgsync::test::wait_until([&] {
    return h.on_watcher([](NetworkWatcher& w) { return w.model().route_count() >= 3 && !w.settling(); });
  }, 5s));
  const std::size_t routes = h.on_watcher([](NetworkWatcher& w) { return w.model().route_count(); });

  // A forged "default dev lo", unicast from a second socket in the namespace to the watcher's port.
  const Bytes forged = route_message(route().dev(1));
  ConnectivityModel gullible = h.on_watcher([](NetworkWatcher& w) { return w.model(); });
  gullible.apply(forged);
  REQUIRE(gullible.online());  // the message itself would work

  const std::uint32_t port = h.on_watcher([](NetworkWatcher& w) { return w.port_id(); });
  const bool sent = h.ns().run([&forged, port] {
    auto forger = open_rtnetlink(0, 0);
    if (!forger) return false;
    sockaddr_nl to{};
    to.nl_family = AF_NETLINK;
    to.nl_pid = port;
    return ::sendto(forger->get(), forged.data(), forged.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                    sizeof to) == static_cast<ssize_t>(forged.size());
  });
  REQUIRE(sent);
  REQUIRE(bgsync::test::wait_until(
      [&] { return h.on_watcher([](NetworkWatcher& w) { return w.foreign_datagrams(); }) == 1; }, 5s));
  // Had it been applied, the online debounce (10 ms) would have published it by now.
  CHECK_FALSE(h.on_watcher([](NetworkWatcher& w) { return w.settling(); }));
  CHECK(h.on_watcher([](NetworkWatcher& w) { return w.model().route_count(); }) == routes);
  CHECK_FALSE(h.on_watcher([](NetworkWatcher& w) { return w.online(); }));
}

TEST_CASE("watcher: a receive queue overrun leads to a full resync", "[watcher][netns]") {
  // The smallest buffer the kernel allows, and a blocked watcher thread: notifications pile up.
  WatcherOptions options = debounce(10ms, 300ms);
  options.receive_buffer = 1;
  Harness h(options);
  SKIP_WITHOUT_NAMESPACE(h);
  REQUIRE(h.started());
  REQUIRE(h.make_link());
  REQUIRE(h.wait_reach("10.9.0.7", true));

  std::promise<void> release;
  std::promise<void> blocked;
  boost::asio::post(h.ns().io(), [&release, &blocked] {
    blocked.set_value();
    release.get_future().wait();
  });
  blocked.get_future().wait();
  for (int i = 0; i < 200; ++i) {
    const auto added = h.control().add_route(route("10.100." + std::to_string(i) + ".0/24").via("10.9.0.1").dev(bgs0));
    if (!added) {
      release.set_value();
      FAIL(added.error().message);
    }
  }
  release.set_value();

  REQUIRE(bgsync::test::wait_until(
      [&] { return h.on_watcher([](NetworkWatcher& w) { return w.resyncs(); }) >= 1; }, 5s));
  CHECK(h.on_watcher([](NetworkWatcher& w) { return w.available(); }));
  CHECK(bgsync::test::wait_until(
      [&] { return h.on_watcher([](NetworkWatcher& w) { return w.model().describe(); }) == h.dumped(); }, 5s, 20ms));
  CHECK(h.reach("10.100.199.1").reason == "via bgs0");
}

TEST_CASE("watcher: before start it fails open, stop is idempotent and final", "[watcher]") {
  boost::asio::io_context io;
  NetworkWatcher watcher(io.get_executor());
  CHECK_FALSE(watcher.available());
  const Reachability unknown = watcher.reach("192.0.2.1");
  CHECK(unknown.reachable);
  CHECK(unknown.reason == "network state unknown (netlink unavailable)");
  CHECK(watcher.reach_any().reachable);
  CHECK(watcher.online());
  watcher.stop();
  watcher.stop();
  const auto started = watcher.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().message == "the network watcher cannot start twice or after stop()");
}

TEST_CASE("watcher: started in this process's namespace, it reads the real state", "[watcher]") {
  boost::asio::io_context io;
  NetworkWatcher watcher(io.get_executor());
  const auto started = watcher.start();
  if (!started) {
    BGSYNC_SKIP(started.error().message);
  }
  CHECK(watcher.available());
  CHECK(watcher.model().link_count() >= 1);
  CHECK(watcher.reach("127.0.0.1").reason == "loopback");
  CHECK(watcher.reach("[::1]").reachable);
  INFO(watcher.model().describe());
  CHECK(watcher.model().describe() == [] {
    ConnectivityModel model;
    for (const auto& datagram : dump_state().value()) model.apply(datagram);
    return model.describe();
  }());
  watcher.stop();
  io.run();  // the read loop ends: nothing is left pending
}
