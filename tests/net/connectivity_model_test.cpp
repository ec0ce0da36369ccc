// The connectivity model from hand-built netlink messages: which destinations are reachable,
// and the reason given when one is not, for each shape of routing table a user's machine has.
#include <catch2/catch.hpp>

#include "daemon/net/connectivity_model.hpp"
#include "tests/net/netlink_builder.hpp"

// After the project headers: Asio brings <net/if.h>, which must come before <linux/if.h>.
#include <linux/if.h>
#include <sys/socket.h>

namespace {

using namespace bgsync::net;
using namespace bgsync::net::test;
namespace ip = boost::asio::ip;

constexpr int lo = 1;
constexpr int eth0 = 2;
constexpr int wlan0 = 3;
constexpr int tun0 = 4;

unsigned loopback_flags() { return IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP; }

ConnectivityModel model_of(std::initializer_list<Bytes> datagrams) {
  ConnectivityModel model;
  for (const auto& datagram : datagrams) model.apply(datagram);
  return model;
}

// lo, and eth0 on 192.168.1.10/24 with its prefix route and a default route via 192.168.1.1.
ConnectivityModel home() {
  return model_of({link_message(lo, "lo", loopback_flags()), link_message(eth0, "eth0", link_up_flags()),
                   address_message(eth0, "192.168.1.10", 24),
                   route_message(route("192.168.1.0/24").dev(eth0)),
                   route_message(route().via("192.168.1.1").dev(eth0).metric(100))});
}

RouteSpec default_via_eth0() { return route().via("192.168.1.1").dev(eth0).metric(100); }

}  // namespace

TEST_CASE("with no routes a remote address has no route, loopback is still reachable", "[model]") {
  const ConnectivityModel model;
  const Reachability remote = model.reach("192.0.2.1");
  CHECK_FALSE(remote.reachable);
  CHECK(remote.reason == "no route to 192.0.2.1");
  CHECK(model.reach("2001:db8::1").reason == "no route to 2001:db8::1");
  for (const char* host : {"127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost", "LocalHost", "api.localhost"}) {
    INFO(host);
    CHECK(model.reach(std::string_view(host)).reachable);
  }
  CHECK_FALSE(model.online());
  CHECK(model.reach_any().reason == "no default route");
  CHECK(model.reach("example.com").reason == "no default route");
}

TEST_CASE("a default route over a link that is up with carrier reaches everything", "[model]") {
  const ConnectivityModel model = home();
  CHECK(model.link_count() == 2);
  CHECK(model.route_count() == 2);
  const Reachability remote = model.reach("192.0.2.1");
  CHECK(remote.reachable);
  CHECK(remote.reason == "via eth0");
  CHECK(model.reach("192.168.1.20").reachable);
  CHECK(model.reach("Example.COM.").reachable);
  CHECK(model.online());
  CHECK(model.reach_any().reason == "default route via eth0");
  CHECK(model.reach("192.168.1.10").reason == "local address");
}

TEST_CASE("a link that goes down takes its IPv4 routes with it, and the reason says so", "[model]") {
  ConnectivityModel model = home();
  model.apply(link_message(eth0, "eth0", link_down_flags()));
  const Reachability remote = model.reach("192.0.2.1");
  CHECK_FALSE(remote.reachable);
  CHECK(remote.reason == "link eth0 is down");
  CHECK(model.reach_any().reason == "link eth0 is down");
  // Like the kernel (which says nothing about it), the routes are gone, not just unusable:
  CHECK(model.route_count() == 0);
  model.apply(link_message(eth0, "eth0", link_up_flags()));
  CHECK(model.reach("192.0.2.1").reason == "no route to 192.0.2.1");
  // ...until someone adds them again.
  model.apply(route_message(default_via_eth0()));
  CHECK(model.reach("192.0.2.1").reachable);
}

