// SendGate's decisions, with the real parts it asks and writes to: an Outbox in a temporary
// directory and its CommitQueue (the paused flag, `network` events), a NetworkWatcher (not started,
// so every destination is reachable; or started in an empty network namespace, so none is until
// a route comes) and a ConnectivityProbe against a loopback HTTP server.
#include "daemon/send_gate.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "daemon/connectivity_probe.hpp"
#include "daemon/net/network_watcher.hpp"
#include "daemon/store/commit_queue.hpp"
#include "tests/net/netns_harness.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/support/test_util.hpp"

namespace asio = boost::asio;
using bgsync::daemon::ConnectivityProbe;
using bgsync::daemon::ProbeOptions;
using bgsync::daemon::ProbeVerdict;
using bgsync::daemon::SendGate;
using bgsync::net::NetworkWatcher;
using bgsync::net::Reachability;
using bgsync::test::HttpServer;
using bgsync::test::Reply;
using bgsync::test::wait_until;
using namespace std::chrono_literals;
namespace st = bgsync::store::test;
namespace proto = bgsync::proto;

namespace {

// Runs `task` on `io` and waits for its value. Not through asio::use_future: that header teaches
// asio::post to take a std::packaged_task for a completion token, which NetnsThread::run posts.
template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> task) {
  std::promise<T> promise;
  auto result = promise.get_future();
  asio::co_spawn(io, std::move(task), [&promise](std::exception_ptr e, T value) {
    if (e) promise.set_exception(e);
    else promise.set_value(std::move(value));
  });
  return result.get();
}

// The gate and everything it stands on, on one executor; the probe's checks reach the gate as the
// daemon wires them (probe_checked), and every on_paused() call records what paused() said then
// and whether the outbox already held the flag.
struct Parts {
  Parts(asio::any_io_executor executor, const std::filesystem::path& dir, ProbeOptions probe_options)
      : outbox(st::open_outbox(dir)),
        commits(*outbox, executor, [](std::vector<proto::Event>) {}),
        http(executor),
        network(executor),
        probe(executor, http, std::move(probe_options)),
        gate(executor, commits, network, probe) {
    probe.on_checked([this](ProbeVerdict, bool) { gate.probe_checked(); });
    gate.on_paused([this] {
      const std::lock_guard lock(mutex);
      auto durable = outbox->published().paused();
      paused_calls.push_back({gate.paused(), durable && *durable});
    });
  }

  struct PausedCall {
    bool paused;   // gate.paused() in the callback
    bool durable;  // what the outbox held at that moment
    bool operator==(const PausedCall&) const = default;
  };

  std::unique_ptr<bgsync::store::Outbox> outbox;
  bgsync::store::CommitQueue commits;
  bgsync::http::Client http;
  NetworkWatcher network;
  ConnectivityProbe probe;
  SendGate gate;
  std::mutex mutex;
  std::vector<PausedCall> paused_calls;
};

// The parts on an io_context thread of their own, in the test's network namespace. The test
// touches them only through call() and co(), on that thread, as the daemon would.
class Harness {
 public:
  explicit Harness(const std::filesystem::path& dir, ProbeOptions probe = {})
      : work_(asio::make_work_guard(io_)), parts_(std::in_place, io_.get_executor(), dir, std::move(probe)) {
    thread_ = std::thread([this] { io_.run(); });
  }
  template <class F>
  auto call(F f) {
    std::packaged_task<decltype(f(*parts_))()> task([this, f = std::move(f)]() mutable { return f(*parts_); });
    auto result = task.get_future();
    asio::post(io_, [task = std::move(task)]() mutable { task(); });
    return result.get();
  }
  // Runs the coroutine `f(parts)` returns on the io thread and waits for its result.
  template <class F>
  auto co(F f) {
    return run_on(io_, f(*parts_));
  }
  Parts& parts() { return *parts_; }

  ~Harness() {
    call([](Parts& p) {
      p.probe.stop();
      p.http.drop_idle_connections();  // and with them the timer that would close them later
    });
    parts_->commits.stop();
    work_.reset();
    thread_.join();
  }

