// The model takes untrusted bytes (a forged datagram is dropped by the watcher, but a kernel bug
// or a truncated read must not crash the daemon either): random datagrams, every truncation of
// valid ones, corrupted lengths and bit flips, misaligned buffers. Seeded: failures reproduce.
// Most useful under BGSYNC_SANITIZE=ON, where a read past the buffer is an error.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "daemon/net/connectivity_model.hpp"
#include "tests/net/fixture_file.hpp"
#include "tests/net/netlink_builder.hpp"

#include <linux/if.h>

namespace {

using namespace bgsync::net;
using namespace bgsync::net::test;

std::vector<Bytes> corpus() {
  std::vector<Bytes> out = {
      link_message(2, "eth0", link_up_flags()),
      link_message(2, "eth0", link_down_flags(), true),
      address_message(2, "192.168.1.10", 24),
      address_message(2, "2001:db8::10", 64, true),
      route_message(route().via("192.168.1.1").dev(2).metric(100)),
      route_message(route("::/0").via("fe80::1").dev(2).metric(1024).table(1000)),
      route_message(route("10.20.0.0/16").multipath({2, 3, 4})),
      route_message(route("198.51.100.0/24").type(RTN_BLACKHOLE), true),
  };
  for (const char* name : {"host.bin", "netns-dump.bin", "netns-admin-down.bin"}) {
    for (auto& datagram : load_fixture(name)) out.push_back(std::move(datagram));
  }
  return out;
}

// Exercises every read path of a model that may hold garbage.
void query(const ConnectivityModel& model) {
  for (const char* host : {"192.0.2.1", "10.20.1.1", "2001:db8::1", "::ffff:10.0.0.1", "example.com", "[::1]"})
    (void)model.reach(std::string_view(host));
  (void)model.reach_any();
  (void)model.describe();
  (void)model.paths();
}

// Applies `bytes` from a buffer whose start is misaligned by `offset` bytes.
void apply_at(ConnectivityModel& model, const Bytes& bytes, std::size_t offset) {
  Bytes shifted(offset + bytes.size());
  std::memcpy(shifted.data() + offset, bytes.data(), bytes.size());
  model.apply(std::span<const std::byte>(shifted).subspan(offset));
}

}  // namespace

TEST_CASE("random bytes, truncations, corrupted lengths and bit flips do not crash the model", "[model][fuzz]") {
  std::mt19937 random(20261124);
  const std::vector<Bytes> valid = corpus();
  ConnectivityModel model;

  // Every truncation of every valid datagram, at every alignment.
  for (const auto& datagram : valid) {
    for (std::size_t size = 0; size <= datagram.size(); ++size) {
      apply_at(model, Bytes(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(size)), size % 4);
    }
    query(model);
  }

  for (int iteration = 0; iteration < 4000; ++iteration) {
    Bytes bytes;
    const int kind = iteration % 4;
    if (kind == 0) {
      // Pure noise.
      bytes.resize(random() % 600);
      for (auto& byte : bytes) byte = static_cast<std::byte>(random());
    } else if (kind == 1) {
      // Noise behind a plausible header: a known type and a length that may lie.
      bytes.resize(sizeof(nlmsghdr) + random() % 300);
      for (auto& byte : bytes) byte = static_cast<std::byte>(random());
      nlmsghdr header{};
      header.nlmsg_type = static_cast<std::uint16_t>(RTM_NEWLINK + random() % 12);
      header.nlmsg_len = static_cast<std::uint32_t>(random() % (bytes.size() + 64));
      std::memcpy(bytes.data(), &header, sizeof header);
    } else {
      // A valid datagram with a few bytes flipped (lengths, families, attribute headers...).
      bytes = valid[random() % valid.size()];
      const int flips = 1 + static_cast<int>(random() % 8);
      for (int i = 0; i < flips && !bytes.empty(); ++i) bytes[random() % bytes.size()] ^= static_cast<std::byte>(1u << (random() % 8));
      if (kind == 3 && bytes.size() > 4) bytes.resize(random() % bytes.size());
    }
    apply_at(model, bytes, random() % 4);
    query(model);
    if (iteration % 500 == 0) model.clear_network();
  }
  SUCCEED("no crash");
}

TEST_CASE("a valid message after garbage in the same model is still applied", "[model][fuzz]") {
  ConnectivityModel model;
  Bytes noise(64, std::byte{0xff});
  model.apply(noise);
  model.apply(concat({link_message(2, "eth0", link_up_flags()), route_message(route().via("10.0.0.1").dev(2))}));
  CHECK(model.online());
}
