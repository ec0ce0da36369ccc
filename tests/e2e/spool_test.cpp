// The spool end to end: requests stored while bgsyncd is down (by libbgsync and by syncctl) are
// taken in when it starts and as they appear, each sent once, in tag order, with the time it was
// made; a crash during intake neither loses nor doubles one; bad files are moved aside.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "bgsync/proto/id_generator.hpp"
#include "bgsync/proto/spool.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/event_collector.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Where the test daemon looks by default: <its state dir>/spool.
fs::path spool_of(const DaemonProcess& daemon) { return daemon.state_dir() / "spool"; }

ConnectOptions spool_options(const DaemonProcess& daemon) {
  ConnectOptions options;
  options.socket_path = daemon.socket();
  options.spool_dir = spool_of(daemon).string();
  return options;
}

// The *.json files waiting in the spool (rejected/ and temporary files aside).
std::size_t waiting(const DaemonProcess& daemon) {
  std::size_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(spool_of(daemon), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") ++n;
  }
  return n;
}

ProcessResult syncctl(const DaemonProcess& daemon, std::vector<std::string> args) {
  args.insert(args.begin(), BGSYNC_SYNCCTL_PATH);
  return run_process(args, {}, {{"BGSYNC_SOCKET", daemon.socket()}, {"BGSYNC_SPOOL", spool_of(daemon).string()}});
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::map<std::string, int> keys_received(const HttpServer& server) {
  std::map<std::string, int> keys;
  for (const auto& r : server.requests()) ++keys[r.header("Idempotency-Key").value_or("")];
  return keys;
}

// Spools `n` actions through libbgsync (no daemon is running), spread over a few tags.
std::vector<ActionId> spool_many(const DaemonProcess& daemon, const HttpServer& server, int n) {
  std::vector<ActionId> ids;
  for (int i = 0; i < n; ++i) {
    auto action = bgsync::spool(post(server.url("/many"), std::to_string(i), "t" + std::to_string(i % 5)),
                                spool_options(daemon));
    REQUIRE(action);
    ids.push_back(action->id);
  }
  return ids;
}

// An inotify descriptor, closed at the end of the test.
struct InotifyFd {
  explicit InotifyFd(int fd_) : fd(fd_) {}
  ~InotifyFd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

// A daemon run once, paused and stopped: the next start takes the spool in without sending.
void start_paused_later(DaemonProcess& daemon) {
  daemon.start();
  REQUIRE(daemon.client().pause());
  REQUIRE(daemon.terminate() == 0);
}

}  // namespace

TEST_CASE("spooled while bgsyncd is down: taken in at start, each sent once, in tag order", "[e2e][spool]") {
  HttpServer server;
  DaemonProcess daemon;  // not started yet
  std::vector<ActionId> ids;
  std::vector<TimePoint> created;
  for (int i = 0; i < 4; ++i) {
    auto outcome = bgsync::enqueue(post(server.url("/lib"), "lib " + std::to_string(i), "notes"), spool_options(daemon));
    REQUIRE(outcome);
    CHECK(outcome->spooled);
    ids.push_back(outcome->action.id);
    created.push_back(outcome->action.created);
  }
  auto text = syncctl(daemon, {"enqueue", "-d", "cli 0", "--tag", "notes", server.url("/cli")});
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.err.find("spooled: bgsyncd is not running") != std::string::npos);
  const auto cli_id = ActionId::parse(trim(text.out));  // stdout is the id alone, as when stored
  REQUIRE(cli_id);
  ids.push_back(*cli_id);
  auto json = syncctl(daemon, {"--json", "enqueue", "-d", "cli 1", "--tag", "notes", server.url("/cli")});
  REQUIRE(json.exit_code == 0);
  CHECK(json.out.find("\"spooled\":true") != std::string::npos);
  REQUIRE(waiting(daemon) == 6);
  struct stat st {};
  REQUIRE(::stat(spool_of(daemon).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  std::this_thread::sleep_for(5ms);  // so that a created time taken at intake would differ
  daemon.start();
  REQUIRE(server.wait_for_requests(6, 20s));
  const auto requests = server.requests();
  std::vector<std::string> bodies;
  for (const auto& r : requests) bodies.push_back(r.body);
  CHECK(bodies == std::vector<std::string>{"lib 0", "lib 1", "lib 2", "lib 3", "cli 0", "cli 1"});
  CHECK(requests[4].header("Idempotency-Key") == cli_id->to_string());  // the id syncctl printed
  auto client = daemon.client();
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(requests[i].header("Idempotency-Key") == ids[i].to_string());
    REQUIRE(wait_for_state(client, ids[i], ActionState::sent));
    const Action stored = get_ok(client, ids[i]);
    CHECK(stored.created == created[i]);
    // Without a ttl of its own it expires the default 7 days after its creation, not its intake.
    CHECK(stored.policy.expires_at == created[i] + std::chrono::days(7));
  }
  REQUIRE(wait_for_state(client, ids.back(), ActionState::sent));
  CHECK(list_all(client).size() == 6);
  CHECK(server.request_count() == 6);
  CHECK(waiting(daemon) == 0);
  CHECK(fs::is_empty(spool_of(daemon) / "rejected"));
}

TEST_CASE("enqueue with the spool turned off fails as before when bgsyncd is down", "[e2e][spool]") {
  HttpServer server;
  DaemonProcess daemon;
  auto r = syncctl(daemon, {"enqueue", "--no-spool", server.url("/x")});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err.find("not running") != std::string::npos);
  auto options = spool_options(daemon);
  options.spool = false;
  auto outcome = bgsync::enqueue(post(server.url("/x"), "x"), options);
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code == client_errc::not_running);
  CHECK(waiting(daemon) == 0);
}