TEST_CASE("a route over a link known to be down is unusable", "[model]") {
  const ConnectivityModel model =
      model_of({link_message(eth0, "eth0", link_down_flags()), route_message(route("::/0").via("fe80::1").dev(eth0))});
  CHECK(model.reach("2001:db8::1").reason == "link eth0 is down");
}

TEST_CASE("a link without carrier keeps its routes but reaches nothing", "[model]") {
  ConnectivityModel model = home();
  model.apply(link_message(eth0, "eth0", link_no_carrier_flags()));
  CHECK(model.reach("192.0.2.1").reason == "no carrier on eth0");
  CHECK(model.route_count() == 2);
  model.apply(link_message(eth0, "eth0", link_up_flags()));
  CHECK(model.reach("192.0.2.1").reachable);
}

TEST_CASE("the most specific route wins, then the lowest metric", "[model]") {
  ConnectivityModel model = home();
  model.apply(concat({link_message(tun0, "tun0", IFF_UP | IFF_POINTOPOINT | IFF_RUNNING | IFF_LOWER_UP),
                      route_message(route("10.8.0.0/24").dev(tun0)),
                      route_message(route("10.9.0.0/16").type(RTN_BLACKHOLE))}));
  CHECK(model.reach("10.8.0.5").reason == "via tun0");
  CHECK(model.reach("10.8.1.5").reason == "via eth0");
  CHECK(model.reach("10.9.1.1").reason == "route to 10.9.1.1 is blackhole");
  CHECK(model.reach("192.0.2.1").reason == "via eth0");

  model.apply(concat({link_message(wlan0, "wlan0", link_up_flags()),
                      route_message(route().via("192.168.2.1").dev(wlan0).metric(600))}));
  CHECK(model.reach("192.0.2.1").reason == "via eth0");
  // An unusable route falls through to the next one, as the kernel skips dead routes.
  model.apply(link_message(eth0, "eth0", link_no_carrier_flags()));
  CHECK(model.reach("192.0.2.1").reason == "via wlan0");
  model.apply(link_message(wlan0, "wlan0", link_no_carrier_flags()));
  CHECK(model.reach("192.0.2.1").reason == "no carrier on eth0");
}

TEST_CASE("blackhole, unreachable and prohibit routes make a destination unreachable, throw is ignored", "[model]") {
  ConnectivityModel model = home();
  model.apply(concat({route_message(route("198.51.100.0/24").type(RTN_BLACKHOLE)),
                      route_message(route("203.0.113.0/24").type(RTN_UNREACHABLE)),
                      route_message(route("203.0.113.128/25").type(RTN_PROHIBIT)),
                      route_message(route("192.0.2.0/24").table(100).type(RTN_THROW))}));
  CHECK(model.reach("198.51.100.7").reason == "route to 198.51.100.7 is blackhole");
  CHECK(model.reach("203.0.113.7").reason == "route to 203.0.113.7 is unreachable");
  CHECK(model.reach("203.0.113.200").reason == "route to 203.0.113.200 is prohibit");
  CHECK(model.reach("192.0.2.1").reachable);
  // A reject route also beats a usable default for reach_any when it is the default.
  model.apply(route_message(route().type(RTN_UNREACHABLE).metric(1)));
  CHECK(model.reach("192.0.2.1").reason == "route to 192.0.2.1 is unreachable");
  CHECK(model.reach_any().reason == "default route is unreachable");
}

TEST_CASE("a deleted route is gone", "[model]") {
  ConnectivityModel model = home();
  model.apply(route_message(default_via_eth0(), true));
  CHECK(model.route_count() == 1);
  CHECK(model.reach("192.0.2.1").reason == "no route to 192.0.2.1");
  CHECK(model.reach("192.168.1.20").reachable);
  CHECK(model.reach_any().reason == "no default route");
}

TEST_CASE("a deleted link takes its addresses and routes", "[model]") {
  ConnectivityModel model = home();
  model.apply(link_message(eth0, "eth0", link_down_flags(), true));
  CHECK(model.link_count() == 1);
  CHECK(model.route_count() == 0);
  CHECK(model.reach("192.0.2.1").reason == "no route to 192.0.2.1");
  CHECK(model.describe().find("192.168.1.10") == std::string::npos);
}

