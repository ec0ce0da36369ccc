// Tests of the metered-network source and the bounded D-Bus property read under it: the NMMetered
// mapping, the `network` check, and an absent or silent bus giving unknown quickly, never a throw.
#include "daemon/constraints/metered_source.hpp"

#include "daemon/constraints/dbus_property.hpp"
#include "daemon/constraints/power_source.hpp"
#include "tests/support/test_util.hpp"

#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <variant>

using bgsync::constraints::check_network;
using bgsync::constraints::MeteredState;
using bgsync::constraints::metered_from_nm;
using bgsync::constraints::NetworkRequirement;
using namespace std::chrono_literals;

namespace {

// A Unix socket that listens and never accepts: connect() succeeds (the backlog), then silence —
// a hung bus daemon, as far as a client can tell.
class SilentListener {
 public:
  explicit SilentListener(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 4) != 0) {
      ::close(fd_);
      throw std::runtime_error("bind/listen failed on " + path);
    }
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

 private:
  int fd_;
};

}  // namespace

TEST_CASE("NMMetered: yes and guess-yes are metered, no and guess-no are not", "[constraints][metered]") {
  CHECK(metered_from_nm(1) == true);
  CHECK(metered_from_nm(3) == true);
  CHECK(metered_from_nm(2) == false);
  CHECK(metered_from_nm(4) == false);
  CHECK_FALSE(metered_from_nm(0));
  CHECK_FALSE(metered_from_nm(5));
  CHECK_FALSE(metered_from_nm(0xffffffffu));
}

TEST_CASE("network check: metered defers unmetered registrations, unknown passes saying so", "[constraints][metered]") {
  const MeteredState metered{true, "NetworkManager (guess-yes)"};
  CHECK_FALSE(check_network(NetworkRequirement::unmetered, metered).satisfied);
  CHECK_THAT(check_network(NetworkRequirement::unmetered, metered).reason, Catch::Contains("guess-yes"));
  CHECK(check_network(NetworkRequirement::any, metered).satisfied);
  CHECK(check_network(NetworkRequirement::unmetered, {false, "NetworkManager (no)"}).satisfied);
  const auto unknown = check_network(NetworkRequirement::unmetered, {std::nullopt, "NetworkManager: absent"});
  CHECK(unknown.satisfied);
  CHECK_THAT(unknown.reason, Catch::Contains("unknown") && Catch::Contains("treated as satisfied"));
  CHECK(bgsync::constraints::network_requirement_from_string("unmetered") == NetworkRequirement::unmetered);
  CHECK(bgsync::constraints::network_requirement_from_string("any") == NetworkRequirement::any);
  CHECK_FALSE(bgsync::constraints::network_requirement_from_string("metered"));
}

TEST_CASE("no system bus: metered is unknown at once", "[constraints][metered][dbus]") {
  bgsync::test::TempDir dir;
  bgsync::test::ScopedEnv env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + (dir / "no-bus").string());
  const auto start = std::chrono::steady_clock::now();
  MeteredState state;
  REQUIRE_NOTHROW(state = bgsync::constraints::read_metered({}));
  CHECK_FALSE(state.metered);
  CHECK_THAT(state.source, Catch::StartsWith("NetworkManager: cannot connect to the system bus"));
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("an explicit bus address that does not exist fails at once", "[constraints][dbus]") {
  bgsync::test::TempDir dir;
  const auto value = bgsync::constraints::get_property({"org.example", "/", "org.example", "X"}, 'b',
                                                       {"unix:path=" + (dir / "none").string(), 100ms});
  REQUIRE(std::holds_alternative<bgsync::constraints::DbusFailure>(value));
  CHECK_THAT(std::get<bgsync::constraints::DbusFailure>(value).message, Catch::Contains("cannot connect"));
}

TEST_CASE("a bus that accepts and never answers costs the timeout, not a hang", "[constraints][dbus]") {
  bgsync::test::TempDir dir;
  const auto path = (dir / "silent").string();
  SilentListener listener(path);
  const auto start = std::chrono::steady_clock::now();
  const auto state = bgsync::constraints::read_metered({"unix:path=" + path, 100ms});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(state.metered);
  CHECK_THAT(state.source, Catch::Contains("no answer") && Catch::Contains("100 ms"));
  CHECK(took >= 100ms);
  CHECK(took < 1s);
}

TEST_CASE("the machine's own bus, whatever it has, answers or fails within the timeout", "[constraints][dbus]") {
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_NOTHROW(bgsync::constraints::read_metered({}));
  REQUIRE_NOTHROW(bgsync::constraints::read_power({}));
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}