  Reachability reach(std::string destination) {
    return call([destination](Parts& p) { return p.gate.reach(destination); });
  }
  bool paused() {
    return call([](Parts& p) { return p.gate.paused(); });
  }
  auto since() {
    return call([](Parts& p) { return p.gate.online_since(); });
  }
  ProbeVerdict verdict() {
    return call([](Parts& p) { return p.probe.verdict(); });
  }
  proto::Result<void> set_paused(bool paused) {
    return co([paused](Parts& p) { return p.gate.set_paused(paused); });
  }
  std::vector<Parts::PausedCall> paused_calls() {
    const std::lock_guard lock(parts_->mutex);
    return parts_->paused_calls;
  }
  // The outbox's flag, as every reader sees it after the barrier.
  bool durable_paused() {
    return co([](Parts& p) -> asio::awaitable<bool> {
      auto seen = co_await p.commits.visible();
      co_return seen && st::check(p.outbox->published().paused());
    });
  }
  // The `network` events recorded so far, as every reader sees them after the barrier.
  std::vector<proto::Event> network_events() {
    return co([](Parts& p) -> asio::awaitable<std::vector<proto::Event>> {
      std::vector<proto::Event> out;
      if (auto seen = co_await p.commits.visible(); !seen) co_return out;
      for (auto& event : st::check(p.outbox->published().events_after(0, 1000)))
        if (event.type == proto::EventType::network) out.push_back(std::move(event));
      co_return out;
    });
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::optional<Parts> parts_;
  std::thread thread_;
};

ProbeOptions probing(std::string url) {
  ProbeOptions options;
  options.url = std::move(url);
  options.interval = 1h;  // re-checks only when asked (check_now)
  options.portal_interval = 1h;
  return options;
}

}  // namespace

TEST_CASE("pausing holds sending before the flag is durable, and start-up finds it", "[gate]") {
  st::TempDir dir;
  {
    Harness h(dir.path());
    h.call([](Parts& p) { p.gate.start(false); });
    CHECK_FALSE(h.paused());
    REQUIRE(h.set_paused(true));
    CHECK(h.paused());
    CHECK(h.durable_paused());
    // Held (paused, and the scheduler told) before the write, then set once it is durable.
    const auto calls = h.paused_calls();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0] == Parts::PausedCall{true, false});
    CHECK(calls[1].paused);
  }
  // The flag outlives the daemon: start-up reads it from the outbox and starts the gate with it.
  Harness h(dir.path());
  const bool stored = h.durable_paused();
  CHECK(stored);
  h.call([stored](Parts& p) { p.gate.start(stored); });
  CHECK(h.paused());
  // Resuming takes effect only once it is durable: paused() never says false before that.
  REQUIRE(h.set_paused(false));
  CHECK_FALSE(h.paused());
  const auto calls = h.paused_calls();
  REQUIRE(calls.size() == 1);
  CHECK_FALSE(calls[0].paused);
  CHECK_FALSE(h.durable_paused());
}

TEST_CASE("a pause or resume that cannot be stored leaves paused as it was", "[gate]") {
  st::TempDir dir;
  Harness h(dir.path());
  h.call([](Parts& p) { p.gate.start(false); });
  h.parts().commits.stop();  // every commit now fails with shutting_down

  auto paused = h.set_paused(true);
  REQUIRE_FALSE(paused);
  CHECK(paused.error().code == proto::errc::shutting_down);
  CHECK_FALSE(h.paused());
  // Held during the attempt, restored after it.
  CHECK(h.paused_calls() == std::vector<Parts::PausedCall>{{true, false}, {false, false}});
}