TEST_CASE("a route naming a link the model does not know is unusable", "[model]") {
  const ConnectivityModel model = model_of({route_message(route().via("10.0.0.1").dev(42))});
  CHECK(model.reach("192.0.2.1").reason == "link #42 is gone");
}

TEST_CASE("an AF_BRIDGE RTM_DELLINK (a port leaving a bridge) does not delete the link", "[model]") {
  ConnectivityModel model = home();
  Bytes message = link_message(eth0, "eth0", link_up_flags(), true);
  message[sizeof(nlmsghdr)] = std::byte{AF_BRIDGE};  // ifinfomsg.ifi_family
  model.apply(message);
  CHECK(model.link_count() == 2);
  CHECK(model.reach("192.0.2.1").reachable);
}

TEST_CASE("IPv6 default routes count for names and IPv6 destinations", "[model]") {
  ConnectivityModel model = model_of({link_message(eth0, "eth0", link_up_flags()),
                                      address_message(eth0, "2001:db8:1::10", 64),
                                      route_message(route("2001:db8:1::/64").dev(eth0).metric(256)),
                                      route_message(route("::/0").via("fe80::1").dev(eth0).metric(1024))});
  CHECK(model.reach("2001:db8:ffff::1").reason == "via eth0");
  CHECK(model.reach("[2001:db8:ffff::1]").reachable);
  CHECK(model.reach("192.0.2.1").reason == "no route to 192.0.2.1");
  CHECK(model.online());
  CHECK(model.reach("example.com").reachable);
  CHECK(model.reach("2001:db8:1::10").reason == "local address");
}

TEST_CASE("an IPv4-mapped IPv6 destination is judged by the IPv4 routes", "[model]") {
  const ConnectivityModel v4 = home();
  CHECK(v4.reach("::ffff:192.0.2.1").reason == "via eth0");
  CHECK(v4.reach(ip::make_address("::ffff:127.0.0.1")).reason == "loopback");
  const ConnectivityModel v6_only =
      model_of({link_message(eth0, "eth0", link_up_flags()), route_message(route("::/0").via("fe80::1").dev(eth0))});
  CHECK(v6_only.reach("[::ffff:192.0.2.1]").reason == "no route to 192.0.2.1");
}

TEST_CASE("a multipath route is usable while any of its links is", "[model]") {
  ConnectivityModel model = model_of({link_message(eth0, "eth0", link_up_flags()), link_message(wlan0, "wlan0", link_up_flags()),
                                      route_message(route("10.20.0.0/16").multipath({eth0, wlan0}))});
  CHECK(model.reach("10.20.1.1").reachable);
  model.apply(link_message(eth0, "eth0", link_no_carrier_flags()));
  CHECK(model.reach("10.20.1.1").reason == "via wlan0");
  // Admin down of one link: the kernel only marks that nexthop dead; the route stays.
  model.apply(link_message(eth0, "eth0", link_down_flags()));
  CHECK(model.route_count() == 1);
  CHECK(model.reach("10.20.1.1").reason == "via wlan0");
  model.apply(link_message(wlan0, "wlan0", link_no_carrier_flags()));
  CHECK(model.reach("10.20.1.1").reason == "link eth0 is down");
}

TEST_CASE("IPv6 keeps a route per link for one prefix", "[model]") {
  ConnectivityModel model = model_of({link_message(eth0, "eth0", link_up_flags()), link_message(wlan0, "wlan0", link_no_carrier_flags()),
                                      route_message(route("fe80::/64").dev(eth0).metric(256)),
                                      route_message(route("fe80::/64").dev(wlan0).metric(256))});
  CHECK(model.route_count() == 2);
  CHECK(model.reach("fe80::1").reason == "via eth0");
  model.apply(route_message(route("fe80::/64").dev(eth0).metric(256), true));
  CHECK(model.route_count() == 1);
  CHECK(model.reach("fe80::1").reason == "no carrier on wlan0");
}