TEST_CASE("1,000 spooled actions are taken in at start and sent once each", "[e2e][spool]") {
  HttpServer server;
  DaemonProcess daemon;
  const auto ids = spool_many(daemon, server, 1000);
  daemon.start();
  REQUIRE(server.wait_for_requests(1000, 60s));
  auto client = daemon.client();
  const auto listed = list_all(client);
  REQUIRE(listed.size() == 1000);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(listed[i].id == ids[i]);  // creation order
  const auto keys = keys_received(server);
  for (const auto& id : ids) CHECK(keys.at(id.to_string()) == 1);
  CHECK(waiting(daemon) == 0);
}

TEST_CASE("kill -9 during intake: after a restart every spooled action is there exactly once", "[e2e][spool][recovery]") {
  HttpServer server;
  DaemonProcess daemon;
  start_paused_later(daemon);  // intake without sending, so no send can be repeated
  const auto ids = spool_many(daemon, server, 1000);
  daemon.start();
  REQUIRE(wait_until([&] { return waiting(daemon) < 1000; }, 20s, 1ms));
  daemon.kill9();
  const std::size_t left = waiting(daemon);
  INFO("files left at the kill: " << left);
  daemon.start();
  REQUIRE(wait_until([&] { return waiting(daemon) == 0; }, 30s));
  auto client = daemon.client();
  const auto listed = list_all(client);
  REQUIRE(listed.size() == 1000);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(listed[i].id == ids[i]);
  REQUIRE(client.resume());
  REQUIRE(server.wait_for_requests(1000, 60s));
  ListQuery sent;
  sent.state = ActionState::sent;
  REQUIRE(wait_until([&] { return list_all(client, sent).size() == 1000; }, 20s));
  CHECK(server.request_count() == 1000);
}