TEST_CASE("paused blocks sending to every destination, whatever the network and probe say", "[gate]") {
  st::TempDir dir;
  HttpServer server;
  server.set_handler([](const auto&) { return Reply::with_status(204); });
  Harness h(dir.path(), probing(server.url("/generate_204")));
  h.call([](Parts& p) {
    p.probe.start();
    p.gate.start(true);
  });
  REQUIRE(wait_until([&] { return h.verdict() == ProbeVerdict::full; }, 10s));
  // Destinations are reachable, loopback and all: paused is a verdict of its own, which the
  // schedulers ask before they look at any destination.
  CHECK(h.reach("example.com").reachable);
  CHECK(h.reach("127.0.0.1").reachable);
  CHECK(h.paused());
  h.call([](Parts& p) { p.gate.network_changed(true); });
  REQUIRE(wait_until([&] { return h.call([](Parts& p) { return !p.probe.check_pending(); }); }, 10s));
  CHECK(h.paused());
}

TEST_CASE("reachability is the network's verdict while the probe is off", "[gate]") {
  st::TempDir dir;
  Harness h(dir.path());
  h.call([](Parts& p) { p.gate.start(false); });
  for (const char* destination : {"example.com", "192.0.2.1", "127.0.0.1", "localhost"}) {
    const auto [gate, network] = h.call([destination](Parts& p) {
      return std::pair{p.gate.reach(destination), p.network.reach(destination)};
    });
    CHECK(gate.reachable == network.reachable);
    CHECK(gate.reason == network.reason);
  }
  // A network gain without a probe holds nothing.
  h.call([](Parts& p) { p.gate.network_changed(true); });
  CHECK(h.reach("example.com").reachable);
  CHECK(h.network_events().empty());
}

TEST_CASE("the probe holds all but loopback: before its first answer, after a gain, in a portal", "[gate]") {
  st::TempDir dir;
  HttpServer server;
  std::promise<void> first_answer;
  auto answer = std::make_shared<std::shared_future<void>>(first_answer.get_future().share());
  std::atomic<int> status{204};
  server.set_handler([answer, &status](const auto&) {
    answer->wait();
    return Reply::with_status(status);
  });
  Harness h(dir.path(), probing(server.url("/generate_204")));
  h.call([](Parts& p) {
    p.probe.start();
    p.gate.start(false);
  });
  // Unknown until the first check answers.
  CHECK(h.reach("example.com").reason == "waiting for the first connectivity probe");
  CHECK_FALSE(h.reach("example.com").reachable);
  CHECK(h.reach("127.0.0.1").reachable);
  CHECK(h.reach("localhost").reachable);
  first_answer.set_value();
  REQUIRE(wait_until([&] { return h.verdict() == ProbeVerdict::full; }, 10s));
  CHECK(h.reach("example.com").reachable);

  // A gain holds until the probe has looked at the new network.
  std::promise<void> second_answer;
  *answer = second_answer.get_future().share();
  h.call([](Parts& p) { p.gate.network_changed(true); });
  CHECK_FALSE(h.reach("example.com").reachable);
  CHECK(h.reach("example.com").reason == "checking the new network for a captive portal");
  CHECK(h.reach("127.0.0.1").reachable);
  second_answer.set_value();
  REQUIRE(wait_until([&] { return h.reach("example.com").reachable; }, 10s));

  // A portal holds all but loopback, with the probe's reason.
  status = 302;
  h.call([](Parts& p) { p.probe.check_now(); });
  REQUIRE(wait_until([&] { return h.verdict() == ProbeVerdict::portal; }, 10s));
  const auto held = h.reach("example.com");
  CHECK_FALSE(held.reachable);
  CHECK(held.reason == h.call([](Parts& p) { return p.probe.reason(); }));
  CHECK(h.reach("127.0.0.1").reachable);
}

