// The connectivity model fed with real datagrams the kernel sent (tests/net/fixtures, recorded by
// fixtures/record.sh): the recording machine's dump, and a network namespace dumped and then
// changed step by step (carrier lost, carrier back, link taken down), each step's notifications
// applied on top of the previous ones exactly as the watcher would.
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/net/connectivity_model.hpp"
#include "tests/net/fixture_file.hpp"

namespace {

using namespace bgsync::net;
using namespace bgsync::net::test;

void apply_fixture(ConnectivityModel& model, std::string_view name) {
  const auto datagrams = load_fixture(name);
  REQUIRE_FALSE(datagrams.empty());
  for (const auto& datagram : datagrams) model.apply(datagram);
}

std::string reason(const ConnectivityModel& model, std::string_view host) { return model.reach(host).reason; }

}  // namespace

TEST_CASE("the recording machine's dump: loopback, eth0 with IPv4 and IPv6 default routes", "[fixture]") {
  ConnectivityModel model;
  apply_fixture(model, "host.bin");
  INFO(model.describe());
  CHECK(model.link_count() == 4);
  CHECK(model.route_count() == 14);
  CHECK(reason(model, "127.0.0.1") == "loopback");
  CHECK(reason(model, "::1") == "loopback");
  CHECK(reason(model, "192.0.2.2") == "local address");
  CHECK(reason(model, "fd00::2") == "local address");
  CHECK(reason(model, "192.0.2.1") == "via eth0");
  CHECK(reason(model, "198.51.100.1") == "via eth0");
  CHECK(reason(model, "2001:db8::1") == "via eth0");
  CHECK(model.reach_any().reason == "default route via eth0");
  CHECK(model.describe().find("link 2 ifb0: down no-carrier\n") != std::string::npos);
}

TEST_CASE("a namespace's dump, then carrier lost, carrier back, link down", "[fixture]") {
  ConnectivityModel model;
  apply_fixture(model, "netns-dump.bin");
  INFO(model.describe());
  CHECK(model.link_count() == 5);
  CHECK(model.route_count() == 21);
  CHECK(reason(model, "192.0.2.1") == "via bgs0");
  CHECK(reason(model, "10.9.0.7") == "via bgs0");
  CHECK(reason(model, "10.20.1.1") == "via bgs0");  // multipath
  CHECK(reason(model, "10.30.1.1") == "via bgs0");  // table 100
  CHECK(reason(model, "10.9.0.2") == "local address");
  CHECK(reason(model, "198.51.100.1") == "route to 198.51.100.1 is blackhole");
  CHECK(reason(model, "203.0.113.1") == "route to 203.0.113.1 is unreachable");
  CHECK(reason(model, "203.0.113.200") == "route to 203.0.113.200 is prohibit");
  CHECK(reason(model, "2001:db8:1::1") == "via bgs0");
  CHECK(reason(model, "[2001:db8:2::1]") == "via bgs0");
  CHECK(model.reach_any().reason == "default route via bgs0");

  SECTION("carrier lost (the veth peer went down): routes stay, nothing leaves") {
    apply_fixture(model, "netns-carrier-lost.bin");
    INFO(model.describe());
    CHECK(reason(model, "192.0.2.1") == "no carrier on bgs0");
    CHECK(reason(model, "2001:db8::1") == "no carrier on bgs0");
    CHECK(model.reach_any().reason == "no carrier on bgs0");
    CHECK(reason(model, "127.0.0.1") == "loopback");
    CHECK(reason(model, "198.51.100.1") == "route to 198.51.100.1 is blackhole");

    apply_fixture(model, "netns-carrier-back.bin");
    CHECK(reason(model, "192.0.2.1") == "via bgs0");
    CHECK(model.reach_any().reason == "default route via bgs0");

    SECTION("link taken down: IPv4 routes dropped silently, IPv6 ones deleted") {
      apply_fixture(model, "netns-admin-down.bin");
      INFO(model.describe());
      CHECK(reason(model, "192.0.2.1") == "link bgs0 is down");
      CHECK(reason(model, "10.20.1.1") == "link bgs0 is down");
      CHECK(reason(model, "2001:db8::1") == "no route to 2001:db8::1");
      CHECK(model.reach_any().reason == "link bgs0 is down");
      CHECK(reason(model, "203.0.113.1") == "route to 203.0.113.1 is unreachable");
      // Only the local route of its IPv4 address stays, as `ip route show table local` shows.
      std::istringstream lines(model.describe());
      std::vector<std::string> on_bgs0;
      for (std::string line; std::getline(lines, line);) {
        if (line.find("dev bgs0") != std::string::npos) on_bgs0.push_back(line);
      }
      CHECK(on_bgs0 == std::vector<std::string>{"route 10.9.0.2 table local metric 0 local dev bgs0"});
    }
  }
}
