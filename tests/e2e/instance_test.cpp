// One daemon per socket and state dir, private directories, peer credentials, clean stops.
#include <fstream>

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/e2e/raw_socket.hpp"
#include "tests/support/skip.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_CASE("a second daemon on the same socket or state dir refuses to start", "[e2e][instance]") {
  DaemonProcess first;
  first.start();

  DaemonProcess second;  // its own dirs, then pointed at the first one's
  const auto same_socket = second.run_to_exit({"--socket", first.socket()});
  CHECK(same_socket == 1);
  CHECK_THAT(second.log(), Catch::Contains("already using socket"));

  const auto same_state = second.run_to_exit({"--state-dir", first.state_dir().string()});
  CHECK(same_state == 1);
  CHECK_THAT(second.log(), Catch::Contains("already using state dir"));

  CHECK(first.running());
  auto client = first.client();
  CHECK(client.status());
}

TEST_CASE("SIGTERM stops the daemon cleanly: exit 0, socket removed", "[e2e][instance]") {
  DaemonProcess daemon;
  daemon.start();
  {
    auto client = daemon.client();
    REQUIRE(client.status());
  }
  const auto started = std::chrono::steady_clock::now();
  CHECK(daemon.terminate(5s) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 4s);
  CHECK_FALSE(fs::exists(daemon.socket()));
}

TEST_CASE("the socket directory must be private and ours", "[e2e][instance][security]") {
  DaemonProcess daemon;
  const auto dir = daemon.dir() / "open";
  ::mkdir(dir.c_str(), 0755);
  ::chmod(dir.c_str(), 0755);
  CHECK(daemon.run_to_exit({"--socket", (dir / "s.sock").string()}) == 1);
  CHECK_THAT(daemon.log(), Catch::Contains("must be 0700"));

  const auto link = daemon.dir() / "link";
  fs::create_directory_symlink(daemon.dir() / "run", link);
  CHECK(daemon.run_to_exit({"--socket", (link / "s.sock").string()}) == 1);
  CHECK_THAT(daemon.log(), Catch::Contains("symbolic link"));

  std::ofstream(daemon.dir() / "run" / "file.sock") << "not a socket";
  CHECK(daemon.run_to_exit({"--socket", (daemon.dir() / "run" / "file.sock").string()}) == 1);
  CHECK_THAT(daemon.log(), Catch::Contains("not a socket"));
}

TEST_CASE("the socket and the state files are private", "[e2e][instance][security]") {
  DaemonProcess daemon;
  daemon.start();
  struct stat st {};
  REQUIRE(::stat(daemon.socket().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  for (const auto& entry : fs::directory_iterator(daemon.state_dir())) {
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    INFO(entry.path());
    CHECK((st.st_mode & 077) == 0);
  }
}

TEST_CASE("a connection from another uid is refused and logged", "[e2e][instance][security]") {
  if (::geteuid() != 0) {
    BGSYNC_SKIP("needs root to connect as another uid");
  }
  DaemonProcess daemon;
  daemon.start();
  // Open the path up so that uid 65534 can reach the socket at all: only SO_PEERCRED stops it.
  ::chmod(daemon.dir().c_str(), 0755);
  ::chmod((daemon.dir() / "run").c_str(), 0755);
  ::chmod(daemon.socket().c_str(), 0666);
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    try {
      RawSocket raw(daemon.socket());
      raw.send("{\"id\":1,\"op\":\"status\"}\n");
      ::_exit(raw.read_line(5s) ? 11 : (raw.closed_by_peer(1s) ? 0 : 12));
    } catch (...) {
      ::_exit(13);
    }
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(daemon.log(), Catch::Contains("refused a connection from uid 65534"));
  auto client = daemon.client();
  CHECK(client.status());
}

TEST_CASE("bgsyncd --help documents it - a bad option is a usage error", "[e2e][instance]") {
  auto help = run_process({BGSYNC_DAEMON_PATH, "--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--state-dir") && Catch::Contains("EXIT STATUS"));
  auto bad = run_process({BGSYNC_DAEMON_PATH, "--no-such-option"});
  CHECK(bad.exit_code == 2);
  auto bad_duration = run_process({BGSYNC_DAEMON_PATH, "--retry-base", "soon"});
  CHECK(bad_duration.exit_code == 2);
  CHECK_THAT(bad_duration.err + bad_duration.out, Catch::Contains("duration"));
  CHECK_THAT(help.out, Catch::Contains("--probe-url") && Catch::Contains("CAPTIVE PORTALS"));
  auto bad_probe = run_process({BGSYNC_DAEMON_PATH, "--probe-url", "http://192.0.2.1/generate_204", "--probe-status", "42"});
  CHECK(bad_probe.exit_code == 2);
  CHECK_THAT(bad_probe.err, Catch::StartsWith("--probe-status: 42 is not an HTTP status"));
  auto probe_without_url = run_process({BGSYNC_DAEMON_PATH, "--probe-body", "ok"});
  CHECK(probe_without_url.exit_code == 2);
  CHECK_THAT(probe_without_url.err, Catch::StartsWith("--probe-body: it needs a probe URL"));
  auto bad_probe_url = run_process({BGSYNC_DAEMON_PATH, "--probe-url", "ftp://example.com/"});
  CHECK(bad_probe_url.exit_code == 2);
  CHECK_THAT(bad_probe_url.err, Catch::StartsWith("--probe-url: "));
}
