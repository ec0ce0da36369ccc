// Unit tests of the daemon core's small parts: durations, action ids, private dirs, instance locks,
// destinations, the systemd status line and journal fields, the descriptor budget.
#include <set>

#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/destination.hpp"
#include "daemon/duration.hpp"
#include "daemon/fd_budget.hpp"
#include "daemon/id_generator.hpp"
#include "daemon/journal_sink.hpp"
#include "daemon/runtime_paths.hpp"
#include "daemon/systemd_notify.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_util.hpp"

using namespace bgsync;
using namespace bgsync::daemon;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_CASE("durations parse as typed and print back", "[daemon][duration]") {
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("10s") == 10s);
  CHECK(parse_duration("10") == 10s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("2h") == 2h);
  CHECK(parse_duration("7d") == std::chrono::milliseconds(7LL * 86'400'000));
  for (const char* bad : {"", "ms", "-1s", "1.5s", "10 s", "3w", "99999999999999d"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad));
  }
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(60s) == "1m");
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(std::chrono::milliseconds(7LL * 86'400'000)) == "7d");
}

TEST_CASE("action ids are UUIDv7, unique, and sort by creation", "[daemon][ids]") {
  IdGenerator ids;
  proto::ActionId previous = ids.next();
  std::set<proto::ActionId> seen{previous};
  for (int i = 0; i < 100'000; ++i) {
    const auto id = ids.next();
    REQUIRE(previous < id);  // many per millisecond: the counter keeps them ordered
    REQUIRE((id.bytes[6] >> 4) == 7);      // version 7
    REQUIRE((id.bytes[8] & 0xc0) == 0x80);  // RFC 9562 variant
    seen.insert(id);
    previous = id;
  }
  CHECK(seen.size() == 100'001);
  const auto text = previous.to_string();
  CHECK(text[14] == '7');
  CHECK(proto::ActionId::parse(text) == previous);
}

TEST_CASE("private directories are created 0700 and checked", "[daemon][paths][security]") {
  test::TempDir tmp;
  const auto dir = tmp / "a" / "b" / "sock";
  REQUIRE(ensure_private_dir(dir, true, true));
  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(ensure_private_dir(dir, false, true));  // again: fine

  const auto open_dir = tmp / "open";
  ::mkdir(open_dir.c_str(), 0700);
  ::chmod(open_dir.c_str(), 0755);
  auto refused = ensure_private_dir(open_dir, false, true);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("0755") && Catch::Contains("0700"));
  CHECK(ensure_private_dir(open_dir, false, false));  // state dirs need only be ours

  const auto link = tmp / "link";
  fs::create_directory_symlink(dir, link);
  auto via_link = ensure_private_dir(link, false, true);
  REQUIRE_FALSE(via_link);
  CHECK_THAT(via_link.error().message, Catch::Contains("symbolic link"));

  const auto file = tmp / "file";
  { std::FILE* f = std::fopen(file.c_str(), "w"); std::fclose(f); }
  CHECK_FALSE(ensure_private_dir(file, false, true));
}

TEST_CASE("an instance lock is exclusive and names its holder", "[daemon][paths]") {
  test::TempDir tmp;
  const auto path = tmp / "bgsyncd.lock";
  auto first = InstanceLock::acquire(path, "state dir X");
  REQUIRE(first);
  // flock locks belong to the open file description: a second open in this process conflicts too.
  auto second = InstanceLock::acquire(path, "state dir X");
  REQUIRE_FALSE(second);
  CHECK_THAT(second.error().message,
             Catch::Contains("another bgsyncd (pid " + std::to_string(::getpid()) + ")") && Catch::Contains("state dir X"));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  { auto moved = std::move(*first); }  // released with its owner
  CHECK(InstanceLock::acquire(path, "state dir X"));
}

TEST_CASE("a destination is the URL's host, and loopback ones are known as such", "[daemon][destination]") {
  CHECK(destination_of("https://Example.COM:8443/a?b") == "example.com");
  CHECK(destination_of("http://[::1]:80/") == "::1");
  CHECK(destination_of("http://192.0.2.1/") == "192.0.2.1");
  CHECK(destination_of("not a url").empty());
  for (const char* local : {"127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1", "localhost", "api.localhost", "localhost."}) {
    INFO(local);
    CHECK(is_loopback(local));
  }
  for (const char* remote : {"192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1", "example.com", "localhost.example.com", ""}) {
    INFO(remote);
    CHECK_FALSE(is_loopback(remote));
  }
}

TEST_CASE("the systemd STATUS= line says online or why not, counts, and the next attempt", "[daemon][systemd]") {
  const proto::TimePoint now{std::chrono::milliseconds(1'800'000'000'000)};
  StatusSnapshot s;
  s.reach = {true, "default route via eth0"};
  CHECK(format_status(s, now) == "online, 0 queued");
  s.counts[proto::ActionState::queued] = 3;
  s.counts[proto::ActionState::failed] = 1;
  s.next_attempt = now + 11'200ms;
  CHECK(format_status(s, now) == "online, 3 queued, 1 failed, next attempt in 12s");
  s.reach = {false, "no default route"};
  CHECK(format_status(s, now) == "offline (no default route), 3 queued, 1 failed");
  s.reach = {true, "default route via eth0"};
  s.paused = true;
  CHECK_THAT(format_status(s, now), Catch::StartsWith("paused, online, 3 queued"));
}

TEST_CASE("journal entries carry the action id of lines that start with one", "[daemon][systemd]") {
  CHECK(logged_action_id("action 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a: sent (HTTP 204)") ==
        std::optional<std::string_view>("0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"));
  CHECK_FALSE(logged_action_id("network: online (default route via eth0)"));
  CHECK_FALSE(logged_action_id("action not-a-uuid: x"));
  CHECK_FALSE(logged_action_id("action 0190c3b2"));
}

TEST_CASE("client connections get half of the descriptors, 16 to 4096", "[daemon][fds]") {
  CHECK(fd_budget(256).max_connections == 128);
  CHECK(fd_budget(1024).max_connections == 512);
  CHECK(fd_budget(20).max_connections == 16);
  CHECK(fd_budget(std::size_t{1} << 20).max_connections == 4096);

  // The soft limit goes up to the hard one (this test process's own: harmless).
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
  const auto budget = raise_fd_limit();
  rlimit after{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &after) == 0);
  CHECK(after.rlim_cur == before.rlim_max);
  CHECK(budget.limit == std::min<rlim_t>(after.rlim_cur, rlim_t{1} << 20));
}