TEST_CASE("each online flip is recorded once, and online since follows it", "[gate]") {
  st::TempDir dir;
  HttpServer server;
  std::atomic<int> status{204};
  server.set_handler([&status](const auto&) { return Reply::with_status(status); });
  Harness h(dir.path(), probing(server.url("/generate_204")));
  const auto before_start = std::chrono::system_clock::now();
  h.call([](Parts& p) {
    p.probe.start();
    p.gate.start(false);
  });
  const auto started = h.since();
  CHECK(started >= before_start);
  CHECK(h.call([](Parts& p) { return p.gate.connectivity().reachable; }));
  REQUIRE(wait_until([&] { return h.verdict() == ProbeVerdict::full; }, 10s));
  CHECK(h.since() == started);  // online all along: no flip
  CHECK(h.network_events().empty());

  // Into a portal: offline, once, however many checks say so.
  status = 302;
  const auto before_portal = std::chrono::system_clock::now();
  h.call([](Parts& p) { p.probe.check_now(); });
  REQUIRE(wait_until([&] { return h.network_events().size() == 1; }, 10s));
  const auto offline_since = h.since();
  CHECK(offline_since >= before_portal);
  h.call([](Parts& p) { p.probe.check_now(); });
  REQUIRE(wait_until([&] { return server.request_count() == 3; }, 10s));
  REQUIRE(wait_until([&] { return !h.call([](Parts& p) { return p.probe.check_pending(); }); }, 10s));
  auto events = h.network_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].online == false);
  CHECK(events[0].reason == h.call([](Parts& p) { return p.gate.connectivity().reason; }));
  CHECK(h.since() == offline_since);

  // Out of it: online again, once.
  status = 204;
  h.call([](Parts& p) { p.probe.check_now(); });
  REQUIRE(wait_until([&] { return h.network_events().size() == 2; }, 10s));
  CHECK(h.network_events()[1].online == true);
  CHECK(h.since() >= offline_since);
  CHECK(h.since() != offline_since);
}

TEST_CASE("in a namespace without routes, the gate passes the network's verdict and flips online with it",
          "[gate][netns]") {
  using namespace bgsync::net::test;
  NetnsThread ns;
  if (!ns.ok()) {
    WARN("skipped: cannot make a network namespace: " << ns.error());
    return;
  }
  st::TempDir dir;
  std::optional<Parts> parts;
  std::optional<RtnlClient> control;
  auto on_ns = [&](auto f) { return ns.run([&] { return f(*parts); }); };
  auto events = [&] {
    return run_on(ns.io(), [&]() -> asio::awaitable<std::size_t> {
      co_await parts->commits.visible();
      std::size_t n = 0;
      for (const auto& event : st::check(parts->outbox->published().events_after(0, 1000)))
        n += event.type == proto::EventType::network;
      co_return n;
    }());
  };
  const bool started_ok = ns.run([&] {
    parts.emplace(ns.io().get_executor(), dir.path(), ProbeOptions{});
    auto watching = parts->network.start();
    parts->network.on_change([&](bool grew) { parts->gate.network_changed(grew); });
    parts->gate.start(false);
    if (auto client = RtnlClient::open()) control.emplace(std::move(*client));
    return watching && control;
  });
  REQUIRE(started_ok);
  // Offline from the start (no default route): no event, since start-up says so itself.
  const auto started = on_ns([](Parts& p) { return p.gate.online_since(); });
  CHECK_FALSE(on_ns([](Parts& p) { return p.gate.connectivity().reachable; }));
  const auto [gate, network] = on_ns([](Parts& p) { return std::pair{p.gate.reach("192.0.2.1"), p.network.reach("192.0.2.1")}; });
  CHECK_FALSE(gate.reachable);
  CHECK(gate.reason == network.reason);

  // A link and a default route: the watcher's gain flips the gate online, recorded once.
  REQUIRE(control->add_veth(10, "bgs0", 11, "bgs1"));
  REQUIRE(control->set_link(10, true));
  REQUIRE(control->set_link(11, true));
  REQUIRE(control->add_address(10, "10.9.0.2", 24));
  REQUIRE(control->add_route(route().via("10.9.0.1").dev(10)));
  REQUIRE(wait_until([&] { return on_ns([](Parts& p) { return p.gate.connectivity().reachable; }); }, 5s));
  REQUIRE(wait_until([&] { return events() == 1; }, 5s));
  CHECK(on_ns([](Parts& p) { return p.gate.reach("192.0.2.1").reachable; }));
  CHECK(on_ns([](Parts& p) { return p.gate.online_since(); }) > started);
  CHECK(events() == 1);
  ns.run([&] {
    parts->network.stop();
    parts->commits.stop();
    parts.reset();
    control.reset();
  });
}