TEST_CASE("IPv6 multipath: nexthops deleted, appended and replaced one at a time", "[model]") {
  ConnectivityModel model = model_of({link_message(eth0, "eth0", link_up_flags()), link_message(wlan0, "wlan0", link_no_carrier_flags()),
                                      route_message(route("2001:db8::/32").multipath({wlan0, eth0}))});
  CHECK(model.reach("2001:db8::1").reason == "via eth0");
  model.apply(route_message(route("2001:db8::/32").dev(eth0), true));  // one sibling goes
  CHECK(model.route_count() == 1);
  CHECK(model.reach("2001:db8::1").reason == "no carrier on wlan0");

  // Older kernels announce each ECMP sibling on its own, the later ones with NLM_F_APPEND.
  model.apply(route_message(route("::/0").via("fe80::1").dev(wlan0).metric(1024)));
  CHECK_FALSE(model.online());
  const RouteSpec second = route("::/0").via("fe80::2").dev(eth0).metric(1024);
  model.apply(route_message(second, false, NLM_F_APPEND));
  CHECK(model.reach_any().reason == "default route via eth0");
  model.apply(route_message(second, true));
  CHECK(model.reach_any().reason == "no carrier on wlan0");

  // A replace that moves the only default route to another link.
  model.apply(route_message(route("::/0").via("fe80::3").dev(eth0).metric(1024), false, NLM_F_REPLACE));
  CHECK(model.route_count() == 2);
  CHECK(model.reach_any().reason == "default route via eth0");
  CHECK(model.describe().find("via fe80::1 dev wlan0") == std::string::npos);
}

TEST_CASE("a route is keyed like the kernel keys it: same key replaces, another metric adds", "[model]") {
  ConnectivityModel model = home();
  model.apply(concat({link_message(wlan0, "wlan0", link_up_flags()),
                      route_message(route().via("192.168.2.1").dev(wlan0).metric(100))}));
  CHECK(model.route_count() == 2);
  CHECK(model.reach("192.0.2.1").reason == "via wlan0");
  model.apply(route_message(route().via("192.168.1.1").dev(eth0).metric(50)));
  CHECK(model.route_count() == 3);
  CHECK(model.reach("192.0.2.1").reason == "via eth0");
  // RTA_TABLE (needed above 255) overrides rtm_table: a default in table 1000 is a separate route.
  model.apply(route_message(route().via("192.168.2.1").dev(wlan0).table(1000).metric(50)));
  CHECK(model.route_count() == 4);
  model.apply(route_message(route().via("192.168.2.1").dev(wlan0).table(1000).metric(50), true));
  CHECK(model.route_count() == 3);
}

TEST_CASE("our own addresses are reachable without routes while their link is up", "[model]") {
  ConnectivityModel model = model_of({link_message(eth0, "eth0", link_up_flags()), address_message(eth0, "10.1.2.3", 8),
                                      address_message(eth0, "fd00::3", 64)});
  CHECK(model.reach("10.1.2.3").reason == "local address");
  CHECK(model.reach("fd00::3").reason == "local address");
  model.apply(address_message(eth0, "fd00::3", 64, true));
  CHECK_FALSE(model.reach("fd00::3").reachable);
  model.apply(link_message(eth0, "eth0", link_down_flags()));
  CHECK_FALSE(model.reach("10.1.2.3").reachable);
}