TEST_CASE("a spool file is removed only once its action is stored", "[e2e][spool][recovery]") {
  // Every removal the intake makes is seen as it happens (inotify), and at that moment the action
  // must already be in the outbox: a file removed before its commit is durable is lost by a crash.
  HttpServer server;
  DaemonProcess daemon;
  start_paused_later(daemon);
  const auto ids = spool_many(daemon, server, 300);
  InotifyFd notify(::inotify_init1(IN_CLOEXEC));
  REQUIRE(notify.fd >= 0);
  REQUIRE(::inotify_add_watch(notify.fd, spool_of(daemon).c_str(), IN_DELETE) >= 0);
  daemon.start();
  auto client = daemon.client();
  std::size_t seen = 0;
  alignas(inotify_event) char buffer[64 * 1024];
  while (seen < ids.size()) {
    pollfd ready{notify.fd, POLLIN, 0};
    REQUIRE(::poll(&ready, 1, 20'000) == 1);
    const auto n = ::read(notify.fd, buffer, sizeof buffer);
    REQUIRE(n > 0);
    for (const char* at = buffer; at < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(at);
      at += sizeof(inotify_event) + event->len;
      const auto id = proto::parse_spool_file_name(event->len > 0 ? event->name : "");
      if (!id) continue;
      ++seen;
      auto action = client.get(*id);
      INFO(id->to_string() << " was removed from the spool before it was stored");
      REQUIRE(action);
    }
  }
  CHECK(list_all(client).size() == ids.size());
}

TEST_CASE("a file taken in whose removal was lost is not taken in twice", "[e2e][spool][recovery]") {
  // What a crash after the commit and before the unlink reached the disk leaves: the file again.
  HttpServer server;
  DaemonProcess daemon;
  start_paused_later(daemon);
  spool_many(daemon, server, 40);
  const fs::path copy = daemon.dir() / "spool-copy";
  fs::copy(spool_of(daemon), copy, fs::copy_options::recursive);
  daemon.start();
  REQUIRE(wait_until([&] { return waiting(daemon) == 0; }, 20s));
  REQUIRE(daemon.terminate() == 0);
  for (const auto& entry : fs::directory_iterator(copy)) {
    if (entry.is_regular_file()) fs::copy_file(entry.path(), spool_of(daemon) / entry.path().filename());
  }
  daemon.start();
  REQUIRE(wait_until([&] { return waiting(daemon) == 0; }, 20s));
  auto client = daemon.client();
  CHECK(list_all(client).size() == 40);
  CHECK(fs::is_empty(spool_of(daemon) / "rejected"));
}

TEST_CASE("bad spool files are moved aside with an event, and good ones after them still go", "[e2e][spool]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();  // running: these files arrive while it watches the directory
  EventCollector events(daemon.socket(), SubscribeArgs{});
  const fs::path spool = spool_of(daemon);
  REQUIRE(wait_until([&] { return fs::is_directory(spool / "rejected"); }, 10s));
  proto::IdGenerator ids;
  const auto name = [&](const ActionId& id) { return proto::spool_file_name(id); };
  const ActionId malformed = ids.next(), too_large = ids.next(), link = ids.next(), invalid = ids.next();
  std::ofstream(daemon.dir() / "draft") << "not json {";
  fs::rename(daemon.dir() / "draft", spool / name(malformed));
  {
    std::ofstream big(daemon.dir() / "big");
    big << std::string(proto::max_frame_size + 1, ' ');
  }
  fs::rename(daemon.dir() / "big", spool / name(too_large));
  // A symlink to a perfectly good spool file elsewhere: refused all the same.
  ConnectOptions elsewhere;
  elsewhere.spool_dir = (daemon.dir() / "other").string();
  auto target = bgsync::spool(post(server.url("/target"), "via link"), elsewhere);
  REQUIRE(target);
  fs::create_symlink(daemon.dir() / "other" / name(target->id), spool / name(link));
  std::ofstream(daemon.dir() / "invalid")
      << R"({"spool":1,"action_id":")" << invalid.to_string()
      << R"(","created":"2026-01-01T00:00:00.000Z","method":"GET","url":"ftp://example.com/"})";
  fs::rename(daemon.dir() / "invalid", spool / name(invalid));
  auto good = bgsync::spool(post(server.url("/good"), "good"), spool_options(daemon));
  REQUIRE(good);

  REQUIRE(server.wait_for_requests(1, 20s));
  CHECK(server.requests()[0].body == "good");
  REQUIRE(wait_until([&] { return waiting(daemon) == 0; }, 10s));
  for (const auto& id : {malformed, too_large, link, invalid}) {
    CHECK(fs::exists(fs::symlink_status(spool / "rejected" / name(id))));
    CHECK(daemon.log().find("moved " + name(id) + " to rejected/") != std::string::npos);
  }
  std::set<std::string> rejected;
  REQUIRE(wait_until([&] {
    rejected.clear();
    for (const auto& e : events.events()) {
      if (e.type == EventType::rejected) rejected.insert(e.id.to_string() + " " + e.error);
    }
    return rejected.size() == 4;
  }, 10s));
  for (const auto& id : {malformed, too_large, link, invalid}) {
    const auto it = std::find_if(rejected.begin(), rejected.end(), [&](const std::string& r) { return r.starts_with(id.to_string()); });
    REQUIRE(it != rejected.end());
    CHECK(it->find(name(id)) != std::string::npos);
  }
  CHECK(daemon.running());
  CHECK(server.request_count() == 1);  // the symlink's target was not sent
}