TEST_CASE("a VPN-only host: its IP is reachable at once, its name once learned", "[model]") {
  ConnectivityModel model = model_of({link_message(lo, "lo", loopback_flags()),
                                      link_message(tun0, "tun0", IFF_UP | IFF_POINTOPOINT | IFF_RUNNING | IFF_LOWER_UP),
                                      address_message(tun0, "10.8.0.2", 24), route_message(route("10.8.0.0/24").dev(tun0))});
  CHECK(model.reach("10.8.0.5").reason == "via tun0");
  CHECK(model.reach("intranet.corp.example").reason == "no default route");
  model.learn("Intranet.Corp.Example.", {ip::make_address("10.8.0.5")});
  CHECK(model.learned_count() == 1);
  CHECK(model.reach("intranet.corp.example").reason == "via tun0");
  // Down goes the VPN: the learned address decides, with its own reason.
  model.apply(link_message(tun0, "tun0", IFF_UP | IFF_POINTOPOINT));
  CHECK(model.reach("intranet.corp.example").reason == "no carrier on tun0");
  // Forgetting falls back to the default route.
  model.learn("intranet.corp.example", {});
  CHECK(model.reach("intranet.corp.example").reason == "no default route");
}

TEST_CASE("a name reachable by any of its learned addresses", "[model]") {
  ConnectivityModel model = home();
  model.learn("dual.example", {ip::make_address("2001:db8::1"), ip::make_address("192.0.2.1")});
  CHECK(model.reach("dual.example").reason == "via eth0");
  model.learn("v6only.example", {ip::make_address("2001:db8::1")});
  CHECK(model.reach("v6only.example").reason == "no route to 2001:db8::1");
}

TEST_CASE("the learned-host cache is bounded and forgets the oldest first", "[model]") {
  ConnectivityModel model;
  for (int i = 0; i < 10'000; ++i) model.learn("host" + std::to_string(i) + ".example", {ip::make_address("10.8.0.5")});
  CHECK(model.learned_count() <= HostCache::max_hosts);
  CHECK(model.learned_count() > HostCache::max_hosts / 2);
  HostCache cache;
  for (int i = 0; i < 10'000; ++i) cache.learn("host" + std::to_string(i), {ip::make_address("10.8.0.5")});
  CHECK(cache.find("host9999") != nullptr);
  CHECK(cache.find("host0") == nullptr);
}

TEST_CASE("paths: what counts as gaining connectivity", "[model]") {
  const ConnectivityModel offline = model_of({link_message(eth0, "eth0", link_up_flags())});
  const ConnectivityModel online = home();
  CHECK(adds_connectivity(online.paths(), offline.paths()));
  CHECK_FALSE(adds_connectivity(offline.paths(), online.paths()));
  CHECK_FALSE(adds_connectivity(online.paths(), online.paths()));

  ConnectivityModel no_carrier = home();
  no_carrier.apply(link_message(eth0, "eth0", link_no_carrier_flags()));
  CHECK_FALSE(adds_connectivity(no_carrier.paths(), online.paths()));
  CHECK(adds_connectivity(online.paths(), no_carrier.paths()));

  ConnectivityModel blackholed = home();
  blackholed.apply(route_message(route("198.51.100.0/24").type(RTN_BLACKHOLE)));
  CHECK_FALSE(adds_connectivity(blackholed.paths(), online.paths()));
  CHECK(adds_connectivity(online.paths(), blackholed.paths()));
}

TEST_CASE("describe lists links and routes in a stable order", "[model]") {
  const std::string text = home().describe();
  CHECK(text.find("online: yes, default route via eth0\n") == 0);
  CHECK(text.find("link 2 eth0: up carrier 192.168.1.10\n") != std::string::npos);
  CHECK(text.find("route 0.0.0.0/0 table main metric 100 unicast via 192.168.1.1 dev eth0\n") != std::string::npos);
  CHECK(text == home().describe());
}

TEST_CASE("several messages in one datagram are all applied", "[model]") {
  ConnectivityModel model;
  model.apply(concat({link_message(eth0, "eth0", link_up_flags()), address_message(eth0, "192.168.1.10", 24),
                      route_message(default_via_eth0())}));
  CHECK(model.link_count() == 1);
  CHECK(model.route_count() == 1);
  CHECK(model.online());
}
